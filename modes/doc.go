// Package modes is the router's mode (node) table and every command's
// registration, grouped by area: system.go, interface.go, crypto_ikev2.go,
// aaa.go and so on. Each area declares its commands (grammar definitions with
// one help string per token), their handlers, and the function that renders
// its part of the running configuration.
//
// A configuration handler runs inside one configdb update: it validates,
// then writes typed objects from configdb/schema; returning an error leaves
// the configuration untouched. An exec handler reads configdb or asks a
// service through Env and writes text. Handlers reach the session only
// through the small Session interface, so this package never imports cli.
//
// What this package must not do: keep state of its own, talk to the network
// or the kernel, or block on a service; the services act on configuration by
// watching configdb.
package modes
