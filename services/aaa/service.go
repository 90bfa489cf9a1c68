package aaa

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/gatehouse-vpn/gatehouse/services/aaa/dynauth"
	"github.com/gatehouse-vpn/gatehouse/services/ike"
	"github.com/gatehouse-vpn/gatehouse/services/logging"
)

// Sessions is what the service needs of the IKE engine for dynamic
// authorization: find sessions, clear one, reapply interface
// configuration to one.
type Sessions interface {
	// ClearSession deletes a session (IKE DELETE sent), as "clear crypto
	// session" does, and reports whether it existed.
	ClearSession(id int, cause ike.TerminateCause) bool
	// ApplyInterfaceConfig applies interface-config lines to a session's
	// virtual-access interface (CoA).
	ApplyInterfaceConfig(id int, lines []string) error
	// ApplySessionACLs installs per-session access lists on a session's
	// virtual-access interface with the interface-config lines that apply
	// them, all or none (CoA inacl/outacl).
	ApplySessionACLs(id int, lines []string, acls []*schema.ACL) error
	// SetSessionTimeout ends the session after seconds from now (CoA
	// Session-Timeout).
	SetSessionTimeout(id int, seconds uint32) error
}

// Options configure the service.
type Options struct {
	DB     *configdb.DB
	Debug  *logging.Debug // nil: debugging off
	Logger *slog.Logger   // nil: discard
	Now    func() time.Time
	// Counters reads a virtual-access interface's counters for interim
	// accounting records (nil: zeros).
	Counters func(iface string) (dataplane.Counters, error)
	// Sessions lets RADIUS Disconnect and CoA act on sessions (nil: every
	// request is answered with a NAK).
	Sessions Sessions
	// InterimUnit is the unit of "aaa accounting update periodic N"
	// (0: a minute, as IOS). Tests shorten it.
	InterimUnit time.Duration
	// DynAuthAddress is the address the dynamic-authorization server
	// listens on (invalid: every address).
	DynAuthAddress netip.Addr
}

// Service is the AAA service. Its methods are safe for concurrent use.
type Service struct {
	opt         Options
	log         *slog.Logger
	dbg         *logging.Debug
	now         func() time.Time
	interimUnit time.Duration
	cfg         atomic.Pointer[config]
	ctx         context.Context
	cancel      context.CancelFunc
	acct        *accounting
	stats       stats

	uniqueID  atomic.Uint32 // AAA unique ids ("RADIUS(00000049)")
	acctSess  atomic.Uint32 // Acct-Session-Id
	transport *transport
	dynauth   *dynauth.Server

	liveMu sync.Mutex
	live   map[int]ike.SessionRecord // every live session, by IKE session number
	// aclNext is, by session, the number its next per-session access
	// list gets (dynauthz.go); no entry: firstSessionACL.
	aclNext map[int]int
}

// stats are the service's own counters (the RADIUS client keeps the
// per-server ones).
type stats struct {
	acctRetries atomic.Uint64
}

// errNoAnswer marks a method that gave no answer (every server of the
// group dead or silent): the method list goes on to its next method.
var errNoAnswer = errors.New("no RADIUS server answered")

// ErrRejected is a definite "no" from a server or the local database; the
// method list stops there.
var ErrRejected = errors.New("rejected")

// New makes the service; Run starts it.
func New(opt Options) *Service {
	s := &Service{opt: opt, log: opt.Logger, dbg: opt.Debug, now: opt.Now, interimUnit: opt.InterimUnit}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.dbg == nil {
		s.dbg = logging.NewDebug(nil)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.interimUnit == 0 {
		s.interimUnit = time.Minute
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.acct = newAccounting(s)
	s.live = map[int]ike.SessionRecord{}
	s.aclNext = map[int]int{}
	s.transport = newTransport(s)
	s.dynauth = dynauth.New(sessionHandler{s}, dynauth.Options{Debug: dynauth.DebugTo(s.dbg), Logger: s.log, Now: s.now})
	s.cfg.Store(&config{})
	if opt.DB != nil {
		s.cfg.Store(loadConfig(opt.DB))
	}
	return s
}

// Run follows the configuration until ctx ends, then stops the service's
// sockets. Records still queued are abandoned when ctx ends.
func (s *Service) Run(ctx context.Context) error {
	defer s.Close()
	err := s.opt.DB.Follow(ctx, relevantKind, func() {
		s.cfg.Store(loadConfig(s.opt.DB))
		s.reconcile()
	})
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// reconcile hands the current configuration to the RADIUS client and the
// dynamic-authorization server.
func (s *Service) reconcile() {
	cfg := s.cfg.Load()
	s.transport.configure(cfg)
	if !cfg.newModel {
		cfg.dynauth = nil
	}
	da, err := dynauth.FromSchema(cfg.dynauth, nil)
	if err != nil {
		s.log.Warn("aaa: dynamic authorization", "err", err)
	}
	if da != nil {
		da.Address = s.opt.DynAuthAddress
	}
	if err := s.dynauth.SetConfig(da); err != nil {
		s.log.Error("aaa: dynamic authorization server not started", "err", err)
	}
}

// DynAuthAddr is where the dynamic-authorization server listens (invalid
// when it does not).
func (s *Service) DynAuthAddr() netip.AddrPort { return s.dynauth.LocalAddr() }

// Close stops the service: sockets closed, senders abandoned.
func (s *Service) Close() {
	s.cancel()
	s.transport.close()
	s.dynauth.Close()
	s.acct.wg.Wait()
}

// SessionUp implements ike.SessionObserver.
func (s *Service) SessionUp(r ike.SessionRecord) {
	s.liveMu.Lock()
	s.live[r.ID] = r
	s.liveMu.Unlock()
	s.acct.up(r)
}

// SessionDown implements ike.SessionObserver.
func (s *Service) SessionDown(r ike.SessionRecord, cause ike.TerminateCause) {
	s.liveMu.Lock()
	delete(s.live, r.ID)
	delete(s.aclNext, r.ID)
	s.liveMu.Unlock()
	s.acct.down(r, cause)
}

// WaitAccounting blocks until every queued accounting record was sent, or
// ctx ends.
func (s *Service) WaitAccounting(ctx context.Context) error { return s.acct.wait(ctx) }

func (s *Service) nextUniqueID() uint32      { return s.uniqueID.Add(1) }
func (s *Service) nextAcctSessionID() uint32 { return s.acctSess.Add(1) }

func (s *Service) counters(iface string) (dataplane.Counters, error) {
	if s.opt.Counters == nil || iface == "" {
		return dataplane.Counters{}, nil
	}
	return s.opt.Counters(iface)
}

// after is time.After that ends early when the service stops.
func (s *Service) after(d time.Duration) <-chan time.Time { return time.After(d) }

// nasIP is the NAS-IP-Address: the address the session's IKE peer
// reached, the head-end's own address on that side.
func (s *Service) nasIP(local netip.Addr) netip.Addr { return local.Unmap() }
