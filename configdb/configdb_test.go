package configdb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestPutGetDelete(t *testing.T) {
	db := openTest(t, Options{})
	type iface struct {
		Name string `json:"name"`
		MTU  int    `json:"mtu"`
	}
	p := update(t, db, func(tx *Tx) error {
		tx.Put("system", "hostname", []byte(`"gw1"`))
		if err := tx.PutJSON("interface", "Gi1", iface{"Gi1", 1500}); err != nil {
			return err
		}
		tx.Put("interface", "Gi2", []byte(`{}`))
		// reads inside the transaction see its own writes
		if v, ok := tx.Get("system", "hostname"); !ok || string(v) != `"gw1"` {
			t.Errorf("Tx.Get = %q, %v", v, ok)
		}
		tx.Delete("interface", "Gi2")
		if _, ok := tx.Get("interface", "Gi2"); ok {
			t.Error("Tx.Get sees deleted object")
		}
		if got := tx.Names("interface"); !slices.Equal(got, []string{"Gi1"}) {
			t.Errorf("Tx.Names = %q", got)
		}
		if got := tx.Kinds(); !slices.Equal(got, []string{"interface", "system"}) {
			t.Errorf("Tx.Kinds = %q", got)
		}
		return nil
	})
	if p.Rev != 1 || db.Rev() != 1 {
		t.Fatalf("rev = %d, %d; want 1", p.Rev, db.Rev())
	}
	err := db.View(func(tx *ReadTx) error {
		var got iface
		if ok, err := tx.GetJSON("interface", "Gi1", &got); !ok || err != nil || got != (iface{"Gi1", 1500}) {
			t.Errorf("GetJSON = %v, %v, %+v", ok, err, got)
		}
		if ok, err := tx.GetJSON("interface", "Gi9", &got); ok || err != nil {
			t.Errorf("GetJSON(absent) = %v, %v", ok, err)
		}
		if ok, err := tx.GetJSON("system", "hostname", &got); !ok || err == nil || !strings.HasPrefix(err.Error(), "configdb: ") {
			t.Errorf("GetJSON(bad type) = %v, %v", ok, err)
		}
		if tx.Rev() != 1 {
			t.Errorf("ReadTx.Rev = %d", tx.Rev())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := dumpDB(db), "interface/Gi1={\"name\":\"Gi1\",\"mtu\":1500}\nsystem/hostname=\"gw1\"\n"; got != want {
		t.Fatalf("state:\n%s\nwant:\n%s", got, want)
	}

	update(t, db, func(tx *Tx) error {
		tx.Delete("interface", "Gi1")
		tx.Delete("interface", "nonexistent")
		return nil
	})
	if got, want := dumpDB(db), "system/hostname=\"gw1\"\n"; got != want {
		t.Fatalf("after delete:\n%s", got)
	}
	db.View(func(tx *ReadTx) error {
		if k := tx.Kinds(); !slices.Equal(k, []string{"system"}) {
			t.Errorf("Kinds after deleting the last interface = %q", k)
		}
		return nil
	})

	// Put copies its argument.
	buf := []byte("original")
	update(t, db, func(tx *Tx) error { tx.Put("k", "n", buf); return nil })
	copy(buf, "MUTATED!")
	if v, _ := get(t, db, "k", "n"); v != "original" {
		t.Fatalf("stored value aliased the caller's buffer: %q", v)
	}
}

func TestForEachOrderAndError(t *testing.T) {
	db := openTest(t, Options{})
	update(t, db, func(tx *Tx) error {
		for _, n := range []string{"c", "a", "b"} {
			tx.Put("k", n, []byte(n))
		}
		return nil
	})
	stop := errors.New("stop")
	var seen []string
	err := db.View(func(tx *ReadTx) error {
		return tx.ForEach("k", func(name string, val []byte) error {
			seen = append(seen, name+"="+string(val))
			if name == "b" {
				return stop
			}
			return nil
		})
	})
	if !errors.Is(err, stop) || !slices.Equal(seen, []string{"a=a", "b=b"}) {
		t.Fatalf("ForEach: err %v, seen %q", err, seen)
	}
	// Tx.ForEach merges buffered writes.
	update(t, db, func(tx *Tx) error {
		tx.Delete("k", "a")
		tx.Put("k", "d", []byte("d"))
		var got []string
		tx.ForEach("k", func(name string, val []byte) error { got = append(got, name); return nil })
		if !slices.Equal(got, []string{"b", "c", "d"}) {
			t.Errorf("Tx.ForEach = %q", got)
		}
		return nil
	})
}

func TestFailedUpdateLeavesStateUntouched(t *testing.T) {
	db := openTest(t, Options{})
	put(t, db, "system", "hostname", "gw1").Wait()
	before := dumpDB(db)

	boom := errors.New("boom")
	p, err := db.Update(Meta{}, func(tx *Tx) error {
		tx.Put("system", "hostname", []byte("gw2"))
		tx.Put("interface", "Gi1", []byte("x"))
		return boom
	})
	if !errors.Is(err, boom) || p != nil {
		t.Fatalf("Update = %v, %v; want boom", p, err)
	}
	p, err = db.Update(Meta{}, func(tx *Tx) error {
		tx.Put("system", "hostname", []byte("gw3"))
		tx.Delete("system", "hostname")
		panic("handler bug")
	})
	if err == nil || !strings.Contains(err.Error(), "panicked: handler bug") || p != nil {
		t.Fatalf("Update(panic) = %v, %v", p, err)
	}
	_, err = db.Update(Meta{}, func(tx *Tx) error {
		tx.Put("", "x", []byte("y"))
		return nil
	})
	if err == nil || !strings.HasPrefix(err.Error(), "configdb: invalid object key") {
		t.Fatalf("Update(empty kind) = %v", err)
	}
	if got := dumpDB(db); got != before || db.Rev() != 1 {
		t.Fatalf("state changed by failed updates: rev %d\n%s", db.Rev(), got)
	}
	// The lock was released: a later update works.
	if p := put(t, db, "system", "hostname", "gw4"); p.Rev != 2 {
		t.Fatalf("rev = %d", p.Rev)
	}
	// A Tx kept past its function panics when used.
	var kept *Tx
	update(t, db, func(tx *Tx) error { kept = tx; return nil })
	defer func() {
		if recover() == nil {
			t.Error("using a finished Tx did not panic")
		}
	}()
	kept.Put("a", "b", nil)
}

func TestRevisions(t *testing.T) {
	db := openTest(t, Options{})
	if db.Rev() != 0 {
		t.Fatalf("fresh rev = %d", db.Rev())
	}
	p := update(t, db, func(tx *Tx) error { return nil })
	if p.Rev != 0 {
		t.Fatalf("no-op on fresh db: rev %d", p.Rev)
	}
	select {
	case <-p.Done():
	default:
		t.Fatal("no-op Pending not done")
	}
	for i := 1; i <= 3; i++ {
		if p := put(t, db, "k", "n", fmt.Sprint(i)); p.Rev != uint64(i) {
			t.Fatalf("update %d: rev %d", i, p.Rev)
		}
	}
	// identical bytes, delete of absent, put+delete of new: no change, no revision
	p = update(t, db, func(tx *Tx) error {
		tx.Put("k", "n", []byte("3"))
		tx.Delete("k", "absent")
		tx.Put("k", "tmp", []byte("x"))
		tx.Delete("k", "tmp")
		return nil
	})
	if p.Rev != 3 || db.Rev() != 3 {
		t.Fatalf("no-change update made rev %d/%d", p.Rev, db.Rev())
	}
	if err := p.Wait(); err != nil {
		t.Fatal(err)
	}
	if h := db.History(0); len(h) != 3 {
		t.Fatalf("history has %d records, want 3", len(h))
	}
}

func TestPendingWait(t *testing.T) {
	db := openTest(t, Options{})
	var ps []*Pending
	for i := 0; i < 100; i++ {
		ps = append(ps, put(t, db, "k", fmt.Sprint(i), "v"))
	}
	last := ps[len(ps)-1]
	if err := last.Wait(); err != nil {
		t.Fatal(err)
	}
	if d := db.durableRev.Load(); d < last.Rev {
		t.Fatalf("Wait returned before durable: durable %d < %d", d, last.Rev)
	}
	// Records are completed in order: all earlier ones are done too.
	for _, p := range ps {
		select {
		case <-p.Done():
		default:
			t.Fatalf("rev %d not done after rev %d", p.Rev, last.Rev)
		}
	}
	// And they are really on disk.
	err := db.bdb.View(func(btx *bolt.Tx) error {
		if got := binary.BigEndian.Uint64(btx.Bucket(bktMeta).Get(keyRev)); got != 100 {
			t.Errorf("meta rev on disk = %d", got)
		}
		if got := btx.Bucket(bktRunning).Bucket([]byte("k")).Stats().KeyN; got != 100 {
			t.Errorf("%d objects on disk", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Sync(); err != nil {
		t.Fatal(err)
	}
}

func TestReopenRestoresStateAndRev(t *testing.T) {
	path := testPath(t)
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		put(t, db, fmt.Sprintf("kind%d", i%3), fmt.Sprintf("obj%d", i), fmt.Sprint(i))
	}
	update(t, db, func(tx *Tx) error { tx.Delete("kind0", "obj0"); tx.Delete("kind1", "obj1"); return nil })
	if _, err := db.SaveStartup(Meta{Session: "s"}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutMeta("ssh-host-key", []byte("secret")); err != nil {
		t.Fatal(err)
	}
	want, wantRev := dumpDB(db), db.Rev()
	if err := db.Close(); err != nil { // Close flushes without an explicit Sync
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	db = openAt(t, path, Options{})
	if got := dumpDB(db); got != want || db.Rev() != wantRev {
		t.Fatalf("after reopen rev %d (want %d):\n%s\nwant:\n%s", db.Rev(), wantRev, got, want)
	}
	if rev, _, ok := db.StartupInfo(); !ok || rev != wantRev {
		t.Fatalf("StartupInfo = %d, %v", rev, ok)
	}
	if v, ok := db.GetMeta("ssh-host-key"); !ok || string(v) != "secret" {
		t.Fatalf("GetMeta = %q, %v", v, ok)
	}
	if _, ok := db.GetMeta("absent"); ok {
		t.Fatal("GetMeta(absent) ok")
	}
	if p := put(t, db, "k", "n", "v"); p.Rev != wantRev+1 {
		t.Fatalf("rev after reopen = %d", p.Rev)
	}
}

func TestMetaIsNotConfiguration(t *testing.T) {
	db := openTest(t, Options{})
	if err := db.PutMeta("k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if db.Rev() != 0 || dumpDB(db) != "" {
		t.Fatal("PutMeta changed the running configuration")
	}
	if err := db.PutMeta("", nil); err == nil {
		t.Fatal("PutMeta with empty key succeeded")
	}
}

func TestStartup(t *testing.T) {
	path := testPath(t)
	db := openAt(t, path, Options{})
	if ok, err := db.StartupView(func(*ReadTx) error { t.Error("fn called"); return nil }); ok || err != nil {
		t.Fatalf("StartupView on fresh db = %v, %v", ok, err)
	}
	if _, _, ok := db.StartupInfo(); ok {
		t.Fatal("StartupInfo ok on fresh db")
	}
	if _, err := db.LoadStartup(Meta{}); !errors.Is(err, ErrNoStartup) {
		t.Fatalf("LoadStartup without startup = %v", err)
	}

	update(t, db, func(tx *Tx) error {
		tx.Put("k", "a", []byte("1"))
		tx.Put("k", "b", []byte("2"))
		tx.Put("j", "x", []byte("9"))
		return nil
	})
	before := time.Now()
	p, err := db.SaveStartup(Meta{Session: "vty0 admin", Line: "write memory"})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(); err != nil || p.Rev != 1 {
		t.Fatalf("SaveStartup pending: rev %d, %v", p.Rev, err)
	}
	saved := dumpDB(db)
	if rev, ts, ok := db.StartupInfo(); !ok || rev != 1 || ts.Before(before.Add(-time.Second)) {
		t.Fatalf("StartupInfo = %d %v %v", rev, ts, ok)
	}

	update(t, db, func(tx *Tx) error {
		tx.Delete("k", "a")
		tx.Put("k", "b", []byte("22"))
		tx.Put("k", "c", []byte("3"))
		return nil
	})
	var view string
	ok, err := db.StartupView(func(tx *ReadTx) error { view = dump(tx); return nil })
	if !ok || err != nil || view != saved {
		t.Fatalf("StartupView = %v, %v:\n%s\nwant:\n%s", ok, err, view, saved)
	}

	w, err := db.Watch("", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	p, err = db.LoadStartup(Meta{Session: "console", Line: "copy startup-config running-config"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Rev != 3 || dumpDB(db) != saved {
		t.Fatalf("after LoadStartup rev %d:\n%s", p.Rev, dumpDB(db))
	}
	ev := recv(t, w)
	if got, want := fmtChanges(ev.Changes), "put k/a=1;put k/b=2;delete k/c=;"; ev.Rev != 3 || got != want {
		t.Fatalf("LoadStartup event rev %d: %s, want %s", ev.Rev, got, want)
	}
	if ev.Session != "console" || ev.Line != "copy startup-config running-config" {
		t.Fatalf("event meta %q %q", ev.Session, ev.Line)
	}
	// Loading again is a no-op.
	if p, _ := db.LoadStartup(Meta{}); p.Rev != 3 {
		t.Fatalf("second LoadStartup made rev %d", p.Rev)
	}

	// The startup snapshot survives a reopen, and a later save replaces it.
	update(t, db, func(tx *Tx) error { tx.Put("z", "z", []byte("z")); return nil })
	if _, err := db.SaveStartup(Meta{}); err != nil {
		t.Fatal(err)
	}
	saved2 := dumpDB(db)
	w.Close()
	db.Close()
	db = openAt(t, path, Options{})
	ok, err = db.StartupView(func(tx *ReadTx) error { view = dump(tx); return nil })
	if !ok || err != nil || view != saved2 {
		t.Fatalf("StartupView after reopen = %v, %v:\n%s\nwant:\n%s", ok, err, view, saved2)
	}
	if rev, _, _ := db.StartupInfo(); rev != 4 {
		t.Fatalf("startup rev after reopen = %d", rev)
	}
}

func TestReplaceDiff(t *testing.T) {
	db := openTest(t, Options{})
	update(t, db, func(tx *Tx) error {
		tx.Put("k", "a", []byte("1"))
		tx.Put("k", "b", []byte("2"))
		tx.Put("j", "x", []byte("1"))
		return nil
	})
	w, err := db.Watch("", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	target := map[string]map[string][]byte{
		"k": {"a": []byte("1"), "b": []byte("3")},
		"m": {"y": []byte("1")},
	}
	p, err := db.Replace(Meta{Line: "configure replace"}, target)
	if err != nil {
		t.Fatal(err)
	}
	if p.Rev != 2 {
		t.Fatalf("rev %d", p.Rev)
	}
	if got, want := dumpDB(db), "k/a=1\nk/b=3\nm/y=1\n"; got != want {
		t.Fatalf("after Replace:\n%s", got)
	}
	ev := recv(t, w)
	if got, want := fmtChanges(ev.Changes), "delete j/x=;put k/b=3;put m/y=1;"; got != want {
		t.Fatalf("Replace changes %s, want %s", got, want)
	}
	target["k"]["a"][0] = '7' // Replace copied the values
	if v, _ := get(t, db, "k", "a"); v != "1" {
		t.Fatalf("Replace aliased caller's value: %q", v)
	}
	target["k"]["a"][0] = '1'
	if p, _ := db.Replace(Meta{}, target); p.Rev != 2 {
		t.Fatalf("identical Replace made rev %d", p.Rev)
	}
	if p, _ := db.Replace(Meta{}, nil); p.Rev != 3 || dumpDB(db) != "" {
		t.Fatalf("Replace(nil): rev %d, state %q", p.Rev, dumpDB(db))
	}
}

func TestChangelogTrimAndHistory(t *testing.T) {
	db := openTest(t, Options{ChangelogKeep: 10, tailCap: 5})
	start := time.Now()
	for i := 1; i <= 25; i++ {
		update(t, db, func(tx *Tx) error {
			for j := 0; j < i%3+1; j++ {
				tx.Put("k", fmt.Sprintf("%d-%d", i, j), []byte("v"))
			}
			return nil
		})
	}
	if err := db.Sync(); err != nil {
		t.Fatal(err)
	}
	var keys []uint64
	db.bdb.View(func(btx *bolt.Tx) error {
		return btx.Bucket(bktChangelog).ForEach(func(k, _ []byte) error {
			keys = append(keys, binary.BigEndian.Uint64(k))
			return nil
		})
	})
	if len(keys) != 10 || keys[0] != 16 || keys[9] != 25 {
		t.Fatalf("changelog keys %v, want 16..25", keys)
	}
	h := db.History(3)
	if len(h) != 3 {
		t.Fatalf("History(3) = %d records", len(h))
	}
	for i, r := range h {
		rev := uint64(25 - i)
		if r.Rev != rev || r.NumChanges != int(rev%3+1) || r.Session != "test" || r.Line != "test line" || r.Time.Before(start.Add(-time.Second)) {
			t.Errorf("History[%d] = %+v", i, r)
		}
	}
	if h := db.History(0); len(h) != 10 || h[0].Rev != 25 || h[9].Rev != 16 {
		t.Fatalf("History(0) = %d records", len(h))
	}
	// The in-memory tail holds 21..25: older records come from the changelog, or are gone.
	if _, err := db.recordsAfter(3, 10); !errors.Is(err, ErrCompacted) {
		t.Fatalf("recordsAfter(trimmed) = %v, want ErrCompacted", err)
	}
	evs, err := db.recordsAfter(15, 4)
	if err != nil || len(evs) != 4 || evs[0].Rev != 16 || evs[3].Rev != 19 {
		t.Fatalf("recordsAfter(15, 4) = %d records, %v", len(evs), err)
	}
}

func TestSecondOpenIsLocked(t *testing.T) {
	path := testPath(t)
	openAt(t, path, Options{})
	start := time.Now()
	db2, err := Open(path, Options{})
	if err == nil {
		db2.Close()
		t.Fatal("second Open succeeded")
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("second Open took %v", el)
	}
	if want := "configdb: database " + path + " is locked by another process"; !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("error %q, want prefix %q", err, want)
	}
	if !errors.Is(err, bolt.ErrTimeout) {
		t.Fatalf("error does not wrap bolt.ErrTimeout: %v", err)
	}
}

func TestConcurrentUpdates(t *testing.T) {
	path := testPath(t)
	db := openAt(t, path, Options{})
	const workers, each = 8, 200
	var wg sync.WaitGroup
	stopReaders := make(chan struct{})
	var readers sync.WaitGroup
	for r := 0; r < 2; r++ {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for i := 0; ; i++ {
				select {
				case <-stopReaders:
					return
				default:
					runtime.Gosched() // two CPUs: spinning readers must not starve the writers
				}
				db.View(func(tx *ReadTx) error {
					// counter and the number of "obj" objects always agree
					var n int
					tx.GetJSON("counter", "c", &n)
					if i%16 != 0 {
						return nil
					}
					if got := len(tx.Names("obj")); got != n {
						t.Errorf("inconsistent view: counter %d, %d objects", n, got)
					}
					if tx.Rev() != uint64(n) {
						t.Errorf("view rev %d, counter %d", tx.Rev(), n)
					}
					return nil
				})
			}
		}()
	}
	errs := make(chan error, workers)
	for g := 0; g < workers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var last *Pending
			for i := 0; i < each; i++ {
				p, err := db.Update(Meta{Session: fmt.Sprint("w", g)}, func(tx *Tx) error {
					var n int
					if _, err := tx.GetJSON("counter", "c", &n); err != nil {
						return err
					}
					tx.Put("obj", fmt.Sprintf("%d-%d", g, i), []byte("x"))
					return tx.PutJSON("counter", "c", n+1)
				})
				if err != nil {
					errs <- err
					return
				}
				last = p
			}
			errs <- last.Wait()
		}()
	}
	wg.Wait()
	close(stopReaders)
	readers.Wait()
	for g := 0; g < workers; g++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if db.Rev() != workers*each {
		t.Fatalf("rev %d, want %d", db.Rev(), workers*each)
	}
	want := dumpDB(db)
	db.Close()
	db = openAt(t, path, Options{})
	if got := dumpDB(db); got != want || db.Rev() != workers*each {
		t.Fatalf("reopened state differs (rev %d)", db.Rev())
	}
}

func TestCloseRejectsUpdates(t *testing.T) {
	db := openTest(t, Options{})
	put(t, db, "k", "n", "v")
	w, err := db.Watch("", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, w)
	if w.Err() != nil {
		t.Fatalf("watcher Err after DB.Close = %v", w.Err())
	}
	w.Close() // after DB.Close: no-op
	if _, err := db.Update(Meta{}, func(tx *Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("Update after Close = %v", err)
	}
	if _, err := db.SaveStartup(Meta{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("SaveStartup after Close = %v", err)
	}
	if _, err := db.Watch("", 0); !errors.Is(err, ErrClosed) {
		t.Fatalf("Watch after Close = %v", err)
	}
	if _, err := db.Watch("", 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("Watch(fromRev) after Close = %v", err)
	}
	if err := db.Sync(); err != nil {
		t.Fatalf("Sync after Close = %v", err)
	}
	// reads of the in-memory state keep working
	if v, ok := get(t, db, "k", "n"); !ok || v != "v" {
		t.Fatalf("Get after Close = %q %v", v, ok)
	}
}

func TestWriteFailureIsSticky(t *testing.T) {
	db := openTest(t, Options{})
	put(t, db, "k", "a", "1").Wait()
	// Sabotage the file: a plain key where the writer will need a kind bucket.
	err := db.bdb.Update(func(btx *bolt.Tx) error {
		return btx.Bucket(bktRunning).Put([]byte("bad"), []byte("not a bucket"))
	})
	if err != nil {
		t.Fatal(err)
	}
	p := put(t, db, "bad", "n", "v")
	if err := p.Wait(); !errors.Is(err, bolt.ErrIncompatibleValue) || !strings.HasPrefix(err.Error(), "configdb: write ") {
		t.Fatalf("Wait = %v, want a wrapped bolt.ErrIncompatibleValue", err)
	}
	if _, err := db.Update(Meta{}, func(tx *Tx) error { tx.Put("k", "b", nil); return nil }); !errors.Is(err, bolt.ErrIncompatibleValue) {
		t.Fatalf("Update after write failure = %v", err)
	}
	if _, err := db.SaveStartup(Meta{}); !errors.Is(err, bolt.ErrIncompatibleValue) {
		t.Fatalf("SaveStartup after write failure = %v", err)
	}
	if err := db.Sync(); !errors.Is(err, bolt.ErrIncompatibleValue) {
		t.Fatalf("Sync = %v", err)
	}
	if err := db.Close(); !errors.Is(err, bolt.ErrIncompatibleValue) {
		t.Fatalf("Close = %v", err)
	}
}

// TestSequentialUpdates commits many updates back to back without waiting
// for each and checks they all land, in order. How fast that is belongs to
// BenchmarkUpdateSequential, not to a timed test.
func TestSequentialUpdates(t *testing.T) {
	db := openTest(t, Options{})
	const n = 10000
	start := time.Now()
	var last *Pending
	for i := 0; i < n; i++ {
		var err error
		last, err = db.Update(Meta{Session: "bench"}, func(tx *Tx) error {
			tx.Put("interface", fmt.Sprintf("Gi%d", i%500), []byte(fmt.Sprintf(`{"desc":"%d"}`, i)))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := last.Wait(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d sequential updates + final wait: %v (race detector: %v)", n, time.Since(start), raceEnabled)
	db.View(func(tx *ReadTx) error {
		for _, i := range []int{n - 500, n - 1} {
			got, _ := tx.Get("interface", fmt.Sprintf("Gi%d", i%500))
			if want := fmt.Sprintf(`{"desc":"%d"}`, i); string(got) != want {
				t.Errorf("Gi%d = %s, want %s (the last update must win)", i%500, got, want)
			}
		}
		return nil
	})
}

func TestThrottledQueue(t *testing.T) {
	db := openTest(t, Options{maxQueued: 5})
	w, err := db.Watch("", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	done := make(chan error, 1)
	go func() { done <- drainErr(w, 0, 300) }()
	if err := putRevs(t, db, 300).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
