package testvec

import (
	"bytes"
	"testing"
)

func TestUnhex(t *testing.T) {
	got := Unhex(t, "00 01\n\t0a", "ff", " 10 ")
	if want := []byte{0x00, 0x01, 0x0a, 0xff, 0x10}; !bytes.Equal(got, want) {
		t.Errorf("got %x, want %x", got, want)
	}
	if got := Unhex(t, ""); len(got) != 0 {
		t.Errorf("empty vector: %x", got)
	}
}
