package cli

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/gatehouse-vpn/gatehouse/internal/freeradius"
	"github.com/gatehouse-vpn/gatehouse/services/aaa"
)

// TestOpenSSHLoginThroughRADIUS: the real OpenSSH client logs in through
// "aaa authentication login default group G local" against a real
// FreeRADIUS: the RADIUS user gets the privilege of its shell:priv-lvl;
// with the server down, the local user still gets in.
func TestOpenSSHLoginThroughRADIUS(t *testing.T) {
	srv := freeradius.Start(t, freeradius.Config{Secret: "s3cret", Users: `netops Cleartext-Password := "radiuspw"
	Cisco-AVPair += "shell:priv-lvl=15"
`})
	env, lines := testEnv(t)
	if out, failed := script(t, env, "configure terminal",
		"aaa new-model",
		"username localadm privilege 15 secret localpw",
		"radius server R1",
		fmt.Sprintf(" address ipv4 %s auth-port %d acct-port %d", srv.AuthAddr.Addr(), srv.AuthAddr.Port(), srv.AcctAddr.Port()),
		" key s3cret",
		" timeout 1",
		" retransmit 0",
		"aaa group server radius G",
		" server name R1",
		"aaa authentication login default group G local",
		"end"); failed != 0 {
		t.Fatalf("setup failed:\n%s", out)
	}
	svc := aaa.New(aaa.Options{DB: env.DB})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { svc.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	env.Login = func(ctx context.Context, line, user, pw string) (int, error) {
		r, err := svc.Login(ctx, line, user, pw)
		return r.Privilege, err
	}
	s, err := NewSSHServer(env, lines)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ListenAndServe("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	addr := s.Addr().String()

	run := func(user, pw string) (string, error) {
		cmd := openSSH(t, addr, user, pw)
		cmd.Stdin = strings.NewReader("show privilege\n")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("netops", "radiuspw"); err != nil || !strings.Contains(out, "Current privilege level is 15") {
		t.Fatalf("RADIUS login: %v\n%s", err, out)
	}
	if out, err := run("netops", "wrong"); err == nil || !strings.Contains(out, "Permission denied") {
		t.Fatalf("wrong RADIUS password: %v\n%s", err, out)
	}
	// RADIUS said no to a user it does not know: local is not asked.
	if out, err := run("localadm", "localpw"); err == nil || !strings.Contains(out, "Permission denied") {
		t.Fatalf("local user while RADIUS answers: %v\n%s", err, out)
	}
	srv.Stop()
	if out, err := run("localadm", "localpw"); err != nil || !strings.Contains(out, "Current privilege level is 15") {
		t.Fatalf("local fallback with RADIUS down: %v\n%s", err, out)
	}
}
