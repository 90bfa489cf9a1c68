package esp

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/gatehouse-vpn/gatehouse/internal/testvec"
	"github.com/gatehouse-vpn/gatehouse/services/ike/suite"
)

func payloadOf(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*31 + n)
	}
	return p
}

// Every suite, with and without ESN, every payload size of an Ethernet
// MTU: Open gives back what Seal took, and the packet has the layout RFC
// 4303 section 2.4 asks for.
func TestRoundTrip(t *testing.T) {
	for _, s := range suites {
		for _, esn := range []bool{false, true} {
			o, in := s.pair(t, esn, 4096)
			prefix := []byte("outer header")
			buf := make([]byte, 0, 2048)
			plain := make([]byte, 0, 2048)
			for n := 0; n <= 1500; n++ {
				payload := payloadOf(n)
				nh := byte(4 + n%2*37) // 4 or 41
				pkt, err := o.Seal(append(buf[:0], prefix...), nh, payload)
				if err != nil {
					t.Fatalf("%s esn=%v: Seal %d bytes: %v", s.name, esn, n, err)
				}
				if !bytes.HasPrefix(pkt, prefix) {
					t.Fatalf("%s: Seal lost dst's contents", s.name)
				}
				pkt = pkt[len(prefix):]
				if len(pkt) != n+o.Overhead(n) {
					t.Fatalf("%s: %d-byte payload sealed to %d bytes, Overhead says %d", s.name, n, len(pkt), n+o.Overhead(n))
				}
				checkLayout(t, s, o, pkt, n)
				out, gotNH, err := in.Open(plain, pkt)
				if err != nil {
					t.Fatalf("%s esn=%v: Open %d bytes: %v", s.name, esn, n, err)
				}
				if !bytes.Equal(out, payload) || gotNH != nh {
					t.Fatalf("%s esn=%v: %d bytes came back as %d bytes, next header %d (want %d)", s.name, esn, n, len(out), gotNH, nh)
				}
			}
		}
	}
}

// checkLayout checks a packet's fixed fields: SPI, sequence number, the
// IV (the sequence number for AEAD), and that the ICV starts on a 4-byte
// boundary and CBC ciphertext is whole blocks.
func checkLayout(t *testing.T, s testSuite, o *Outbound, pkt []byte, n int) {
	t.Helper()
	if spi, ok := SPI(pkt); !ok || spi != o.spi {
		t.Fatalf("%s: SPI %#x %v, want %#x", s.name, spi, ok, o.spi)
	}
	seq := o.Seq()
	if got := binary.BigEndian.Uint32(pkt[4:]); got != uint32(seq) {
		t.Fatalf("%s: sequence field %d, want %d", s.name, got, uint32(seq))
	}
	ivLen, icvLen, align := 8, 16, 4
	if !s.aead {
		_, icvLen = integrity(s.integ)
		ivLen, align = 16, 16
		if s.encr == suite.Encr3DES {
			ivLen, align = 8, 8
		}
	} else if iv := binary.BigEndian.Uint64(pkt[8:]); iv != seq {
		t.Fatalf("%s: IV %d, want the sequence number %d", s.name, iv, seq)
	}
	ct := len(pkt) - 8 - ivLen - icvLen
	if ct%align != 0 || (len(pkt)-icvLen)%4 != 0 || ct < n+2 || ct >= n+2+align {
		t.Fatalf("%s: %d-byte payload: %d-byte ciphertext, %d-byte packet, ICV %d", s.name, n, ct, len(pkt), icvLen)
	}
}

// The ICV covers SPI through next header and, with ESN, the high half of
// the sequence number, which is not sent (RFC 4303 sections 2.2.1 and
// 3.3.2.1). Checked against crypto/hmac directly, deep in the sequence
// space so that the high half is not zero.
func TestICVCoverage(t *testing.T) {
	for _, s := range suites {
		if s.aead {
			continue
		}
		for _, esn := range []bool{false, true} {
			c := s.config(0xabcdef01, esn, 64)
			o, err := NewOutbound(c)
			if err != nil {
				t.Fatal(err)
			}
			seq := uint64(0x1234_5678_9abc_def0)
			if !esn {
				seq &= math.MaxUint32
			}
			o.seq.Store(seq - 1)
			pkt, err := o.Seal(nil, 4, payloadOf(100))
			if err != nil {
				t.Fatal(err)
			}
			h, icvLen := integrity(s.integ)
			m := hmac.New(h, c.IntegKey)
			m.Write(pkt[:len(pkt)-icvLen])
			if esn {
				m.Write([]byte{0x12, 0x34, 0x56, 0x78})
			}
			testvec.CheckBytes(t, s.name+" ICV", pkt[len(pkt)-icvLen:], m.Sum(nil)[:icvLen])
		}
	}
}

// With ESN the combined modes' associated data is SPI | Seq high | Seq
// low (RFC 4106 section 5, RFC 7634 section 2.1), checked by opening with
// the AEAD directly. The GCM vectors check it too, ChaCha20 has none.
func TestAEADAssociatedData(t *testing.T) {
	for _, s := range suites {
		if !s.aead {
			continue
		}
		for _, esn := range []bool{false, true} {
			c := s.config(0x01020304, esn, 64)
			o, err := NewOutbound(c)
			if err != nil {
				t.Fatal(err)
			}
			seq := uint64(0x0000_0007_0000_0005)
			if !esn {
				seq = 5
			}
			o.seq.Store(seq - 1)
			payload := payloadOf(33)
			pkt, err := o.Seal(nil, 41, payload)
			if err != nil {
				t.Fatal(err)
			}
			key := c.EncrKey[:len(c.EncrKey)-4]
			var a cipher.AEAD
			if s.encr == suite.EncrAESGCM16 {
				b, _ := aes.NewCipher(key)
				a, _ = cipher.NewGCM(b)
			} else {
				a, _ = chacha20poly1305.New(key)
			}
			nonce := append(append([]byte{}, c.EncrKey[len(c.EncrKey)-4:]...), pkt[8:16]...)
			ad := []byte{1, 2, 3, 4, 0, 0, 0, 5}
			if esn {
				ad = []byte{1, 2, 3, 4, 0, 0, 0, 7, 0, 0, 0, 5}
			}
			pt, err := a.Open(nil, nonce, pkt[16:], ad)
			if err != nil {
				t.Fatalf("%s esn=%v: independent Open: %v", s.name, esn, err)
			}
			// 33 bytes, 1 byte of padding, pad length, next header.
			testvec.CheckBytes(t, s.name+" plaintext", pt, append(payload, 1, 1, 41))
		}
	}
}

// Every single-bit change, every truncation and an extension of a valid
// packet fail as ErrAuth or ErrMalformed, and leave the SA able to open
// the genuine packet afterwards.
func TestTamper(t *testing.T) {
	for _, s := range suites {
		for _, esn := range []bool{false, true} {
			o, in := s.pair(t, esn, 64)
			o.seq.Store(4) // sequence number 5: no single bit flip makes it 0
			pkt, err := o.Seal(nil, 4, payloadOf(77))
			if err != nil {
				t.Fatal(err)
			}
			check := func(what string, bad []byte) {
				t.Helper()
				if _, _, err := in.Open(nil, bad); err != ErrAuth && err != ErrMalformed {
					t.Fatalf("%s esn=%v: %s: Open gave %v, want ErrAuth or ErrMalformed", s.name, esn, what, err)
				}
			}
			bad := make([]byte, len(pkt))
			for i := range pkt {
				for bit := range 8 {
					copy(bad, pkt)
					bad[i] ^= 1 << bit
					check("flipped bit", bad)
				}
			}
			for n := range len(pkt) {
				check("truncated", pkt[:n])
			}
			check("extended", append(bytes.Clone(pkt), 0))
			if _, _, err := in.Open(nil, pkt); err != nil {
				t.Fatalf("%s esn=%v: genuine packet after the forgeries: %v", s.name, esn, err)
			}
		}
	}
}

// Authentic packets with bad trailers (which only the key holder can
// make) are malformed: the padding must run 1, 2, 3... and fit.
func TestBadPadding(t *testing.T) {
	for _, s := range suites {
		c := s.config(7, false, 64)
		in, err := NewInbound(c)
		if err != nil {
			t.Fatal(err)
		}
		tr := &in.t
		align := int(tr.align)
		for i, pt := range [][]byte{
			append(bytes.Repeat([]byte{9}, align-4), 1, 3, 2, 4),     // pad 1, 3
			append(bytes.Repeat([]byte{9}, align-4), 0, 0, 2, 4),     // pad 0, 0
			append(bytes.Repeat([]byte{9}, align-2), byte(align), 4), // pad length past the start
		} {
			pkt := sealPlaintext(t, tr, 7, uint64(i+1), pt)
			if _, _, err := in.Open(nil, pkt); err != ErrMalformed {
				t.Errorf("%s: trailer %x: Open gave %v, want ErrMalformed", s.name, pt[len(pt)-4:], err)
			}
			// Authentic, so recorded: a replay is turned away early.
			if _, _, err := in.Open(nil, pkt); err != ErrReplay {
				t.Errorf("%s: replay of a malformed packet: %v, want ErrReplay", s.name, err)
			}
		}
	}
}

// sealPlaintext protects a complete plaintext (payload and trailer) the
// way Seal would, to make authentic packets Seal never makes.
func sealPlaintext(t *testing.T, tr *transform, spi uint32, seq uint64, pt []byte) []byte {
	t.Helper()
	if len(pt)%int(tr.align) != 0 {
		t.Fatalf("plaintext of %d bytes for alignment %d", len(pt), tr.align)
	}
	// Seal a payload of the right length, then protect pt in its place
	// under the same IV: the layout code is shared, only the contents
	// differ.
	pkt, err := tr.seal(nil, spi, seq, false, nil, 0, make([]byte, len(pt)-2))
	if err != nil {
		t.Fatal(err)
	}
	copy(pkt[tr.headerLen():], pt)
	tr.protect(pkt, seq, false)
	return pkt
}

// A dummy packet (next header 59) opens like any other; the caller drops
// it.
func TestDummyPacket(t *testing.T) {
	o, in := suiteByName("aes256gcm16").pair(t, true, 64)
	pkt, err := o.Seal(nil, NoNextHeader, []byte("random filler"))
	if err != nil {
		t.Fatal(err)
	}
	if _, nh, err := in.Open(nil, pkt); err != nil || nh != NoNextHeader {
		t.Fatalf("Open: next header %d, %v", nh, err)
	}
}

// The counter stops at the last sequence number instead of wrapping
// (RFC 4303 section 3.3.3): a GCM IV must never come round again.
func TestSequenceExhausted(t *testing.T) {
	for _, esn := range []bool{false, true} {
		o, in := suiteByName("aes128gcm16").pair(t, esn, 64)
		last := uint64(math.MaxUint32)
		if esn {
			last = math.MaxUint64
		}
		o.seq.Store(last - 1)
		in.setTop(last - 1)
		pkt, err := o.Seal(nil, 4, []byte("last"))
		if err != nil {
			t.Fatalf("esn=%v: the last sequence number: %v", esn, err)
		}
		if binary.BigEndian.Uint32(pkt[4:]) != math.MaxUint32 || binary.BigEndian.Uint64(pkt[8:]) != last {
			t.Fatalf("esn=%v: last packet has sequence %x IV %x", esn, pkt[4:8], pkt[8:16])
		}
		if _, _, err := in.Open(nil, pkt); err != nil {
			t.Fatalf("esn=%v: opening the last packet: %v", esn, err)
		}
		for range 3 {
			if out, err := o.Seal([]byte("dst"), 4, []byte("one too many")); err != ErrSequenceExhausted || string(out) != "dst" {
				t.Fatalf("esn=%v: Seal past the end: %q, %v", esn, out, err)
			}
		}
		if o.Seq() != last {
			t.Fatalf("esn=%v: Seq %d after exhaustion, want %d", esn, o.Seq(), last)
		}
	}
}

// CBC IVs are random, not repeated.
func TestCBCIVsDiffer(t *testing.T) {
	o, _ := suiteByName("aes128cbc-sha256").pair(t, false, 64)
	seen := map[string]bool{}
	for range 100 {
		pkt, err := o.Seal(nil, 4, nil)
		if err != nil {
			t.Fatal(err)
		}
		iv := string(pkt[8:24])
		if seen[iv] {
			t.Fatalf("IV %x repeated", iv)
		}
		seen[iv] = true
	}
}

func TestConfigErrors(t *testing.T) {
	ok := suiteByName("aes128gcm16").config(9, false, 64)
	for _, tc := range []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"zero SPI", func(c *Config) { c.SPI = 0 }, "zero SPI"},
		{"unknown cipher", func(c *Config) { c.Encr = 99 }, "unsupported encryption transform 99"},
		{"bad key length attribute", func(c *Config) { c.EncrKeyBits = 100 }, "invalid key length 100"},
		{"short key", func(c *Config) { c.EncrKey = c.EncrKey[:16] }, "encryption key is 16 bytes, transform 20/128 needs 20"},
		{"integrity with AEAD", func(c *Config) { c.Integ = suite.IntegHMACSHA196 }, "AEAD transform 20 with integrity transform 2"},
		{"CBC without integrity", func(c *Config) { c.Encr = suite.EncrAESCBC; c.EncrKey = c.EncrKey[:16] }, "unsupported integrity transform 0"},
		{"negative window", func(c *Config) { c.ReplayWindow = -1 }, "replay window -1 out of range"},
		{"huge window", func(c *Config) { c.ReplayWindow = MaxReplayWindow + 1 }, "out of range"},
	} {
		c := ok
		tc.change(&c)
		_, err := NewInbound(c)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "esp: ") {
			t.Errorf("%s: NewInbound: %v, want %q", tc.name, err, tc.want)
		}
		if tc.name == "negative window" || tc.name == "huge window" {
			continue // the window is inbound only
		}
		if _, err := NewOutbound(c); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: NewOutbound: %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := NewInbound(ok); err != nil {
		t.Fatal(err)
	}
}

func TestSPI(t *testing.T) {
	for _, tc := range []struct {
		pkt  []byte
		spi  uint32
		isOK bool
	}{
		{nil, 0, false},
		{[]byte{1, 2, 3, 4, 0, 0, 0}, 0, false},
		{[]byte{0, 0, 0, 0, 0, 0, 0, 1}, 0, false},
		{[]byte{1, 2, 3, 4, 0, 0, 0, 1}, 0x01020304, true},
	} {
		if spi, ok := SPI(tc.pkt); spi != tc.spi || ok != tc.isOK {
			t.Errorf("SPI(%x) = %#x, %v; want %#x, %v", tc.pkt, spi, ok, tc.spi, tc.isOK)
		}
	}
}

// Seal encrypts in place when the payload already sits at HeaderLen.
func TestSealInPlace(t *testing.T) {
	for _, name := range []string{"chacha20poly1305", "aes256cbc-sha256"} {
		o, in := suiteByName(name).pair(t, false, 64)
		payload := payloadOf(200)
		buf := make([]byte, 2048)
		copy(buf[o.HeaderLen():], payload)
		pkt, err := o.Seal(buf[:0], 4, buf[o.HeaderLen():o.HeaderLen()+len(payload)])
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := in.Open(nil, pkt)
		if err != nil || !bytes.Equal(got, payload) {
			t.Fatalf("%s: in-place Seal did not round-trip: %v", name, err)
		}
	}
}

// Seal moves a payload that sits further into dst's spare capacity than
// HeaderLen (a transport-mode payload behind its IP header, which the
// ESP header and IV overwrite) into place before it writes anything over
// it, for every suite and for a payload far enough in to overlap only
// the ciphertext and past the whole packet's end.
func TestSealPayloadBehindHeader(t *testing.T) {
	for _, s := range suites {
		o, in := s.pair(t, false, 64)
		for _, behind := range []int{1, 20, 40, 300} {
			payload := payloadOf(200 + behind)
			buf := make([]byte, 2048)
			at := o.HeaderLen() + behind
			copy(buf[at:], payload)
			pkt, err := o.Seal(buf[:0], 6, buf[at:at+len(payload)])
			if err != nil {
				t.Fatal(err)
			}
			got, next, err := in.Open(nil, pkt)
			if err != nil || next != 6 || !bytes.Equal(got, payload) {
				t.Fatalf("%s, payload %d bytes behind the header: next %d, %v", s.name, behind, next, err)
			}
		}
	}
}

// Many goroutines seal on one SA and many open on the other end: every
// sequence number is used once, every packet opens once, and a second
// pass is all replays. Run with -race.
func TestConcurrent(t *testing.T) {
	for _, name := range []string{"aes128gcm16", "aes128cbc-sha1"} {
		t.Run(name, func(t *testing.T) {
			o, in := suiteByName(name).pair(t, true, 4096)
			const workers, each = 8, 500 // fewer packets than the window
			pkts := make([][]byte, workers*each)
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					for i := range each {
						pkt, err := o.Seal(nil, 4, payloadOf(i%300))
						if err != nil {
							t.Error(err)
							return
						}
						pkts[w*each+i] = pkt
					}
				})
			}
			wg.Wait()
			seqs := map[uint32]bool{}
			for _, p := range pkts {
				seq := binary.BigEndian.Uint32(p[4:])
				if seqs[seq] {
					t.Fatalf("sequence number %d used twice", seq)
				}
				seqs[seq] = true
			}
			if len(seqs) != workers*each || o.Seq() != workers*each {
				t.Fatalf("%d distinct sequence numbers, counter at %d; want %d", len(seqs), o.Seq(), workers*each)
			}
			for pass, want := range []error{nil, ErrReplay} {
				var mu sync.Mutex
				counts := map[error]int{}
				for w := range workers {
					wg.Go(func() {
						buf := make([]byte, 0, 2048)
						// Each worker takes every workers-th packet from the end,
						// so the window sees them well out of order.
						for i := len(pkts) - 1 - w; i >= 0; i -= workers {
							_, _, err := in.Open(buf, pkts[i])
							mu.Lock()
							counts[err]++
							mu.Unlock()
						}
					})
				}
				wg.Wait()
				if counts[want] != len(pkts) {
					t.Fatalf("pass %d: results %v, want all %v", pass, counts, want)
				}
			}
		})
	}
}

// Goroutines racing to open the same packet: exactly one gets it.
func TestConcurrentDuplicates(t *testing.T) {
	o, in := suiteByName("chacha20poly1305").pair(t, false, 64)
	for range 50 {
		pkt, err := o.Seal(nil, 4, payloadOf(64))
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		var opened, replays int
		for range 4 {
			wg.Go(func() {
				_, _, err := in.Open(nil, pkt)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					opened++
				case errors.Is(err, ErrReplay):
					replays++
				default:
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if opened != 1 || replays != 3 {
			t.Fatalf("opened %d times, %d replays", opened, replays)
		}
	}
}
