package suite

import (
	"crypto/rand"
	"testing"
)

// BenchmarkDH is one side of an exchange: key generation plus the shared
// secret. "full-exponent" is group 14 with a 2048-bit exponent, the cost the
// RFC 3526 exponent size avoids.
func BenchmarkDH(b *testing.B) {
	for _, bc := range []struct {
		name  string
		group int
	}{{"group14", DHModp2048}, {"group14-full-exponent", DHModp2048}, {"group19", DHECP256}, {"group20", DHECP384}, {"group31", DHCurve25519}} {
		b.Run(bc.name, func(b *testing.B) {
			peer, _ := NewDH(bc.group, rand.Reader)
			pub := peer.PublicKey()
			for b.Loop() {
				var d DH
				if bc.name == "group14-full-exponent" {
					g := modpGroups[bc.group]
					x, _ := g.randomExponent(rand.Reader, g.p.BitLen())
					d = newMODP(bc.group, g, x)
				} else {
					d, _ = NewDH(bc.group, rand.Reader)
				}
				if _, err := d.SharedSecret(pub); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSealOpen1K(b *testing.B) {
	aad, pt := make([]byte, 32), make([]byte, 1024)
	for _, s := range cipherSuites {
		b.Run(s.name, func(b *testing.B) {
			c := newTestCipher(b, s.tr)
			buf := make([]byte, 0, c.SealedLen(len(pt)))
			out := make([]byte, 0, len(pt)+64)
			b.SetBytes(int64(len(pt)))
			for b.Loop() {
				body, err := c.Seal(buf[:0], aad, pt, rand.Reader)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := c.Open(out[:0], aad, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
