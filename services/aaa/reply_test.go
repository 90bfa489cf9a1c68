package aaa

import (
	"errors"
	"testing"

	"layeh.com/radius"
	"layeh.com/radius/rfc2865"

	aaaradius "github.com/gatehouse-vpn/gatehouse/services/aaa/radius"
	"github.com/gatehouse-vpn/gatehouse/services/ike"
)

func accept(avpairs ...string) *radius.Packet {
	p := radius.New(radius.CodeAccessAccept, []byte("s"))
	for _, av := range avpairs {
		aaaradius.AddCiscoAVPair(p, av)
	}
	return p
}

func TestReplyAttributesAVPairs(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	p := accept("ipsec:dns-servers=10.0.0.53", "ip:interface-config=ip mtu 1300", "ipsec:addr-pool*POOL",
		"shell:priv-lvl=15", "ipsec:future-thing*x", "ipsec:ikev2-password-local=L")
	rfc2865.SessionTimeout_Set(p, 3600)
	a, keys, err := s.replyAttributes(p, 1, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.DNS) != 1 || a.DNS[0].String() != "10.0.0.53" || a.Pool != "POOL" || len(a.InterfaceConfig) != 1 || a.SessionTimeout.Seconds() != 3600 {
		t.Fatalf("attributes %+v", a)
	}
	if string(keys.Local) != "L" || keys.Remote != nil {
		t.Fatalf("keys %q/%q", keys.Local, keys.Remote)
	}
	// An unknown mandatory AV-pair fails the authorization, as IOS does.
	if _, _, err := s.replyAttributes(accept("ipsec:future-thing=x"), 1, "test", nil); err == nil {
		t.Fatal("unknown mandatory AV-pair accepted")
	}
	// A known attribute with a bad value fails too.
	if _, _, err := s.replyAttributes(accept("ipsec:dns-servers=not-an-address"), 1, "test", nil); err == nil {
		t.Fatal("bad dns-servers accepted")
	}
	// Tunnel-Password is both keys.
	_, keys, err = s.replyAttributes(accept(), 1, "test", []byte("tp"))
	if err != nil || string(keys.Local) != "tp" || string(keys.Remote) != "tp" {
		t.Fatalf("tunnel password: %q/%q %v", keys.Local, keys.Remote, err)
	}
}

func TestAccessRequiresNewModel(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	if _, err := s.StartEAP(ctxT(t), ikeEAPRequest()); err == nil {
		t.Fatal("EAP without aaa new-model")
	}
	r, err := s.Login(ctxT(t), "vty 0", "nobody", "x")
	if !errors.Is(err, errNoSuchUser) || r.Privilege != 0 {
		t.Fatalf("login without users: %+v %v", r, err)
	}
}

// FuzzReplyAttributes feeds arbitrary RADIUS answers to the attribute
// mapping: it must return attributes or an error, never panic.
func FuzzReplyAttributes(f *testing.F) {
	seed, _ := accept("ipsec:route-set=prefix 10.0.0.0/8", "ip:interface-config=ip mtu 1300").Encode()
	f.Add(seed)
	s := New(Options{})
	defer s.Close()
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := radius.Parse(b, []byte("s"))
		if err != nil {
			return
		}
		s.replyAttributes(p, 1, "fuzz", nil)
	})
}

func ikeEAPRequest() ike.EAPRequest { return ike.EAPRequest{List: "default", Identity: "x"} }
