package cli

import (
	"bytes"
	"math/rand"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/services/session"
)

// TestBadInputScript: each bad line gets a clear IOS-style error, nothing
// partial is committed, and the session keeps working.
func TestBadInputScript(t *testing.T) {
	env, _ := testEnv(t)
	long := "hostname " + strings.Repeat("x", 64*1024)
	out, failed := script(t, env,
		"configure terminal",
		long,
		"hostname bad\xffname",
		"hostname ctl\x01char",
		"frobnicate the router",
		"logging buffered 12",
		"no",
		"hostname AFTER",
		"end",
		"show running-config | include ^hostname",
	)
	want := "line 2: % Line too long (the limit is 8192 characters)\n" +
		"hostname bad\xffname\n" +
		"            ^\n" +
		"line 3: % Invalid input detected at '^' marker.\n" +
		"hostname ctl\x01char\n" +
		"            ^\n" +
		"line 4: % Invalid input detected at '^' marker.\n" +
		"frobnicate the router\n" +
		"^\n" +
		"line 5: % Invalid input detected at '^' marker.\n" +
		"logging buffered 12\n" +
		"                 ^\n" +
		"line 6: % Invalid input detected at '^' marker.\n" +
		"line 7: % Incomplete command.\n" +
		"hostname AFTER\n"
	if out != want {
		t.Errorf("got:\n%q\nwant:\n%q", out, want)
	}
	if failed != 6 {
		t.Errorf("failed = %d, want 6", failed)
	}
	// Only the good hostname line changed the configuration.
	if h := env.DB.History(0); len(h) != 1 || h[0].Line != "hostname AFTER" {
		t.Errorf("archive: %+v", h)
	}
}

// TestGarbageDoesNotWedge pipes random binary data into a script session,
// the attach socket and SSH, and checks that the daemon still serves.
func TestGarbageDoesNotWedge(t *testing.T) {
	env, lines := testEnv(t)
	rng := rand.New(rand.NewSource(1))
	garbage := make([]byte, 256*1024)
	rng.Read(garbage)

	s := NewSession(env, Config{ID: "attach 0", Privilege: 15})
	var out bytes.Buffer
	if _, err := RunScript(s, bytes.NewReader(garbage), WriterSink{W: &out}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	sock := filepath.Join(t.TempDir(), "sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go (&AttachServer{Env: env, Lines: lines}).Serve(ln)
	for _, payload := range [][]byte{garbage, append([]byte(`{"mode":"script"}`+"\n"), garbage...)} {
		c, err := net.Dial("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		c.Write(payload)
		c.(*net.UnixConn).CloseWrite()
		var sink bytes.Buffer
		sink.ReadFrom(c)
		c.Close()
	}

	srv, err := NewSSHServer(env, lines)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.ListenAndServe("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.Write(garbage)
	c.Close()

	// Still alive: a normal script works and the configuration is intact.
	got, failed := script(t, env, "configure terminal", "hostname STILL-UP", "end", "show running-config | include ^hostname")
	if failed != 0 || got != "hostname STILL-UP\n" {
		t.Errorf("after garbage: failed %d\n%s", failed, got)
	}
	env.DB.View(func(tx *configdb.ReadTx) error {
		if kinds := tx.Kinds(); len(kinds) != 1 {
			t.Errorf("garbage changed the configuration: kinds %v", kinds)
		}
		return nil
	})
}

// FuzzSessionExecute feeds arbitrary lines to a configuration session: no
// panic, and an invalid-input caret always points inside the line.
func FuzzSessionExecute(f *testing.F) {
	for _, s := range []string{"hostname R1", "do show running-config | include host", "banner motd #x#",
		"username a privilege 15 secret 0 b", "show running-config | section ^user", "no hostname", "| include", "do | count",
		"logging buffered 5000 debugging", "enable secret 9 $9$abc", "\xff\xfe", "?", "do ?", "hostname ?"} {
		f.Add(s)
	}
	env, _ := testEnv(f)
	f.Fuzz(func(t *testing.T, line string) {
		s := NewSession(env, Config{ID: "fuzz", Privilege: 15, Out: &bytes.Buffer{}})
		defer s.Close()
		s.Execute("configure terminal")
		res := s.Execute(line)
		if res.Caret > len(line) {
			t.Fatalf("%q: caret %d beyond line", line, res.Caret)
		}
		s.Help(line)
		s.Complete(line)
	})
}

// TestPanickingCommandFailsOnlyItsLine: a command that panics (a bug)
// fails its line with an internal error, logs it, and leaves the session
// working.
func TestPanickingCommandFailsOnlyItsLine(t *testing.T) {
	env, _ := testEnv(t)
	env.CryptoSessions = func() []session.Session { panic("boom") }
	out, failed := script(t, env, "show crypto session", "show clock")
	if failed != 1 || !strings.Contains(out, "% Internal error") {
		t.Errorf("%d failed lines:\n%s", failed, out)
	}
	if logs := env.Log.Render("debugging"); !strings.Contains(logs, "SYS-2-INTERNAL") || !strings.Contains(logs, "boom") {
		t.Errorf("not logged:\n%s", logs)
	}
}
