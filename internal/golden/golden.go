package golden

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files with what the tests produce")

// Check compares got with the golden file at path. Under -update it first
// writes got there (creating the directory), so the test passes and the
// change shows in the diff.
func Check[T string | []byte](t testing.TB, path string, got T) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if d := Diff(string(got), string(want)); d != "" {
		t.Errorf("%s differs (go test -update rewrites it): %s", path, d)
	}
}

// Diff describes the first line at which got and want differ, or returns
// "" when they are equal.
func Diff(got, want string) string {
	if got == want {
		return ""
	}
	g, w := strings.SplitAfter(got, "\n"), strings.SplitAfter(want, "\n")
	i := 0
	for i < len(g) && i < len(w) && g[i] == w[i] {
		i++
	}
	return fmt.Sprintf("first difference at line %d\n got: %s\nwant: %s", i+1, quoteLine(g, i), quoteLine(w, i))
}

// quoteLine shows line i of lines, or says the text ended before it.
func quoteLine(lines []string, i int) string {
	if i >= len(lines) || lines[i] == "" {
		return "(end of text)"
	}
	return fmt.Sprintf("%q", lines[i])
}
