package esp

import (
	"bytes"
	"testing"
)

// fuzzSuites cover each code path: GCM, ChaCha20, AES-CBC and 3DES-CBC,
// each HMAC.
var fuzzSuites = []string{"aes128gcm16", "chacha20poly1305", "aes256cbc-sha256", "aes192cbc-sha384", "aes128cbc-sha512", "3des-sha1"}

type fuzzSA struct {
	o  *Outbound
	in *Inbound
}

// fuzzSAs is every fuzz suite with and without ESN, keyed the same on
// every run so that saved inputs mean the same thing.
func fuzzSAs(f *testing.F) []fuzzSA {
	var sas []fuzzSA
	for _, name := range fuzzSuites {
		for _, esn := range []bool{false, true} {
			o, in := suiteByName(name).pair(f, esn, 4096)
			sas = append(sas, fuzzSA{o, in})
		}
	}
	return sas
}

// Whatever arrives, Open does not panic, fails with one of its errors
// unless the packet is genuine, and the SA still opens the next genuine
// packet.
func FuzzOpen(f *testing.F) {
	sas := fuzzSAs(f)
	for i, sa := range sas {
		for _, n := range []int{0, 1, 40, 300} {
			pkt, err := sa.o.Seal(nil, 4, payloadOf(n))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(uint8(i), pkt)
			f.Add(uint8(i), pkt[:len(pkt)-1])
			bad := bytes.Clone(pkt)
			bad[len(bad)/2] ^= 0x80
			f.Add(uint8(i), bad)
		}
	}
	f.Add(uint8(0), []byte{})
	f.Add(uint8(1), []byte{0, 0, 0, 1, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, which uint8, pkt []byte) {
		sa := sas[int(which)%len(sas)]
		payload, _, err := sa.in.Open(make([]byte, 0, 16), pkt)
		switch err {
		case nil:
			if len(payload) > len(pkt) {
				t.Fatalf("%d-byte payload from a %d-byte packet", len(payload), len(pkt))
			}
		case ErrAuth, ErrMalformed, ErrReplay:
			if len(payload) != 0 {
				t.Fatalf("%v with a %d-byte payload", err, len(payload))
			}
		default:
			t.Fatalf("unexpected error %v", err)
		}
		want := payloadOf(int(which))
		good, err := sa.o.Seal(nil, 41, want)
		if err != nil {
			t.Fatal(err)
		}
		got, nh, err := sa.in.Open(nil, good)
		if err != nil || nh != 41 || !bytes.Equal(got, want) {
			t.Fatalf("genuine packet after the fuzz input: next header %d, %v", nh, err)
		}
	})
}

// Any payload and next header survive Seal and Open unchanged, in a
// packet of the length Overhead predicts.
func FuzzRoundTrip(f *testing.F) {
	sas := fuzzSAs(f)
	f.Add(uint8(0), uint8(4), []byte{})
	f.Add(uint8(3), uint8(41), payloadOf(256))
	f.Add(uint8(7), uint8(59), payloadOf(17))
	f.Fuzz(func(t *testing.T, which, nextHeader uint8, payload []byte) {
		sa := sas[int(which)%len(sas)]
		pkt, err := sa.o.Seal([]byte{0xee}, nextHeader, payload)
		if err != nil {
			t.Fatal(err)
		}
		if pkt[0] != 0xee || len(pkt) != 1+len(payload)+sa.o.Overhead(len(payload)) {
			t.Fatalf("%d-byte payload: %d-byte packet, Overhead %d", len(payload), len(pkt)-1, sa.o.Overhead(len(payload)))
		}
		got, nh, err := sa.in.Open([]byte{0xdd}, pkt[1:])
		if err != nil {
			t.Fatal(err)
		}
		if got[0] != 0xdd || !bytes.Equal(got[1:], payload) || nh != nextHeader {
			t.Fatalf("round trip changed the payload or next header %d to %d", nextHeader, nh)
		}
	})
}
