package main

import (
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		return
	}
	testscript.Main(m, map[string]func(){
		"gatehouse": main,
	})
}

// TestScripts runs the transcript tests in testdata/script: each starts a
// daemon of its own on a database in its work directory and drives it
// with "gatehouse cli" as an administrator would.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		UpdateScripts:       os.Getenv("UPDATE_SCRIPTS") != "",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waitsock": waitSock,
		},
		Setup: func(env *testscript.Env) error {
			env.Setenv("SEEDS", seedsDir())
			return nil
		},
	})
}

// waitSock waits until the daemon accepts connections on a unix socket.
func waitSock(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: waitsock FILE")
	}
	path := ts.MkAbs(args[0])
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("unix", path); err == nil {
			c.Close()
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	ts.Fatalf("daemon socket %s did not come up", path)
}

// seedsDir finds ../shared/seeds beside the repository.
func seedsDir() string {
	wd, _ := os.Getwd()
	for d := wd; d != "/"; d = filepath.Dir(d) {
		p := filepath.Join(d, "..", "shared", "seeds")
		if _, err := os.Stat(p); err == nil {
			abs, _ := filepath.Abs(p)
			return abs
		}
	}
	return ""
}
