package negotiate

import (
	"fmt"
	"net/netip"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

// IKESuite is one usable "crypto ikev2 proposal" in wire terms: any
// combination of one entry of each list is acceptable, and each list is in
// the configured order of preference. Integrity is empty for AEAD suites.
type IKESuite struct {
	Proposal  string // the configured proposal's name, for debug output
	Ciphers   []Cipher
	PRFs      []wire.TransformID
	Integrity []wire.TransformID
	Groups    []wire.TransformID
}

// IKEPolicyTable is the "crypto ikev2 policy" configuration resolved for
// lookups by front-door VRF and local address (Lookup).
type IKEPolicyTable struct {
	policies []ikePolicy // user-defined, in the order given
	fallback ikePolicy   // the effective "default" policy
	// Skipped says, one line each, which proposals and addresses were left
	// out and why (missing, incomplete, nothing the suite implements).
	Skipped []string
}

type ikePolicy struct {
	name   string
	fvrf   string       // VRF name, schema.FVRFAny, "" = global table
	locals []netip.Addr // empty = any
	suites []IKESuite
}

// IKEPolicies resolves policies and the proposals they name. IOS's smart
// defaults apply: the policy "default" (match fvrf any, proposal default)
// exists without configuration, a stored "default" policy or proposal
// only overrides fields, and proposal "default" exists without
// configuration (schema.EffectivePolicy, schema.EffectiveProposal).
// policies should be in a stable order (configdb's, by name): it breaks
// ties between policies that match equally well.
func IKEPolicies(policies []schema.IKEv2Policy, proposals map[string]schema.IKEv2Proposal) *IKEPolicyTable {
	t := &IKEPolicyTable{}
	var storedDefault *schema.IKEv2Policy
	for i := range policies {
		if policies[i].Name == schema.DefaultName {
			storedDefault = &policies[i]
			continue
		}
		t.policies = append(t.policies, t.resolvePolicy(&policies[i], proposals))
	}
	t.fallback = t.resolvePolicy(schema.EffectivePolicy(schema.DefaultName, storedDefault), proposals)
	return t
}

func (t *IKEPolicyTable) resolvePolicy(p *schema.IKEv2Policy, proposals map[string]schema.IKEv2Proposal) ikePolicy {
	out := ikePolicy{name: p.Name, fvrf: p.MatchFVRF}
	for _, a := range p.MatchAddressLocal {
		addr, err := netip.ParseAddr(a)
		if err != nil {
			t.skip("ikev2 policy %q: match address local %q: %v", p.Name, a, err)
			continue
		}
		out.locals = append(out.locals, addr.Unmap())
	}
	for _, name := range p.Proposals {
		var stored *schema.IKEv2Proposal
		if pr, ok := proposals[name]; ok {
			stored = &pr
		}
		eff := schema.EffectiveProposal(name, stored)
		if eff == nil {
			t.skip("ikev2 policy %q: proposal %q not found", p.Name, name)
			continue
		}
		if why := eff.Incomplete(); why != "" {
			t.skip("ikev2 policy %q: proposal %q incomplete: %s", p.Name, name, why)
			continue
		}
		s, ok := t.suite(eff)
		if !ok {
			continue
		}
		out.suites = append(out.suites, s)
	}
	return out
}

// suite converts a complete proposal, leaving out what the suite package
// does not implement.
func (t *IKEPolicyTable) suite(p *schema.IKEv2Proposal) (IKESuite, bool) {
	s := IKESuite{Proposal: p.Name}
	for _, kw := range p.Encryption {
		if c, ok := ikeCiphers[kw]; ok {
			s.Ciphers = append(s.Ciphers, c)
		} else {
			t.skip("ikev2 proposal %q: encryption %s not supported", p.Name, kw)
		}
	}
	for _, kw := range p.PRFs() {
		if id, ok := ikePRFs[kw]; ok {
			s.PRFs = append(s.PRFs, id)
		} else {
			t.skip("ikev2 proposal %q: prf %s not supported", p.Name, kw)
		}
	}
	for _, kw := range p.Integrity {
		if id, ok := ikeIntegrity[kw]; ok {
			s.Integrity = append(s.Integrity, id)
		} else {
			t.skip("ikev2 proposal %q: integrity %s not supported", p.Name, kw)
		}
	}
	for _, g := range p.Groups {
		if dhGroups[g] {
			s.Groups = append(s.Groups, wire.TransformID(g))
		} else {
			t.skip("ikev2 proposal %q: group %d not supported", p.Name, g)
		}
	}
	aead := len(s.Ciphers) > 0 && s.Ciphers[0].AEAD()
	if len(s.Ciphers) == 0 || len(s.PRFs) == 0 || len(s.Groups) == 0 || (!aead && len(s.Integrity) == 0) {
		t.skip("ikev2 proposal %q: nothing usable left", p.Name)
		return IKESuite{}, false
	}
	return s, true
}

func (t *IKEPolicyTable) skip(format string, args ...any) {
	t.Skipped = append(t.Skipped, fmt.Sprintf(format, args...))
}

// Lookup returns the policy that applies to an IKE SA arriving in front-door
// VRF fvrf ("" = global table) on local address local, and its suites in
// order of preference. A policy naming the local address beats one for any
// address; then one naming the VRF beats "match fvrf any"; then the
// earlier policy wins. The smart-default policy applies only when no
// user-defined policy matches. No suites means nothing is acceptable.
func (t *IKEPolicyTable) Lookup(fvrf string, local netip.Addr) (policy string, suites []IKESuite) {
	local = local.Unmap()
	best, bestScore := -1, -1
	for i, p := range t.policies {
		score, ok := p.match(fvrf, local)
		if ok && score > bestScore {
			best, bestScore = i, score
		}
	}
	if best >= 0 {
		return t.policies[best].name, t.policies[best].suites
	}
	if _, ok := t.fallback.match(fvrf, local); ok {
		return t.fallback.name, t.fallback.suites
	}
	return "", nil
}

// match scores how specifically p matches: 2 for a local address named,
// 1 for the VRF named rather than "any".
func (p ikePolicy) match(fvrf string, local netip.Addr) (score int, ok bool) {
	switch p.fvrf {
	case schema.FVRFAny:
	case fvrf:
		score++
	default:
		return 0, false
	}
	if len(p.locals) == 0 {
		return score, true
	}
	for _, a := range p.locals {
		if a == local {
			return score + 2, true
		}
	}
	return 0, false
}

// SelectIKE picks, as a responder, the IKE SA proposal to answer with
// (RFC 7296 2.7): the first offered proposal, in the peer's order, that
// one of the acceptable suites satisfies. The answer keeps the peer's
// proposal number and SPI and has exactly one transform of each type the
// peer offered, with the Key Length attribute for variable-length ciphers.
// Proposals with transform types other than ENCR, PRF, INTEG and DH are
// unacceptable (3.3.6), as are those missing a mandatory type.
func SelectIKE(offered []wire.Proposal, acceptable []IKESuite) (wire.Proposal, bool) {
	return SelectIKEWithKE(offered, acceptable, wire.DH_NONE)
}

// SelectIKEWithKE is SelectIKE for a request whose KE payload uses group
// ke: within a proposal, ke is chosen over the preferred group when both
// are acceptable, which spares an INVALID_KE_PAYLOAD round trip. It never
// changes which proposal is chosen.
func SelectIKEWithKE(offered []wire.Proposal, acceptable []IKESuite, ke wire.TransformID) (wire.Proposal, bool) {
	for _, p := range offered {
		if p.Protocol != wire.ProtoIKE || (len(p.SPI) != 0 && len(p.SPI) != 8) {
			continue
		}
		o, ok := splitOffer(p, wire.TransformENCR, wire.TransformPRF, wire.TransformINTEG, wire.TransformDH)
		if !ok {
			continue
		}
		for _, s := range acceptable {
			if ts, ok := o.satisfyIKE(s, ke); ok {
				return chosen(p, ts), true
			}
		}
	}
	return wire.Proposal{}, false
}

func (o offer) satisfyIKE(s IKESuite, ke wire.TransformID) ([]wire.Transform, bool) {
	prf, ok := o.pick(wire.TransformPRF, s.PRFs)
	if !ok {
		return nil, false
	}
	dh, ok := o.pick(wire.TransformDH, s.Groups)
	if !ok {
		return nil, false
	}
	for _, g := range s.Groups {
		if g == ke && o.has(wire.TransformDH, ke) {
			dh = ke
		}
	}
	for _, c := range s.Ciphers {
		if !o.hasCipher(c) {
			continue
		}
		var integ []wire.Transform
		if c.AEAD() {
			if integ, ok = o.aeadIntegrity(); !ok {
				continue
			}
		} else {
			id, ok := o.pick(wire.TransformINTEG, s.Integrity)
			if !ok {
				continue
			}
			integ = []wire.Transform{{Type: wire.TransformINTEG, ID: id}}
		}
		ts := []wire.Transform{c.transform(), {Type: wire.TransformPRF, ID: prf}}
		ts = append(ts, integ...)
		return append(ts, wire.Transform{Type: wire.TransformDH, ID: dh}), true
	}
	return nil, false
}

// PreferredGroup is the DH group a chosen proposal implies: the group to
// name in INVALID_KE_PAYLOAD when the peer's KE payload used another.
// ok is false when the proposal has no DH transform.
func PreferredGroup(chosen wire.Proposal) (group wire.TransformID, ok bool) {
	for _, t := range chosen.Transforms {
		if t.Type == wire.TransformDH {
			return t.ID, true
		}
	}
	return 0, false
}
