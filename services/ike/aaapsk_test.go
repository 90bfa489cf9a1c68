package ike

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
	"github.com/gatehouse-vpn/gatehouse/services/logging"
)

// aaaPSKConfig adds a profile whose keys come from AAA, for *.psk.test,
// the user name being the identity's host name (seed 001's example).
const aaaPSKConfig = `crypto ikev2 name-mangler MANGLER
 fqdn hostname
crypto ikev2 profile AAAPSK
 match identity remote fqdn domain psk.test
 identity local fqdn vpn.example.com
 authentication local pre-share
 authentication remote pre-share
 keyring aaa PSKLIST name-mangler MANGLER
 aaa authorization group psk list LOCAL AUTHZ
 aaa authorization user psk cached
 virtual-template 1
crypto ikev2 profile AAAPW
 match identity remote fqdn domain pw.test
 identity local fqdn vpn.example.com
 authentication local pre-share
 authentication remote pre-share
 keyring aaa PSKLIST password 0 pskpass
 aaa authorization group psk list LOCAL AUTHZ
 virtual-template 1
`

// fakePSK answers PSK lookups from a table.
type fakePSK struct {
	mu      sync.Mutex
	answers map[string]*PSKAnswer
	reqs    []PSKRequest
}

func (f *fakePSK) LookupPSK(ctx context.Context, req PSKRequest) (*PSKAnswer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, req)
	a, ok := f.answers[req.Username]
	if !ok {
		return nil, errors.New("Access-Reject")
	}
	return a, nil
}

func (f *fakePSK) last() PSKRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reqs[len(f.reqs)-1]
}

func TestAAAPSK(t *testing.T) {
	dns := netip.MustParseAddr("10.9.9.9")
	lookup := &fakePSK{answers: map[string]*PSKAnswer{
		"router1":        {Local: []byte("s3cret"), Remote: []byte("s3cret"), Attributes: &Attributes{DNS: []netip.Addr{dns}}},
		"router2":        {Remote: []byte("s3cret")}, // a lone Tunnel-Password
		"router3":        {Local: []byte("other"), Remote: []byte("other")},
		"branch.pw.test": {Local: []byte("s3cret"), Attributes: &Attributes{DNS: []netip.Addr{dns}}},
		"router4":        nil,
	}}
	h := newHeadend(t, flexConfig+aaaPSKConfig, func(o *Options) { o.PSK = lookup })
	h.log.Debug().Set(logging.FlagCryptoIKEv2, true)
	h.log.Debug().Set(logging.FlagCryptoIKEv2Internal, true)
	c := newClient(t)

	// The mangled identity, the default password, and the cached
	// attributes of the Access-Accept in CFG_REPLY with the group's pool.
	conn, err := c.Initiate(ctxT(t), h.clientConfig("router1.psk.test"))
	if err != nil {
		t.Fatalf("initiate: %v\n%s", err, h.log.Render("debugging"))
	}
	req := lookup.last()
	if req.Username != "router1" || req.Password != "cisco" || req.List != "PSKLIST" || req.AuditSessionID == "" {
		t.Errorf("lookup %+v", req)
	}
	if conn.Address != netip.MustParseAddr("10.10.0.10") || len(conn.DNS) != 1 || conn.DNS[0] != dns {
		t.Errorf("address %s, DNS %v", conn.Address, conn.DNS)
	}
	if s := h.e.Sessions()[0]; s.Username != "router1" || s.IKE.AuthVerify != "PSK" || s.Profile != "AAAPSK" {
		t.Errorf("session %+v", s)
	}
	logs := h.log.Render("debugging")
	for _, want := range []string{
		"Get peer's preshared key for router1.psk.test", "IKEv2-INTERNAL:Fetching shared secret from AAA",
		"IKEv2-INTERNAL:Name-mangler 'MANGLER' returning mangled-name 'router1'", "IKEv2-INTERNAL: Using AAA method list PSKLIST for peer router1",
		"[IKEv2 -> AAA] Password request sent", "[AAA -> IKEv2] Received password response",
		"IKEv2-INTERNAL:Received cached attributes: dns: 10.9.9.9",
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("debug output lacks %q", want)
		}
	}

	// A lone key serves both directions.
	if _, err := c.Initiate(ctxT(t), h.clientConfig("router2.psk.test")); err != nil {
		t.Errorf("lone key: %v", err)
	}
	// The keyring's password; without "cached" the answer's attributes
	// are not used.
	conn, err = c.Initiate(ctxT(t), h.clientConfig("branch.pw.test"))
	if err != nil {
		t.Fatalf("password: %v", err)
	}
	if req := lookup.last(); req.Username != "branch.pw.test" || req.Password != "pskpass" {
		t.Errorf("lookup %+v", req)
	}
	if len(conn.DNS) != 1 || conn.DNS[0] != netip.MustParseAddr("10.10.0.53") {
		t.Errorf("DNS %v: uncached attributes were used", conn.DNS)
	}

	for _, tc := range []struct{ id, debug string }{
		{"router3.psk.test", "pre-shared key mismatch"},
		{"nobody.psk.test", "AAA pre-shared key lookup for nobody (list PSKLIST) failed: Access-Reject"},
		{"router4.psk.test", "no answer"},
	} {
		_, err := c.Initiate(ctxT(t), h.clientConfig(tc.id))
		var ne *NotifyError
		if !errors.As(err, &ne) || ne.Type != wire.AUTHENTICATION_FAILED {
			t.Errorf("%s: err %v, want AUTHENTICATION_FAILED", tc.id, err)
		}
		if logs := h.log.Render("debugging"); !strings.Contains(logs, tc.debug) {
			t.Errorf("%s: debug output lacks %q", tc.id, tc.debug)
		}
	}
	waitFor(t, func() bool { return h.e.HalfOpen() == 0 })
	if n := h.e.SessionCount(); n != 3 {
		t.Errorf("%d sessions, want 3", n)
	}
}

func TestAAAPSKWithoutLookup(t *testing.T) {
	h := newHeadend(t, flexConfig+aaaPSKConfig)
	h.log.Debug().Set(logging.FlagCryptoIKEv2, true)
	_, err := newClient(t).Initiate(ctxT(t), h.clientConfig("router1.psk.test"))
	var ne *NotifyError
	if !errors.As(err, &ne) || ne.Type != wire.AUTHENTICATION_FAILED {
		t.Fatalf("err %v", err)
	}
	if logs := h.log.Render("debugging"); !strings.Contains(logs, "keyring aaa PSKLIST: no AAA pre-shared key lookup (the AAA service is not running)") {
		t.Errorf("debug output lacks the reason")
	}
}
