package dynauth

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestRadclient drives the server with FreeRADIUS's radclient
// (freeradius-utils), an independent implementation of the DAC side:
// its Request Authenticators, Message-Authenticators and response checks
// are not ours. CI installs it; a machine without it fails this test.
func TestRadclient(t *testing.T) {
	radclient, err := exec.LookPath("radclient")
	if err != nil {
		t.Fatalf("radclient (Debian package freeradius-utils) is required: %v", err)
	}
	h := NewFake(Identity{AuditSessionID: testAuditID}, Identity{AuditSessionID: "L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZN3B"})
	s := startServer(t, h, nil, Options{})
	target := s.LocalAddr().String()

	run := func(t *testing.T, code, secret, attrs string, timeout int) string {
		t.Helper()
		cmd := exec.Command(radclient, "-x", "-D", "/usr/share/freeradius", "-r", "1", "-t", fmt.Sprint(timeout),
			target, code, secret)
		cmd.Stdin = strings.NewReader(attrs)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		// radclient exits non-zero for a NAK or no reply; the output says which.
		_ = cmd.Run()
		return out.String()
	}
	expect := func(t *testing.T, out string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("radclient output lacks %q:\n%s", w, out)
			}
		}
	}

	t.Run("disconnect ACK", func(t *testing.T) {
		out := run(t, "disconnect", testSecret, `Cisco-AVPair = "audit-session-id=`+testAuditID+`"`+"\n", 5)
		expect(t, out, "Sent Disconnect-Request", "Received Disconnect-ACK")
		if len(h.Sessions()) != 1 {
			t.Errorf("sessions left %v", h.Sessions())
		}
	})
	t.Run("disconnect NAK", func(t *testing.T) {
		out := run(t, "disconnect", testSecret, `Cisco-AVPair = "audit-session-id=`+testAuditID+`"`+"\n", 5)
		expect(t, out, "Received Disconnect-NAK", `Reply-Message = "No Matching Session"`, "Error-Cause = Invalid-Request")
	})
	t.Run("coa ACK with Message-Authenticator", func(t *testing.T) {
		attrs := strings.Join([]string{
			`Cisco-AVPair = "ip:audit-session-id=L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZN3B"`,
			`Cisco-AVPair = "ip:interface-config=service-policy input Input-QoS-policy-2"`,
			`Cisco-AVPair = "ip:interface-config=service-policy output Output-QoS-policy-2"`,
			`Session-Timeout = 3600`,
			fmt.Sprintf("Event-Timestamp = %d", time.Now().Unix()),
			`Message-Authenticator = 0x00`,
		}, "\n") + "\n"
		out := run(t, "coa", testSecret, attrs, 5)
		expect(t, out, "Sent CoA-Request", "Received CoA-ACK")
		calls := h.Calls()
		last := calls[len(calls)-1]
		if last.Kind != KindCoA || len(last.Change.InterfaceConfig) != 2 ||
			last.Change.InterfaceConfig[1] != "service-policy output Output-QoS-policy-2" ||
			last.Change.SessionTimeout == nil || *last.Change.SessionTimeout != 3600 {
			t.Errorf("handler got %+v", last)
		}
	})
	t.Run("coa NAK", func(t *testing.T) {
		out := run(t, "coa", testSecret, `Cisco-AVPair = "ip:audit-session-id=GONE"`+"\n"+`Message-Authenticator = 0x00`+"\n", 5)
		expect(t, out, "Received CoA-NAK", "Error-Cause = Invalid-Request")
	})
	t.Run("wrong secret", func(t *testing.T) {
		before := s.Stats().Drops[DropBadAuthenticator]
		out := run(t, "coa", "not-the-key", `Cisco-AVPair = "ip:audit-session-id=GONE"`+"\n", 1)
		expect(t, out, "No reply from server")
		if got := s.Stats().Drops[DropBadAuthenticator]; got != before+1 {
			t.Errorf("bad authenticator drops %d, want %d", got, before+1)
		}
	})
}
