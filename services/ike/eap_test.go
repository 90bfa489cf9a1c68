package ike

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
	"github.com/gatehouse-vpn/gatehouse/services/logging"
	"github.com/gatehouse-vpn/gatehouse/services/session"
)

// eapConfig adds to flexConfig two EAP profiles signing with an ECDSA
// certificate: EAPQ (query-identity, cached user attributes, accounting)
// for *.eapq.test and EAP (the IKE identity is the EAP identity, user
// authorization by the EAP user name) for *.eap.test. dir holds the
// trustpoint's PEM files (writeGatewayPEM).
func eapConfig(dir string) string {
	return flexConfig + `crypto ikev2 authorization policy EAPZ
 pool POOL1
crypto ikev2 authorization policy carol
 dns 10.8.8.8
crypto ikev2 profile EAPQ
 match identity remote fqdn domain eapq.test
 identity local fqdn vpn.eap.test
 authentication local ecdsa-sig
 authentication remote eap query-identity
 pki trustpoint TP
 aaa authentication eap EAPLIST
 aaa authorization group eap list LOCAL EAPZ
 aaa authorization user eap cached
 aaa accounting eap ACCT
 virtual-template 1
crypto ikev2 profile EAP
 match identity remote fqdn domain eap.test
 identity local fqdn vpn.eap.test
 authentication local ecdsa-sig
 authentication remote eap
 pki trustpoint TP
 aaa authorization group eap list LOCAL EAPZ
 aaa authorization user eap list LOCAL
 virtual-template 1
crypto pki import TP pem url file:` + filepath.Join(dir, "gw") + ` password unused
`
}

// writeGatewayPEM writes a CA and the head-end's certificate for
// vpn.eap.test with its key, as "crypto pki import ... url file:DIR/gw"
// reads them, and returns the CA.
func writeGatewayPEM(t testing.TB, dir string) *x509.Certificate {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "EAP test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "vpn.eap.test"},
		DNSNames: []string{"vpn.eap.test"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(key)
	for ext, b := range map[string]*pem.Block{".ca": {Type: "CERTIFICATE", Bytes: caDER},
		".crt": {Type: "CERTIFICATE", Bytes: der}, ".prv": {Type: "PRIVATE KEY", Bytes: pkcs8}} {
		if err := os.WriteFile(filepath.Join(dir, "gw"+ext), pem.EncodeToMemory(b), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return ca
}

// fakeEAP is an EAP server for the head-end's Options.EAP: EAP-MD5, or
// with keyed a key-generating test method, against users.
type fakeEAP struct {
	mu       sync.Mutex
	users    map[string]string
	keyed    bool          // the keyed test method instead of MD5
	badMSK   bool          // hand the head-end another MSK than the peer's
	attrs    *Attributes   // of the Access-Accept
	username string        // the Access-Accept's User-Name ("": the EAP identity)
	gate     chan struct{} // set: every Step waits for it to close
	startErr error

	starts, steps, closes int
	doubleClose           bool
	reqs                  []EAPRequest
	identities            []string
}

// eapTypeKeyed is the test method: the server sends a challenge, the peer
// answers HMAC-SHA256(password, challenge), and both take
// SHA-512(password | challenge) as the MSK.
const eapTypeKeyed = 254

func keyedMSK(password string, challenge []byte) []byte {
	h := sha512.Sum512(append([]byte(password), challenge...))
	return h[:]
}

func keyedMAC(password string, challenge []byte) []byte {
	m := hmac.New(sha256.New, []byte(password))
	m.Write(challenge)
	return m.Sum(nil)
}

func (f *fakeEAP) StartEAP(ctx context.Context, req EAPRequest) (EAPConversation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.startErr != nil {
		return nil, f.startErr
	}
	f.starts++
	f.reqs = append(f.reqs, req)
	return &fakeConversation{f: f}, nil
}

type fakeConversation struct {
	f         *fakeEAP
	identity  string
	id        byte
	challenge []byte
	closed    bool
}

func (c *fakeConversation) Step(ctx context.Context, pkt []byte) (*EAPAnswer, error) {
	f := c.f
	f.mu.Lock()
	f.steps++
	gate := f.gate
	f.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	p, err := parseEAP(pkt)
	if err != nil || p.Code != eapResponse {
		return nil, errors.New("fake EAP server: not an EAP response")
	}
	failure := &EAPAnswer{Outcome: EAPFailure, Packet: eapPacket{Code: eapFailure, ID: p.ID}.encode()}
	success := func(msk []byte) (*EAPAnswer, error) {
		user := f.username
		if user == "" {
			user = c.identity
		}
		return &EAPAnswer{Outcome: EAPSuccess, Packet: eapPacket{Code: eapSuccess, ID: p.ID}.encode(), MSK: msk,
			Username: user, Attributes: f.attrs}, nil
	}
	pw, known := f.users[c.identity]
	switch {
	case p.Type == eapTypeIdentity:
		c.identity = string(p.Data)
		f.identities = append(f.identities, c.identity)
		c.id, c.challenge = p.ID+1, make([]byte, 16)
		rand.Read(c.challenge)
		req := eapPacket{Code: eapRequest, ID: c.id, Type: eapTypeMD5, Data: append([]byte{16}, c.challenge...)}
		if f.keyed {
			req.Type, req.Data = eapTypeKeyed, c.challenge
		}
		return &EAPAnswer{Outcome: EAPContinue, Packet: req.encode()}, nil
	case p.ID != c.id || !known:
		return failure, nil
	case p.Type == eapTypeMD5 && !f.keyed:
		v, err := md5Challenge(p.Data)
		if err != nil || !bytes.Equal(v, eapMD5Value(c.id, pw, c.challenge)) {
			return failure, nil
		}
		return success(nil)
	case p.Type == eapTypeKeyed && f.keyed:
		if !hmac.Equal(p.Data, keyedMAC(pw, c.challenge)) {
			return failure, nil
		}
		msk := keyedMSK(pw, c.challenge)
		if f.badMSK {
			msk[0] ^= 1
		}
		return success(msk)
	}
	return failure, nil
}

func (c *fakeConversation) Close() {
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	c.f.doubleClose = c.f.doubleClose || c.closed
	c.closed = true
	c.f.closes++
}

// counts reads the counters under the lock.
func (f *fakeEAP) counts() (starts, steps, closes int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.starts, f.steps, f.closes
}

// waitClosed waits until every conversation started was closed, once.
func (f *fakeEAP) waitClosed(t *testing.T) {
	t.Helper()
	waitFor(t, func() bool { s, _, c := f.counts(); return s == c })
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.doubleClose {
		t.Error("a conversation was closed twice")
	}
}

// keyedClient is the peer side of the keyed test method.
type keyedClient struct {
	identity, password string
	msk                []byte
}

func (k *keyedClient) Identity() string { return k.identity }
func (k *keyedClient) MSK() []byte      { return k.msk }
func (k *keyedClient) Respond(req []byte) ([]byte, error) {
	p, err := parseEAP(req)
	if err != nil {
		return nil, err
	}
	if p.Type != eapTypeKeyed {
		return eapPacket{Code: eapResponse, ID: p.ID, Type: eapTypeNak, Data: []byte{eapTypeKeyed}}.encode(), nil
	}
	k.msk = keyedMSK(k.password, p.Data)
	return eapPacket{Code: eapResponse, ID: p.ID, Type: eapTypeKeyed, Data: keyedMAC(k.password, p.Data)}.encode(), nil
}

// failingClient gives up on the first method request, as a peer whose
// user walked away would stop answering.
type failingClient struct{ identity string }

func (f failingClient) Identity() string               { return f.identity }
func (f failingClient) MSK() []byte                    { return nil }
func (f failingClient) Respond([]byte) ([]byte, error) { return nil, errors.New("no password typed") }

// newEAPHeadend is a head-end with eapConfig and srv as its EAP server.
func newEAPHeadend(t testing.TB, srv *fakeEAP, more string, opts ...func(*Options)) (*headend, *x509.Certificate) {
	t.Helper()
	dir := t.TempDir()
	ca := writeGatewayPEM(t, dir)
	opts = append([]func(*Options){func(o *Options) { o.EAP = srv }}, opts...)
	h := newHeadend(t, eapConfig(dir)+more, opts...)
	h.log.Debug().Set(logging.FlagCryptoIKEv2, true)
	return h, ca
}

func (h *headend) eapClient(id string, c EAPClient, ca *x509.Certificate) InitiatorConfig {
	ic := h.clientConfig(id)
	ic.PSK, ic.EAP = nil, c
	if ca != nil {
		ic.ResponderCAs = []*x509.Certificate{ca}
	}
	return ic
}

func TestEAPMD5QueryIdentity(t *testing.T) {
	srv := &fakeEAP{users: map[string]string{"alice": "wonderland"}, attrs: &Attributes{DNS: []netip.Addr{netip.MustParseAddr("10.9.9.9")}},
		username: "alice@CORP"}
	obs := &recorder{}
	h, ca := newEAPHeadend(t, srv, "", func(o *Options) { o.Observer = obs })
	c := newClient(t)
	conn, err := c.Initiate(ctxT(t), h.eapClient("laptop.eapq.test", EAPMD5("alice", "wonderland"), ca))
	if err != nil {
		t.Fatalf("initiate: %v\n%s", err, h.log.Render("debugging"))
	}
	// Group authorization gave the pool; the Access-Accept's attributes,
	// cached, the DNS server.
	if conn.Address != netip.MustParseAddr("10.10.0.10") || len(conn.DNS) != 1 || conn.DNS[0] != netip.MustParseAddr("10.9.9.9") {
		t.Errorf("address %s, DNS %v", conn.Address, conn.DNS)
	}
	ss := h.e.Sessions()
	if len(ss) != 1 {
		t.Fatalf("%d sessions", len(ss))
	}
	s := ss[0]
	if s.Profile != "EAPQ" || s.IKE.AuthSign != "ECDSA" || s.IKE.AuthVerify != "EAP" || s.IKE.RemoteEAPID != "alice" ||
		s.IKE.RemoteID != "laptop.eapq.test" || s.Username != "alice@CORP" || s.IKE.LocalID != "vpn.eap.test" {
		t.Errorf("session %+v\nIKE %+v", s, *s.IKE)
	}
	var out bytes.Buffer
	session.RenderIKEv2SA(&out, []session.IKESA{*s.IKE}, true)
	if !strings.Contains(out.String(), "      Remote EAP id: alice\n") {
		t.Errorf("show crypto ikev2 sa detail:\n%s", out.String())
	}
	srv.mu.Lock()
	req, ids := srv.reqs[0], srv.identities
	srv.mu.Unlock()
	audit, _ := session.AuditSessionID(s.IKE.Local, s.IKE.Remote, uint32(s.ID))
	if req.List != "EAPLIST" || req.Identity != "laptop.eapq.test" || req.AuditSessionID != audit || req.Peer != s.Peer ||
		len(ids) != 1 || ids[0] != "alice" {
		t.Errorf("EAP request %+v (audit-session-id %s), identities %v", req, audit, ids)
	}
	logs := h.log.Render("debugging")
	for _, want := range []string{
		"Generating EAP request", "Processing EAP response", "IKEv2:Use authen method list EAPLIST",
		"IKEv2:pre-AAA: client sent alice as EAP-Id response", "IKEv2:sending alice [EAP-Id] as username to AAA",
		"[IKEv2 -> AAA] Authentication request sent", "Sending EAP status message",
		" IDr CERT AUTH EAP\n", "Verification of peer's authentication data PASSED",
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("debug output lacks %q", want)
		}
	}
	srv.waitClosed(t)
	if _, steps, _ := srv.counts(); steps != 2 {
		t.Errorf("%d steps, want 2 (identity, MD5)", steps)
	}
	// Accounting hears of it with the EAP class and the AAA user name.
	if err := conn.Close(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	ev := obs.wait(t, 2)
	if ev[0].down || ev[0].rec.AuthMethod != schema.AAAEAP || ev[0].rec.AccountingList != "ACCT" || ev[0].rec.Username != "alice@CORP" ||
		!ev[1].down || ev[1].cause != CauseUserRequest {
		t.Errorf("observer events %+v", ev)
	}
}

func TestEAPMD5IKEIdentity(t *testing.T) {
	// No query-identity: the IKE identity is the EAP identity; the
	// server's User-Name (carol) names the user authorization policy.
	srv := &fakeEAP{users: map[string]string{"bob.eap.test": "builder"}, username: "carol"}
	h, ca := newEAPHeadend(t, srv, "")
	c := newClient(t)
	conn, err := c.Initiate(ctxT(t), h.eapClient("bob.eap.test", EAPMD5("never asked", "builder"), ca))
	if err != nil {
		t.Fatalf("initiate: %v\n%s", err, h.log.Render("debugging"))
	}
	if len(conn.DNS) != 1 || conn.DNS[0] != netip.MustParseAddr("10.8.8.8") {
		t.Errorf("DNS %v: the user authorization did not use the EAP user name", conn.DNS)
	}
	s := h.e.Sessions()[0]
	if s.Profile != "EAP" || s.IKE.RemoteEAPID != "bob.eap.test" || s.Username != "carol" {
		t.Errorf("session %+v\nIKE %+v", s, *s.IKE)
	}
	if logs := h.log.Render("debugging"); !strings.Contains(logs, "IKEv2:sending bob.eap.test [IKE-Id] as username to AAA") {
		t.Errorf("debug output:\n%s", logs)
	}
	srv.waitClosed(t)
}

func TestEAPWrongPassword(t *testing.T) {
	srv := &fakeEAP{users: map[string]string{"alice": "wonderland"}}
	h, ca := newEAPHeadend(t, srv, "")
	c := newClient(t)
	_, err := c.Initiate(ctxT(t), h.eapClient("laptop.eapq.test", EAPMD5("alice", "looking-glass"), ca))
	var ne *NotifyError
	if !errors.Is(err, ErrEAPFailure) || !errors.As(err, &ne) || ne.Type != wire.AUTHENTICATION_FAILED {
		t.Fatalf("err %v, want EAP-Failure and AUTHENTICATION_FAILED", err)
	}
	waitFor(t, func() bool { return h.e.HalfOpen() == 0 })
	if n := len(h.e.Sessions()); n != 0 || h.pools.InUse("POOL1") != 0 || h.e.Stats().AuthFailed != 1 {
		t.Errorf("%d sessions, %d addresses, stats %+v", n, h.pools.InUse("POOL1"), h.e.Stats())
	}
	srv.waitClosed(t)
}

func TestEAPKeyGeneratingMethod(t *testing.T) {
	srv := &fakeEAP{users: map[string]string{"dora": "explorer"}, keyed: true}
	h, ca := newEAPHeadend(t, srv, "")
	c := newClient(t)
	k := &keyedClient{identity: "dora", password: "explorer"}
	if _, err := c.Initiate(ctxT(t), h.eapClient("tablet.eapq.test", k, ca)); err != nil {
		t.Fatalf("initiate: %v\n%s", err, h.log.Render("debugging"))
	}
	if len(k.msk) != 64 {
		t.Fatalf("the client made no MSK")
	}
	srv.waitClosed(t)
	// The AUTH payloads are keyed with the MSK: a server handing the
	// head-end another MSK than the peer's fails the peer's AUTH.
	srv.mu.Lock()
	srv.badMSK = true
	srv.mu.Unlock()
	_, err := c.Initiate(ctxT(t), h.eapClient("tablet.eapq.test", &keyedClient{identity: "dora", password: "explorer"}, ca))
	var ne *NotifyError
	if !errors.As(err, &ne) || ne.Type != wire.AUTHENTICATION_FAILED {
		t.Fatalf("err %v, want AUTHENTICATION_FAILED", err)
	}
	if logs := h.log.Render("debugging"); !strings.Contains(logs, "AUTH after EAP does not verify with the MSK") {
		t.Errorf("debug output lacks the MSK failure")
	}
	srv.waitClosed(t)
}

func TestEAPNeedsCertificateLocalAuth(t *testing.T) {
	srv := &fakeEAP{users: map[string]string{"alice": "wonderland"}}
	// IOS accepts "authentication remote eap" before a local method is
	// configured; the engine refuses EAP peers of such a profile, and of
	// one whose local method is a pre-shared key (which the CLI refuses,
	// so the test writes it directly).
	h, ca := newEAPHeadend(t, srv, `crypto ikev2 profile NOLOCAL
 match identity remote fqdn domain nolocal.test
 authentication remote eap query-identity
`)
	c := newClient(t)
	for _, id := range []string{"x.nolocal.test", "x.psklocal.test"} {
		if id == "x.psklocal.test" {
			setProfile(t, h, "NOLOCAL", func(p *schema.IKEv2Profile) {
				p.MatchIdentities[0].Value = "psklocal.test"
				p.LocalAuth = &schema.LocalAuth{Method: schema.AuthPreShare, Key: &schema.Secret{Value: "s3cret"}}
			})
		}
		_, err := c.Initiate(ctxT(t), h.eapClient(id, EAPMD5("alice", "wonderland"), ca))
		var ne *NotifyError
		if !errors.As(err, &ne) || ne.Type != wire.AUTHENTICATION_FAILED {
			t.Fatalf("%s: err %v, want AUTHENTICATION_FAILED", id, err)
		}
	}
	logs := h.log.Render("debugging")
	for _, want := range []string{"(it is none)", "(it is pre-share)"} {
		if !strings.Contains(logs, "for remote auth method to be EAP, the local auth method must be certificate-based "+want) {
			t.Errorf("debug output lacks the refusal %s", want)
		}
	}
	if s, _, _ := srv.counts(); s != 0 {
		t.Errorf("%d EAP conversations started", s)
	}
}

// setProfile changes a profile in the database and waits for the engine
// to see it.
func setProfile(t *testing.T, h *headend, name string, change func(p *schema.IKEv2Profile)) {
	t.Helper()
	var p schema.IKEv2Profile
	pend, err := h.db.Update(configdb.Meta{}, func(tx *configdb.Tx) error {
		if _, err := tx.GetJSON(schema.KindIKEv2Profile, name, &p); err != nil {
			return err
		}
		change(&p)
		return tx.PutJSON(schema.KindIKEv2Profile, name, &p)
	})
	if err == nil {
		err = pend.Wait()
	}
	if err != nil {
		t.Fatal(err)
	}
	rev := h.db.Rev()
	waitFor(t, func() bool { return h.e.cfg.Load().rev >= rev })
}

func TestEAPTimeout(t *testing.T) {
	t.Parallel()
	srv := &fakeEAP{users: map[string]string{"alice": "wonderland"}}
	h, ca := newEAPHeadend(t, srv, "")
	// One second instead of the CLI's 45 at least, to keep the test short.
	setProfile(t, h, "EAPQ", func(p *schema.IKEv2Profile) { p.RemoteAuth[0].Timeout = 1 })
	c := newClient(t)
	// The peer stops answering in the middle of the conversation (its
	// user never typed a password): the head-end gives up on its own.
	start := time.Now()
	if _, err := c.Initiate(ctxT(t), h.eapClient("laptop.eapq.test", failingClient{"alice"}, ca)); err == nil {
		t.Fatal("the client succeeded")
	}
	waitFor(t, func() bool { return h.e.Stats().EAPTimeouts == 1 && h.e.HalfOpen() == 0 })
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("the SA went after %s, before the EAP timeout", d)
	}
	if logs := h.log.Render("debugging"); !strings.Contains(logs, "EAP authentication timed out after 1 sec: deleting the SA") {
		t.Errorf("debug output lacks the timeout")
	}
	srv.waitClosed(t)
	// "clear crypto session" while the server is thinking: the pending
	// step is cancelled and the conversation closed.
	srv.mu.Lock()
	srv.gate = make(chan struct{})
	stepsBefore := srv.steps
	srv.mu.Unlock()
	ctx, cancel := context.WithCancel(ctxT(t))
	done := make(chan error, 1)
	go func() {
		_, err := c.Initiate(ctx, h.eapClient("laptop.eapq.test", EAPMD5("alice", "wonderland"), ca))
		done <- err
	}()
	waitFor(t, func() bool { _, steps, _ := srv.counts(); return steps == stepsBefore+1 })
	if n := h.e.Clear(session.ClearRequest{Sessions: true}); n != 1 {
		t.Errorf("clear crypto session cleared %d SAs", n)
	}
	srv.waitClosed(t)
	cancel()
	<-done
	if h.e.HalfOpen() != 0 || len(h.e.Sessions()) != 0 {
		t.Errorf("SAs left: %+v", h.e.Sessions())
	}
}

func TestEAPRetransmissions(t *testing.T) {
	srv := &fakeEAP{users: map[string]string{"alice": "wonderland"}, gate: make(chan struct{})}
	h, ca := newEAPHeadend(t, srv, "")
	c := newClient(t)
	ic := h.eapClient("laptop.eapq.test", EAPMD5("alice", "wonderland"), ca)
	ic.Retransmits = []time.Duration{50 * time.Millisecond, 50 * time.Millisecond, 50 * time.Millisecond, time.Second}
	type result struct {
		conn *Connection
		err  error
	}
	done := make(chan result, 1)
	go func() {
		conn, err := c.Initiate(ctxT(t), ic)
		done <- result{conn, err}
	}()
	// The server sits on the peer's identity while the peer retransmits
	// it: the copies are ignored, not relayed again.
	waitFor(t, func() bool { _, steps, _ := srv.counts(); return steps == 1 && c.Stats().RetransmitsOut >= 2 })
	close(srv.gate)
	r := <-done
	if r.err != nil {
		t.Fatalf("initiate: %v", r.err)
	}
	if _, steps, _ := srv.counts(); steps != 2 {
		t.Errorf("%d steps, want 2: a retransmission was relayed", steps)
	}
	// An answered EAP round sent again gets the cached answer.
	sa := r.conn.sa
	sa.mu.Lock()
	pkts, err := sa.protect(sa.header(wire.IKE_AUTH, 2, false), []wire.Payload{&wire.EAP{Data: []byte{2, 0, 0, 4}}})
	sa.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	before := h.e.Stats().RetransmitsIn
	sa.sock.send(sa.local, sa.remote, pkts[0])
	waitFor(t, func() bool { return h.e.Stats().RetransmitsIn > before })
	if _, steps, _ := srv.counts(); steps != 2 {
		t.Errorf("%d steps after a replayed round", steps)
	}
	if err := r.conn.Ping(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	srv.waitClosed(t)
}

func TestEAPWithoutAuthenticator(t *testing.T) {
	dir := t.TempDir()
	ca := writeGatewayPEM(t, dir)
	h := newHeadend(t, eapConfig(dir))
	h.log.Debug().Set(logging.FlagCryptoIKEv2, true)
	_, err := newClient(t).Initiate(ctxT(t), h.eapClient("laptop.eapq.test", EAPMD5("alice", "wonderland"), ca))
	var ne *NotifyError
	if !errors.As(err, &ne) || ne.Type != wire.AUTHENTICATION_FAILED {
		t.Fatalf("err %v", err)
	}
	if logs := h.log.Render("debugging"); !strings.Contains(logs, "EAP authentication needs the AAA service, which is not running") {
		t.Errorf("debug output lacks the reason")
	}
}
