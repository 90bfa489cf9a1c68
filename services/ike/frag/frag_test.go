package frag

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"slices"
	"testing"

	"github.com/gatehouse-vpn/gatehouse/services/ike/suite"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

func TestSealOpenRoundTrip(t *testing.T) {
	first, chain := innerChain(t, 100)
	for _, s := range testSuites {
		for _, tc := range []struct {
			name  string
			first wire.PayloadType
			inner []byte
		}{{"chain", first, chain}, {"empty", wire.NoNextPayload, nil}} {
			t.Run(s.name+"/"+tc.name, func(t *testing.T) {
				c := newCipher(t, s.tr, 0)
				raw, err := Seal(testHeader(7), tc.first, tc.inner, c, rand.Reader)
				if err != nil {
					t.Fatal(err)
				}
				m := mustParse(t, raw)
				if m.NextPayload != wire.PayloadSK || m.MessageID != 7 || len(m.Payloads) != 1 {
					t.Fatalf("header next %v, id %d, %d payloads; want SK, 7, 1", m.NextPayload, m.MessageID, len(m.Payloads))
				}
				gotFirst, got, err := Open(raw, m, c)
				if err != nil {
					t.Fatal(err)
				}
				if gotFirst != tc.first || !bytes.Equal(got, tc.inner) {
					t.Fatalf("Open = %v, %x; want %v, %x", gotFirst, got, tc.first, tc.inner)
				}
				if _, err := wire.ParsePayloads(gotFirst, got); err != nil {
					t.Fatalf("decrypted chain does not parse: %v", err)
				}
			})
		}
	}
}

// The associated data is the header and the payload header, with final
// lengths, on both sides; for SKF it includes Fragment Number and Total
// Fragments (RFC 7383 2.5).
func TestAssociatedData(t *testing.T) {
	first, chain := innerChain(t, 1500)
	for _, s := range testSuites {
		t.Run(s.name, func(t *testing.T) {
			rc := &recordingCipher{Cipher: newCipher(t, s.tr, 0)}
			sk, err := Seal(testHeader(3), first, chain, rc, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			frags, err := SealFragments(testHeader(4), first, chain, rc, rand.Reader, 576, false, false)
			if err != nil {
				t.Fatal(err)
			}
			msgs := append([][]byte{sk}, frags...)
			if _, _, err := Open(sk, mustParse(t, sk), rc); err != nil {
				t.Fatal(err)
			}
			r := NewReassembler(0, 0)
			for _, f := range frags {
				if _, _, _, err := r.Add(f, mustParse(t, f), rc); err != nil {
					t.Fatal(err)
				}
			}
			if len(rc.sealAAD) != len(msgs) || len(rc.openAAD) != len(msgs) {
				t.Fatalf("%d seals, %d opens; want %d each", len(rc.sealAAD), len(rc.openAAD), len(msgs))
			}
			for i, raw := range msgs {
				want := make([]byte, 0, 36)
				want = append(want, raw[:16]...)
				next := wire.PayloadSK
				if i > 0 {
					next = wire.PayloadSKF
				}
				want = append(want, byte(next), 0x20, byte(wire.IKE_AUTH), byte(wire.FlagInitiator))
				want = binary.BigEndian.AppendUint32(want, uint32(min(i, 1)+3))
				want = binary.BigEndian.AppendUint32(want, uint32(len(raw)))
				inFirst := first
				if i > 1 {
					inFirst = wire.NoNextPayload
				}
				want = append(want, byte(inFirst), 0)
				want = binary.BigEndian.AppendUint16(want, uint16(len(raw)-wire.HeaderLen))
				if i > 0 {
					want = binary.BigEndian.AppendUint16(want, uint16(i))
					want = binary.BigEndian.AppendUint16(want, uint16(len(frags)))
				}
				if !bytes.Equal(rc.sealAAD[i], want) {
					t.Errorf("message %d: sealed with aad %x, want %x", i, rc.sealAAD[i], want)
				}
				if !bytes.Equal(rc.openAAD[i], want) {
					t.Errorf("message %d: opened with aad %x, want %x", i, rc.openAAD[i], want)
				}
			}
		})
	}
}

// Flipping any bit is caught: bytes the parser cannot get past (next
// payload, the length fields) fail there, all others fail the ICV.
func TestTamperedByteFails(t *testing.T) {
	first, chain := innerChain(t, 40)
	structural := []int{16, 24, 25, 26, 27, 30, 31}
	for _, s := range testSuites {
		t.Run(s.name, func(t *testing.T) {
			c := newCipher(t, s.tr, 0)
			raw, err := Seal(testHeader(1), first, chain, c, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			for i := range raw {
				bad := flip(raw, i)
				m, perr := wire.Parse(bad)
				if perr != nil || m.NextPayload != wire.PayloadSK {
					if !slices.Contains(structural, i) {
						t.Errorf("byte %d: tampered message stopped by parser (%v), want integrity failure", i, perr)
					}
					continue
				}
				if _, _, err := Open(bad, m, c); !errors.Is(err, ErrIntegrity) {
					t.Errorf("byte %d: Open = %v, want ErrIntegrity", i, err)
				}
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	tr := testSuites[0].tr
	c := newCipher(t, tr, 0)
	first, chain := innerChain(t, 40)
	raw, err := Seal(testHeader(1), first, chain, c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Open(raw, mustParse(t, raw), newCipher(t, tr, 1)); !errors.Is(err, ErrIntegrity) || !errors.Is(err, suite.ErrAuth) {
		t.Errorf("wrong key: %v, want ErrIntegrity wrapping suite.ErrAuth", err)
	}

	plain := &wire.Message{Header: testHeader(0), Payloads: []wire.Payload{&wire.Nonce{Data: make([]byte, 32)}}}
	praw, err := plain.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Open(praw, mustParse(t, praw), c); !errors.Is(err, ErrNotProtected) {
		t.Errorf("unprotected: %v, want ErrNotProtected", err)
	}

	frags := sealFrags(t, 2, first, slices.Repeat(chain, 20), c, 576)
	if _, _, err := Open(frags[0], mustParse(t, frags[0]), c); !errors.Is(err, ErrFragment) {
		t.Errorf("fragment: %v, want ErrFragment", err)
	}

	other, _ := Seal(testHeader(1), first, chain, c, rand.Reader)
	if _, _, err := Open(other, mustParse(t, raw), c); err == nil {
		t.Error("Open with raw bytes of another message succeeded")
	}
}

func TestSealFragmentsFitDatagram(t *testing.T) {
	first, chain := innerChain(t, 3000)
	if len(chain) < 3000 {
		t.Fatalf("chain %d bytes", len(chain))
	}
	for _, s := range testSuites {
		for _, p := range []struct {
			name       string
			mtu        int
			ipv6, natT bool
			budget     int
		}{
			{"v4", 576, false, false, 576 - 20 - 8},
			{"v4-natt", 576, false, true, 576 - 20 - 8 - 4},
			{"v6", 1280, true, false, 1280 - 40 - 8},
			{"v6-natt", 1280, true, true, 1280 - 40 - 8 - 4},
		} {
			t.Run(s.name+"/"+p.name, func(t *testing.T) {
				c := newCipher(t, s.tr, 0)
				frags, err := SealFragments(testHeader(9), first, chain, c, rand.Reader, p.mtu, p.ipv6, p.natT)
				if err != nil {
					t.Fatal(err)
				}
				if len(frags) < 3 {
					t.Fatalf("%d fragments for %d bytes at budget %d", len(frags), len(chain), p.budget)
				}
				for i, f := range frags {
					if len(f) > p.budget {
						t.Errorf("fragment %d: %d bytes, budget %d", i+1, len(f), p.budget)
					}
					// All but the last are filled to within one cipher block.
					if i < len(frags)-1 && len(f) <= p.budget-16 {
						t.Errorf("fragment %d: %d bytes, wastes budget %d", i+1, len(f), p.budget)
					}
					m := mustParse(t, f)
					skf, ok := m.Payloads[0].(*wire.SKF)
					if !ok || len(m.Payloads) != 1 || m.MessageID != 9 {
						t.Fatalf("fragment %d: payloads %v, id %d", i+1, m.Payloads, m.MessageID)
					}
					wantFirst := wire.NoNextPayload
					if i == 0 {
						wantFirst = first
					}
					if int(skf.Number) != i+1 || int(skf.Total) != len(frags) || skf.FirstInner != wantFirst {
						t.Errorf("fragment %d: number %d total %d first %v; want %d %d %v",
							i+1, skf.Number, skf.Total, skf.FirstInner, i+1, len(frags), wantFirst)
					}
				}
				r := NewReassembler(0, 0)
				var done bool
				var gotFirst wire.PayloadType
				var got []byte
				for i, f := range shuffled(frags, 42) {
					if done {
						t.Fatalf("done after %d of %d fragments", i, len(frags))
					}
					done, gotFirst, got, err = r.Add(f, mustParse(t, f), c)
					if err != nil {
						t.Fatal(err)
					}
				}
				if !done || gotFirst != first || !bytes.Equal(got, chain) {
					t.Fatalf("reassembled done=%v first=%v %d bytes; want %v, %d bytes equal to the input", done, gotFirst, len(got), first, len(chain))
				}
			})
		}
	}
}

func TestSealFragmentsWholeMessageFits(t *testing.T) {
	c := newCipher(t, testSuites[0].tr, 0)
	first, chain := innerChain(t, 100)
	msgs, err := SealFragments(testHeader(1), first, chain, c, rand.Reader, 1280, false, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	gotFirst, got, err := Open(msgs[0], mustParse(t, msgs[0]), c)
	if err != nil || gotFirst != first || !bytes.Equal(got, chain) {
		t.Fatalf("Open = %v, %d bytes, %v", gotFirst, len(got), err)
	}
}

func TestSealFragmentsMTUTooSmall(t *testing.T) {
	c := newCipher(t, testSuites[1].tr, 0)
	first, chain := innerChain(t, 100)
	if _, err := SealFragments(testHeader(1), first, chain, c, rand.Reader, 100, false, true); err == nil {
		t.Fatal("MTU 100 accepted")
	}
}

func BenchmarkSealGCM(b *testing.B) {
	c := newCipher(b, testSuites[0].tr, 0)
	inner := make([]byte, 1024)
	hdr := testHeader(1)
	b.SetBytes(int64(len(inner)))
	for b.Loop() {
		if _, err := Seal(hdr, wire.PayloadIDi, inner, c, rand.Reader); err != nil {
			b.Fatal(err)
		}
	}
}
