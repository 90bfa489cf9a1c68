package peerkit

// T is the part of testing.TB a harness needs. *testing.T and *testing.B
// satisfy it; a standalone tool can satisfy it with a few lines.
type T interface {
	Helper()
	Cleanup(func())
	Logf(format string, args ...any)
	Fatalf(format string, args ...any)
	Failed() bool
	TempDir() string
}
