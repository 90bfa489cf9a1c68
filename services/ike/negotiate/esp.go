package negotiate

import (
	"fmt"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

// ESPSuite is one usable transform set in wire terms. Integrity is
// AUTH_NONE for combined-mode ciphers.
type ESPSuite struct {
	TransformSet string // the transform set's name, for debug output
	Cipher       Cipher
	Integrity    wire.TransformID
	Mode         string // schema.ModeTunnel or schema.ModeTransport
}

// ESPPolicy is an IPsec profile resolved for child SA selection.
type ESPPolicy struct {
	Suites []ESPSuite // in the profile's order
	// PFSGroup is the group "set pfs" requires of CREATE_CHILD_SA
	// exchanges; DH_NONE without PFS, when any group the peer offers
	// (or none) is accepted.
	PFSGroup wire.TransformID
	// ESN allows extended sequence numbers. IOS has no knob for it and
	// Gatehouse leaves it off; the field exists so selection is tested
	// both ways.
	ESN bool
	// Skipped says, one line each, which transform sets were left out and
	// why.
	Skipped []string
}

// ESPAcceptable resolves an IPsec profile and the transform sets it names
// (smart default: the profile naming none uses "default", and "default"
// not stored is schema.DefaultTransformSet). Transform sets that are
// missing, use AH, or name unknown transforms are skipped; an unknown PFS
// group is an error, since accepting child SAs without it would weaken
// what the administrator asked for.
func ESPAcceptable(profile schema.IPsecProfile, sets map[string]schema.TransformSet) (ESPPolicy, error) {
	var p ESPPolicy
	if g := profile.DHGroup(); g != "" {
		id, ok := pfsGroup(g)
		if !ok {
			return ESPPolicy{}, fmt.Errorf("ipsec profile %q: pfs %s not supported", profile.Name, g)
		}
		p.PFSGroup = id
	}
	names := profile.TransformSets
	if len(names) == 0 {
		names = []string{schema.DefaultName}
	}
	for _, name := range names {
		ts, ok := sets[name]
		if !ok && name == schema.DefaultName {
			ts, ok = *schema.DefaultTransformSet(), true
		}
		if !ok {
			p.skip("ipsec profile %q: transform set %q not found", profile.Name, name)
			continue
		}
		s, why := espSuite(ts)
		if why != "" {
			p.skip("ipsec profile %q: transform set %q: %s", profile.Name, name, why)
			continue
		}
		p.Suites = append(p.Suites, s)
	}
	return p, nil
}

func (p *ESPPolicy) skip(format string, args ...any) {
	p.Skipped = append(p.Skipped, fmt.Sprintf(format, args...))
}

// espSuite converts a transform set, or says why it cannot be used.
func espSuite(ts schema.TransformSet) (ESPSuite, string) {
	if ts.AH != "" {
		return ESPSuite{}, "AH not supported"
	}
	id, ok := espCiphers[ts.ESPCipher]
	if !ok {
		return ESPSuite{}, "cipher " + ts.ESPCipher + " not supported"
	}
	c := Cipher{ID: id}
	if variableKey(id) {
		c.KeyBits = uint16(ts.ESPKeyBits)
		if c.KeyBits == 0 {
			c.KeyBits = 128 // IOS's default key size for esp-aes, esp-gcm, esp-gmac
		}
	}
	s := ESPSuite{TransformSet: ts.Name, Cipher: c, Integrity: wire.AUTH_NONE, Mode: ts.Mode}
	if s.Mode == "" {
		s.Mode = schema.ModeTunnel
	}
	switch {
	case c.AEAD() && ts.ESPAuth != "":
		return ESPSuite{}, "integrity with a combined-mode cipher"
	case !c.AEAD() && ts.ESPAuth == "" && id == wire.ENCR_NULL:
		return ESPSuite{}, "neither encryption nor integrity"
	case ts.ESPAuth != "":
		if s.Integrity, ok = espIntegrity[ts.ESPAuth]; !ok {
			return ESPSuite{}, "integrity " + ts.ESPAuth + " not supported"
		}
	}
	return s, ""
}

// SelectESP picks, as a responder to CREATE_CHILD_SA, the ESP proposal to
// answer with: the first offered proposal, in the peer's order, that one
// of the acceptable suites satisfies (RFC 7296 2.7). The answer keeps the
// peer's number and SPI and has one transform of each type offered. With
// PFS configured the peer must offer the PFS group; without, the peer's
// first usable DH choice (a group, or NONE) is accepted, as IOS accepts
// any PFS offer. ESN: "no" unless the policy allows ESN and the peer
// offers it; a proposal without an ESN transform is answered without one.
func SelectESP(offered []wire.Proposal, acceptable ESPPolicy) (wire.Proposal, bool) {
	return selectESP(offered, acceptable, false)
}

// SelectESPInAuth is SelectESP for the child SA created by IKE_AUTH,
// which has no KE payload (RFC 7296 1.2): DH transforms in the offer are
// ignored and left out of the answer, and PFS is not required.
func SelectESPInAuth(offered []wire.Proposal, acceptable ESPPolicy) (wire.Proposal, bool) {
	return selectESP(offered, acceptable, true)
}

func selectESP(offered []wire.Proposal, acc ESPPolicy, inAuth bool) (wire.Proposal, bool) {
	for _, p := range offered {
		if p.Protocol != wire.ProtoESP || len(p.SPI) != 4 {
			continue
		}
		o, ok := splitOffer(p, wire.TransformENCR, wire.TransformINTEG, wire.TransformDH, wire.TransformESN)
		if !ok {
			continue
		}
		for _, s := range acc.Suites {
			if ts, ok := o.satisfyESP(s, acc, inAuth); ok {
				return chosen(p, ts), true
			}
		}
	}
	return wire.Proposal{}, false
}

func (o offer) satisfyESP(s ESPSuite, acc ESPPolicy, inAuth bool) ([]wire.Transform, bool) {
	if !o.hasCipher(s.Cipher) {
		return nil, false
	}
	ts := []wire.Transform{s.Cipher.transform()}
	if s.Cipher.AEAD() {
		integ, ok := o.aeadIntegrity()
		if !ok {
			return nil, false
		}
		ts = append(ts, integ...)
	} else {
		if !o.has(wire.TransformINTEG, s.Integrity) {
			return nil, false
		}
		ts = append(ts, wire.Transform{Type: wire.TransformINTEG, ID: s.Integrity})
	}
	if !inAuth {
		dh, ok := o.espGroup(acc.PFSGroup)
		if !ok {
			return nil, false
		}
		ts = append(ts, dh...)
	}
	if o.present[wire.TransformESN] {
		switch {
		case acc.ESN && o.has(wire.TransformESN, wire.ESN_YES):
			ts = append(ts, wire.Transform{Type: wire.TransformESN, ID: wire.ESN_YES})
		case o.has(wire.TransformESN, wire.ESN_NO):
			ts = append(ts, wire.Transform{Type: wire.TransformESN, ID: wire.ESN_NO})
		default:
			return nil, false
		}
	}
	return ts, true
}

// espGroup decides the DH transform of a CREATE_CHILD_SA answer.
func (o offer) espGroup(pfs wire.TransformID) ([]wire.Transform, bool) {
	if pfs != wire.DH_NONE {
		if o.has(wire.TransformDH, pfs) {
			return []wire.Transform{{Type: wire.TransformDH, ID: pfs}}, true
		}
		return nil, false
	}
	if !o.present[wire.TransformDH] {
		return nil, true
	}
	for _, t := range o.byType[wire.TransformDH] {
		if t.ID == wire.DH_NONE || dhGroups[int(t.ID)] {
			return []wire.Transform{{Type: wire.TransformDH, ID: t.ID}}, true
		}
	}
	return nil, false
}
