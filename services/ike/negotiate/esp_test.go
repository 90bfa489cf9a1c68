package negotiate

import (
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

func TestESPAcceptable(t *testing.T) {
	sets := map[string]schema.TransformSet{
		"aes256": {Name: "aes256", ESPCipher: "esp-aes", ESPKeyBits: 256, ESPAuth: "esp-sha256-hmac", Mode: schema.ModeTunnel},
		"gcm":    {Name: "gcm", ESPCipher: "esp-gcm", ESPKeyBits: 256},
		"ah":     {Name: "ah", AH: "ah-sha-hmac", ESPCipher: "esp-aes"},
		"bad":    {Name: "bad", ESPCipher: "esp-gcm", ESPAuth: "esp-sha-hmac"},
	}
	p, err := ESPAcceptable(schema.IPsecProfile{Name: "vpn", TransformSets: []string{"gcm", "ah", "missing", "bad", "aes256", "default"}, PFS: true, PFSGroup: "group19"}, sets)
	if err != nil {
		t.Fatal(err)
	}
	want := []ESPSuite{
		{"gcm", Cipher{wire.ENCR_AES_GCM_16, 256}, wire.AUTH_NONE, schema.ModeTunnel},
		{"aes256", Cipher{wire.ENCR_AES_CBC, 256}, wire.AUTH_HMAC_SHA2_256_128, schema.ModeTunnel},
		{"default", Cipher{wire.ENCR_AES_CBC, 128}, wire.AUTH_HMAC_SHA1_96, schema.ModeTransport},
	}
	if !slices.Equal(p.Suites, want) || p.PFSGroup != wire.ECP_256 || p.ESN {
		t.Errorf("policy %+v", p)
	}
	wantSkipped := []string{
		`ipsec profile "vpn": transform set "ah": AH not supported`,
		`ipsec profile "vpn": transform set "missing" not found`,
		`ipsec profile "vpn": transform set "bad": integrity with a combined-mode cipher`,
	}
	if !slices.Equal(p.Skipped, wantSkipped) {
		t.Errorf("Skipped:\n%s", strings.Join(p.Skipped, "\n"))
	}

	// The smart default profile: the default transform set, no PFS.
	d, err := ESPAcceptable(*schema.DefaultIPsecProfile(), nil)
	if err != nil || len(d.Suites) != 1 || d.Suites[0] != want[2] || d.PFSGroup != wire.DH_NONE {
		t.Errorf("default profile %+v %v", d, err)
	}
	// A profile naming no transform set uses "default", stored or not.
	stored := map[string]schema.TransformSet{"default": {Name: "default", ESPCipher: "esp-gcm"}}
	s, _ := ESPAcceptable(schema.IPsecProfile{Name: "x"}, stored)
	if len(s.Suites) != 1 || s.Suites[0].Cipher != (Cipher{wire.ENCR_AES_GCM_16, 128}) || s.Suites[0].Mode != schema.ModeTunnel {
		t.Errorf("stored default %+v", s)
	}
	// Bare "set pfs" is group1, which Gatehouse cannot do.
	if _, err := ESPAcceptable(schema.IPsecProfile{Name: "old", PFS: true}, nil); err == nil || !strings.Contains(err.Error(), `ipsec profile "old": pfs group1`) {
		t.Errorf("bare pfs: %v", err)
	}
}

func TestSelectESP(t *testing.T) {
	sets := map[string]schema.TransformSet{
		"aes256": {Name: "aes256", ESPCipher: "esp-aes", ESPKeyBits: 256, ESPAuth: "esp-sha256-hmac"},
		"gcm":    {Name: "gcm", ESPCipher: "esp-gcm", ESPKeyBits: 256},
	}
	mustPolicy := func(p schema.IPsecProfile) ESPPolicy {
		pol, err := ESPAcceptable(p, sets)
		if err != nil {
			t.Fatal(err)
		}
		return pol
	}
	def := mustPolicy(*schema.DefaultIPsecProfile())
	conf := mustPolicy(schema.IPsecProfile{Name: "c", TransformSets: []string{"aes256", "gcm"}})
	pfs := mustPolicy(schema.IPsecProfile{Name: "c", TransformSets: []string{"aes256"}, PFS: true, PFSGroup: "group14"})
	esnOK := conf
	esnOK.ESN = true

	// strongSwan's default ESP proposals: aes128gcm16 and aes128-sha256,
	// ESN no, with PFS groups when the child is rekeyed.
	swan := []wire.Proposal{
		espProp(1, enc(wire.ENCR_AES_GCM_16, 256), esn(wire.ESN_NO)),
		espProp(2, enc(wire.ENCR_AES_CBC, 256), enc(wire.ENCR_AES_CBC, 128), integ(wire.AUTH_HMAC_SHA2_256_128), integ(wire.AUTH_HMAC_SHA1_96), esn(wire.ESN_NO)),
	}
	withDH := func(ps []wire.Proposal, ids ...wire.TransformID) []wire.Proposal {
		out := slices.Clone(ps)
		for i := range out {
			out[i].Transforms = slices.Clone(out[i].Transforms)
			for _, id := range ids {
				out[i].Transforms = append(out[i].Transforms, dh(id))
			}
		}
		return out
	}
	tests := []struct {
		name   string
		policy ESPPolicy
		inAuth bool
		offer  []wire.Proposal
		want   string
	}{
		{"default set picks aes128-sha1", def, false, swan, "#2 ENCR12/128 INTEG2 ESN0"},
		{"peer order: gcm first", conf, false, swan, "#1 ENCR20/256 ESN0"},
		{"our preference within a proposal", conf, false, swan[1:], "#2 ENCR12/256 INTEG12 ESN0"},
		{"no ESN transform", conf, false, []wire.Proposal{espProp(4, enc(wire.ENCR_AES_GCM_16, 256))}, "#4 ENCR20/256"},
		{"ESN only yes, not allowed", conf, false, []wire.Proposal{espProp(1, enc(wire.ENCR_AES_GCM_16, 256), esn(wire.ESN_YES))}, "none"},
		{"ESN both, allowed", esnOK, false, []wire.Proposal{espProp(1, enc(wire.ENCR_AES_GCM_16, 256), esn(wire.ESN_NO), esn(wire.ESN_YES))}, "#1 ENCR20/256 ESN1"},
		{"ESN both, not allowed", conf, false, []wire.Proposal{espProp(1, enc(wire.ENCR_AES_GCM_16, 256), esn(wire.ESN_YES), esn(wire.ESN_NO))}, "#1 ENCR20/256 ESN0"},
		{"AEAD with INTEG", conf, false, []wire.Proposal{espProp(1, enc(wire.ENCR_AES_GCM_16, 256), integ(wire.AUTH_HMAC_SHA2_256_128), esn(wire.ESN_NO))}, "none"},
		{"key length mismatch", conf, false, []wire.Proposal{espProp(1, enc(wire.ENCR_AES_CBC, 128), integ(wire.AUTH_HMAC_SHA2_256_128), esn(wire.ESN_NO))}, "none"},
		{"windows 3des sha1", conf, false, []wire.Proposal{espProp(1, enc(wire.ENCR_3DES, 0), integ(wire.AUTH_HMAC_SHA1_96), esn(wire.ESN_NO))}, "none"},
		{"PFS required, none offered", pfs, false, swan, "none"},
		{"PFS required, wrong group", pfs, false, withDH(swan, wire.ECP_256), "none"},
		{"PFS required, offered", pfs, false, withDH(swan, wire.ECP_256, wire.MODP_2048), "#2 ENCR12/256 INTEG12 DH14 ESN0"},
		{"PFS required, not in IKE_AUTH", pfs, true, swan, "#2 ENCR12/256 INTEG12 ESN0"},
		{"IKE_AUTH drops DH", pfs, true, withDH(swan, wire.ECP_256), "#2 ENCR12/256 INTEG12 ESN0"},
		{"no PFS configured accepts the peer's", conf, false, withDH(swan, wire.ECP_384), "#1 ENCR20/256 DH20 ESN0"},
		{"no PFS configured, DH NONE", conf, false, withDH(swan, wire.DH_NONE), "#1 ENCR20/256 DH0 ESN0"},
		{"no PFS configured, unknown group", conf, false, withDH(swan, 4242), "none"},
		{"IKE proposal ignored", conf, false, []wire.Proposal{{Number: 1, Protocol: wire.ProtoIKE, SPI: []byte{1, 2, 3, 4}, Transforms: swan[0].Transforms}}, "none"},
		{"bad SPI size", conf, false, []wire.Proposal{{Number: 1, Protocol: wire.ProtoESP, SPI: []byte{1, 2}, Transforms: swan[0].Transforms}}, "none"},
		{"PRF in ESP", conf, false, []wire.Proposal{espProp(1, enc(wire.ENCR_AES_GCM_16, 256), prf(wire.PRF_HMAC_SHA2_256), esn(wire.ESN_NO))}, "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel := SelectESP
			if tt.inAuth {
				sel = SelectESPInAuth
			}
			got, ok := sel(tt.offer, tt.policy)
			if s := show(got, ok); s != tt.want {
				t.Errorf("got %s, want %s", s, tt.want)
			}
			if ok && !slices.Equal(got.SPI, []byte{0xc1, 0, 0, got.Number}) {
				t.Errorf("SPI %x not the peer's", got.SPI)
			}
		})
	}
}
