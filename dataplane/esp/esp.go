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
	"sync/atomic"

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

// transform is the cryptography of one direction. Until the SA's first
// packet it is a copy of the keys and the packet layout, nothing more: a
// head-end's SAs are mostly idle, and a key schedule for each (an AES-GCM
// one with its tables is about 750 bytes) was most of what an idle SA
// cost. The first Seal or Open schedules the keys.
type transform struct {
	sched    atomic.Pointer[schedule] // nil until the first packet
	integKey string                   // HMAC key, CBC only; never written, and a string is smaller than a slice
	key      [maxEncrKeyLen]byte      // encryption key without the salt, keyLen bytes of it
	salt     [saltLen]byte            // AEAD only
	keyLen   uint8
	// IDs and lengths are small; bytes keep an idle SA small.
	encr, integ          uint8
	aead                 bool
	ivLen, icvLen, align uint8 // the ciphertext is a multiple of align
}

// maxEncrKeyLen is the longest encryption key without its salt: AES-256
// and ChaCha20.
const maxEncrKeyLen = 32

// aeadICVLen is the tag length of AES-GCM-16 and ChaCha20-Poly1305 (RFC
// 4106 section 3, RFC 7634 section 2).
const aeadICVLen = 16

// schedule is a transform's keys made ready for use: a combined mode, or
// a CBC cipher with its HMAC.
type schedule struct {
	aead cipher.AEAD
	cbc  *cbcSchedule
}

// cbcSchedule is a CBC cipher and its HMAC. Their per-call state (HMAC
// state, CBC modes) is keyed, so each SA pools its own.
type cbcSchedule struct {
	block cipher.Block
	// mac makes a keyed HMAC for the pool; nil for the encryption-only
	// SAs of RFC 3602's test vectors, which only tests build.
	mac  func() hash.Hash
	pool sync.Pool // *cbcScratch
}

// aeadScratch is the nonce and associated data of one combined-mode Seal
// or Open. The cipher interfaces make any buffer handed to them escape,
// so they live on the heap, in a pool; nothing in them is keyed (the
// salt is copied in on each use), so one pool serves every SA and its
// per-P arrays are paid once per process rather than once per SA.
type aeadScratch struct {
	nonce [saltLen + aeadIVLen]byte // salt | IV
	aad   [12]byte                  // SPI | ESN high | sequence number
}

var aeadScratchPool = sync.Pool{New: func() any { return new(aeadScratch) }}

// cbcScratch is what one CBC Seal or Open needs besides the packet.
type cbcScratch struct {
	hi  [4]byte // ESN high half, appended to the ICV input
	sum [sha512.Size]byte
	mac hash.Hash
	enc cbcMode
	dec cbcMode
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

// init checks c's keys against its transform IDs and keeps a copy of
// them.
func (t *transform) init(c Config) error {
	tr := suite.Transforms{Encr: c.Encr, EncrKeyBits: c.EncrKeyBits, Integ: c.Integ}
	ek, err := tr.EncrKeyLen()
	if err != nil {
		return c.errorf("%v", err)
	}
	ak, err := tr.IntegKeyLen()
	if err != nil {
		return c.errorf("%v", err)
	}
	if len(c.EncrKey) != ek {
		return c.errorf("encryption key is %d bytes, transform %d/%d needs %d", len(c.EncrKey), c.Encr, c.EncrKeyBits, ek)
	}
	if len(c.IntegKey) != ak {
		return c.errorf("integrity key is %d bytes, transform %d needs %d", len(c.IntegKey), c.Integ, ak)
	}
	key, salt := c.EncrKey, []byte(nil)
	if tr.IsAEAD() {
		key, salt = c.EncrKey[:ek-saltLen], c.EncrKey[ek-saltLen:]
	}
	t.setKeys(c.Encr, key, salt, c.Integ, c.IntegKey)
	// Schedule the keys once and drop the result, so that a cipher this
	// process refuses (a FIPS 140-only one refuses 3DES, and GCM with
	// nonces it does not choose) fails here and not on the first packet.
	if _, err := t.newSchedule(); err != nil {
		return c.errorf("%v", err)
	}
	return nil
}

// setKeys copies the keys, whose lengths the caller has checked, and sets
// the layout they imply.
func (t *transform) setKeys(encr int, key, salt []byte, integ int, integKey []byte) {
	t.encr, t.integ = uint8(encr), uint8(integ)
	t.keyLen = uint8(copy(t.key[:], key))
	copy(t.salt[:], salt)
	t.integKey = string(integKey)
	_, icvLen := integrity(integ)
	switch encr {
	case suite.EncrAESGCM16, suite.EncrChaCha20Poly1305:
		t.aead = true
		t.ivLen, t.icvLen, t.align = aeadIVLen, aeadICVLen, aeadAlign
	case suite.Encr3DES:
		t.ivLen, t.icvLen, t.align = des.BlockSize, uint8(icvLen), des.BlockSize
	default:
		t.ivLen, t.icvLen, t.align = aes.BlockSize, uint8(icvLen), aes.BlockSize
	}
}

// keys returns the schedule, making it on the first packet. Goroutines
// racing on the first packet may each make one; all then use the one
// stored first, and the others are garbage.
func (t *transform) keys() *schedule {
	if k := t.sched.Load(); k != nil {
		return k
	}
	return t.firstKeys()
}

func (t *transform) firstKeys() *schedule {
	k, err := t.newSchedule()
	if err != nil {
		// init scheduled these keys once, and what can refuse them (their
		// length, the process's FIPS 140 mode) does not change.
		panic("esp: keys that scheduled when the SA was made fail now: " + err.Error())
	}
	if t.sched.CompareAndSwap(nil, k) {
		return k
	}
	return t.sched.Load()
}

// newSchedule schedules the keys.
func (t *transform) newSchedule() (*schedule, error) {
	key := t.key[:t.keyLen]
	switch t.encr {
	case suite.EncrAESGCM16:
		b, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("AES-GCM: %w", err)
		}
		a, err := cipher.NewGCM(b)
		if err != nil {
			return nil, fmt.Errorf("AES-GCM: %w", err)
		}
		return &schedule{aead: a}, nil
	case suite.EncrChaCha20Poly1305:
		a, err := chacha20poly1305.New(key)
		if err != nil {
			return nil, fmt.Errorf("ChaCha20-Poly1305: %w", err)
		}
		return &schedule{aead: a}, nil
	}
	var b cipher.Block
	var err error
	if t.encr == suite.Encr3DES {
		b, err = des.NewTripleDESCipher(key)
	} else {
		b, err = aes.NewCipher(key)
	}
	if err != nil {
		return nil, fmt.Errorf("encryption transform %d: %w", t.encr, err)
	}
	if _, ok := cipher.NewCBCEncrypter(b, make([]byte, b.BlockSize())).(cbcMode); !ok {
		return nil, fmt.Errorf("encryption transform %d: CBC mode cannot reset its IV", t.encr)
	}
	c := &cbcSchedule{block: b}
	if h, _ := integrity(int(t.integ)); h != nil {
		macKey := []byte(t.integKey)
		c.mac = func() hash.Hash { return hmac.New(h, macKey) }
	}
	c.pool.New = c.newScratch
	return &schedule{cbc: c}, nil
}

func (c *cbcSchedule) newScratch() any {
	s := &cbcScratch{}
	if c.mac != nil {
		s.mac = c.mac()
	}
	iv := make([]byte, c.block.BlockSize())
	s.enc = cipher.NewCBCEncrypter(c.block, iv).(cbcMode)
	s.dec = cipher.NewCBCDecrypter(c.block, iv).(cbcMode)
	return s
}

// ciphertextLen is the length of payload, padding, pad length and next
// header for an n-byte payload.
func (t *transform) ciphertextLen(n int) int {
	align := int(t.align)
	return (n + 2 + align - 1) / align * align
}

// headerLen is the length of SPI, sequence number and IV.
func (t *transform) headerLen() int { return headerLen + int(t.ivLen) }

// overhead is the bytes a packet adds to an n-byte payload.
func (t *transform) overhead(n int) int {
	return t.headerLen() + t.ciphertextLen(n) - n + int(t.icvLen)
}

// nonceFor is the nonce of a combined mode: salt | IV.
func (s *aeadScratch) nonceFor(salt [saltLen]byte, iv []byte) []byte {
	copy(s.nonce[:saltLen], salt[:])
	copy(s.nonce[saltLen:], iv)
	return s.nonce[:]
}

// aadFor is the associated data of a combined mode: SPI | Seq, or with
// ESN SPI | Seq high | Seq low (RFC 4106 section 5, RFC 7634 section
// 2.1).
func (s *aeadScratch) aadFor(pkt []byte, seq uint64, esn bool) []byte {
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
func (t *transform) icv(s *cbcScratch, covered []byte, seq uint64, esn bool) []byte {
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
	ctStart := t.headerLen()
	n := ctStart + ctLen + int(t.icvLen)
	out := slices.Grow(dst, n)[:len(dst)+n]
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
	switch {
	case iv != nil:
		copy(ivb, iv)
	case t.aead:
		binary.BigEndian.PutUint64(ivb, seq)
	default:
		if _, err := io.ReadFull(rand.Reader, ivb); err != nil {
			return dst, fmt.Errorf("esp: reading IV: %w", err)
		}
	}
	t.protect(pkt, seq, esn)
	return out, nil
}

// protect encrypts the plaintext of a laid-out packet in place, under the
// IV the packet carries, and fills in its ICV.
func (t *transform) protect(pkt []byte, seq uint64, esn bool) {
	k := t.keys()
	ctStart, icvStart := t.headerLen(), len(pkt)-int(t.icvLen)
	iv, ct := pkt[headerLen:ctStart], pkt[ctStart:icvStart]
	if k.aead != nil {
		s := aeadScratchPool.Get().(*aeadScratch)
		defer aeadScratchPool.Put(s)
		k.aead.Seal(ct[:0], s.nonceFor(t.salt, iv), ct, s.aadFor(pkt, seq, esn))
		return
	}
	s := k.cbc.pool.Get().(*cbcScratch)
	defer k.cbc.pool.Put(s)
	s.enc.SetIV(iv)
	s.enc.CryptBlocks(ct, ct)
	if s.mac != nil {
		copy(pkt[icvStart:], t.icv(s, pkt[:icvStart], seq, esn))
	}
}

// minLen is the shortest packet that can carry a pad length and next
// header.
func (t *transform) minLen() int {
	if t.aead {
		return t.headerLen() + 2 + int(t.icvLen)
	}
	return t.headerLen() + int(t.align) + int(t.icvLen)
}

// wellFormed checks what the length alone tells.
func (t *transform) wellFormed(pkt []byte) bool {
	if len(pkt) < t.minLen() {
		return false
	}
	return t.aead || (len(pkt)-t.headerLen()-int(t.icvLen))%int(t.align) == 0
}

// open authenticates pkt as sequence number seq and appends the
// plaintext (payload through next header) to dst. The only error is
// ErrAuth.
func (t *transform) open(dst, pkt []byte, seq uint64, esn bool) ([]byte, error) {
	k := t.keys()
	ctStart, icvStart := t.headerLen(), len(pkt)-int(t.icvLen)
	iv := pkt[headerLen:ctStart]
	if k.aead != nil {
		s := aeadScratchPool.Get().(*aeadScratch)
		defer aeadScratchPool.Put(s)
		out, err := k.aead.Open(dst, s.nonceFor(t.salt, iv), pkt[ctStart:], s.aadFor(pkt, seq, esn))
		if err != nil {
			return dst, ErrAuth
		}
		return out, nil
	}
	s := k.cbc.pool.Get().(*cbcScratch)
	defer k.cbc.pool.Put(s)
	// The ICV before any decryption (RFC 4303 section 3.4.4.1).
	if s.mac != nil && !hmac.Equal(t.icv(s, pkt[:icvStart], seq, esn), pkt[icvStart:]) {
		return dst, ErrAuth
	}
	ct := pkt[ctStart:icvStart]
	out := slices.Grow(dst, len(ct))[:len(dst)+len(ct)]
	s.dec.SetIV(iv)
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
