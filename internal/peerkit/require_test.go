package peerkit

import (
	"path/filepath"
	"reflect"
	"testing"
)

func TestMissing(t *testing.T) {
	absent := filepath.Join(t.TempDir(), "absent")
	got := Missing([]Requirement{
		{Path: "sh", Package: "dash", LookPath: true},
		{Path: "/", Package: "base-files"},
		{Path: absent, Package: "nothing"},
		{Path: "gh-no-such-command", Package: "nothing-either", LookPath: true},
	})
	want := []string{absent + " not found: install nothing", "gh-no-such-command not found: install nothing-either"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Missing = %q, want %q", got, want)
	}
}
