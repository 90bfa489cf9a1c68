package modes

import (
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
)

func registerIKEv2Show(t *Tree) {
	t.Exec.Add(
		show("show crypto ikev2 proposal [WORD$name]", "\n\nShows ikev2 information\nShow IKEv2 proposals\nProposal name", 1, showIKEv2Proposals),
		show("show crypto ikev2 policy [WORD$name]", "\n\n\nShow IKEv2 policies\nPolicy name", 1, showIKEv2Policies),
		show("show crypto ikev2 profile [WORD$name]", "\n\n\nShow IKEv2 profiles\nProfile name", 1, showIKEv2Profiles),
	)
}

// withSmartDefault lists the stored names of a kind plus the smart default
// ("default"), sorted, filtered to want when a name was given.
func withSmartDefault(tx Reader, kind, want string) []string {
	names := tx.Names(kind)
	if !slices.Contains(names, schema.DefaultName) {
		names = append(names, schema.DefaultName)
		slices.Sort(names)
	}
	if want != "" {
		return slices.DeleteFunc(names, func(n string) bool { return n != want })
	}
	return names
}

// notConfigured is the mark "show" puts after a reference to an object of
// kind that does not exist.
func notConfigured(tx Reader, kind, name string) string {
	if _, ok := tx.Get(kind, name); ok {
		return ""
	}
	return " (not configured)"
}

// loadProposal is a proposal as IOS uses it (smart default applied), and
// whether it exists at all.
func loadProposal(tx Reader, name string) (*schema.IKEv2Proposal, bool) {
	p, ok := load[schema.IKEv2Proposal](tx, schema.KindIKEv2Proposal, name)
	if !ok {
		p = nil
	}
	p = schema.EffectiveProposal(name, p)
	return p, p != nil
}

func showIKEv2Proposals(c *Ctx) error {
	return c.Env.DB.View(func(tx *configdb.ReadTx) error {
		for _, name := range withSmartDefault(tx, schema.KindIKEv2Proposal, c.Args.Str("name")) {
			p, _ := loadProposal(tx, name)
			c.Printf(" IKEv2 proposal: %s\n", name)
			c.Printf("     Encryption : %s\n", showNames(ikev2Ciphers, p.Encryption))
			c.Printf("     Integrity  : %s\n", showNames(ikev2Integrity, p.Integrity))
			c.Printf("     PRF        : %s\n", showNames(ikev2PRF, p.PRFs()))
			c.Printf("     DH Group   : %s\n", showNames(ikev2Groups, groupWords(p.Groups)))
			if why := p.Incomplete(); why != "" {
				c.Printf("     Incomplete : %s\n", why)
			}
		}
		return nil
	})
}

func showIKEv2Policies(c *Ctx) error {
	return c.Env.DB.View(func(tx *configdb.ReadTx) error {
		for _, name := range withSmartDefault(tx, schema.KindIKEv2Policy, c.Args.Str("name")) {
			stored, ok := load[schema.IKEv2Policy](tx, schema.KindIKEv2Policy, name)
			if !ok {
				stored = nil
			}
			p := schema.EffectivePolicy(name, stored)
			// IOS pads "Match fvrf" differently for the built-in policy.
			fvrf, sep := p.MatchFVRF, "  :"
			if stored == nil {
				sep = " :"
			}
			if fvrf == "" {
				fvrf = "global"
			}
			c.Printf(" IKEv2 policy : %s\n", name)
			c.Printf("      Match fvrf%s %s%s\n", sep, fvrf, vrfMark(tx, fvrf))
			addrs := p.MatchAddressLocal
			if len(addrs) == 0 {
				addrs = []string{"any"}
			}
			for _, a := range addrs {
				c.Printf("      Match address local : %s\n", a)
			}
			for _, pr := range p.Proposals {
				mark := ""
				if prop, ok := loadProposal(tx, pr); !ok {
					mark = " (not configured)"
				} else if prop.Incomplete() != "" {
					mark = " (incomplete)"
				}
				c.Printf("      Proposal    : %s%s\n", pr, mark)
			}
		}
		return nil
	})
}

// vrfMark marks a VRF name that is not defined ("any" and "global" are
// not names).
func vrfMark(tx Reader, vrf string) string {
	if vrf == "" || vrf == schema.FVRFAny || vrf == "global" || vrf == "none" {
		return ""
	}
	return notConfigured(tx, schema.KindVRF, vrf)
}

func showIKEv2Profiles(c *Ctx) error {
	return c.Env.DB.View(func(tx *configdb.ReadTx) error {
		first := true
		each(tx, schema.KindIKEv2Profile, func(name string, p *schema.IKEv2Profile) {
			if want := c.Args.Str("name"); want != "" && want != name {
				return
			}
			if !first {
				c.Printf("\n")
			}
			first = false
			for _, l := range profileShowLines(tx, p) {
				c.Printf("%s\n", l)
			}
		})
		return nil
	})
}

// profileShowLines is "show crypto ikev2 profile" for one profile, in
// IOS's layout, with references to missing objects marked.
func profileShowLines(tx Reader, p *schema.IKEv2Profile) []string {
	orNone := func(s string) string {
		if s == "" {
			return "none"
		}
		return s
	}
	refCount := 1 // the profile itself, plus each IPsec profile using it
	each(tx, schema.KindIPsecProfile, func(_ string, ip *schema.IPsecProfile) {
		if ip.IKEv2Profile == p.Name {
			refCount++
		}
	})
	fvrf := p.MatchFVRF
	if fvrf == "" {
		fvrf = "global"
	}
	var local []string
	for _, la := range p.MatchAddressLocal {
		mark := ""
		if la.Interface != "" {
			mark = notConfigured(tx, schema.KindInterface, la.Interface)
		}
		local = append(local, la.Address+la.Interface+mark)
	}
	out := []string{
		"IKEv2 profile: " + p.Name,
		" Shutdown : " + map[bool]string{false: "No", true: "Yes"}[p.Shutdown],
		" Ref Count: " + strconv.Itoa(refCount),
		" Match criteria:",
		"  Fvrf: " + fvrf + vrfMark(tx, fvrf),
		"  Local address/interface: " + orNone(strings.Join(local, ", ")),
	}
	if len(p.MatchIdentities) == 0 {
		out = append(out, "  Identities: none")
	} else {
		out = append(out, "  Identities:")
		for _, id := range p.MatchIdentities {
			if id.Type == schema.IDAddress && id.Mask == "" && !strings.Contains(id.Value, ":") {
				id.Mask = "255.255.255.255"
			}
			out = append(out, "   "+identityText(&id))
		}
	}
	out = append(out, "  Certificate maps: "+orNone(strings.Join(p.MatchCertificates, " ")))
	localID, localMethod := "", ""
	if p.LocalIdentity != nil {
		localID = identityText(p.LocalIdentity)
	}
	if p.LocalAuth != nil {
		localMethod = p.LocalAuth.Method
	}
	var remote, eap []string
	for _, a := range p.RemoteAuth {
		remote = append(remote, a.Method)
		if a.QueryIdentity {
			eap = append(eap, "query-identity")
		}
		if a.Timeout != 0 {
			eap = append(eap, "timeout "+strconv.Itoa(a.Timeout))
		}
		if a.Aggregate {
			eap = append(eap, "aggregate")
		}
		if a.CertRequest {
			eap = append(eap, "cert-request")
		}
	}
	var trustpoints []string
	for _, tp := range p.Trustpoints {
		text := tp.Name
		if tp.Usage != "" {
			text += " (" + tp.Usage + ")"
		}
		trustpoints = append(trustpoints, text+notConfigured(tx, schema.KindTrustpoint, tp.Name))
	}
	lifetime := p.Lifetime
	if lifetime == 0 {
		lifetime = schema.DefaultIKEv2Lifetime
	}
	dpd, natKA := "disabled", "disabled"
	if d := p.DPD; d != nil {
		dpd = "interval " + strconv.Itoa(d.Interval) + ", retry-interval " + strconv.Itoa(d.Retry) + ", " + d.Mode
	}
	if p.NATKeepalive != 0 {
		natKA = strconv.Itoa(p.NATKeepalive) + " seconds"
	}
	vt, modeAuto := "none", "none"
	if p.VirtualTemplate != 0 {
		vt = strconv.Itoa(p.VirtualTemplate) +
			notConfigured(tx, schema.KindInterface, "Virtual-Template"+strconv.Itoa(p.VirtualTemplate))
		if p.VirtualTemplateModeAuto {
			modeAuto = "enabled"
		}
	}
	out = append(out,
		" Local identity: "+orNone(localID),
		" Remote identity: none",
		" Local authentication method: "+orNone(localMethod),
		" Remote authentication method(s): "+orNone(strings.Join(remote, ", ")),
		" EAP options: "+orNone(strings.Join(eap, ", ")),
		" Keyring: "+profileKeyringShow(tx, p.Keyring),
		" Trustpoint(s): "+orNone(strings.Join(trustpoints, ", ")),
		" Lifetime: "+strconv.Itoa(lifetime)+" seconds",
		" DPD: "+dpd,
		" NAT-keepalive: "+natKA,
		" Ivrf: "+orNone(p.IVRF)+vrfMark(tx, p.IVRF),
		" Virtual-template: "+vt,
		" mode auto: "+modeAuto,
		" AAA AnyConnect EAP authentication mlist: "+orNone(p.AAAAuthenticationAnyConnectEAP),
		" AAA EAP authentication mlist: "+orNone(p.AAAAuthenticationEAP),
		" AAA authentication mlist: none",
		" AAA Accounting: "+orNone(accountingShow(p.AAAAccounting)),
		" AAA group authorization: "+orNone(authorizationShow(tx, p.AAAAuthorizationGroup)),
		" AAA user authorization: "+orNone(authorizationShow(tx, p.AAAAuthorizationUser)),
	)
	if p.Reconnect != nil {
		timeout := p.Reconnect.Timeout
		if timeout == 0 {
			timeout = schema.DefaultReconnectTimeout
		}
		out = append(out, " Reconnect: enabled, timeout "+strconv.Itoa(timeout)+" seconds")
	}
	return out
}

func profileKeyringShow(tx Reader, k *schema.ProfileKeyring) string {
	switch {
	case k == nil:
		return "none"
	case k.Local != "":
		return k.Local + notConfigured(tx, schema.KindIKEv2Keyring, k.Local)
	}
	return "aaa " + k.AAAList + manglerShow(tx, k.NameMangler)
}

// manglerShow is " name-mangler NAME", marked when it does not exist.
func manglerShow(tx Reader, mangler string) string {
	if mangler == "" {
		return ""
	}
	return " name-mangler " + mangler + notConfigured(tx, schema.KindNameMangler, mangler)
}

func authorizationShow(tx Reader, list []schema.AAAAuthorization) string {
	var out []string
	for i := range list {
		text := authorizationText(&list[i])
		if m := list[i].NameMangler; m != "" {
			text += notConfigured(tx, schema.KindNameMangler, m)
		}
		out = append(out, text)
	}
	return strings.Join(out, ", ")
}

func accountingShow(list []schema.AAAAccounting) string {
	var out []string
	for _, a := range list {
		out = append(out, a.Class+" "+a.List)
	}
	return strings.Join(out, ", ")
}
