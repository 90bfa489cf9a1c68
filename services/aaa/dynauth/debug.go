package dynauth

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"layeh.com/radius"

	"github.com/gatehouse-vpn/gatehouse/services/logging"
)

// DebugTo routes the debug lines to the registry d: Disconnect requests
// under "debug aaa pod", CoA requests under "debug aaa coa". It is the
// usual value of Options.Debug.
func DebugTo(d *logging.Debug) func(Kind) func(line string) {
	return func(k Kind) func(string) {
		f := logging.FlagAAAPOD
		if k == KindCoA {
			f = logging.FlagAAACoA
		}
		if !d.On(f) {
			return nil
		}
		return func(line string) { d.Debugf(f, "%s", line) }
	}
}

// iosAttr is an attribute as IOS's AAA attribute lists name it: the name,
// IOS's internal attribute number and the flags column. The numbers and
// flags of audit-session-id, interface-config, inacl and outacl are the
// seed's (001:1006-1009, 1183-1189, 1266-1270); the others are not in the
// seed and are guesses.
type iosAttr struct {
	name  string
	id    int
	flags uint32
}

var (
	iosAuditSessionID  = iosAttr{"audit-session-id", 819, 0x89}
	iosInterfaceConfig = iosAttr{"interface-config", 222, 0x89}
	iosInACL           = iosAttr{"inacl", 144, 0x81}
	iosOutACL          = iosAttr{"outacl", 310, 0x81}
	iosUserName        = iosAttr{"username", 450, 0x89}
	iosAddr            = iosAttr{"addr", 8, 0x89}
	iosAcctSessionID   = iosAttr{"acct-session-id", 44, 0x89}
	iosTimeout         = iosAttr{"timeout", 242, 0x89}
	iosIdleTime        = iosAttr{"idletime", 243, 0x89}
	iosQoSPolicyIn     = iosAttr{"sub-qos-policy-in", 1121, 0x89}
	iosQoSPolicyOut    = iosAttr{"sub-qos-policy-out", 1122, 0x89}
	iosSubPolicyIn     = iosAttr{"sub-policy-In", 1123, 0x89}
	iosSubPolicyOut    = iosAttr{"sub-policy-Out", 1124, 0x89}
)

// debugLines writes the "debug aaa pod" / "debug aaa coa" lines of one
// request. A nil out means the debug is off and nothing is formatted.
//
// The formats are the seed's (001:1005-1042, 1168-1192, 1256-1275), with
// ASCII spaces where the book has U+00A0 and its line wraps joined.
type debugLines struct {
	out  func(string)
	kind Kind
}

// tag is the lines' prefix: "POD" or "COA".
func (d debugLines) tag() string {
	if d.kind == KindCoA {
		return "COA"
	}
	return "POD"
}

func (d debugLines) printf(format string, args ...any) {
	d.out(fmt.Sprintf(format, args...))
}

// received writes the lines of a request's arrival: IOS's "RADIUS: POD
// received" line, "request queued", for a CoA the packet as "debug
// radius" shows it, then the attribute list.
func (d debugLines) received(req *request, dec *decoded) {
	if d.out == nil {
		return
	}
	what := "POD Request"
	if d.kind == KindCoA {
		what = "CoA Request"
	}
	d.printf("RADIUS: %s  received from id %d %s:%d, %s, len %d", d.tag(), req.id, req.from.Addr(), req.from.Port(), what, len(req.packet))
	d.printf("%s: %s request queued", d.tag(), req.from.Addr())
	if d.kind == KindCoA {
		dumpRequest(d.out, req)
		d.out("")
	}
	d.printf(" ++++++ %s Attribute List ++++++", map[Kind]string{KindDisconnect: "POD", KindCoA: "CoA"}[d.kind])
	for i, e := range dec.list {
		// The first column is an address in IOS's memory; these are made
		// up, spaced as IOS's records are.
		addr := uint32(0x86D5EDB4) + uint32(i)*0x34
		d.printf("%08X %d %08X %s(%d) %d %s", addr, e.tag, e.attr.flags, e.attr.name, e.attr.id, len(e.value), e.value)
	}
	d.out("")
}

// notFound writes IOS's lines for a request that matched no session
// (seed 001:1038-1039).
func (d debugLines) notFound(req *request, dec *decoded) {
	if d.out == nil {
		return
	}
	for _, t := range dec.foreign {
		d.printf("%s: %s Unsupported attribute type %d for component", d.tag(), req.from.Addr(), t)
	}
	ip := netip.IPv4Unspecified()
	if dec.match.FramedIP.IsValid() {
		ip = dec.match.FramedIP
	}
	sessid, _ := strconv.ParseUint(dec.match.AcctSessionID, 16, 32)
	d.printf("%s: %s user %s %si sessid 0x%X key 0x0 DROPPED", d.tag(), req.from.Addr(), dec.match.UserName, ip, sessid)
}

// answer writes the lines of the response: the attributes added, the
// "Sending" line and, when there are any, the response's attributes as
// IOS dumps them (seed 001:1040-1044).
func (d debugLines) answer(req *request, nak bool, res Result, attrs radius.Attributes, localPort int) {
	if d.out == nil {
		return
	}
	if res.ReplyMessage != "" {
		d.printf("%s: Added Reply Message: %s", d.tag(), res.ReplyMessage)
	}
	if res.Cause != 0 {
		kind := "ACK"
		if nak {
			kind = "NACK"
		}
		d.printf("%s: Added %s Error Cause: %s", d.tag(), kind, causeText(res.Cause))
	}
	kind := "ACK"
	if nak {
		kind = "NAK"
	}
	d.printf("%s: Sending %s from port %d to %s/%d", d.tag(), kind, localPort, req.from.Addr(), req.from.Port())
	for _, a := range attrs {
		if a.Type == attrProxyState {
			continue
		}
		d.printf("RADIUS:  %-3d %-3d %X", a.Type, 2+len(a.Attribute), []byte(a.Attribute))
	}
}

// causeText is an Error-Cause as IOS's debug names it ("Invalid
// Request").
func causeText(c ErrorCause) string {
	switch c {
	case 201:
		return "Residual Session Context Removed"
	case 202:
		return "Invalid EAP Packet"
	case 401:
		return "Unsupported Attribute"
	case 402:
		return "Missing Attribute"
	case 403:
		return "NAS Identification Mismatch"
	case 404:
		return "Invalid Request"
	case 405:
		return "Unsupported Service"
	case 406:
		return "Unsupported Extension"
	case 407:
		return "Invalid Attribute Value"
	case 501:
		return "Administratively Prohibited"
	case 502:
		return "Request Not Routable"
	case 503:
		return "Session Context Not Found"
	case 504:
		return "Session Context Not Removable"
	case 505:
		return "Other Proxy Processing Error"
	case 506:
		return "Resources Unavailable"
	case 507:
		return "Request Initiated"
	case 508:
		return "Multiple Session Selection Unsupported"
	}
	return "Unknown (" + strconv.FormatUint(uint64(c), 10) + ")"
}

// radiusAttrs are the names and value forms "debug radius" uses for the
// attributes a dynamic authorization request may carry.
var radiusAttrs = map[radius.Type]struct {
	name string
	form byte // 's' string, 'a' IPv4 address, 'i' integer, else bytes
}{
	1: {"User-Name", 's'}, 4: {"NAS-IP-Address", 'a'}, 6: {"Service-Type", 'i'}, 8: {"Framed-IP-Address", 'a'},
	18: {"Reply-Message", 's'}, 24: {"State", 'b'}, 25: {"Class", 'b'}, 27: {"Session-Timeout", 'i'},
	28: {"Idle-Timeout", 'i'}, 30: {"Called-Station-Id", 's'}, 31: {"Calling-Station-Id", 's'},
	32: {"NAS-Identifier", 's'}, 33: {"Proxy-State", 'b'}, 44: {"Acct-Session-Id", 's'},
	49: {"Acct-Terminate-Cause", 'i'}, 50: {"Acct-Multi-Session-Id", 's'}, 55: {"Event-Timestamp", 'i'},
	61: {"NAS-Port-Type", 'i'}, 80: {"Message-Authenticator", 'b'}, 87: {"NAS-Port-Id", 's'},
	95: {"NAS-IPv6-Address", 'b'}, 101: {"Error-Cause", 'i'},
}

// dumpRequest writes the request as "debug radius" shows a packet: the
// authenticator, then one line per attribute (name cut to 20 columns, as
// IOS cuts "Message-Authenticato"), Cisco AV pairs under their
// Vendor-Specific line (seed 001:1170-1180, 1258-1265). Values that are
// not text are written as hex.
func dumpRequest(out func(string), req *request) {
	a := req.auth
	out(fmt.Sprintf("RADIUS:  authenticator % X - % X", a[:8], a[8:]))
	for _, avp := range req.attrs {
		v := []byte(avp.Attribute)
		typ := "[" + strconv.Itoa(int(avp.Type)) + "]"
		length := 2 + len(v)
		if avp.Type == attrVendorSpecific {
			vendor, subs, ok := splitVSA(v)
			if !ok || vendor != ciscoVendorID {
				out(fmt.Sprintf("RADIUS:  %-20.20s%-6s%d", "Vendor, "+strconv.FormatUint(uint64(vendor), 10), typ, length))
				dumpHex(out, v)
				continue
			}
			out(fmt.Sprintf("RADIUS:  %-20.20s%-6s%d", "Vendor, Cisco", typ, length))
			for _, s := range subs {
				styp := "[" + strconv.Itoa(int(s.typ)) + "]"
				if s.typ == ciscoAVPair {
					out(fmt.Sprintf("RADIUS:   %-19.19s%-6s%-4d%s", "Cisco AVpair", styp, 2+len(s.value), quoted(s.value)))
				} else {
					out(fmt.Sprintf("RADIUS:   %-19.19s%-6s%d", "Cisco type", styp, 2+len(s.value)))
					dumpHex(out, s.value)
				}
			}
			continue
		}
		info, known := radiusAttrs[avp.Type]
		if !known {
			info.name = "Unknown"
		}
		value := ""
		switch {
		case info.form == 's':
			value = quoted(v)
		case info.form == 'a' && len(v) == 4:
			value = netip.AddrFrom4([4]byte(v)).String()
		case info.form == 'i' && len(v) == 4:
			value = strconv.FormatUint(uint64(binary.BigEndian.Uint32(v)), 10)
		}
		if value != "" {
			out(fmt.Sprintf("RADIUS:  %-20.20s%-6s%-4d%s", info.name, typ, length, value))
			continue
		}
		out(fmt.Sprintf("RADIUS:  %-20.20s%-6s%d", info.name, typ, length))
		dumpHex(out, v)
	}
}

// quoted is a text value in double quotes, bytes that are not printable
// ASCII shown as '.'.
func quoted(v []byte) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for _, c := range v {
		if c < 0x20 || c > 0x7e {
			c = '.'
		}
		sb.WriteByte(c)
	}
	sb.WriteByte('"')
	return sb.String()
}

// dumpHex writes a binary value, 16 bytes a line.
func dumpHex(out func(string), v []byte) {
	for len(v) > 0 {
		n := min(16, len(v))
		out(fmt.Sprintf("RADIUS:   % X", v[:n]))
		v = v[n:]
	}
}
