package pool

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
)

// MaxRangeSize is the most addresses (or IPv6 prefixes) one range hands
// out: it bounds a range's bitmap to 2 MiB.
const MaxRangeSize = 1 << 24

var (
	ErrUnknownPool   = errors.New("pool: no such pool")
	ErrExhausted     = errors.New("pool: no free address")
	ErrInUse         = errors.New("pool: address in use")
	ErrNotAllocated  = errors.New("pool: address not allocated")
	ErrNoOwner       = errors.New("pool: owner must not be empty")
	ErrStopped       = errors.New("pool: service stopped")
	errWatcherClosed = errors.New("pool: configdb watcher closed")
)

// InUseError is returned when a requested address is held by someone
// else; it matches ErrInUse with errors.Is.
type InUseError struct {
	Pool  string // the pool the request named
	Addr  netip.Addr
	Owner string // who holds Addr
}

func (e *InUseError) Error() string {
	return fmt.Sprintf("pool %q: %s is in use by %q", e.Pool, e.Addr, e.Owner)
}

func (e *InUseError) Is(target error) bool { return target == ErrInUse }

// RangeStats is one range of "show ip local pool". Retired ranges are no
// longer configured but still have addresses in use; they hand out nothing.
type RangeStats struct {
	Start, End netip.Addr
	Free       int
	InUse      int
	Retired    bool
}

// PoolStats is one IPv4 pool, ranges in address order.
type PoolStats struct {
	Name   string
	Ranges []RangeStats
}

// IPv6PoolStats is one IPv6 pool ("show ipv6 local pool"). Free is capped
// by MaxRangeSize.
type IPv6PoolStats struct {
	Name         string
	Prefix       netip.Prefix
	AssignLength int
	Free         int
	InUse        int
	Retired      bool
}

// Service owns the pools' allocation state. Its methods may be called from
// any goroutine; they block until Run has loaded the configuration, and
// fail with ErrStopped once Run has returned.
type Service struct {
	db      *configdb.DB
	log     *slog.Logger
	reqs    chan func(*state)
	stopped chan struct{}
}

// New returns a service reading pools from db. A nil logger discards.
func New(db *configdb.DB, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Service{db: db, log: logger, reqs: make(chan func(*state)), stopped: make(chan struct{})}
}

// Run reconciles the pools from configdb and serves calls until ctx ends or
// the database closes. It must be called once.
func (s *Service) Run(ctx context.Context) error {
	defer close(s.stopped)
	st := newState(s.log)
	for {
		err := s.watch(ctx, st)
		if !errors.Is(err, configdb.ErrCompacted) {
			return err
		}
		// Fell behind the changelog: start again from a snapshot, which
		// the reconcile turns into a diff against what we hold.
		s.log.Warn("pool: configdb watcher fell behind; reloading", "err", err)
	}
}

func (s *Service) watch(ctx context.Context, st *state) error {
	// "ip" covers both pool kinds; other kinds are ignored below.
	w, err := s.db.Watch("ip", 0)
	if err != nil {
		return fmt.Errorf("pool: watch configuration: %w", err)
	}
	defer w.Close()
	snap := w.Snapshot()
	st.reconcile4(snap[schema.KindIPPool])
	st.reconcile6(snap[schema.KindIPv6Pool])
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev, ok := <-w.C():
			if !ok {
				if err := w.Err(); err != nil {
					return err
				}
				return errWatcherClosed
			}
			for _, c := range ev.Changes {
				st.apply(c)
			}
		case fn := <-s.reqs:
			fn(st)
		}
	}
}

// call runs fn on the service goroutine.
func (s *Service) call(fn func(*state)) error {
	done := make(chan struct{})
	select {
	case s.reqs <- func(st *state) { defer close(done); fn(st) }:
	case <-s.stopped:
		return ErrStopped
	}
	<-done
	return nil
}

// Allocate gives owner an IPv4 address from pool. A valid requested
// address is honoured when it is free and in one of the pool's ranges, and
// ignored when it is outside them; when someone else holds it the result is
// an *InUseError naming the holder (call again without a request for any
// free address). Otherwise owner gets the lowest free address. An owner
// holds at most one address per pool: asking again returns the one it has,
// so a retransmitted request is harmless.
func (s *Service) Allocate(pool string, requested netip.Addr, owner string) (netip.Addr, error) {
	var a netip.Addr
	var err error
	if cerr := s.call(func(st *state) { a, err = st.allocate4(pool, requested, owner) }); cerr != nil {
		return netip.Addr{}, cerr
	}
	return a, err
}

// AllocateIPv6 gives owner one prefix of the pool's assignment length, the
// lowest free one; an owner asking again gets the prefix it holds.
func (s *Service) AllocateIPv6(pool string, owner string) (netip.Prefix, error) {
	var p netip.Prefix
	var err error
	if cerr := s.call(func(st *state) { p, err = st.allocate6(pool, owner) }); cerr != nil {
		return netip.Prefix{}, cerr
	}
	return p, err
}

// Release returns addr, allocated from pool, to the pool.
func (s *Service) Release(pool string, addr netip.Addr) error {
	var err error
	if cerr := s.call(func(st *state) { err = st.release4(pool, addr) }); cerr != nil {
		return cerr
	}
	return err
}

// ReleaseIPv6 returns prefix, allocated from pool, to the pool.
func (s *Service) ReleaseIPv6(pool string, prefix netip.Prefix) error {
	var err error
	if cerr := s.call(func(st *state) { err = st.release6(pool, prefix) }); cerr != nil {
		return cerr
	}
	return err
}

// ReleaseOwner releases everything owner holds (its session ended) and
// returns how many addresses and prefixes that was.
func (s *Service) ReleaseOwner(owner string) int {
	n := 0
	s.call(func(st *state) { n = st.releaseOwner(owner) })
	return n
}

// InUse is how many addresses of the IPv4 pool are held, 0 for an unknown
// pool.
func (s *Service) InUse(pool string) int {
	n := 0
	s.call(func(st *state) {
		if p := st.v4[pool]; p != nil {
			for _, r := range p.ranges {
				n += int(r.bm.set)
			}
		}
	})
	return n
}

// InUseIPv6 is how many prefixes of the IPv6 pool are held.
func (s *Service) InUseIPv6(pool string) int {
	n := 0
	s.call(func(st *state) {
		if p := st.v6[pool]; p != nil {
			for _, r := range p.ranges {
				n += int(r.bm.set)
			}
		}
	})
	return n
}

// Owner is who holds addr, if anyone.
func (s *Service) Owner(addr netip.Addr) (string, bool) {
	var owner string
	var ok bool
	s.call(func(st *state) {
		var l lease4
		l, ok = st.leases4[addr]
		owner = l.owner
	})
	return owner, ok
}

// Stats describes every IPv4 pool, by name.
func (s *Service) Stats() []PoolStats {
	var out []PoolStats
	s.call(func(st *state) { out = st.stats4() })
	return out
}

// StatsIPv6 describes every IPv6 pool, by name.
func (s *Service) StatsIPv6() []IPv6PoolStats {
	var out []IPv6PoolStats
	s.call(func(st *state) { out = st.stats6() })
	return out
}
