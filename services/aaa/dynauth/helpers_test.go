package dynauth

import (
	"crypto/hmac"
	"crypto/md5"
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
	"time"

	"layeh.com/radius"
)

const (
	testSecret = "s3cret"
	// A session id in the seed's form (001:1271).
	testAuditID = "L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZN3D"
)

var loopback = netip.MustParseAddr("127.0.0.1")

// testConfig listens on a free loopback port and knows 127.0.0.1 as a
// client with testSecret.
func testConfig() *Config {
	return &Config{Address: loopback, Clients: []Client{{Addr: loopback, Secret: []byte(testSecret)}}}
}

// startServer runs a Server with cfg (testConfig when nil) and closes it
// at the end of the test.
func startServer(t *testing.T, h Handler, cfg *Config, opt Options) *Server {
	t.Helper()
	if cfg == nil {
		cfg = testConfig()
	}
	s := New(h, opt)
	if err := s.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// dac is a dynamic authorization client on loopback.
type dac struct {
	t    *testing.T
	conn *net.UDPConn
}

// newDAC opens a client socket on local (127.0.0.1 when invalid) connected
// to the server at to.
func newDAC(t *testing.T, local netip.Addr, to netip.AddrPort) *dac {
	t.Helper()
	if !local.IsValid() {
		local = loopback
	}
	conn, err := net.DialUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(local, 0)), net.UDPAddrFromAddrPort(to))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &dac{t: t, conn: conn}
}

func (d *dac) send(b []byte) {
	d.t.Helper()
	if _, err := d.conn.Write(b); err != nil {
		d.t.Fatal(err)
	}
}

// read waits (at most 5 s) for the next datagram.
func (d *dac) read() []byte {
	d.t.Helper()
	b, err := d.readErr()
	if err != nil {
		d.t.Fatal(err)
	}
	return b
}

func (d *dac) readErr() ([]byte, error) {
	buf := make([]byte, 4096)
	d.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := d.conn.Read(buf)
	return buf[:n], err
}

// exchange sends req (encoded with secret) and returns the checked
// response.
func (d *dac) exchange(req []byte, secret string) *radius.Packet {
	d.t.Helper()
	d.send(req)
	return checkResponse(d.t, d.read(), req, secret)
}

// checkResponse parses resp and checks its Response Authenticator and, if
// it has one, its Message-Authenticator against req.
func checkResponse(t *testing.T, resp, req []byte, secret string) *radius.Packet {
	t.Helper()
	if !radius.IsAuthenticResponse(resp, req, []byte(secret)) {
		t.Fatalf("response authenticator wrong")
	}
	p, err := radius.Parse(resp, []byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	if p.Identifier != req[1] {
		t.Fatalf("response id %d, want %d", p.Identifier, req[1])
	}
	if off := maOffset(resp); off > 0 {
		c := append([]byte(nil), resp...)
		copy(c[4:20], req[4:20])
		clear(c[off : off+16])
		mac := hmac.New(md5.New, []byte(secret))
		mac.Write(c)
		if !hmac.Equal(mac.Sum(nil), resp[off:off+16]) {
			t.Fatalf("response Message-Authenticator wrong")
		}
	}
	return p
}

// maOffset is the offset of the Message-Authenticator value in b, or -1.
func maOffset(b []byte) int {
	for off := 20; off+2 <= len(b); off += int(b[off+1]) {
		if b[off+1] < 2 {
			return -1
		}
		if b[off] == attrMessageAuthenticator {
			return off + 2
		}
	}
	return -1
}

// newPacket builds a request packet with id.
func newPacket(code radius.Code, id byte, secret string) *radius.Packet {
	p := radius.New(code, []byte(secret))
	p.Identifier = id
	return p
}

// addAVPair adds a Cisco-AVPair.
func addAVPair(p *radius.Packet, pair string) {
	p.Add(attrVendorSpecific, ciscoVSA(pair))
}

func ciscoVSA(pair string) radius.Attribute {
	b := binary.BigEndian.AppendUint32(nil, ciscoVendorID)
	b = append(b, ciscoAVPair, byte(2+len(pair)))
	return append(b, pair...)
}

// encode signs p: with a Message-Authenticator when ma, then the Request
// Authenticator.
func encode(t *testing.T, p *radius.Packet, ma bool) []byte {
	t.Helper()
	if ma {
		avp := &radius.AVP{Type: attrMessageAuthenticator, Attribute: make(radius.Attribute, 16)}
		p.Attributes = append(p.Attributes, avp)
		p.Authenticator = [16]byte{}
		raw, err := p.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		mac := hmac.New(md5.New, p.Secret)
		mac.Write(raw)
		avp.Attribute = mac.Sum(nil)
	}
	b, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// eventTimestamp is an Event-Timestamp value.
func eventTimestamp(t time.Time) radius.Attribute {
	return binary.BigEndian.AppendUint32(nil, uint32(t.Unix()))
}

// waitFor polls cond until it holds or 5 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// errorCause is the response's Error-Cause, 0 when absent.
func errorCause(p *radius.Packet) ErrorCause {
	v, ok := p.Lookup(attrErrorCause)
	if !ok || len(v) != 4 {
		return 0
	}
	return ErrorCause(binary.BigEndian.Uint32(v))
}
