package negotiate

import "github.com/gatehouse-vpn/gatehouse/services/ike/wire"

// offer is one proposal's transforms grouped by type, in the peer's order.
// present records every type the peer listed, even when none of its
// transforms was usable, because "INTEG present" changes the AEAD rule.
type offer struct {
	byType  map[wire.TransformType][]wire.Transform
	present map[wire.TransformType]bool
}

// splitOffer groups p's transforms. It fails when p carries a transform
// type outside allowed: RFC 7296 3.3.6 makes the whole proposal
// unacceptable then. Transforms with attributes other than a Key Length on
// ENCR are dropped, as 3.3.6 asks for unknown attributes.
func splitOffer(p wire.Proposal, allowed ...wire.TransformType) (offer, bool) {
	o := offer{byType: map[wire.TransformType][]wire.Transform{}, present: map[wire.TransformType]bool{}}
	for _, t := range p.Transforms {
		known := false
		for _, a := range allowed {
			known = known || a == t.Type
		}
		if !known {
			return offer{}, false
		}
		o.present[t.Type] = true
		if attributesUnderstood(t) {
			o.byType[t.Type] = append(o.byType[t.Type], t)
		}
	}
	return o, true
}

func attributesUnderstood(t wire.Transform) bool {
	for _, a := range t.Attributes {
		if t.Type != wire.TransformENCR || a.Type != wire.AttrKeyLength || !a.TV {
			return false
		}
	}
	return len(t.Attributes) <= 1
}

// hasCipher reports whether the peer offered c: same ID, and the key
// length attribute exactly when the cipher takes one.
func (o offer) hasCipher(c Cipher) bool {
	for _, t := range o.byType[wire.TransformENCR] {
		if t.ID != c.ID {
			continue
		}
		kl, ok := t.KeyLength()
		if ok == variableKey(c.ID) && kl == c.KeyBits {
			return true
		}
	}
	return false
}

// has reports whether the peer offered id for type tt.
func (o offer) has(tt wire.TransformType, id wire.TransformID) bool {
	for _, t := range o.byType[tt] {
		if t.ID == id {
			return true
		}
	}
	return false
}

// pick returns the first of ours (configuration preference) the peer
// offered for type tt.
func (o offer) pick(tt wire.TransformType, ours []wire.TransformID) (wire.TransformID, bool) {
	for _, id := range ours {
		if o.has(tt, id) {
			return id, true
		}
	}
	return 0, false
}

// aeadIntegrity decides the INTEG transform for an AEAD cipher: none when
// the peer listed no INTEG, INTEG NONE when it offered that, unacceptable
// otherwise (RFC 5282 8).
func (o offer) aeadIntegrity() (t []wire.Transform, ok bool) {
	if !o.present[wire.TransformINTEG] {
		return nil, true
	}
	if o.has(wire.TransformINTEG, wire.AUTH_NONE) {
		return []wire.Transform{{Type: wire.TransformINTEG, ID: wire.AUTH_NONE}}, true
	}
	return nil, false
}

// chosen builds the answer: the peer's number, protocol and SPI, and the
// given transforms.
func chosen(p wire.Proposal, ts []wire.Transform) wire.Proposal {
	return wire.Proposal{Number: p.Number, Protocol: p.Protocol, SPI: append([]byte(nil), p.SPI...), Transforms: ts}
}
