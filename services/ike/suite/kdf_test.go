package suite

import (
	"bytes"
	"testing"
)

// The NIST CAVP "IKEv2 KDF" (SP 800-135) SHA-1 sample as run by libreswan's
// CAVS harness (programs/cavp, ikev2 test): SKEYSEED, DKM = prf+(SKEYSEED,
// Ni|Nr|SPIi|SPIr), the child KEYMAT with and without g^ir (new) keyed with
// SK_d = the first prf-size bytes of DKM, and the rekeyed SKEYSEED.
func TestIKEv2KDFCAVP(t *testing.T) {
	gir := unhex(t, "4b2c1f971981a8ad8d0abeafabf38cf75fc8349c148142465ed9c8b516b8be52")
	girNew := unhex(t, "863f3c9d06efd39d2b907b97f8699e5dd5251ef64a2a176f36ee40c87d4f9330")
	ni, nr := unhex(t, "32b50d5f4a3763f3"), unhex(t, "9206a04b26564cb1")
	const spii, spir = 0x34c9e7c188868785, 0x3ff77d760d2b2199
	wantSKEYSEED := unhex(t, "a9a7b222b59f8f48645f28a1db5b5f5d7479cba7")
	wantDKM := unhex(t, `a14293677cc80ff8f9cc0eee30d895da9d8f405666e30ef0dfcb63c634a46002
		a2a63080e514a062768b76606f9fa5e992204fc5a670bde3f10d6b027113936a
		5c55b648a194ae587b0088d52204b702c979fa280870d2ed41efa9c549fd1119
		8af1670b143d384bd275c5f594cf266b05ebadca855e4249520a441a81157435a7a56cc4`)
	wantChild := unhex(t, `8059e3ee8810e6c3a91bc8bcd2a7a41151b8d0e6ae239c7b38093ad85ef4c581
		1a8e7b5d1cdabd9560b2d5e092d1f24e2d4b85eccdf0ad0dc9abd94b51ee7181
		4ca6dbc8bb51b6309f5b9545c7eb35cf5580b1e521a8fe20754a2d883ba0c2cf
		285f524aea6545b33106bc03e614296d319d41d4b50b3f510b1c0a22f3e664994d234cb4`)
	wantChildDH := unhex(t, `bb43244c1860ad65ee1e211ffe8bb3661750c8f89cb9f547df7f4fa61d373016
		28190e38c66232eab4b3ab14c400a5197dd3730ed4820a8a10394d51e1c04000
		52f63ebd36b0e7ef53aaed31eba4a5080d7d4b5666023a8bbb5ffb7857240f9a
		05884d1b7d2f933708450b7b3288f1fc863ab49fa901227cffc06e27899c7054d56fd74c`)
	wantRekey := unhex(t, "63e81194946ebd05df7df5ebf5d8750056bf1f1d")

	p, _ := NewPRF(PRFHMACSHA1)
	skeyseed := SKEYSEED(p, ni, nr, gir)
	checkBytes(t, "SKEYSEED", skeyseed, wantSKEYSEED)

	// AES-CBC-256 + HMAC-SHA1-96: 3*20 + 2*20 + 2*32 = 164 bytes, of which
	// the vector gives the first 132.
	ike := Transforms{Encr: EncrAESCBC, EncrKeyBits: 256, PRF: PRFHMACSHA1, Integ: IntegHMACSHA196}
	k, err := DeriveIKEKeys(ike, skeyseed, ni, nr, spii, spir)
	if err != nil {
		t.Fatal(err)
	}
	all := bytes.Join([][]byte{k.SKd, k.SKai, k.SKar, k.SKei, k.SKer, k.SKpi, k.SKpr}, nil)
	checkBytes(t, "DKM", all[:len(wantDKM)], wantDKM)

	// 2 * (32 + 32) = 128 bytes of the 132-byte child DKM.
	esp := Transforms{Encr: EncrAESCBC, EncrKeyBits: 256, Integ: IntegHMACSHA2256128}
	for _, tc := range []struct {
		name string
		gir  []byte
		want []byte
	}{{"DKM(Child SA)", nil, wantChild}, {"DKM(Child SA D-H)", girNew, wantChildDH}} {
		c, err := DeriveChildKeys(p, k.SKd, esp, tc.gir, ni, nr)
		if err != nil {
			t.Fatal(err)
		}
		got := bytes.Join([][]byte{c.EncrInitToResp, c.IntegInitToResp, c.EncrRespToInit, c.IntegRespToInit}, nil)
		checkBytes(t, tc.name, got, tc.want[:len(got)])
	}
	checkBytes(t, "SKEYSEED(Rekey)", RekeySKEYSEED(p, k.SKd, girNew, ni, nr), wantRekey)
}

// Key lengths for an AEAD suite: no SK_a, SK_e includes the salt.
func TestDeriveIKEKeysLengths(t *testing.T) {
	for _, tc := range []struct {
		tr         Transforms
		pk, ak, ek int
	}{
		{Transforms{Encr: EncrAESGCM16, EncrKeyBits: 256, PRF: PRFHMACSHA2384}, 48, 0, 36},
		{Transforms{Encr: EncrAESGCM16, EncrKeyBits: 128, PRF: PRFHMACSHA2256}, 32, 0, 20},
		{Transforms{Encr: EncrChaCha20Poly1305, PRF: PRFHMACSHA2512}, 64, 0, 36},
		{Transforms{Encr: EncrAESCBC, EncrKeyBits: 128, PRF: PRFHMACSHA2256, Integ: IntegHMACSHA2512256}, 32, 64, 16},
		{Transforms{Encr: Encr3DES, PRF: PRFHMACSHA1, Integ: IntegHMACSHA196}, 20, 20, 24},
	} {
		k, err := DeriveIKEKeys(tc.tr, []byte("seed"), []byte("ni"), []byte("nr"), 1, 2)
		if err != nil {
			t.Fatalf("%+v: %v", tc.tr, err)
		}
		got := []int{len(k.SKd), len(k.SKai), len(k.SKar), len(k.SKei), len(k.SKer), len(k.SKpi), len(k.SKpr)}
		want := []int{tc.pk, tc.ak, tc.ak, tc.ek, tc.ek, tc.pk, tc.pk}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%+v: lengths %v, want %v", tc.tr, got, want)
				break
			}
		}
	}
	for _, bad := range []Transforms{
		{Encr: EncrAESGCM16, EncrKeyBits: 256, PRF: PRFHMACSHA2256, Integ: IntegHMACSHA2256128},
		{Encr: EncrAESCBC, EncrKeyBits: 100, PRF: PRFHMACSHA2256, Integ: IntegHMACSHA2256128},
		{Encr: EncrAESCBC, EncrKeyBits: 128, PRF: PRFHMACSHA2256},
		{Encr: 99, PRF: PRFHMACSHA2256},
		{Encr: EncrAESGCM16, EncrKeyBits: 256, PRF: 99},
	} {
		if _, err := DeriveIKEKeys(bad, nil, nil, nil, 0, 0); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}
