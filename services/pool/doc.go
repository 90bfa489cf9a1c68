// Package pool is the address pool service: it hands out IPv4 addresses from
// "ip local pool" ranges and IPv6 prefixes from "ipv6 local pool" prefixes to
// remote-access clients.
//
// # What it owns
//
// The allocation state of every pool: which address or prefix is held, and
// by which owner (a session identifier chosen by the caller). That state
// lives on the goroutine started by Service.Run; every call is sent to that
// goroutine and answered there, so no lock guards it.
//
// The pools themselves are configuration and are owned by configdb (kinds
// ip-local-pool and ipv6-local-pool, written by the CLI in package modes).
// The service watches them and applies each change as a difference: a new
// range becomes allocatable at once; a removed range (or pool) hands out
// nothing more but keeps its in-use addresses until they are released, as
// IOS keeps a session's address until the session ends.
//
// # What it must not do
//
// It never writes configuration, never renders CLI output (modes formats
// "show ip local pool" from Stats), and never touches the kernel or the
// data plane: installing an address or route for a client is the session
// and data-plane services' job.
//
// # Memory
//
// Each range is a bitmap (one bit per address, one per assignable prefix for
// IPv6) with a hint below which every bit is set, so allocating the lowest
// free address is amortised O(1) rather than a scan. Only held addresses
// have a map entry (to name their owner). A range or IPv6 pool with more
// than MaxRangeSize addresses or prefixes only hands out its first
// MaxRangeSize.
package pool
