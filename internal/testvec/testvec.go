package testvec

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

// Unhex decodes hex written in one or more parts, with spaces or line
// breaks anywhere, as the RFCs print it. Bad hex fails the test.
func Unhex(t testing.TB, parts ...string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(strings.Join(parts, "")), ""))
	if err != nil {
		t.Fatalf("bad hex in test vector: %v", err)
	}
	return b
}

// CheckBytes reports got when it is not the expected value, in hex.
func CheckBytes(t testing.TB, name string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s:\n got %x\nwant %x", name, got, want)
	}
}
