package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seedBlocks are the IOS configuration examples of seed 001, extracted to
// docs/dev/seedcat (see its README): both the byte-exact copies (indented
// with no-break spaces, as the book prints them) and the ASCII ones.
func seedBlocks(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, dir := range []string{"config-blocks", "config-blocks-ascii"} {
		files, err := filepath.Glob(filepath.Join("..", "docs", "dev", "seedcat", dir, "*.cfg"))
		if err != nil || len(files) < 30 {
			t.Fatalf("seed blocks missing in %s: %v", dir, err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out[dir+"/"+filepath.Base(f)] = string(b)
		}
	}
	return out
}

// seedFailures are the lines the seed itself shows being refused: file
// name part -> line number within the block -> the message.
var seedFailures = map[string]map[int]string{
	"-0147-": {1: "For remote auth method to be EAP, the local auth method must be certificate-based"},
	"-0699-": {1: "% Virtual-template config is locked, active vaccess present"},
	// The book wraps this message at its page width; IOS prints one line.
	"-1370-": {3: "Reconnect can not be configured if either Keyring, PSK  authentication or PSK authorization enabled in profile."},
}

// TestSeedConfigBlocks pastes every IOS configuration example of the seed,
// each into a fresh box, and expects every line accepted except the ones the
// seed shows being refused, with the seed's message.
func TestSeedConfigBlocks(t *testing.T) {
	for name, block := range seedBlocks(t) {
		t.Run(name, func(t *testing.T) {
			env, _ := testEnv(t)
			var want map[int]string
			for k, v := range seedFailures {
				if strings.Contains(name, k) {
					want = v
				}
			}
			if strings.Contains(name, "-0699-") {
				env.VTemplateActive = func(int) int { return 1 } // the seed has a vaccess up
			}
			prefix := []string{"configure terminal"}
			if strings.Contains(name, "submode") {
				prefix = append(prefix, "crypto ikev2 profile default")
			}
			if strings.Contains(name, "-0147-") {
				// The book refuses EAP because the profile it edits
				// authenticates locally with a pre-shared key.
				prefix = append(prefix, "authentication local pre-share")
			}
			lines := append(prefix, strings.Split(strings.TrimRight(block, "\n"), "\n")...)
			out, failed := script(t, env, lines...)
			if failed != len(want) {
				t.Fatalf("%d lines failed, want %d:\n%s", failed, len(want), out)
			}
			for n, msg := range want {
				if !strings.Contains(out, fmt.Sprintf("line %d: %s", n+len(prefix), msg)) {
					t.Errorf("line %d: want %q, got:\n%s", n, msg, out)
				}
			}
		})
	}
}
