package cli

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/modes"
	"github.com/gatehouse-vpn/gatehouse/services/logging"
)

// testEnv opens a database in a temporary directory and returns the
// environment sessions run in.
func testEnv(t testing.TB) (*modes.Env, *Lines) {
	t.Helper()
	db, err := configdb.Open(filepath.Join(t.TempDir(), "db"), configdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	lines := NewLines()
	return &modes.Env{DB: db, Started: time.Now(), Version: "test", Log: logging.NewBuffer(),
		Sessions: lines.Infos, VTemplateActive: func(int) int { return 0 }}, lines
}

// script runs lines through a fresh privileged script session and returns
// everything it printed.
func script(t testing.TB, env *modes.Env, lines ...string) (string, int) {
	t.Helper()
	s := NewSession(env, Config{ID: "attach 0", Privilege: 15})
	defer s.Close()
	var out bytes.Buffer
	failed, err := RunScript(s, strings.NewReader(strings.Join(lines, "\n")+"\n"), WriterSink{W: &out})
	if err != nil {
		t.Fatal(err)
	}
	return out.String(), failed
}

// transcript collects what a terminal-like stream prints and lets a test
// wait for text to appear, with a deadline instead of sleeps.
type transcript struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	seen int // offset up to which expect has consumed
	cond *sync.Cond
	done bool
}

func newTranscript(r io.Reader) *transcript {
	tr := &transcript{}
	tr.cond = sync.NewCond(&tr.mu)
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := r.Read(b)
			tr.mu.Lock()
			tr.buf.Write(b[:n])
			if err != nil {
				tr.done = true
			}
			tr.cond.Broadcast()
			tr.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return tr
}

// expect waits until want appears after what earlier expects consumed and
// returns the text up to and including it.
func (tr *transcript) expect(t testing.TB, want string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	timer := time.AfterFunc(10*time.Second, func() { tr.mu.Lock(); tr.cond.Broadcast(); tr.mu.Unlock() })
	defer timer.Stop()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for {
		s := tr.buf.String()[tr.seen:]
		if i := strings.Index(s, want); i >= 0 {
			tr.seen += i + len(want)
			return s[:i+len(want)]
		}
		if tr.done || time.Now().After(deadline) {
			t.Fatalf("did not see %q; got:\n%s", want, s)
		}
		tr.cond.Wait()
	}
}
