package ike

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"net/netip"
	"strings"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

// identity is an IKE identity (IDi or IDr) in a form the profile matcher,
// keyrings and show output can use.
type identity struct {
	Type wire.IDType
	Data []byte
	Addr netip.Addr // ID_IPV4_ADDR, ID_IPV6_ADDR
}

func identityOf(p *wire.ID) (identity, error) {
	// A copy: the payload points into the decrypted message, which the
	// identity would otherwise keep alive for the life of the SA.
	id := identity{Type: p.IDType, Data: bytes.Clone(p.Data)}
	switch p.IDType {
	case wire.ID_IPV4_ADDR:
		if len(p.Data) != 4 {
			return id, fmt.Errorf("ID_IPV4_ADDR of %d bytes", len(p.Data))
		}
		id.Addr = netip.AddrFrom4([4]byte(p.Data))
	case wire.ID_IPV6_ADDR:
		if len(p.Data) != 16 {
			return id, fmt.Errorf("ID_IPV6_ADDR of %d bytes", len(p.Data))
		}
		id.Addr = netip.AddrFrom16([16]byte(p.Data))
	case wire.ID_FQDN, wire.ID_RFC822_ADDR, wire.ID_KEY_ID, wire.ID_DER_ASN1_DN:
		if len(p.Data) == 0 {
			return id, fmt.Errorf("empty %s identity", idTypeName(p.IDType))
		}
	default:
		return id, fmt.Errorf("unsupported identity type %d", p.IDType)
	}
	return id, nil
}

// payload is the ID payload carrying the identity.
func (id identity) payload(responder bool) *wire.ID {
	return &wire.ID{Responder: responder, IDType: id.Type, Data: id.Data}
}

// String is the identity as IOS prints it ("Remote id: router1").
func (id identity) String() string {
	switch id.Type {
	case wire.ID_IPV4_ADDR, wire.ID_IPV6_ADDR:
		return id.Addr.String()
	case wire.ID_DER_ASN1_DN:
		var rdn pkix.RDNSequence
		if rest, err := asn1.Unmarshal(id.Data, &rdn); err == nil && len(rest) == 0 {
			var n pkix.Name
			n.FillFromRDNSequence(&rdn)
			return n.String()
		}
		return fmt.Sprintf("%X", id.Data)
	case wire.ID_KEY_ID:
		if printable(id.Data) {
			return string(id.Data)
		}
		return fmt.Sprintf("%X", id.Data)
	}
	return string(id.Data)
}

func printable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// idTypeName is the name debug output uses ("of type 'FQDN'").
func idTypeName(t wire.IDType) string {
	switch t {
	case wire.ID_IPV4_ADDR:
		return "IPv4 address"
	case wire.ID_IPV6_ADDR:
		return "IPv6 address"
	case wire.ID_FQDN:
		return "FQDN"
	case wire.ID_RFC822_ADDR:
		return "email"
	case wire.ID_KEY_ID:
		return "key-id"
	case wire.ID_DER_ASN1_DN:
		return "DER ASN1 DN"
	}
	return fmt.Sprintf("type %d", t)
}

// configuredIdentity turns "identity local ..." into an identity; addr is
// used for the address type with no value and for a nil identity.
func configuredIdentity(ci *schema.IKEv2Identity, local netip.Addr, dn []byte) identity {
	if ci == nil {
		if dn != nil {
			return identity{Type: wire.ID_DER_ASN1_DN, Data: dn}
		}
		return addrIdentity(local)
	}
	switch ci.Type {
	case schema.IDFQDN:
		return identity{Type: wire.ID_FQDN, Data: []byte(ci.Value)}
	case schema.IDEmail:
		return identity{Type: wire.ID_RFC822_ADDR, Data: []byte(ci.Value)}
	case schema.IDKeyID:
		return identity{Type: wire.ID_KEY_ID, Data: []byte(ci.Value)}
	case schema.IDDN:
		if dn != nil {
			return identity{Type: wire.ID_DER_ASN1_DN, Data: dn}
		}
	case schema.IDAddress:
		if a, err := netip.ParseAddr(ci.Value); err == nil {
			return addrIdentity(a)
		}
	}
	return addrIdentity(local)
}

func addrIdentity(a netip.Addr) identity {
	a = a.Unmap()
	if a.Is4() {
		b := a.As4()
		return identity{Type: wire.ID_IPV4_ADDR, Data: b[:], Addr: a}
	}
	b := a.As16()
	return identity{Type: wire.ID_IPV6_ADDR, Data: b[:], Addr: a}
}

// matches reports whether the identity satisfies one "match identity
// remote" (or keyring "identity") criterion.
func (id identity) matches(ci schema.IKEv2Identity) bool {
	switch ci.Type {
	case schema.IDAny:
		return true
	case schema.IDAddress:
		if !id.Addr.IsValid() {
			return false
		}
		return addressMatches(id.Addr, ci.Value, ci.Mask)
	case schema.IDFQDN:
		return id.Type == wire.ID_FQDN && nameMatches(string(id.Data), ci.Value, ci.Domain, ".")
	case schema.IDEmail:
		return id.Type == wire.ID_RFC822_ADDR && nameMatches(string(id.Data), ci.Value, ci.Domain, "@")
	case schema.IDKeyID:
		return id.Type == wire.ID_KEY_ID && string(id.Data) == ci.Value
	}
	return false
}

// nameMatches compares names case-insensitively; with domain set, any name
// ending in sep+want (or equal to want) matches.
func nameMatches(got, want string, domain bool, sep string) bool {
	if strings.EqualFold(got, want) {
		return true
	}
	return domain && len(got) > len(want)+len(sep) &&
		strings.EqualFold(got[len(got)-len(want)-len(sep):], sep+want)
}

// addressMatches tests a against an IPv4 address and mask (mask "" = host)
// or an IPv6 address or prefix.
func addressMatches(a netip.Addr, value, mask string) bool {
	a = a.Unmap()
	if p, err := netip.ParsePrefix(value); err == nil {
		return p.Contains(a)
	}
	v, err := netip.ParseAddr(value)
	if err != nil {
		return false
	}
	if mask == "" {
		return v == a
	}
	m, err := netip.ParseAddr(mask)
	if err != nil || !m.Is4() || !a.Is4() || !v.Is4() {
		return false
	}
	ab, vb, mb := a.As4(), v.As4(), m.As4()
	for i := range 4 {
		if ab[i]&mb[i] != vb[i]&mb[i] {
			return false
		}
	}
	return true
}

// mangle applies a name mangler to an identity (IOS "crypto ikev2
// name-mangler"): the part of an FQDN or e-mail identity it names. With no
// rule for the identity's type the whole identity is used.
func mangle(m *schema.NameMangler, id identity) string {
	s := id.String()
	if m == nil {
		return s
	}
	switch id.Type {
	case wire.ID_FQDN:
		host, domain, _ := strings.Cut(s, ".")
		switch m.FQDN {
		case "hostname":
			return host
		case "domain":
			return domain
		}
	case wire.ID_RFC822_ADDR:
		user, domain, _ := strings.Cut(s, "@")
		switch m.Email {
		case "username":
			return user
		case "domain":
			return domain
		}
	}
	return s
}
