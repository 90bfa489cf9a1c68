package radius

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// The "debug radius" rendering of a packet, column for column as seed 001
// shows it (lines 239-301, 484-510, 574-628, 955-970):
//
//	RADIUS:  authenticator 11 DD F2 16 3C 32 7A 9F - 26 6E AA DA 92 8D 99 8D
//	RADIUS:  User-Name           [1]   9   "router1"
//	RADIUS:  Service-Type        [6]   6   Outbound                  [5]
//	RADIUS:  Vendor, Cisco       [26]  60
//	RADIUS:   Cisco AVpair       [1]   54  "audit-session-id=..."
//	RADIUS:  EAP-Message         [79]  9
//	RADIUS:   02 3B 00 07 01 70 31                                          [ ;p1]
//
// An attribute line is the name cut or padded to 20 columns (IOS prints
// "Message-Authenticato"), "[type]" padded to 6, the length padded to 4,
// then the value: a quoted string, a number, an address, an enumeration's
// name padded to 26 and its number, "*" for hidden values, or nothing with
// the octets on the lines that follow, 16 a line, then the printable ones
// in brackets. Sub-attributes of a Vendor-Specific are indented by one
// more column. Types this table does not know are printed raw, as IOS
// prints the attributes of its PoD answers (seed 001 line 1043):
// "RADIUS:  18  21  4E6F20...".

type valueKind int

const (
	kString  valueKind = iota
	kHidden            // printed as "*"
	kAddr              // IPv4 address
	kAddr6             // IPv6 address
	kPrefix6           // RFC 3162 prefix: reserved, length, prefix bits
	kInteger
	kEnum
	kOctets
	kTaggedString // RFC 2868: optional tag 0x01-0x1F, then the string
	kTaggedInt    // RFC 2868: tag, then a 3-octet value (enum if one is given)
)

type attrDef struct {
	name  string
	kind  valueKind
	names map[uint32]string // kEnum, kTaggedInt
}

var (
	serviceTypes = map[uint32]string{1: "Login", 2: "Framed", 3: "Callback Login", 4: "Callback Framed", 5: "Outbound",
		6: "Administrative", 7: "NAS Prompt", 8: "Authenticate Only", 9: "Callback NAS Prompt", 10: "Call Check",
		11: "Callback Administrative", 17: "Authorize Only"}
	framedProtocols    = map[uint32]string{1: "PPP", 2: "SLIP", 3: "ARAP", 4: "Gandalf", 5: "Xylogics", 6: "X.75"}
	framedRouting      = map[uint32]string{0: "None", 1: "Broadcast", 2: "Listen", 3: "Broadcast-Listen"}
	framedCompressions = map[uint32]string{0: "None", 1: "VJ TCP/IP Header", 2: "IPX Header", 3: "Stac-LZS"}
	loginServices      = map[uint32]string{0: "Telnet", 1: "Rlogin", 2: "TCP-Clear", 3: "PortMaster", 4: "LAT",
		5: "X25-PAD", 6: "X25-T3POS", 8: "TCP-Clear-Quiet"}
	terminationActions = map[uint32]string{0: "Default", 1: "RADIUS-Request"}
	acctStatusTypes    = map[uint32]string{1: "Start", 2: "Stop", 3: "Watchdog", 7: "Accounting-On", 8: "Accounting-Off"}
	acctAuthentics     = map[uint32]string{1: "RADIUS", 2: "Local", 3: "Remote", 4: "Diameter"}
	terminateCauses    = map[uint32]string{0: "none", 1: "user-request", 2: "lost-carrier", 3: "lost-service",
		4: "idle-timeout", 5: "session-timeout", 6: "admin-reset", 7: "admin-reboot", 8: "port-error", 9: "nas-error",
		10: "nas-request", 11: "nas-reboot", 12: "port-unneeded", 13: "port-preempted", 14: "port-suspended",
		15: "service-unavailable", 16: "callback", 17: "user-error", 18: "host-request"}
	nasPortTypes = map[uint32]string{0: "Async", 1: "Sync", 2: "ISDN", 3: "ISDN-V120", 4: "ISDN-V110", 5: "Virtual",
		6: "PIAFS", 7: "HDLC-Clear-Channel", 8: "X.25", 9: "X.75", 10: "G.3 Fax", 11: "SDSL", 12: "ADSL-CAP",
		13: "ADSL-DMT", 14: "IDSL", 15: "Ethernet", 16: "xDSL", 17: "Cable", 18: "Wireless-Other", 19: "Wireless-802.11"}
	tunnelTypes = map[uint32]string{1: "PPTP", 2: "L2F", 3: "L2TP", 4: "ATMP", 5: "VTP", 6: "AH", 7: "IP-IP",
		8: "MIN-IP-IP", 9: "ESP", 10: "GRE", 11: "DVS", 12: "IP-in-IP", 13: "VLAN"}
	tunnelMediumTypes = map[uint32]string{1: "IPv4", 2: "IPv6", 3: "NSAP", 4: "HDLC", 5: "BBN-1822", 6: "802",
		7: "E.163", 8: "E.164", 9: "F.69", 10: "X.121", 11: "IPX", 12: "Appletalk", 13: "DecNet-IV", 14: "Banyan-Vines",
		15: "E.164-NSAP"}
	errorCauses = map[uint32]string{201: "Residual-Context-Removed", 202: "Invalid-EAP-Packet",
		401: "Unsupported-Attribute", 402: "Missing-Attribute", 403: "NAS-Identification-Mismatch",
		404: "Invalid-Request", 405: "Unsupported-Service", 406: "Unsupported-Extension", 407: "Invalid-Attribute-Value",
		501: "Administratively-Prohibited", 502: "Request-Not-Routable", 503: "Session-Context-Not-Found",
		504: "Session-Context-Not-Removable", 505: "Other-Proxy-Processing-Error", 506: "Resources-Unavailable",
		507: "Request-Initiated", 508: "Multiple-Session-Selection-Unsupported"}
)

// ietfAttrs are the attributes of RFC 2865, 2866, 2868, 2869, 3162, 3576,
// 4818 and 6911 under their IOS names.
var ietfAttrs = map[byte]attrDef{
	1: {"User-Name", kString, nil}, 2: {"User-Password", kHidden, nil}, 3: {"CHAP-Password", kHidden, nil},
	4: {"NAS-IP-Address", kAddr, nil}, 5: {"NAS-Port", kInteger, nil}, 6: {"Service-Type", kEnum, serviceTypes},
	7: {"Framed-Protocol", kEnum, framedProtocols}, 8: {"Framed-IP-Address", kAddr, nil},
	9: {"Framed-IP-Netmask", kAddr, nil}, 10: {"Framed-Routing", kEnum, framedRouting},
	11: {"Filter-Id", kString, nil}, 12: {"Framed-MTU", kInteger, nil},
	13: {"Framed-Compression", kEnum, framedCompressions}, 14: {"Login-IP-Host", kAddr, nil},
	15: {"Login-Service", kEnum, loginServices}, 16: {"Login-TCP-Port", kInteger, nil},
	18: {"Reply-Message", kString, nil}, 19: {"Callback-Number", kString, nil}, 20: {"Callback-Id", kString, nil},
	22: {"Framed-Route", kString, nil}, 24: {"State", kOctets, nil}, 25: {"Class", kOctets, nil},
	27: {"Session-Timeout", kInteger, nil}, 28: {"Idle-Timeout", kInteger, nil},
	29: {"Termination-Action", kEnum, terminationActions}, 30: {"Called-Station-Id", kString, nil},
	31: {"Calling-Station-Id", kString, nil}, 32: {"NAS-Identifier", kString, nil}, 33: {"Proxy-State", kOctets, nil},
	40: {"Acct-Status-Type", kEnum, acctStatusTypes}, 41: {"Acct-Delay-Time", kInteger, nil},
	42: {"Acct-Input-Octets", kInteger, nil}, 43: {"Acct-Output-Octets", kInteger, nil},
	44: {"Acct-Session-Id", kString, nil}, 45: {"Acct-Authentic", kEnum, acctAuthentics},
	46: {"Acct-Session-Time", kInteger, nil}, 47: {"Acct-Input-Packets", kInteger, nil},
	48: {"Acct-Output-Packets", kInteger, nil}, 49: {"Acct-Terminate-Cause", kEnum, terminateCauses},
	50: {"Acct-Multi-Session-Id", kString, nil}, 51: {"Acct-Link-Count", kInteger, nil},
	52: {"Acct-Input-Gigawords", kInteger, nil}, 53: {"Acct-Output-Gigawords", kInteger, nil},
	55: {"Event-Timestamp", kInteger, nil}, 60: {"CHAP-Challenge", kOctets, nil},
	61: {"NAS-Port-Type", kEnum, nasPortTypes}, 62: {"Port-Limit", kInteger, nil},
	64: {"Tunnel-Type", kTaggedInt, tunnelTypes}, 65: {"Tunnel-Medium-Type", kTaggedInt, tunnelMediumTypes},
	66: {"Tunnel-Client-Endpoint", kTaggedString, nil}, 67: {"Tunnel-Server-Endpoint", kTaggedString, nil},
	68: {"Acct-Tunnel-Connection", kString, nil}, 69: {"Tunnel-Password", kHidden, nil},
	77: {"Connect-Info", kString, nil}, 79: {"EAP-Message", kOctets, nil},
	80: {"Message-Authenticator", kOctets, nil}, 81: {"Tunnel-Private-Group-ID", kTaggedString, nil},
	82: {"Tunnel-Assignment-ID", kTaggedString, nil}, 83: {"Tunnel-Preference", kTaggedInt, nil},
	85: {"Acct-Interim-Interval", kInteger, nil}, 87: {"NAS-Port-Id", kString, nil},
	88: {"Framed-Pool", kString, nil}, 89: {"Chargeable-User-Identity", kString, nil},
	90: {"Tunnel-Client-Auth-ID", kTaggedString, nil}, 91: {"Tunnel-Server-Auth-ID", kTaggedString, nil},
	95: {"NAS-IPv6-Address", kAddr6, nil}, 96: {"Framed-Interface-Id", kOctets, nil},
	97: {"Framed-IPv6-Prefix", kPrefix6, nil}, 98: {"Login-IPv6-Host", kAddr6, nil},
	99: {"Framed-IPv6-Route", kString, nil}, 100: {"Framed-IPv6-Pool", kString, nil},
	101: {"Error-Cause", kEnum, errorCauses}, 123: {"Delegated-IPv6-Prefix", kPrefix6, nil},
	168: {"Framed-IPv6-Address", kAddr6, nil},
}

type vendorDef struct {
	name  string
	attrs map[byte]attrDef
}

// Vendor IDs.
const (
	vendorCisco     = 9
	vendorMicrosoft = 311
)

var vendors = map[uint32]vendorDef{
	vendorCisco: {"Cisco", map[byte]attrDef{1: {"Cisco AVpair", kString, nil}}},
	vendorMicrosoft: {"Microsoft", map[byte]attrDef{
		1: {"MSCHAP_Response", kOctets, nil}, 2: {"MSCHAP_Error", kString, nil},
		7: {"MS-MPPE-Enc-Policy", kInteger, nil}, 8: {"MS-MPPE-Enc-Type", kInteger, nil},
		11: {"MSCHAP_Challenge", kOctets, nil}, 12: {"MSCHAP_MPPE_Keys", kHidden, nil},
		16: {"MS-MPPE-Send-Key", kHidden, nil}, 17: {"MS-MPPE-Recv-Key", kHidden, nil},
		25: {"MSCHAP_V2_Response", kOctets, nil}, 26: {"MSCHAP_V2_Success", kOctets, nil}}},
}

// DebugLines renders a packet in wire form as "debug radius" prints it
// after the "Send ..." or "Received from ..." line: the authenticator
// line, then one or more lines per attribute. A packet too short for a
// header gives no lines; an attribute list that breaks off ends with its
// remaining octets in hex.
func DebugLines(b []byte) []string {
	if len(b) < headerLen {
		return nil
	}
	if n := int(binary.BigEndian.Uint16(b[2:4])); n >= headerLen && n <= len(b) {
		b = b[:n]
	}
	out := []string{fmt.Sprintf("RADIUS:  authenticator % X - % X", b[4:12], b[12:20])}
	for a := b[headerLen:]; len(a) > 0; {
		if len(a) < 2 || a[1] < 2 || int(a[1]) > len(a) {
			return append(out, hexLines(a)...)
		}
		out = appendAttr(out, a[0], a[2:a[1]])
		a = a[a[1]:]
	}
	return out
}

func emitPacket(dbg func(string), b []byte) {
	for _, l := range DebugLines(b) {
		dbg(l)
	}
}

func appendAttr(out []string, t byte, v []byte) []string {
	length := len(v) + 2
	if t == byte(typeVendorSpecific) && len(v) >= 4 {
		return appendVendor(out, v)
	}
	def, ok := ietfAttrs[t]
	if !ok {
		return append(out, fmt.Sprintf("RADIUS:  %-4d%-4d%X", t, length, v))
	}
	value, more := renderValue(def, v)
	out = append(out, attrLine("RADIUS:  ", 20, def.name, t, length, value))
	return append(out, more...)
}

func appendVendor(out []string, v []byte) []string {
	id := binary.BigEndian.Uint32(v)
	vd, known := vendors[id]
	name := "Vendor, " + vd.name
	if !known {
		name = "Vendor, " + strconv.FormatUint(uint64(id), 10)
	}
	out = append(out, attrLine("RADIUS:  ", 20, name, byte(typeVendorSpecific), len(v)+2, ""))
	for sub := v[4:]; len(sub) > 0; {
		if !known || len(sub) < 2 || sub[1] < 2 || int(sub[1]) > len(sub) {
			return append(out, hexLines(sub)...)
		}
		t, val := sub[0], sub[2:sub[1]]
		def, ok := vd.attrs[t]
		if !ok {
			def = attrDef{name: "Unknown", kind: kOctets}
		}
		value, more := renderValue(def, val)
		out = append(out, attrLine("RADIUS:   ", 19, def.name, t, int(sub[1]), value))
		out = append(out, more...)
		sub = sub[sub[1]:]
	}
	return out
}

func attrLine(prefix string, width int, name string, t byte, length int, value string) string {
	if len(name) > width {
		name = name[:width]
	}
	line := fmt.Sprintf("%s%-*s%-6s%-4d%s", prefix, width, name, "["+strconv.Itoa(int(t))+"]", length, value)
	return strings.TrimRight(line, " ")
}

// renderValue is the value column of an attribute line, or the extra lines
// that show its octets.
func renderValue(def attrDef, v []byte) (string, []string) {
	switch def.kind {
	case kString:
		return quote(v), nil
	case kHidden:
		return "*", nil
	case kAddr:
		if len(v) == 4 {
			return netip.AddrFrom4([4]byte(v)).String(), nil
		}
	case kAddr6:
		if len(v) == 16 {
			return netip.AddrFrom16([16]byte(v)).String(), nil
		}
	case kPrefix6:
		if len(v) >= 2 && len(v) <= 18 && int(v[1]) <= 128 {
			var a [16]byte
			copy(a[:], v[2:])
			return netip.AddrFrom16(a).String() + "/" + strconv.Itoa(int(v[1])), nil
		}
	case kInteger:
		if len(v) == 4 {
			return strconv.FormatUint(uint64(binary.BigEndian.Uint32(v)), 10), nil
		}
	case kEnum:
		if len(v) == 4 {
			return enumText(def.names, "", binary.BigEndian.Uint32(v)), nil
		}
	case kTaggedString:
		if len(v) > 0 && v[0] <= 0x1F {
			return fmt.Sprintf("%02X:%s", v[0], quote(v[1:])), nil
		}
		return quote(v), nil
	case kTaggedInt:
		if len(v) == 4 {
			n := uint32(v[1])<<16 | uint32(v[2])<<8 | uint32(v[3])
			tag := fmt.Sprintf("%02X:", v[0])
			if def.names == nil {
				return tag + strconv.FormatUint(uint64(n), 10), nil
			}
			return enumText(def.names, tag, n), nil
		}
	}
	return "", hexLines(v)
}

// enumText is an enumeration's name (after a tag, if any) padded to 26
// columns, then its number.
func enumText(names map[uint32]string, tag string, n uint32) string {
	name, ok := names[n]
	if !ok {
		name = "Unknown"
	}
	return fmt.Sprintf("%-26s[%d]", tag+name, n)
}

// quote shows a string value; octets outside printable ASCII become '.',
// so that a server cannot put control sequences on an operator's terminal.
func quote(v []byte) string {
	b := make([]byte, 0, len(v)+2)
	b = append(b, '"')
	for _, c := range v {
		if c < 0x20 || c > 0x7e {
			c = '.'
		}
		b = append(b, c)
	}
	return string(append(b, '"'))
}

// hexLines dumps octets 16 a line, each line ending with the printable
// ones in brackets after a blank (seed 001: "[ AA+;JU`b]"). The bracket
// starts at the same column on every line; seed 001's one-line dumps
// disagree on that column (line 252 was retyped by the book, whose
// "User1" replaced "p1"), and line 254, a full line, fixes it.
func hexLines(v []byte) []string {
	var out []string
	for len(v) > 0 {
		n := min(len(v), 16)
		var printable []byte
		for _, c := range v[:n] {
			if c >= 0x20 && c <= 0x7e {
				printable = append(printable, c)
			}
		}
		out = append(out, fmt.Sprintf("RADIUS:   %-57s[ %s]", fmt.Sprintf("% X", v[:n]), printable))
		v = v[n:]
	}
	return out
}
