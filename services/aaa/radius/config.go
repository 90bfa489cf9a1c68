package radius

import (
	"net/netip"
	"strconv"
	"time"
)

// Service says what a request is for: which port and socket it uses, which
// counters of "show aaa servers" it feeds and which "debug radius" filter
// its lines pass.
type Service int

const (
	// Authentication is an Access-Request to the server's auth port
	// (login, EAP pass-through): "Authen" counters, "debug radius
	// authentication".
	Authentication Service = iota
	// Authorization is an Access-Request to the auth port made for
	// authorization (AAA-based pre-shared keys, user/group policy). It
	// shares the auth socket and its identifiers; IOS counts it apart
	// ("Author") and shows it under "debug radius authentication".
	Authorization
	// Accounting is an Accounting-Request to the acct port: "Account"
	// counters, "debug radius accounting".
	Accounting
	numServices
)

func (s Service) String() string {
	switch s {
	case Authentication:
		return "authentication"
	case Authorization:
		return "authorization"
	case Accounting:
		return "accounting"
	}
	return "service?"
}

// socket is the per-server socket a service uses: authorization shares the
// authentication socket, as IOS does (seed 001 shows both as "id 1645/N").
func (s Service) socket() int {
	if s == Accounting {
		return acctSocket
	}
	return authSocket
}

const (
	authSocket = iota
	acctSocket
	numSockets
)

// Defaults applied when a Server or DeadCriteria leaves a value zero.
const (
	DefaultTimeout       = 5 * time.Second
	DefaultDeadTime      = 10 * time.Second // radius-server dead-criteria time
	maxPasswordLength    = 128              // RFC 2865 5.2
	identifiersPerSocket = 256
)

// Server is one RADIUS server ("radius server NAME" or a legacy
// "radius-server host"). An invalid Auth or Acct address means the server
// is not used for that service (port 0 in the configuration).
type Server struct {
	// Name is the "radius server" name; legacy hosts may leave it empty.
	// Name, Auth and Acct together identify the server across SetConfig
	// calls: while they stay the same, its counters and dead state stay.
	Name       string
	Auth, Acct netip.AddrPort
	// Host, when set, is what "show aaa servers" prints instead of the
	// address: a host name the caller could not resolve. Such a server's
	// addresses carry only the ports, and it is never sent a request.
	Host   string
	Secret []byte
	// Timeout is how long to wait for an answer before retransmitting;
	// 0 means DefaultTimeout.
	Timeout time.Duration
	// Retransmit is how many times a request is sent again to this server
	// before the next server of the group is tried (IOS default 3; the
	// caller applies it: 0 here means no retransmission).
	Retransmit int
}

// Group is a server group a method list names. The caller builds the
// special group "radius" ("aaa authentication ... group radius"): every
// server in creation order, then the legacy hosts, with the global
// deadtime.
type Group struct {
	Name    string
	Servers []*Server
	// Deadtime is how long a server marked dead is skipped. 0 means
	// servers are never marked dead through this group (IOS without
	// "deadtime"): every transaction tries every server in order. Dead
	// state belongs to the server, so a server that another group marked
	// dead is skipped here too until its deadtime is over.
	Deadtime time.Duration
	// LeastOutstanding sends each transaction to the live server with the
	// fewest requests in flight ("load-balance method least-outstanding")
	// instead of the first live one.
	LeastOutstanding bool
}

// DeadCriteria is "radius-server dead-criteria [time T] [tries N]". A
// server is marked dead when both hold: it timed out Tries times in a row
// (every expiry of its Timeout counts, authentication and accounting
// alike, as IOS counts them; any valid answer resets the count) and no
// valid answer arrived for Time (or ever).
type DeadCriteria struct {
	Time  time.Duration // 0 means DefaultDeadTime
	Tries int           // 0 means Retransmit+1 of the server: one transaction that got no answer at all
}

// Config is the client's whole configuration; SetConfig replaces it.
type Config struct {
	// Servers in creation order; it is the order of "show aaa servers".
	// Servers that only appear in groups are added after these.
	Servers      []*Server
	Groups       []*Group
	DeadCriteria DeadCriteria
}

func (s *Server) timeout() time.Duration {
	if s.Timeout <= 0 {
		return DefaultTimeout
	}
	return s.Timeout
}

func (s *Server) retransmit() int { return max(s.Retransmit, 0) }

// addr is the server's address for a socket (auth or acct).
func (s *Server) addr(sock int) netip.AddrPort {
	if sock == acctSocket {
		return s.Acct
	}
	return s.Auth
}

func (d DeadCriteria) time() time.Duration {
	if d.Time <= 0 {
		return DefaultDeadTime
	}
	return d.Time
}

func (d DeadCriteria) tries(s *Server) int {
	if d.Tries <= 0 {
		return s.retransmit() + 1
	}
	return d.Tries
}

// serverKey identifies a server across configuration changes.
type serverKey struct {
	name       string
	auth, acct netip.AddrPort
}

func unmapAddrPort(a netip.AddrPort) netip.AddrPort {
	if !a.IsValid() {
		return a
	}
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
}

// normalized is a private copy of s with addresses unmapped and a port of 0
// taken as "not used", so that later changes by the caller cannot race with
// the client.
func (s *Server) normalized() *Server {
	c := *s
	c.Secret = append([]byte(nil), s.Secret...)
	c.Auth, c.Acct = unmapAddrPort(s.Auth), unmapAddrPort(s.Acct)
	if c.Auth.Port() == 0 {
		c.Auth = netip.AddrPort{}
	}
	if c.Acct.Port() == 0 {
		c.Acct = netip.AddrPort{}
	}
	return &c
}

func (s *Server) key() serverKey { return serverKey{s.Name, s.Auth, s.Acct} }

// label is the server as IOS names it in debug and log lines:
// "172.16.1.3:1645,1646".
func (s *Server) label() string {
	host := s.Auth.Addr()
	if !host.IsValid() {
		host = s.Acct.Addr()
	}
	h := host.String()
	if host.Is6() {
		h = "[" + h + "]"
	}
	return h + ":" + strconv.Itoa(int(s.Auth.Port())) + "," + strconv.Itoa(int(s.Acct.Port()))
}
