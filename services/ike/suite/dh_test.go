package suite

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"testing"

	"github.com/gatehouse-vpn/gatehouse/internal/testvec"
)

// RFC 5903 section 8 (ECP) and RFC 7748 section 6.1 (X25519): given both
// private keys, check both public values and the shared secret both ways.
func TestDHKnownAnswers(t *testing.T) {
	for _, tc := range []struct {
		name         string
		group        int
		i, r, gi, gr string
		gir          string
	}{
		{"RFC 5903 8.1", DHECP256,
			"C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433",
			"C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53",
			"DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180 5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3",
			"D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63 56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB",
			"D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE"},
		{"RFC 5903 8.2", DHECP384,
			"099F3C7034D4A2C699884D73A375A67F7624EF7C6B3C0F160647B67414DCE655E35B538041E649EE3FAEF896783AB194",
			"41CB0779B4BDB85D47846725FBEC3C9430FAB46CC8DC5060855CC9BDA0AA2942E0308312916B8ED2960E4BD55A7448FC",
			`667842d7d180ac2cde6f74f37551f55755c7645c20ef73e31634fe72b4c55ee6de3ac808acb4bdb4c88732aee95f41aa
			 9482ed1fc0eeb9cafc4984625ccfc23f65032149e0e144ada024181535a0f38eeb9fcff3c2c947dae69b4c634573a81c`,
			`e558dbef53eecde3d3fccfc1aea08a89a987475d12fd950d83cfa41732bc509d0d1ac43a0336def96fda41d0774a3571
			 dcfbec7aacf3196472169e838430367f66eebe3c6e70c416dd5f0c68759dd1fff83fa40142209dff5eaad96db9e6386c`,
			"11187331C279962D93D604243FD592CB9D0A926F422E47187521287E7156C5C4D603135569B9E9D09CF5D4A270F59746"},
		{"RFC 5903 8.3", DHECP521,
			"0037ADE9319A89F4DABDB3EF411AACCCA5123C61ACAB57B5393DCE47608172A095AA85A30FE1C2952C6771D937BA9777F5957B2639BAB072462F68C27A57382D4A52",
			"0145BA99A847AF43793FDD0E872E7CDFA16BE30FDC780F97BCCC3F078380201E9C677D600B343757A3BDBF2A3163E4C2F869CCA7458AA4A4EFFC311F5CB151685EB9",
			`0015417E84DBF28C0AD3C278713349DC7DF153C897A1891BD98BAB4357C9ECBEE1E3BF42E00B8E380AEAE57C2D107564941885942AF5A7F4601723C4195D176CED3E
			 017CAE20B6641D2EEB695786D8C946146239D099E18E1D5A514C739D7CB4A10AD8A788015AC405D7799DC75E7B7D5B6CF2261A6A7F1507438BF01BEB6CA3926F9582`,
			`00D0B3975AC4B799F5BEA16D5E13E9AF971D5E9B984C9F39728B5E5739735A219B97C356436ADC6E95BB0352F6BE64A6C2912D4EF2D0433CED2B6171640012D9460F
			 015C68226383956E3BD066E797B623C27CE0EAC2F551A10C2C724D9852077B87220B6536C5C408A1D2AEBB8E86D678AE49CB57091F4732296579AB44FCD17F0FC56A`,
			"01144C7D79AE6956BC8EDB8E7C787C4521CB086FA64407F97894E5E6B2D79B04D1427E73CA4BAA240A34786859810C06B3C715A3A8CC3151F2BEE417996D19F3DDEA"},
		{"RFC 7748 6.1", DHCurve25519,
			"77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
			"5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
			"8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
			"de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
			"4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"},
	} {
		i, err := newDHFromPrivate(tc.group, testvec.Unhex(t, tc.i))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		r, err := newDHFromPrivate(tc.group, testvec.Unhex(t, tc.r))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		testvec.CheckBytes(t, tc.name+" g^i", i.PublicKey(), testvec.Unhex(t, tc.gi))
		testvec.CheckBytes(t, tc.name+" g^r", r.PublicKey(), testvec.Unhex(t, tc.gr))
		s1, err := i.SharedSecret(r.PublicKey())
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		s2, err := r.SharedSecret(i.PublicKey())
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		testvec.CheckBytes(t, tc.name+" g^ir (initiator)", s1, testvec.Unhex(t, tc.gir))
		testvec.CheckBytes(t, tc.name+" g^ir (responder)", s2, testvec.Unhex(t, tc.gir))
		if i.Group() != tc.group {
			t.Errorf("%s: Group() = %d", tc.name, i.Group())
		}
	}
}

// The MODP constants are long hex transcriptions of the RFCs; a typo would
// almost surely break primality, so check each is a safe prime of its size
// with the RFCs' 64 leading and trailing one bits.
func TestMODPPrimes(t *testing.T) {
	bits := map[int]int{DHModp1024: 1024, DHModp1536: 1536, DHModp2048: 2048, DHModp3072: 3072, DHModp4096: 4096}
	ones := new(big.Int).SetUint64(^uint64(0))
	for group, n := range bits {
		p := modpGroups[group].p
		if p.BitLen() != n || !p.ProbablyPrime(10) || !new(big.Int).Rsh(p, 1).ProbablyPrime(10) {
			t.Errorf("group %d: not a %d-bit safe prime", group, n)
		}
		if new(big.Int).And(p, ones).Cmp(ones) != 0 || new(big.Int).Rsh(p, uint(n-64)).Cmp(ones) != 0 {
			t.Errorf("group %d: missing the 64 one bits at either end", group)
		}
	}
}

func TestMODPExchange(t *testing.T) {
	for _, tc := range []struct{ group, size int }{
		{DHModp1024, 128}, {DHModp1536, 192}, {DHModp2048, 256}, {DHModp3072, 384}, {DHModp4096, 512},
	} {
		a, err := NewDH(tc.group, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := NewDH(tc.group, rand.Reader)
		if len(a.PublicKey()) != tc.size || len(b.PublicKey()) != tc.size {
			t.Errorf("group %d: public key %d bytes, want %d", tc.group, len(a.PublicKey()), tc.size)
		}
		s1, err1 := a.SharedSecret(b.PublicKey())
		s2, err2 := b.SharedSecret(a.PublicKey())
		if err1 != nil || err2 != nil || !bytes.Equal(s1, s2) || len(s1) != tc.size {
			t.Errorf("group %d: shared secrets disagree (%v, %v)", tc.group, err1, err2)
		}
		if x := a.(*modpDH).x; x.BitLen() > modpGroups[tc.group].expBits {
			t.Errorf("group %d: exponent of %d bits", tc.group, x.BitLen())
		}
	}
}

func TestDHRejectsBadPeers(t *testing.T) {
	size := func(g int) int { d, _ := NewDH(g, rand.Reader); return len(d.PublicKey()) }
	p := modpGroups[DHModp2048].p
	pm1 := new(big.Int).Sub(p, big.NewInt(1)).FillBytes(make([]byte, 256))
	one := big.NewInt(1).FillBytes(make([]byte, 256))
	offCurve := testvec.Unhex(t, "DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180 5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB4")
	for _, tc := range []struct {
		name  string
		group int
		peer  []byte
	}{
		{"MODP short", DHModp2048, make([]byte, 255)},
		{"MODP zero", DHModp2048, make([]byte, 256)},
		{"MODP one", DHModp2048, one},
		{"MODP p-1", DHModp2048, pm1},
		{"MODP p", DHModp2048, p.FillBytes(make([]byte, 256))},
		{"ECP off curve", DHECP256, offCurve},
		{"ECP short", DHECP256, offCurve[:63]},
		{"ECP SEC1 encoding", DHECP256, append([]byte{4}, offCurve...)},
		{"ECP zero", DHECP384, make([]byte, size(DHECP384))},
		{"X25519 low order (zero result)", DHCurve25519, make([]byte, 32)},
		{"X25519 long", DHCurve25519, make([]byte, 33)},
	} {
		d, err := NewDH(tc.group, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.SharedSecret(tc.peer); !errors.Is(err, ErrBadPublicKey) {
			t.Errorf("%s: err = %v, want ErrBadPublicKey", tc.name, err)
		}
	}
	if _, err := NewDH(1, rand.Reader); err == nil {
		t.Error("NewDH(1) succeeded")
	}
}

// No RFC gives MODP exchange vectors for these groups, so two checks stand
// in for them. First a known answer that needs no arithmetic: for x below
// the prime's bit length, 2^x mod p is 2^x itself, a single one bit, which
// must come out left-padded to the prime's length (RFC 7296 section 3.4).
// Second, a cross-check with math/big computed here independently of
// modpDH: g^x for a full-size fixed exponent, and the shared secret as
// 2^(a*b) mod p, padded the same way.
func TestMODPKnownExponent(t *testing.T) {
	a := testvec.Unhex(t, "9f1e4c3b2a5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7")
	b := testvec.Unhex(t, "0123456789abcdeffedcba98765432100123456789abcdeffedcba9876543210")
	for _, tc := range []struct{ group, size int }{
		{DHModp1024, 128}, {DHModp1536, 192}, {DHModp2048, 256}, {DHModp3072, 384}, {DHModp4096, 512},
	} {
		for _, x := range []int{2, 9, 1000} {
			want := make([]byte, tc.size)
			want[tc.size-1-x/8] = 1 << (x % 8)
			d, err := newDHFromPrivate(tc.group, big.NewInt(int64(x)).Bytes())
			if err != nil {
				t.Fatal(err)
			}
			testvec.CheckBytes(t, fmt.Sprintf("group %d: 2^%d", tc.group, x), d.PublicKey(), want)
		}

		p := modpGroups[tc.group].p
		pad := func(v *big.Int) []byte { return v.FillBytes(make([]byte, tc.size)) }
		ai, bi := new(big.Int).SetBytes(a), new(big.Int).SetBytes(b)
		da, err := newDHFromPrivate(tc.group, a)
		if err != nil {
			t.Fatal(err)
		}
		db, _ := newDHFromPrivate(tc.group, b)
		testvec.CheckBytes(t, fmt.Sprintf("group %d: g^a", tc.group), da.PublicKey(), pad(new(big.Int).Exp(big.NewInt(2), ai, p)))
		s, err := da.SharedSecret(db.PublicKey())
		if err != nil {
			t.Fatalf("group %d: %v", tc.group, err)
		}
		testvec.CheckBytes(t, fmt.Sprintf("group %d: g^ab", tc.group), s, pad(new(big.Int).Exp(big.NewInt(2), new(big.Int).Mul(ai, bi), p)))
		if da.Group() != tc.group {
			t.Errorf("group %d: Group() = %d", tc.group, da.Group())
		}
	}
}
