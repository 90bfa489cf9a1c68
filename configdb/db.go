package configdb

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Errors returned by the store.
var (
	ErrClosed    = errors.New("configdb: database is closed")
	ErrCompacted = errors.New("configdb: requested revisions are no longer in the changelog")
	ErrNoStartup = errors.New("configdb: no startup configuration saved")
)

const (
	defaultChangelogKeep = 10000
	defaultTailCap       = 1024
	maxBatch             = 1000  // items per bbolt transaction (bounds its size and latency)
	defaultMaxQueued     = 50000 // queued items before Update waits for the writer
	lockTimeout          = time.Second
	formatVersion        = "1"
)

var (
	bktMeta      = []byte("meta")
	bktRunning   = []byte("running")
	bktChangelog = []byte("changelog")
	bktStartup   = []byte("startup")
	bktUserMeta  = []byte("usermeta")
	keyFormat    = []byte("format")
	keyRev       = []byte("rev")
	keyInfo      = []byte("info")
	keyObjects   = []byte("objects")
)

// Options tune a DB. The zero value is the production default.
type Options struct {
	// ChangelogKeep is how many changelog records are retained (default 10000).
	ChangelogKeep int
	// NoSync skips fsync on commit. Only for benchmarks: it gives up crash safety.
	NoSync bool

	tailCap   int // records kept in memory for watchers (tests shrink it)
	maxQueued int // queued items before Update waits for the writer (tests shrink it)
}

// Meta says who made a change: the session (e.g. "vty0 admin") and the CLI line.
type Meta struct {
	Session string
	Line    string
}

type objects = map[string]map[string][]byte

// DB is an open configuration store. All methods are safe for concurrent use.
type DB struct {
	path string
	bdb  *bolt.DB
	opts Options

	wmu    sync.Mutex // serialises writers (Update, SaveStartup, Close)
	closed bool       // guarded by wmu

	mu          sync.RWMutex // guards the in-memory state below
	objs        objects
	rev         atomic.Uint64 // written under mu (and wmu)
	startup     objects       // nil when no startup snapshot exists
	startupRev  uint64
	startupTime time.Time

	qmu         sync.Mutex // guards the write queue
	qcond       *sync.Cond // on qmu: signalled when the queue shrinks or closing
	queue       []*item
	lastPending *Pending
	closing     bool
	kick        chan struct{}
	writerDone  chan struct{}
	werr        atomic.Pointer[error] // sticky disk write failure

	durableRev atomic.Uint64
	tailMu     sync.RWMutex
	tail       []*Event // recent durable records, contiguous revisions

	watchMu  sync.Mutex
	watchers map[*Watcher]struct{}
	watchEnd bool
}

// Open opens (creating if needed) the store at path and loads it into memory.
func Open(path string, opts Options) (*DB, error) {
	if opts.ChangelogKeep <= 0 {
		opts.ChangelogKeep = defaultChangelogKeep
	}
	if opts.tailCap <= 0 {
		opts.tailCap = defaultTailCap
	}
	if opts.maxQueued <= 0 {
		opts.maxQueued = defaultMaxQueued
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("configdb: create directory: %w", err)
	}
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout, NoSync: opts.NoSync})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("configdb: database %s is locked by another process: %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("configdb: open %s: %w", path, err)
	}
	db := &DB{
		path:       path,
		bdb:        bdb,
		opts:       opts,
		objs:       objects{},
		kick:       make(chan struct{}, 1),
		writerDone: make(chan struct{}),
		watchers:   map[*Watcher]struct{}{},
	}
	if err := db.load(); err != nil {
		bdb.Close()
		return nil, fmt.Errorf("configdb: load %s: %w", path, err)
	}
	db.qcond = sync.NewCond(&db.qmu)
	go db.writer()
	return db, nil
}

func (db *DB) load() error {
	err := db.bdb.Update(func(btx *bolt.Tx) error {
		for _, name := range [][]byte{bktRunning, bktChangelog, bktStartup, bktUserMeta} {
			if _, err := btx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta, err := btx.CreateBucketIfNotExists(bktMeta)
		if err != nil {
			return err
		}
		switch f := meta.Get(keyFormat); {
		case f == nil:
			return meta.Put(keyFormat, []byte(formatVersion))
		case string(f) != formatVersion:
			return fmt.Errorf("unsupported format %q", f)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return db.bdb.View(func(btx *bolt.Tx) error {
		if v := btx.Bucket(bktMeta).Get(keyRev); len(v) == 8 {
			db.rev.Store(binary.BigEndian.Uint64(v))
		}
		db.durableRev.Store(db.rev.Load())
		var err error
		if db.objs, err = readObjects(btx.Bucket(bktRunning)); err != nil {
			return err
		}
		st := btx.Bucket(bktStartup)
		info := st.Get(keyInfo)
		if info == nil {
			return nil
		}
		var si startupInfo
		if err := json.Unmarshal(info, &si); err != nil {
			return fmt.Errorf("startup info: %w", err)
		}
		db.startupRev, db.startupTime = si.Rev, si.Time
		db.startup, err = readObjects(st.Bucket(keyObjects))
		return err
	})
}

// readObjects copies a bucket of kind buckets into memory.
func readObjects(b *bolt.Bucket) (objects, error) {
	out := objects{}
	if b == nil {
		return out, nil
	}
	err := b.ForEach(func(kind, v []byte) error {
		kb := b.Bucket(kind)
		if v != nil || kb == nil {
			return fmt.Errorf("unexpected key %q in objects bucket", kind)
		}
		m := map[string][]byte{}
		err := kb.ForEach(func(name, val []byte) error {
			m[string(name)] = append([]byte{}, val...)
			return nil
		})
		if len(m) > 0 {
			out[string(kind)] = m
		}
		return err
	})
	return out, err
}

// Rev returns the current revision (the last applied update, durable or not).
func (db *DB) Rev() uint64 { return db.rev.Load() }

// Path returns the database file name.
func (db *DB) Path() string { return db.path }

// View runs fn with a consistent read-only view of the running configuration.
func (db *DB) View(fn func(tx *ReadTx) error) error {
	db.mu.RLock()
	defer db.mu.RUnlock()
	return fn(&ReadTx{objs: db.objs, rev: db.rev.Load()})
}

// Sync waits until everything queued so far is durable.
func (db *DB) Sync() error {
	db.qmu.Lock()
	p := db.lastPending
	db.qmu.Unlock()
	if p == nil {
		return db.writeErr()
	}
	return p.Wait()
}

// GetMeta returns a blob stored with PutMeta. It is not part of the configuration.
func (db *DB) GetMeta(key string) ([]byte, bool) {
	var out []byte
	_ = db.bdb.View(func(btx *bolt.Tx) error {
		if v := btx.Bucket(bktUserMeta).Get([]byte(key)); v != nil {
			out = append([]byte{}, v...)
		}
		return nil
	})
	return out, out != nil
}

// PutMeta durably stores a blob (synchronously, with fsync).
func (db *DB) PutMeta(key string, val []byte) error {
	if key == "" {
		return errors.New("configdb: empty meta key")
	}
	err := db.bdb.Update(func(btx *bolt.Tx) error {
		return btx.Bucket(bktUserMeta).Put([]byte(key), append([]byte{}, val...))
	})
	if err != nil {
		return fmt.Errorf("configdb: put meta %q: %w", key, err)
	}
	return nil
}

// Close flushes queued records, closes all watchers and the file.
func (db *DB) Close() error {
	db.wmu.Lock()
	if db.closed {
		db.wmu.Unlock()
		return nil
	}
	db.closed = true
	db.wmu.Unlock()

	db.qmu.Lock()
	db.closing = true
	db.qcond.Broadcast()
	db.qmu.Unlock()
	db.signalWriter()
	<-db.writerDone

	db.watchMu.Lock()
	db.watchEnd = true
	ws := db.watchers
	db.watchers = nil
	db.watchMu.Unlock()
	for w := range ws {
		w.stop()
	}
	werr := db.writeErr()
	if err := db.bdb.Close(); err != nil {
		return fmt.Errorf("configdb: close: %w", err)
	}
	return werr
}

func (db *DB) writeErr() error {
	if p := db.werr.Load(); p != nil {
		return *p
	}
	return nil
}

func revKey(rev uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), rev)
}
