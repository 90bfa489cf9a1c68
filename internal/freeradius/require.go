package freeradius

import "github.com/gatehouse-vpn/gatehouse/internal/peerkit"

// T is the part of testing.TB the harness needs (peerkit.T). *testing.T
// and *testing.B satisfy it; a standalone tool can satisfy it with a few
// lines.
type T = peerkit.T

// Paths of the FreeRADIUS programs the harness runs.
const (
	ServerPath    = "/usr/sbin/freeradius"
	RadclientPath = "/usr/bin/radclient"
	ModuleDir     = "/usr/lib/freeradius"
	DictDir       = "/usr/share/freeradius"
)

// installHint ends every "missing" failure.
const installHint = "run scripts/install-test-deps.sh (apt-get install freeradius freeradius-utils)"

var requirements = []peerkit.Requirement{
	{Path: ServerPath, Package: "freeradius"},
	{Path: RadclientPath, Package: "freeradius-utils"},
	{Path: ModuleDir + "/rlm_eap_tls.so", Package: "freeradius"},
	{Path: ModuleDir + "/rlm_eap_mschapv2.so", Package: "freeradius"},
	{Path: ModuleDir + "/rlm_perl.so", Package: "freeradius"}, // Config.Delay
	{Path: DictDir + "/dictionary.cisco", Package: "freeradius-common"},
}

// Require fails the test (never skips it) when FreeRADIUS is not
// installed. Interop tests run in CI, where a skipped test would hide a
// regression; the message says what to install.
func Require(t T) {
	t.Helper()
	if missing := Missing(); len(missing) > 0 {
		for _, m := range missing {
			t.Logf("freeradius: %s", m)
		}
		t.Fatalf("freeradius: %d requirement(s) missing (%s): %v", len(missing), installHint, missing)
	}
}

// Missing lists what Require would complain about, one line each.
func Missing() []string { return peerkit.Missing(requirements) }
