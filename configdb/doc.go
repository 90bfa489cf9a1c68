// Package configdb is Gatehouse's configuration store.
//
// # What it owns
//
// The running configuration: a set of objects, each identified by a (kind, name) pair of
// strings, whose value is opaque bytes (by convention the JSON encoding of a typed Go struct
// marshalled by the owning package). It also owns the revision counter, the changelog, the
// startup configuration snapshot, and a few non-configuration blobs (GetMeta/PutMeta, e.g. the
// SSH host key). It does not know what any kind means: validation, rendering
// (show running-config) and reconciliation belong to the callers.
//
// # Model
//
// The authoritative current state lives in memory (map[kind]map[name][]byte), so reads are
// fast and see every applied update immediately. A bbolt file is the durable copy.
//
//   - Update runs a function with exclusive write access (one writer at a time). Its writes are
//     buffered in the Tx; if the function returns an error or panics nothing is applied. If it
//     changed something, the change set is applied to memory atomically, the revision is bumped
//     by one and a changelog record is queued for the durable writer. Update returns a *Pending
//     at once; Pending.Wait blocks until the record is committed (fsync) to disk.
//   - A single writer goroutine drains the queue and writes all queued records in one bbolt
//     read-write transaction (group commit, at most 1000 per transaction), so a burst of
//     updates costs few fsyncs. If 50000 records are queued, Update waits (before taking the
//     write lock) until the writer catches up, so memory stays bounded. A record is
//     always inside one bbolt transaction, so after a crash it is either fully present or
//     absent.
//   - Watch delivers committed records (only after they are durable) to each watcher through
//     the watcher's own goroutine, which reads from an in-memory tail of recent records or from
//     the changelog bucket. A slow watcher blocks only itself; it never misses or reorders
//     events. If it falls further behind than the changelog retention, its channel is closed
//     and Watcher.Err returns ErrCompacted: the consumer must re-watch from a snapshot.
//   - SaveStartup stores a copy of the running objects as the startup configuration;
//     LoadStartup and Replace replace the running objects as one revision whose changes are the
//     difference.
//   - If a disk write ever fails, the database becomes read-only in memory: every later Update
//     fails with the write error (the in-memory state may then be ahead of the disk; a restart
//     reloads what was durable).
//
// # Rules for callers and for this package
//
//   - Byte slices are immutable once stored: Put copies its argument, and every slice returned
//     by Get, ForEach, Snapshot, Event.Changes and StartupView is shared with the store. Callers
//     must not modify returned slices (copy them first if needed). The store never modifies a
//     stored slice in place.
//   - Nothing slow happens inside the write lock except the caller's function and the in-memory
//     apply: no disk I/O, no fsync. Update functions themselves must be quick and must not do
//     network or disk I/O, call Update (or any other DB write method) re-entrantly, or wait
//     on a Pending: that deadlocks.
//   - A Tx or ReadTx must not be used after its function returns.
//   - Errors produced by this package are prefixed "configdb: " and wrap their cause; an error
//     returned by an Update function is returned unchanged.
//
// # bbolt layout
//
//	meta/                     format = "1"; rev = uint64 big-endian (revision of the last durable record)
//	running/<kind>/<name>     object value (one nested bucket per kind; empty kinds are removed)
//	changelog/<rev>           JSON Event {rev, time, session, line, changes}; key is the 8-byte
//	                          big-endian revision; only the last Options.ChangelogKeep are kept
//	startup/info              JSON {rev, time, session, line} of the last SaveStartup
//	startup/objects/<kind>/<name>
//	                          object values of the startup snapshot
//	usermeta/<key>            GetMeta/PutMeta blobs (not part of the configuration)
package configdb
