package freeradius

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"layeh.com/radius"
)

const aliceUsers = `alice Cleartext-Password := "pw"
	Cisco-AVPair += "ipsec:dns-servers=10.0.0.53",
	Cisco-AVPair += "ipsec:default-domain=example.test",
	Framed-IP-Address = 10.1.2.3
`

// send runs radclient and fails the test when no reply arrived.
func send(t *testing.T, o RadclientOptions, target netip.AddrPort, code, attrs string) Reply {
	t.Helper()
	out, err := RadClientWith(t, o, target, code, attrs)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	r, _ := ParseReply(out)
	return r
}

func TestPAPAcceptAndReject(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{Users: aliceUsers, Secret: "s3cret"})

	r := send(t, RadclientOptions{Secret: s.Secret}, s.AuthAddr, "auth", `User-Name = "alice", User-Password = "pw"`)
	if r.Code != "Access-Accept" {
		t.Fatalf("reply %q, want Access-Accept", r.Code)
	}
	if got, want := r.All("Cisco-AVPair"), []string{"ipsec:dns-servers=10.0.0.53", "ipsec:default-domain=example.test"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Cisco-AVPair %q, want %q", got, want)
	}
	if got := r.Get("Framed-IP-Address"); got != "10.1.2.3" {
		t.Errorf("Framed-IP-Address %q", got)
	}
	// radclient verifies the Message-Authenticator it prints.
	if _, ok := r.Lookup("Message-Authenticator"); !ok {
		t.Errorf("Access-Accept without Message-Authenticator: %v", r.Pairs)
	}

	r = send(t, RadclientOptions{Secret: s.Secret}, s.AuthAddr, "auth", `User-Name = "alice", User-Password = "wrong"`)
	if r.Code != "Access-Reject" {
		t.Fatalf("reply %q, want Access-Reject", r.Code)
	}
	if _, ok := r.Lookup("Cisco-AVPair"); ok {
		t.Errorf("Access-Reject carries the user's reply items: %v", r.Pairs)
	}
	if _, ok := r.Lookup("Message-Authenticator"); !ok {
		t.Errorf("Access-Reject without Message-Authenticator: %v", r.Pairs)
	}

	r = send(t, RadclientOptions{Secret: s.Secret}, s.AuthAddr, "auth", `User-Name = "bob", User-Password = "pw"`)
	if r.Code != "Access-Reject" {
		t.Fatalf("unknown user: reply %q, want Access-Reject", r.Code)
	}
}

func TestAccounting(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{Accounting: true})
	start := `User-Name = "alice", Acct-Status-Type = Start, Acct-Session-Id = "0000000E", NAS-IP-Address = 127.0.0.1, Framed-IP-Address = 10.1.2.3, Cisco-AVPair = "audit-session-id=L2L4A0A0A01"`
	stop := `User-Name = "alice", Acct-Status-Type = Stop, Acct-Session-Id = "0000000E", Acct-Input-Octets = 1234, Acct-Output-Packets = 7, Acct-Session-Time = 42, Acct-Terminate-Cause = Admin-Reset`
	for _, attrs := range []string{start, stop} {
		if r := send(t, RadclientOptions{Secret: s.Secret}, s.AcctAddr, "acct", attrs); r.Code != "Accounting-Response" {
			t.Fatalf("reply %q, want Accounting-Response", r.Code)
		}
	}
	got := s.WaitAccounting(t, func(r Record) bool { return r.Get("Acct-Status-Type") == "Stop" }, 5*time.Second)
	if got.Get("Acct-Input-Octets") != "1234" || got.Get("Acct-Session-Time") != "42" || got.Get("Acct-Terminate-Cause") != "Admin-Reset" {
		t.Errorf("stop record:\n%s", got)
	}
	recs := s.Accounting()
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2: %v", len(recs), recs)
	}
	if r := recs[0]; r.Get("Acct-Status-Type") != "Start" || r.Get("Acct-Session-Id") != "0000000E" ||
		r.Get("Cisco-AVPair") != "audit-session-id=L2L4A0A0A01" || r.Get("Framed-IP-Address") != "10.1.2.3" {
		t.Errorf("start record:\n%s", r)
	}
	if recs[0].Header == "" || recs[0].Get("Timestamp") == "" {
		t.Errorf("record without header or Timestamp:\n%s", recs[0])
	}
}

func TestStopAndRestart(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{Users: aliceUsers})
	req := `User-Name = "alice", User-Password = "pw"`
	quick := RadclientOptions{Secret: s.Secret, Timeout: 500 * time.Millisecond}
	if r := send(t, quick, s.AuthAddr, "auth", req); r.Code != "Access-Accept" {
		t.Fatalf("before Stop: %q", r.Code)
	}
	s.Stop()
	if s.Running() {
		t.Fatal("Running after Stop")
	}
	if out, err := RadClientWith(t, quick, s.AuthAddr, "auth", req); err == nil {
		t.Fatalf("stopped server answered:\n%s", out)
	}
	s.Restart()
	if r := send(t, quick, s.AuthAddr, "auth", req); r.Code != "Access-Accept" {
		t.Fatalf("after Restart: %q", r.Code)
	}
}

func TestDelay(t *testing.T) {
	t.Parallel()
	const delay = 700 * time.Millisecond
	s := Start(t, Config{Users: aliceUsers, Delay: delay})
	begin := time.Now()
	r := send(t, RadclientOptions{Secret: s.Secret}, s.AuthAddr, "auth", `User-Name = "alice", User-Password = "pw"`)
	took := time.Since(begin)
	if r.Code != "Access-Accept" {
		t.Fatalf("reply %q", r.Code)
	}
	if took < delay {
		t.Fatalf("answered after %v, want at least %v", took, delay)
	}
	t.Logf("answered after %v (Delay %v)", took, delay)
}

func TestRequireMessageAuthenticator(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{Users: aliceUsers, RequireMessageAuthenticator: true})
	quick := RadclientOptions{Secret: s.Secret, Timeout: 500 * time.Millisecond}
	if out, err := RadClientWith(t, quick, s.AuthAddr, "auth", `User-Name = "alice", User-Password = "pw"`); err == nil {
		t.Fatalf("request without Message-Authenticator answered:\n%s", out)
	}
	r := send(t, quick, s.AuthAddr, "auth", `User-Name = "alice", User-Password = "pw", Message-Authenticator = 0x00`)
	if r.Code != "Access-Accept" {
		t.Fatalf("signed request: %q", r.Code)
	}
}

func TestStatusServerAndIPv6(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/proc/sys/net/ipv6"); err != nil {
		t.Fatalf("no IPv6 on this host: %v", err)
	}
	s := Start(t, Config{ListenAddr: netip.MustParseAddr("::1")})
	r := send(t, RadclientOptions{Secret: s.Secret}, s.AuthAddr, "status", `Message-Authenticator = 0x00`)
	if r.Code != "Access-Accept" {
		t.Fatalf("Status-Server: %q", r.Code)
	}
}

// TestNetNS runs the server and radclient inside a namespace of the
// test's own, where the standard ports are used.
func TestNetNS(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Fatalf("network namespaces need root (run the tests as root, as CI does)")
	}
	var b [4]byte
	rand.Read(b[:])
	ns := "gh-fr-" + hex.EncodeToString(b[:])
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add %s: %v: %s", ns, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", ns, err, out)
		}
	})
	if out, err := exec.Command("ip", "-n", ns, "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Fatalf("lo up in %s: %v: %s", ns, err, out)
	}
	s := Start(t, Config{NetNS: ns, Users: aliceUsers, Accounting: true})
	if s.AuthAddr.Port() != 1812 || s.AcctAddr.Port() != 1813 {
		t.Errorf("ports %v %v, want 1812 and 1813 in a namespace", s.AuthAddr, s.AcctAddr)
	}
	o := RadclientOptions{NetNS: ns, Secret: s.Secret, Timeout: 500 * time.Millisecond}
	if r := send(t, o, s.AuthAddr, "auth", `User-Name = "alice", User-Password = "pw"`); r.Code != "Access-Accept" {
		t.Fatalf("reply %q in %s", r.Code, ns)
	}
	send(t, o, s.AcctAddr, "acct", `User-Name = "alice", Acct-Status-Type = Start, Acct-Session-Id = "1"`)
	s.WaitAccounting(t, func(r Record) bool { return r.Get("Acct-Session-Id") == "1" }, 5*time.Second)
}

// TestRadClientCoA sends CoA and Disconnect requests to a dynamic
// authorization listener, the way tests drive Gatehouse's.
func TestRadClientCoA(t *testing.T) {
	t.Parallel()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &radius.PacketServer{
		SecretSource: radius.StaticSecretSource([]byte("coa-secret")),
		Handler: radius.HandlerFunc(func(w radius.ResponseWriter, r *radius.Request) {
			switch r.Code {
			case radius.CodeCoARequest:
				w.Write(r.Response(radius.CodeCoAACK))
			case radius.CodeDisconnectRequest:
				resp := r.Response(radius.CodeDisconnectNAK)
				resp.Add(101, radius.NewInteger(503)) // Error-Cause = Session-Context-Not-Found
				w.Write(resp)
			}
		}),
	}
	go srv.Serve(pc)
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	target := pc.LocalAddr().(*net.UDPAddr).AddrPort()

	out, err := RadClient(t, "", target, "coa", "coa-secret", `Acct-Session-Id = "0000000E", Cisco-AVPair = "subscriber:command=reauthenticate"`)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := ParseReply(out); r.Code != "CoA-ACK" {
		t.Fatalf("CoA reply %q:\n%s", r.Code, out)
	}
	out, err = RadClient(t, "", target, "disconnect", "coa-secret", `Acct-Session-Id = "0000000F"`)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := ParseReply(out)
	if r.Code != "Disconnect-NAK" || r.Get("Error-Cause") != "Session-Context-Not-Found" {
		t.Fatalf("Disconnect reply %q %v:\n%s", r.Code, r.Pairs, out)
	}
}
