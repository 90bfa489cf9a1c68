package peerkit

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func TestLogTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "peer.log")
	if got := LogTail(path, 3); got != "" {
		t.Errorf("missing log: %q", got)
	}
	if err := os.WriteFile(path, []byte("one\ntwo\nthree\nfour\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for n, want := range map[int]string{1: "four", 2: "three\nfour", 9: "one\ntwo\nthree\nfour"} {
		if got := LogTail(path, n); got != want {
			t.Errorf("LogTail(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestTerminate ends a process that ignores the first signal, so that the
// kill after the grace period is what ends it, and one that obeys it.
func TestTerminate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		script string
		killed bool
	}{
		{"obeys", "sleep 30", false},
		{"ignores", "trap '' TERM; echo ready; while :; do sleep 0.05; done", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command("sh", "-c", tc.script)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if tc.killed {
				// The trap must be set before the signal is sent.
				if _, err := out.Read(make([]byte, 6)); err != nil {
					t.Fatal(err)
				}
			}
			exited := make(chan struct{})
			go func() { cmd.Wait(); close(exited) }()
			Terminate(cmd.Process, exited, syscall.SIGTERM, 200*time.Millisecond)
			ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
			if want := map[bool]syscall.Signal{false: syscall.SIGTERM, true: syscall.SIGKILL}[tc.killed]; !ws.Signaled() || ws.Signal() != want {
				t.Errorf("ended by %v, want %v", ws, want)
			}
			Terminate(cmd.Process, exited, syscall.SIGTERM, time.Second) // already gone: returns at once
		})
	}
}
