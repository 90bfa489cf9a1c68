package auth

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"math/big"
	"slices"
	"testing"

	"github.com/gatehouse-vpn/gatehouse/internal/testvec"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

var (
	sha2All   = []wire.HashAlgorithm{wire.HashSHA2_256, wire.HashSHA2_384, wire.HashSHA2_512}
	withIdent = []wire.HashAlgorithm{wire.HashSHA2_256, wire.HashSHA2_384, wire.HashSHA2_512, HashIdentity}
)

// splitDigital takes method 14 data apart the way RFC 7427 section 3 lays
// it out, independently of the package's parser.
func splitDigital(t *testing.T, data []byte) (algID, sig []byte) {
	t.Helper()
	if len(data) < 1 || len(data) < 1+int(data[0]) {
		t.Fatalf("method 14 data too short: %x", data)
	}
	return data[1 : 1+data[0]], data[1+data[0]:]
}

func TestSignVerifyRoundTrip(t *testing.T) {
	k := keys()
	signed := []byte("RealMessage|Nonce|prf(SK_p, IDx')")
	cases := []struct {
		name       string
		key, other crypto.Signer
		peer       []wire.HashAlgorithm
		opts       SignOptions
		method     wire.AuthMethod
		algID      string // expected AlgorithmIdentifier for method 14
		hash       wire.HashAlgorithm
	}{
		{"RSA method 1", k.rsa, k.rsa2, nil, SignOptions{}, wire.AuthRSASignature, "", wire.HashSHA1},
		{"RSA method 1, peer has only SHA-1", k.rsa, k.rsa2, []wire.HashAlgorithm{wire.HashSHA1}, SignOptions{}, wire.AuthRSASignature, "", wire.HashSHA1},
		{"RSA PKCS#1 SHA-256", k.rsa, k.rsa2, sha2All, SignOptions{}, wire.AuthDigitalSignature, "300d06092a864886f70d01010b0500", wire.HashSHA2_256},
		{"RSA PKCS#1 SHA-512 when 256 not offered", k.rsa, k.rsa2, []wire.HashAlgorithm{wire.HashSHA2_384, wire.HashSHA2_512}, SignOptions{}, wire.AuthDigitalSignature, "300d06092a864886f70d01010d0500", wire.HashSHA2_512},
		{"RSA PSS SHA-256", k.rsa, k.rsa2, sha2All, SignOptions{RSAPSS: true}, wire.AuthDigitalSignature, pssSHA256AlgID, wire.HashSHA2_256},
		{"P-256 method 9", k.p256, k.p256b, nil, SignOptions{}, wire.AuthECDSASHA256P256, "", wire.HashSHA2_256},
		{"P-384 method 10", k.p384, k.p256b, nil, SignOptions{}, wire.AuthECDSASHA384P384, "", wire.HashSHA2_384},
		{"P-521 method 11", k.p521, k.p384, nil, SignOptions{}, wire.AuthECDSASHA512P521, "", wire.HashSHA2_512},
		{"P-256 method 14", k.p256, k.p256b, sha2All, SignOptions{}, wire.AuthDigitalSignature, "300a06082a8648ce3d040302", wire.HashSHA2_256},
		{"P-256 method 14 SHA-384 when 256 not offered", k.p256, k.p256b, []wire.HashAlgorithm{wire.HashSHA1, wire.HashSHA2_384}, SignOptions{}, wire.AuthDigitalSignature, "300a06082a8648ce3d040303", wire.HashSHA2_384},
		{"P-384 method 14", k.p384, k.p256b, sha2All, SignOptions{}, wire.AuthDigitalSignature, "300a06082a8648ce3d040303", wire.HashSHA2_384},
		{"P-521 method 14", k.p521, k.p256b, sha2All, SignOptions{}, wire.AuthDigitalSignature, "300a06082a8648ce3d040304", wire.HashSHA2_512},
		{"Ed25519 method 14", k.ed, k.ed2, withIdent, SignOptions{}, wire.AuthDigitalSignature, "300506032b6570", HashIdentity},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			method, data, err := SignWithOptions(tc.key, tc.peer, signed, rand.Reader, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if method != tc.method {
				t.Fatalf("method %d, want %d", method, tc.method)
			}
			pub := tc.key.Public()
			if method == wire.AuthDigitalSignature {
				id, sig := splitDigital(t, data)
				if got := testvec.Unhex(t, tc.algID); !bytes.Equal(id, got) {
					t.Fatalf("AlgorithmIdentifier %x, want %x", id, got)
				}
				checkIndependently(t, pub, tc.algID, tc.hash, sig, signed)
			} else {
				checkLegacyIndependently(t, pub, method, data, signed)
			}

			if err := Verify(pub, method, data, signed, nil); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if method == wire.AuthRSASignature {
				// allowed only governs method 14; method 1 is always SHA-1.
				if err := Verify(pub, method, data, signed, []wire.HashAlgorithm{wire.HashSHA2_512}); err != nil {
					t.Fatalf("Verify method 1 with allowed list: %v", err)
				}
			}

			tampered := bytes.Clone(signed)
			tampered[len(tampered)-1] ^= 0x80
			if err := Verify(pub, method, data, tampered, nil); !errors.Is(err, ErrAuthFailed) {
				t.Errorf("Verify over tampered octets: %v, want ErrAuthFailed", err)
			}
			if tc.other != nil {
				if err := Verify(tc.other.Public(), method, data, signed, nil); !errors.Is(err, ErrAuthFailed) {
					t.Errorf("Verify with another key: %v, want ErrAuthFailed", err)
				}
			}
			badSig := bytes.Clone(data)
			badSig[len(badSig)-1] ^= 0x01
			if err := Verify(pub, method, badSig, signed, nil); !errors.Is(err, ErrAuthFailed) {
				t.Errorf("Verify of altered signature: %v, want ErrAuthFailed", err)
			}
			if method == wire.AuthDigitalSignature {
				others := slices.DeleteFunc(slices.Clone(withIdent), func(h wire.HashAlgorithm) bool { return h == tc.hash })
				if err := Verify(pub, method, data, signed, others); !errors.Is(err, ErrAuthFailed) {
					t.Errorf("Verify with %s not allowed: %v, want ErrAuthFailed", hashName(tc.hash), err)
				}
				if err := Verify(pub, method, data, signed, []wire.HashAlgorithm{tc.hash}); err != nil {
					t.Errorf("Verify with only %s allowed: %v", hashName(tc.hash), err)
				}
			}
		})
	}
}

// checkIndependently verifies a method 14 signature with the standard
// library directly, so a Sign/Verify pair that agreed on something wrong
// would still fail.
func checkIndependently(t *testing.T, pub crypto.PublicKey, algID string, h wire.HashAlgorithm, sig, signed []byte) {
	t.Helper()
	if h == HashIdentity {
		if !ed25519.Verify(pub.(ed25519.PublicKey), signed, sig) {
			t.Fatal("Ed25519 signature does not verify with crypto/ed25519")
		}
		return
	}
	hc, _ := cryptoHash(h)
	d := hc.New()
	d.Write(signed)
	sum := d.Sum(nil)
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		var err error
		if algID == pssSHA256AlgID {
			err = rsa.VerifyPSS(pub, hc, sum, sig, &rsa.PSSOptions{SaltLength: hc.Size()})
		} else {
			err = rsa.VerifyPKCS1v15(pub, hc, sum, sig)
		}
		if err != nil {
			t.Fatalf("RSA signature does not verify with crypto/rsa: %v", err)
		}
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(pub, sum, sig) {
			t.Fatal("ECDSA DER signature does not verify with crypto/ecdsa")
		}
	}
}

func checkLegacyIndependently(t *testing.T, pub crypto.PublicKey, method wire.AuthMethod, data, signed []byte) {
	t.Helper()
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		sum := sha1.Sum(signed)
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA1, sum[:], data); err != nil {
			t.Fatalf("method 1 is not PKCS#1 v1.5 with SHA-1: %v", err)
		}
	case *ecdsa.PublicKey:
		size := map[wire.AuthMethod]int{9: 32, 10: 48, 11: 66}[method]
		hc := map[wire.AuthMethod]crypto.Hash{9: crypto.SHA256, 10: crypto.SHA384, 11: crypto.SHA512}[method]
		if len(data) != 2*size {
			t.Fatalf("r|s of %d bytes, want %d", len(data), 2*size)
		}
		d := hc.New()
		d.Write(signed)
		r, s := new(big.Int).SetBytes(data[:size]), new(big.Int).SetBytes(data[size:])
		if !ecdsa.Verify(pub, d.Sum(nil), r, s) {
			t.Fatal("r|s does not verify with crypto/ecdsa")
		}
	}
}

// pssSHA256AlgID is RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte
// salt, written out from RFC 4055 section 3.1 as RFC 7427 appendix A.4.3
// lays it out (hash parameters NULL, trailer field default).
const pssSHA256AlgID = "3041 06092a864886f70d01010a" +
	"3034" +
	"a00f 300d 0609608648016503040201 0500" +
	"a11c 301a 06092a864886f70d010108 300d 0609608648016503040201 0500" +
	"a203 020120"

func TestAlgorithmIdentifierKnownAnswers(t *testing.T) {
	// RFC 7427 appendix A, and RFC 8420 section 2 for Ed25519.
	cases := []struct {
		alg  sigAlg
		want string
	}{
		{sigAlg{schemePKCS1, wire.HashSHA2_256}, "30 0d 06 09 2a 86 48 86 f7 0d 01 01 0b 05 00"},
		{sigAlg{schemePKCS1, wire.HashSHA2_384}, "30 0d 06 09 2a 86 48 86 f7 0d 01 01 0c 05 00"},
		{sigAlg{schemePKCS1, wire.HashSHA2_512}, "30 0d 06 09 2a 86 48 86 f7 0d 01 01 0d 05 00"},
		{sigAlg{schemePKCS1, wire.HashSHA1}, "30 0d 06 09 2a 86 48 86 f7 0d 01 01 05 05 00"},
		{sigAlg{schemeECDSA, wire.HashSHA2_256}, "30 0a 06 08 2a 86 48 ce 3d 04 03 02"},
		{sigAlg{schemeECDSA, wire.HashSHA2_384}, "30 0a 06 08 2a 86 48 ce 3d 04 03 03"},
		{sigAlg{schemeECDSA, wire.HashSHA2_512}, "30 0a 06 08 2a 86 48 ce 3d 04 03 04"},
		{sigAlg{schemeEd25519, HashIdentity}, "30 05 06 03 2b 65 70"},
		{sigAlg{schemePSS, wire.HashSHA2_256}, pssSHA256AlgID},
	}
	for _, tc := range cases {
		want := testvec.Unhex(t, tc.want)
		got, err := encodeAlgID(tc.alg)
		if err != nil {
			t.Fatalf("%s: %v", tc.alg, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %x\nwant %x", tc.alg, got, want)
		}
		back, err := parseAlgID(want)
		if err != nil || back != tc.alg {
			t.Errorf("parse %s: got %s, %v", tc.want, back, err)
		}
	}
	for _, h := range []wire.HashAlgorithm{wire.HashSHA2_384, wire.HashSHA2_512} {
		der, err := encodeAlgID(sigAlg{schemePSS, h})
		if err != nil {
			t.Fatal(err)
		}
		if back, err := parseAlgID(der); err != nil || back != (sigAlg{schemePSS, h}) {
			t.Errorf("PSS %s round trip: %s, %v", hashName(h), back, err)
		}
	}
}

func TestParseAlgorithmIdentifierRejects(t *testing.T) {
	cases := map[string]string{
		"md5WithRSAEncryption":         "300d06092a864886f70d0101040500",
		"ecdsa-with-SHA224":            "300a06082a8648ce3d040301",
		"Ed448":                        "300506032b6571",
		"RSA with odd parameters":      "300f06092a864886f70d01010b020101",
		"ECDSA with integer parameter": "300d06082a8648ce3d040302020101",
		"trailing byte":                "300a06082a8648ce3d04030200",
		"not a sequence":               "0608 2a8648ce3d040302",
		"empty":                        "",
		"PSS without parameters":       "300b06092a864886f70d01010a",
		// RFC 7427 A.4.2 (as corrected by the erratum): explicit SHA-1 defaults.
		"PSS with SHA-1": "303e06092a864886f70d01010a3031a00b300906052b0e03021a0500a118301606092a864886f70d010108300906052b0e03021a0500a203020114a303020101",
		"PSS salt 20 with SHA-256": "3041 06092a864886f70d01010a 3034 a00f 300d 0609608648016503040201 0500" +
			"a11c 301a 06092a864886f70d010108 300d 0609608648016503040201 0500 a203 020114",
		"PSS MGF1 with SHA-384": "3041 06092a864886f70d01010a 3034 a00f 300d 0609608648016503040201 0500" +
			"a11c 301a 06092a864886f70d010108 300d 0609608648016503040202 0500 a203 020120",
		"PSS trailer field 2": "3046 06092a864886f70d01010a 3039 a00f 300d 0609608648016503040201 0500" +
			"a11c 301a 06092a864886f70d010108 300d 0609608648016503040201 0500 a203 020120 a303 020102",
	}
	for name, h := range cases {
		if alg, err := parseAlgID(testvec.Unhex(t, h)); err == nil {
			t.Errorf("%s: parsed as %s, want error", name, alg)
		}
	}
}

func TestSignHashChoice(t *testing.T) {
	cases := []struct {
		peer      []wire.HashAlgorithm
		preferred wire.HashAlgorithm
		want      wire.HashAlgorithm
		ok        bool
	}{
		{nil, wire.HashSHA2_256, 0, false},
		{[]wire.HashAlgorithm{wire.HashSHA1}, wire.HashSHA2_256, 0, false},
		{[]wire.HashAlgorithm{99, HashIdentity}, wire.HashSHA2_256, 0, false},
		{sha2All, wire.HashSHA2_256, wire.HashSHA2_256, true},
		{sha2All, wire.HashSHA2_384, wire.HashSHA2_384, true},
		{[]wire.HashAlgorithm{wire.HashSHA2_256, wire.HashSHA2_384}, wire.HashSHA2_512, wire.HashSHA2_384, true},
		{[]wire.HashAlgorithm{wire.HashSHA1, wire.HashSHA2_256}, wire.HashSHA2_512, wire.HashSHA2_256, true},
	}
	for _, tc := range cases {
		got, ok := pickHash(tc.peer, tc.preferred)
		if got != tc.want || ok != tc.ok {
			t.Errorf("pickHash(%v, %s) = %s, %v; want %s, %v", tc.peer, hashName(tc.preferred), hashName(got), ok, hashName(tc.want), tc.ok)
		}
	}
}

func TestSignRefuses(t *testing.T) {
	k := keys()
	if _, _, err := Sign(k.ed, sha2All, []byte("x"), rand.Reader); err == nil {
		t.Error("Ed25519 signed without the peer announcing Identity")
	}
	p224, err := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Sign(p224, nil, []byte("x"), rand.Reader); err == nil {
		t.Error("P-224 key signed")
	}
	if _, _, err := Sign(nil, nil, []byte("x"), rand.Reader); err == nil {
		t.Error("nil key signed")
	}
}

// TestECDSAKnownAnswer uses RFC 6979 appendix A.2.5 (P-256, SHA-256,
// message "sample"): the private key, public key and deterministic
// signature (r, s) are the RFC's.
func TestECDSAKnownAnswer(t *testing.T) {
	d := testvec.Unhex(t, "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721")
	key, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	if err != nil {
		t.Fatal(err)
	}
	if x := key.X.FillBytes(make([]byte, 32)); !bytes.Equal(x, testvec.Unhex(t, "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6")) {
		t.Fatalf("public key x = %X", x)
	}
	signed := []byte("sample")
	rs := testvec.Unhex(t, "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716"+
		"F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8")

	if err := Verify(&key.PublicKey, wire.AuthECDSASHA256P256, rs, signed, nil); err != nil {
		t.Fatalf("RFC 6979 signature rejected: %v", err)
	}
	// A nil random source makes crypto/ecdsa sign deterministically per
	// RFC 6979, so Sign must reproduce the RFC's r|s exactly.
	method, got, err := Sign(key, nil, signed, nil)
	if err != nil {
		t.Fatal(err)
	}
	if method != wire.AuthECDSASHA256P256 || !bytes.Equal(got, rs) {
		t.Fatalf("Sign = method %d %X\nwant method 9 %X", method, got, rs)
	}
	if err := Verify(&key.PublicKey, wire.AuthECDSASHA256P256, rs, []byte("samplf"), nil); err == nil {
		t.Error("signature accepted over other octets")
	}

	n := elliptic.P256().Params().N
	zero := make([]byte, 32)
	nBytes := n.FillBytes(make([]byte, 32))
	bad := map[string][]byte{
		"r = 0":        append(bytes.Clone(zero), rs[32:]...),
		"s = 0":        append(bytes.Clone(rs[:32]), zero...),
		"r = n":        append(bytes.Clone(nBytes), rs[32:]...),
		"s = n":        append(bytes.Clone(rs[:32]), nBytes...),
		"r, s = 0":     make([]byte, 64),
		"short":        rs[:63],
		"long":         append(bytes.Clone(rs), 0),
		"as method 10": rs,
	}
	for name, data := range bad {
		method := wire.AuthECDSASHA256P256
		if name == "as method 10" {
			method = wire.AuthECDSASHA384P384
		}
		if err := Verify(&key.PublicKey, method, data, signed, nil); !errors.Is(err, ErrAuthFailed) {
			t.Errorf("%s: %v, want ErrAuthFailed", name, err)
		}
	}
}

func TestVerifySHA1OnlyWhenAllowed(t *testing.T) {
	k := keys()
	signed := []byte("legacy peer")
	sum := sha1.Sum(signed)
	sig, err := rsa.SignPKCS1v15(rand.Reader, k.rsa, crypto.SHA1, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	id := testvec.Unhex(t, "300d06092a864886f70d0101050500")
	data := append(append([]byte{byte(len(id))}, id...), sig...)
	if err := Verify(&k.rsa.PublicKey, wire.AuthDigitalSignature, data, signed, nil); !errors.Is(err, ErrAuthFailed) {
		t.Errorf("sha1WithRSAEncryption accepted by default: %v", err)
	}
	if err := Verify(&k.rsa.PublicKey, wire.AuthDigitalSignature, data, signed, []wire.HashAlgorithm{wire.HashSHA1}); err != nil {
		t.Errorf("sha1WithRSAEncryption refused though allowed: %v", err)
	}
}

func TestVerifyMalformed(t *testing.T) {
	k := keys()
	signed := []byte("octets")
	_, good14, err := Sign(k.p256, sha2All, signed, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, good1, err := Sign(k.rsa, nil, signed, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, goodEd, err := Sign(k.ed, withIdent, signed, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(signed)
	rsaSig, err := rsa.SignPKCS1v15(rand.Reader, k.rsa, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	rsa14 := append(testvec.Unhex(t, "0f 300d06092a864886f70d01010b0500"), rsaSig...)

	cases := []struct {
		name   string
		pub    crypto.PublicKey
		method wire.AuthMethod
		data   []byte
	}{
		{"14 empty", &k.p256.PublicKey, 14, nil},
		{"14 length only", &k.p256.PublicKey, 14, []byte{0x0c}},
		{"14 truncated AlgorithmIdentifier", &k.p256.PublicKey, 14, good14[:8]},
		{"14 length beyond data", &k.p256.PublicKey, 14, []byte{0xff, 0x30, 0x00}},
		{"14 zero length", &k.p256.PublicKey, 14, append([]byte{0}, good14[1:]...)},
		{"14 no signature", &k.p256.PublicKey, 14, good14[:1+good14[0]]},
		{"14 truncated signature", &k.p256.PublicKey, 14, good14[:len(good14)-3]},
		{"14 garbage signature", &k.p256.PublicKey, 14, append(bytes.Clone(good14[:1+good14[0]]), 0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00)},
		{"14 ECDSA signature, RSA key", &k.rsa.PublicKey, 14, good14},
		{"14 RSA signature, ECDSA key", &k.p256.PublicKey, 14, rsa14},
		{"14 Ed25519 signature, ECDSA key", &k.p256.PublicKey, 14, goodEd},
		{"14 Ed25519, short key", ed25519.PublicKey{1, 2, 3}, 14, goodEd},
		{"14 Ed25519, truncated signature", k.ed.Public(), 14, goodEd[:len(goodEd)-1]},
		{"14 nil key", nil, 14, good14},
		{"14 nil RSA key", (*rsa.PublicKey)(nil), 14, rsa14},
		{"14 nil ECDSA key", (*ecdsa.PublicKey)(nil), 14, good14},
		{"1 empty", &k.rsa.PublicKey, 1, nil},
		{"1 truncated", &k.rsa.PublicKey, 1, good1[:len(good1)-1]},
		{"1 ECDSA key", &k.p256.PublicKey, 1, good1},
		{"1 RSA key without modulus", &rsa.PublicKey{E: 65537}, 1, good1},
		{"9 RSA key", &k.rsa.PublicKey, 9, make([]byte, 64)},
		{"9 nil ECDSA key", (*ecdsa.PublicKey)(nil), 9, make([]byte, 64)},
		{"9 ECDSA key without curve", &ecdsa.PublicKey{}, 9, make([]byte, 64)},
		{"11 on P-256 key", &k.p256.PublicKey, 11, make([]byte, 132)},
		{"2 shared key", &k.p256.PublicKey, wire.AuthSharedKeyMIC, good14},
		{"3 DSS", &k.p256.PublicKey, wire.AuthDSSSignature, good14},
		{"200 unknown", &k.p256.PublicKey, 200, good14},
	}
	for _, tc := range cases {
		err := Verify(tc.pub, tc.method, tc.data, signed, nil)
		if !errors.Is(err, ErrAuthFailed) {
			t.Errorf("%s: %v, want ErrAuthFailed", tc.name, err)
		}
	}
	// The untouched inputs do verify, so the failures above are the
	// damage's doing.
	for name, c := range map[string]struct {
		pub    crypto.PublicKey
		method wire.AuthMethod
		data   []byte
	}{
		"14 ECDSA": {&k.p256.PublicKey, 14, good14},
		"14 RSA":   {&k.rsa.PublicKey, 14, rsa14},
		"14 Ed":    {k.ed.Public(), 14, goodEd},
		"1 RSA":    {&k.rsa.PublicKey, 1, good1},
	} {
		if err := Verify(c.pub, c.method, c.data, signed, nil); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestHashAlgorithmsNotify(t *testing.T) {
	if got := SupportedHashes(); !slices.Equal(got, sha2All) {
		t.Fatalf("SupportedHashes = %v", got)
	}
	SupportedHashes()[0] = 99
	if SupportedHashes()[0] != wire.HashSHA2_256 {
		t.Fatal("SupportedHashes returned shared storage")
	}
	data := EncodeHashAlgorithms(SupportedHashes())
	if want := testvec.Unhex(t, "0002 0003 0004"); !bytes.Equal(data, want) {
		t.Fatalf("Encode = %x, want %x", data, want)
	}
	// strongSwan's announcement: SHA1, SHA2-256/384/512, Identity.
	got, err := DecodeHashAlgorithms(testvec.Unhex(t, "0001 0002 0003 0004 0005"))
	if err != nil || !slices.Equal(got, []wire.HashAlgorithm{1, 2, 3, 4, 5}) {
		t.Fatalf("Decode = %v, %v", got, err)
	}
	if got, err := DecodeHashAlgorithms(nil); err != nil || len(got) != 0 {
		t.Fatalf("Decode(empty) = %v, %v", got, err)
	}
	if _, err := DecodeHashAlgorithms(testvec.Unhex(t, "0002 00")); err == nil {
		t.Fatal("odd length accepted")
	}
}
