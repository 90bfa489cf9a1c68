package ike

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-vpn/gatehouse/cli"
	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/gatehouse-vpn/gatehouse/dataplane/fake"
	"github.com/gatehouse-vpn/gatehouse/modes"
	"github.com/gatehouse-vpn/gatehouse/services/ike/suite"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
	"github.com/gatehouse-vpn/gatehouse/services/logging"
	"github.com/gatehouse-vpn/gatehouse/services/pool"
	"github.com/gatehouse-vpn/gatehouse/services/session"
)

// flexConfig is a FlexVPN server with PSK clients under example.com.
const flexConfig = `ip local pool POOL1 10.10.0.10 10.10.0.12
ip access-list standard SPLIT
 permit 192.168.50.0 0.0.0.255
aaa new-model
aaa authorization network LOCAL local
crypto ikev2 authorization policy AUTHZ
 pool POOL1
 dns 10.10.0.53
 subnet-acl SPLIT
crypto ikev2 keyring KR
 peer CLIENTS
  identity fqdn domain example.com
  pre-shared-key s3cret
crypto ikev2 profile PROF
 match identity remote fqdn domain example.com
 identity local fqdn vpn.example.com
 authentication remote pre-share
 authentication local pre-share
 keyring local KR
 aaa authorization group psk list LOCAL AUTHZ
 virtual-template 1
crypto ipsec profile IPSEC
 set ikev2-profile PROF
interface Loopback0
 ip address 10.10.255.1 255.255.255.255
interface Virtual-Template1 type tunnel
 ip unnumbered Loopback0
 tunnel mode ipsec ipv4
 tunnel protection ipsec profile IPSEC
`

// headend is an engine with its database, pools and fake data plane.
type headend struct {
	e     *Engine
	db    *configdb.DB
	dp    *fake.Fake
	pools *pool.Service
	env   *modes.Env
	log   *logging.Buffer
}

func configure(t testing.TB, env *modes.Env, text string) {
	t.Helper()
	s := cli.NewSession(env, cli.Config{ID: "test", Privilege: 15})
	var out bytes.Buffer
	n, err := cli.RunScript(s, strings.NewReader("configure terminal\n"+text+"end\n"), cli.WriterSink{W: &out})
	if err != nil || n != 0 {
		t.Fatalf("configuration failed (%d lines, %v):\n%s", n, err, out.String())
	}
}

// newHeadend starts a head-end with the configuration; opts adjust the
// engine's options (the AAA interfaces) before it starts.
func newHeadend(t testing.TB, config string, opts ...func(*Options)) *headend {
	t.Helper()
	db, err := configdb.Open(filepath.Join(t.TempDir(), "db"), configdb.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h := &headend{db: db, dp: fake.New(), log: logging.NewBuffer()}
	h.pools = pool.New(db, nil)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go h.pools.Run(ctx)
	h.env = &modes.Env{DB: db, Started: time.Now(), Log: h.log, Pools: h.pools}
	configure(t, h.env, config)
	o := Options{DB: db, Pools: h.pools, Dataplane: h.dp, Debug: h.log.Debug(), Address: netip.MustParseAddr("127.0.0.1"),
		EphemeralPorts: true, Version: "Gatehouse test"}
	for _, f := range opts {
		f(&o)
	}
	h.e = New(o)
	if err := h.e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.e.Stop)
	return h
}

// newClient is an initiator engine on loopback.
func newClient(t testing.TB) *Engine {
	t.Helper()
	db, err := configdb.Open(filepath.Join(t.TempDir(), "db"), configdb.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := New(Options{DB: db, Dataplane: fake.New(), Address: netip.MustParseAddr("127.0.0.1"), EphemeralPorts: true})
	if err := e.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Stop)
	return e
}

func (h *headend) clientConfig(id string) InitiatorConfig {
	ike, natt := h.e.Ports()
	return InitiatorConfig{
		Peer: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), ike), PeerNATPort: natt,
		LocalID: FQDN(id), PSK: []byte("s3cret"),
		IKE:            Proposal{Encr: suite.EncrAESCBC, EncrKeyBits: 256, PRF: suite.PRFHMACSHA2512, Integ: suite.IntegHMACSHA2512256, Group: suite.DHECP256},
		ESP:            ESPProposal{Encr: suite.EncrAESCBC, EncrKeyBits: 128, Integ: suite.IntegHMACSHA196},
		RequestAddress: true,
		Retransmits:    []time.Duration{200 * time.Millisecond, 400 * time.Millisecond},
	}
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestPSKSessionWithAddress(t *testing.T) {
	h := newHeadend(t, flexConfig)
	h.log.Debug().Set(logging.FlagCryptoIKEv2, true)
	c := newClient(t)
	conn, err := c.Initiate(ctxT(t), h.clientConfig("alice.example.com"))
	if err != nil {
		t.Fatalf("initiate: %v\n%s", err, h.log.Render("debugging"))
	}
	if conn.Address != netip.MustParseAddr("10.10.0.10") {
		t.Errorf("address %s, want 10.10.0.10", conn.Address)
	}
	if len(conn.DNS) != 1 || conn.DNS[0] != netip.MustParseAddr("10.10.0.53") {
		t.Errorf("DNS %v", conn.DNS)
	}
	if len(conn.Subnets) != 1 || conn.Subnets[0] != netip.MustParsePrefix("192.168.50.0/24") {
		t.Errorf("subnets %v", conn.Subnets)
	}
	if conn.Version != "Gatehouse test" || conn.ChildErr != nil {
		t.Errorf("version %q, child error %v", conn.Version, conn.ChildErr)
	}
	ss := h.e.Sessions()
	if len(ss) != 1 {
		t.Fatalf("%d sessions, want 1", len(ss))
	}
	s := ss[0]
	if s.Status != "UP-ACTIVE" || s.Interface != "Virtual-Access1" || s.Profile != "PROF" || s.IKE.RemoteID != "alice.example.com" ||
		s.IKE.LocalID != "vpn.example.com" || s.IKE.Encr != "AES-CBC" || s.IKE.KeySize != 256 || s.IKE.DHGroup != 19 {
		t.Errorf("session %+v\nIKE %+v", s, *s.IKE)
	}
	if len(s.Flows) != 1 || s.Flows[0].Remote != netip.MustParsePrefix("10.10.0.10/32") {
		t.Errorf("flows %+v", s.Flows)
	}
	if n := h.pools.InUse("POOL1"); n != 1 {
		t.Errorf("pool in use %d", n)
	}
	// The data plane holds one SA pair for Virtual-Access1 and the access route.
	state := h.dp.State()
	for _, want := range []string{"Virtual-Access1", "10.10.0.10/32"} {
		if !strings.Contains(state, want) {
			t.Errorf("data plane state lacks %q:\n%s", want, state)
		}
	}
	if len(h.dp.SAs()) != 1 {
		t.Errorf("data plane SAs: %d", len(h.dp.SAs()))
	}
	// The keys on both sides agree: our inbound keys are the client's outbound.
	srv, cli := h.dp.SAs()[0], c.dp.(*fake.Fake).SAs()[0]
	if srv.ID.SPI != cli.OutboundSPI || !bytes.Equal(srv.In.Encr, cli.Out.Encr) || !bytes.Equal(srv.Out.Integ, cli.In.Integ) {
		t.Errorf("child SA keys differ between the ends")
	}
	logs := h.log.Render("debugging")
	for _, want := range []string{"Received Packet [From 127.0.0.1:", "IKEv2 IKE_AUTH Exchange REQUEST", "Payload contents:",
		"Verification of peer's authentication data PASSED", "NOTIFY(ESP_TFC_NO_SUPPORT)"} {
		if !strings.Contains(logs, want) {
			t.Errorf("debug output lacks %q", want)
		}
	}
	// Close: the session, the SA, the interface and the address go.
	if err := conn.Close(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(h.e.Sessions()) == 0 })
	if n := h.pools.InUse("POOL1"); n != 0 {
		t.Errorf("address not released: %d in use", n)
	}
	if len(h.dp.SAs()) != 0 || len(h.dp.Interfaces()) != 0 {
		t.Errorf("data plane not cleaned:\n%s", h.dp.State())
	}
}

func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestAuthenticationFailures(t *testing.T) {
	h := newHeadend(t, flexConfig)
	c := newClient(t)
	for _, tc := range []struct {
		name string
		mod  func(*InitiatorConfig)
		want wire.NotifyType
	}{
		{"wrong PSK", func(ic *InitiatorConfig) { ic.PSK = []byte("wrong") }, wire.AUTHENTICATION_FAILED},
		{"unknown identity", func(ic *InitiatorConfig) { ic.LocalID = FQDN("mallory.example.net") }, wire.AUTHENTICATION_FAILED},
		{"no proposal", func(ic *InitiatorConfig) {
			ic.IKE = Proposal{Encr: suite.Encr3DES, PRF: suite.PRFHMACSHA1, Integ: suite.IntegHMACSHA196, Group: suite.DHModp2048}
		}, wire.NO_PROPOSAL_CHOSEN},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ic := h.clientConfig("bob.example.com")
			tc.mod(&ic)
			_, err := c.Initiate(ctxT(t), ic)
			var ne *NotifyError
			if !errors.As(err, &ne) || ne.Type != tc.want {
				t.Fatalf("err %v, want %s", err, tc.want)
			}
			waitFor(t, func() bool { return h.e.HalfOpen() == 0 })
			if n := len(h.e.Sessions()); n != 0 {
				t.Errorf("%d sessions left", n)
			}
			if n := h.pools.InUse("POOL1"); n != 0 {
				t.Errorf("%d addresses held", n)
			}
			if len(h.dp.SAs()) != 0 || len(h.dp.Interfaces()) != 0 {
				t.Errorf("data plane state left:\n%s", h.dp.State())
			}
		})
	}
}

func TestInvalidKERetry(t *testing.T) {
	h := newHeadend(t, flexConfig)
	c := newClient(t)
	ic := h.clientConfig("carol.example.com")
	// Group 20 is not in the smart default proposal, 19 is: the head-end
	// answers INVALID_KE_PAYLOAD(19) and the retry in group 19 succeeds.
	ic.IKE.Group, ic.IKE.MoreGroups = suite.DHECP384, []int{suite.DHECP256}
	if _, err := c.Initiate(ctxT(t), ic); err != nil {
		t.Fatal(err)
	}
	if st := h.e.Stats(); st.InvalidKE != 1 || st.Established != 1 {
		t.Errorf("stats %+v", st)
	}
	if g := h.e.Sessions()[0].IKE.DHGroup; g != 19 {
		t.Errorf("DH group %d", g)
	}
	// Nothing in common at all: NO_PROPOSAL_CHOSEN.
	ic.IKE.MoreGroups = nil
	_, err := c.Initiate(ctxT(t), ic)
	var ne *NotifyError
	if !errors.As(err, &ne) || ne.Type != wire.NO_PROPOSAL_CHOSEN {
		t.Fatalf("err %v", err)
	}
}

func TestPoolExhaustedEndsSession(t *testing.T) {
	h := newHeadend(t, flexConfig)
	c := newClient(t)
	for i, name := range []string{"a", "b", "c"} {
		if _, err := c.Initiate(ctxT(t), h.clientConfig(name+".example.com")); err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
	}
	_, err := c.Initiate(ctxT(t), h.clientConfig("d.example.com"))
	var ne *NotifyError
	if !errors.As(err, &ne) || ne.Type != wire.INTERNAL_ADDRESS_FAILURE {
		t.Fatalf("err %v, want INTERNAL_ADDRESS_FAILURE", err)
	}
	if n := len(h.e.Sessions()); n != 3 {
		t.Errorf("%d sessions, want 3", n)
	}
	if got := h.e.Stats().AddressFailures; got != 1 {
		t.Errorf("address failures %d", got)
	}
}

func TestRekeysKeepTheSession(t *testing.T) {
	h := newHeadend(t, flexConfig)
	c := newClient(t)
	conn, err := c.Initiate(ctxT(t), h.clientConfig("dave.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	before := conn.Children()
	if err := conn.RekeyChild(ctxT(t)); err != nil {
		t.Fatalf("child rekey: %v", err)
	}
	after := conn.Children()
	if len(after) != 1 || after[0] == before[0] {
		t.Fatalf("children before %v after %v", before, after)
	}
	waitFor(t, func() bool { return len(h.dp.SAs()) == 1 })
	if got := h.dp.SAs()[0].ID.SPI; got != after[0][1] {
		t.Errorf("head-end SA %08x, want %08x", got, after[0][1])
	}
	i0, r0 := conn.SPIs()
	if err := conn.RekeyIKE(ctxT(t)); err != nil {
		t.Fatalf("IKE rekey: %v", err)
	}
	i1, r1 := conn.SPIs()
	if i0 == i1 || r0 == r1 {
		t.Fatalf("SPIs unchanged")
	}
	waitFor(t, func() bool { return h.e.Stats().PeerDeletes == 1 })
	ss := h.e.Sessions()
	if len(ss) != 1 || ss[0].IKE.LocalSPI != r1 || ss[0].Status != "UP-ACTIVE" {
		t.Fatalf("sessions after IKE rekey: %+v", ss)
	}
	// The rekeyed SA still works: a liveness check and a child rekey.
	if err := conn.Ping(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if err := conn.RekeyChild(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if n := h.pools.InUse("POOL1"); n != 1 {
		t.Errorf("pool in use %d", n)
	}
}

func TestClearStats(t *testing.T) {
	h := newHeadend(t, flexConfig)
	c := newClient(t)
	if _, err := c.Initiate(ctxT(t), h.clientConfig("zed.example.com")); err != nil {
		t.Fatal(err)
	}
	if h.e.Stats().Established != 1 {
		t.Fatal("not counted")
	}
	h.e.Clear(session.ClearRequest{Stats: true})
	if st := h.e.Stats(); st.Established != 0 || st.PacketsIn != 0 || st.Active != 1 {
		t.Errorf("after clear crypto ikev2 stats: %+v", st)
	}
	if n := h.e.Clear(session.ClearRequest{Sessions: true}); n != 1 {
		t.Errorf("clear crypto session cleared %d SAs", n)
	}
	waitFor(t, func() bool { return h.e.SessionCount() == 0 && h.pools.InUse("POOL1") == 0 })
}

func TestStatsCountersComplete(t *testing.T) {
	var s stats
	if got, want := len(s.counters()), reflect.TypeFor[stats]().NumField(); got != want {
		t.Fatalf("stats.counters lists %d of %d counters", got, want)
	}
}

// TestSoftExpiryRekeysFromTheHeadend: the data plane's soft expiry makes
// the head-end rekey the child SA itself; both ends then agree on the new
// SA and the old one is gone.
func TestSoftExpiryRekeysFromTheHeadend(t *testing.T) {
	h := newHeadend(t, flexConfig)
	c := newClient(t)
	conn, err := c.Initiate(ctxT(t), h.clientConfig("erin.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	before := conn.Children()
	old := h.dp.SAs()[0]
	h.dp.Fire(dataplane.Event{Kind: dataplane.SoftExpire, SA: old.ID})
	waitFor(t, func() bool {
		sas := h.dp.SAs()
		return len(sas) == 1 && sas[0].ID != old.ID && h.e.Stats().ChildRekeys == 1
	})
	now := h.dp.SAs()[0]
	if now.Replaces == nil || *now.Replaces != old.ID {
		t.Errorf("new SA does not replace the old one: %+v", now.Replaces)
	}
	waitFor(t, func() bool { ch := conn.Children(); return len(ch) == 1 && ch[0] != before[0] })
	after := conn.Children()
	if after[0][0] != now.OutboundSPI || after[0][1] != now.ID.SPI {
		t.Errorf("client child %08x/%08x, head-end %08x/%08x", after[0][0], after[0][1], now.ID.SPI, now.OutboundSPI)
	}
	// Keys: the head-end's outbound is the client's inbound.
	var cli dataplane.ChildSA
	for _, s := range c.dp.(*fake.Fake).SAs() {
		if s.ID.SPI == now.OutboundSPI {
			cli = s
		}
	}
	if !bytes.Equal(cli.In.Encr, now.Out.Encr) || !bytes.Equal(cli.Out.Encr, now.In.Encr) {
		t.Error("the two ends derived different keys for the rekeyed SA")
	}
	if err := conn.Ping(ctxT(t)); err != nil {
		t.Fatal(err)
	}
}
