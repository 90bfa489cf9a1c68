package schema

import (
	"slices"
	"testing"
)

func TestIKEv2ProposalIncomplete(t *testing.T) {
	for _, c := range []struct {
		p    IKEv2Proposal
		want string
	}{
		{IKEv2Proposal{Encryption: []string{"aes-cbc-256"}, Integrity: []string{"sha256"}, Groups: []int{19}}, ""},
		{IKEv2Proposal{Encryption: []string{"aes-gcm-256"}, PRF: []string{"sha256"}, Groups: []int{19}}, ""},
		{IKEv2Proposal{Integrity: []string{"sha256"}, Groups: []int{19}}, "no encryption algorithm"},
		{IKEv2Proposal{Encryption: []string{"aes-gcm-128", "3des"}, Integrity: []string{"sha1"}, Groups: []int{14}}, "AEAD and non-AEAD encryption algorithms mixed"},
		{IKEv2Proposal{Encryption: []string{"chacha20-poly1305"}, Integrity: []string{"sha1"}, PRF: []string{"sha1"}, Groups: []int{31}}, "integrity algorithm configured with an AEAD encryption algorithm"},
		{IKEv2Proposal{Encryption: []string{"aes-gcm-128"}, Groups: []int{14}}, "no PRF algorithm"},
		{IKEv2Proposal{Encryption: []string{"aes-cbc-128"}, PRF: []string{"sha1"}, Groups: []int{14}}, "no integrity algorithm"},
		{IKEv2Proposal{Encryption: []string{"aes-cbc-128"}, Integrity: []string{"sha1"}}, "no DH group"},
	} {
		if got := c.p.Incomplete(); got != c.want {
			t.Errorf("%+v: Incomplete() = %q, want %q", c.p, got, c.want)
		}
	}
	if why := DefaultIKEv2Proposal().Incomplete(); why != "" {
		t.Errorf("smart default incomplete: %s", why)
	}
}

func TestIKEv2ProposalPRFDefaultsToIntegrity(t *testing.T) {
	p := IKEv2Proposal{Integrity: []string{"sha1", "sha256"}}
	if got := p.PRFs(); !slices.Equal(got, []string{"sha1", "sha256"}) {
		t.Errorf("PRFs() = %v", got)
	}
	p.PRF = []string{"sha512"}
	if got := p.PRFs(); !slices.Equal(got, []string{"sha512"}) {
		t.Errorf("PRFs() = %v", got)
	}
}

func TestEffectiveProposalAndPolicy(t *testing.T) {
	if p := EffectiveProposal("other", nil); p != nil {
		t.Errorf("a missing proposal must stay missing, got %+v", p)
	}
	if p := EffectiveProposal(DefaultName, nil); !slices.Equal(p.Groups, []int{19, 14, 21, 5}) {
		t.Errorf("smart default: %+v", p)
	}
	// A modified default keeps the administrator's fields and falls back
	// field by field; an AEAD default keeps no integrity.
	p := EffectiveProposal(DefaultName, &IKEv2Proposal{Name: DefaultName, Encryption: []string{"aes-gcm-256"}, PRF: []string{"sha256"}})
	if !slices.Equal(p.Encryption, []string{"aes-gcm-256"}) || len(p.Integrity) != 0 || p.Incomplete() != "" {
		t.Errorf("modified default: %+v (%s)", p, p.Incomplete())
	}
	pol := EffectivePolicy(DefaultName, nil)
	if pol.MatchFVRF != FVRFAny || !slices.Equal(pol.Proposals, []string{DefaultName}) {
		t.Errorf("default policy: %+v", pol)
	}
	if pol := EffectivePolicy("user", &IKEv2Policy{Name: "user"}); pol.MatchFVRF != "" || len(pol.Proposals) != 0 {
		t.Errorf("user policy must not take the defaults: %+v", pol)
	}
}
