package freeradius

import (
	"slices"
	"testing"
)

func TestParseDetail(t *testing.T) {
	text := "Mon Nov 23 19:31:59 2026\n" +
		"\tUser-Name = \"alice\"\n" +
		"\tAcct-Status-Type = Start\n" +
		"\tCisco-AVPair = \"a=1\"\n" +
		"\tCisco-AVPair = \"say \\\"hi\\\" \\\\ \\001\"\n" +
		"\tClass = 0x0102\n" +
		"\tTimestamp = 1795462319\n" +
		"\n" +
		"Mon Nov 23 19:32:00 2026\n" +
		"\tAcct-Status-Type = Stop\n" // still being written
	recs := ParseDetail(text)
	if len(recs) != 1 {
		t.Fatalf("%d records, want 1 (the second is unterminated)", len(recs))
	}
	r := recs[0]
	if r.Header != "Mon Nov 23 19:31:59 2026" || r.Get("User-Name") != "alice" || r.Get("Acct-Status-Type") != "Start" || r.Get("Class") != "0x0102" {
		t.Errorf("record:\n%s", r)
	}
	if got, want := r.All("Cisco-AVPair"), []string{"a=1", "say \"hi\" \\ \x01"}; !slices.Equal(got, want) {
		t.Errorf("Cisco-AVPair %q, want %q", got, want)
	}
	if _, ok := r.Lookup("Acct-Session-Id"); ok {
		t.Errorf("Lookup of an absent attribute succeeded")
	}
}

func TestParseReply(t *testing.T) {
	out := "Sent Access-Request Id 161 from 0.0.0.0:48660 to 127.0.0.1:18120 length 45\n" +
		"\tUser-Name = \"alice\"\n" +
		"\tUser-Password = \"pw\"\n" +
		"Received Access-Accept Id 161 from 127.0.0.1:18120 to 127.0.0.1:48660 length 73\n" +
		"\tCisco-AVPair = \"ipsec:dns-servers=10.0.0.53\"\n" +
		"\tMessage-Authenticator = 0x8d47ab23df11bca1d257850d9fded9c5\n"
	r, ok := ParseReply(out)
	if !ok || r.Code != "Access-Accept" || len(r.Pairs) != 2 || r.Get("Cisco-AVPair") != "ipsec:dns-servers=10.0.0.53" {
		t.Fatalf("ParseReply = %+v, %v", r, ok)
	}
	if _, ok := ParseReply("Sent Access-Request Id 1\n(0) No reply from server for ID 1 socket 3\n"); ok {
		t.Fatalf("ParseReply found a reply in a timeout")
	}
}
