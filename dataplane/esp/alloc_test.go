//go:build !race

// Allocation tests: the race detector makes sync.Pool drop items, so
// these only build without it.

package esp

import (
	"bytes"
	"testing"
)

// Seal and Open do not allocate when dst has room, including on the
// error paths a flood of bad packets takes.
func TestNoAllocations(t *testing.T) {
	for _, s := range suites {
		for _, esn := range []bool{false, true} {
			o, in := s.pair(t, esn, 0)
			payload := payloadOf(1400)
			dst := make([]byte, 0, 2048)
			plain := make([]byte, 0, 2048)
			pkt, _ := o.Seal(nil, 4, payload)
			bad := bytes.Clone(pkt)
			bad[len(bad)-1] ^= 1
			for what, f := range map[string]func(){
				"Seal": func() { _, _ = o.Seal(dst, 4, payload) },
				"Open": func() { _, _, _ = in.Open(plain, pkt) },
				"Open forged": func() {
					if _, _, err := in.Open(plain, bad); err != ErrAuth {
						t.Fatal(err)
					}
				},
			} {
				if n := testing.AllocsPerRun(100, f); n != 0 {
					t.Errorf("%s esn=%v: %s: %v allocations", s.name, esn, what, n)
				}
			}
		}
	}
}
