package frag

import (
	"bytes"
	"crypto/rand"
	"io"
	mrand "math/rand/v2"
	"testing"

	"github.com/gatehouse-vpn/gatehouse/services/ike/suite"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

var testSuites = []struct {
	name string
	tr   suite.Transforms
}{
	{"aes256gcm16", suite.Transforms{Encr: suite.EncrAESGCM16, EncrKeyBits: 256, PRF: suite.PRFHMACSHA2256}},
	{"aes256cbc-sha256", suite.Transforms{Encr: suite.EncrAESCBC, EncrKeyBits: 256, PRF: suite.PRFHMACSHA2256, Integ: suite.IntegHMACSHA2256128}},
	{"chacha20poly1305", suite.Transforms{Encr: suite.EncrChaCha20Poly1305, PRF: suite.PRFHMACSHA2256}},
}

// newCipher keys tr with fixed patterns; seed makes a second, different
// key for wrong-key tests.
func newCipher(t testing.TB, tr suite.Transforms, seed byte) suite.Cipher {
	t.Helper()
	ek, err := tr.EncrKeyLen()
	if err != nil {
		t.Fatal(err)
	}
	ak, err := tr.IntegKeyLen()
	if err != nil {
		t.Fatal(err)
	}
	enc, integ := make([]byte, ek), make([]byte, ak)
	for i := range enc {
		enc[i] = seed + byte(i)
	}
	for i := range integ {
		integ[i] = seed + 0x80 + byte(i)
	}
	c, err := suite.NewCipher(tr, enc, integ)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testHeader(id uint32) wire.Header {
	return wire.Header{
		InitiatorSPI: 0x0102030405060708, ResponderSPI: 0x1112131415161718,
		MajorVersion: wire.MajorVersion, Exchange: wire.IKE_AUTH, Flags: wire.FlagInitiator, MessageID: id,
	}
}

// innerChain encodes an IDi, a CERT with certLen bytes of data and an AUTH,
// the shape of an IKE_AUTH request that needs fragmenting.
func innerChain(t testing.TB, certLen int) (wire.PayloadType, []byte) {
	t.Helper()
	cert := make([]byte, certLen)
	for i := range cert {
		cert[i] = byte(i * 7)
	}
	first, b, err := wire.EncodePayloads([]wire.Payload{
		&wire.ID{IDType: wire.ID_FQDN, Data: []byte("client.example")},
		&wire.Cert{Encoding: wire.CertX509Signature, Data: cert},
		&wire.Auth{Method: wire.AuthDigitalSignature, Data: bytes.Repeat([]byte{0xa5}, 64)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return first, b
}

func mustParse(t testing.TB, raw []byte) *wire.Message {
	t.Helper()
	m, err := wire.Parse(raw)
	if err != nil {
		t.Fatalf("parse %d-byte message: %v", len(raw), err)
	}
	return m
}

func sealFrags(t testing.TB, id uint32, first wire.PayloadType, inner []byte, c suite.Cipher, mtu int) [][]byte {
	t.Helper()
	fs, err := SealFragments(testHeader(id), first, inner, c, rand.Reader, mtu, false, false)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func shuffled(fs [][]byte, seed uint64) [][]byte {
	out := append([][]byte(nil), fs...)
	mrand.New(mrand.NewPCG(seed, seed)).Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func flip(b []byte, i int) []byte {
	out := bytes.Clone(b)
	out[i] ^= 0x01
	return out
}

// recordingCipher remembers the associated data of each call, to compare
// what the sender authenticated with what the receiver checks.
type recordingCipher struct {
	suite.Cipher
	sealAAD, openAAD [][]byte
}

func (r *recordingCipher) Seal(dst, aad, pt []byte, rand io.Reader) ([]byte, error) {
	r.sealAAD = append(r.sealAAD, bytes.Clone(aad))
	return r.Cipher.Seal(dst, aad, pt, rand)
}

func (r *recordingCipher) Open(dst, aad, body []byte) ([]byte, error) {
	r.openAAD = append(r.openAAD, bytes.Clone(aad))
	return r.Cipher.Open(dst, aad, body)
}

// nullCipher protects nothing, so the fuzzer can reach the reassembly
// logic behind the integrity check.
type nullCipher struct{}

func (nullCipher) SealedLen(n int) int { return n }
func (nullCipher) Seal(dst, _, pt []byte, _ io.Reader) ([]byte, error) {
	return append(dst, pt...), nil
}
func (nullCipher) Open(dst, _, body []byte) ([]byte, error) { return append(dst, body...), nil }
