package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// guideBlock matches a fenced block of the configuration guide.
var guideBlock = regexp.MustCompile("(?s)\n```\n(.*?)\n```\n")

// configStarts are the words a configuration example of the guide starts
// with; other blocks are show output, shell commands or FreeRADIUS files.
var configStarts = []string{"aaa ", "radius ", "radius-server ", "crypto ", "interface ", "ip ", "username ", "line "}

// TestGuideConfigExamples pastes every configuration example of the
// configuration guide's AAA chapter, each into a fresh box, and expects
// every line accepted: the guide must not teach a command the CLI refuses.
func TestGuideConfigExamples(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "docs", "configuration.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, "\n## 8. AAA")
	end := strings.Index(text, "\n## 9. ")
	if start < 0 || end < start {
		t.Fatal("chapter 8 (AAA) not found in docs/configuration.md")
	}
	n := 0
	for _, m := range guideBlock.FindAllStringSubmatch(text[start:end], -1) {
		block := m[1]
		if !startsWithAny(block, configStarts) {
			continue
		}
		n++
		env, _ := testEnv(t)
		lines := append([]string{"configure terminal"}, strings.Split(block, "\n")...)
		if out, failed := script(t, env, lines...); failed != 0 {
			t.Errorf("example %d: %d lines refused:\n%s\n%s", n, failed, block, out)
		}
	}
	if n < 4 {
		t.Fatalf("only %d configuration examples found in chapter 8", n)
	}
}

func startsWithAny(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
