package interop

import (
	"os"
	"os/exec"
)

// T is the part of testing.TB the harness needs. *testing.T and *testing.B
// satisfy it; a standalone tool can satisfy it with a few lines.
type T interface {
	Helper()
	Cleanup(func())
	Logf(format string, args ...any)
	Fatalf(format string, args ...any)
	Failed() bool
	TempDir() string
}

// Paths of the peer binaries the harness runs.
const (
	CharonPath  = "/usr/lib/ipsec/charon"
	SwanctlPath = "/usr/sbin/swanctl"
	PluginDir   = "/usr/lib/ipsec/plugins"
)

// peerRequirement is one file the harness needs and the package providing it.
type peerRequirement struct {
	path, pkg string
	lookPath  bool // path is a command name looked up in $PATH
}

var peerRequirements = []peerRequirement{
	{path: CharonPath, pkg: "strongswan-charon"},
	{path: SwanctlPath, pkg: "strongswan-swanctl"},
	{path: PluginDir + "/libstrongswan-openssl.so", pkg: "libstrongswan-standard-plugins"},
	{path: PluginDir + "/libstrongswan-curve25519.so", pkg: "libstrongswan-extra-plugins"},
	{path: PluginDir + "/libstrongswan-kernel-libipsec.so", pkg: "libcharon-extra-plugins"},
	{path: PluginDir + "/libstrongswan-kdf.so", pkg: "libstrongswan"},
	{path: "ip", pkg: "iproute2", lookPath: true},
	{path: "nft", pkg: "nftables", lookPath: true},
	{path: "unshare", pkg: "util-linux", lookPath: true},
	{path: "ping", pkg: "iputils-ping", lookPath: true},
	{path: "iperf3", pkg: "iperf3", lookPath: true},
	{path: "/dev/net/tun", pkg: "the tun kernel module (modprobe tun)"},
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
	for _, r := range peerRequirements {
		var err error
		if r.lookPath {
			_, err = exec.LookPath(r.path)
		} else {
			_, err = os.Stat(r.path)
		}
		if err != nil {
			missing = append(missing, r.path+" not found: install "+r.pkg)
		}
	}
	return missing
}
