package configdb

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	bolt "go.etcd.io/bbolt"
)

const (
	watchBuffer = 64  // events buffered in a watcher's channel
	watchBatch  = 256 // records fetched per read
)

// Watcher streams committed changes to objects whose kind has a prefix. Each watcher has its
// own goroutine, so a slow consumer delays only itself.
type Watcher struct {
	db      *DB
	prefix  string
	ch      chan Event
	sig     chan struct{}
	quit    chan struct{}
	done    chan struct{}
	once    sync.Once
	snap    objects
	snapRev uint64
	last    uint64 // owned by run

	mu  sync.Mutex
	err error
}

// Watch starts a watcher for kinds starting with kindPrefix ("" for all).
//
// With fromRev == 0, Snapshot returns the matching objects at SnapshotRev (which is durable
// when Watch returns) and C delivers every later revision. With fromRev > 0 there is no
// snapshot, and C delivers the revisions after fromRev, read from the changelog; Watch fails
// with ErrCompacted if they are no longer retained.
//
// Events arrive in revision order, only after they are durable, and contain only matching
// changes; revisions with none are skipped. C is closed by Close, by DB.Close, or when the
// watcher can no longer keep up (see Err).
func (db *DB) Watch(kindPrefix string, fromRev uint64) (*Watcher, error) {
	w := &Watcher{
		db:     db,
		prefix: kindPrefix,
		ch:     make(chan Event, watchBuffer),
		sig:    make(chan struct{}, 1),
		quit:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	if fromRev == 0 {
		db.wmu.Lock()
		if db.closed {
			db.wmu.Unlock()
			return nil, ErrClosed
		}
		w.snapRev = db.rev.Load()
		w.snap = objects{}
		for kind, m := range db.objs { // safe: writers are excluded by wmu
			if strings.HasPrefix(kind, kindPrefix) {
				w.snap[kind] = maps.Clone(m)
			}
		}
		db.qmu.Lock()
		p := db.lastPending
		db.qmu.Unlock()
		db.wmu.Unlock()
		if p != nil {
			if err := p.Wait(); err != nil {
				return nil, err
			}
		}
		w.last = w.snapRev
	} else {
		db.watchMu.Lock()
		ended := db.watchEnd
		db.watchMu.Unlock()
		if ended {
			return nil, ErrClosed
		}
		if err := db.checkRetained(fromRev); err != nil {
			return nil, err
		}
		w.snapRev, w.last = fromRev, fromRev
	}

	db.watchMu.Lock()
	if db.watchEnd {
		db.watchMu.Unlock()
		return nil, ErrClosed
	}
	db.watchers[w] = struct{}{}
	db.watchMu.Unlock()
	go w.run()
	w.signal()
	return w, nil
}

// checkRetained reports whether the revisions after fromRev can still be delivered.
func (db *DB) checkRetained(fromRev uint64) error {
	if cur := db.Rev(); fromRev > cur {
		return fmt.Errorf("configdb: watch from revision %d: current revision is %d", fromRev, cur)
	}
	if fromRev >= db.durableRev.Load() {
		return nil
	}
	var first uint64
	err := db.bdb.View(func(btx *bolt.Tx) error {
		if k, _ := btx.Bucket(bktChangelog).Cursor().First(); k != nil {
			first = binary.BigEndian.Uint64(k)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("configdb: read changelog: %w", err)
	}
	if first == 0 || first > fromRev+1 {
		return fmt.Errorf("%w (watch from revision %d, oldest retained is %d)", ErrCompacted, fromRev, first)
	}
	return nil
}

// C returns the event channel.
func (w *Watcher) C() <-chan Event { return w.ch }

// Snapshot returns the matching objects at SnapshotRev (nil when watching from a revision).
// The map belongs to the caller; the value slices are shared and must not be modified.
func (w *Watcher) Snapshot() map[string]map[string][]byte { return w.snap }

// SnapshotRev is the revision of the snapshot, or the fromRev passed to Watch.
func (w *Watcher) SnapshotRev() uint64 { return w.snapRev }

// Err returns why the watcher stopped on its own (e.g. ErrCompacted when it fell behind the
// changelog retention), or nil.
func (w *Watcher) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Close stops the watcher and closes its channel.
func (w *Watcher) Close() {
	w.db.watchMu.Lock()
	delete(w.db.watchers, w)
	w.db.watchMu.Unlock()
	w.stop()
}

func (w *Watcher) stop() {
	w.once.Do(func() { close(w.quit) })
	<-w.done
}

func (w *Watcher) signal() {
	select {
	case w.sig <- struct{}{}:
	default:
	}
}

func (db *DB) notifyWatchers() {
	db.watchMu.Lock()
	defer db.watchMu.Unlock()
	for w := range db.watchers {
		w.signal()
	}
}

func (w *Watcher) run() {
	defer close(w.done)
	defer close(w.ch)
	for {
		select {
		case <-w.sig:
		case <-w.quit:
			return
		}
		for {
			evs, err := w.db.recordsAfter(w.last, watchBatch)
			if err != nil {
				w.mu.Lock()
				w.err = err
				w.mu.Unlock()
				return
			}
			if len(evs) == 0 {
				break
			}
			for _, ev := range evs {
				w.last = ev.Rev
				out, ok := w.filter(ev)
				if !ok {
					continue
				}
				select {
				case w.ch <- out:
				case <-w.quit:
					return
				}
			}
		}
	}
}

func (w *Watcher) filter(ev *Event) (Event, bool) {
	n := 0
	for _, c := range ev.Changes {
		if strings.HasPrefix(c.Kind, w.prefix) {
			n++
		}
	}
	out := *ev
	switch n {
	case 0:
		return out, false
	case len(ev.Changes):
		return out, true
	}
	out.Changes = make([]Change, 0, n)
	for _, c := range ev.Changes {
		if strings.HasPrefix(c.Kind, w.prefix) {
			out.Changes = append(out.Changes, c)
		}
	}
	return out, true
}

// Follow calls reload once now and again after every commit that changes
// an object whose kind relevant accepts, until ctx ends. A watcher that
// fell too far behind (ErrCompacted) is replaced, with a reload, so no
// change is missed. It returns ctx's error, or the error that stopped the
// watcher.
func (db *DB) Follow(ctx context.Context, relevant func(kind string) bool, reload func()) error {
	for {
		err := db.followOnce(ctx, relevant, reload)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !errors.Is(err, ErrCompacted) {
			return err
		}
	}
}

func (db *DB) followOnce(ctx context.Context, relevant func(kind string) bool, reload func()) error {
	w, err := db.Watch("", 0)
	if err != nil {
		return err
	}
	defer w.Close()
	reload()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev, ok := <-w.C():
			if !ok {
				if err := w.Err(); err != nil {
					return err
				}
				return errors.New("configdb: watcher closed")
			}
			if slices.ContainsFunc(ev.Changes, func(c Change) bool { return relevant(c.Kind) }) {
				reload()
			}
		}
	}
}
