package frag

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/gatehouse-vpn/gatehouse/services/ike/suite"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

// packDatagrams joins datagrams, each behind a 2-byte length, as one fuzz
// input.
func packDatagrams(ds ...[]byte) []byte {
	var b []byte
	for _, d := range ds {
		b = binary.BigEndian.AppendUint16(b, uint16(len(d)))
		b = append(b, d...)
	}
	return b
}

// FuzzReassembler feeds a sequence of datagrams through wire.Parse and two
// Reassemblers: one with a real cipher, where the fuzzer mostly exercises
// the checks before the ICV, and one with nullCipher, where it reaches the
// restart, duplicate and limit logic with fragments it made up.
func FuzzReassembler(f *testing.F) {
	c := newCipher(f, testSuites[0].tr, 0)
	// Small messages at small MTUs keep inputs short: the fuzzer minimises
	// every interesting input, and with crypto in the loop that is slow.
	first, chain := innerChain(f, 100)
	realSmall, _ := SealFragments(testHeader(3), first, chain, c, rand.Reader, 160, false, false)
	realBig, _ := SealFragments(testHeader(3), first, chain, c, rand.Reader, 240, false, false)
	nullBig, _ := SealFragments(testHeader(3), first, chain, nullCipher{}, rand.Reader, 140, false, false)
	nullSmall, _ := SealFragments(testHeader(3), first, chain, nullCipher{}, rand.Reader, 100, false, false)
	f.Add(packDatagrams(realSmall...))
	f.Add(packDatagrams(append(realBig[:1], realSmall...)...))
	f.Add(packDatagrams(nullBig...))
	f.Add(packDatagrams(append(append([][]byte{}, nullBig[:2]...), nullSmall...)...))
	f.Add(packDatagrams(nullBig[1], nullBig[1], nullBig[0]))
	f.Add([]byte{})

	const maxBytes = 4096
	f.Fuzz(func(t *testing.T, in []byte) {
		rs := []*Reassembler{NewReassembler(8, maxBytes), NewReassembler(8, maxBytes)}
		ciphers := []suite.Cipher{c, nullCipher{}}
		for len(in) >= 2 {
			n := int(binary.BigEndian.Uint16(in))
			in = in[2:]
			n = min(n, len(in))
			raw := in[:n]
			in = in[n:]
			m, err := wire.Parse(raw)
			if err != nil {
				continue
			}
			for i, r := range rs {
				done, _, inner, err := r.Add(raw, m, ciphers[i])
				if err != nil && !errors.Is(err, ErrIntegrity) && !errors.Is(err, ErrNotProtected) && !errors.Is(err, ErrBadFragment) {
					t.Fatalf("error wraps no sentinel: %v", err)
				}
				if done && (err != nil || len(inner) > maxBytes) {
					t.Fatalf("done with %d bytes, err %v", len(inner), err)
				}
				id, ok := r.MessageID()
				if done && ok {
					t.Fatalf("still collecting message %d after completing one", id)
				}
				if !done && err == nil && (!ok || id != m.MessageID) {
					t.Fatalf("accepted a fragment of message %d but collecting %d (%v)", m.MessageID, id, ok)
				}
			}
			_, _, _ = Open(raw, m, c)
		}
	})
}
