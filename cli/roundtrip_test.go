package cli

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// roundTripConfig is a large configuration using every area's commands.
// Areas add their lines to it so the round-trip invariant covers them.
func roundTripConfig() []string {
	lines := []string{
		"configure terminal",
		"hostname RT-GW1",
		"service password-encryption",
		"enable secret 0 en-secret",
		"aaa new-model",
		"aaa session-id common",
		"ip domain name example.net",
		"logging buffered 65536 notifications",
		"banner motd ^C",
		"Line one of the banner",
		"Line two, with # and | characters",
		"^C",
	}
	for i := 0; i < 2000; i++ {
		lines = append(lines, fmt.Sprintf("username user%04d privilege %d password 0 pw-%d", i, i%16, i))
	}
	areas, err := os.ReadFile("testdata/roundtrip-areas.cfg")
	if err != nil {
		panic(err)
	}
	lines = append(lines, strings.Split(strings.TrimRight(string(areas), "\n"), "\n")...)
	return append(lines, "end")
}

// TestRunningConfigRoundTrip: the output of show running-config, pasted
// into an empty box, reproduces itself byte for byte.
func TestRunningConfigRoundTrip(t *testing.T) {
	first, _ := testEnv(t)
	if out, failed := script(t, first, roundTripConfig()...); failed != 0 {
		t.Fatalf("configuration failed:\n%s", out)
	}
	r1, _ := script(t, first, "show running-config")

	second, _ := testEnv(t)
	paste := append([]string{"configure terminal"}, strings.Split(r1, "\n")...)
	if out, failed := script(t, second, paste...); failed != 0 {
		t.Fatalf("pasting the running configuration failed:\n%s", out)
	}
	r2, _ := script(t, second, "show running-config")
	if r1 != r2 {
		t.Errorf("round trip differs:\n--- first\n%s\n--- second\n%s", head(r1), head(r2))
	}
	for _, want := range []string{"username user1999 privilege 15 password 7 ", "banner motd ^C\nLine one",
		"crypto ikev2 profile RA\n", "interface Virtual-Template1 type tunnel\n", "radius server RS2\n", "line vty 0 4\n"} {
		if !strings.Contains(r1, want) {
			t.Errorf("configuration lacks %q", want)
		}
	}
	if strings.Contains(r1, "radius-key-1") || strings.Contains(r1, "key-local-1") || strings.Contains(r1, "coakey") {
		t.Errorf("a key is shown in clear text with service password-encryption on")
	}
	if t.Failed() {
		t.Logf("running configuration:\n%s", head(r1))
	}
}

func head(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "..."
	}
	return s
}
