package interop

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse-vpn/gatehouse/internal/peerkit"
)

// Gatehouse is a "gatehouse run" daemon started inside a namespace, with
// its own database, attach socket and log.
type Gatehouse struct {
	Namespace string
	Dir       string
	Socket    string
	bin       string
	logPath   string
	cmd       *exec.Cmd
	exited    chan struct{}
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// GatehouseBinary builds ./cmd/gatehouse once per process (or returns
// $GATEHOUSE_BIN when set) and returns its path.
func GatehouseBinary() (string, error) {
	if b := os.Getenv("GATEHOUSE_BIN"); b != "" {
		return b, nil
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gatehouse-bin-")
		if err != nil {
			buildErr = err
			return
		}
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..", "..")
		builtBin = filepath.Join(dir, "gatehouse")
		cmd := exec.Command("go", "build", "-o", builtBin, "./cmd/gatehouse")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/gatehouse: %v\n%s", err, out)
		}
	})
	return builtBin, buildErr
}

// GatehouseOptions change how StartGatehouseWith runs the daemon.
type GatehouseOptions struct {
	// Dataplane is the --dataplane backend (default "fake").
	Dataplane string
	// Args are more "gatehouse run" flags.
	Args []string
}

// StartGatehouse starts the daemon in ns (IKE on the standard ports, fake
// data plane, no SSH), waits for its attach socket and pipes config into
// configuration mode. It is stopped at cleanup, its log dumped if the test
// failed.
func StartGatehouse(t T, ns, config string) *Gatehouse {
	t.Helper()
	return StartGatehouseWith(t, ns, config, GatehouseOptions{})
}

// StartGatehouseWith is StartGatehouse with options.
func StartGatehouseWith(t T, ns, config string, opts GatehouseOptions) *Gatehouse {
	t.Helper()
	if opts.Dataplane == "" {
		opts.Dataplane = "fake"
	}
	bin, err := GatehouseBinary()
	if err != nil {
		t.Fatalf("interop: %v", err)
	}
	dir := t.TempDir()
	g := &Gatehouse{Namespace: ns, Dir: dir, Socket: filepath.Join(dir, "gatehouse.sock"), bin: bin,
		logPath: filepath.Join(dir, "gatehouse.log"), exited: make(chan struct{})}
	logf, err := os.Create(g.logPath)
	if err != nil {
		t.Fatalf("interop: %v", err)
	}
	args := append([]string{"netns", "exec", ns, bin, "run", "--db", filepath.Join(dir, "gatehouse.db"),
		"--socket", g.Socket, "--ssh", "none", "--dataplane", opts.Dataplane}, opts.Args...)
	g.cmd = exec.Command("ip", args...)
	g.cmd.Stdout, g.cmd.Stderr = logf, logf
	if err := g.cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("interop: start gatehouse: %v", err)
	}
	go func() {
		g.cmd.Wait()
		logf.Close()
		close(g.exited)
	}()
	t.Cleanup(func() {
		g.Stop()
		if t.Failed() {
			t.Logf("gatehouse log (%s):\n%s", ns, g.LogTail(80))
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(g.Socket); err == nil {
			break
		}
		select {
		case <-g.exited:
			t.Fatalf("interop: gatehouse exited at start:\n%s", g.LogTail(40))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("interop: gatehouse attach socket did not appear:\n%s", g.LogTail(40))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if config != "" {
		if out, err := g.CLI("configure terminal\n" + config + "\nend\n"); err != nil {
			t.Fatalf("interop: configuring gatehouse: %v\n%s", err, out)
		}
	}
	return g
}

// CLI pipes lines into "gatehouse cli" and returns its output; an error
// means some line failed.
func (g *Gatehouse) CLI(lines string) (string, error) {
	cmd := exec.Command(g.bin, "cli", "--socket", g.Socket)
	cmd.Stdin = strings.NewReader(lines)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// Show runs one exec command and returns its output.
func (g *Gatehouse) Show(command string) string {
	out, _ := g.CLI(command + "\n")
	return out
}

// WaitShow polls a show command until cond accepts its output.
func (g *Gatehouse) WaitShow(command string, timeout time.Duration, cond func(string) bool) (string, error) {
	deadline := time.Now().Add(timeout)
	for {
		out := g.Show(command)
		if cond(out) {
			return out, nil
		}
		if time.Now().After(deadline) {
			return out, fmt.Errorf("%q did not reach the expected state within %s", command, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop ends the daemon (SIGINT, then SIGKILL after 5 s).
func (g *Gatehouse) Stop() {
	if g.cmd == nil || g.cmd.Process == nil {
		return
	}
	peerkit.Terminate(g.cmd.Process, g.exited, os.Interrupt, 5*time.Second)
}

// LogTail is the last n lines of the daemon's log.
func (g *Gatehouse) LogTail(n int) string { return peerkit.LogTail(g.logPath, n) }
