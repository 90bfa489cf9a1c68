package session

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/netip"
	"time"
)

// RenderCryptoSession writes "show crypto session [detail]".
//
// The non-detail form matches seed 001 (lines 822, 1131, 1220) byte for
// byte. Sessions are separated by one empty line; whether IOS also ends the
// listing with one the seed cannot tell (the book's paragraph break hides
// it), so none is written.
//
// The detail form is from IOS documentation, not from a seed record, and
// leaves out the per-flow packet counters ("Inbound: #pkts dec'ed ...")
// because the model has no counters yet.
func RenderCryptoSession(w io.Writer, ss []Session, detail bool) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("Crypto session current status\n")
	if detail {
		bw.WriteString("\n" +
			"Code: C - IKE Configuration mode, D - Dead Peer Detection\n" +
			"K - Keepalives, N - NAT-traversal, T - cTCP encapsulation\n" +
			"X - IKE Extended Authentication, F - IKE Fragmentation\n" +
			"R - IKE Auto Reconnect, U - IKE Dynamic Route Update\n" +
			"S - SIP VPN\n\n")
	}
	for i, s := range ss {
		if i > 0 {
			bw.WriteString("\n")
		}
		fmt.Fprintf(bw, "Interface: %s\n", s.Interface)
		if s.Profile != "" {
			fmt.Fprintf(bw, "Profile: %s\n", s.Profile)
		}
		if detail {
			fmt.Fprintf(bw, "Uptime: %s\n", hms(s.Uptime))
		}
		fmt.Fprintf(bw, "Session status: %s\n", s.Status)
		if detail {
			fmt.Fprintf(bw, "Peer: %s port %d fvrf: %s ivrf: %s\n",
				s.Peer.Addr(), s.Peer.Port(), orNone(s.FVRF, "(none)"), orNone(s.IVRF, "(none)"))
			if s.IKE != nil && s.IKE.RemoteID != "" {
				fmt.Fprintf(bw, "      Phase1_id: %s\n", s.IKE.RemoteID)
			}
			fmt.Fprintf(bw, "      Desc: %s\n", orNone(s.Desc, "(none)"))
		} else {
			fmt.Fprintf(bw, "Peer: %s port %d\n", s.Peer.Addr(), s.Peer.Port())
		}
		fmt.Fprintf(bw, "  Session ID: %d\n", s.ID)
		if sa := s.IKE; sa != nil {
			fmt.Fprintf(bw, "  IKEv2 SA: local %s remote %s %s\n",
				slashPort(sa.Local), slashPort(sa.Remote), sessionSAState(sa.Status))
			if detail {
				left := sa.Lifetime - sa.Active
				if left < 0 {
					left = 0
				}
				fmt.Fprintf(bw, "          Capabilities:%s connid:%d lifetime:%s\n",
					sa.Caps, sa.TunnelID, hms(left))
			}
		}
		for _, f := range s.Flows {
			fmt.Fprintf(bw, "  IPSEC FLOW: permit %s %s %s\n", protoName(f.Proto), flowAddr(f.Local), flowAddr(f.Remote))
			fmt.Fprintf(bw, "        Active SAs: %d, origin: %s\n", f.ActiveSAs, f.Origin)
		}
	}
	return bw.Flush()
}

// RenderIKEv2SA writes "show crypto ikev2 sa [detail]".
//
// The layout is that of seed 001 line 975. The seed's record at line 336
// is from another IOS release: its columns are narrower (19/19/17 instead
// of 22/22/21) and it has an empty line under the " IPv4 Crypto IKEv2  SA"
// banner; only its per-SA detail lines are matched.
//
// The seed shows only the trimmed detail lines the book chose; the full
// IOS detail (message ids, fragmentation, NAT-T, initiator lines) is not
// rendered. IPv6 SAs get their own " IPv6 Crypto IKEv2  SA" section, which
// is written only when there is one (unverified against a seed).
func RenderIKEv2SA(w io.Writer, sas []IKESA, detail bool) error {
	bw := bufio.NewWriter(w)
	var v4, v6 []IKESA
	for _, sa := range sas {
		if sa.Local.Addr().Unmap().Is4() {
			v4 = append(v4, sa)
		} else {
			v6 = append(v6, sa)
		}
	}
	section(bw, "IPv4", v4, detail)
	if len(v6) > 0 {
		bw.WriteString("\n")
		section(bw, "IPv6", v6, detail)
	}
	return bw.Flush()
}

func section(bw *bufio.Writer, family string, sas []IKESA, detail bool) {
	fmt.Fprintf(bw, " %s Crypto IKEv2  SA\n", family)
	saTableHeader(bw)
	for i := range sas {
		saRow(bw, &sas[i], detail)
	}
}

// saTableHeader is the column header of the IKE SA table, shared by
// "show crypto ikev2 sa" and "show crypto ikev2 session".
func saTableHeader(bw *bufio.Writer) {
	fmt.Fprintf(bw, "%-10s%-22s%-22s%-21s%s\n", "Tunnel-id", "Local", "Remote", "fvrf/ivrf", "Status")
}

// saRow writes one IKE SA: its table row, its algorithm and lifetime lines
// and, for detail, the lines below them.
func saRow(bw *bufio.Writer, sa *IKESA, detail bool) {
	fmt.Fprintf(bw, "%-10d%-22s%-22s%-21s%s\n", sa.TunnelID, slashPort(sa.Local), slashPort(sa.Remote),
		orNone(sa.FVRF, "none")+"/"+orNone(sa.IVRF, "none"), sa.Status)
	bw.WriteString("      Encr: " + sa.Encr)
	if sa.KeySize != 0 {
		fmt.Fprintf(bw, ", keysize: %d", sa.KeySize)
	}
	fmt.Fprintf(bw, ", PRF: %s, Hash: %s, DH Grp:%d, Auth sign: %s, Auth verify: %s\n",
		sa.PRF, sa.Hash, sa.DHGroup, sa.AuthSign, sa.AuthVerify)
	fmt.Fprintf(bw, "      Life/Active Time: %d/%d sec\n", int64(sa.Lifetime/time.Second), int64(sa.Active/time.Second))
	if !detail {
		return
	}
	fmt.Fprintf(bw, "      CE id: %d, Session-id: %d\n", sa.ConnID, sa.SessionID)
	fmt.Fprintf(bw, "      Status Description: %s\n", statusDescription(sa.Status))
	fmt.Fprintf(bw, "      Local spi: %016X       Remote spi: %016X\n", sa.LocalSPI, sa.RemoteSPI)
	fmt.Fprintf(bw, "      Local id: %s\n", sa.LocalID)
	fmt.Fprintf(bw, "      Remote id: %s\n", sa.RemoteID)
	if sa.RemoteEAPID != "" {
		fmt.Fprintf(bw, "      Remote EAP id: %s\n", sa.RemoteEAPID)
	}
}

// statusDescription is the "Status Description:" text for an IKE SA state.
// Only READY's text is attested (seed 001); the others are IOS's wording
// as remembered and are unverified.
func statusDescription(status string) string {
	switch status {
	case IKEReady:
		return "Negotiation done"
	case IKENegotiating:
		return "Negotiation in progress"
	case IKEDeleting:
		return "Deleting IKE SA"
	}
	return status
}

// sessionSAState maps an IKE SA state to the word "show crypto session"
// uses for it ("Active" is attested for READY; the rest is unverified).
func sessionSAState(status string) string {
	if status == IKEReady {
		return "Active"
	}
	return "Inactive"
}

func slashPort(ap netip.AddrPort) string {
	return fmt.Sprintf("%s/%d", ap.Addr(), ap.Port())
}

func orNone(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

func protoName(p int) string {
	if p == 0 {
		return "ip"
	}
	return fmt.Sprint(p)
}

// flowAddr prints a proxy identity the IOS way: "host A" for a single
// address, otherwise address/mask for IPv4 (e.g. "10.0.0.0/255.255.255.0")
// and address/length for IPv6. Only the host form is attested by the seed.
func flowAddr(p netip.Prefix) string {
	p = p.Masked()
	if p.IsSingleIP() {
		return "host " + p.Addr().String()
	}
	if p.Addr().Is4() {
		return p.Addr().String() + "/" + net.IP(net.CIDRMask(p.Bits(), 32)).String()
	}
	return p.String()
}

// hms prints a duration as IOS prints uptimes and lifetimes: hh:mm:ss.
func hms(d time.Duration) string {
	s := int64(d / time.Second)
	return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
}
