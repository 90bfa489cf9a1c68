package configdb

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// item is one unit of work for the durable writer: a changelog record or a startup snapshot.
type item struct {
	ev      *Event
	startup *startupSnap
	p       *Pending
}

type startupInfo struct {
	Rev     uint64    `json:"rev"`
	Time    time.Time `json:"time"`
	Session string    `json:"session,omitempty"`
	Line    string    `json:"line,omitempty"`
}

type startupSnap struct {
	info startupInfo
	objs objects
}

// enqueue hands an item to the writer. Caller holds wmu, so items are queued in order.
func (db *DB) enqueue(it *item) *Pending {
	rev := db.rev.Load()
	if it.ev != nil {
		rev = it.ev.Rev
	}
	it.p = &Pending{Rev: rev, done: make(chan struct{})}
	db.qmu.Lock()
	db.queue = append(db.queue, it)
	db.lastPending = it.p
	db.qmu.Unlock()
	db.signalWriter()
	return it.p
}

func (db *DB) signalWriter() {
	select {
	case db.kick <- struct{}{}:
	default:
	}
}

// writer is the single goroutine that makes queued items durable, up to maxBatch items per
// bbolt transaction (group commit).
func (db *DB) writer() {
	defer close(db.writerDone)
	var batch []*item
	for {
		db.qmu.Lock()
		n := min(len(db.queue), maxBatch)
		batch = append(batch[:0], db.queue[:n]...)
		clear(db.queue[:n])
		db.queue = db.queue[n:]
		closing := db.closing
		db.qcond.Broadcast() // room in the queue for throttled writers
		db.qmu.Unlock()
		if n > 0 {
			db.writeBatch(batch)
			clear(batch)
			continue
		}
		if closing {
			return
		}
		<-db.kick
	}
}

// throttle blocks while the writer is far behind, so memory stays bounded. It is called
// before taking the write lock, so it never holds up readers or the in-memory apply.
func (db *DB) throttle() {
	db.qmu.Lock()
	for len(db.queue) >= db.opts.maxQueued && !db.closing && db.writeErr() == nil {
		db.qcond.Wait()
	}
	db.qmu.Unlock()
}

func (db *DB) writeBatch(batch []*item) {
	var evs []*Event
	for _, it := range batch {
		if it.ev != nil {
			evs = append(evs, it.ev)
		}
	}
	err := db.writeErr()
	if err == nil {
		if err = db.bdb.Update(func(btx *bolt.Tx) error { return db.writeItems(btx, batch) }); err != nil {
			err = fmt.Errorf("configdb: write %s: %w", db.path, err)
			db.werr.CompareAndSwap(nil, &err)
		}
	}
	if err == nil && len(evs) > 0 {
		db.addTail(evs)
		db.durableRev.Store(evs[len(evs)-1].Rev)
	}
	for _, it := range batch {
		it.p.complete(err)
	}
	if err != nil {
		db.qmu.Lock()
		db.qcond.Broadcast() // throttled writers must see the failure
		db.qmu.Unlock()
	}
	if err == nil && len(evs) > 0 {
		db.notifyWatchers()
	}
}

func (db *DB) writeItems(btx *bolt.Tx, batch []*item) error {
	running := btx.Bucket(bktRunning)
	log := btx.Bucket(bktChangelog)
	var last uint64
	for _, it := range batch {
		if it.startup != nil {
			if err := writeStartup(btx.Bucket(bktStartup), it.startup); err != nil {
				return err
			}
			continue
		}
		for _, c := range it.ev.Changes {
			if err := applyChange(running, c); err != nil {
				return fmt.Errorf("rev %d %s %s %q: %w", it.ev.Rev, c.Op, c.Kind, c.Name, err)
			}
		}
		data, err := json.Marshal(it.ev)
		if err != nil {
			return err
		}
		if err := log.Put(revKey(it.ev.Rev), data); err != nil {
			return err
		}
		last = it.ev.Rev
	}
	if last == 0 {
		return nil
	}
	if err := btx.Bucket(bktMeta).Put(keyRev, revKey(last)); err != nil {
		return err
	}
	if keep := uint64(db.opts.ChangelogKeep); last > keep {
		cutoff := last - keep
		c := log.Cursor()
		for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k) <= cutoff; k, _ = c.First() {
			if err := c.Delete(); err != nil {
				return err
			}
		}
	}
	return nil
}

func applyChange(running *bolt.Bucket, c Change) error {
	if c.Op == Put {
		kb, err := running.CreateBucketIfNotExists([]byte(c.Kind))
		if err != nil {
			return err
		}
		return kb.Put([]byte(c.Name), c.Value)
	}
	kb := running.Bucket([]byte(c.Kind))
	if kb == nil {
		return nil
	}
	if err := kb.Delete([]byte(c.Name)); err != nil {
		return err
	}
	if k, _ := kb.Cursor().First(); k == nil {
		return running.DeleteBucket([]byte(c.Kind))
	}
	return nil
}

func writeStartup(st *bolt.Bucket, s *startupSnap) error {
	if st.Bucket(keyObjects) != nil {
		if err := st.DeleteBucket(keyObjects); err != nil {
			return err
		}
	}
	ob, err := st.CreateBucket(keyObjects)
	if err != nil {
		return err
	}
	for kind, m := range s.objs {
		kb, err := ob.CreateBucket([]byte(kind))
		if err != nil {
			return err
		}
		for name, val := range m {
			if err := kb.Put([]byte(name), val); err != nil {
				return err
			}
		}
	}
	info, err := json.Marshal(s.info)
	if err != nil {
		return err
	}
	return st.Put(keyInfo, info)
}

// addTail remembers recent durable records so watchers rarely need to read bbolt.
func (db *DB) addTail(evs []*Event) {
	db.tailMu.Lock()
	defer db.tailMu.Unlock()
	db.tail = append(db.tail, evs...)
	if n := len(db.tail); n > db.opts.tailCap {
		clear(db.tail[:n-db.opts.tailCap])
		db.tail = db.tail[n-db.opts.tailCap:]
	}
}

// recordsAfter returns up to max durable records with Rev > after, in order.
func (db *DB) recordsAfter(after uint64, max int) ([]*Event, error) {
	if after >= db.durableRev.Load() {
		return nil, nil
	}
	db.tailMu.RLock()
	if len(db.tail) > 0 && db.tail[0].Rev <= after+1 {
		i := int(after + 1 - db.tail[0].Rev)
		if i < len(db.tail) {
			out := slices.Clone(db.tail[i:min(len(db.tail), i+max)])
			db.tailMu.RUnlock()
			return out, nil
		}
	}
	db.tailMu.RUnlock()

	var out []*Event
	err := db.bdb.View(func(btx *bolt.Tx) error {
		c := btx.Bucket(bktChangelog).Cursor()
		k, v := c.Seek(revKey(after + 1))
		if k == nil || binary.BigEndian.Uint64(k) != after+1 {
			return fmt.Errorf("%w (revision %d)", ErrCompacted, after+1)
		}
		for ; k != nil && len(out) < max; k, v = c.Next() {
			ev := new(Event)
			if err := json.Unmarshal(v, ev); err != nil {
				return fmt.Errorf("configdb: decode changelog record %d: %w", binary.BigEndian.Uint64(k), err)
			}
			out = append(out, ev)
		}
		return nil
	})
	return out, err
}

// Record summarises a changelog record for the configuration archive.
type Record struct {
	Rev        uint64
	Time       time.Time
	Session    string
	Line       string
	NumChanges int
}

// History returns up to limit (all retained if limit <= 0) durable changelog records,
// newest first.
func (db *DB) History(limit int) []Record {
	var out []Record
	_ = db.bdb.View(func(btx *bolt.Tx) error {
		c := btx.Bucket(bktChangelog).Cursor()
		for k, v := c.Last(); k != nil && (limit <= 0 || len(out) < limit); k, v = c.Prev() {
			var r struct {
				Event
				Changes []json.RawMessage `json:"changes"`
			}
			if err := json.Unmarshal(v, &r); err != nil {
				continue
			}
			out = append(out, Record{Rev: r.Rev, Time: r.Time, Session: r.Session, Line: r.Line, NumChanges: len(r.Changes)})
		}
		return nil
	})
	return out
}
