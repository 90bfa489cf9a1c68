package modes

import "testing"

// TestTreeBuilds compiles every declaration: a malformed definition or a
// missing help string panics here rather than in the daemon.
func TestTreeBuilds(t *testing.T) {
	tree := build()
	if tree.Exec == nil || tree.Config == nil || len(tree.Config.Graph.Commands()) == 0 {
		t.Fatal("empty mode tree")
	}
}
