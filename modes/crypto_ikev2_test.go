package modes

import (
	"slices"
	"testing"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/grammar"
)

func TestSetList(t *testing.T) {
	var l []string
	setPreferences(&l, false, []string{"a", "b"})
	setPreferences(&l, false, []string{"b", "c"}) // appends only what is new
	if !slices.Equal(l, []string{"a", "b", "c"}) {
		t.Fatalf("append: %v", l)
	}
	setPreferences(&l, true, []string{"b"})
	if !slices.Equal(l, []string{"a", "c"}) {
		t.Fatalf("remove: %v", l)
	}
	setPreferences(&l, true, nil)
	if l != nil {
		t.Fatalf("clear: %v", l)
	}
}

func TestCheckProfile(t *testing.T) {
	rsa := &schema.LocalAuth{Method: schema.AuthRSASig}
	psk := &schema.LocalAuth{Method: schema.AuthPreShare}
	eap := []schema.RemoteAuth{{Method: schema.AuthEAP}}
	anyconnect := []schema.RemoteAuth{{Method: schema.AuthAnyConnectEAP, Aggregate: true}}
	for _, c := range []struct {
		name string
		p    schema.IKEv2Profile
		want string
	}{
		{"eap with rsa-sig", schema.IKEv2Profile{LocalAuth: rsa, RemoteAuth: eap}, ""},
		{"eap before any local method", schema.IKEv2Profile{RemoteAuth: eap}, ""},
		{"eap with pre-share", schema.IKEv2Profile{LocalAuth: psk, RemoteAuth: eap}, msgEAPNeedsCert},
		{"anyconnect-eap with local eap", schema.IKEv2Profile{LocalAuth: &schema.LocalAuth{Method: schema.AuthEAP}, RemoteAuth: anyconnect}, msgEAPNeedsCert},
		{"reconnect with certificates", schema.IKEv2Profile{LocalAuth: rsa, RemoteAuth: eap, Reconnect: &schema.Reconnect{}}, ""},
		{"reconnect with a keyring", schema.IKEv2Profile{Keyring: &schema.ProfileKeyring{Local: "kr"}, Reconnect: &schema.Reconnect{}}, msgReconnectNoPSK},
		{"reconnect with local psk", schema.IKEv2Profile{LocalAuth: psk, Reconnect: &schema.Reconnect{}}, msgReconnectNoPSK},
		{"reconnect with remote psk", schema.IKEv2Profile{RemoteAuth: []schema.RemoteAuth{{Method: schema.AuthPreShare}}, Reconnect: &schema.Reconnect{}}, msgReconnectNoPSK},
		{"reconnect with psk authorization", schema.IKEv2Profile{AAAAuthorizationUser: []schema.AAAAuthorization{{Class: schema.AAAPSK, Cached: true}}, Reconnect: &schema.Reconnect{}}, msgReconnectNoPSK},
		{"reconnect with eap authorization", schema.IKEv2Profile{AAAAuthorizationGroup: []schema.AAAAuthorization{{Class: schema.AAAEAP, List: "l"}}, Reconnect: &schema.Reconnect{}}, ""},
	} {
		got := ""
		if err := checkProfile(&c.p); err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestSetByClassKeepsIOSOrder(t *testing.T) {
	class := func(a schema.AAAAccounting) string { return a.Class }
	var l []schema.AAAAccounting
	for _, a := range []schema.AAAAccounting{{Class: "anyconnect-eap", List: "a"}, {Class: "psk", List: "p"}, {Class: "cert", List: "c"}, {Class: "psk", List: "p2"}} {
		c := &Ctx{Args: grammar.NewArgs(false, "class", a.Class)}
		setByClass(c, &l, class, func() schema.AAAAccounting { return a })
	}
	want := []schema.AAAAccounting{{Class: "psk", List: "p2"}, {Class: "cert", List: "c"}, {Class: "anyconnect-eap", List: "a"}}
	if !slices.Equal(l, want) {
		t.Errorf("got %v, want %v", l, want)
	}
	setByClass(&Ctx{Args: grammar.NewArgs(true, "class", "cert")}, &l, class, nil)
	if len(l) != 2 || l[1].Class != "anyconnect-eap" {
		t.Errorf("no cert: %v", l)
	}
	setByClass(&Ctx{Args: grammar.NewArgs(true)}, &l, class, nil)
	if l != nil {
		t.Errorf("no form without class: %v", l)
	}
}

func TestIdentityText(t *testing.T) {
	for _, c := range []struct {
		id   schema.IKEv2Identity
		want string
	}{
		{schema.IKEv2Identity{Type: schema.IDAddress, Value: "10.0.0.0", Mask: "255.0.0.0"}, "address 10.0.0.0 255.0.0.0"},
		{schema.IKEv2Identity{Type: schema.IDFQDN, Value: "example.com", Domain: true}, "fqdn domain example.com"},
		{schema.IKEv2Identity{Type: schema.IDAny}, "any"},
		{schema.IKEv2Identity{Type: schema.IDDN}, "dn"},
	} {
		if got := identityText(&c.id); got != c.want {
			t.Errorf("%+v: %q, want %q", c.id, got, c.want)
		}
	}
}
