package radius

import (
	"sync"
	"sync/atomic"
	"time"

	wire "layeh.com/radius"
)

// server is the client's state for one configured server: its settings
// (replaced by SetConfig), its sockets, and the counters and dead state
// "show aaa servers" reports.
type server struct {
	c   *Client
	key serverKey
	cfg atomic.Pointer[Server]

	mu      sync.Mutex
	sockets [numSockets]*endpoint
	removed bool

	stats          [numServices]ServiceStats
	dead           bool
	deadUntil      time.Time
	since          time.Time     // start of the current state (UP or DEAD)
	prev           time.Duration // length of the previous state
	deadTotal      time.Duration // completed dead periods
	deadCount      int
	consecTimeouts int // timeouts since the last valid answer (dead criteria)
	consecFailures int // answers dropped since the last valid answer
	lastAnswer     time.Time
	cleared        time.Time
}

func newServer(c *Client, k serverKey, now time.Time) *server {
	return &server{c: c, key: k, since: now, cleared: now}
}

// endpoint returns the socket for sock, opening it on first use (and again
// after a socket failed).
func (s *server) endpoint(sock int) (*endpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.removed {
		return nil, errServerGone
	}
	if ep := s.sockets[sock]; ep != nil && !ep.closed() {
		return ep, nil
	}
	ep, err := openEndpoint(s, sock, s.cfg.Load().addr(sock))
	if err != nil {
		return nil, err
	}
	s.sockets[sock] = ep
	return ep, nil
}

// remove closes the sockets of a server that left the configuration.
func (s *server) remove() {
	s.mu.Lock()
	s.removed = true
	eps := s.sockets
	s.sockets = [numSockets]*endpoint{}
	s.mu.Unlock()
	for _, ep := range eps {
		if ep != nil {
			ep.close()
		}
	}
}

// outstanding is the number of requests in flight on a socket.
func (s *server) outstanding(sock int) int {
	s.mu.Lock()
	ep := s.sockets[sock]
	s.mu.Unlock()
	if ep == nil {
		return 0
	}
	return int(ep.inUse.Load())
}

// refresh ends a dead period that is over; it returns the log message to
// emit once the lock is released.
func (s *server) refresh(now time.Time) string {
	if !s.dead || now.Before(s.deadUntil) {
		return ""
	}
	return s.markAlive(s.deadUntil)
}

func (s *server) markAlive(at time.Time) string {
	s.dead = false
	s.prev = at.Sub(s.since)
	s.deadTotal += s.prev
	s.since = at
	s.consecTimeouts = 0
	return "%RADIUS-4-RADIUS_ALIVE: RADIUS server " + s.cfg.Load().label() + " is being marked alive."
}

func (s *server) isDead(now time.Time) bool {
	s.mu.Lock()
	msg := s.refresh(now)
	dead := s.dead
	s.mu.Unlock()
	s.log(msg)
	return dead
}

func (s *server) log(msg string) {
	if msg != "" {
		s.c.logf("%s", msg)
	}
}

func (s *server) countRequest(svc Service, acctStatus uint32) {
	s.mu.Lock()
	st := &s.stats[svc]
	st.Requests++
	switch acctStatus {
	case acctStart:
		st.StartRequests++
	case acctStop:
		st.StopRequests++
	case acctInterim:
		st.InterimRequests++
	}
	s.mu.Unlock()
}

func (s *server) countRetransmission(svc Service) {
	s.mu.Lock()
	s.stats[svc].Retransmissions++
	s.mu.Unlock()
}

func (s *server) countFailover(svc Service) {
	s.mu.Lock()
	s.stats[svc].Failovers++
	s.mu.Unlock()
}

func (s *server) countFailure(svc Service) {
	s.mu.Lock()
	s.stats[svc].Failures++
	s.mu.Unlock()
}

// Acct-Status-Type values (RFC 2866 5.1).
const (
	acctStart   = 1
	acctStop    = 2
	acctInterim = 3
)

// answered records a valid answer: it ends the dead criteria's count and,
// for a server marked dead whose late answer arrived, the dead period.
func (s *server) answered(svc Service, acctStatus uint32, code wire.Code, rtt time.Duration, now time.Time) {
	s.mu.Lock()
	st := &s.stats[svc]
	st.Successes++
	st.Responses++
	st.RTTTotal += rtt
	switch code {
	case wire.CodeAccessAccept:
		st.Accepts++
	case wire.CodeAccessReject:
		st.Rejects++
	case wire.CodeAccessChallenge:
		st.Challenges++
	}
	switch acctStatus {
	case acctStart:
		st.StartResponses++
	case acctStop:
		st.StopResponses++
	case acctInterim:
		st.InterimResponses++
	}
	s.consecTimeouts, s.consecFailures = 0, 0
	s.lastAnswer = now
	msg := s.refresh(now)
	if s.dead {
		msg = s.markAlive(now)
	}
	s.mu.Unlock()
	s.log(msg)
}

// timedOut counts one expiry of the server's timeout and marks the server
// dead when the dead criteria are met and the group has a deadtime.
func (s *server) timedOut(svc Service, now time.Time, deadtime time.Duration, crit DeadCriteria) {
	cfg := s.cfg.Load()
	s.mu.Lock()
	s.stats[svc].Timeouts++
	s.consecTimeouts++
	msg := s.refresh(now)
	if deadtime > 0 && !s.dead && s.consecTimeouts >= crit.tries(cfg) &&
		(s.lastAnswer.IsZero() || now.Sub(s.lastAnswer) >= crit.time()) {
		s.dead = true
		s.deadUntil = now.Add(deadtime)
		s.prev = now.Sub(s.since)
		s.since = now
		s.deadCount++
		s.consecTimeouts = 0
		msg = "%RADIUS-4-RADIUS_DEAD: RADIUS server " + cfg.label() + " is not responding."
	}
	s.mu.Unlock()
	s.log(msg)
}

// drop counts a datagram that was not taken as an answer.
func (s *server) drop(svc Service, reason dropReason) {
	s.mu.Lock()
	st := &s.stats[svc]
	switch reason {
	case dropMalformed:
		st.Malformed++
	case dropBadAuthenticator:
		st.BadAuthenticators++
	case dropBadMessageAuthenticator:
		st.BadMessageAuthenticators++
	case dropWrongCode:
		st.WrongCode++
	case dropUnknownID:
		st.UnknownID++
	case dropWrongSource:
		st.WrongSource++
	}
	if reason != dropUnknownID && reason != dropWrongSource {
		s.consecFailures++
	}
	s.mu.Unlock()
}

// status is the server's row of "show aaa servers" at now.
func (s *server) status(now time.Time) ServerStatus {
	cfg := s.cfg.Load()
	s.mu.Lock()
	msg := s.refresh(now)
	st := ServerStatus{
		Name: cfg.Name, Auth: cfg.Auth, Acct: cfg.Acct, Host: cfg.Host,
		Dead: s.dead, StateDuration: now.Sub(s.since), PreviousDuration: s.prev,
		DeadTime: s.deadTotal, DeadCount: s.deadCount,
		Authen: s.stats[Authentication], Author: s.stats[Authorization], Account: s.stats[Accounting],
		ConsecutiveTimeouts: s.consecTimeouts, ConsecutiveFailures: s.consecFailures,
		SinceCleared: now.Sub(s.cleared),
	}
	if s.dead {
		st.DeadTime += now.Sub(s.since)
	}
	for sock, ep := range s.sockets {
		if ep == nil {
			continue
		}
		if sock == acctSocket {
			st.OutstandingAccounting = int(ep.inUse.Load())
		} else {
			st.OutstandingAccess = int(ep.inUse.Load())
		}
	}
	s.mu.Unlock()
	s.log(msg)
	return st
}

// clear zeroes the transaction counters; the state history (dead count and
// time) is kept, as it describes the server rather than the traffic.
func (s *server) clear(now time.Time) {
	s.mu.Lock()
	s.stats = [numServices]ServiceStats{}
	s.cleared = now
	s.mu.Unlock()
}
