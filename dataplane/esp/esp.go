package esp

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"sync"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/gatehouse-vpn/gatehouse/services/ike/suite"
)

// Errors of the packet path. They are returned unwrapped so that a flood
// of bad packets costs no allocation; callers count drops with errors.Is.
var (
	// ErrReplay: the sequence number was already received, is older than
	// the window, or is 0 (never sent).
	ErrReplay = errors.New("esp: replayed sequence number")
	// ErrAuth: the ICV (or AEAD tag) does not verify.
	ErrAuth = errors.New("esp: integrity check failed")
	// ErrMalformed: too short, not a whole number of cipher blocks, or an
	// authentic packet whose padding or pad length is wrong.
	ErrMalformed = errors.New("esp: malformed packet")
	// ErrSequenceExhausted: the SA has sent sequence number 2^32-1
	// (2^64-1 with ESN) and must be rekeyed.
	ErrSequenceExhausted = errors.New("esp: sequence numbers exhausted")
)

// NoNextHeader is the next header of a dummy packet (RFC 4303 section
// 2.6), which the receiver discards.
const NoNextHeader = 59

// MaxReplayWindow is the largest ReplayWindow, in packets.
const MaxReplayWindow = 1 << 16

const (
	headerLen = 8 // SPI and Sequence Number
	saltLen   = 4 // implicit nonce prefix at the end of an AEAD key (RFC 4106 section 8.1, RFC 7634 section 2)
	aeadIVLen = 8
	aeadAlign = 4 // RFC 4303 section 2.4: pad length and next header end a 4-byte word
)

// Config keys one direction of an ESP SA.
type Config struct {
	SPI uint32
	// IKEv2 transform IDs as in services/ike/suite: Encr 12 AES-CBC, 20
	// AES-GCM-16, 28 ChaCha20-Poly1305, 3 3DES; Integ 0 for AEAD, 2
	// HMAC-SHA1-96, 12 SHA2-256-128, 13 SHA2-384-192, 14 SHA2-512-256.
	Encr, EncrKeyBits, Integ int
	// The keys exactly as the IKE KDF hands them out (dataplane.Keys):
	// EncrKey ends with the 4-byte salt for AEAD (RFC 4106, RFC 7634).
	EncrKey, IntegKey []byte
	// ESN selects 64-bit extended sequence numbers (RFC 4303 section
	// 2.2.1, Appendix A).
	ESN bool
	// ReplayWindow is the inbound anti-replay window in packets; 0
	// disables the check. Ignored outbound.
	ReplayWindow int
}

func (c Config) errorf(format string, args ...any) error {
	return fmt.Errorf("esp: SA 0x%08x: %s", c.SPI, fmt.Sprintf(format, args...))
}

// SPI returns the SPI of an ESP packet (starting at the SPI), for the SA
// lookup before Open. It reports false for a packet too short to be ESP
// and for SPI 0, which is never sent (RFC 4303 section 2.1).
func SPI(pkt []byte) (uint32, bool) {
	if len(pkt) < headerLen {
		return 0, false
	}
	spi := binary.BigEndian.Uint32(pkt)
	return spi, spi != 0
}

// transform is the keyed cryptography of one direction: a combined mode
// (aead) or a CBC block cipher with an HMAC.
type transform struct {
	aead  cipher.AEAD
	block cipher.Block
	// hmac makes a keyed HMAC for the pool; nil for AEAD (and for the
	// encryption-only SAs of RFC 3602's test vectors, which only tests
	// build).
	hmac   func() hash.Hash
	salt   [saltLen]byte
	ivLen  int
	icvLen int
	align  int       // the ciphertext is a multiple of this
	rand   io.Reader // CBC IVs
	pool   sync.Pool // *scratch
}

// scratch is what one Seal or Open needs besides the packet. It lives on
// the heap (in the pool) because the cipher interfaces make any buffer
// handed to them escape.
type scratch struct {
	nonce [saltLen + aeadIVLen]byte // salt | IV
	aad   [12]byte                  // SPI | ESN high | sequence number
	hi    [4]byte                   // ESN high half, appended to the ICV input
	sum   [sha512.Size]byte
	mac   hash.Hash
	enc   cbcMode
	dec   cbcMode
}

// cbcMode is a CBC BlockMode whose IV can be reset, which the standard
// library's CBC modes all allow; reusing one avoids an allocation per
// packet.
type cbcMode interface {
	cipher.BlockMode
	SetIV([]byte)
}

// integrity is an HMAC transform: the hash and the ICV length it is
// truncated to (RFC 2404, RFC 4868).
func integrity(id int) (func() hash.Hash, int) {
	switch id {
	case suite.IntegHMACSHA196:
		return sha1.New, 12
	case suite.IntegHMACSHA2256128:
		return sha256.New, 16
	case suite.IntegHMACSHA2384192:
		return sha512.New384, 24
	case suite.IntegHMACSHA2512256:
		return sha512.New, 32
	}
	return nil, 0
}

// newTransform checks the keys against the transform IDs and schedules
// them.
func newTransform(c Config) (*transform, error) {
	tr := suite.Transforms{Encr: c.Encr, EncrKeyBits: c.EncrKeyBits, Integ: c.Integ}
	ek, err := tr.EncrKeyLen()
	if err != nil {
		return nil, c.errorf("%v", err)
	}
	ak, err := tr.IntegKeyLen()
	if err != nil {
		return nil, c.errorf("%v", err)
	}
	if len(c.EncrKey) != ek {
		return nil, c.errorf("encryption key is %d bytes, transform %d/%d needs %d", len(c.EncrKey), c.Encr, c.EncrKeyBits, ek)
	}
	if len(c.IntegKey) != ak {
		return nil, c.errorf("integrity key is %d bytes, transform %d needs %d", len(c.IntegKey), c.Integ, ak)
	}
	t := &transform{rand: rand.Reader}
	if tr.IsAEAD() {
		key := c.EncrKey[:ek-saltLen]
		copy(t.salt[:], c.EncrKey[ek-saltLen:])
		if c.Encr == suite.EncrAESGCM16 {
			b, err := aes.NewCipher(key)
			if err != nil {
				return nil, c.errorf("AES-GCM: %v", err)
			}
			if t.aead, err = cipher.NewGCM(b); err != nil {
				return nil, c.errorf("AES-GCM: %v", err)
			}
		} else if t.aead, err = chacha20poly1305.New(key); err != nil {
			return nil, c.errorf("ChaCha20-Poly1305: %v", err)
		}
		t.ivLen, t.icvLen, t.align = aeadIVLen, t.aead.Overhead(), aeadAlign
	} else {
		var b cipher.Block
		if c.Encr == suite.Encr3DES {
			b, err = des.NewTripleDESCipher(c.EncrKey)
		} else {
			b, err = aes.NewCipher(c.EncrKey)
		}
		if err != nil {
			return nil, c.errorf("encryption transform %d: %v", c.Encr, err)
		}
		if _, ok := cipher.NewCBCEncrypter(b, make([]byte, b.BlockSize())).(cbcMode); !ok {
			return nil, c.errorf("encryption transform %d: CBC mode cannot reset its IV", c.Encr)
		}
		h, icvLen := integrity(c.Integ) // known: IntegKeyLen accepted it
		key := slices.Clone(c.IntegKey)
		t.setCBC(b, func() hash.Hash { return hmac.New(h, key) }, icvLen)
	}
	t.pool.New = t.newScratch
	return t, nil
}

func (t *transform) setCBC(b cipher.Block, mac func() hash.Hash, icvLen int) {
	t.block, t.hmac, t.icvLen = b, mac, icvLen
	t.ivLen, t.align = b.BlockSize(), b.BlockSize()
}

func (t *transform) newScratch() any {
	s := &scratch{}
	copy(s.nonce[:], t.salt[:])
	if t.hmac != nil {
		s.mac = t.hmac()
	}
	if t.block != nil {
		iv := make([]byte, t.block.BlockSize())
		s.enc = cipher.NewCBCEncrypter(t.block, iv).(cbcMode)
		s.dec = cipher.NewCBCDecrypter(t.block, iv).(cbcMode)
	}
	return s
}

// ciphertextLen is the length of payload, padding, pad length and next
// header for an n-byte payload.
func (t *transform) ciphertextLen(n int) int {
	return (n + 2 + t.align - 1) / t.align * t.align
}

// overhead is the bytes a packet adds to an n-byte payload.
func (t *transform) overhead(n int) int {
	return headerLen + t.ivLen + t.ciphertextLen(n) - n + t.icvLen
}

// aad is the associated data of a combined mode: SPI | Seq, or with ESN
// SPI | Seq high | Seq low (RFC 4106 section 5, RFC 7634 section 2.1).
func aad(s *scratch, pkt []byte, seq uint64, esn bool) []byte {
	if !esn {
		return pkt[:headerLen]
	}
	copy(s.aad[:4], pkt[:4])
	binary.BigEndian.PutUint64(s.aad[4:], seq)
	return s.aad[:]
}

// icv is the truncated HMAC of covered (SPI through next header), with
// the high half of an extended sequence number appended but not sent
// (RFC 4303 section 2.2.1).
func (t *transform) icv(s *scratch, covered []byte, seq uint64, esn bool) []byte {
	s.mac.Reset()
	s.mac.Write(covered)
	if esn {
		binary.BigEndian.PutUint32(s.hi[:], uint32(seq>>32))
		s.mac.Write(s.hi[:])
	}
	return s.mac.Sum(s.sum[:0])[:t.icvLen]
}

// seal writes the packet for seq into the n bytes appended to dst. iv
// overrides the IV for known-answer tests; nil means the sequence number
// (AEAD) or random bytes (CBC).
func (t *transform) seal(dst []byte, spi uint32, seq uint64, esn bool, iv []byte, nextHeader byte, payload []byte) ([]byte, error) {
	ctLen := t.ciphertextLen(len(payload))
	ctStart := headerLen + t.ivLen
	out := slices.Grow(dst, ctStart+ctLen+t.icvLen)
	out = out[:len(dst)+ctStart+ctLen+t.icvLen]
	pkt := out[len(dst):]
	ct := pkt[ctStart : ctStart+ctLen]
	// The payload first: it may already sit where the ciphertext goes,
	// or overlap the header.
	copy(ct, payload)
	pad := ct[len(payload) : ctLen-2]
	for i := range pad {
		pad[i] = byte(i + 1)
	}
	ct[ctLen-2] = byte(len(pad))
	ct[ctLen-1] = nextHeader
	binary.BigEndian.PutUint32(pkt[0:4], spi)
	binary.BigEndian.PutUint32(pkt[4:8], uint32(seq))
	ivb := pkt[headerLen:ctStart]

	s := t.pool.Get().(*scratch)
	defer t.pool.Put(s)
	if t.aead != nil {
		if iv != nil {
			copy(ivb, iv)
		} else {
			binary.BigEndian.PutUint64(ivb, seq)
		}
		copy(s.nonce[saltLen:], ivb)
		t.aead.Seal(ct[:0], s.nonce[:], ct, aad(s, pkt, seq, esn))
		return out, nil
	}
	if iv != nil {
		copy(ivb, iv)
	} else if _, err := io.ReadFull(t.rand, ivb); err != nil {
		return dst, fmt.Errorf("esp: reading IV: %w", err)
	}
	s.enc.SetIV(ivb)
	s.enc.CryptBlocks(ct, ct)
	if s.mac != nil {
		icvStart := ctStart + ctLen
		copy(pkt[icvStart:], t.icv(s, pkt[:icvStart], seq, esn))
	}
	return out, nil
}

// minLen is the shortest packet that can carry a pad length and next
// header.
func (t *transform) minLen() int {
	if t.aead != nil {
		return headerLen + t.ivLen + 2 + t.icvLen
	}
	return headerLen + t.ivLen + t.align + t.icvLen
}

// wellFormed checks what the length alone tells.
func (t *transform) wellFormed(pkt []byte) bool {
	if len(pkt) < t.minLen() {
		return false
	}
	return t.aead != nil || (len(pkt)-headerLen-t.ivLen-t.icvLen)%t.align == 0
}

// open authenticates pkt as sequence number seq and appends the
// plaintext (payload through next header) to dst. The only error is
// ErrAuth.
func (t *transform) open(dst, pkt []byte, seq uint64, esn bool) ([]byte, error) {
	ctStart := headerLen + t.ivLen
	icvStart := len(pkt) - t.icvLen
	s := t.pool.Get().(*scratch)
	defer t.pool.Put(s)
	if t.aead != nil {
		copy(s.nonce[saltLen:], pkt[headerLen:ctStart])
		out, err := t.aead.Open(dst, s.nonce[:], pkt[ctStart:], aad(s, pkt, seq, esn))
		if err != nil {
			return dst, ErrAuth
		}
		return out, nil
	}
	// The ICV before any decryption (RFC 4303 section 3.4.4.1).
	if s.mac != nil && !hmac.Equal(t.icv(s, pkt[:icvStart], seq, esn), pkt[icvStart:]) {
		return dst, ErrAuth
	}
	ct := pkt[ctStart:icvStart]
	out := slices.Grow(dst, len(ct))[:len(dst)+len(ct)]
	s.dec.SetIV(pkt[headerLen:ctStart])
	s.dec.CryptBlocks(out[len(dst):], ct)
	return out, nil
}

// trailer strips padding, pad length and next header from the plaintext
// appended to dst, checking the padding is 1, 2, 3... (RFC 4303 section
// 2.4).
func trailer(dst, out []byte) ([]byte, byte, bool) {
	pt := out[len(dst):]
	n := len(pt)
	if n < 2 {
		return dst, 0, false
	}
	padLen := int(pt[n-2])
	if padLen+2 > n {
		return dst, 0, false
	}
	pad := pt[n-2-padLen : n-2]
	for i, b := range pad {
		if b != byte(i+1) {
			return dst, 0, false
		}
	}
	return out[:len(out)-padLen-2], pt[n-1], true
}
