package session

import (
	"bytes"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-vpn/gatehouse/internal/golden"
)

// seedSession is the session of seed 001's "show crypto session" records:
// a FlexVPN spoke-to-hub GRE tunnel protected by the default IPsec profile.
func seedSession(id int) Session {
	return Session{
		ID:        id,
		Interface: "Virtual-Access1",
		Profile:   "default",
		Status:    UpActive,
		Peer:      netip.MustParseAddrPort("172.16.1.1:500"),
		IKE: &IKESA{
			Local:  netip.MustParseAddrPort("172.16.1.2:500"),
			Remote: netip.MustParseAddrPort("172.16.1.1:500"),
			Status: IKEReady,
		},
		Flows: []Flow{{
			Proto:     47,
			Local:     netip.MustParsePrefix("172.16.1.2/32"),
			Remote:    netip.MustParsePrefix("172.16.1.1/32"),
			ActiveSAs: 2,
			Origin:    "crypto-map",
		}},
	}
}

// seedSA975 is the PSK-authenticated SA of seed 001 line 975.
func seedSA975() IKESA {
	return IKESA{
		TunnelID: 1, ConnID: 1057, SessionID: 52,
		Local:  netip.MustParseAddrPort("172.16.1.2:500"),
		Remote: netip.MustParseAddrPort("172.16.1.1:500"),
		Encr:   "AES-CBC", KeySize: 256, PRF: "SHA512", Hash: "SHA512", DHGroup: 5,
		AuthSign: "PSK", AuthVerify: "PSK",
		Lifetime: 86400 * time.Second, Active: 3 * time.Second,
		LocalSPI: 0x8D331A95A67688AB, RemoteSPI: 0xE7286487AC534733,
		LocalID: "172.16.1.2", RemoteID: "router1.domain1",
		Status: IKEReady,
	}
}

// seedSA336 is the EAP-authenticated SA of seed 001 line 336 (a client
// behind NAT on the router's own address, hence 172.16.1.2/59040).
func seedSA336() IKESA {
	return IKESA{
		TunnelID: 1, ConnID: 1028, SessionID: 22,
		Local:  netip.MustParseAddrPort("172.16.1.2:4500"),
		Remote: netip.MustParseAddrPort("172.16.1.2:59040"),
		Encr:   "3DES", PRF: "SHA1", Hash: "SHA96", DHGroup: 2,
		AuthSign: "RSA", AuthVerify: "EAP",
		Lifetime: 900 * time.Second, Active: 21 * time.Second,
		LocalSPI: 0x123A08C78505C625, RemoteSPI: 0x3A1C6331D3A4726E,
		LocalID: "172.16.1.2", RemoteID: "router1", RemoteEAPID: "User1",
		Status: IKEReady,
	}
}

// seedRecord reads testdata/name, a seed record: it is compared with diff
// and never rewritten by -update (TestGoldensAreSeed keeps it the seed's).
func seedRecord(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func diff(t *testing.T, name, got, want string) {
	t.Helper()
	if d := golden.Diff(got, want); d != "" {
		t.Errorf("%s: %s", name, d)
	}
}

func TestCryptoSessionSeed(t *testing.T) {
	for _, tc := range []struct {
		golden string
		id     int
	}{
		{"crypto_session_822.golden", 28},
		{"crypto_session_1131.golden", 60},
		{"crypto_session_1220.golden", 60},
	} {
		var buf bytes.Buffer
		if err := RenderCryptoSession(&buf, []Session{seedSession(tc.id)}, false); err != nil {
			t.Fatal(err)
		}
		diff(t, tc.golden, buf.String(), seedRecord(t, tc.golden))
	}
}

func TestIKEv2SADetailSeed975(t *testing.T) {
	var buf bytes.Buffer
	if err := RenderIKEv2SA(&buf, []IKESA{seedSA975()}, true); err != nil {
		t.Fatal(err)
	}
	diff(t, "ikev2_sa_detail_975.golden", buf.String(), seedRecord(t, "ikev2_sa_detail_975.golden"))
}

// The record at line 336 uses narrower columns and an empty line under the
// banner; the renderer follows line 975, so only the lines below the
// table header must match, and the SA row must hold the same fields.
func TestIKEv2SADetailSeed336(t *testing.T) {
	var buf bytes.Buffer
	if err := RenderIKEv2SA(&buf, []IKESA{seedSA336()}, true); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(buf.String(), "\n")
	want := strings.Split(seedRecord(t, "ikev2_sa_detail_336.golden"), "\n")
	// got: banner, header, row, details...; want: banner, "", header, row, details...
	if strings.Join(strings.Fields(got[2]), " ") != strings.Join(strings.Fields(want[3]), " ") {
		t.Errorf("SA row fields differ:\n got: %q\nwant: %q", got[2], want[3])
	}
	diff(t, "ikev2_sa_detail_336.golden (detail lines)",
		strings.Join(got[3:], "\n"), strings.Join(want[4:], "\n"))
}

func TestIKEv2SABrief(t *testing.T) {
	var buf bytes.Buffer
	if err := RenderIKEv2SA(&buf, []IKESA{seedSA975()}, false); err != nil {
		t.Fatal(err)
	}
	want := strings.Join(strings.SplitAfter(seedRecord(t, "ikev2_sa_detail_975.golden"), "\n")[:5], "")
	diff(t, "show crypto ikev2 sa", buf.String(), want)
}

// Not from a seed: pins the shapes the seed does not show (two sessions,
// subnet flows, detail view) so changes to them are deliberate.
func TestCryptoSessionUnattested(t *testing.T) {
	s1 := seedSession(28)
	s2 := seedSession(29)
	s2.Interface = "Virtual-Access2"
	s2.Status = UpIdle
	s2.Peer = netip.MustParseAddrPort("198.51.100.7:4500")
	s2.IKE = &IKESA{
		TunnelID: 2,
		Local:    netip.MustParseAddrPort("172.16.1.2:4500"),
		Remote:   netip.MustParseAddrPort("198.51.100.7:4500"),
		RemoteID: "user2", Lifetime: 86400 * time.Second, Active: 10 * time.Second,
		Status: IKEReady, Caps: CapConfigMode | CapDPD | CapNATT,
	}
	s2.Flows = []Flow{{Local: netip.MustParsePrefix("0.0.0.0/0"), Remote: netip.MustParsePrefix("10.0.0.0/24"), Origin: "crypto-map"}}
	s2.Uptime = 10 * time.Second
	var buf bytes.Buffer
	if err := RenderCryptoSession(&buf, []Session{s1, s2}, true); err != nil {
		t.Fatal(err)
	}
	want := `Crypto session current status

Code: C - IKE Configuration mode, D - Dead Peer Detection
K - Keepalives, N - NAT-traversal, T - cTCP encapsulation
X - IKE Extended Authentication, F - IKE Fragmentation
R - IKE Auto Reconnect, U - IKE Dynamic Route Update
S - SIP VPN

Interface: Virtual-Access1
Profile: default
Uptime: 00:00:00
Session status: UP-ACTIVE
Peer: 172.16.1.1 port 500 fvrf: (none) ivrf: (none)
      Desc: (none)
  Session ID: 28
  IKEv2 SA: local 172.16.1.2/500 remote 172.16.1.1/500 Active
          Capabilities:(none) connid:0 lifetime:00:00:00
  IPSEC FLOW: permit 47 host 172.16.1.2 host 172.16.1.1
        Active SAs: 2, origin: crypto-map

Interface: Virtual-Access2
Profile: default
Uptime: 00:00:10
Session status: UP-IDLE
Peer: 198.51.100.7 port 4500 fvrf: (none) ivrf: (none)
      Phase1_id: user2
      Desc: (none)
  Session ID: 29
  IKEv2 SA: local 172.16.1.2/4500 remote 198.51.100.7/4500 Active
          Capabilities:CDN connid:2 lifetime:23:59:50
  IPSEC FLOW: permit ip 0.0.0.0/0.0.0.0 10.0.0.0/255.255.255.0
        Active SAs: 0, origin: crypto-map
`
	diff(t, "crypto session detail", buf.String(), want)
}
