// Package schema holds the typed configuration objects that configdb stores:
// one Go struct per object kind, with the kind's name and how its key is
// formed. Handlers in modes write them, the running-config renderer reads
// them, and each service reads the kinds it owns.
//
// Objects are stored as JSON, so a field's zero value means "not
// configured" and IOS defaults are applied by the readers (Defaults are
// documented on each field). Keep this package free of behaviour beyond
// small helpers: no I/O, no knowledge of the CLI.
//
// Interface names are keys, so their spelling lives here (ifname.go): the
// CLI and the services that read interface names from elsewhere (AAA's
// interface-config lines) expand "e0/0" to "Ethernet0/0" with the same
// CanonicalIfName and store the same key.
package schema
