package suite

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
)

// PRF is a negotiated pseudorandom function. All supported PRFs are HMACs,
// which take keys of any length, so RFC 7296 section 2.14's nonce
// truncation for fixed-key PRFs (AES-XCBC, AES-CMAC) never applies here.
type PRF struct {
	id   int
	hash func() hash.Hash
	size int
}

// NewPRF returns the PRF for a transform type 2 ID.
func NewPRF(id int) (*PRF, error) {
	switch id {
	case PRFHMACSHA1:
		return &PRF{id, sha1.New, sha1.Size}, nil
	case PRFHMACSHA2256:
		return &PRF{id, sha256.New, sha256.Size}, nil
	case PRFHMACSHA2384:
		return &PRF{id, sha512.New384, sha512.Size384}, nil
	case PRFHMACSHA2512:
		return &PRF{id, sha512.New, sha512.Size}, nil
	}
	return nil, fmt.Errorf("suite: unsupported PRF transform %d", id)
}

// ID is the transform ID the PRF was created from.
func (p *PRF) ID() int { return p.id }

// Size is the output length in bytes, which is also the preferred key
// length (the length of SK_d, SK_pi and SK_pr).
func (p *PRF) Size() int { return p.size }

// Sum computes prf(key, data[0] | data[1] | ...).
func (p *PRF) Sum(key []byte, data ...[]byte) []byte {
	m := hmac.New(p.hash, key)
	for _, d := range data {
		m.Write(d)
	}
	return m.Sum(make([]byte, 0, p.size))
}

// ErrPRFPlusTooLong reports a prf+ request needing more than 255 blocks;
// RFC 7296 section 2.13 bounds the counter to one octet.
var ErrPRFPlusTooLong = errors.New("suite: prf+ output longer than 255 blocks")

// PRFPlus computes the first n bytes of prf+(key, seed) (RFC 7296 section
// 2.13): T1 = prf(K, S | 0x01), Tk = prf(K, Tk-1 | S | k).
func PRFPlus(p *PRF, key, seed []byte, n int) ([]byte, error) {
	if n < 0 || n > 255*p.size {
		return nil, fmt.Errorf("%w: %d bytes from a %d-byte PRF", ErrPRFPlusTooLong, n, p.size)
	}
	out := make([]byte, 0, n+p.size)
	m := hmac.New(p.hash, key)
	var t []byte
	for i := 1; len(out) < n; i++ {
		m.Reset()
		m.Write(t)
		m.Write(seed)
		m.Write([]byte{byte(i)})
		t = m.Sum(out)[len(out):]
		out = out[:len(out)+len(t)]
	}
	return out[:n:n], nil
}
