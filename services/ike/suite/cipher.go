package suite

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
	"io"

	"golang.org/x/crypto/chacha20poly1305"
)

// saltLen is the implicit nonce prefix taken from the end of an AEAD key
// (RFC 5282 section 7.1, RFC 7634 section 2).
const saltLen = 4

// aeadIVLen is the explicit IV carried in the SK payload for AEAD ciphers.
const aeadIVLen = 8

// ErrAuth reports an SK payload whose ICV or AEAD tag does not verify.
var ErrAuth = errors.New("suite: SK payload integrity check failed")

// ErrMalformed reports an SK payload body that cannot be a valid
// encryption of anything (wrong length, bad padding).
var ErrMalformed = errors.New("suite: malformed SK payload")

// Cipher protects SK payload bodies for one direction of an IKE SA.
//
// aad is the message from the first byte of the IKE header through the
// last byte of the SK payload's generic header, with the final lengths
// already filled in (use SealedLen). The body is IV | ciphertext | ICV.
type Cipher interface {
	// SealedLen is the body length Seal produces for a plaintext of n
	// bytes, so the caller can write the length fields into aad first.
	SealedLen(n int) int
	// Seal pads and encrypts the payload chain and appends the body to
	// dst. rand supplies the IV.
	Seal(dst, aad, plaintext []byte, rand io.Reader) ([]byte, error)
	// Open checks and decrypts a body and returns the payload chain with
	// the padding and pad length removed, appended to dst.
	Open(dst, aad, body []byte) ([]byte, error)
}

// NewCipher returns the SK payload protection for the negotiated
// transforms, keyed with SK_e and SK_a of one direction (integKey is
// ignored, and must be empty, for AEAD suites).
func NewCipher(t Transforms, encKey, integKey []byte) (Cipher, error) {
	ek, err := checkKeys(t, encKey, integKey)
	if err != nil {
		return nil, err
	}
	switch t.Encr {
	case EncrAESGCM16, EncrChaCha20Poly1305:
		key, salt := encKey[:ek-saltLen], encKey[ek-saltLen:]
		var a cipher.AEAD
		if t.Encr == EncrAESGCM16 {
			b, err := aes.NewCipher(key)
			if err != nil {
				return nil, fmt.Errorf("suite: AES-GCM: %w", err)
			}
			a, err = cipher.NewGCM(b)
			if err != nil {
				return nil, fmt.Errorf("suite: AES-GCM: %w", err)
			}
		} else {
			a, err = chacha20poly1305.New(key)
			if err != nil {
				return nil, fmt.Errorf("suite: ChaCha20-Poly1305: %w", err)
			}
		}
		return &aeadCipher{aead: a, salt: [saltLen]byte(salt)}, nil
	default:
		var b cipher.Block
		if t.Encr == Encr3DES {
			b, err = des.NewTripleDESCipher(encKey)
		} else {
			b, err = aes.NewCipher(encKey)
		}
		if err != nil {
			return nil, fmt.Errorf("suite: encryption transform %d: %w", t.Encr, err)
		}
		in, _ := integFor(t.Integ) // validated by IntegKeyLen
		return &cbcCipher{block: b, integ: in, integKey: append([]byte(nil), integKey...)}, nil
	}
}

type integ struct {
	hash           func() hash.Hash
	keyLen, icvLen int
}

func integFor(id int) (integ, error) {
	switch id {
	case IntegHMACSHA196:
		return integ{sha1.New, 20, 12}, nil
	case IntegHMACSHA2256128:
		return integ{sha256.New, 32, 16}, nil
	case IntegHMACSHA2384192:
		return integ{sha512.New384, 48, 24}, nil
	case IntegHMACSHA2512256:
		return integ{sha512.New, 64, 32}, nil
	}
	return integ{}, fmt.Errorf("suite: unsupported integrity transform %d", id)
}

// cbcCipher is RFC 7296 section 3.14 with a block cipher in CBC mode and a
// truncated HMAC over the whole message up to and including the pad length.
type cbcCipher struct {
	block    cipher.Block
	integ    integ
	integKey []byte
}

func (c *cbcCipher) SealedLen(n int) int {
	bs := c.block.BlockSize()
	return bs + (n/bs+1)*bs + c.integ.icvLen
}

func (c *cbcCipher) icv(aad, ivct []byte) []byte {
	m := hmac.New(c.integ.hash, c.integKey)
	m.Write(aad)
	m.Write(ivct)
	return m.Sum(nil)[:c.integ.icvLen]
}

func (c *cbcCipher) Seal(dst, aad, plaintext []byte, rand io.Reader) ([]byte, error) {
	bs := c.block.BlockSize()
	start := len(dst)
	out := append(dst, make([]byte, c.SealedLen(len(plaintext)))...)
	body := out[start:]
	iv := body[:bs]
	if _, err := io.ReadFull(rand, iv); err != nil {
		return dst, fmt.Errorf("suite: reading IV: %w", err)
	}
	ct := body[bs : len(body)-c.integ.icvLen]
	// Minimal padding: zero bytes (any value is allowed) then the pad length.
	copy(ct, plaintext)
	clear(ct[len(plaintext):])
	ct[len(ct)-1] = byte(len(ct) - len(plaintext) - 1)
	cipher.NewCBCEncrypter(c.block, iv).CryptBlocks(ct, ct)
	copy(body[len(body)-c.integ.icvLen:], c.icv(aad, body[:len(body)-c.integ.icvLen]))
	return out, nil
}

func (c *cbcCipher) Open(dst, aad, body []byte) ([]byte, error) {
	bs := c.block.BlockSize()
	n := len(body) - bs - c.integ.icvLen
	if n < bs || n%bs != 0 {
		return dst, fmt.Errorf("%w: %d-byte body for a %d-byte block and %d-byte ICV",
			ErrMalformed, len(body), bs, c.integ.icvLen)
	}
	// Check the ICV before touching the ciphertext, so that padding errors
	// are only ever reported for authentic messages.
	if !hmac.Equal(c.icv(aad, body[:bs+n]), body[bs+n:]) {
		return dst, ErrAuth
	}
	start := len(dst)
	out := append(dst, body[bs:bs+n]...)
	pt := out[start:]
	cipher.NewCBCDecrypter(c.block, body[:bs]).CryptBlocks(pt, pt)
	pad := int(pt[len(pt)-1])
	if pad+1 > len(pt) {
		return dst, fmt.Errorf("%w: pad length %d in %d bytes", ErrMalformed, pad, len(pt))
	}
	return out[:len(out)-pad-1], nil
}

// aeadCipher is RFC 5282 (AES-GCM with a 16-byte ICV) and RFC 7634
// (ChaCha20-Poly1305): nonce = salt | IV, associated data = aad.
//
// The 8-byte IV is random rather than a counter so that a Cipher carries no
// state; an IKE SA sends far fewer than the 2^32 messages at which random
// 64-bit IVs would risk a repeat.
type aeadCipher struct {
	aead cipher.AEAD
	salt [saltLen]byte
}

func (c *aeadCipher) SealedLen(n int) int {
	return aeadIVLen + n + 1 + c.aead.Overhead()
}

func (c *aeadCipher) nonce(iv []byte) []byte {
	var n [saltLen + aeadIVLen]byte
	copy(n[:], c.salt[:])
	copy(n[saltLen:], iv)
	return n[:]
}

func (c *aeadCipher) Seal(dst, aad, plaintext []byte, rand io.Reader) ([]byte, error) {
	start := len(dst)
	out := append(dst, make([]byte, aeadIVLen+len(plaintext)+1)...)
	iv := out[start : start+aeadIVLen]
	if _, err := io.ReadFull(rand, iv); err != nil {
		return dst, fmt.Errorf("suite: reading IV: %w", err)
	}
	// No alignment is needed for AEAD (RFC 5282 section 3): pad length 0.
	pt := out[start+aeadIVLen:]
	copy(pt, plaintext)
	pt[len(pt)-1] = 0
	return c.aead.Seal(out[:start+aeadIVLen], c.nonce(iv), pt, aad), nil
}

func (c *aeadCipher) Open(dst, aad, body []byte) ([]byte, error) {
	if len(body) < aeadIVLen+1+c.aead.Overhead() {
		return dst, fmt.Errorf("%w: %d-byte body is shorter than IV, pad length and ICV",
			ErrMalformed, len(body))
	}
	start := len(dst)
	out, err := c.aead.Open(dst, c.nonce(body[:aeadIVLen]), body[aeadIVLen:], aad)
	if err != nil {
		return dst, ErrAuth
	}
	pt := out[start:]
	pad := int(pt[len(pt)-1])
	if pad+1 > len(pt) {
		return dst, fmt.Errorf("%w: pad length %d in %d bytes", ErrMalformed, pad, len(pt))
	}
	return out[:len(out)-pad-1], nil
}

// checkKeys checks the key lengths for t and returns the encryption key
// length.
func checkKeys(t Transforms, encKey, integKey []byte) (int, error) {
	ek, err := t.EncrKeyLen()
	if err != nil {
		return 0, err
	}
	ak, err := t.IntegKeyLen()
	if err != nil {
		return 0, err
	}
	if len(encKey) != ek || len(integKey) != ak {
		return 0, fmt.Errorf("suite: transform %d/%d: key lengths %d/%d, want %d/%d",
			t.Encr, t.Integ, len(encKey), len(integKey), ek, ak)
	}
	return ek, nil
}

// idleCipher keeps only the keys and builds the key schedule for each
// message. An established IKE SA exchanges a message every few minutes
// (DPD, rekeys) and an AES-GCM schedule with its tables costs about
// 750 bytes per direction, which is most of an idle SA's memory; building
// it costs about a microsecond.
type idleCipher struct {
	t                Transforms
	encKey, integKey []byte
}

// NewIdleCipher is NewCipher for SAs that are idle most of the time: the
// result holds the key slices (it does not copy them) and nothing else.
func NewIdleCipher(t Transforms, encKey, integKey []byte) (Cipher, error) {
	if _, err := checkKeys(t, encKey, integKey); err != nil {
		return nil, err
	}
	return &idleCipher{t: t, encKey: encKey, integKey: integKey}, nil
}

func (c *idleCipher) build() Cipher {
	b, err := NewCipher(c.t, c.encKey, c.integKey)
	if err != nil {
		panic("suite: keys checked by NewIdleCipher no longer work: " + err.Error())
	}
	return b
}

func (c *idleCipher) SealedLen(n int) int { return c.build().SealedLen(n) }

func (c *idleCipher) Seal(dst, aad, plaintext []byte, rand io.Reader) ([]byte, error) {
	return c.build().Seal(dst, aad, plaintext, rand)
}

func (c *idleCipher) Open(dst, aad, body []byte) ([]byte, error) {
	return c.build().Open(dst, aad, body)
}
