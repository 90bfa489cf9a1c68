package suite

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"testing"
)

// RFC 2202 (HMAC-SHA-1) and RFC 4231 (HMAC-SHA-2) test cases 1 and 2.
func TestPRFKnownAnswers(t *testing.T) {
	key1 := unhex(t, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b")
	data1 := []byte("Hi There")
	key2, data2 := []byte("Jefe"), []byte("what do ya want for nothing?")
	for _, tc := range []struct {
		name      string
		id        int
		key, data []byte
		want      string
	}{
		{"RFC 2202 case 1", PRFHMACSHA1, key1, data1, "b617318655057264e28bc0b6fb378c8ef146be00"},
		{"RFC 2202 case 2", PRFHMACSHA1, key2, data2, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
		{"RFC 4231 case 1 SHA-256", PRFHMACSHA2256, key1, data1, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
		{"RFC 4231 case 2 SHA-256", PRFHMACSHA2256, key2, data2, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
		{"RFC 4231 case 1 SHA-384", PRFHMACSHA2384, key1, data1, "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6"},
		{"RFC 4231 case 2 SHA-384", PRFHMACSHA2384, key2, data2, "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649"},
		{"RFC 4231 case 1 SHA-512", PRFHMACSHA2512, key1, data1, "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"},
		{"RFC 4231 case 2 SHA-512", PRFHMACSHA2512, key2, data2, "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
	} {
		p, err := NewPRF(tc.id)
		if err != nil {
			t.Fatal(err)
		}
		// Split the data to check that Sum concatenates its arguments.
		got := p.Sum(tc.key, tc.data[:3], tc.data[3:])
		checkBytes(t, tc.name, got, unhex(t, tc.want))
		if p.Size() != len(got) {
			t.Errorf("%s: Size %d, output %d bytes", tc.name, p.Size(), len(got))
		}
	}
	if _, err := NewPRF(99); err == nil {
		t.Error("NewPRF(99) succeeded")
	}
}

// prfPlusReference is RFC 7296 section 2.13 written out the obvious way.
func prfPlusReference(key, seed []byte, n int) []byte {
	var out, t []byte
	for i := byte(1); len(out) < n; i++ {
		m := hmac.New(sha256.New, key)
		m.Write(t)
		m.Write(seed)
		m.Write([]byte{i})
		t = m.Sum(nil)
		out = append(out, t...)
	}
	return out[:n]
}

func TestPRFPlus(t *testing.T) {
	p, _ := NewPRF(PRFHMACSHA2256)
	key, seed := []byte("key"), []byte("seed material")
	for _, n := range []int{0, 1, 31, 32, 33, 100, 255 * 32} {
		got, err := PRFPlus(p, key, seed, n)
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		checkBytes(t, "prf+", got, prfPlusReference(key, seed, n))
	}
	if _, err := PRFPlus(p, key, seed, 255*32+1); !errors.Is(err, ErrPRFPlusTooLong) {
		t.Errorf("256 blocks: err = %v, want ErrPRFPlusTooLong", err)
	}
}
