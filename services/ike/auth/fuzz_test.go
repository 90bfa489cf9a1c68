package auth

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"errors"
	"slices"
	"testing"

	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

// FuzzVerify feeds arbitrary AUTH payloads to Verify against every key
// type. Nothing may panic, and nothing random may verify.
func FuzzVerify(f *testing.F) {
	k := keys()
	signed := []byte("fuzzed AUTH over fixed octets")
	pubs := []crypto.PublicKey{&k.rsa.PublicKey, &k.p256.PublicKey, &k.p384.PublicKey, &k.p521.PublicKey, k.ed.Public()}

	// Seeds: a valid payload of every method, so mutations start from
	// well-formed structure.
	var sigs [][]byte
	for _, c := range []struct {
		key  crypto.Signer
		peer []wire.HashAlgorithm
		opts SignOptions
	}{
		{k.rsa, nil, SignOptions{}},
		{k.rsa, sha2All, SignOptions{}},
		{k.rsa, []wire.HashAlgorithm{wire.HashSHA2_512}, SignOptions{RSAPSS: true}},
		{k.p256, nil, SignOptions{}},
		{k.p384, nil, SignOptions{}},
		{k.p521, nil, SignOptions{}},
		{k.p384, sha2All, SignOptions{}},
		{k.ed, withIdent, SignOptions{}},
	} {
		m, data, err := SignWithOptions(c.key, c.peer, signed, rand.Reader, c.opts)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(byte(m), data)
		if m == wire.AuthDigitalSignature {
			data = data[1+data[0]:]
		}
		sigs = append(sigs, data)
	}
	f.Add(byte(14), []byte{0})
	f.Add(byte(14), []byte{0x0b, 0x30, 0x09, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a})
	f.Add(byte(9), make([]byte, 64))

	f.Fuzz(func(t *testing.T, method byte, data []byte) {
		for _, pub := range pubs {
			for _, allowed := range [][]wire.HashAlgorithm{nil, {wire.HashSHA1, wire.HashSHA2_512}} {
				err := Verify(pub, wire.AuthMethod(method), data, signed, allowed)
				if err != nil && !errors.Is(err, ErrAuthFailed) {
					t.Fatalf("error does not wrap ErrAuthFailed: %v", err)
				}
				// Random bytes cannot verify; an accepted payload must carry
				// a seed's signature. Its AlgorithmIdentifier may differ
				// (RSA parameters absent instead of NULL is legitimate).
				if err == nil && !slices.ContainsFunc(sigs, func(s []byte) bool { return bytes.HasSuffix(data, s) }) {
					t.Fatalf("method %d data %x verified under %s", method, data, keyTypeName(pub))
				}
			}
		}
	})
}

// FuzzDecodeHashAlgorithms checks the notify parser never panics and that
// whatever it accepts re-encodes to the same bytes.
func FuzzDecodeHashAlgorithms(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 2, 0, 3, 0, 4})
	f.Add([]byte{0, 1, 0, 2, 0, 3, 0, 4, 0, 5})
	f.Add([]byte{0, 2, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		hs, err := DecodeHashAlgorithms(data)
		if len(data)%2 != 0 {
			if err == nil {
				t.Fatalf("odd length %d accepted", len(data))
			}
			return
		}
		if err != nil {
			t.Fatalf("even length %d refused: %v", len(data), err)
		}
		if len(hs) != len(data)/2 {
			t.Fatalf("%d values from %d bytes", len(hs), len(data))
		}
		if got := EncodeHashAlgorithms(hs); !bytes.Equal(got, data) {
			t.Fatalf("re-encoded %x, want %x", got, data)
		}
	})
}
