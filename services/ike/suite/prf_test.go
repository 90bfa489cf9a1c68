package suite

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/gatehouse-vpn/gatehouse/internal/testvec"
)

// All test cases of RFC 2202 section 3 (HMAC-SHA-1) and RFC 4231 section 4
// (HMAC-SHA-256/384/512) through PRF.Sum. RFC 4231 case 5 gives only the
// first 128 bits, so want may be a prefix of the output.
func TestPRFKnownAnswers(t *testing.T) {
	key1 := testvec.Unhex(t, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b")
	data1 := []byte("Hi There")
	key2, data2 := []byte("Jefe"), []byte("what do ya want for nothing?")
	key3, data3 := bytes.Repeat([]byte{0xaa}, 20), bytes.Repeat([]byte{0xdd}, 50)
	key4, data4 := testvec.Unhex(t, "0102030405060708090a0b0c0d0e0f10111213141516171819"), bytes.Repeat([]byte{0xcd}, 50)
	key5, data5 := bytes.Repeat([]byte{0x0c}, 20), []byte("Test With Truncation")
	// RFC 2202 cases 6 and 7 use an 80-byte key, RFC 4231 cases 6 and 7 a
	// 131-byte one: longer than the SHA-1 and the SHA-384/512 block.
	key80, key131 := bytes.Repeat([]byte{0xaa}, 80), bytes.Repeat([]byte{0xaa}, 131)
	data6 := []byte("Test Using Larger Than Block-Size Key - Hash Key First")
	data7sha1 := []byte("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data")
	data7 := []byte("This is a test using a larger than block-size key and a larger than block-size data. " +
		"The key needs to be hashed before being used by the HMAC algorithm.")
	for _, tc := range []struct {
		name      string
		id        int
		key, data []byte
		want      string
	}{
		{"RFC 2202 case 1", PRFHMACSHA1, key1, data1, "b617318655057264e28bc0b6fb378c8ef146be00"},
		{"RFC 2202 case 2", PRFHMACSHA1, key2, data2, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
		{"RFC 2202 case 3", PRFHMACSHA1, key3, data3, "125d7342b9ac11cd91a39af48aa17b4f63f175d3"},
		{"RFC 2202 case 4", PRFHMACSHA1, key4, data4, "4c9007f4026250c6bc8414f9bf50c86c2d7235da"},
		{"RFC 2202 case 5", PRFHMACSHA1, key5, data5, "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04"},
		{"RFC 2202 case 6", PRFHMACSHA1, key80, data6, "aa4ae5e15272d00e95705637ce8a3b55ed402112"},
		{"RFC 2202 case 7", PRFHMACSHA1, key80, data7sha1, "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"},

		{"RFC 4231 case 1 SHA-256", PRFHMACSHA2256, key1, data1, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
		{"RFC 4231 case 2 SHA-256", PRFHMACSHA2256, key2, data2, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
		{"RFC 4231 case 3 SHA-256", PRFHMACSHA2256, key3, data3, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
		{"RFC 4231 case 4 SHA-256", PRFHMACSHA2256, key4, data4, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
		{"RFC 4231 case 5 SHA-256", PRFHMACSHA2256, key5, data5, "a3b6167473100ee06e0c796c2955552b"},
		{"RFC 4231 case 6 SHA-256", PRFHMACSHA2256, key131, data6, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
		{"RFC 4231 case 7 SHA-256", PRFHMACSHA2256, key131, data7, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},

		{"RFC 4231 case 1 SHA-384", PRFHMACSHA2384, key1, data1, "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6"},
		{"RFC 4231 case 2 SHA-384", PRFHMACSHA2384, key2, data2, "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649"},
		{"RFC 4231 case 3 SHA-384", PRFHMACSHA2384, key3, data3, "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27"},
		{"RFC 4231 case 4 SHA-384", PRFHMACSHA2384, key4, data4, "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb"},
		{"RFC 4231 case 5 SHA-384", PRFHMACSHA2384, key5, data5, "3abf34c3503b2a23a46efc619baef897"},
		{"RFC 4231 case 6 SHA-384", PRFHMACSHA2384, key131, data6, "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952"},
		{"RFC 4231 case 7 SHA-384", PRFHMACSHA2384, key131, data7, "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e6110c46523e"},

		{"RFC 4231 case 1 SHA-512", PRFHMACSHA2512, key1, data1, "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"},
		{"RFC 4231 case 2 SHA-512", PRFHMACSHA2512, key2, data2, "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
		{"RFC 4231 case 3 SHA-512", PRFHMACSHA2512, key3, data3, "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb"},
		{"RFC 4231 case 4 SHA-512", PRFHMACSHA2512, key4, data4, "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd"},
		{"RFC 4231 case 5 SHA-512", PRFHMACSHA2512, key5, data5, "415fad6271580a531d4179bc891d87a6"},
		{"RFC 4231 case 6 SHA-512", PRFHMACSHA2512, key131, data6, "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"},
		{"RFC 4231 case 7 SHA-512", PRFHMACSHA2512, key131, data7, "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58"},
	} {
		p, err := NewPRF(tc.id)
		if err != nil {
			t.Fatal(err)
		}
		// Split the data to check that Sum concatenates its arguments.
		got := p.Sum(tc.key, tc.data[:3], tc.data[3:])
		want := testvec.Unhex(t, tc.want)
		testvec.CheckBytes(t, tc.name, got[:min(len(got), len(want))], want)
		if p.Size() != len(got) || p.ID() != tc.id {
			t.Errorf("%s: Size %d, ID %d; output %d bytes", tc.name, p.Size(), p.ID(), len(got))
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
		testvec.CheckBytes(t, "prf+", got, prfPlusReference(key, seed, n))
	}
	if _, err := PRFPlus(p, key, seed, 255*32+1); !errors.Is(err, ErrPRFPlusTooLong) {
		t.Errorf("256 blocks: err = %v, want ErrPRFPlusTooLong", err)
	}
}
