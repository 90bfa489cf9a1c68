// Package golden compares what a test produced with a golden file, the
// text a person reads (show output, running-config, debug lines, the fake
// data plane's dump, the command reference), and rewrites the file when
// the test binary runs with -update.
//
// # What it owns
//
// The -update flag. It is registered here, once, so every test package
// that imports golden accepts it ("go test ./modes -update", "make docs")
// and no two files of one test binary can register it twice. The
// comparison reports the first line that differs; rewrite with -update
// and read the diff in version control before keeping it.
//
// # What it must not do
//
// Only tests import it: in any other binary the flag would become one of
// its command-line flags. It never rewrites a file unless -update is
// given, so files that are records (seed captures) are compared with
// Diff, never through Check.
package golden
