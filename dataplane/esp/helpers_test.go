package esp

import (
	"fmt"
	"testing"

	"github.com/gatehouse-vpn/gatehouse/services/ike/suite"
)

// testSuite is one transform combination the IKE engine can negotiate.
type testSuite struct {
	name              string
	encr, bits, integ int
	encrLen, integLen int
	aead              bool
}

// suites is every supported combination: the AEADs and each CBC cipher
// with each HMAC.
var suites = func() []testSuite {
	var ss []testSuite
	add := func(name string, encr, bits, integ int) {
		tr := suite.Transforms{Encr: encr, EncrKeyBits: bits, Integ: integ}
		ek, err := tr.EncrKeyLen()
		if err != nil {
			panic(err)
		}
		ak, err := tr.IntegKeyLen()
		if err != nil {
			panic(err)
		}
		ss = append(ss, testSuite{name: name, encr: encr, bits: bits, integ: integ, encrLen: ek, integLen: ak, aead: tr.IsAEAD()})
	}
	for _, bits := range []int{128, 192, 256} {
		add(fmt.Sprintf("aes%dgcm16", bits), suite.EncrAESGCM16, bits, suite.IntegNone)
	}
	add("chacha20poly1305", suite.EncrChaCha20Poly1305, 0, suite.IntegNone)
	integs := []struct {
		name string
		id   int
	}{
		{"sha1", suite.IntegHMACSHA196},
		{"sha256", suite.IntegHMACSHA2256128},
		{"sha384", suite.IntegHMACSHA2384192},
		{"sha512", suite.IntegHMACSHA2512256},
	}
	for _, bits := range []int{128, 192, 256} {
		for _, in := range integs {
			add(fmt.Sprintf("aes%dcbc-%s", bits, in.name), suite.EncrAESCBC, bits, in.id)
		}
	}
	for _, in := range integs {
		add("3des-"+in.name, suite.Encr3DES, 0, in.id)
	}
	return ss
}()

// suiteByName finds a suite for benchmarks and fuzzers.
func suiteByName(name string) testSuite {
	for _, s := range suites {
		if s.name == name {
			return s
		}
	}
	panic("no suite " + name)
}

// config keys s with fixed, distinct key bytes, so that fuzz corpora stay
// valid between runs.
func (s testSuite) config(spi uint32, esn bool, window int) Config {
	key := func(n int, seed byte) []byte {
		k := make([]byte, n)
		for i := range k {
			k[i] = seed + byte(i)*7
		}
		return k
	}
	return Config{SPI: spi, Encr: s.encr, EncrKeyBits: s.bits, Integ: s.integ,
		EncrKey: key(s.encrLen, 0x11), IntegKey: key(s.integLen, 0x5a), ESN: esn, ReplayWindow: window}
}

// pair is both ends of one direction of an SA.
func (s testSuite) pair(t testing.TB, esn bool, window int) (*Outbound, *Inbound) {
	t.Helper()
	c := s.config(0x1000+uint32(len(s.name)), esn, window)
	o, err := NewOutbound(c)
	if err != nil {
		t.Fatalf("%s: NewOutbound: %v", s.name, err)
	}
	in, err := NewInbound(c)
	if err != nil {
		t.Fatalf("%s: NewInbound: %v", s.name, err)
	}
	return o, in
}

// setTop moves an inbound window as if seq had been received, for
// vectors and tests that start deep into the sequence space.
func (in *Inbound) setTop(seq uint64) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if !in.win.accept(seq) {
		panic("setTop: not fresh")
	}
}

// top is the highest sequence number the window has accepted.
func (in *Inbound) top() uint64 {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.win.top
}

// sealAt seals with a chosen sequence number and IV, as known-answer
// vectors need; the counter is not touched.
func (o *Outbound) sealAt(seq uint64, iv []byte, nextHeader byte, payload []byte) []byte {
	pkt, err := o.t.seal(nil, o.spi, seq, o.esn, iv, nextHeader, payload)
	if err != nil {
		panic(err)
	}
	return pkt
}
