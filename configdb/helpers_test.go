package configdb

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

func testPath(t testing.TB) string {
	return filepath.Join(t.TempDir(), "sub", "dir", "config.db")
}

func openAt(t testing.TB, path string, opts Options) *DB {
	t.Helper()
	db, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func openTest(t testing.TB, opts Options) *DB { return openAt(t, testPath(t), opts) }

func update(t testing.TB, db *DB, fn func(tx *Tx) error) *Pending {
	t.Helper()
	p, err := db.Update(Meta{Session: "test", Line: "test line"}, fn)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	return p
}

func put(t testing.TB, db *DB, kind, name, val string) *Pending {
	t.Helper()
	return update(t, db, func(tx *Tx) error {
		tx.Put(kind, name, []byte(val))
		return nil
	})
}

func get(t testing.TB, db *DB, kind, name string) (string, bool) {
	t.Helper()
	var v []byte
	var ok bool
	db.View(func(tx *ReadTx) error {
		v, ok = tx.Get(kind, name)
		return nil
	})
	return string(v), ok
}

// dump renders an object set as sorted "kind/name=value" lines.
func dump(tx interface {
	Kinds() []string
	ForEach(string, func(string, []byte) error) error
}) string {
	s := ""
	for _, k := range tx.Kinds() {
		tx.ForEach(k, func(n string, v []byte) error {
			s += fmt.Sprintf("%s/%s=%s\n", k, n, v)
			return nil
		})
	}
	return s
}

func dumpDB(db *DB) string {
	var s string
	db.View(func(tx *ReadTx) error { s = dump(tx); return nil })
	return s
}

const testTimeout = 10 * time.Second

func recv(t testing.TB, w *Watcher) Event {
	t.Helper()
	select {
	case ev, ok := <-w.C():
		if !ok {
			t.Fatalf("watcher channel closed (err %v)", w.Err())
		}
		return ev
	case <-time.After(testTimeout):
		t.Fatalf("no event within %v", testTimeout)
	}
	panic("unreachable")
}

func waitClosed(t testing.TB, w *Watcher) {
	t.Helper()
	deadline := time.After(testTimeout)
	for {
		select {
		case _, ok := <-w.C():
			if !ok {
				return
			}
		case <-deadline:
			t.Fatalf("watcher channel not closed within %v", testTimeout)
		}
	}
}

func fmtChanges(cs []Change) string {
	s := ""
	for _, c := range cs {
		s += fmt.Sprintf("%s %s/%s=%s;", c.Op, c.Kind, c.Name, c.Value)
	}
	return s
}
