package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// terminal is a program running on a pseudo-terminal, with its output
// collected so a test can wait for text (no sleeps).
type terminal struct {
	t    *testing.T
	f    *os.File
	cmd  *exec.Cmd
	mu   sync.Mutex
	cond *sync.Cond
	buf  bytes.Buffer
	seen int
	eof  bool
}

func startPTY(t *testing.T, args ...string) *terminal {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 24, Cols: 80})
	if err != nil {
		t.Fatal(err)
	}
	tm := &terminal{t: t, f: f, cmd: cmd}
	tm.cond = sync.NewCond(&tm.mu)
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := f.Read(b)
			tm.mu.Lock()
			tm.buf.Write(b[:n])
			tm.eof = err != nil
			tm.cond.Broadcast()
			tm.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		f.Close()
	})
	return tm
}

func (tm *terminal) send(s string) { io.WriteString(tm.f, s) }

// expect waits for want in the output after what was already consumed.
func (tm *terminal) expect(want string) string {
	tm.t.Helper()
	timer := time.AfterFunc(10*time.Second, func() { tm.mu.Lock(); tm.eof = true; tm.cond.Broadcast(); tm.mu.Unlock() })
	defer timer.Stop()
	tm.mu.Lock()
	defer tm.mu.Unlock()
	for {
		s := tm.buf.String()[tm.seen:]
		if i := strings.Index(s, want); i >= 0 {
			tm.seen += i + len(want)
			return s[:i+len(want)]
		}
		if tm.eof {
			tm.t.Fatalf("did not see %q; got:\n%q", want, s)
		}
		tm.cond.Wait()
	}
}

// TestConsole runs the daemon with a terminal on stdin: that terminal is
// the console line, with IOS keys.
func TestConsole(t *testing.T) {
	dir := t.TempDir()
	con := startPTY(t, "run", "--db", filepath.Join(dir, "db"), "--socket", filepath.Join(dir, "sock"), "--ssh", "none")
	con.send("\r")
	con.expect("Router#")
	con.send("conf t\r")
	con.expect("Router(config)#")
	con.send("hostname CON1\r")
	con.expect("CON1(config)#")
	con.send("logging ?")
	con.expect("buffered  Set buffered logging parameters")
	con.expect("CON1(config)#logging ") // the line is given back
	con.send("\x03")                    // Ctrl-C abandons it
	con.send("frobnicate foo\r")
	con.expect("CON1(config)#frobnicate foo\r\n             ^\r\n% Invalid input detected at '^' marker.")
	con.send("\x1a") // Ctrl-Z
	con.expect("CON1#")
	con.send("exit\r")
	con.expect("Press RETURN to get started.")
	con.send("\r")
	con.expect("CON1#")
}

// TestAttachInteractive runs "gatehouse cli" on a terminal: an interactive
// session on the daemon, sharing its configuration with other sessions.
func TestAttachInteractive(t *testing.T) {
	d := startDaemon(t, t.TempDir())
	tm := startPTY(t, "cli", "--socket", d.sock)
	tm.expect("Router#")
	tm.send("configure terminal\r")
	tm.expect("Enter configuration commands, one per line.  End with CNTL/Z.")
	tm.send("hostname ATT\r")
	tm.expect("ATT(config)#")
	tm.send("do show run | i ^host\r")
	tm.expect("hostname ATT")
	tm.send("ho\t")
	tm.expect("hostname ")
	tm.send("\x03end\r")
	tm.expect("ATT#")
	if out := d.mustCLI("show running-config | include ^hostname\n"); out != "hostname ATT\n" {
		t.Errorf("other session sees %q", out)
	}
	tm.send("terminal length 6\r")
	tm.expect("ATT#")
	tm.send("show running-config\r")
	got := tm.expect(" --More-- ")
	if strings.Count(got, "\n") != 6 || !strings.HasSuffix(got, "hostname ATT\r\n --More-- ") {
		t.Errorf("first page should hold 5 lines:\n%q", got)
	}
	tm.send("\r") // one more line
	if got := tm.expect(" --More-- "); got != "\r          \r!\r\n --More-- " {
		t.Errorf("Enter should show one more line:\n%q", got)
	}
	tm.send("q")
	tm.expect("ATT#")
	tm.send("exit\r")
	if err := tm.cmd.Wait(); err != nil {
		t.Errorf("cli exit: %v", err)
	}
}

// TestConsoleBannerPrompt: a multi-line banner typed interactively shows
// IOS's prompt before the text is read.
func TestConsoleBannerPrompt(t *testing.T) {
	dir := t.TempDir()
	con := startPTY(t, "run", "--db", filepath.Join(dir, "db"), "--socket", filepath.Join(dir, "sock"), "--ssh", "none")
	con.send("\r")
	con.expect("Router#")
	con.send("configure terminal\r")
	con.expect("Router(config)#")
	con.send("banner motd %\r")
	con.expect("Enter TEXT message.  End with the character '%'.")
	con.send("Welcome\r%\r")
	con.expect("Router(config)#")
	con.send("do show running-config | begin banner\r")
	con.expect("banner motd %\r\nWelcome\r\n%")
}
