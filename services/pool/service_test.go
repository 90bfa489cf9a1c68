package pool

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
)

// openDB is a real configdb in a temporary directory.
func openDB(t testing.TB) *configdb.DB {
	t.Helper()
	db, err := configdb.Open(filepath.Join(t.TempDir(), "config.db"), configdb.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// update commits fn as one CLI command would.
func update(t testing.TB, db *configdb.DB, fn func(tx *configdb.Tx) error) {
	t.Helper()
	p, err := db.Update(configdb.Meta{Session: "test"}, fn)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(); err != nil {
		t.Fatal(err)
	}
}

// putPool writes "ip local pool NAME START [END]" for each range, in the
// shape modes/pool.go stores (End == Start for one address).
func putPool(t testing.TB, db *configdb.DB, name string, ranges ...[2]string) {
	t.Helper()
	p := schema.IPPool{Name: name}
	for _, r := range ranges {
		if r[1] == "" {
			r[1] = r[0]
		}
		p.Ranges = append(p.Ranges, schema.IPRange{Start: r[0], End: r[1]})
	}
	update(t, db, func(tx *configdb.Tx) error { return tx.PutJSON(schema.KindIPPool, name, &p) })
}

func putPool6(t testing.TB, db *configdb.DB, name, prefix string, assign int) {
	t.Helper()
	p := schema.IPv6Pool{Name: name, Prefix: prefix, AssignLength: assign}
	update(t, db, func(tx *configdb.Tx) error { return tx.PutJSON(schema.KindIPv6Pool, name, &p) })
}

func deleteObj(t testing.TB, db *configdb.DB, kind, name string) {
	t.Helper()
	update(t, db, func(tx *configdb.Tx) error { tx.Delete(kind, name); return nil })
}

// start runs a service on db until the test ends.
func start(t testing.TB, db *configdb.DB) *Service {
	t.Helper()
	s := New(db, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v", err)
		}
	})
	return s
}

// waitFor polls cond until it holds or a deadline passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond) // polling interval, not synchronisation
	}
}

// poolRanges is the pool's ranges as "start-end[ retired] inuse/free".
func poolRanges(s *Service, name string) []string {
	for _, p := range s.Stats() {
		if p.Name != name {
			continue
		}
		var out []string
		for _, r := range p.Ranges {
			st := ""
			if r.Retired {
				st = " retired"
			}
			out = append(out, fmt.Sprintf("%s-%s%s %d/%d", r.Start, r.End, st, r.InUse, r.Free))
		}
		return out
	}
	return nil
}

func same(a, b []string) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

func alloc(t *testing.T, s *Service, pool, req, owner string) netip.Addr {
	t.Helper()
	var r netip.Addr
	if req != "" {
		r = netip.MustParseAddr(req)
	}
	a, err := s.Allocate(pool, r, owner)
	if err != nil {
		t.Fatalf("Allocate(%s, %q, %s): %v", pool, req, owner, err)
	}
	return a
}

func TestAllocationOrder(t *testing.T) {
	db := openDB(t)
	// Ranges entered high first: allocation still goes lowest first.
	putPool(t, db, "ra", [2]string{"10.0.1.1", ""}, [2]string{"10.0.0.1", "10.0.0.3"})
	s := start(t, db)
	var got []string
	for i := range 4 {
		got = append(got, alloc(t, s, "ra", "", fmt.Sprint("u", i)).String())
	}
	if want := []string{"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.1.1"}; !same(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
	if _, err := s.Allocate("ra", netip.Addr{}, "u9"); !errors.Is(err, ErrExhausted) {
		t.Errorf("fifth allocation: %v, want ErrExhausted", err)
	}
	if _, err := s.Allocate("nope", netip.Addr{}, "u9"); !errors.Is(err, ErrUnknownPool) {
		t.Errorf("unknown pool: %v", err)
	}
	if _, err := s.Allocate("ra", netip.Addr{}, ""); !errors.Is(err, ErrNoOwner) {
		t.Errorf("empty owner: %v", err)
	}
	if want := []string{"10.0.0.1-10.0.0.3 3/0", "10.0.1.1-10.0.1.1 1/0"}; !same(poolRanges(s, "ra"), want) {
		t.Errorf("stats %v, want %v", poolRanges(s, "ra"), want)
	}
	if n := s.InUse("ra"); n != 4 {
		t.Errorf("InUse = %d", n)
	}
}

func TestRequestedAddress(t *testing.T) {
	db := openDB(t)
	putPool(t, db, "ra", [2]string{"10.0.0.1", "10.0.0.10"})
	s := start(t, db)
	if a := alloc(t, s, "ra", "10.0.0.7", "alice"); a.String() != "10.0.0.7" {
		t.Errorf("free request: got %s", a)
	}
	// The same owner asking again (a retransmission) keeps its address.
	if a := alloc(t, s, "ra", "", "alice"); a.String() != "10.0.0.7" {
		t.Errorf("repeat: got %s", a)
	}
	_, err := s.Allocate("ra", netip.MustParseAddr("10.0.0.7"), "bob")
	var inUse *InUseError
	if !errors.As(err, &inUse) || inUse.Owner != "alice" || !errors.Is(err, ErrInUse) {
		t.Fatalf("taken request: %v, want InUseError naming alice", err)
	}
	if want := `pool "ra": 10.0.0.7 is in use by "alice"`; err.Error() != want {
		t.Errorf("error text %q, want %q", err, want)
	}
	// Refused: retry without a request for a replacement.
	if a := alloc(t, s, "ra", "", "bob"); a.String() != "10.0.0.1" {
		t.Errorf("replacement: got %s", a)
	}
	// A request outside the pool is ignored, not an error.
	if a := alloc(t, s, "ra", "192.0.2.1", "carol"); a.String() != "10.0.0.2" {
		t.Errorf("outside request: got %s", a)
	}
	if o, ok := s.Owner(netip.MustParseAddr("10.0.0.2")); !ok || o != "carol" {
		t.Errorf("Owner = %q %v", o, ok)
	}
}

func TestReleaseAndReuse(t *testing.T) {
	db := openDB(t)
	putPool(t, db, "ra", [2]string{"10.0.0.1", "10.0.0.4"})
	putPool6(t, db, "v6", "2001:DB8::/48", 64)
	s := start(t, db)
	for i := range 4 {
		alloc(t, s, "ra", "", fmt.Sprint("u", i))
	}
	if err := s.Release("ra", netip.MustParseAddr("10.0.0.2")); err != nil {
		t.Fatal(err)
	}
	if err := s.Release("ra", netip.MustParseAddr("10.0.0.2")); !errors.Is(err, ErrNotAllocated) {
		t.Errorf("double release: %v", err)
	}
	if err := s.Release("other", netip.MustParseAddr("10.0.0.3")); !errors.Is(err, ErrNotAllocated) {
		t.Errorf("release from the wrong pool: %v", err)
	}
	if a := alloc(t, s, "ra", "", "new"); a.String() != "10.0.0.2" {
		t.Errorf("reuse: got %s", a)
	}
	// ReleaseOwner frees both families.
	if _, err := s.AllocateIPv6("v6", "u3"); err != nil {
		t.Fatal(err)
	}
	if n := s.ReleaseOwner("u3"); n != 2 {
		t.Errorf("ReleaseOwner released %d, want 2", n)
	}
	if s.InUse("ra") != 3 || s.InUseIPv6("v6") != 0 {
		t.Errorf("InUse after ReleaseOwner: %d %d", s.InUse("ra"), s.InUseIPv6("v6"))
	}
	if a := alloc(t, s, "ra", "", "again"); a.String() != "10.0.0.4" {
		t.Errorf("after ReleaseOwner: got %s", a)
	}
}

func TestConfigChangeWhileInUse(t *testing.T) {
	db := openDB(t)
	putPool(t, db, "ra", [2]string{"10.0.0.1", "10.0.0.2"}, [2]string{"10.0.1.1", "10.0.1.2"})
	s := start(t, db)
	a1 := alloc(t, s, "ra", "", "a")
	alloc(t, s, "ra", "", "b")
	b1 := alloc(t, s, "ra", "", "c") // 10.0.1.1

	// "no ip local pool ra 10.0.0.1 10.0.0.2": the range is retired,
	// its addresses stay allocated, nothing new comes from it.
	putPool(t, db, "ra", [2]string{"10.0.1.1", "10.0.1.2"})
	want := []string{"10.0.0.1-10.0.0.2 retired 2/0", "10.0.1.1-10.0.1.2 1/1"}
	waitFor(t, "range retired", func() bool { return same(poolRanges(s, "ra"), want) })
	if err := s.Release("ra", a1); err != nil {
		t.Fatal(err)
	}
	if a := alloc(t, s, "ra", a1.String(), "d"); a.String() != "10.0.1.2" {
		t.Errorf("allocation after retiring: got %s, want 10.0.1.2", a)
	}
	s.ReleaseOwner("b")
	want = []string{"10.0.1.1-10.0.1.2 2/0"}
	if got := poolRanges(s, "ra"); !same(got, want) {
		t.Errorf("after the last release: %v, want %v", got, want)
	}

	// A range added becomes allocatable.
	putPool(t, db, "ra", [2]string{"10.0.1.1", "10.0.1.2"}, [2]string{"10.0.2.1", ""})
	waitFor(t, "range added", func() bool { return len(poolRanges(s, "ra")) == 2 })
	if a := alloc(t, s, "ra", "", "e"); a.String() != "10.0.2.1" {
		t.Errorf("added range: got %s", a)
	}

	// "no ip local pool ra": unknown for new allocations, addresses kept.
	deleteObj(t, db, schema.KindIPPool, "ra")
	waitFor(t, "pool removed", func() bool {
		_, err := s.Allocate("ra", netip.Addr{}, "f")
		return errors.Is(err, ErrUnknownPool)
	})
	if n := s.InUse("ra"); n != 3 {
		t.Errorf("InUse of removed pool = %d, want 3", n)
	}
	// Another pool now covering a still-held address must not hand it out.
	putPool(t, db, "other", [2]string{"10.0.1.1", "10.0.1.3"})
	waitFor(t, "pool other", func() bool { return len(poolRanges(s, "other")) == 1 })
	if a := alloc(t, s, "other", "", "g"); a.String() != "10.0.1.3" {
		t.Errorf("overlapping pool handed out %s, want 10.0.1.3", a)
	}
	if _, err := s.Allocate("other", b1, "h"); !errors.Is(err, ErrInUse) {
		t.Errorf("request for an address held in a removed pool: %v", err)
	}
	for _, o := range []string{"c", "d", "e"} {
		s.ReleaseOwner(o)
	}
	if got := poolRanges(s, "ra"); got != nil {
		t.Errorf("removed pool still listed after its last release: %v", got)
	}
	if a := alloc(t, s, "other", "", "h"); a.String() != "10.0.1.1" {
		t.Errorf("freed address not reusable by the other pool: got %s", a)
	}
	// Re-adding a retired range revives it rather than duplicating it.
	putPool(t, db, "other", [2]string{"10.0.1.1", "10.0.1.3"}, [2]string{"10.0.5.1", ""})
	putPool(t, db, "other", [2]string{"10.0.1.1", "10.0.1.3"})
	waitFor(t, "retired unused range dropped", func() bool { return len(poolRanges(s, "other")) == 1 })
	if got, want := poolRanges(s, "other"), []string{"10.0.1.1-10.0.1.3 2/1"}; !same(got, want) {
		t.Errorf("other: %v, want %v", got, want)
	}
}

func TestIPv6PrefixDelegation(t *testing.T) {
	db := openDB(t)
	// "ipv6 local pool v6 2001:db8::/48 64" as modes stores it.
	putPool6(t, db, "v6", "2001:DB8::/48", 64)
	s := start(t, db)
	var got []string
	for i := range 3 {
		p, err := s.AllocateIPv6("v6", fmt.Sprint("u", i))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p.String())
	}
	if want := []string{"2001:db8::/64", "2001:db8:0:1::/64", "2001:db8:0:2::/64"}; !same(got, want) {
		t.Errorf("prefixes %v, want %v", got, want)
	}
	if p, _ := s.AllocateIPv6("v6", "u1"); p.String() != "2001:db8:0:1::/64" {
		t.Errorf("repeat for u1: %s", p)
	}
	if err := s.ReleaseIPv6("v6", netip.MustParsePrefix("2001:db8:0:1::/64")); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.AllocateIPv6("v6", "u9"); p.String() != "2001:db8:0:1::/64" {
		t.Errorf("reuse: %s", p)
	}
	st := s.StatsIPv6()
	if len(st) != 1 || st[0].InUse != 3 || st[0].Free != 65536-3 || st[0].AssignLength != 64 {
		t.Errorf("stats %+v", st)
	}
	if _, err := s.AllocateIPv6("nope", "x"); !errors.Is(err, ErrUnknownPool) {
		t.Errorf("unknown pool: %v", err)
	}

	// Renumbered while in use: the old prefix keeps its clients, the
	// new one skips what they hold where the two overlap.
	putPool6(t, db, "v6", "2001:DB8::/62", 64)
	waitFor(t, "renumbered", func() bool { return len(s.StatsIPv6()) == 2 })
	p, err := s.AllocateIPv6("v6", "n1")
	if err != nil || p.String() != "2001:db8:0:3::/64" {
		t.Errorf("after renumbering: %s %v, want 2001:db8:0:3::/64", p, err)
	}
	if _, err := s.AllocateIPv6("v6", "n2"); !errors.Is(err, ErrExhausted) {
		t.Errorf("exhausted /62: %v", err)
	}
	for _, o := range []string{"u0", "u2", "u9"} {
		s.ReleaseOwner(o)
	}
	st = s.StatsIPv6()
	if len(st) != 1 || st[0].Prefix.String() != "2001:db8::/62" || st[0].InUse != 1 || st[0].Free != 3 {
		t.Errorf("after releasing the old clients: %+v", st)
	}
	deleteObj(t, db, schema.KindIPv6Pool, "v6")
	waitFor(t, "v6 removed", func() bool { return s.StatsIPv6()[0].Retired })
	s.ReleaseOwner("n1")
	if st := s.StatsIPv6(); len(st) != 0 {
		t.Errorf("removed pool still listed: %+v", st)
	}
}

func TestIPv6SlotArithmetic(t *testing.T) {
	for _, tc := range []struct {
		prefix string
		assign int
		slot   uint64
		want   string
	}{
		{"2001:db8::/48", 64, 65535, "2001:db8:0:ffff::/64"},
		{"2001:db8::/32", 48, 1, "2001:db8:1::/48"},
		{"2001:db8::/120", 128, 255, "2001:db8::ff/128"},
		{"2001:db8::/96", 100, 3, "2001:db8::3000:0/100"},
		{"2001:db8::ffff:ffff:ffff:0/112", 112, 1, "2001:db8:0:1::/112"}, // carry into the high half
	} {
		r := &range6{prefix: netip.MustParsePrefix(tc.prefix), assign: tc.assign, bm: newBitmap(MaxRangeSize)}
		p := r.prefixAt(tc.slot)
		if p.String() != tc.want {
			t.Errorf("%s/%d slot %d = %s, want %s", tc.prefix, tc.assign, tc.slot, p, tc.want)
		}
		if i, ok := r.slotOf(p.Addr()); !ok || i != tc.slot {
			t.Errorf("slotOf(%s) = %d %v, want %d", p, i, ok, tc.slot)
		}
	}
}

func TestConcurrentAllocation(t *testing.T) {
	db := openDB(t)
	putPool(t, db, "ra", [2]string{"10.1.0.0", "10.1.15.255"})
	s := start(t, db)
	const workers, each = 32, 100
	var mu sync.Mutex
	seen := map[netip.Addr]string{}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				owner := fmt.Sprintf("w%d-%d", w, i)
				a, err := s.Allocate("ra", netip.Addr{}, owner)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if prev, dup := seen[a]; dup {
					t.Errorf("%s given to %s and %s", a, prev, owner)
				}
				seen[a] = owner
				mu.Unlock()
				if i%10 == 0 { // some churn alongside; forget it before another goroutine can get it
					mu.Lock()
					delete(seen, a)
					mu.Unlock()
					if err := s.Release("ra", a); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	if n := s.InUse("ra"); n != len(seen) {
		t.Errorf("InUse = %d, distinct held = %d", n, len(seen))
	}
}

func TestLargePool(t *testing.T) {
	db := openDB(t)
	putPool(t, db, "big", [2]string{"10.0.0.0", "10.0.255.255"})
	s := start(t, db)
	const n = 60000
	t0 := time.Now()
	var last netip.Addr
	for i := range n {
		a, err := s.Allocate("big", netip.Addr{}, fmt.Sprint("u", i))
		if err != nil {
			t.Fatal(err)
		}
		if last.IsValid() && a != last.Next() {
			t.Fatalf("allocation %d: %s after %s", i, a, last)
		}
		last = a
	}
	elapsed := time.Since(t0)
	t.Logf("%d allocations in %v (%v each)", n, elapsed, elapsed/n)
	if elapsed > 20*time.Second { // generous: -race slows the channel round trips
		t.Errorf("60k allocations took %v", elapsed)
	}
	if got, want := poolRanges(s, "big"), []string{fmt.Sprintf("10.0.0.0-10.0.255.255 %d/%d", n, 65536-n)}; !same(got, want) {
		t.Errorf("stats %v, want %v", got, want)
	}
}

func TestStoppedService(t *testing.T) {
	db := openDB(t)
	s := New(db, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v", err)
	}
	if _, err := s.Allocate("ra", netip.Addr{}, "x"); !errors.Is(err, ErrStopped) {
		t.Errorf("Allocate after stop: %v", err)
	}
}

func BenchmarkAllocateRelease(b *testing.B) {
	db := openDB(b)
	putPool(b, db, "big", [2]string{"10.0.0.0", "10.0.255.255"})
	s := start(b, db)
	// Half full, so the search is not trivially at the start.
	for i := range 32768 {
		if _, err := s.Allocate("big", netip.Addr{}, fmt.Sprint("pre", i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		a, err := s.Allocate("big", netip.Addr{}, "bench")
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Release("big", a); err != nil {
			b.Fatal(err)
		}
	}
}
