package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runMainEnv makes the test binary behave as the gatehouse binary, so tests
// can start real daemon and client processes.
const runMainEnv = "GATEHOUSE_TEST_RUN_MAIN"

// daemon is a gatehouse run process started by a test.
type daemon struct {
	t    *testing.T
	cmd  *exec.Cmd
	db   string
	sock string
	log  bytes.Buffer
}

func startDaemon(t *testing.T, dir string) *daemon {
	t.Helper()
	d := &daemon{t: t, db: filepath.Join(dir, "gatehouse.db"), sock: filepath.Join(dir, "gatehouse.sock")}
	d.cmd = exec.Command(os.Args[0], "run", "--db", d.db, "--socket", d.sock, "--ssh", "none")
	d.cmd.Env = append(os.Environ(), runMainEnv+"=1")
	d.cmd.Stdout, d.cmd.Stderr = &d.log, &d.log
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.stop() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err := net.Dial("unix", d.sock); err == nil {
			c.Close()
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("daemon did not start:\n%s", d.log.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stop ends the daemon cleanly (SIGTERM) if it still runs.
func (d *daemon) stop() {
	if d.cmd.ProcessState == nil {
		d.cmd.Process.Signal(syscall.SIGTERM)
		d.cmd.Wait()
	}
}

// kill ends the daemon with SIGKILL.
func (d *daemon) kill() {
	d.cmd.Process.Kill()
	d.cmd.Wait()
}

// cli runs "gatehouse cli" with the given stdin and returns its output.
func (d *daemon) cli(stdin string, args ...string) (string, error) {
	cmd := exec.Command(os.Args[0], append([]string{"cli", "--socket", d.sock}, args...)...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (d *daemon) mustCLI(stdin string) string {
	d.t.Helper()
	out, err := d.cli(stdin)
	if err != nil {
		d.t.Fatalf("gatehouse cli: %v\n%s", err, out)
	}
	return out
}

// TestCrashSafety kills the daemon with SIGKILL while a long configuration
// is being piped in, restarts it, and checks that every line the daemon
// acknowledged as committed is in the running configuration.
func TestCrashSafety(t *testing.T) {
	const lines = 6000
	var cfg strings.Builder
	cfg.WriteString("configure terminal\n")
	for i := 1; i <= lines; i++ {
		fmt.Fprintf(&cfg, "username user%05d privilege %d password 0 pw%d\n", i, i%16, i)
	}
	for round, killAfter := range []int{700, 2500, 4100} {
		dir := t.TempDir()
		d := startDaemon(t, dir)
		cmd := exec.Command(os.Args[0], "cli", "--socket", d.sock, "--verbose")
		cmd.Env = append(os.Environ(), runMainEnv+"=1")
		cmd.Stdin = strings.NewReader(cfg.String())
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		ackRe := regexp.MustCompile(`^line (\d+): committed`)
		acked := 0
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			m := ackRe.FindStringSubmatch(sc.Text())
			if m == nil {
				continue
			}
			acked, _ = strconv.Atoi(m[1])
			if acked >= killAfter && d.cmd.ProcessState == nil {
				d.kill()
			}
		}
		cmd.Wait()
		if d.cmd.ProcessState == nil {
			t.Fatalf("round %d: the script finished (%d lines acknowledged) before the kill", round, acked)
		}

		// Restart on the same database: it must open and hold every
		// acknowledged line (line N configured user N-1).
		d2 := startDaemon(t, dir)
		run := d2.mustCLI("show running-config | include ^username\n")
		got := strings.Count(run, "username user")
		if got < acked-1 {
			t.Fatalf("round %d: %d lines acknowledged but only %d users survived", round, acked, got)
		}
		for i := 1; i < acked; i++ {
			if !strings.Contains(run, fmt.Sprintf("username user%05d ", i)) {
				t.Fatalf("round %d: acknowledged user%05d missing after the crash", round, i)
			}
		}
		t.Logf("round %d: killed after %d acknowledged lines; %d users present after restart", round, acked, got)
		d2.stop()
	}
}

// TestStartupConfig: write memory saves, the daemon restarts with the
// running configuration, and copy startup-config running-config merges the
// saved one back.
func TestStartupConfig(t *testing.T) {
	dir := t.TempDir()
	d := startDaemon(t, dir)
	if out, _ := d.cli("show startup-config\n"); !strings.Contains(out, "startup-config is not present") {
		t.Errorf("fresh box: %s", out)
	}
	d.mustCLI("configure terminal\nhostname SAVED\nend\nwrite memory\nconfigure terminal\nhostname UNSAVED\nend\n")
	d.stop()
	d = startDaemon(t, dir)
	if out := d.mustCLI("show running-config | include ^hostname\nshow startup-config | include ^hostname\n"); out != "hostname UNSAVED\nhostname SAVED\n" {
		t.Errorf("after restart:\n%s", out)
	}
	d.mustCLI("copy startup-config running-config\n")
	if out := d.mustCLI("show running-config | include ^hostname\n"); out != "hostname SAVED\n" {
		t.Errorf("after copy startup-config running-config:\n%s", out)
	}
}
