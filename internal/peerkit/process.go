package peerkit

import (
	"os"
	"strings"
	"time"
)

// Terminate ends a process the harness started and waits for it: unless
// exited is already closed, it sends sig, then SIGKILL if the process has
// not exited after grace. exited is closed by whoever waits for the
// process (its exec.Cmd's Wait). Calling it again after the process has
// gone does nothing.
func Terminate(p *os.Process, exited <-chan struct{}, sig os.Signal, grace time.Duration) {
	select {
	case <-exited:
		return
	default:
	}
	_ = p.Signal(sig)
	select {
	case <-exited:
	case <-time.After(grace):
		_ = p.Kill()
		<-exited
	}
}

// LogTail returns the last n lines of the log file at path, "" when it
// cannot be read: what a failing test writes to its own log.
func LogTail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
