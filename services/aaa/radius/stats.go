package radius

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"
)

// ServiceStats are one server's counters for one service.
type ServiceStats struct {
	Requests        uint64 // transactions started on this server (retransmissions not included)
	Timeouts        uint64 // expiries of the timeout, each retransmission's included
	Failovers       uint64 // transactions that moved on to the next server after this one failed
	Retransmissions uint64

	Accepts, Rejects, Challenges uint64 // answers to Access-Requests by code
	// Accounting-Requests and their answers by Acct-Status-Type.
	StartRequests, InterimRequests, StopRequests    uint64
	StartResponses, InterimResponses, StopResponses uint64

	Successes uint64 // transactions that got a valid answer (a reject is one)
	Failures  uint64 // transactions that got none after every retransmission

	Responses uint64        // valid answers
	RTTTotal  time.Duration // sum of their round-trip times

	// Datagrams dropped: not a valid answer to a request in flight.
	Malformed                uint64 // bad lengths or attribute list
	BadAuthenticators        uint64 // Response Authenticator mismatch (wrong secret, forgery)
	BadMessageAuthenticators uint64 // Message-Authenticator missing where required, repeated or wrong
	WrongCode                uint64 // authentic but not an answer to the request's code
	UnknownID                uint64 // no request in flight with the identifier (late, duplicate, forged)
	WrongSource              uint64 // from another address or port than the server's
}

// AverageRTT is the mean round-trip time of the valid answers.
func (s ServiceStats) AverageRTT() time.Duration {
	if s.Responses == 0 {
		return 0
	}
	return s.RTTTotal / time.Duration(s.Responses)
}

// ServerStatus is one server as "show aaa servers" shows it.
type ServerStatus struct {
	Name       string
	Auth, Acct netip.AddrPort
	Host       string // shown instead of the address when set (Server.Host)

	Dead             bool
	StateDuration    time.Duration // in the current state
	PreviousDuration time.Duration // of the previous state (0 if none)
	DeadTime         time.Duration // total time dead, the current period included
	DeadCount        int           // times marked dead

	Authen, Author, Account ServiceStats

	OutstandingAccess     int // requests in flight on the auth socket
	OutstandingAccounting int // on the acct socket
	ConsecutiveTimeouts   int // towards the dead criteria's tries
	ConsecutiveFailures   int // answers dropped since the last valid one
	SinceCleared          time.Duration
}

// Servers reports every configured server, in configuration order.
func (c *Client) Servers() []ServerStatus {
	now := c.clock.Now()
	c.mu.Lock()
	servers := c.servers
	c.mu.Unlock()
	out := make([]ServerStatus, 0, len(servers))
	for _, s := range servers {
		out = append(out, s.status(now))
	}
	return out
}

// ClearCounters zeroes every server's counters ("clear aaa counters
// servers all").
func (c *Client) ClearCounters() {
	now := c.clock.Now()
	c.mu.Lock()
	servers := c.servers
	c.mu.Unlock()
	for _, s := range servers {
		s.clear(now)
	}
}

// RenderServers writes "show aaa servers" as IOS 15 lays it out: a header
// per server (id and priority are its position), its state and dead
// history, then the counters of authentication, authorization and
// accounting, then the server-wide estimates. Seed 001 shows no sample of
// this command; the layout follows published IOS captures, and the
// per-minute request history of newer releases is left out.
func RenderServers(w io.Writer, servers []ServerStatus) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format+"\n", args...) }
	const in = "             "
	for i, s := range servers {
		host := s.Auth.Addr()
		if !host.IsValid() {
			host = s.Acct.Addr()
		}
		name := ""
		if s.Name != "" {
			name = ", hostname " + s.Name
		}
		shown := hostText(host)
		if s.Host != "" {
			shown = s.Host
		}
		p("RADIUS: id %d, priority %d, host %s, auth-port %d, acct-port %d%s", i+1, i+1, shown, s.Auth.Port(), s.Acct.Port(), name)
		state := "UP"
		if s.Dead {
			state = "DEAD"
		}
		p("     State: current %s, duration %ds, previous duration %ds", state, secs(s.StateDuration), secs(s.PreviousDuration))
		p("     Dead: total time %ds, count %d", secs(s.DeadTime), s.DeadCount)
		p("     Quarantined: No")
		for _, svc := range []struct {
			name string
			st   ServiceStats
		}{{"Authen", s.Authen}, {"Author", s.Author}, {"Account", s.Account}} {
			st := svc.st
			p("     %s: request %d, timeouts %d, failover %d, retransmission %d", svc.name, st.Requests, st.Timeouts, st.Failovers, st.Retransmissions)
			if svc.name == "Account" {
				p(in+"Request: start %d, interim %d, stop %d", st.StartRequests, st.InterimRequests, st.StopRequests)
				p(in+"Response: start %d, interim %d, stop %d", st.StartResponses, st.InterimResponses, st.StopResponses)
			} else {
				p(in+"Response: accept %d, reject %d, challenge %d", st.Accepts, st.Rejects, st.Challenges)
			}
			p(in+"Response: unexpected %d, server error 0, incorrect %d, time %dms", st.UnknownID+st.WrongSource, st.WrongCode, st.AverageRTT().Milliseconds())
			p(in+"Transaction: success %d, failure %d", st.Successes, st.Failures)
			p(in + "Throttled: transaction 0, timeout 0, failure 0")
			p(in+"Malformed responses: %d", st.Malformed)
			p(in+"Bad authenticators: %d", st.BadAuthenticators+st.BadMessageAuthenticators)
		}
		p("     Elapsed time since counters last cleared: %s", elapsed(s.SinceCleared))
		p("     Estimated Outstanding Access Transactions: %d", s.OutstandingAccess)
		p("     Estimated Outstanding Accounting Transactions: %d", s.OutstandingAccounting)
		p("     Estimated Throttled Access Transactions: 0")
		p("     Estimated Throttled Accounting Transactions: 0")
		p("     Maximum Throttled Transactions: access 0, accounting 0")
		p("     Consecutive Response Failures: total %d", s.ConsecutiveFailures)
		p("     Consecutive Timeouts: total %d", s.ConsecutiveTimeouts)
	}
	return bw.Flush()
}

func hostText(a netip.Addr) string {
	if !a.IsValid() {
		return "0.0.0.0"
	}
	return strings.ToUpper(a.String()) // IOS prints IPv6 in capitals; IPv4 is unchanged
}

func secs(d time.Duration) int64 { return int64(d / time.Second) }

// elapsed is IOS's short duration: 36m, 1h28m, 2d1h, 3w2d.
func elapsed(d time.Duration) string {
	m := int64(d / time.Minute)
	h, days := m/60, m/60/24
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%dm", m)
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%dm", h, m%60)
	case d < 7*24*time.Hour:
		return fmt.Sprintf("%dd%dh", days, h%24)
	}
	return fmt.Sprintf("%dw%dd", days/7, days%7)
}
