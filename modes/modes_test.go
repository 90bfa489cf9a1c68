package modes

import (
	"path/filepath"
	"testing"

	"github.com/gatehouse-vpn/gatehouse/internal/golden"
)

// TestTreeBuilds compiles every declaration: a malformed definition or a
// missing help string panics here rather than in the daemon.
func TestTreeBuilds(t *testing.T) {
	tree := build()
	if tree.Exec == nil || tree.Config == nil || len(tree.Config.Graph.Commands()) == 0 {
		t.Fatal("empty mode tree")
	}
}

// TestCommandReference fails when docs/commands.md is stale; "make docs"
// runs it with -update.
func TestCommandReference(t *testing.T) {
	golden.Check(t, filepath.Join("..", "docs", "commands.md"), Modes().CommandReference())
}
