package session

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-vpn/gatehouse/internal/golden"
)

// childGCM is a FlexVPN remote-access client behind NAT on Virtual-Access1.
func childGCM() ChildSA {
	return ChildSA{
		Interface:  "Virtual-Access1",
		Local:      netip.MustParseAddrPort("10.99.0.1:4500"),
		Remote:     netip.MustParseAddrPort("10.99.0.2:4500"),
		LocalTS:    netip.MustParsePrefix("10.10.0.0/24"),
		RemoteTS:   netip.MustParsePrefix("10.10.0.1/32"),
		InboundSPI: 0xC0FFEE01, OutboundSPI: 0xC1B4A2E3,
		Transform: "esp-gcm 256 ,", Mode: "Tunnel", UDPEncap: true,
		ConnIDIn: 2001, ConnIDOut: 2002, FlowIDIn: 1, FlowIDOut: 2,
		Lifetime: time.Hour, LifetimeKB: 4608000,
		Remaining: 3575 * time.Second, RemainingKB: 4608000,
		ReplayWindow: 64,
		PktsEncaps:   12, PktsEncrypt: 12, PktsDigest: 12,
		PktsDecaps: 10, PktsDecrypt: 10, PktsVerify: 10,
		Status: "ACTIVE(ACTIVE)",
	}
}

// childGRE is a spoke's GRE flow in transport mode with PFS, as seed 001's
// FlexVPN spoke-to-hub tunnel would show it.
func childGRE() ChildSA {
	return ChildSA{
		Interface:  "Virtual-Access2",
		Local:      netip.MustParseAddrPort("172.16.1.2:500"),
		Remote:     netip.MustParseAddrPort("172.16.1.1:500"),
		IVRF:       "inside",
		Proto:      47,
		LocalTS:    netip.MustParsePrefix("172.16.1.2/32"),
		RemoteTS:   netip.MustParsePrefix("172.16.1.1/32"),
		InboundSPI: 0x2BDAB8F7, OutboundSPI: 0xFDC96FDB,
		Transform: "esp-256-aes esp-sha256-hmac", Mode: "Transport", PFS: 14,
		ConnIDIn: 6, ConnIDOut: 5, FlowIDIn: 6, FlowIDOut: 5,
		Lifetime: time.Hour, LifetimeKB: 4608000,
		Remaining: 1024 * time.Second, RemainingKB: 4191785,
		ReplayWindow: 64, SendErrors: 1, RecvErrors: 2,
		Status: "ACTIVE(ACTIVE)",
	}
}

// rekeyed is childGCM during a rekey: the new pair beside the old one.
func rekeyed() []ChildSA {
	old := childGCM()
	nw := childGCM()
	nw.InboundSPI, nw.OutboundSPI = 0x1A2B3C4D, 0x5E6F7081
	nw.ConnIDIn, nw.ConnIDOut, nw.FlowIDIn, nw.FlowIDOut = 2003, 2004, 3, 4
	nw.Remaining, nw.RemainingKB = 3599*time.Second, 4608000
	nw.PktsEncaps, nw.PktsEncrypt, nw.PktsDigest = 1, 1, 1
	nw.PktsDecaps, nw.PktsDecrypt, nw.PktsVerify = 0, 0, 0
	return []ChildSA{old, nw}
}

func renderIPsec(t *testing.T, sas []ChildSA, f IPsecSAFilter) string {
	t.Helper()
	var buf bytes.Buffer
	if err := RenderIPsecSA(&buf, sas, f); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestIPsecSA(t *testing.T) {
	all := append(rekeyed(), childGRE())
	golden.Check(t, "testdata/ipsec_sa.golden", renderIPsec(t, all, IPsecSAFilter{}))
	golden.Check(t, "testdata/ipsec_sa_detail.golden", renderIPsec(t, []ChildSA{childGRE()}, IPsecSAFilter{Detail: true}))
}

func TestIPsecSAFilters(t *testing.T) {
	all := append(rekeyed(), childGRE())
	gre := renderIPsec(t, []ChildSA{childGRE()}, IPsecSAFilter{})
	if got := renderIPsec(t, all, IPsecSAFilter{Peer: netip.MustParseAddr("172.16.1.1")}); got != gre {
		t.Errorf("peer filter:\n%s", got)
	}
	if got := renderIPsec(t, all, IPsecSAFilter{Interface: "virtual-access2"}); got != gre {
		t.Errorf("interface filter:\n%s", got)
	}
	if got := renderIPsec(t, all, IPsecSAFilter{Peer: netip.MustParseAddr("192.0.2.1")}); got != "" {
		t.Errorf("unknown peer: %q", got)
	}
	if got := renderIPsec(t, nil, IPsecSAFilter{}); got != "" {
		t.Errorf("no SA: %q", got)
	}
}

// The model's names are printed as IOS prints them.
func TestIPsecSAFields(t *testing.T) {
	out := renderIPsec(t, []ChildSA{childGCM()}, IPsecSAFilter{})
	for _, want := range []string{
		"    Crypto map tag: Virtual-Access1-head-0, local addr 10.99.0.1\n",
		"   local  ident (addr/mask/prot/port): (10.10.0.0/255.255.255.0/0/0)\n",
		"   remote ident (addr/mask/prot/port): (10.10.0.1/255.255.255.255/0/0)\n",
		"   current_peer 10.99.0.2 port 4500\n",
		"     plaintext mtu 1422, path mtu 1500, ip mtu 1500, ip mtu idb none\n",
		"     current outbound spi: 0xC1B4A2E3(3249840867)\n",
		"        transform: esp-gcm 256 ,\n",
		"        in use settings ={Tunnel UDP-Encaps, }\n",
		"        conn id: 2001, flow_id: SW:1, sibling_flags 80000040, crypto map: Virtual-Access1-head-0\n",
		"        sa timing: remaining key lifetime (k/sec): (4608000/3575)\n",
		"        IV size: 8 bytes\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q", want)
		}
	}
}

// sessionWithChildren is seed 001's PSK session (line 975) with the GCM
// child of childGCM, rekeying.
func sessionWithChildren() Session {
	sa := seedSA975()
	return Session{
		ID: 52, Interface: "Virtual-Access1", Status: UpActive,
		Peer: sa.Remote, IKE: &sa, Children: rekeyed(),
	}
}

func TestIKEv2Session(t *testing.T) {
	s2 := seedSession(53)
	s2.IKE = &IKESA{TunnelID: 2, Local: netip.MustParseAddrPort("172.16.1.2:500"), Remote: netip.MustParseAddrPort("172.16.1.1:500"),
		Encr: "AES-CBC", KeySize: 128, PRF: "SHA256", Hash: "SHA256", DHGroup: 14, AuthSign: "PSK", AuthVerify: "PSK",
		Lifetime: 86400 * time.Second, Status: IKEReady}
	s2.Children = []ChildSA{childGRE()}
	ss := []Session{sessionWithChildren(), s2}
	for _, detail := range []bool{false, true} {
		var buf bytes.Buffer
		if err := RenderIKEv2Session(&buf, ss, detail); err != nil {
			t.Fatal(err)
		}
		name := "ikev2_session.golden"
		if detail {
			name = "ikev2_session_detail.golden"
		}
		golden.Check(t, "testdata/"+name, buf.String())
	}
	var buf bytes.Buffer
	if err := RenderIKEv2Session(&buf, nil, false); err != nil {
		t.Fatal(err)
	}
	if want := " IPv4 Crypto IKEv2 Session\n\n IPv6 Crypto IKEv2 Session\n"; buf.String() != want {
		t.Errorf("no session: %q, want %q", buf.String(), want)
	}
}

// The SA part of a session is the "show crypto ikev2 sa" rendering.
func TestIKEv2SessionReusesSATable(t *testing.T) {
	s := sessionWithChildren()
	var sess, sa bytes.Buffer
	if err := RenderIKEv2Session(&sess, []Session{s}, true); err != nil {
		t.Fatal(err)
	}
	if err := RenderIKEv2SA(&sa, []IKESA{*s.IKE}, true); err != nil {
		t.Fatal(err)
	}
	table := strings.SplitN(sa.String(), "\n", 2)[1] // drop the banner
	if !strings.Contains(sess.String(), table) {
		t.Errorf("session view does not contain the SA table:\n%s", sess.String())
	}
}

func TestTransformParts(t *testing.T) {
	for _, tc := range []struct {
		in, encr string
		key      int
		hmac     string
	}{
		{"esp-gcm 256 ,", "AES-GCM", 256, "None"},
		{"esp-256-aes esp-sha256-hmac ,", "AES-CBC", 256, "SHA256"},
		{"esp-aes 256 esp-sha-hmac", "AES-CBC", 256, "SHA1"},
		{"esp-aes esp-sha512-hmac", "AES-CBC", 128, "SHA512"},
		{"esp-3des esp-md5-hmac", "3DES", 0, "MD5"},
	} {
		e, k, h := transformParts(tc.in)
		if e != tc.encr || k != tc.key || h != tc.hmac {
			t.Errorf("%q: got %s/%d/%s, want %s/%d/%s", tc.in, e, k, h, tc.encr, tc.key, tc.hmac)
		}
	}
}

// ikev2StatsSample holds the counters of the IOS-XE sample output the
// layout was taken from (see RenderIKEv2Stats).
func ikev2StatsSample() IKEv2Stats {
	return IKEv2Stats{
		MaxInNegoIn: 40, MaxInNegoOut: 400,
		OutSAs: 1, OutActive: 1,
		InRequests: 13, InAccepted: 13,
		OutRequests: 14, OutAccepted: 14,
	}
}

func TestIKEv2Stats(t *testing.T) {
	var buf bytes.Buffer
	if err := RenderIKEv2Stats(&buf, ikev2StatsSample()); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/ikev2_stats.golden", buf.String())
	var zero bytes.Buffer
	if err := RenderIKEv2Stats(&zero, IKEv2Stats{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(zero.String(), "Max in nego(in/out): 40/400\n") {
		t.Errorf("zero limits must print IOS's defaults:\n%s", zero.String())
	}
}

func TestIKEv2StatsReconnectSeed(t *testing.T) {
	var buf bytes.Buffer
	err := RenderIKEv2StatsReconnect(&buf, ReconnectStats{Incoming: 20, Success: 20, Failed: 0, CapableActive: 5, CapableInactive: 2})
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "ikev2_stats_reconnect_1446.golden", buf.String(), seedRecord(t, "ikev2_stats_reconnect_1446.golden"))
}
