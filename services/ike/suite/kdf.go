package suite

import (
	"encoding/binary"
	"fmt"
)

// Transforms is the negotiated set for one SA: an IKE SA uses all four
// fields, a Child SA (ESP) uses Encr, EncrKeyBits and Integ. EncrKeyBits is
// the Key Length attribute (0 when the transform has none).
type Transforms struct {
	Encr        int
	EncrKeyBits int
	PRF         int
	Integ       int
}

// IsAEAD reports whether the encryption transform is a combined mode.
func (t Transforms) IsAEAD() bool {
	return t.Encr == EncrAESGCM16 || t.Encr == EncrChaCha20Poly1305
}

// EncrKeyLen is the length in bytes of SK_e / the ESP encryption key,
// including the 4-byte salt for AEAD ciphers (RFC 5282 section 7.1, RFC
// 7634 section 2).
func (t Transforms) EncrKeyLen() (int, error) {
	switch t.Encr {
	case Encr3DES:
		if t.EncrKeyBits != 0 && t.EncrKeyBits != 192 {
			break
		}
		return 24, nil
	case EncrAESCBC, EncrAESGCM16:
		if t.EncrKeyBits != 128 && t.EncrKeyBits != 192 && t.EncrKeyBits != 256 {
			break
		}
		n := t.EncrKeyBits / 8
		if t.Encr == EncrAESGCM16 {
			n += saltLen
		}
		return n, nil
	case EncrChaCha20Poly1305:
		if t.EncrKeyBits != 0 && t.EncrKeyBits != 256 {
			break
		}
		return 32 + saltLen, nil
	default:
		return 0, fmt.Errorf("suite: unsupported encryption transform %d", t.Encr)
	}
	return 0, fmt.Errorf("suite: encryption transform %d: invalid key length %d", t.Encr, t.EncrKeyBits)
}

// IntegKeyLen is the length in bytes of SK_a / the ESP integrity key: zero
// for AEAD ciphers, which must be paired with IntegNone.
func (t Transforms) IntegKeyLen() (int, error) {
	if t.IsAEAD() {
		if t.Integ != IntegNone {
			return 0, fmt.Errorf("suite: AEAD transform %d with integrity transform %d", t.Encr, t.Integ)
		}
		return 0, nil
	}
	in, err := integFor(t.Integ)
	if err != nil {
		return 0, err
	}
	return in.keyLen, nil
}

// SKEYSEED computes prf(Ni | Nr, g^ir) for a new IKE SA (RFC 7296 section
// 2.14).
func SKEYSEED(p *PRF, ni, nr, gir []byte) []byte {
	key := make([]byte, 0, len(ni)+len(nr))
	key = append(append(key, ni...), nr...)
	return p.Sum(key, gir)
}

// RekeySKEYSEED computes prf(SK_d (old), g^ir (new) | Ni | Nr) for an IKE
// SA created by rekeying (RFC 7296 section 2.18), with the old SA's PRF.
func RekeySKEYSEED(p *PRF, oldSKd, gir, ni, nr []byte) []byte {
	return p.Sum(oldSKd, gir, ni, nr)
}

// Keys are an IKE SA's keys. SKai and SKar are empty for AEAD suites.
type Keys struct {
	SKd, SKai, SKar, SKei, SKer, SKpi, SKpr []byte
}

// DeriveIKEKeys expands SKEYSEED into the seven SK_* keys with
// prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) (RFC 7296 section 2.14). t.PRF must
// be the PRF that produced skeyseed.
func DeriveIKEKeys(t Transforms, skeyseed, ni, nr []byte, spii, spir uint64) (Keys, error) {
	p, err := NewPRF(t.PRF)
	if err != nil {
		return Keys{}, err
	}
	ek, err := t.EncrKeyLen()
	if err != nil {
		return Keys{}, err
	}
	ak, err := t.IntegKeyLen()
	if err != nil {
		return Keys{}, err
	}
	seed := make([]byte, 0, len(ni)+len(nr)+16)
	seed = append(append(seed, ni...), nr...)
	seed = binary.BigEndian.AppendUint64(seed, spii)
	seed = binary.BigEndian.AppendUint64(seed, spir)
	pk := p.Size()
	km, err := PRFPlus(p, skeyseed, seed, 3*pk+2*ak+2*ek)
	if err != nil {
		return Keys{}, err
	}
	var k Keys
	for _, f := range []struct {
		dst *[]byte
		n   int
	}{{&k.SKd, pk}, {&k.SKai, ak}, {&k.SKar, ak}, {&k.SKei, ek}, {&k.SKer, ek}, {&k.SKpi, pk}, {&k.SKpr, pk}} {
		*f.dst, km = km[:f.n:f.n], km[f.n:]
	}
	return k, nil
}

// ChildKeys are the ESP keys of a Child SA, named by the direction of the
// traffic they protect.
type ChildKeys struct {
	EncrInitToResp, IntegInitToResp []byte
	EncrRespToInit, IntegRespToInit []byte
}

// DeriveChildKeys computes KEYMAT = prf+(SK_d, [g^ir (new)] | Ni | Nr)
// (RFC 7296 sections 2.17 and 1.3.1; gir is nil without PFS) and splits it
// in RFC 7296's order: initiator-to-responder first, encryption before
// integrity. p is the IKE SA's PRF; esp holds the Child SA's transforms.
func DeriveChildKeys(p *PRF, skd []byte, esp Transforms, gir, ni, nr []byte) (ChildKeys, error) {
	ek, err := esp.EncrKeyLen()
	if err != nil {
		return ChildKeys{}, err
	}
	ak, err := esp.IntegKeyLen()
	if err != nil {
		return ChildKeys{}, err
	}
	seed := make([]byte, 0, len(gir)+len(ni)+len(nr))
	seed = append(append(append(seed, gir...), ni...), nr...)
	km, err := PRFPlus(p, skd, seed, 2*(ek+ak))
	if err != nil {
		return ChildKeys{}, err
	}
	var k ChildKeys
	for _, f := range []struct {
		dst *[]byte
		n   int
	}{{&k.EncrInitToResp, ek}, {&k.IntegInitToResp, ak}, {&k.EncrRespToInit, ek}, {&k.IntegRespToInit, ak}} {
		*f.dst, km = km[:f.n:f.n], km[f.n:]
	}
	return k, nil
}
