package configdb

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestWatchSnapshotAndStream(t *testing.T) {
	db := openTest(t, Options{})
	put(t, db, "interface", "Gi1", "a")
	put(t, db, "system", "hostname", "gw")
	put(t, db, "ikev2-profile", "p1", "x")

	w, err := db.Watch("i", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if w.SnapshotRev() != 3 {
		t.Fatalf("SnapshotRev = %d", w.SnapshotRev())
	}
	if db.durableRev.Load() < 3 {
		t.Fatal("snapshot revision not durable when Watch returned")
	}
	snap := w.Snapshot()
	if len(snap) != 2 || string(snap["interface"]["Gi1"]) != "a" || string(snap["ikev2-profile"]["p1"]) != "x" {
		t.Fatalf("snapshot %q", snap)
	}

	put(t, db, "interface", "Gi2", "b")                                             // 4
	put(t, db, "system", "hostname", "gw2")                                         // 5: skipped
	update(t, db, func(tx *Tx) error { tx.Delete("interface", "Gi1"); return nil }) // 6
	update(t, db, func(tx *Tx) error {                                              // 7: only the matching changes
		tx.Put("system", "domain", []byte("example"))
		tx.Put("interface", "Gi3", []byte("c"))
		tx.Put("ikev2-profile", "p1", []byte("y"))
		return nil
	})
	want := []struct {
		rev     uint64
		changes string
	}{
		{4, "put interface/Gi2=b;"},
		{6, "delete interface/Gi1=;"},
		{7, "put ikev2-profile/p1=y;put interface/Gi3=c;"},
	}
	for _, wt := range want {
		ev := recv(t, w)
		if ev.Rev != wt.rev || fmtChanges(ev.Changes) != wt.changes {
			t.Fatalf("event rev %d %s, want rev %d %s", ev.Rev, fmtChanges(ev.Changes), wt.rev, wt.changes)
		}
		if ev.Session != "test" || ev.Line != "test line" || ev.Time.IsZero() {
			t.Fatalf("event meta %+v", ev)
		}
		if d := db.durableRev.Load(); d < ev.Rev {
			t.Fatalf("event %d delivered before durable (%d)", ev.Rev, d)
		}
	}
	w.Close()
	waitClosed(t, w)
	w.Close() // idempotent
}

// drain reads n events and checks they carry revisions from+1.. in order, each with the
// object written by that revision.
func drain(t *testing.T, w *Watcher, from uint64, n int) {
	t.Helper()
	if err := drainErr(w, from, n); err != nil {
		t.Fatal(err)
	}
}

// drainErr is drain for goroutines other than the test's.
func drainErr(w *Watcher, from uint64, n int) error {
	deadline := time.After(testTimeout)
	for i := 1; i <= n; i++ {
		var ev Event
		select {
		case e, ok := <-w.C():
			if !ok {
				return fmt.Errorf("event %d: channel closed (err %v)", i, w.Err())
			}
			ev = e
		case <-deadline:
			return fmt.Errorf("event %d: none within %v", i, testTimeout)
		}
		rev := from + uint64(i)
		if ev.Rev != rev || len(ev.Changes) != 1 || ev.Changes[0].Name != fmt.Sprint(rev) || string(ev.Changes[0].Value) != fmt.Sprint(rev) {
			return fmt.Errorf("event %d: rev %d %s, want rev %d", i, ev.Rev, fmtChanges(ev.Changes), rev)
		}
	}
	return nil
}

func putRevs(t *testing.T, db *DB, n int) *Pending {
	t.Helper()
	var p *Pending
	for i := 0; i < n; i++ {
		next := db.Rev() + 1
		p = put(t, db, "k", fmt.Sprint(next), fmt.Sprint(next))
	}
	return p
}

func TestSlowWatcher(t *testing.T) {
	for _, tc := range []struct {
		name    string
		tailCap int
		n       int
	}{
		{"tail", 0, 1000},
		{"changelog", 50, 1500}, // the slow watcher must read old records back from bbolt
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openTest(t, Options{tailCap: tc.tailCap})
			slow, err := db.Watch("", 0)
			if err != nil {
				t.Fatal(err)
			}
			defer slow.Close()
			fast, err := db.Watch("k", 0)
			if err != nil {
				t.Fatal(err)
			}
			defer fast.Close()
			fastDone := make(chan error, 1)
			go func() { fastDone <- drainErr(fast, 0, tc.n) }()
			// Writers are never blocked by the slow watcher, which reads nothing meanwhile.
			if err := putRevs(t, db, tc.n).Wait(); err != nil {
				t.Fatal(err)
			}
			if err := <-fastDone; err != nil {
				t.Fatalf("fast watcher: %v", err)
			}
			drain(t, slow, 0, tc.n)
			select {
			case ev := <-slow.C():
				t.Fatalf("extra event %+v", ev)
			default:
			}
		})
	}
}

func TestWatchFromRev(t *testing.T) {
	path := testPath(t)
	db := openAt(t, path, Options{ChangelogKeep: 100})
	putRevs(t, db, 20)
	db.Close()
	db = openAt(t, path, Options{ChangelogKeep: 100})

	w, err := db.Watch("", 5)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if w.Snapshot() != nil || w.SnapshotRev() != 5 {
		t.Fatalf("fromRev watcher has snapshot %v at %d", w.Snapshot(), w.SnapshotRev())
	}
	drain(t, w, 5, 15) // catch-up from the changelog on disk
	putRevs(t, db, 3)
	drain(t, w, 20, 3) // then live

	// Watching from the current revision delivers only what comes next.
	cur, err := db.Watch("", db.Rev())
	if err != nil {
		t.Fatal(err)
	}
	defer cur.Close()
	putRevs(t, db, 1)
	drain(t, cur, 23, 1)

	if _, err := db.Watch("", db.Rev()+1); err == nil {
		t.Fatal("Watch from a future revision succeeded")
	}

	putRevs(t, db, 200).Wait() // rev 224; changelog keeps 125..224
	if _, err := db.Watch("", 5); !errors.Is(err, ErrCompacted) {
		t.Fatalf("Watch from a trimmed revision = %v, want ErrCompacted", err)
	}
	w2, err := db.Watch("", 124)
	if err != nil {
		t.Fatalf("Watch from the oldest retained revision: %v", err)
	}
	defer w2.Close()
	drain(t, w2, 124, 100)
}

func TestCloseClosesWatchers(t *testing.T) {
	db := openTest(t, Options{})
	var ws []*Watcher
	for i := 0; i < 3; i++ {
		w, err := db.Watch("", 0)
		if err != nil {
			t.Fatal(err)
		}
		ws = append(ws, w)
	}
	putRevs(t, db, 200) // more than the channel buffer: watchers are blocked sending
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		waitClosed(t, w)
	}
}

// Follow reloads once at the start and after each commit of a relevant
// kind, never for other kinds.
func TestFollow(t *testing.T) {
	db := openTest(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reloads := make(chan struct{}, 16)
	done := make(chan error, 1)
	go func() {
		done <- db.Follow(ctx, func(kind string) bool { return kind == "want" }, func() { reloads <- struct{}{} })
	}()
	next := func(what string) {
		t.Helper()
		select {
		case <-reloads:
		case <-time.After(5 * time.Second):
			t.Fatalf("no reload %s", what)
		}
	}
	next("at the start")
	for _, kind := range []string{"other", "want"} {
		p, err := db.Update(Meta{Session: "t"}, func(tx *Tx) error { tx.Put(kind, "k", []byte("{}")); return nil })
		if err != nil {
			t.Fatal(err)
		}
		p.Wait()
	}
	next("after the relevant commit")
	select {
	case <-reloads:
		t.Fatal("reloaded for an irrelevant kind")
	default:
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Follow returned %v", err)
	}
}
