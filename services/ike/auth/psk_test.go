package auth

import (
	"bytes"
	"crypto/sha256"
	"testing"

	"github.com/gatehouse-vpn/gatehouse/internal/testvec"
	"github.com/gatehouse-vpn/gatehouse/services/ike/suite"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

// hmacSHA256 is HMAC written out from RFC 2104, so the tests do not check
// the package against the same crypto/hmac it is built on.
func hmacSHA256(key []byte, msg ...[]byte) []byte {
	const block = 64
	if len(key) > block {
		k := sha256.Sum256(key)
		key = k[:]
	}
	ipad := make([]byte, block)
	opad := make([]byte, block)
	copy(ipad, key)
	copy(opad, key)
	for i := range block {
		ipad[i] ^= 0x36
		opad[i] ^= 0x5c
	}
	inner := sha256.New()
	inner.Write(ipad)
	for _, m := range msg {
		inner.Write(m)
	}
	outer := sha256.New()
	outer.Write(opad)
	outer.Write(inner.Sum(nil))
	return outer.Sum(nil)
}

func prfSHA256(t *testing.T) *suite.PRF {
	t.Helper()
	p, err := suite.NewPRF(suite.PRFHMACSHA2256)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHMACHelperRFC4231(t *testing.T) {
	// RFC 4231 test case 2, so the hand-rolled HMAC is itself checked.
	got := hmacSHA256([]byte("Jefe"), []byte("what do ya want for nothing?"))
	want := testvec.Unhex(t, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
	if !bytes.Equal(got, want) {
		t.Fatalf("hmacSHA256 = %x, want %x", got, want)
	}
}

func TestIDBody(t *testing.T) {
	id := &wire.ID{Responder: true, IDType: wire.ID_FQDN, Data: []byte("vpn.example.com")}
	want := append([]byte{2, 0, 0, 0}, "vpn.example.com"...)
	if got := IDBody(id); !bytes.Equal(got, want) {
		t.Fatalf("IDBody = %x, want %x", got, want)
	}
}

func TestSignedOctets(t *testing.T) {
	p := prfSHA256(t)
	msg := []byte("IKE_SA_INIT request bytes")
	nonce := bytes.Repeat([]byte{0xab}, 32)
	skp := bytes.Repeat([]byte{0x11}, 32)
	idBody := IDBody(&wire.ID{IDType: wire.ID_IPV4_ADDR, Data: []byte{192, 0, 2, 1}})

	got := SignedOctets(p, msg, nonce, skp, idBody)
	want := append(append(append([]byte{}, msg...), nonce...), hmacSHA256(skp, []byte{1, 0, 0, 0, 192, 0, 2, 1})...)
	if !bytes.Equal(got, want) {
		t.Fatalf("SignedOctets:\n got %x\nwant %x", got, want)
	}
}

func TestPSK(t *testing.T) {
	p := prfSHA256(t)
	secret := []byte("cisco123")
	signed := []byte("octets to be authenticated")

	want := hmacSHA256(hmacSHA256(secret, []byte("Key Pad for IKEv2")), signed)
	got := PSK(p, secret, signed)
	if !bytes.Equal(got, want) {
		t.Fatalf("PSK = %x, want %x", got, want)
	}

	if !VerifyPSK(p, secret, signed, want) {
		t.Error("VerifyPSK rejected the right AUTH value")
	}
	for i := range want {
		bad := bytes.Clone(want)
		bad[i] ^= 0x01
		if VerifyPSK(p, secret, signed, bad) {
			t.Fatalf("VerifyPSK accepted AUTH with bit 0 of byte %d flipped", i)
		}
	}
	for _, bad := range [][]byte{nil, want[:len(want)-1], append(bytes.Clone(want), 0)} {
		if VerifyPSK(p, secret, signed, bad) {
			t.Errorf("VerifyPSK accepted AUTH of %d bytes", len(bad))
		}
	}
	if VerifyPSK(p, []byte("cisco124"), signed, want) {
		t.Error("VerifyPSK accepted AUTH under another secret")
	}
	if VerifyPSK(p, secret, []byte("other octets"), want) {
		t.Error("VerifyPSK accepted AUTH over other octets")
	}
}
