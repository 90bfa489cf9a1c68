package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestDiff(t *testing.T) {
	for _, tc := range []struct{ got, want, diff string }{
		{"a\nb\n", "a\nb\n", ""},
		{"", "", ""},
		{"a\nb\n", "a\nc\n", "first difference at line 2\n got: \"b\\n\"\nwant: \"c\\n\""},
		{"a\n", "a", "first difference at line 1\n got: \"a\\n\"\nwant: \"a\""},
		{"a\nb\n", "a\n", "first difference at line 2\n got: \"b\\n\"\nwant: (end of text)"},
		{"", "x\n", "first difference at line 1\n got: (end of text)\nwant: \"x\\n\""},
	} {
		if d := Diff(tc.got, tc.want); d != tc.diff {
			t.Errorf("Diff(%q, %q) = %q, want %q", tc.got, tc.want, d, tc.diff)
		}
	}
}

// recorder is a testing.TB that keeps what the test reports.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestCheck(t *testing.T) {
	defer func(was bool) { *update = was }(*update)
	*update = false // the test must hold with -update too
	path := filepath.Join(t.TempDir(), "out.golden")
	if err := os.WriteFile(path, []byte("one\ntwo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var r recorder
	Check(&r, path, "one\ntwo\n")
	Check(&r, path, []byte("one\ntwo\n"))
	if len(r.errors) != 0 {
		t.Errorf("equal output reported: %q", r.errors)
	}
	Check(&r, path, "one\nthree\n")
	want := path + " differs (go test -update rewrites it): first difference at line 2\n got: \"three\\n\"\nwant: \"two\\n\""
	if len(r.errors) != 1 || r.errors[0] != want {
		t.Errorf("reported %q, want %q", r.errors, want)
	}
}

func TestCheckUpdate(t *testing.T) {
	defer func(was bool) { *update = was }(*update)
	*update = true
	path := filepath.Join(t.TempDir(), "new", "out.golden")
	Check(t, path, "fresh\n")
	if b, err := os.ReadFile(path); err != nil || string(b) != "fresh\n" {
		t.Errorf("after -update: %q, %v", b, err)
	}
}
