package aaa

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"slices"

	"github.com/gatehouse-vpn/gatehouse/services/ike"
)

// The AAA session views: "show aaa user all" (seed 001 shows the
// IPSEC-TUNNEL block of each accounted session, with the attribute list
// that names its audit-session-id) and "show aaa sessions".

// userAttr is one line of a session's attribute list: the AAA attribute
// name, its number, IOS's flag word and the value.
type userAttr struct {
	name  string
	num   int
	flags uint32
	value string
	size  int // the value's length as IOS counts it (binary for addresses)
}

// attrList is what "show aaa user all" lists for an accounted session.
func attrList(r ike.SessionRecord) []userAttr {
	peer := r.Peer.Addr().String()
	out := []userAttr{
		{"formatted-clid", 37, 0x82, peer, len(peer)},
		{"audit-session-id", 819, 0x8A, r.AuditSessionID, len(r.AuditSessionID)},
		{"isakmp-phase1-id", 737, 0x81, r.Identity, len(r.Identity)},
		{"isakmp-initator-ip", 738, 0x02, peer, len(r.Peer.Addr().AsSlice())},
	}
	if r.FramedIP.IsValid() {
		out = append(out, userAttr{"addr", 8, 0x02, r.FramedIP.String(), len(r.FramedIP.AsSlice())})
	}
	return out
}

// handle is a stable stand-in for the memory addresses IOS prints before
// each attribute: unique per session and line, so lines can be told apart.
func handle(uid uint32, i int) uint32 { return 0x86D50000 + (uid&0xFF)<<8 + uint32(i)*0x34 }

// RenderUsers writes "show aaa user all".
func (s *Service) RenderUsers(w io.Writer) error {
	bw := bufio.NewWriter(w)
	views := s.acct.sessions()
	slices.SortFunc(views, func(a, b acctView) int { return cmp.Compare(a.uniqueID, b.uniqueID) })
	for _, v := range views {
		fmt.Fprintf(bw, "--------------------------------------------------------\n")
		fmt.Fprintf(bw, "Unique id %d is currently in use.\n", v.uniqueID)
		fmt.Fprintf(bw, "  IPSEC-TUNNEL: Username=%s\n", v.rec.Username)
		fmt.Fprintf(bw, "    Session Id=%08X Unique Id=%08X\n", v.sessionID, v.uniqueID)
		fmt.Fprintf(bw, "    Start Sent=%d Stop Only=%s\n", v.startSent, yn(v.stopOnly))
		fmt.Fprintf(bw, "    stop_has_been_sent=%s\n", yn(v.stopSent))
		fmt.Fprintf(bw, "    Method List=%08X : Name = %s\n", 0x8655B740+uint32(len(v.list)), v.list)
		fmt.Fprintf(bw, "    Attribute list:\n")
		for i, a := range attrList(v.rec) {
			fmt.Fprintf(bw, "      %08X 0 %08X %s(%d) %d %s\n", handle(v.uniqueID, i), a.flags, a.name, a.num, a.size, a.value)
		}
	}
	return bw.Flush()
}

// RenderSessions writes "show aaa sessions".
func (s *Service) RenderSessions(w io.Writer) error {
	bw := bufio.NewWriter(w)
	views := s.acct.sessions()
	slices.SortFunc(views, func(a, b acctView) int { return cmp.Compare(a.uniqueID, b.uniqueID) })
	fmt.Fprintf(bw, "Total sessions since last reload: %d\n", s.acctSess.Load())
	for _, v := range views {
		fmt.Fprintf(bw, "Session Id: %d\n", v.sessionID)
		fmt.Fprintf(bw, "   Unique Id: %d\n", v.uniqueID)
		fmt.Fprintf(bw, "   User Name: %s\n", v.rec.Username)
		ip := "0.0.0.0"
		if v.rec.FramedIP.IsValid() {
			ip = v.rec.FramedIP.String()
		}
		fmt.Fprintf(bw, "   IP Address: %s\n", ip)
		fmt.Fprintf(bw, "   Idle Time: 0\n")
		fmt.Fprintf(bw, "   CT Call Handle: 0\n")
	}
	return bw.Flush()
}

func yn(b bool) string {
	if b {
		return "Y"
	}
	return "N"
}
