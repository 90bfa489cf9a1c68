package session

import (
	"os"
	"strings"
	"testing"
)

// TestGoldensAreSeed keeps testdata honest: each golden file must be the
// body of its record in the seed catalogue, with only the book's line wraps
// joined (testdata/README.md).
func TestGoldensAreSeed(t *testing.T) {
	cat, err := os.ReadFile("../../docs/dev/seedcat/show-outputs.ascii.txt")
	if err != nil {
		t.Skipf("seed catalogue not available: %v", err)
	}
	records := map[string]string{}
	for _, rec := range strings.Split("\n"+string(cat), "\n### ")[1:] {
		head, body, _ := strings.Cut(rec, "\n")
		body = strings.TrimRight(body, "\n") + "\n"
		_, body, _ = strings.Cut(body, "\n") // drop the PROMPT#show line
		records[head] = body
	}
	for file, head := range map[string]string{
		"crypto_session_822.golden":         "seed 001 line 822: show crypto session",
		"crypto_session_1131.golden":        "seed 001 line 1131: show crypto session",
		"crypto_session_1220.golden":        "seed 001 line 1220: show crypto session",
		"ikev2_sa_detail_336.golden":        "seed 001 line 336: show crypto ikev2 sa detail",
		"ikev2_sa_detail_975.golden":        "seed 001 line 975: show crypto ikev2 sa detail",
		"ikev2_stats_reconnect_1446.golden": "seed 001 line 1446: show crypto ikev2 stats reconnect",
	} {
		want, ok := records[head]
		if !ok {
			t.Errorf("no record %q in the catalogue", head)
			continue
		}
		want = strings.ReplaceAll(want, "Auth sign:\nPSK", "Auth sign: PSK")
		if got := seedRecord(t, file); got != want {
			t.Errorf("%s differs from record %q", file, head)
		}
	}
}
