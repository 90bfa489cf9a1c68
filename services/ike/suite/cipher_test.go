package suite

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"testing"
)

var cipherSuites = []struct {
	name string
	tr   Transforms
}{
	{"3des-sha1", Transforms{Encr: Encr3DES, Integ: IntegHMACSHA196}},
	{"aes128cbc-sha256", Transforms{Encr: EncrAESCBC, EncrKeyBits: 128, Integ: IntegHMACSHA2256128}},
	{"aes256cbc-sha384", Transforms{Encr: EncrAESCBC, EncrKeyBits: 256, Integ: IntegHMACSHA2384192}},
	{"aes256cbc-sha512", Transforms{Encr: EncrAESCBC, EncrKeyBits: 256, Integ: IntegHMACSHA2512256}},
	{"aes128gcm16", Transforms{Encr: EncrAESGCM16, EncrKeyBits: 128}},
	{"aes256gcm16", Transforms{Encr: EncrAESGCM16, EncrKeyBits: 256}},
	{"chacha20poly1305", Transforms{Encr: EncrChaCha20Poly1305}},
}

func newTestCipher(t testing.TB, tr Transforms) Cipher {
	ek, _ := tr.EncrKeyLen()
	ak, _ := tr.IntegKeyLen()
	key := make([]byte, ek+ak)
	rand.Read(key)
	c, err := NewCipher(tr, key[:ek], key[ek:])
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// McGrew-Viega GCM test cases 4 and 16 and RFC 8439 section 2.8.2: their
// 12-byte nonces split into a 4-byte salt and an 8-byte IV exactly as RFC
// 5282 and RFC 7634 do, so Open sees them as SK payloads. The plaintexts'
// last bytes then read as pad lengths, which Open strips.
func TestAEADKnownAnswers(t *testing.T) {
	gcmP := unhex(t, `d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72
		1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39`)
	gcmA := unhex(t, "feedfacedeadbeeffeedfacedeadbeefabaddad2")
	chachaP := []byte("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.")
	for _, tc := range []struct {
		name          string
		tr            Transforms
		key, salt, iv string
		aad, pt       []byte
		ct, tag       string
	}{
		{"GCM test case 4", Transforms{Encr: EncrAESGCM16, EncrKeyBits: 128},
			"feffe9928665731c6d6a8f9467308308", "cafebabe", "facedbaddecaf888", gcmA, gcmP,
			`42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e
			 21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091`, "5bc94fbc3221a5db94fae95ae7121a47"},
		{"GCM test case 16", Transforms{Encr: EncrAESGCM16, EncrKeyBits: 256},
			"feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", "cafebabe", "facedbaddecaf888", gcmA, gcmP,
			`522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa
			 8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662`, "76fc6ece0f4e1768cddf8853bb2d551b"},
		{"RFC 8439 2.8.2", Transforms{Encr: EncrChaCha20Poly1305},
			"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f", "07000000", "4041424344454647",
			unhex(t, "50515253c0c1c2c3c4c5c6c7"), chachaP,
			`d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6
			 3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36
			 92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc
			 3ff4def08e4b7a9de576d26586cec64b6116`, "1ae10b594f09e26a7e902ecbd0600691"},
	} {
		c, err := NewCipher(tc.tr, append(unhex(t, tc.key), unhex(t, tc.salt)...), nil)
		if err != nil {
			t.Fatal(err)
		}
		body := bytes.Join([][]byte{unhex(t, tc.iv), unhex(t, tc.ct), unhex(t, tc.tag)}, nil)
		got, err := c.Open(nil, tc.aad, body)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		pad := int(tc.pt[len(tc.pt)-1])
		checkBytes(t, tc.name, got, tc.pt[:len(tc.pt)-pad-1])
		body[len(body)-1] ^= 1
		if _, err := c.Open(nil, tc.aad, body); !errors.Is(err, ErrAuth) {
			t.Errorf("%s: tampered tag: err = %v", tc.name, err)
		}
	}
}

// RFC 3602 section 4 cases 1 and 2 (AES-128-CBC) and the SP 800-67 TDEA
// example, run on the block cipher NewCipher chose and keyed.
func TestBlockCipherKnownAnswers(t *testing.T) {
	for _, tc := range []struct {
		name            string
		tr              Transforms
		key, iv, pt, ct string
	}{
		{"RFC 3602 case 1", Transforms{Encr: EncrAESCBC, EncrKeyBits: 128, Integ: IntegHMACSHA196},
			"06a9214036b8a15b512e03d534120006", "3dafba429d9eb430b422da802c9fac41",
			"53696e676c6520626c6f636b206d7367", "e353779c1079aeb82708942dbe77181a"},
		{"RFC 3602 case 2", Transforms{Encr: EncrAESCBC, EncrKeyBits: 128, Integ: IntegHMACSHA196},
			"c286696d887c9aa0611bbb3e2025a45a", "562e17996d093d28ddb3ba695a2e6f58",
			"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
			"d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1"},
		{"SP 800-67 TDEA (ECB)", Transforms{Encr: Encr3DES, Integ: IntegHMACSHA196},
			"0123456789ABCDEF23456789ABCDEF01456789ABCDEF0123", "",
			"5468652071756663 6b2062726f776e20 666f78206a756d70",
			"A826FD8CE53B855F CCE21C8112256FE6 68D5C05DD9B6B900"},
	} {
		c, err := NewCipher(tc.tr, unhex(t, tc.key), make([]byte, 20))
		if err != nil {
			t.Fatal(err)
		}
		b := c.(*cbcCipher).block
		pt, got := unhex(t, tc.pt), make([]byte, len(unhex(t, tc.pt)))
		if tc.iv == "" {
			for i := 0; i < len(pt); i += b.BlockSize() {
				b.Encrypt(got[i:], pt[i:])
			}
		} else {
			cipher.NewCBCEncrypter(b, unhex(t, tc.iv)).CryptBlocks(got, pt)
		}
		checkBytes(t, tc.name, got, unhex(t, tc.ct))
	}
}

// The CBC framing of RFC 7296 section 3.14, computed independently: IV,
// CBC(payloads | zero padding | pad length), HMAC over header..ciphertext.
func TestCBCFraming(t *testing.T) {
	tr := Transforms{Encr: EncrAESCBC, EncrKeyBits: 128, Integ: IntegHMACSHA2256128}
	ek, ak := bytes.Repeat([]byte{1}, 16), bytes.Repeat([]byte{2}, 32)
	c, _ := NewCipher(tr, ek, ak)
	iv := bytes.Repeat([]byte{3}, 16)
	aad, pt := []byte("ike header + sk header"), []byte("twenty payload bytes")
	got, err := c.Seal(nil, aad, pt, &fixedReader{bytes.Clone(iv)})
	if err != nil {
		t.Fatal(err)
	}
	padded := append(append(bytes.Clone(pt), make([]byte, 11)...), 11)
	blk, _ := aes.NewCipher(ek)
	ct := make([]byte, 32)
	cipher.NewCBCEncrypter(blk, iv).CryptBlocks(ct, padded)
	m := hmac.New(sha256.New, ak)
	m.Write(aad)
	m.Write(iv)
	m.Write(ct)
	want := bytes.Join([][]byte{iv, ct, m.Sum(nil)[:16]}, nil)
	checkBytes(t, "sealed", got, want)
	if c.SealedLen(len(pt)) != len(got) {
		t.Errorf("SealedLen %d, Seal wrote %d", c.SealedLen(len(pt)), len(got))
	}
}

func TestSealOpenRoundTrip(t *testing.T) {
	for _, s := range cipherSuites {
		c := newTestCipher(t, s.tr)
		aad := []byte("0123456789abcdef0123456789abcdef")
		for _, n := range []int{0, 1, 7, 8, 15, 16, 17, 100, 1024} {
			pt := make([]byte, n)
			rand.Read(pt)
			prefix := []byte("prefix")
			body, err := c.Seal(bytes.Clone(prefix), aad, pt, rand.Reader)
			if err != nil {
				t.Fatalf("%s n=%d: %v", s.name, n, err)
			}
			if !bytes.HasPrefix(body, prefix) || len(body)-len(prefix) != c.SealedLen(n) {
				t.Fatalf("%s n=%d: body %d bytes, SealedLen %d", s.name, n, len(body)-len(prefix), c.SealedLen(n))
			}
			body = body[len(prefix):]
			got, err := c.Open(nil, aad, body)
			if err != nil || !bytes.Equal(got, pt) {
				t.Fatalf("%s n=%d: open: %v", s.name, n, err)
			}
			// Flipping any bit of the aad or the body must fail the check.
			for _, flip := range []func(){func() { aad[3] ^= 4 }, func() { body[len(body)/2] ^= 4 }} {
				flip()
				if _, err := c.Open(nil, aad, body); !errors.Is(err, ErrAuth) {
					t.Errorf("%s n=%d: tampered: err = %v", s.name, n, err)
				}
				flip()
			}
		}
		for _, n := range []int{0, 1, 8, 16, 20, 35} {
			if _, err := c.Open(nil, aad, make([]byte, n)); err == nil {
				t.Errorf("%s: %d zero bytes opened", s.name, n)
			}
		}
	}
}

// An authentic CBC message whose pad length exceeds the plaintext.
func TestCBCBadPadding(t *testing.T) {
	tr := Transforms{Encr: EncrAESCBC, EncrKeyBits: 128, Integ: IntegHMACSHA2256128}
	ek, ak := make([]byte, 16), make([]byte, 32)
	c, _ := NewCipher(tr, ek, ak)
	iv, pt := make([]byte, 16), bytes.Repeat([]byte{0xff}, 16)
	blk, _ := aes.NewCipher(ek)
	ct := make([]byte, 16)
	cipher.NewCBCEncrypter(blk, iv).CryptBlocks(ct, pt)
	m := hmac.New(sha256.New, ak)
	m.Write(iv)
	m.Write(ct)
	body := bytes.Join([][]byte{iv, ct, m.Sum(nil)[:16]}, nil)
	if _, err := c.Open(nil, nil, body); !errors.Is(err, ErrMalformed) {
		t.Errorf("err = %v, want ErrMalformed", err)
	}
}

func TestNewCipherKeyLengths(t *testing.T) {
	tr := Transforms{Encr: EncrAESGCM16, EncrKeyBits: 256}
	if _, err := NewCipher(tr, make([]byte, 32), nil); err == nil {
		t.Error("AES-256-GCM without salt accepted")
	}
	tr = Transforms{Encr: EncrAESCBC, EncrKeyBits: 128, Integ: IntegHMACSHA196}
	if _, err := NewCipher(tr, make([]byte, 16), make([]byte, 12)); err == nil {
		t.Error("HMAC-SHA1-96 with a 12-byte key accepted")
	}
}

func FuzzOpen(f *testing.F) {
	ciphers := make([]Cipher, len(cipherSuites))
	for i, s := range cipherSuites {
		ciphers[i] = newTestCipher(f, s.tr)
		body, _ := ciphers[i].Seal(nil, []byte("aad"), []byte("payload"), rand.Reader)
		f.Add(uint8(i), []byte("aad"), body)
	}
	f.Add(uint8(0), []byte{}, []byte{})
	f.Fuzz(func(t *testing.T, which uint8, aad, body []byte) {
		c := ciphers[int(which)%len(ciphers)]
		// Only the seeds authenticate; the point is never panicking.
		got, err := c.Open(nil, aad, body)
		if err == nil && len(got) >= len(body) {
			t.Fatalf("%d-byte body opened to %d bytes", len(body), len(got))
		}
	})
}

func FuzzSharedSecret(f *testing.F) {
	groups := []int{DHModp1024, DHModp2048, DHECP256, DHECP384, DHECP521, DHCurve25519}
	dhs := make([]DH, len(groups))
	for i, g := range groups {
		d, err := NewDH(g, rand.Reader)
		if err != nil {
			f.Fatal(err)
		}
		dhs[i] = d
		f.Add(uint8(i), d.PublicKey())
	}
	f.Add(uint8(0), []byte{})
	f.Fuzz(func(t *testing.T, which uint8, peer []byte) {
		d := dhs[int(which)%len(dhs)]
		s, err := d.SharedSecret(peer)
		if err == nil && len(s) == 0 {
			t.Fatal("empty shared secret without error")
		}
	})
}
