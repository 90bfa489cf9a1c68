package modes

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// TestTreeBuilds compiles every declaration: a malformed definition or a
// missing help string panics here rather than in the daemon.
func TestTreeBuilds(t *testing.T) {
	tree := build()
	if tree.Exec == nil || tree.Config == nil || len(tree.Config.Graph.Commands()) == 0 {
		t.Fatal("empty mode tree")
	}
}

var updateDocs = flag.Bool("update", false, "rewrite docs/commands.md from the grammar")

// TestCommandReference fails when docs/commands.md is stale.
func TestCommandReference(t *testing.T) {
	got := Modes().CommandReference()
	path := filepath.Join("..", "docs", "commands.md")
	if *updateDocs {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run make docs)", err)
	}
	if string(want) != got {
		t.Fatalf("docs/commands.md is stale: run make docs")
	}
}
