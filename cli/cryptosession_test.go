package cli

import (
	"net/netip"
	"os"
	"testing"

	"github.com/gatehouse-vpn/gatehouse/services/session"
)

// TestShowCryptoSession: the exec command renders the session table the
// session service reports, as seed 001 line 822 shows it (through the CLI,
// pipes included), and an empty table with only the header.
func TestShowCryptoSession(t *testing.T) {
	env, _ := testEnv(t)
	if out, _ := script(t, env, "show crypto session"); out != "Crypto session current status\n" {
		t.Errorf("empty table: %q", out)
	}
	env.CryptoSessions = func() []session.Session {
		return []session.Session{{
			ID: 28, Interface: "Virtual-Access1", Profile: "default", Status: session.UpActive,
			Peer: netip.MustParseAddrPort("172.16.1.1:500"),
			IKE: &session.IKESA{Local: netip.MustParseAddrPort("172.16.1.2:500"),
				Remote: netip.MustParseAddrPort("172.16.1.1:500"), Status: session.IKEReady},
			Flows: []session.Flow{{Proto: 47, Local: netip.MustParsePrefix("172.16.1.2/32"),
				Remote: netip.MustParsePrefix("172.16.1.1/32"), ActiveSAs: 2, Origin: "crypto-map"}},
		}}
	}
	want, err := os.ReadFile("../services/session/testdata/crypto_session_822.golden")
	if err != nil {
		t.Fatal(err)
	}
	if out, _ := script(t, env, "sh cry ses"); out != string(want) {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
	if out, _ := script(t, env, "show crypto session | include ^Peer"); out != "Peer: 172.16.1.1 port 500\n" {
		t.Errorf("piped: %q", out)
	}
}
