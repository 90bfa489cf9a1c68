package configdb

import (
	"maps"
	"time"
)

// SaveStartup stores a copy of the running objects as the startup configuration
// ("copy running-config startup-config"). It makes no new revision; the Pending carries the
// revision that was saved and is done when the snapshot is durable.
func (db *DB) SaveStartup(meta Meta) (*Pending, error) {
	if err := db.lockWriter(); err != nil {
		return nil, err
	}
	defer db.wmu.Unlock()
	snap := make(objects, len(db.objs))
	for kind, m := range db.objs {
		snap[kind] = maps.Clone(m) // values are immutable, so sharing them is safe
	}
	info := startupInfo{Rev: db.rev.Load(), Time: time.Now().Round(0), Session: meta.Session, Line: meta.Line}
	db.mu.Lock()
	db.startup, db.startupRev, db.startupTime = snap, info.Rev, info.Time
	db.mu.Unlock()
	return db.enqueue(&item{startup: &startupSnap{info: info, objs: snap}}), nil
}

// StartupView runs fn on the saved startup configuration. ok is false (and fn is not
// called) when none was ever saved.
func (db *DB) StartupView(fn func(tx *ReadTx) error) (ok bool, err error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if db.startup == nil {
		return false, nil
	}
	return true, fn(&ReadTx{objs: db.startup, rev: db.startupRev})
}

// StartupInfo returns the revision and time at which the startup configuration was saved.
func (db *DB) StartupInfo() (rev uint64, t time.Time, ok bool) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	return db.startupRev, db.startupTime, db.startup != nil
}

// LoadStartup replaces the running objects with the startup configuration as one new
// revision whose changes are the difference. It fails with ErrNoStartup if none was saved.
func (db *DB) LoadStartup(meta Meta) (*Pending, error) {
	return db.Update(meta, func(tx *Tx) error {
		if db.startup == nil { // safe: Update holds wmu, which guards writes to startup
			return ErrNoStartup
		}
		tx.replaceAll(db.startup)
		return nil
	})
}
