package session

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
)

// RenderIKEv2Session writes "show crypto ikev2 session [detail]".
//
// The layout is that of published IOS 15 and IOS-XE 16 captures (e.g.
// " IPv4 Crypto IKEv2 Session", blank line, "Session-id:1,
// Status:UP-ACTIVE, IKE count:1, CHILD count:1", blank line, the IKE SA
// table of "show crypto ikev2 sa", then one "Child sa:" block per child
// SA). Both family headers are always printed, as IOS does; sessions are
// separated by an empty line.
//
// The per-child detail lines ("AH spi in/out", "CPI in/out", "Encr: ...,
// esp_hmac: ...", "ah_hmac: None, comp: IPCOMP_NONE, mode tunnel") follow
// the genieparser capture of IOS-XE "show crypto ikev2 session detailed";
// the IKE SA detail lines are those RenderIKEv2SA prints.
//
// A child's selectors come from its proxy identities with the full port
// range, which is what IKEv2 negotiates for tunnel protection; the model
// has no port selectors.
func RenderIKEv2Session(w io.Writer, ss []Session, detail bool) error {
	bw := bufio.NewWriter(w)
	var v4, v6 []Session
	for _, s := range ss {
		if sessionFamily(&s) == 6 {
			v6 = append(v6, s)
		} else {
			v4 = append(v4, s)
		}
	}
	bw.WriteString(" IPv4 Crypto IKEv2 Session\n")
	writeSessions(bw, v4, detail)
	bw.WriteString("\n IPv6 Crypto IKEv2 Session\n")
	writeSessions(bw, v6, detail)
	return bw.Flush()
}

// sessionFamily is 6 for a session whose IKE endpoints are IPv6.
func sessionFamily(s *Session) int {
	ap := s.Peer
	if s.IKE != nil {
		ap = s.IKE.Local
	}
	if ap.Addr().Is6() && !ap.Addr().Is4In6() {
		return 6
	}
	return 4
}

func writeSessions(bw *bufio.Writer, ss []Session, detail bool) {
	for i := range ss {
		s := &ss[i]
		ike := 0
		if s.IKE != nil {
			ike = 1
		}
		fmt.Fprintf(bw, "\nSession-id:%d, Status:%s, IKE count:%d, CHILD count:%d\n\n", s.ID, s.Status, ike, len(s.Children))
		saTableHeader(bw)
		if s.IKE != nil {
			saRow(bw, s.IKE, detail)
		}
		for j := range s.Children {
			writeChild(bw, &s.Children[j], detail)
		}
	}
}

// writeChild writes one "Child sa:" block. IOS pads the SPI line with two
// spaces, as the captures show.
func writeChild(bw *bufio.Writer, c *ChildSA, detail bool) {
	fmt.Fprintf(bw, "Child sa: local selector  %s\n", selectorRange(c.LocalTS))
	fmt.Fprintf(bw, "          remote selector %s\n", selectorRange(c.RemoteTS))
	fmt.Fprintf(bw, "          ESP spi in/out: 0x%X/0x%X  \n", c.InboundSPI, c.OutboundSPI)
	if !detail {
		return
	}
	encr, keySize, hmac := transformParts(c.Transform)
	bw.WriteString("          AH spi in/out: 0x0/0x0  \n")
	bw.WriteString("          CPI in/out: 0x0/0x0  \n")
	bw.WriteString("          Encr: " + encr)
	if keySize != 0 {
		fmt.Fprintf(bw, ", keysize: %d", keySize)
	}
	fmt.Fprintf(bw, ", esp_hmac: %s\n", hmac)
	fmt.Fprintf(bw, "          ah_hmac: None, comp: IPCOMP_NONE, mode %s\n", strings.ToLower(orNone(c.Mode, "Tunnel")))
}

// selectorRange prints a traffic selector as IOS does: first address/0 -
// last address/65535.
func selectorRange(p netip.Prefix) string {
	p = p.Masked()
	first := p.Addr()
	last := first
	if b := first.AsSlice(); len(b) > 0 {
		for i := p.Bits(); i < len(b)*8; i++ {
			b[i/8] |= 0x80 >> (i % 8)
		}
		last, _ = netip.AddrFromSlice(b)
	}
	return first.String() + "/0 - " + last.String() + "/65535"
}

// transformParts reads the cipher, key size and integrity of an IOS
// transform string ("esp-gcm 256", "esp-256-aes esp-sha256-hmac", "esp-aes
// 256 esp-sha-hmac") in the names "show crypto ikev2 session detail" uses.
// Only AES-CBC with SHA256 and AES-GCM are attested; the other names follow
// the IKE SA's naming (3DES, SHA96-style integrity is shown as the hash).
func transformParts(t string) (encr string, keySize int, hmac string) {
	hmac = "None"
	for _, f := range strings.Fields(strings.TrimSuffix(strings.TrimSpace(t), ",")) {
		switch {
		case f == "esp-gcm" || f == "esp-gmac":
			encr, keySize = "AES-GCM", 128
			if f == "esp-gmac" {
				encr = "AES-GMAC"
			}
		case f == "esp-aes":
			encr, keySize = "AES-CBC", 128
		case strings.HasPrefix(f, "esp-") && strings.HasSuffix(f, "-aes"):
			encr = "AES-CBC"
			keySize, _ = strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(f, "esp-"), "-aes"))
		case f == "esp-3des":
			encr = "3DES"
		case f == "esp-des":
			encr = "DES"
		case f == "esp-null":
			encr = "NULL"
		case strings.HasSuffix(f, "-hmac"):
			h := strings.ToUpper(strings.TrimSuffix(strings.TrimPrefix(f, "esp-"), "-hmac"))
			if h == "SHA" {
				h = "SHA1"
			}
			hmac = h
		default:
			if n, err := strconv.Atoi(f); err == nil {
				keySize = n
			}
		}
	}
	return encr, keySize, hmac
}

// RenderIKEv2Stats writes "show crypto ikev2 stats" in the layout of the
// IOS-XE sample output kept by Cisco's genieparser tests
// (https://github.com/CiscoTestAutomation/genieparser,
// src/genie/libs/parser/iosxe/tests/ShowCryptoIkev2Stats/cli/equal/golden_output_output.txt),
// trailing padding included, without its IOS-XE 17 lines (see IKEv2Stats).
func RenderIKEv2Stats(w io.Writer, st IKEv2Stats) error {
	bw := bufio.NewWriter(w)
	const rule = "--------------------------------------------------------------------------------\n"
	in, out := st.MaxInNegoIn, st.MaxInNegoOut
	if in == 0 {
		in = 40
	}
	if out == 0 {
		out = 400
	}
	bw.WriteString(rule + "                          Crypto IKEv2 SA Statistics\n" + rule)
	fmt.Fprintf(bw, "System Resource Limit:   %-9dMax IKEv2 SAs: %-9dMax in nego(in/out): %d/%d\n", st.ResourceLimit, st.MaxSA, in, out)
	fmt.Fprintf(bw, "Total incoming IKEv2 SA Count:    %-9dactive:        %-9dnegotiating: %-6d\n", st.InSAs, st.InActive, st.InNego)
	fmt.Fprintf(bw, "Total outgoing IKEv2 SA Count:    %-9dactive:        %-9dnegotiating: %-6d\n", st.OutSAs, st.OutActive, st.OutNego)
	fmt.Fprintf(bw, "Incoming IKEv2 Requests: %-9daccepted:      %-9drejected:    %-8d\n", st.InRequests, st.InAccepted, st.InRejected)
	fmt.Fprintf(bw, "Outgoing IKEv2 Requests: %-9daccepted:      %-9drejected:    %-8d\n", st.OutRequests, st.OutAccepted, st.OutRejected)
	fmt.Fprintf(bw, "Rejected IKEv2 Requests: %-9drsrc low:      %-9dSA limit:    %-8d\n", st.Rejected, st.RejectedRsrcLow, st.RejectedSALimit)
	fmt.Fprintf(bw, "IKEv2 packets dropped at dispatch: %-8d\n", st.DroppedAtDispatch)
	fmt.Fprintf(bw, "Incoming Requests dropped as LOW Q limit reached : %-8d\n", st.DroppedLowQ)
	fmt.Fprintf(bw, "Incoming IKEV2 Cookie Challenged Requests: %-8d\n", st.CookieChallenged)
	fmt.Fprintf(bw, "    accepted: %-9drejected: %-9drejected no cookie: %-8d\n", st.CookieAccepted, st.CookieRejected, st.CookieRejectedNoCookie)
	fmt.Fprintf(bw, "Total Deleted sessions of Cert Revoked Peers: %-8d\n", st.CertRevokedDeleted)
	return bw.Flush()
}

// RenderIKEv2StatsReconnect writes "show crypto ikev2 stats reconnect" as
// seed 001 line 1446 shows it.
func RenderIKEv2StatsReconnect(w io.Writer, r ReconnectStats) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%-44s%d\n", "Total incoming reconnect connection:", r.Incoming)
	fmt.Fprintf(bw, "%-44s%d\n", "Success reconnect connection:", r.Success)
	fmt.Fprintf(bw, "%-44s%d\n", "Failed reconnect connection:", r.Failed)
	fmt.Fprintf(bw, "%-44s%d\n", "Reconnect capable active session count:", r.CapableActive)
	fmt.Fprintf(bw, "%-44s%d\n", "Reconnect capable inactive session count:", r.CapableInactive)
	return bw.Flush()
}
