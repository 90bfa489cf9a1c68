package suite

import (
	"bytes"
	"crypto/ecdh"
	"errors"
	"fmt"
	"io"
	"math/big"
)

// DH is one side of a Diffie-Hellman exchange with a fresh private key.
type DH interface {
	// Group is the transform type 4 ID.
	Group() int
	// PublicKey is the Key Exchange payload's data: for MODP groups g^x
	// big-endian, left-padded to the length of the prime (RFC 7296
	// section 3.4); for ECP groups x | y, each padded to the field size
	// (RFC 5903 section 7); for Curve25519 the 32-byte u-coordinate (RFC
	// 8031 section 2).
	PublicKey() []byte
	// SharedSecret validates the peer's public value and returns g^ir in
	// the same fixed-length encoding (for ECP groups only x, RFC 5903
	// section 7).
	SharedSecret(peer []byte) ([]byte, error)
}

// ErrBadPublicKey reports a peer public value that fails validation.
var ErrBadPublicKey = errors.New("suite: invalid DH public value")

// NewDH generates a key pair in the group, reading randomness from rand.
func NewDH(group int, rand io.Reader) (DH, error) {
	if g, ok := modpGroups[group]; ok {
		x, err := g.randomExponent(rand, g.expBits)
		if err != nil {
			return nil, err
		}
		return newMODP(group, g, x), nil
	}
	curve, err := ecdhCurve(group)
	if err != nil {
		return nil, err
	}
	k, err := curve.GenerateKey(rand)
	if err != nil {
		return nil, fmt.Errorf("suite: DH group %d: %w", group, err)
	}
	return &ecDH{group: group, priv: k}, nil
}

// newDHFromPrivate builds a key pair from a known private value; the
// known-answer tests need it, the protocol never does.
func newDHFromPrivate(group int, priv []byte) (DH, error) {
	if g, ok := modpGroups[group]; ok {
		return newMODP(group, g, new(big.Int).SetBytes(priv)), nil
	}
	curve, err := ecdhCurve(group)
	if err != nil {
		return nil, err
	}
	k, err := curve.NewPrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("suite: DH group %d: %w", group, err)
	}
	return &ecDH{group: group, priv: k}, nil
}

func ecdhCurve(group int) (ecdh.Curve, error) {
	switch group {
	case DHECP256:
		return ecdh.P256(), nil
	case DHECP384:
		return ecdh.P384(), nil
	case DHECP521:
		return ecdh.P521(), nil
	case DHCurve25519:
		return ecdh.X25519(), nil
	}
	return nil, fmt.Errorf("suite: unsupported DH group %d", group)
}

// ecDH covers the ECP groups and Curve25519. crypto/ecdh checks that NIST
// points are on the curve and rejects an all-zero X25519 result (RFC 7748
// section 6.1, RFC 8031 section 2.3).
type ecDH struct {
	group int
	priv  *ecdh.PrivateKey
}

func (d *ecDH) Group() int { return d.group }

func (d *ecDH) PublicKey() []byte {
	b := d.priv.PublicKey().Bytes()
	if d.group == DHCurve25519 {
		return b
	}
	return b[1:] // drop SEC1's 0x04 uncompressed-point tag
}

func (d *ecDH) SharedSecret(peer []byte) ([]byte, error) {
	want := len(d.priv.PublicKey().Bytes())
	enc := peer
	if d.group != DHCurve25519 {
		want--
		enc = append([]byte{4}, peer...)
	}
	if len(peer) != want {
		return nil, fmt.Errorf("%w: group %d: %d bytes, want %d", ErrBadPublicKey, d.group, len(peer), want)
	}
	pub, err := d.priv.Curve().NewPublicKey(enc)
	if err != nil {
		return nil, fmt.Errorf("%w: group %d: %v", ErrBadPublicKey, d.group, err)
	}
	s, err := d.priv.ECDH(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: group %d: %v", ErrBadPublicKey, d.group, err)
	}
	return s, nil
}

// modpGroup is a MODP group with generator 2.
//
// expBits is the private exponent size: the upper end of RFC 3526 section
// 8's "exponent size" column (twice the group's estimated strength), and
// 160 bits for the 1024-bit group, which RFC 3526 does not list (80-bit
// strength). A 320-bit exponent for group 14 makes an exchange about seven
// times cheaper than a full 2048-bit one without lowering the group's
// strength; BenchmarkDH measures both.
type modpGroup struct {
	p       *big.Int
	expBits int
	size    int
}

var modpGroups = map[int]*modpGroup{
	DHModp1024: newModpGroup(modp1024, 160),
	DHModp1536: newModpGroup(modp1536, 240),
	DHModp2048: newModpGroup(modp2048, 320),
	DHModp3072: newModpGroup(modp3072, 420),
	DHModp4096: newModpGroup(modp4096, 480),
}

func newModpGroup(hex string, expBits int) *modpGroup {
	p, ok := new(big.Int).SetString(hex, 16)
	if !ok {
		panic("suite: bad MODP prime constant")
	}
	return &modpGroup{p: p, expBits: expBits, size: (p.BitLen() + 7) / 8}
}

// randomExponent returns x uniform in [2, 2^bits).
func (g *modpGroup) randomExponent(rand io.Reader, bits int) (*big.Int, error) {
	buf := make([]byte, (bits+7)/8)
	for {
		if _, err := io.ReadFull(rand, buf); err != nil {
			return nil, fmt.Errorf("suite: MODP exponent: %w", err)
		}
		if extra := len(buf)*8 - bits; extra > 0 {
			buf[0] &= 0xff >> extra
		}
		x := new(big.Int).SetBytes(buf)
		if x.Cmp(big.NewInt(1)) > 0 {
			return x, nil
		}
	}
}

type modpDH struct {
	group int
	g     *modpGroup
	x     *big.Int
	pub   []byte
}

func newMODP(group int, g *modpGroup, x *big.Int) *modpDH {
	y := new(big.Int).Exp(big.NewInt(2), x, g.p)
	return &modpDH{group: group, g: g, x: x, pub: y.FillBytes(make([]byte, g.size))}
}

func (d *modpDH) Group() int { return d.group }

func (d *modpDH) PublicKey() []byte { return bytes.Clone(d.pub) }

// SharedSecret requires 1 < y < p-1 (RFC 2631 section 2.1.5's range check
// minus the subgroup test, which a safe prime makes unnecessary: the only
// small subgroups are {1} and {1, p-1}).
func (d *modpDH) SharedSecret(peer []byte) ([]byte, error) {
	if len(peer) != d.g.size {
		return nil, fmt.Errorf("%w: group %d: %d bytes, want %d", ErrBadPublicKey, d.group, len(peer), d.g.size)
	}
	y := new(big.Int).SetBytes(peer)
	pm1 := new(big.Int).Sub(d.g.p, big.NewInt(1))
	if y.Cmp(big.NewInt(1)) <= 0 || y.Cmp(pm1) >= 0 {
		return nil, fmt.Errorf("%w: group %d: value out of range (1, p-1)", ErrBadPublicKey, d.group)
	}
	return new(big.Int).Exp(y, d.x, d.g.p).FillBytes(make([]byte, d.g.size)), nil
}
