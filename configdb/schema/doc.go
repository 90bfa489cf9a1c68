// Package schema holds the typed configuration objects that configdb stores:
// one Go struct per object kind, with the kind's name and how its key is
// formed. Handlers in modes write them, the running-config renderer reads
// them, and each service reads the kinds it owns.
//
// Objects are stored as JSON, so a field's zero value means "not
// configured" and IOS defaults are applied by the readers (Defaults are
// documented on each field). Keep this package free of behaviour beyond
// small helpers: no I/O, no knowledge of the CLI.
package schema
