package aaa

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-vpn/gatehouse/cli"
	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/gatehouse-vpn/gatehouse/internal/freeradius"
	"github.com/gatehouse-vpn/gatehouse/modes"
	"github.com/gatehouse-vpn/gatehouse/services/aaa/dynauth"
	"github.com/gatehouse-vpn/gatehouse/services/ike"
	"github.com/gatehouse-vpn/gatehouse/services/logging"
)

// These tests run the service against a real FreeRADIUS 3.2 on loopback
// (internal/freeradius); a missing FreeRADIUS fails them.

const routerUsers = `router1 Cleartext-Password := "cisco"
	Cisco-AVPair += "ipsec:dns-servers=10.0.0.53 10.0.0.54",
	Cisco-AVPair += "ipsec:route-set=prefix 192.168.1.1/24",
	Cisco-AVPair += "ip:interface-config=ip mtu 1300",
	Cisco-AVPair += "ip:interface-config=tunnel key 7",
	Framed-IP-Address = 10.9.9.9,
	Tunnel-Password = "pre_shared_key"
asym Cleartext-Password := "kp"
	Cisco-AVPair += "ipsec:ikev2-password-local=mine",
	Cisco-AVPair += "ipsec:ikev2-password-remote=yours"
admin Cleartext-Password := "adminpw"
	Cisco-AVPair += "shell:priv-lvl=15"
User1 Cleartext-Password := "eappw"
`

type aaaEnv struct {
	s   *Service
	env *modes.Env
	dbg *logging.Buffer
}

func newAAA(t *testing.T, config string, opt Options) *aaaEnv {
	t.Helper()
	db, err := configdb.Open(filepath.Join(t.TempDir(), "db"), configdb.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	buf := logging.NewBuffer()
	env := &modes.Env{DB: db, Log: buf}
	sess := cli.NewSession(env, cli.Config{ID: "test", Privilege: 15})
	var out bytes.Buffer
	if n, err := cli.RunScript(sess, strings.NewReader("configure terminal\n"+config+"end\n"), cli.WriterSink{W: &out}); err != nil || n != 0 {
		t.Fatalf("configuration failed (%d lines, %v):\n%s", n, err, out.String())
	}
	opt.DB, opt.Debug = db, buf.Debug()
	s := New(opt)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	s.reconcile()
	return &aaaEnv{s: s, env: env, dbg: buf}
}

func serverBlock(name string, srv *freeradius.Server, timeout int) string {
	return fmt.Sprintf("radius server %s\n address ipv4 %s auth-port %d acct-port %d\n key %s\n timeout %d\n retransmit 0\n",
		name, srv.AuthAddr.Addr(), srv.AuthAddr.Port(), srv.AcctAddr.Port(), srv.Secret, timeout)
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestFreeRADIUSAuthorizationAndPSK(t *testing.T) {
	t.Parallel()
	srv := freeradius.Start(t, freeradius.Config{Users: routerUsers, Secret: "s3cret"})
	a := newAAA(t, "aaa new-model\n"+serverBlock("R1", srv, 2)+
		"aaa group server radius G\n server name R1\naaa authorization network AUTHZ group G\n", Options{})
	ctx := ctxT(t)
	peer := netip.MustParseAddrPort("172.16.1.1:500")

	attrs, err := a.s.Authorize(ctx, ike.AuthorizationRequest{List: "AUTHZ", Username: "router1", Peer: peer})
	if err != nil {
		t.Fatal(err)
	}
	want := ike.Attributes{
		FramedIP:        netip.MustParseAddr("10.9.9.9"),
		DNS:             []netip.Addr{netip.MustParseAddr("10.0.0.53"), netip.MustParseAddr("10.0.0.54")},
		Subnets:         []netip.Prefix{netip.MustParsePrefix("192.168.1.0/24")},
		InterfaceConfig: []string{"ip mtu 1300", "tunnel key 7"},
	}
	got := *attrs
	got.Source = nil
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("attributes\n got %+v\nwant %+v", got, want)
	}

	psk, err := a.s.LookupPSK(ctx, ike.PSKRequest{List: "AUTHZ", Username: "router1", Password: "cisco", Peer: peer})
	if err != nil {
		t.Fatal(err)
	}
	if string(psk.Local) != "pre_shared_key" || string(psk.Remote) != "pre_shared_key" {
		t.Fatalf("PSK %q/%q, want the Tunnel-Password both ways", psk.Local, psk.Remote)
	}
	if len(psk.Attributes.InterfaceConfig) != 2 {
		t.Fatalf("cached attributes missing: %+v", psk.Attributes)
	}
	psk, err = a.s.LookupPSK(ctx, ike.PSKRequest{List: "AUTHZ", Username: "asym", Password: "kp", Peer: peer})
	if err != nil {
		t.Fatal(err)
	}
	if string(psk.Local) != "mine" || string(psk.Remote) != "yours" {
		t.Fatalf("asymmetric PSK %q/%q", psk.Local, psk.Remote)
	}

	if _, err := a.s.Authorize(ctx, ike.AuthorizationRequest{List: "AUTHZ", Username: "nobody", Peer: peer}); !errors.Is(err, ErrRejected) {
		t.Fatalf("unknown user: %v, want a reject", err)
	}
	var out strings.Builder
	a.s.RenderServers(&out)
	for _, w := range []string{"host " + srv.AuthAddr.Addr().String(), "Author: request 4", "accept 3, reject 1"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("show aaa servers lacks %q:\n%s", w, out.String())
		}
	}
}

func TestFreeRADIUSAccounting(t *testing.T) {
	t.Parallel()
	srv := freeradius.Start(t, freeradius.Config{Users: routerUsers, Secret: "s3cret", Accounting: true})
	a := newAAA(t, "aaa new-model\n"+serverBlock("R1", srv, 2)+
		"aaa group server radius G\n server name R1\naaa accounting network ACCT start-stop group G\n", Options{})
	ctx := ctxT(t)
	rec := ike.SessionRecord{ID: 8, AuditSessionID: "L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZO8", Username: "router1.domain1",
		Identity: "router1.domain1", AccountingList: "ACCT", AuthMethod: "psk",
		Peer: netip.MustParseAddrPort("172.16.1.1:500"), Local: netip.MustParseAddrPort("172.16.1.2:500"),
		FramedIP: netip.MustParseAddr("10.10.0.5"), Up: time.Now().Add(-34 * time.Second)}
	a.s.SessionUp(rec)
	if err := a.s.WaitAccounting(ctx); err != nil {
		t.Fatal(err)
	}
	start := srv.WaitAccounting(t, func(r freeradius.Record) bool { return r.Get("Acct-Status-Type") == "Start" }, 10*time.Second)
	for attr, want := range map[string]string{"User-Name": "router1.domain1", "Calling-Station-Id": "172.16.1.1",
		"Acct-Authentic": "Local", "Framed-IP-Address": "10.10.0.5", "NAS-IP-Address": "172.16.1.2"} {
		if got := start.Get(attr); got != want {
			t.Errorf("start %s = %q, want %q", attr, got, want)
		}
	}
	if av := strings.Join(start.All("Cisco-AVPair"), "|"); !strings.Contains(av, "audit-session-id="+rec.AuditSessionID) ||
		!strings.Contains(av, "isakmp-phase1-id=router1.domain1") || !strings.Contains(av, "isakmp-initator-ip=172.16.1.1") {
		t.Errorf("start AV-pairs %q", av)
	}
	var users strings.Builder
	a.s.RenderUsers(&users)
	if !strings.Contains(users.String(), "IPSEC-TUNNEL: Username=router1.domain1") || !strings.Contains(users.String(), fmt.Sprintf("audit-session-id(819) %d %s", len(rec.AuditSessionID), rec.AuditSessionID)) {
		t.Errorf("show aaa user all:\n%s", users.String())
	}

	rec.Counters = dataplane.Counters{InPackets: 105, InBytes: 13020, OutPackets: 104, OutBytes: 17640}
	a.s.SessionDown(rec, ike.CauseAdminReset)
	if err := a.s.WaitAccounting(ctx); err != nil {
		t.Fatal(err)
	}
	stop := srv.WaitAccounting(t, func(r freeradius.Record) bool { return r.Get("Acct-Status-Type") == "Stop" }, 10*time.Second)
	for attr, want := range map[string]string{"Acct-Input-Octets": "13020", "Acct-Output-Octets": "17640", "Acct-Input-Packets": "105",
		"Acct-Output-Packets": "104", "Acct-Terminate-Cause": "Admin-Reset", "Acct-Session-Id": start.Get("Acct-Session-Id")} {
		if got := stop.Get(attr); got != want {
			t.Errorf("stop %s = %q, want %q", attr, got, want)
		}
	}
	if st := stop.Get("Acct-Session-Time"); st != "34" && st != "35" {
		t.Errorf("stop Acct-Session-Time %q, want 34", st)
	}
}

// A stop record survives a server outage: queued, retried, delivered late
// with Acct-Delay-Time saying how late.
func TestFreeRADIUSAccountingQueuesWhileServerDown(t *testing.T) {
	t.Parallel()
	srv := freeradius.Start(t, freeradius.Config{Users: routerUsers, Secret: "s3cret", Accounting: true})
	a := newAAA(t, "aaa new-model\n"+serverBlock("R1", srv, 1)+
		"aaa group server radius G\n server name R1\naaa accounting network ACCT stop-only group G\n", Options{})
	ctx := ctxT(t)
	srv.Stop()
	rec := ike.SessionRecord{ID: 3, AuditSessionID: "X", Username: "u", Identity: "u", AccountingList: "ACCT",
		Peer: netip.MustParseAddrPort("172.16.1.9:4500"), Local: netip.MustParseAddrPort("172.16.1.2:4500"), Up: time.Now()}
	a.s.SessionUp(rec)
	a.s.SessionDown(rec, ike.CauseLostCarrier)
	// The server is down: the first attempt times out (1 s) and the record
	// waits for a retry.
	for deadline := time.Now().Add(10 * time.Second); a.s.stats.acctRetries.Load() == 0; {
		if time.Now().After(deadline) {
			t.Fatal("no retry counted while the server was down")
		}
		time.Sleep(20 * time.Millisecond)
	}
	srv.Restart()
	if err := a.s.WaitAccounting(ctx); err != nil {
		t.Fatalf("stop record never delivered: %v", err)
	}
	stop := srv.WaitAccounting(t, func(r freeradius.Record) bool { return r.Get("Acct-Status-Type") == "Stop" }, 10*time.Second)
	if stop.Get("Acct-Terminate-Cause") != "Lost-Carrier" {
		t.Errorf("terminate cause %q", stop.Get("Acct-Terminate-Cause"))
	}
	if d := stop.Get("Acct-Delay-Time"); d == "0" || d == "" {
		t.Errorf("Acct-Delay-Time %q, want the delay", d)
	}
	if n := len(srv.Accounting()); n != 1 {
		t.Errorf("%d records, want only the stop (stop-only)", n)
	}
}

// Logins fail over from a dead server to the next, then to local.
func TestFreeRADIUSLoginFailover(t *testing.T) {
	t.Parallel()
	dead := freeradius.Start(t, freeradius.Config{Users: routerUsers, Secret: "s3cret"})
	live := freeradius.Start(t, freeradius.Config{Users: routerUsers, Secret: "s3cret"})
	a := newAAA(t, "aaa new-model\nusername localadm privilege 15 secret 0 localpw\n"+serverBlock("DEAD", dead, 1)+serverBlock("LIVE", live, 1)+
		"aaa group server radius G\n server name DEAD\n server name LIVE\naaa authentication login default group G local\n", Options{})
	ctx := ctxT(t)
	dead.Stop()
	r, err := a.s.Login(ctx, "vty 0", "admin", "adminpw")
	if err != nil {
		t.Fatal(err)
	}
	if r.Privilege != 15 || r.Method != "group G" {
		t.Fatalf("login %+v, want privilege 15 from group G", r)
	}
	if _, err := a.s.Login(ctx, "vty 0", "admin", "wrong"); !errors.Is(err, ErrLoginFailed) {
		t.Fatalf("wrong password: %v", err)
	}
	// A reject is final: local is not tried after RADIUS said no.
	if _, err := a.s.Login(ctx, "vty 0", "localadm", "localpw"); !errors.Is(err, ErrLoginFailed) {
		t.Fatalf("RADIUS reject then local: %v, want failure", err)
	}
	live.Stop()
	r, err = a.s.Login(ctx, "vty 0", "localadm", "localpw")
	if err != nil || r.Method != "local" || r.Privilege != 15 {
		t.Fatalf("local fallback: %+v %v", r, err)
	}
	var out strings.Builder
	a.s.RenderServers(&out)
	if !strings.Contains(out.String(), "timeouts") {
		t.Fatalf("show aaa servers:\n%s", out.String())
	}
}

// EAP-MD5 through the service: identity, challenge, answer, success.
func TestFreeRADIUSEAPMD5(t *testing.T) {
	t.Parallel()
	srv := freeradius.Start(t, freeradius.Config{Users: routerUsers, Secret: "s3cret", EAP: &freeradius.EAPConfig{DefaultType: "md5"}})
	a := newAAA(t, "aaa new-model\n"+serverBlock("R1", srv, 3)+
		"aaa group server radius G\n server name R1\naaa authentication login EAPL group G\n", Options{})
	ctx := ctxT(t)
	conv, err := a.s.StartEAP(ctx, ike.EAPRequest{List: "EAPL", Identity: "client.example", Peer: netip.MustParseAddrPort("172.16.1.1:4500"),
		Local: netip.MustParseAddrPort("172.16.1.2:4500"), AuditSessionID: "AUDIT1"})
	if err != nil {
		t.Fatal(err)
	}
	defer conv.Close()
	ans, err := conv.Step(ctx, append([]byte{eapResponse, 7, 0, 10, eapIdentity}, "User1"...))
	if err != nil {
		t.Fatal(err)
	}
	if ans.Outcome != ike.EAPContinue || len(ans.Packet) < 6 || ans.Packet[4] != 4 {
		t.Fatalf("first answer %+v, want an MD5 challenge", ans)
	}
	id, vlen := ans.Packet[1], int(ans.Packet[5])
	challenge := ans.Packet[6 : 6+vlen]
	h := md5.New()
	h.Write([]byte{id})
	h.Write([]byte("eappw"))
	h.Write(challenge)
	resp := append([]byte{eapResponse, id, 0, 0, 4, 16}, h.Sum(nil)...)
	resp[3] = byte(len(resp))
	ans, err = conv.Step(ctx, resp)
	if err != nil {
		t.Fatal(err)
	}
	if ans.Outcome != ike.EAPSuccess || ans.Packet[0] != eapSuccess || ans.Username != "User1" {
		t.Fatalf("answer %+v, want EAP-Success for User1", ans)
	}
	if ans.MSK != nil {
		t.Fatalf("EAP-MD5 generates no key, got an MSK of %d bytes", len(ans.MSK))
	}
}

// fakeSessions records what dynamic authorization asked of the engine.
type fakeSessions struct {
	mu      sync.Mutex
	cleared []int
	applied map[int][]string
	acls    map[int][]string // lists by session, as "NAME TYPE: entry; entry"
	fail    error            // the next apply fails with it
}

func (f *fakeSessions) ClearSession(id int, cause ike.TerminateCause) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cleared = append(f.cleared, id)
	return true
}

func (f *fakeSessions) ApplyInterfaceConfig(id int, lines []string) error {
	return f.ApplySessionACLs(id, lines, nil)
}

func (f *fakeSessions) ApplySessionACLs(id int, lines []string, acls []*schema.ACL) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fail; err != nil {
		f.fail = nil
		return err
	}
	if f.applied == nil {
		f.applied, f.acls = map[int][]string{}, map[int][]string{}
	}
	f.applied[id] = append(f.applied[id], lines...)
	for _, a := range acls {
		var entries []string
		for _, e := range a.Entries {
			entries = append(entries, fmt.Sprintf("%d %s", e.Seq, dynauth.FormatACE(e)))
		}
		f.acls[id] = append(f.acls[id], a.Name+" "+a.Type+": "+strings.Join(entries, "; "))
	}
	return nil
}

func (f *fakeSessions) aclState() map[int][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.acls)
}

func (f *fakeSessions) SetSessionTimeout(id int, s uint32) error { return nil }

func (f *fakeSessions) state() (cleared []int, applied map[int][]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int(nil), f.cleared...), maps.Clone(f.applied)
}

func freeUDPPort(t *testing.T) int {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// Disconnect and CoA from radclient reach the sessions the service knows.
func TestDynamicAuthorizationWithRadclient(t *testing.T) {
	t.Parallel()
	freeradius.Require(t)
	port := freeUDPPort(t)
	fs := &fakeSessions{}
	a := newAAA(t, fmt.Sprintf("aaa new-model\naaa server radius dynamic-author\n client 127.0.0.1 server-key coakey\n port %d\n", port),
		Options{Sessions: fs, DynAuthAddress: netip.MustParseAddr("127.0.0.1")})
	rec := ike.SessionRecord{ID: 52, AuditSessionID: "L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZN34", Username: "router1.domain1", VirtualAccess: "Virtual-Access1",
		Peer: netip.MustParseAddrPort("172.16.1.1:500"), Local: netip.MustParseAddrPort("172.16.1.2:500")}
	a.s.SessionUp(rec)
	target := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
	send := func(code, attrs string) freeradius.Reply {
		out, err := freeradius.RadClientWith(t, freeradius.RadclientOptions{Secret: "coakey"}, target, code, attrs)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		r, _ := freeradius.ParseReply(out)
		return r
	}
	if r := send("coa", `Cisco-AVPair = "ip:audit-session-id=`+rec.AuditSessionID+`", Cisco-AVPair = "ip:interface-config=service-policy input Q2"`); r.Code != "CoA-ACK" {
		t.Fatalf("CoA answered %q", r.Code)
	}
	if _, applied := fs.state(); !reflect.DeepEqual(applied[52], []string{"service-policy input Q2"}) {
		t.Fatalf("CoA applied %q", applied[52])
	}
	// The seed's per-user ACLs (001:1253-1290): lists of the session's
	// own, applied after the CoA's other lines.
	seedACLs := `Cisco-AVPair = "ip:inacl#3=permit 1.1.1.1", Cisco-AVPair = "ip:outacl#4=permit 1.1.1.3", ` +
		`Cisco-AVPair = "ip:audit-session-id=` + rec.AuditSessionID + `"`
	if r := send("coa", seedACLs); r.Code != "CoA-ACK" {
		t.Fatalf("CoA with ACLs answered %q %v", r.Code, r.Pairs)
	}
	_, applied := fs.state()
	if want := []string{"service-policy input Q2", "IP access-group Virtual-Access1#2601 in", "IP access-group Virtual-Access1#2602 out"}; !reflect.DeepEqual(applied[52], want) {
		t.Fatalf("CoA applied %q, want %q", applied[52], want)
	}
	if want := []string{"Virtual-Access1#2601 standard: 10 permit 1.1.1.1", "Virtual-Access1#2602 standard: 10 permit 1.1.1.3"}; !reflect.DeepEqual(fs.aclState()[52], want) {
		t.Fatalf("lists %q, want %q", fs.aclState()[52], want)
	}
	// A bad entry: CoA-NAK, nothing asked of the session.
	r := send("coa", `Cisco-AVPair = "ip:inacl#1=permit 1.1.1.300", Cisco-AVPair = "ip:audit-session-id=`+rec.AuditSessionID+`"`)
	if r.Code != "CoA-NAK" || r.Get("Error-Cause") != "Invalid-Attribute-Value" {
		t.Fatalf("bad entry answered %q %v", r.Code, r.Pairs)
	}
	// The session refuses the change: CoA-NAK, and the numbers are not
	// used up.
	fs.mu.Lock()
	fs.fail = errors.New("vtemplate: Virtual-Access1: no room")
	fs.mu.Unlock()
	r = send("coa", `Cisco-AVPair = "ip:inacl#1=permit 2.2.2.2", Cisco-AVPair = "ip:audit-session-id=`+rec.AuditSessionID+`"`)
	if r.Code != "CoA-NAK" || r.Get("Error-Cause") != "Invalid-Attribute-Value" {
		t.Fatalf("refused change answered %q %v", r.Code, r.Pairs)
	}
	// An extended inbound list alone: the next number, entries by #N.
	r = send("coa", `Cisco-AVPair = "ip:inacl#20=deny tcp any any eq 23", Cisco-AVPair = "ip:inacl#10=permit icmp any host 10.0.0.1 echo", `+
		`Cisco-AVPair = "ip:audit-session-id=`+rec.AuditSessionID+`"`)
	if r.Code != "CoA-ACK" {
		t.Fatalf("extended list answered %q %v", r.Code, r.Pairs)
	}
	if got := fs.aclState()[52]; len(got) != 3 || got[2] != "Virtual-Access1#2603 extended: 10 permit icmp any host 10.0.0.1 8; 20 deny tcp any any eq 23" {
		t.Fatalf("lists %q", got)
	}
	if _, applied := fs.state(); applied[52][len(applied[52])-1] != "IP access-group Virtual-Access1#2603 in" {
		t.Fatalf("applied %q", applied[52])
	}
	if r := send("disconnect", `Cisco-AVPair = "audit-session-id=NOSUCH"`); r.Code != "Disconnect-NAK" || r.Get("Reply-Message") != "No Matching Session" {
		t.Fatalf("unknown session answered %q %v", r.Code, r.Pairs)
	}
	if r := send("disconnect", `Cisco-AVPair = "audit-session-id=`+rec.AuditSessionID+`"`); r.Code != "Disconnect-ACK" {
		t.Fatalf("Disconnect answered %q", r.Code)
	}
	if cleared, _ := fs.state(); !reflect.DeepEqual(cleared, []int{52}) {
		t.Fatalf("cleared %v, want [52]", cleared)
	}
}

// Interim-Update records follow "aaa accounting update periodic N" (the
// unit shortened to 200 ms here) with the interface's current counters.
func TestFreeRADIUSAccountingInterim(t *testing.T) {
	t.Parallel()
	srv := freeradius.Start(t, freeradius.Config{Users: routerUsers, Secret: "s3cret", Accounting: true})
	var mu sync.Mutex
	counters := dataplane.Counters{InPackets: 7, InBytes: 700, OutPackets: 9, OutBytes: 900}
	a := newAAA(t, "aaa new-model\naaa accounting update periodic 1\n"+serverBlock("R1", srv, 2)+
		"aaa group server radius G\n server name R1\naaa accounting network ACCT start-stop group G\n",
		Options{InterimUnit: 200 * time.Millisecond, Counters: func(string) (dataplane.Counters, error) {
			mu.Lock()
			defer mu.Unlock()
			return counters, nil
		}})
	rec := ike.SessionRecord{ID: 4, AuditSessionID: "A4", Username: "u4", Identity: "u4", AccountingList: "ACCT",
		VirtualAccess: "Virtual-Access1", Peer: netip.MustParseAddrPort("172.16.1.4:4500"),
		Local: netip.MustParseAddrPort("172.16.1.2:4500"), Up: time.Now()}
	a.s.SessionUp(rec)
	interim := srv.WaitAccounting(t, func(r freeradius.Record) bool { return r.Get("Acct-Status-Type") == "Interim-Update" }, 10*time.Second)
	if interim.Get("Acct-Input-Packets") != "7" || interim.Get("Acct-Output-Octets") != "900" {
		t.Fatalf("interim counters: %v", interim.Pairs)
	}
	a.s.SessionDown(rec, ike.CauseUserRequest)
	if err := a.s.WaitAccounting(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	srv.WaitAccounting(t, func(r freeradius.Record) bool { return r.Get("Acct-Status-Type") == "Stop" }, 10*time.Second)
	n := 0
	for _, r := range srv.Accounting() {
		if r.Get("Acct-Status-Type") == "Interim-Update" {
			n++
		}
	}
	// The stop is the session's last record.
	if last := srv.Accounting(); last[len(last)-1].Get("Acct-Status-Type") != "Stop" {
		t.Fatalf("the stop is not the last record: %v", last[len(last)-1])
	}
	if n == 0 {
		t.Fatal("no interim record")
	}
}

// TestCoASessionACLNumbers: each session numbers its per-session lists
// from 2601, inbound before outbound; a session gone takes its count with
// it, and a session without a virtual-access interface refuses lists.
// (The handler alone: no RADIUS server needed.)
func TestCoASessionACLNumbers(t *testing.T) {
	t.Parallel()
	fs := &fakeSessions{}
	s := New(Options{Sessions: fs})
	defer s.Close()
	h := sessionHandler{s}
	entry := func(n int, text string) dynauth.ACLEntry {
		ace, err := dynauth.ParseACE(text)
		if err != nil {
			t.Fatal(err)
		}
		return dynauth.ACLEntry{N: n, Text: text, ACE: ace}
	}
	up := func(id int, va string) {
		s.SessionUp(ike.SessionRecord{ID: id, AuditSessionID: fmt.Sprintf("AUDIT%d", id), VirtualAccess: va})
	}
	coa := func(id int, in, out []dynauth.ACLEntry) dynauth.Result {
		return h.CoA(context.Background(), dynauth.Match{AuditSessionID: fmt.Sprintf("AUDIT%d", id)},
			dynauth.Change{InACL: in, OutACL: out})
	}
	in, out := []dynauth.ACLEntry{entry(3, "permit 1.1.1.1")}, []dynauth.ACLEntry{entry(4, "permit 1.1.1.3")}
	up(1, "Virtual-Access1")
	up(2, "Virtual-Access2")
	up(3, "")
	for _, c := range []struct {
		id      int
		in, out []dynauth.ACLEntry
		ack     bool
	}{{1, in, out, true}, {2, nil, out, true}, {1, nil, out, true}, {3, in, nil, false}} {
		if r := coa(c.id, c.in, c.out); (r.Cause == 0) != c.ack || r.NotFound {
			t.Fatalf("session %d: %+v", c.id, r)
		}
	}
	want := map[int][]string{
		1: {"Virtual-Access1#2601 standard: 10 permit 1.1.1.1", "Virtual-Access1#2602 standard: 10 permit 1.1.1.3",
			"Virtual-Access1#2603 standard: 10 permit 1.1.1.3"},
		2: {"Virtual-Access2#2601 standard: 10 permit 1.1.1.3"},
	}
	if got := fs.aclState(); !reflect.DeepEqual(got, want) {
		t.Fatalf("lists %v, want %v", got, want)
	}
	// Virtual-Access1 comes back for another session: its count starts
	// again.
	s.SessionDown(ike.SessionRecord{ID: 1}, ike.CauseUserRequest)
	up(4, "Virtual-Access1")
	if r := coa(4, in, nil); r.Cause != 0 {
		t.Fatalf("session 4: %+v", r)
	}
	if got := fs.aclState()[4]; !reflect.DeepEqual(got, []string{"Virtual-Access1#2601 standard: 10 permit 1.1.1.1"}) {
		t.Fatalf("session 4 lists %q", got)
	}
}
