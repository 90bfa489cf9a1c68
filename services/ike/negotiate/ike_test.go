package negotiate

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

var (
	addrA = netip.MustParseAddr("192.0.2.1")
	addrB = netip.MustParseAddr("198.51.100.1")
)

// suitesFor resolves a configuration with one user policy "p" (when
// proposal is non-nil) naming proposal "p", and looks up the global table
// on addrA.
func suitesFor(t *testing.T, proposal *schema.IKEv2Proposal) []IKESuite {
	t.Helper()
	var pols []schema.IKEv2Policy
	props := map[string]schema.IKEv2Proposal{}
	if proposal != nil {
		proposal.Name = "p"
		props["p"] = *proposal
		pols = append(pols, schema.IKEv2Policy{Name: "p", Proposals: []string{"p"}})
	}
	_, suites := IKEPolicies(pols, props).Lookup("", addrA)
	return suites
}

func TestSelectIKE(t *testing.T) {
	ss, ssKE := strongSwanOffer(t)
	windows := []wire.Proposal{ikeProp(1, enc(wire.ENCR_3DES, 0), integ(wire.AUTH_HMAC_SHA1_96), prf(wire.PRF_HMAC_SHA1), dh(wire.MODP_1024))}
	cbc256 := &schema.IKEv2Proposal{Encryption: []string{"aes-cbc-256"}, Integrity: []string{"sha256"}, Groups: []int{14, 19}}
	tests := []struct {
		name   string
		config *schema.IKEv2Proposal // nil: smart defaults only
		offer  []wire.Proposal
		ke     wire.TransformID
		want   string
	}{
		// IOS's smart default (aes-cbc-256, sha512/384, groups 19 14 21 5)
		// shares no PRF with either strongSwan proposal.
		{"strongswan vs default", nil, ss, ssKE, "none"},
		// The brief's configured proposal still lacks x25519 and GCM.
		{"strongswan vs cbc256 sha256 14 19", cbc256, ss, ssKE, "none"},
		{"strongswan vs cbc256 sha256 31", &schema.IKEv2Proposal{Encryption: []string{"aes-cbc-256"}, Integrity: []string{"sha256"}, Groups: []int{14, 31}}, ss, ssKE,
			"#1 ENCR12/256 PRF5 INTEG12 DH31"},
		{"strongswan vs gcm", &schema.IKEv2Proposal{Encryption: []string{"aes-gcm-128"}, PRF: []string{"sha256"}, Groups: []int{19}}, ss, ssKE,
			"#2 ENCR20/128 PRF5 DH19"},
		{"strongswan-like default-compatible", nil, []wire.Proposal{
			ikeProp(1, enc(wire.ENCR_AES_CBC, 256), integ(wire.AUTH_HMAC_SHA2_256_128), prf(wire.PRF_HMAC_SHA2_256), dh(wire.CURVE_25519)),
			ikeProp(2, enc(wire.ENCR_AES_CBC, 256), integ(wire.AUTH_HMAC_SHA2_384_192), integ(wire.AUTH_HMAC_SHA2_512_256), prf(wire.PRF_HMAC_SHA2_384), prf(wire.PRF_HMAC_SHA2_512), dh(wire.MODP_2048), dh(wire.ECP_256)),
		}, wire.MODP_2048, "#2 ENCR12/256 PRF7 INTEG14 DH14"},
		{"default prefers its own group without KE hint", nil, []wire.Proposal{
			ikeProp(3, enc(wire.ENCR_AES_CBC, 256), integ(wire.AUTH_HMAC_SHA2_512_256), prf(wire.PRF_HMAC_SHA2_512), dh(wire.MODP_2048), dh(wire.ECP_256)),
		}, wire.DH_NONE, "#3 ENCR12/256 PRF7 INTEG14 DH19"},
		{"windows vs default", nil, windows, wire.MODP_1024, "none"},
		{"windows vs cbc256", cbc256, windows, wire.MODP_1024, "none"},
		{"windows vs configured 3des", &schema.IKEv2Proposal{Encryption: []string{"3des"}, Integrity: []string{"sha1"}, Groups: []int{2}}, windows, wire.MODP_1024,
			"#1 ENCR3 PRF2 INTEG2 DH2"},
		{"key length mismatch", cbc256, []wire.Proposal{
			ikeProp(1, enc(wire.ENCR_AES_CBC, 128), integ(wire.AUTH_HMAC_SHA2_256_128), prf(wire.PRF_HMAC_SHA2_256), dh(wire.MODP_2048)),
		}, 0, "none"},
		{"AES without key length", cbc256, []wire.Proposal{
			ikeProp(1, tf(wire.TransformENCR, wire.ENCR_AES_CBC), integ(wire.AUTH_HMAC_SHA2_256_128), prf(wire.PRF_HMAC_SHA2_256), dh(wire.MODP_2048)),
		}, 0, "none"},
		{"peer's proposal order wins", cbc256, []wire.Proposal{
			ikeProp(1, enc(wire.ENCR_AES_CBC, 128), integ(wire.AUTH_HMAC_SHA2_256_128), prf(wire.PRF_HMAC_SHA2_256), dh(wire.MODP_2048)),
			ikeProp(2, enc(wire.ENCR_AES_CBC, 256), integ(wire.AUTH_HMAC_SHA2_256_128), prf(wire.PRF_HMAC_SHA2_256), dh(wire.ECP_256)),
			ikeProp(3, enc(wire.ENCR_AES_CBC, 256), integ(wire.AUTH_HMAC_SHA2_256_128), prf(wire.PRF_HMAC_SHA2_256), dh(wire.MODP_2048)),
		}, 0, "#2 ENCR12/256 PRF5 INTEG12 DH19"},
		{"AEAD with INTEG NONE", &schema.IKEv2Proposal{Encryption: []string{"aes-gcm-256"}, PRF: []string{"sha384"}, Groups: []int{20}}, []wire.Proposal{
			ikeProp(1, enc(wire.ENCR_AES_GCM_16, 256), integ(wire.AUTH_NONE), prf(wire.PRF_HMAC_SHA2_384), dh(wire.ECP_384)),
		}, 0, "#1 ENCR20/256 PRF6 INTEG0 DH20"},
		{"AEAD with a real INTEG", &schema.IKEv2Proposal{Encryption: []string{"aes-gcm-256"}, PRF: []string{"sha384"}, Groups: []int{20}}, []wire.Proposal{
			ikeProp(1, enc(wire.ENCR_AES_GCM_16, 256), integ(wire.AUTH_HMAC_SHA2_384_192), prf(wire.PRF_HMAC_SHA2_384), dh(wire.ECP_384)),
		}, 0, "none"},
		{"chacha has no key length", &schema.IKEv2Proposal{Encryption: []string{"chacha20-poly1305"}, PRF: []string{"sha256"}, Groups: []int{31}}, []wire.Proposal{
			ikeProp(1, enc(wire.ENCR_CHACHA20_POLY1305, 256), prf(wire.PRF_HMAC_SHA2_256), dh(wire.CURVE_25519)),
			ikeProp(2, enc(wire.ENCR_CHACHA20_POLY1305, 0), prf(wire.PRF_HMAC_SHA2_256), dh(wire.CURVE_25519)),
		}, 0, "#2 ENCR28 PRF5 DH31"},
		{"non-AEAD without INTEG", cbc256, []wire.Proposal{
			ikeProp(1, enc(wire.ENCR_AES_CBC, 256), prf(wire.PRF_HMAC_SHA2_256), dh(wire.MODP_2048)),
		}, 0, "none"},
		{"unknown transform type", cbc256, []wire.Proposal{
			ikeProp(1, enc(wire.ENCR_AES_CBC, 256), integ(wire.AUTH_HMAC_SHA2_256_128), prf(wire.PRF_HMAC_SHA2_256), dh(wire.MODP_2048), tf(6, 0)),
			ikeProp(2, enc(wire.ENCR_AES_CBC, 256), integ(wire.AUTH_HMAC_SHA2_256_128), prf(wire.PRF_HMAC_SHA2_256), dh(wire.MODP_2048), esn(wire.ESN_NO)),
			ikeProp(3, enc(wire.ENCR_AES_CBC, 256), integ(wire.AUTH_HMAC_SHA2_256_128), prf(wire.PRF_HMAC_SHA2_256), dh(wire.MODP_2048)),
		}, 0, "#3 ENCR12/256 PRF5 INTEG12 DH14"},
		{"ESP proposal in IKE SA", cbc256, []wire.Proposal{
			espProp(1, enc(wire.ENCR_AES_CBC, 256), integ(wire.AUTH_HMAC_SHA2_256_128), prf(wire.PRF_HMAC_SHA2_256), dh(wire.MODP_2048)),
		}, 0, "none"},
		{"KE group chosen when acceptable", cbc256, []wire.Proposal{
			ikeProp(1, enc(wire.ENCR_AES_CBC, 256), integ(wire.AUTH_HMAC_SHA2_256_128), prf(wire.PRF_HMAC_SHA2_256), dh(wire.MODP_2048), dh(wire.ECP_256)),
		}, wire.ECP_256, "#1 ENCR12/256 PRF5 INTEG12 DH19"},
		{"unknown attribute drops the transform", cbc256, []wire.Proposal{
			ikeProp(1, wire.Transform{Type: wire.TransformENCR, ID: wire.ENCR_AES_CBC, Attributes: []wire.Attribute{{Type: wire.AttrKeyLength, TV: true, Value: 256}, {Type: 99, TV: true}}},
				integ(wire.AUTH_HMAC_SHA2_256_128), prf(wire.PRF_HMAC_SHA2_256), dh(wire.MODP_2048)),
		}, 0, "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := SelectIKEWithKE(tt.offer, suitesFor(t, tt.config), tt.ke)
			if s := show(got, ok); s != tt.want {
				t.Errorf("got %s, want %s", s, tt.want)
			}
			if ok && tt.ke == wire.DH_NONE {
				plain, _ := SelectIKE(tt.offer, suitesFor(t, tt.config))
				if show(plain, true) != tt.want {
					t.Errorf("SelectIKE = %s", show(plain, true))
				}
			}
		})
	}
}

func TestPreferredGroup(t *testing.T) {
	ss, ke := strongSwanOffer(t)
	suites := suitesFor(t, &schema.IKEv2Proposal{Encryption: []string{"aes-gcm-128"}, PRF: []string{"sha256"}, Groups: []int{19}})
	got, ok := SelectIKEWithKE(ss, suites, ke)
	if !ok {
		t.Fatal("no proposal")
	}
	// The peer's KE is x25519, the chosen proposal ecp256: the engine
	// answers INVALID_KE_PAYLOAD naming 19.
	if g, ok := PreferredGroup(got); !ok || g != wire.ECP_256 || g == ke {
		t.Errorf("PreferredGroup = %d %v, KE %d", g, ok, ke)
	}
	if _, ok := PreferredGroup(wire.Proposal{}); ok {
		t.Error("PreferredGroup of an empty proposal")
	}
}

func TestIKEPolicyLookup(t *testing.T) {
	props := map[string]schema.IKEv2Proposal{
		"any":    {Name: "any", Encryption: []string{"aes-cbc-128"}, Integrity: []string{"sha1"}, Groups: []int{14}},
		"local":  {Name: "local", Encryption: []string{"aes-cbc-256"}, Integrity: []string{"sha256"}, Groups: []int{19}},
		"vrf":    {Name: "vrf", Encryption: []string{"aes-gcm-256"}, PRF: []string{"sha384"}, Groups: []int{20}},
		"broken": {Name: "broken", Encryption: []string{"aes-gcm-256"}, Integrity: []string{"sha1"}, Groups: []int{20}},
		"md5":    {Name: "md5", Encryption: []string{"aes-cbc-128"}, Integrity: []string{"md5"}, Groups: []int{14}},
	}
	all := []schema.IKEv2Policy{
		{Name: "a-any", Proposals: []string{"any", "broken", "missing", "md5"}},
		{Name: "b-local", Proposals: []string{"local"}, MatchAddressLocal: []string{"192.0.2.1"}},
		{Name: "c-vrf", Proposals: []string{"vrf"}, MatchFVRF: "red"},
		{Name: "d-vrf-any-local", Proposals: []string{"local", "any"}, MatchFVRF: schema.FVRFAny, MatchAddressLocal: []string{"198.51.100.1"}},
	}
	tests := []struct {
		name     string
		policies []schema.IKEv2Policy
		fvrf     string
		local    netip.Addr
		want     string // policy: proposals
	}{
		{"no policy: smart default", nil, "", addrA, "default: default"},
		{"no policy, any VRF", nil, "blue", addrA, "default: default"},
		{"address beats any", all, "", addrA, "b-local: local"},
		{"any address", all, "", netip.MustParseAddr("203.0.113.9"), "a-any: any"},
		{"global policies do not match a VRF", all[:2], "red", addrA, "default: default"},
		{"vrf", all, "red", netip.MustParseAddr("203.0.113.9"), "c-vrf: vrf"},
		{"fvrf any with address beats VRF", all, "red", addrB, "d-vrf-any-local: local,any"},
		{"v4-mapped local address", all, "", netip.AddrFrom16(addrA.As16()), "b-local: local"},
		{"stored default modified", []schema.IKEv2Policy{{Name: "default", Proposals: []string{"local"}}}, "blue", addrA, "default: local"},
		{"stored default restricted", []schema.IKEv2Policy{{Name: "default", MatchFVRF: "red"}}, "blue", addrA, ": "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol, suites := IKEPolicies(tt.policies, props).Lookup(tt.fvrf, tt.local)
			var names []string
			for _, s := range suites {
				names = append(names, s.Proposal)
			}
			if got := pol + ": " + strings.Join(names, ","); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	table := IKEPolicies(all, props)
	want := []string{
		`ikev2 policy "a-any": proposal "broken" incomplete: integrity algorithm configured with an AEAD encryption algorithm`,
		`ikev2 policy "a-any": proposal "missing" not found`,
		`ikev2 proposal "md5": prf md5 not supported`,
		`ikev2 proposal "md5": integrity md5 not supported`,
		`ikev2 proposal "md5": nothing usable left`,
	}
	if !slices.Equal(table.Skipped, want) {
		t.Errorf("Skipped:\n%s", strings.Join(table.Skipped, "\n"))
	}
}

func TestDefaultSuite(t *testing.T) {
	_, suites := IKEPolicies(nil, nil).Lookup("", addrA)
	if len(suites) != 1 {
		t.Fatalf("%d suites", len(suites))
	}
	s := suites[0]
	// Group 5 is MODP-1536, which the suite implements; the default
	// proposal survives whole.
	if !slices.Equal(s.Groups, []wire.TransformID{19, 14, 21, 5}) || !slices.Equal(s.PRFs, []wire.TransformID{7, 6}) ||
		!slices.Equal(s.Integrity, []wire.TransformID{14, 13}) || !slices.Equal(s.Ciphers, []Cipher{{wire.ENCR_AES_CBC, 256}}) {
		t.Errorf("default suite %+v", s)
	}
}
