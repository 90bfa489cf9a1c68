package configdb

import (
	"fmt"
	"time"
)

// ChangeOp is the kind of a change.
type ChangeOp uint8

// Change operations.
const (
	Put ChangeOp = iota + 1
	Delete
)

func (op ChangeOp) String() string {
	switch op {
	case Put:
		return "put"
	case Delete:
		return "delete"
	}
	return fmt.Sprintf("ChangeOp(%d)", uint8(op))
}

// MarshalText encodes the op as "put" or "delete".
func (op ChangeOp) MarshalText() ([]byte, error) {
	if op != Put && op != Delete {
		return nil, fmt.Errorf("configdb: invalid change op %d", uint8(op))
	}
	return []byte(op.String()), nil
}

// UnmarshalText decodes "put" or "delete".
func (op *ChangeOp) UnmarshalText(b []byte) error {
	switch string(b) {
	case "put":
		*op = Put
	case "delete":
		*op = Delete
	default:
		return fmt.Errorf("configdb: invalid change op %q", b)
	}
	return nil
}

// Change is one object written or deleted by a revision. Value is nil for Delete.
type Change struct {
	Kind  string   `json:"kind"`
	Name  string   `json:"name"`
	Op    ChangeOp `json:"op"`
	Value []byte   `json:"value,omitempty"`
}

// Event is a committed revision: the changelog record, and what a Watcher delivers (with
// only the changes matching its prefix). Its slices are shared and must not be modified.
type Event struct {
	Rev     uint64    `json:"rev"`
	Time    time.Time `json:"time"`
	Session string    `json:"session,omitempty"`
	Line    string    `json:"line,omitempty"`
	Changes []Change  `json:"changes"`
}

// Pending is the durability handle of an update.
type Pending struct {
	Rev  uint64 // the revision the update produced (or the current one if it changed nothing)
	done chan struct{}
	err  error
}

// Done is closed once the update is durable (or failed to become durable).
func (p *Pending) Done() <-chan struct{} { return p.done }

// Wait blocks until the update is durable on disk and returns the write error, if any.
func (p *Pending) Wait() error {
	<-p.done
	return p.err
}

func (p *Pending) complete(err error) {
	p.err = err
	close(p.done)
}

// Update runs fn with exclusive write access. If fn returns nil, its writes are applied to
// the running configuration as one new revision and queued for disk; the returned Pending
// says when they are durable. If fn returns an error (returned unchanged) or panics, nothing
// is applied. If fn changed nothing, no revision is made and the Pending carries the current
// revision (it is done once that revision is durable, normally at once).
//
// Update does not wait for the disk, except that it blocks before starting while more than
// 50000 records are queued, so that a writer far faster than the disk cannot exhaust memory.
func (db *DB) Update(meta Meta, fn func(tx *Tx) error) (*Pending, error) {
	if err := db.lockWriter(); err != nil {
		return nil, err
	}
	defer db.wmu.Unlock()
	tx := &Tx{base: db.objs}
	err := run(tx, fn)
	tx.done = true
	if err == nil {
		err = tx.err
	}
	if err != nil {
		return nil, err
	}
	return db.commit(meta, tx.changes()), nil
}

// Replace makes the running configuration equal to objs, as one revision whose changes are
// the difference.
func (db *DB) Replace(meta Meta, objs map[string]map[string][]byte) (*Pending, error) {
	return db.Update(meta, func(tx *Tx) error {
		tx.replaceAll(objs)
		return nil
	})
}

func run(tx *Tx, fn func(tx *Tx) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("configdb: update function panicked: %v", r)
		}
	}()
	return fn(tx)
}

// commit applies changes to memory as a new revision and queues the record. Caller holds wmu.
func (db *DB) commit(meta Meta, changes []Change) *Pending {
	if len(changes) == 0 {
		return db.currentPending()
	}
	ev := &Event{
		Rev:     db.rev.Load() + 1,
		Time:    time.Now().Round(0),
		Session: meta.Session,
		Line:    meta.Line,
		Changes: changes,
	}
	db.mu.Lock()
	for _, c := range changes {
		m := db.objs[c.Kind]
		if c.Op == Delete {
			delete(m, c.Name)
			if len(m) == 0 {
				delete(db.objs, c.Kind)
			}
			continue
		}
		if m == nil {
			m = map[string][]byte{}
			db.objs[c.Kind] = m
		}
		m[c.Name] = c.Value
	}
	db.rev.Store(ev.Rev)
	db.mu.Unlock()
	return db.enqueue(&item{ev: ev})
}

// currentPending returns a Pending for the current revision. Caller holds wmu.
func (db *DB) currentPending() *Pending {
	db.qmu.Lock()
	defer db.qmu.Unlock()
	if db.lastPending != nil {
		return db.lastPending
	}
	p := &Pending{Rev: db.rev.Load(), done: make(chan struct{})}
	close(p.done)
	return p
}

// lockWriter takes the write lock for an operation that makes a revision
// (after waiting out an overfull queue). It fails, unlocked, when the
// database is closed or a disk write has failed.
func (db *DB) lockWriter() error {
	db.throttle()
	db.wmu.Lock()
	if db.closed {
		db.wmu.Unlock()
		return ErrClosed
	}
	if err := db.writeErr(); err != nil {
		db.wmu.Unlock()
		return err
	}
	return nil
}
