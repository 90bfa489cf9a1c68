package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gatehouse-vpn/gatehouse/modes"
)

// sshServer starts the SSH server on a loopback port with two users.
func sshServer(t *testing.T) (*modes.Env, string) {
	t.Helper()
	env, lines := testEnv(t)
	if out, failed := script(t, env, "configure terminal",
		"hostname GW1",
		"username admin privilege 15 secret adminpw",
		"username oper secret operpw",
		"enable secret enablepw",
		"end"); failed != 0 {
		t.Fatalf("setup failed:\n%s", out)
	}
	srv, err := NewSSHServer(env, lines)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.ListenAndServe("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return env, srv.Addr().String()
}

func dialSSH(addr, user, pw string) (*ssh.Client, error) {
	return ssh.Dial("tcp", addr, &ssh.ClientConfig{User: user, Auth: []ssh.AuthMethod{ssh.Password(pw)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey()})
}

func TestSSHPasswordAuthentication(t *testing.T) {
	_, addr := sshServer(t)
	for _, c := range []struct {
		user, pw string
		ok       bool
	}{
		{"admin", "adminpw", true},
		{"admin", "wrong", false},
		{"nobody", "adminpw", false},
		{"oper", "operpw", true},
	} {
		cl, err := dialSSH(addr, c.user, c.pw)
		if (err == nil) != c.ok {
			t.Errorf("%s/%s: err %v, want ok=%v", c.user, c.pw, err, c.ok)
		}
		if err != nil && strings.Contains(err.Error(), "user") && strings.Contains(err.Error(), "unknown") {
			t.Errorf("failure message reveals which part was wrong: %v", err)
		}
		if cl != nil {
			cl.Close()
		}
	}
}

// TestSSHPrivilege checks that a privilege-1 user lands in user exec and
// cannot configure, while a privilege-15 user can.
func TestSSHPrivilege(t *testing.T) {
	_, addr := sshServer(t)
	run := func(user, pw, cmds string) (string, int) {
		cl, err := dialSSH(addr, user, pw)
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		sess, _ := cl.NewSession()
		var out bytes.Buffer
		sess.Stdout = &out
		sess.Stdin = strings.NewReader(cmds)
		err = sess.Shell()
		if err == nil {
			err = sess.Wait()
		}
		code := 0
		if ee, ok := err.(*ssh.ExitError); ok {
			code = ee.ExitStatus()
		}
		return out.String(), code
	}
	out, code := run("oper", "operpw", "show privilege\nconfigure terminal\n")
	if !strings.Contains(out, "Current privilege level is 1") || code != 1 || !strings.Contains(out, "line 2: % Invalid input") {
		t.Errorf("oper: code %d\n%s", code, out)
	}
	out, code = run("admin", "adminpw", "show privilege\nconfigure terminal\nhostname GW2\nend\nshow running-config | include ^hostname\n")
	if code != 0 || !strings.Contains(out, "Current privilege level is 15") || !strings.Contains(out, "hostname GW2") {
		t.Errorf("admin: code %d\n%s", code, out)
	}
}

// openSSH runs the real OpenSSH client against the server. The password
// comes from SSH_ASKPASS. A missing client fails the test: it is a peer we
// test against, installed by make test.
func openSSH(t *testing.T, addr, user, pw string, args ...string) *exec.Cmd {
	t.Helper()
	bin, err := exec.LookPath("ssh")
	if err != nil {
		t.Fatalf("OpenSSH client not installed (make test installs openssh-client): %v", err)
	}
	dir := t.TempDir()
	askpass := filepath.Join(dir, "askpass")
	if err := os.WriteFile(askpass, []byte("#!/bin/sh\necho '"+pw+"'\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	host, port, _ := strings.Cut(addr, ":")
	full := append([]string{"-p", port, "-l", user,
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
		"-o", "PreferredAuthentications=password,keyboard-interactive", "-o", "PubkeyAuthentication=no",
		"-o", "NumberOfPasswordPrompts=1", "-F", "/dev/null"}, args...)
	full = append(full[:len(full)-len(args)], append([]string{host}, args...)...)
	cmd := exec.Command(bin, full...)
	cmd.Env = append(os.Environ(), "SSH_ASKPASS="+askpass, "SSH_ASKPASS_REQUIRE=force", "DISPLAY=:0")
	return cmd
}

// openSSHTerminal starts the real client with a remote pty ("ssh -tt"),
// returning its transcript and a function that types keys.
func openSSHTerminal(t *testing.T, addr, user, pw string) (*exec.Cmd, *transcript, func(string)) {
	t.Helper()
	cmd := openSSH(t, addr, user, pw, "-tt")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, newTranscript(stdout), func(s string) { stdin.Write([]byte(s)) }
}

func TestOpenSSHScript(t *testing.T) {
	_, addr := sshServer(t)
	cmd := openSSH(t, addr, "admin", "adminpw")
	cmd.Stdin = strings.NewReader("configure terminal\nhostname FROM-SSH\nbogus command\nend\nshow running-config | include hostname\n")
	out, err := cmd.CombinedOutput()
	ee, _ := err.(*exec.ExitError)
	if ee == nil || ee.ExitCode() != 1 {
		t.Fatalf("want exit status 1 for a failing line, got %v\n%s", err, out)
	}
	want := "bogus command\n^\nline 3: % Invalid input detected at '^' marker.\nhostname FROM-SSH\n"
	if string(out) != want {
		t.Errorf("output:\n%q\nwant:\n%q", out, want)
	}

	bad := openSSH(t, addr, "admin", "not-the-password")
	bad.Stdin = strings.NewReader("show version\n")
	out, err = bad.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "Permission denied") {
		t.Errorf("wrong password: err %v\n%s", err, out)
	}
}

// TestOpenSSHInteractive drives a pty session through the real client:
// prompt, "?" help, Tab completion, Ctrl-Z, paging and exit.
func TestOpenSSHInteractive(t *testing.T) {
	_, addr := sshServer(t)
	cmd, tr, send := openSSHTerminal(t, addr, "admin", "adminpw")

	tr.expect(t, "GW1#")
	send("sh?")
	tr.expect(t, "show  ")
	tr.expect(t, "GW1#sh")
	send("\x15conf\t")
	tr.expect(t, "configure ")
	send("t\r")
	tr.expect(t, "GW1(config)#")
	send("hostname ?")
	tr.expect(t, "WORD  This system's network name")
	send("\x15\x1a")
	tr.expect(t, "GW1#")
	send("terminal length 5\r")
	tr.expect(t, "GW1#")
	send("show running-config\r")
	tr.expect(t, " --More-- ")
	send(" ")
	tr.expect(t, " --More-- ")
	send("q")
	tr.expect(t, "GW1#")
	send("show users\r")
	got := tr.expect(t, "GW1#")
	if !strings.Contains(got, "vty 0") || !strings.Contains(got, "admin") {
		t.Errorf("show users:\n%s", got)
	}
	send("exit\r")
	if err := cmd.Wait(); err != nil {
		t.Errorf("ssh exit: %v", err)
	}
}

// TestSSHConcurrentSessions: a change made in one session is visible in
// another at once.
func TestSSHConcurrentSessions(t *testing.T) {
	_, addr := sshServer(t)
	var clients []*ssh.Client
	for i := 0; i < 3; i++ {
		cl, err := dialSSH(addr, "admin", "adminpw")
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		clients = append(clients, cl)
	}
	for i, cl := range clients {
		sess, _ := cl.NewSession()
		out, err := sess.CombinedOutput("configure terminal\nusername u" + strconv.Itoa(i) + " secret x")
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	}
	sess, _ := clients[0].NewSession()
	out, _ := sess.CombinedOutput("show running-config | include ^username u")
	if strings.Count(string(out), "username u") != 3 {
		t.Errorf("want the three users:\n%s", out)
	}
}

// TestOpenSSHEnable: a privilege-1 user gets the user exec prompt, enable
// asks for the enable secret (three tries), disable goes back.
func TestOpenSSHEnable(t *testing.T) {
	_, addr := sshServer(t)
	cmd, tr, send := openSSHTerminal(t, addr, "oper", "operpw")
	tr.expect(t, "GW1>")
	send("configure terminal\r")
	tr.expect(t, "% Invalid input detected at '^' marker.")
	tr.expect(t, "GW1>")
	send("enable\r")
	tr.expect(t, "Password: ")
	send("wrong\r")
	tr.expect(t, "Password: ")
	send("enablepw\r")
	got := tr.expect(t, "GW1#")
	if strings.Contains(got, "enablepw") || strings.Contains(got, "wrong") {
		t.Errorf("password echoed: %q", got)
	}
	send("show privilege\r")
	tr.expect(t, "Current privilege level is 15")
	send("disable\r")
	tr.expect(t, "GW1>")
	send("enable\r")
	for i := 0; i < 3; i++ {
		tr.expect(t, "Password: ")
		send("bad\r")
	}
	tr.expect(t, "% Bad secrets")
	tr.expect(t, "GW1>")
	send("exit\r")
	cmd.Wait()
}

// TestSSHExecTimeout: an idle vty session is closed after the line's
// exec-timeout.
func TestSSHExecTimeout(t *testing.T) {
	env, addr := sshServer(t)
	if out, failed := script(t, env, "configure terminal", "line vty 0 4", "exec-timeout 0 1", "end"); failed != 0 {
		t.Fatal(out)
	}
	cl, err := dialSSH(addr, "admin", "adminpw")
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	sess, _ := cl.NewSession()
	if err := sess.RequestPty("xterm", 24, 80, ssh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	out, _ := sess.StdoutPipe()
	stdin, _ := sess.StdinPipe() // kept open: the client stays, silent
	defer stdin.Close()
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	tr := newTranscript(out)
	tr.expect(t, "GW1#")
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	select {
	case <-done:
		if d := time.Since(start); d < 900*time.Millisecond {
			t.Errorf("closed after %v, before the 1 s exec-timeout", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("idle session not closed by exec-timeout")
	}
}
