package radius

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-vpn/gatehouse/internal/golden"
	"layeh.com/radius/rfc2866"
)

// TestRenderServersGolden pins the "show aaa servers" layout: a server
// that is up with traffic of every kind, and a dead legacy host.
func TestRenderServersGolden(t *testing.T) {
	servers := []ServerStatus{{
		Name: "radius_server", Auth: netip.MustParseAddrPort("172.16.1.3:1645"), Acct: netip.MustParseAddrPort("172.16.1.3:1646"),
		StateDuration: 5431 * time.Second, PreviousDuration: 600 * time.Second, DeadTime: 600 * time.Second, DeadCount: 1,
		Authen: ServiceStats{Requests: 14, Timeouts: 2, Failovers: 0, Retransmissions: 2, Accepts: 4, Challenges: 10,
			Successes: 14, Responses: 14, RTTTotal: 14 * 16 * time.Millisecond, BadMessageAuthenticators: 1, UnknownID: 1},
		Author: ServiceStats{Requests: 3, Accepts: 2, Rejects: 1, Successes: 3, Responses: 3, RTTTotal: 30 * time.Millisecond,
			Malformed: 2, BadAuthenticators: 1, WrongCode: 1},
		Account: ServiceStats{Requests: 5, StartRequests: 2, InterimRequests: 1, StopRequests: 2, StartResponses: 2,
			InterimResponses: 1, StopResponses: 1, Successes: 4, Failures: 1, Timeouts: 4, Retransmissions: 3, Failovers: 1,
			Responses: 4, RTTTotal: 20 * time.Millisecond, WrongSource: 1},
		OutstandingAccess: 3, OutstandingAccounting: 1, ConsecutiveTimeouts: 0, ConsecutiveFailures: 1,
		SinceCleared: 90 * time.Minute,
	}, {
		Auth: netip.MustParseAddrPort("10.0.0.9:1812"), Acct: netip.MustParseAddrPort("10.0.0.9:1813"),
		Dead: true, StateDuration: 42 * time.Second, PreviousDuration: 3 * 24 * time.Hour, DeadTime: 42 * time.Second, DeadCount: 1,
		Authen:              ServiceStats{Requests: 1, Timeouts: 4, Retransmissions: 3, Failures: 1, Failovers: 1},
		ConsecutiveTimeouts: 0, SinceCleared: 3*24*time.Hour + 5*time.Hour,
	}}
	var b strings.Builder
	if err := RenderServers(&b, servers); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/show_aaa_servers.golden", b.String())
}

func TestElapsed(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0m", 59 * time.Second: "0m", 36 * time.Minute: "36m", 88 * time.Minute: "1h28m",
		49 * time.Hour: "2d1h", 23*24*time.Hour + 5*time.Hour: "3w2d",
	} {
		if got := elapsed(d); got != want {
			t.Errorf("elapsed(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestServersAfterTraffic: what Servers reports follows the traffic and
// the clock, and ClearCounters starts the counters again.
func TestServersAfterTraffic(t *testing.T) {
	clock := newFakeClock()
	srv := newTestServer(t, secret, answerAll)
	c := testClient(t, clock)
	s := serverFor("A", srv, 5*time.Second, 3)
	legacy := &Server{Auth: srv.addr, Secret: []byte(secret)} // a legacy host: no name, no accounting port
	c.SetConfig(Config{Servers: []*Server{s, legacy}, Groups: []*Group{{Name: "g", Servers: []*Server{s}}}})
	if _, err := c.Exchange(testCtx(t), "g", Accounting, accountingRequest(rfc2866.AcctStatusType_Value_Stop)); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Hour)
	st := c.Servers()
	if len(st) != 2 || st[0].Name != "A" || st[1].Acct.IsValid() {
		t.Fatalf("servers %+v", st)
	}
	if st[0].Account.StopRequests != 1 || st[0].Account.StopResponses != 1 || st[0].StateDuration != 2*time.Hour || st[0].SinceCleared != 2*time.Hour {
		t.Errorf("A: %+v", st[0])
	}
	var b strings.Builder
	RenderServers(&b, st)
	if !strings.Contains(b.String(), "RADIUS: id 2, priority 2, host 127.0.0.1, auth-port ") ||
		!strings.Contains(b.String(), ", acct-port 0\n") || !strings.Contains(b.String(), "last cleared: 2h0m\n") {
		t.Errorf("render:\n%s", b.String())
	}
	c.ClearCounters()
	if st := c.Servers()[0]; st.Account.Requests != 0 || st.SinceCleared != 0 || st.StateDuration != 2*time.Hour {
		t.Errorf("after clear: %+v", st)
	}
}
