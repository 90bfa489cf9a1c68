package freeradius

import (
	"bytes"
	"crypto/des"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"golang.org/x/crypto/md4" //nolint:staticcheck // MS-CHAPv2 is defined over MD4
	"layeh.com/radius"

	"github.com/gatehouse-vpn/gatehouse/internal/peerkit"
)

// eapol_test (wpa_supplicant's EAP peer) is not packaged for Debian, so
// these tests play the EAP peer in Go over RADIUS, as a NAS relaying for
// a client would: the packets FreeRADIUS answers are real.

// RADIUS attribute and EAP numbers the peer uses.
const (
	attrUserName      = 1
	attrState         = 24
	attrVendor        = 26
	attrEAPMessage    = 79
	attrMessageAuth   = 80
	vendorCisco       = 9
	vendorMicrosoft   = 311
	msMPPESendKey     = 16
	msMPPERecvKey     = 17
	eapRequest        = 1
	eapResponse       = 2
	eapSuccess        = 3
	eapFailure        = 4
	eapTypeIdentity   = 1
	eapTypeNak        = 3
	eapTypeMD5        = 4
	eapTypeTLS        = 13
	eapTypeMSCHAPv2   = 26
	roundTimeout      = 5 * time.Second
	eapTLSFragmentMax = 400 // small enough that the client's flights are fragmented too
)

// eapPeer is one EAP conversation with a FreeRADIUS server: the
// NAS-side RADIUS exchange (State, Message-Authenticator both ways) and
// the EAP identifier bookkeeping.
type eapPeer struct {
	t      *testing.T
	secret []byte
	conn   *net.UDPConn
	user   string
	state  []byte
	lastID byte           // identifier of the last EAP-Request
	req    *radius.Packet // the last Access-Request, for MS-MPPE key decryption
}

func newEAPPeer(t *testing.T, s *Server, user string) *eapPeer {
	conn, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(s.AuthAddr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &eapPeer{t: t, secret: []byte(s.Secret), conn: conn, user: user}
}

// eapMessage is an EAP packet: code, identifier, and for requests and
// responses the type and type data.
type eapMessage struct {
	Code, ID, Type byte
	Data           []byte
}

func parseEAP(b []byte) (eapMessage, error) {
	if len(b) < 4 || int(binary.BigEndian.Uint16(b[2:4])) != len(b) {
		return eapMessage{}, fmt.Errorf("malformed EAP packet %x", b)
	}
	m := eapMessage{Code: b[0], ID: b[1]}
	if m.Code == eapRequest || m.Code == eapResponse {
		if len(b) < 5 {
			return m, fmt.Errorf("EAP packet without type %x", b)
		}
		m.Type, m.Data = b[4], b[5:]
	}
	return m, nil
}

func (p *eapPeer) response(typ byte, data []byte) []byte {
	b := []byte{eapResponse, p.lastID, 0, 0, typ}
	b = append(b, data...)
	binary.BigEndian.PutUint16(b[2:4], uint16(len(b)))
	return b
}

// start sends the EAP-Response/Identity that begins every conversation.
func (p *eapPeer) start() (*radius.Packet, eapMessage) {
	return p.round(p.response(eapTypeIdentity, []byte(p.user)))
}

// round sends one EAP response in an Access-Request and returns the reply
// and the EAP packet in it. It checks what every reply must have: a
// valid Response Authenticator and Message-Authenticator, and in an
// Access-Challenge nothing from the users file.
func (p *eapPeer) round(eap []byte) (*radius.Packet, eapMessage) {
	p.t.Helper()
	req := radius.New(radius.CodeAccessRequest, p.secret)
	req.Add(attrUserName, radius.Attribute(p.user))
	for rest := eap; len(rest) > 0; {
		n := min(len(rest), 253)
		req.Add(attrEAPMessage, radius.Attribute(rest[:n]))
		rest = rest[n:]
	}
	if p.state != nil {
		req.Add(attrState, radius.Attribute(p.state))
	}
	req.Add(attrMessageAuth, make(radius.Attribute, 16))
	raw, err := req.MarshalBinary()
	if err != nil {
		p.t.Fatal(err)
	}
	mac := hmac.New(md5.New, p.secret)
	mac.Write(raw)
	req.Set(attrMessageAuth, mac.Sum(nil))
	wire, err := req.Encode()
	if err != nil {
		p.t.Fatal(err)
	}
	p.req = req

	if _, err := p.conn.Write(wire); err != nil {
		p.t.Fatal(err)
	}
	buf := make([]byte, radius.MaxPacketLength)
	p.conn.SetReadDeadline(time.Now().Add(roundTimeout))
	n, err := p.conn.Read(buf)
	if err != nil {
		p.t.Fatalf("EAP round for %s: %v", p.user, err)
	}
	respWire := buf[:n]
	if !radius.IsAuthenticResponse(respWire, wire, p.secret) {
		p.t.Fatalf("reply with a bad Response Authenticator")
	}
	resp, err := radius.Parse(respWire, p.secret)
	if err != nil {
		p.t.Fatal(err)
	}
	if err := checkMessageAuthenticator(respWire, req.Authenticator[:], p.secret); err != nil {
		p.t.Fatalf("%v: %v", resp.Code, err)
	}
	if resp.Code == radius.CodeAccessChallenge && vendorAttr(resp, vendorCisco, 1) != nil {
		p.t.Errorf("Access-Challenge carries Cisco-AVPair")
	}
	p.state = nil
	if st, ok := resp.Lookup(attrState); ok {
		p.state = st
	}
	var eapBytes []byte
	for _, avp := range resp.Attributes {
		if avp.Type == attrEAPMessage {
			eapBytes = append(eapBytes, avp.Attribute...)
		}
	}
	if eapBytes == nil {
		p.t.Fatalf("%v without EAP-Message", resp.Code)
	}
	m, err := parseEAP(eapBytes)
	if err != nil {
		p.t.Fatal(err)
	}
	p.lastID = m.ID
	return resp, m
}

// checkMessageAuthenticator verifies the reply's Message-Authenticator
// (RFC 3579 section 3.2: HMAC-MD5 over the reply with the request's
// authenticator in place of its own and the attribute zeroed).
func checkMessageAuthenticator(wire, reqAuth, secret []byte) error {
	b := bytes.Clone(wire)
	copy(b[4:20], reqAuth)
	var got []byte
	for off := 20; off+2 <= len(b); {
		typ, l := b[off], int(b[off+1])
		if l < 2 || off+l > len(b) {
			return errors.New("malformed attributes")
		}
		if typ == attrMessageAuth {
			if l != 18 {
				return fmt.Errorf("Message-Authenticator of length %d", l)
			}
			got = bytes.Clone(b[off+2 : off+18])
			clear(b[off+2 : off+18])
		}
		off += l
	}
	if got == nil {
		return errors.New("no Message-Authenticator")
	}
	mac := hmac.New(md5.New, secret)
	mac.Write(b)
	if !hmac.Equal(mac.Sum(nil), got) {
		return errors.New("invalid Message-Authenticator")
	}
	return nil
}

// vendorAttr returns the value of the first vendor-specific attribute
// vendor/typ in p.
func vendorAttr(p *radius.Packet, vendor uint32, typ byte) []byte {
	for _, avp := range p.Attributes {
		if avp.Type != attrVendor {
			continue
		}
		id, v, err := radius.VendorSpecific(avp.Attribute)
		if err != nil || id != vendor || len(v) < 2 || v[0] != typ || int(v[1]) > len(v) {
			continue
		}
		return v[2:v[1]]
	}
	return nil
}

// mppeKey decrypts MS-MPPE-Send-Key or -Recv-Key (RFC 2548 2.4.2, the
// same salted scheme as Tunnel-Password) from an Access-Accept.
func (p *eapPeer) mppeKey(accept *radius.Packet, typ byte) []byte {
	p.t.Helper()
	enc := vendorAttr(accept, vendorMicrosoft, typ)
	if enc == nil {
		p.t.Fatalf("Access-Accept without MS-MPPE key %d", typ)
	}
	key, _, err := radius.TunnelPassword(radius.Attribute(enc), p.secret, p.req.Authenticator[:])
	if err != nil {
		p.t.Fatalf("MS-MPPE key %d: %v", typ, err)
	}
	return key
}

// expect fails unless the reply is code with EAP code eapCode.
func expect(t *testing.T, resp *radius.Packet, m eapMessage, code radius.Code, eapCode byte) {
	t.Helper()
	if resp.Code != code || m.Code != eapCode {
		t.Fatalf("got %v with EAP code %d, want %v with EAP code %d", resp.Code, m.Code, code, eapCode)
	}
}

// startWith sends the identity and, unless the server proposes method
// typ, a Nak asking for it; it returns the first request of typ.
func (p *eapPeer) startWith(typ byte) (*radius.Packet, eapMessage) {
	p.t.Helper()
	resp, m := p.start()
	expect(p.t, resp, m, radius.CodeAccessChallenge, eapRequest)
	if m.Type == typ {
		return resp, m
	}
	resp, m = p.round(p.response(eapTypeNak, []byte{typ}))
	expect(p.t, resp, m, radius.CodeAccessChallenge, eapRequest)
	if m.Type != typ {
		p.t.Fatalf("after Nak for %d the server proposes %d", typ, m.Type)
	}
	return resp, m
}

func eapUsers(t *testing.T) *Server {
	return Start(t, Config{Users: aliceUsers, EAP: &EAPConfig{}})
}

func TestEAPMD5(t *testing.T) {
	t.Parallel()
	s := eapUsers(t)
	for _, tc := range []struct {
		password string
		want     radius.Code
	}{{"pw", radius.CodeAccessAccept}, {"wrong", radius.CodeAccessReject}} {
		p := newEAPPeer(t, s, "alice")
		resp, m := p.startWith(eapTypeMD5) // md5 is the default
		if len(m.Data) < 1 || int(m.Data[0]) > len(m.Data)-1 {
			t.Fatalf("malformed MD5-Challenge %x", m.Data)
		}
		challenge := m.Data[1 : 1+m.Data[0]]
		sum := md5.Sum(append(append([]byte{m.ID}, tc.password...), challenge...))
		resp, m = p.round(p.response(eapTypeMD5, append([]byte{16}, sum[:]...)))
		if tc.want == radius.CodeAccessAccept {
			expect(t, resp, m, radius.CodeAccessAccept, eapSuccess)
			if got := string(vendorAttr(resp, vendorCisco, 1)); got != "ipsec:dns-servers=10.0.0.53" {
				t.Errorf("Cisco-AVPair %q in the EAP Access-Accept", got)
			}
		} else {
			expect(t, resp, m, radius.CodeAccessReject, eapFailure)
			if vendorAttr(resp, vendorCisco, 1) != nil {
				t.Errorf("Access-Reject carries Cisco-AVPair")
			}
		}
	}
}

// MS-CHAPv2 (RFC 2759) and its MPPE keys (RFC 3079), peer side.
func ntPasswordHash(password string) []byte {
	u := utf16.Encode([]rune(password))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	h := md4.New()
	h.Write(b)
	return h.Sum(nil)
}

func md4Sum(b []byte) []byte {
	h := md4.New()
	h.Write(b)
	return h.Sum(nil)
}

func sha1Of(parts ...[]byte) []byte {
	h := sha1.New()
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

func desKey(k7 []byte) []byte {
	return []byte{
		k7[0], k7[0]<<7 | k7[1]>>1, k7[1]<<6 | k7[2]>>2, k7[2]<<5 | k7[3]>>3,
		k7[3]<<4 | k7[4]>>4, k7[4]<<3 | k7[5]>>5, k7[5]<<2 | k7[6]>>6, k7[6] << 1,
	}
}

func ntResponse(authChallenge, peerChallenge []byte, user, password string) []byte {
	challenge := sha1Of(peerChallenge, authChallenge, []byte(user))[:8]
	z := make([]byte, 21)
	copy(z, ntPasswordHash(password))
	out := make([]byte, 24)
	for i := range 3 {
		c, err := des.NewCipher(desKey(z[7*i : 7*i+7]))
		if err != nil {
			panic(err)
		}
		c.Encrypt(out[8*i:], challenge)
	}
	return out
}

func authenticatorResponse(authChallenge, peerChallenge, ntResp []byte, user, password string) string {
	hh := md4Sum(ntPasswordHash(password))
	digest := sha1Of(hh, ntResp, []byte("Magic server to client signing constant"))
	challenge := sha1Of(peerChallenge, authChallenge, []byte(user))[:8]
	return "S=" + strings.ToUpper(hex.EncodeToString(sha1Of(digest, challenge, []byte("Pad to make it do more than one iteration"))))
}

// serverMPPEKeys are the keys a server sends as MS-MPPE-Send-Key and
// MS-MPPE-Recv-Key after MS-CHAPv2 (RFC 3079 3.4, server side).
func serverMPPEKeys(ntResp []byte, password string) (send, recv []byte) {
	master := sha1Of(md4Sum(ntPasswordHash(password)), ntResp, []byte("This is the MPPE Master Key"))[:16]
	pad1, pad2 := make([]byte, 40), bytes.Repeat([]byte{0xf2}, 40)
	send = sha1Of(master, pad1, []byte("On the client side, this is the receive key; on the server side, it is the send key."), pad2)[:16]
	recv = sha1Of(master, pad1, []byte("On the client side, this is the send key; on the server side, it is the receive key."), pad2)[:16]
	return send, recv
}

func TestEAPMSCHAPv2(t *testing.T) {
	t.Parallel()
	s := eapUsers(t)
	mschap := func(opCode, msID byte, value []byte) []byte {
		b := []byte{opCode, msID, 0, 0}
		b = append(b, value...)
		binary.BigEndian.PutUint16(b[2:4], uint16(len(b)))
		return b
	}
	for _, password := range []string{"pw", "wrong"} {
		p := newEAPPeer(t, s, "alice")
		resp, m := p.startWith(eapTypeMSCHAPv2)
		// Challenge: OpCode 1, MS-CHAPv2-ID, MS-Length, Value-Size 16, challenge, name.
		if len(m.Data) < 5+16 || m.Data[0] != 1 || m.Data[4] != 16 {
			t.Fatalf("malformed MS-CHAPv2 Challenge %x", m.Data)
		}
		msID, authChallenge := m.Data[1], m.Data[5:21]
		peerChallenge := make([]byte, 16)
		rand.Read(peerChallenge)
		nt := ntResponse(authChallenge, peerChallenge, "alice", password)
		value := []byte{49}
		value = append(value, peerChallenge...)
		value = append(value, make([]byte, 8)...) // reserved
		value = append(value, nt...)
		value = append(value, 0) // flags
		value = append(value, "alice"...)
		resp, m = p.round(p.response(eapTypeMSCHAPv2, mschap(2, msID, value)))
		if password != "pw" {
			// send_error = no: a bad password is an Access-Reject at once.
			expect(t, resp, m, radius.CodeAccessReject, eapFailure)
			continue
		}
		expect(t, resp, m, radius.CodeAccessChallenge, eapRequest)
		if m.Type != eapTypeMSCHAPv2 || len(m.Data) < 4 || m.Data[0] != 3 {
			t.Fatalf("want MS-CHAPv2 Success, got type %d %x", m.Type, m.Data)
		}
		want := authenticatorResponse(authChallenge, peerChallenge, nt, "alice", password)
		if msg := string(m.Data[4:]); !strings.HasPrefix(msg, want) {
			t.Fatalf("Success message %q, want authenticator response %s", msg, want)
		}
		resp, m = p.round(p.response(eapTypeMSCHAPv2, []byte{3}))
		expect(t, resp, m, radius.CodeAccessAccept, eapSuccess)
		wantSend, wantRecv := serverMPPEKeys(nt, password)
		send, recv := p.mppeKey(resp, msMPPESendKey), p.mppeKey(resp, msMPPERecvKey)
		if !bytes.HasPrefix(send, wantSend) || !bytes.HasPrefix(recv, wantRecv) {
			t.Errorf("MS-MPPE keys send %x recv %x, want %x and %x (RFC 3079)", send, recv, wantSend, wantRecv)
		}
		if got := string(vendorAttr(resp, vendorCisco, 1)); got != "ipsec:dns-servers=10.0.0.53" {
			t.Errorf("Cisco-AVPair %q in the EAP Access-Accept", got)
		}
	}
}

// tlsFlights is the net.Conn crypto/tls runs over for EAP-TLS. What the
// client writes is gathered into a flight; a Read with nothing buffered
// means the client has written its whole flight and waits for the
// server's, so the flight is handed to the EAP side then. Only the TLS
// goroutine touches in and out.
type tlsFlights struct {
	in, out bytes.Buffer
	flights chan []byte // client flight, to the EAP side
	input   chan []byte // server flight, from the EAP side; closed to abort
}

func (c *tlsFlights) Read(b []byte) (int, error) {
	if c.in.Len() == 0 {
		c.flights <- bytes.Clone(c.out.Bytes())
		c.out.Reset()
		data, ok := <-c.input
		if !ok {
			return 0, io.EOF
		}
		c.in.Write(data)
	}
	return c.in.Read(b)
}

func (c *tlsFlights) Write(b []byte) (int, error)      { return c.out.Write(b) }
func (c *tlsFlights) Close() error                     { return nil }
func (c *tlsFlights) LocalAddr() net.Addr              { return &net.UDPAddr{} }
func (c *tlsFlights) RemoteAddr() net.Addr             { return &net.UDPAddr{} }
func (c *tlsFlights) SetDeadline(time.Time) error      { return nil }
func (c *tlsFlights) SetReadDeadline(time.Time) error  { return nil }
func (c *tlsFlights) SetWriteDeadline(time.Time) error { return nil }

// handshake runs the TLS client on c in a goroutine.
func (c *tlsFlights) handshake(conf *tls.Config) <-chan handshakeResult {
	done := make(chan handshakeResult, 1)
	go func() {
		tc := tls.Client(c, conf)
		err := tc.Handshake()
		done <- handshakeResult{tc.ConnectionState(), err, bytes.Clone(c.out.Bytes())}
	}()
	return done
}

type handshakeResult struct {
	state tls.ConnectionState
	err   error
	rest  []byte // written after the last flight (nothing, for TLS 1.2)
}

// eapTLS runs EAP-TLS for cred and returns the peer, the final reply and,
// when the handshake completed, the connection state.
func eapTLS(t *testing.T, s *Server, user string, cred *Credential) (*eapPeer, *radius.Packet, eapMessage, *tls.ConnectionState) {
	t.Helper()
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(s.CACertPEM)
	conf := &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{cred.Cert.Raw}, PrivateKey: cred.Key}},
		RootCAs:      roots,
		ServerName:   "radius.gatehouse.test",
		MinVersion:   tls.VersionTLS12,
		MaxVersion:   tls.VersionTLS12,
	}
	p := newEAPPeer(t, s, user)
	resp, m := p.startWith(eapTypeTLS)
	if len(m.Data) < 1 || m.Data[0]&0x20 == 0 {
		t.Fatalf("want EAP-TLS Start, got %x", m.Data)
	}
	c := &tlsFlights{flights: make(chan []byte), input: make(chan []byte)}
	done := c.handshake(conf)
	var state *tls.ConnectionState
	var pending, received []byte // our flight still to send; the server's being reassembled
	first := true
	wait := func() {
		select {
		case f := <-c.flights:
			pending, first = f, true
		case r := <-done:
			if r.err != nil {
				t.Logf("TLS handshake: %v", r.err)
			} else {
				state = &r.state
			}
			pending, first = r.rest, true
			done = nil
		case <-time.After(roundTimeout):
			t.Fatalf("TLS client stalled")
		}
	}
	wait() // the ClientHello
	for {
		// Send (the next fragment of) our flight, or an empty ACK.
		flags, frag := byte(0), pending
		if len(pending) > eapTLSFragmentMax {
			frag, flags = pending[:eapTLSFragmentMax], 0x40
		}
		data := []byte{flags}
		if first && flags&0x40 != 0 {
			data[0] |= 0x80
			data = binary.BigEndian.AppendUint32(data, uint32(len(pending)))
		}
		data = append(data, frag...)
		pending, first = pending[len(frag):], false
		resp, m = p.round(p.response(eapTypeTLS, data))
		if resp.Code != radius.CodeAccessChallenge {
			if done != nil {
				close(c.input) // the handshake's Read returns EOF
			}
			return p, resp, m, state
		}
		if m.Type != eapTypeTLS || len(m.Data) < 1 {
			t.Fatalf("want EAP-TLS request, got type %d %x", m.Type, m.Data)
		}
		if len(pending) > 0 {
			continue // the server acknowledged a fragment
		}
		flags, payload := m.Data[0], m.Data[1:]
		if flags&0x80 != 0 {
			if len(payload) < 4 {
				t.Fatalf("EAP-TLS request with L flag and no length: %x", m.Data)
			}
			payload = payload[4:]
		}
		received = append(received, payload...)
		if flags&0x40 != 0 {
			continue // more fragments: acknowledge with an empty response
		}
		if done == nil {
			t.Fatalf("server sent TLS data after the handshake ended")
		}
		c.input <- received
		received = nil
		wait()
	}
}

func TestEAPTLS(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{Users: aliceUsers, EAP: &EAPConfig{DefaultType: "tls"}})
	cred, err := s.IssueClientCert("alice", CertOptions{Emails: []string{"alice@example.test"}})
	if err != nil {
		t.Fatal(err)
	}
	p, resp, m, state := eapTLS(t, s, "alice", cred)
	expect(t, resp, m, radius.CodeAccessAccept, eapSuccess)
	if state == nil {
		t.Fatal("Access-Accept before the TLS handshake completed")
	}
	// RFC 5216 2.3: MSK = TLS-PRF(master, "client EAP encryption",
	// client.random || server.random), which is the RFC 5705 exporter
	// without context; Recv-Key is its first half, Send-Key the second.
	msk, err := state.ExportKeyingMaterial("client EAP encryption", nil, 64)
	if err != nil {
		t.Fatal(err)
	}
	if recv, send := p.mppeKey(resp, msMPPERecvKey), p.mppeKey(resp, msMPPESendKey); !bytes.Equal(recv, msk[:32]) || !bytes.Equal(send, msk[32:]) {
		t.Errorf("MS-MPPE-Recv-Key %x Send-Key %x, want the MSK halves %x", recv, send, msk)
	}
	if got := string(vendorAttr(resp, vendorCisco, 1)); got != "ipsec:dns-servers=10.0.0.53" {
		t.Errorf("Cisco-AVPair %q in the EAP-TLS Access-Accept", got)
	}

	// A certificate from another CA is refused.
	other, err := peerkit.NewCA(caOrganization, "stranger", peerkit.ECDSA)
	if err != nil {
		t.Fatal(err)
	}
	bad, err := other.Issue("alice", peerkit.ECDSA, CertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, resp, m, _ = eapTLS(t, s, "alice", bad)
	expect(t, resp, m, radius.CodeAccessReject, eapFailure)
}
