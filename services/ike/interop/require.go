package interop

import (
	"os"

	"github.com/gatehouse-vpn/gatehouse/internal/peerkit"
)

// T is the part of testing.TB the harness needs (peerkit.T). *testing.T
// and *testing.B satisfy it; a standalone tool can satisfy it with a few
// lines.
type T = peerkit.T

// Paths of the peer binaries the harness runs.
const (
	CharonPath  = "/usr/lib/ipsec/charon"
	SwanctlPath = "/usr/sbin/swanctl"
	PluginDir   = "/usr/lib/ipsec/plugins"
)

// peerRequirements are the files and commands the harness needs.
var peerRequirements = []peerkit.Requirement{
	{Path: CharonPath, Package: "strongswan-charon"},
	{Path: SwanctlPath, Package: "strongswan-swanctl"},
	{Path: PluginDir + "/libstrongswan-openssl.so", Package: "libstrongswan-standard-plugins"},
	{Path: PluginDir + "/libstrongswan-curve25519.so", Package: "libstrongswan-extra-plugins"},
	{Path: PluginDir + "/libstrongswan-kernel-libipsec.so", Package: "libcharon-extra-plugins"},
	{Path: PluginDir + "/libstrongswan-kdf.so", Package: "libstrongswan"},
	{Path: "ip", Package: "iproute2", LookPath: true},
	{Path: "nft", Package: "nftables", LookPath: true},
	{Path: "unshare", Package: "util-linux", LookPath: true},
	{Path: "ping", Package: "iputils-ping", LookPath: true},
	{Path: "iperf3", Package: "iperf3", LookPath: true},
	{Path: "/dev/net/tun", Package: "the tun kernel module (modprobe tun)"},
}

// RequirePeers fails the test (never skips it) when the peers or tools the
// harness drives are missing or when the test does not run as root. Each
// message names what to install; scripts/install-test-deps.sh installs all
// of them.
func RequirePeers(t T) {
	t.Helper()
	if missing := MissingPeers(); len(missing) > 0 {
		for _, m := range missing {
			t.Logf("interop: %s", m)
		}
		t.Fatalf("interop: %d peer requirement(s) missing (run scripts/install-test-deps.sh): %v", len(missing), missing)
	}
}

// MissingPeers lists what RequirePeers would complain about, one line each.
func MissingPeers() []string {
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "not root: network namespaces and charon need root (run the interop tests as root, as CI does)")
	}
	return append(missing, peerkit.Missing(peerRequirements)...)
}
