package session

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
)

// IPsecSAFilter selects what "show crypto ipsec sa" prints.
type IPsecSAFilter struct {
	Peer      netip.Addr // "peer A.B.C.D": only flows to this peer; zero = all
	Interface string     // "interface IFNAME": canonical name; "" = all
	Detail    bool       // "detail": the per-flow error counters
}

// RenderIPsecSA writes "show crypto ipsec sa [peer A | interface IF] [detail]".
//
// The layout follows published captures of real IOS and IOS-XE output for
// tunnel-protected interfaces (IOS 15 "Tunnel1-head-0" in transport mode; a
// CSR1000v 16.x VTI with "Tunnel UDP-Encaps" and the detail counters; the
// Cisco genieparser test capture of the same command): one "interface:" block per interface, one "protected vrf:" block per flow
// (a pair of proxy identities to one peer), and under the flow every SA of
// it, so that during a rekey the old and the new pair are listed together
// until the old one is deleted. A flow's packet counters are the sums over
// its SAs.
//
// Values the model does not carry are printed as IOS usually prints them:
// "PERMIT, flags={origin_is_acl,}", zero compression counters, "sibling_flags
// 80000040", "path mtu 1500, ip mtu 1500", "ip mtu idb none" (IOS names the
// interface the ESP packets leave by, which the model does not know), and a
// plaintext MTU of 1500 less IOS's observed overhead (62 bytes in tunnel mode,
// 42 in transport mode, 16 more with UDP encapsulation). The IV size comes
// from the transform: 8 bytes for GCM/GMAC and (3)DES, 16 for AES-CBC, 0 for
// esp-null. Flows are printed as Virtual-Access/tunnel-protection flows: the
// crypto map tag is "<interface>-head-0" as IOS names the map it builds for
// tunnel protection.
//
// With no SA nothing is printed. IPv6 proxy identities print as
// address/prefix-length (unverified against IOS).
func RenderIPsecSA(w io.Writer, sas []ChildSA, f IPsecSAFilter) error {
	bw := bufio.NewWriter(w)
	for _, iface := range groupIPsec(sas, f) {
		fmt.Fprintf(bw, "\ninterface: %s\n", iface.name)
		fmt.Fprintf(bw, "    Crypto map tag: %s, local addr %s\n", cryptoMapTag(iface.name), iface.flows[0].sas[0].Local.Addr())
		for _, fl := range iface.flows {
			writeIPsecFlow(bw, fl, f.Detail)
		}
	}
	return bw.Flush()
}

type ipsecInterface struct {
	name  string
	flows []*ipsecFlow
}

// ipsecFlow is the SAs of one pair of proxy identities to one peer.
type ipsecFlow struct {
	sas []ChildSA
}

type flowKey struct {
	local, remote netip.Prefix
	proto         int
	peer          netip.AddrPort
	ivrf          string
}

// groupIPsec groups the SAs by interface and flow, both in order of first
// appearance, dropping those the filter excludes.
func groupIPsec(sas []ChildSA, f IPsecSAFilter) []*ipsecInterface {
	var out []*ipsecInterface
	ifaces := map[string]*ipsecInterface{}
	flows := map[string]map[flowKey]*ipsecFlow{}
	for _, sa := range sas {
		if f.Peer.IsValid() && sa.Remote.Addr().Unmap() != f.Peer.Unmap() {
			continue
		}
		if f.Interface != "" && !strings.EqualFold(sa.Interface, f.Interface) {
			continue
		}
		ifc := ifaces[sa.Interface]
		if ifc == nil {
			ifc = &ipsecInterface{name: sa.Interface}
			ifaces[sa.Interface] = ifc
			flows[sa.Interface] = map[flowKey]*ipsecFlow{}
			out = append(out, ifc)
		}
		k := flowKey{sa.LocalTS.Masked(), sa.RemoteTS.Masked(), sa.Proto, sa.Remote, sa.IVRF}
		fl := flows[sa.Interface][k]
		if fl == nil {
			fl = &ipsecFlow{}
			flows[sa.Interface][k] = fl
			ifc.flows = append(ifc.flows, fl)
		}
		fl.sas = append(fl.sas, sa)
	}
	return out
}

func writeIPsecFlow(bw *bufio.Writer, fl *ipsecFlow, detail bool) {
	first, cur := fl.sas[0], fl.sas[len(fl.sas)-1]
	var c ChildSA // the flow's counters
	for _, sa := range fl.sas {
		c.PktsEncaps += sa.PktsEncaps
		c.PktsEncrypt += sa.PktsEncrypt
		c.PktsDigest += sa.PktsDigest
		c.PktsDecaps += sa.PktsDecaps
		c.PktsDecrypt += sa.PktsDecrypt
		c.PktsVerify += sa.PktsVerify
		c.SendErrors += sa.SendErrors
		c.RecvErrors += sa.RecvErrors
		c.VerifyFailed += sa.VerifyFailed
		c.ReplayFailed += sa.ReplayFailed
	}
	fmt.Fprintf(bw, "\n   protected vrf: %s\n", orNone(first.IVRF, "(none)"))
	identHead := "addr/mask/prot/port"
	if first.LocalTS.Addr().Is6() {
		identHead = "addr/prefixlen/prot/port"
	}
	fmt.Fprintf(bw, "   local  ident (%s): (%s/%d/0)\n", identHead, identAddr(first.LocalTS), first.Proto)
	fmt.Fprintf(bw, "   remote ident (%s): (%s/%d/0)\n", identHead, identAddr(first.RemoteTS), first.Proto)
	fmt.Fprintf(bw, "   current_peer %s port %d\n", first.Remote.Addr(), first.Remote.Port())
	bw.WriteString("     PERMIT, flags={origin_is_acl,}\n")
	fmt.Fprintf(bw, "    #pkts encaps: %d, #pkts encrypt: %d, #pkts digest: %d\n", c.PktsEncaps, c.PktsEncrypt, c.PktsDigest)
	fmt.Fprintf(bw, "    #pkts decaps: %d, #pkts decrypt: %d, #pkts verify: %d\n", c.PktsDecaps, c.PktsDecrypt, c.PktsVerify)
	bw.WriteString("    #pkts compressed: 0, #pkts decompressed: 0\n" +
		"    #pkts not compressed: 0, #pkts compr. failed: 0\n" +
		"    #pkts not decompressed: 0, #pkts decompress failed: 0\n")
	if detail {
		// The detail form replaces "#send errors" with IOS's finer
		// counters; the model's send and receive errors are shown as
		// encapsulation and decapsulation failures, integrity and replay
		// failures (parts of the receive errors) on their own lines, the
		// rest are zero.
		fmt.Fprintf(bw, "    #pkts no sa (send) 0, #pkts invalid sa (rcv) 0\n"+
			"    #pkts encaps failed (send) %d, #pkts decaps failed (rcv) %d\n"+
			"    #pkts invalid prot (recv) 0, #pkts verify failed: %d\n"+
			"    #pkts invalid identity (recv) 0, #pkts invalid len (rcv) 0\n"+
			"    #pkts replay rollover (send): 0, #pkts replay rollover (rcv) 0\n"+
			"    ##pkts replay failed (rcv): %d\n"+
			"    #pkts tagged (send): 0, #pkts untagged (rcv): 0\n"+
			"    #pkts not tagged (send): 0, #pkts not untagged (rcv): 0\n"+
			"    #pkts internal err (send): 0, #pkts internal err (recv) 0\n", c.SendErrors, c.RecvErrors, c.VerifyFailed, c.ReplayFailed)
	} else {
		fmt.Fprintf(bw, "    #send errors %d, #recv errors %d\n", c.SendErrors, c.RecvErrors)
	}
	fmt.Fprintf(bw, "\n     local crypto endpt.: %s, remote crypto endpt.: %s\n", cur.Local.Addr(), cur.Remote.Addr())
	fmt.Fprintf(bw, "     plaintext mtu %d, path mtu 1500, ip mtu 1500, ip mtu idb none\n", plaintextMTU(&cur))
	fmt.Fprintf(bw, "     current outbound spi: %s\n", spiText(cur.OutboundSPI))
	if cur.PFS != 0 {
		fmt.Fprintf(bw, "     PFS (Y/N): Y, DH group: group%d\n", cur.PFS)
	} else {
		bw.WriteString("     PFS (Y/N): N, DH group: none\n")
	}
	bw.WriteString("\n     inbound esp sas:\n")
	for i := range fl.sas {
		writeSA(bw, &fl.sas[i], fl.sas[i].InboundSPI, fl.sas[i].ConnIDIn, fl.sas[i].FlowIDIn)
	}
	bw.WriteString("\n     inbound ah sas:\n\n     inbound pcp sas:\n\n     outbound esp sas:\n")
	for i := range fl.sas {
		writeSA(bw, &fl.sas[i], fl.sas[i].OutboundSPI, fl.sas[i].ConnIDOut, fl.sas[i].FlowIDOut)
	}
	bw.WriteString("\n     outbound ah sas:\n\n     outbound pcp sas:\n")
}

// writeSA writes one direction of a child SA under "inbound/outbound esp sas:".
func writeSA(bw *bufio.Writer, sa *ChildSA, spi uint32, connID, flowID int) {
	fmt.Fprintf(bw, "      spi: %s\n", spiText(spi))
	fmt.Fprintf(bw, "        transform: %s\n", transformText(sa.Transform))
	fmt.Fprintf(bw, "        in use settings ={%s, }\n", modeText(sa))
	fmt.Fprintf(bw, "        conn id: %d, flow_id: SW:%d, sibling_flags 80000040, crypto map: %s\n", connID, flowID, cryptoMapTag(sa.Interface))
	fmt.Fprintf(bw, "        sa timing: remaining key lifetime (k/sec): (%d/%d)\n", sa.RemainingKB, int64(sa.Remaining.Seconds()))
	fmt.Fprintf(bw, "        IV size: %d bytes\n", ivSize(sa.Transform))
	replay := "N"
	if sa.ReplayWindow > 0 {
		replay = "Y"
	}
	fmt.Fprintf(bw, "        replay detection support: %s\n", replay)
	fmt.Fprintf(bw, "        Status: %s\n", orNone(sa.Status, "ACTIVE(ACTIVE)"))
}

// cryptoMapTag is the name IOS gives the crypto map it builds for a
// tunnel-protected interface.
func cryptoMapTag(iface string) string { return iface + "-head-0" }

// spiText prints an SPI as IOS does: hex without leading zeros, then decimal.
func spiText(spi uint32) string { return fmt.Sprintf("0x%X(%d)", spi, spi) }

// transformText makes sure the transform ends with IOS's " ," separator.
func transformText(t string) string {
	t = strings.TrimSpace(t)
	if strings.HasSuffix(t, ",") {
		return t
	}
	return t + " ,"
}

// modeText is the "in use settings" mode: "Tunnel", "Transport",
// "Tunnel UDP-Encaps".
func modeText(sa *ChildSA) string {
	m := orNone(sa.Mode, "Tunnel")
	if sa.UDPEncap {
		m += " UDP-Encaps"
	}
	return m
}

// identAddr is a proxy identity as "show crypto ipsec sa" prints it:
// address/mask for IPv4, address/length for IPv6.
func identAddr(p netip.Prefix) string {
	p = p.Masked()
	if p.Addr().Is4() {
		return p.Addr().String() + "/" + net.IP(net.CIDRMask(p.Bits(), 32)).String()
	}
	return p.String()
}

// plaintextMTU estimates IOS's "plaintext mtu" for a 1500-byte path from
// the overheads IOS shows (see RenderIPsecSA).
func plaintextMTU(sa *ChildSA) int {
	overhead := 62
	if strings.EqualFold(sa.Mode, "Transport") {
		overhead = 42
	}
	if sa.UDPEncap {
		overhead += 16
	}
	return 1500 - overhead
}

// ivSize is the ESP IV length of an IOS transform string.
func ivSize(transform string) int {
	t := strings.ToLower(transform)
	switch {
	case strings.Contains(t, "gcm"), strings.Contains(t, "gmac"), strings.Contains(t, "des"):
		return 8
	case strings.Contains(t, "aes"):
		return 16
	}
	return 0
}
