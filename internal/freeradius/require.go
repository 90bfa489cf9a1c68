package freeradius

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

// Paths of the FreeRADIUS programs the harness runs.
const (
	ServerPath    = "/usr/sbin/freeradius"
	RadclientPath = "/usr/bin/radclient"
	ModuleDir     = "/usr/lib/freeradius"
	DictDir       = "/usr/share/freeradius"
)

// installHint ends every "missing" failure.
const installHint = "run scripts/install-test-deps.sh (apt-get install freeradius freeradius-utils)"

type requirement struct {
	path, pkg string
	lookPath  bool // path is a command name looked up in $PATH
}

var requirements = []requirement{
	{path: ServerPath, pkg: "freeradius"},
	{path: RadclientPath, pkg: "freeradius-utils"},
	{path: ModuleDir + "/rlm_eap_tls.so", pkg: "freeradius"},
	{path: ModuleDir + "/rlm_eap_mschapv2.so", pkg: "freeradius"},
	{path: ModuleDir + "/rlm_exec.so", pkg: "freeradius"},
	{path: DictDir + "/dictionary.cisco", pkg: "freeradius-common"},
	{path: "sleep", pkg: "coreutils", lookPath: true},
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
func Missing() []string {
	var missing []string
	for _, r := range requirements {
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
