package dynauth

import (
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
)

// ciscoVendorID is Cisco's SMI enterprise number, the vendor of the
// Cisco-AVPair vendor-specific attribute (type 1).
const (
	ciscoVendorID = 9
	ciscoAVPair   = 1
)

// AVPair is one Cisco AV pair, "[protocol:]attribute{=|*}value", as a
// Cisco-AVPair (vendor 9, type 1) carries it.
type AVPair struct {
	Protocol string // "ip", "subscriber"; "" when the pair has none
	Name     string // "interface-config", "inacl" (without "#N")
	// Tag is the N of "inacl#N" / "outacl#N" (1 or more); 0 when the name
	// has no "#".
	Tag int
	// Optional is true for the "*" separator: the NAS may ignore a pair
	// it does not understand.
	Optional bool
	Value    string
}

// maxTag bounds "#N": IOS numbers per-user ACL entries with small integers.
const maxTag = 1 << 30

// ParseAVPair reads a Cisco AV pair. The separator is the first '=' or
// '*'; the protocol is what comes before a ':' in front of it.
func ParseAVPair(s string) (AVPair, error) {
	i := strings.IndexAny(s, "=*")
	if i < 0 {
		return AVPair{}, errors.New("dynauth: AV pair without '=' or '*'")
	}
	p := AVPair{Optional: s[i] == '*', Value: s[i+1:]}
	name := s[:i]
	if proto, rest, ok := strings.Cut(name, ":"); ok {
		if proto == "" {
			return AVPair{}, errors.New("dynauth: AV pair " + strconv.Quote(s[:i]) + ": empty protocol")
		}
		p.Protocol, name = proto, rest
	}
	if base, tag, ok := strings.Cut(name, "#"); ok {
		n, err := strconv.Atoi(tag)
		if err != nil || n < 1 || n > maxTag || strconv.Itoa(n) != tag {
			return AVPair{}, errors.New("dynauth: AV pair " + strconv.Quote(s[:i]) + ": bad #number")
		}
		name, p.Tag = base, n
	}
	if name == "" || strings.ContainsAny(name, ": \t") || strings.ContainsAny(p.Protocol, " \t#") {
		return AVPair{}, errors.New("dynauth: AV pair " + strconv.Quote(s[:i]) + ": bad attribute name")
	}
	p.Name = name
	return p, nil
}

// String is the pair as sent: ParseAVPair(p.String()) == p.
func (p AVPair) String() string {
	var sb strings.Builder
	if p.Protocol != "" {
		sb.WriteString(p.Protocol + ":")
	}
	sb.WriteString(p.Name)
	if p.Tag != 0 {
		sb.WriteString("#" + strconv.Itoa(p.Tag))
	}
	if p.Optional {
		sb.WriteByte('*')
	} else {
		sb.WriteByte('=')
	}
	sb.WriteString(p.Value)
	return sb.String()
}

// is reports whether the pair's name is name (case-insensitive, as IOS
// reads attribute names).
func (p AVPair) is(name string) bool { return strings.EqualFold(p.Name, name) }

// vendorSub is one sub-attribute of a vendor-specific attribute.
type vendorSub struct {
	typ   byte
	value []byte
}

// splitVSA reads a Vendor-Specific (26) attribute value: the vendor id and,
// for Cisco, its sub-attributes (type, length, value; RFC 2865 section
// 5.26's suggested format, which Cisco uses). ok is false when the value is
// too short or a Cisco sub-attribute's length is wrong.
func splitVSA(v []byte) (vendor uint32, subs []vendorSub, ok bool) {
	if len(v) < 4 {
		return 0, nil, false
	}
	vendor = binary.BigEndian.Uint32(v)
	if vendor != ciscoVendorID {
		return vendor, nil, true
	}
	b := v[4:]
	if len(b) == 0 {
		return vendor, nil, false
	}
	for len(b) > 0 {
		if len(b) < 2 || int(b[1]) < 2 || int(b[1]) > len(b) {
			return vendor, nil, false
		}
		subs = append(subs, vendorSub{typ: b[0], value: b[2:b[1]]})
		b = b[b[1]:]
	}
	return vendor, subs, true
}
