package modes

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/grammar"
)

// IOS's refusals of an IKEv2 profile that would combine features the
// FlexVPN server cannot run together (seed 001 lines 147-148 and 1375-1377;
// the book wraps the second after "PSK", IOS prints it on one line).
const (
	msgEAPNeedsCert    = "For remote auth method to be EAP, the local auth method must be certificate-based"
	msgReconnectNoPSK  = "Reconnect can not be configured if either Keyring, PSK  authentication or PSK authorization enabled in profile."
	helpAAAListName    = "AAA list name"
	helpAAAClassPrefix = "AAA list to use when IKEv2 remote auth method is "
)

// aaaClassHelp is the help of the psk/eap/cert/anyconnect-eap keywords of
// the aaa commands, one line per method named. IOS words anyconnect-eap
// differently for authorization ("anyconnect eap based") and accounting
// ("AnyConnect EAP").
func aaaClassHelp(methods ...string) string {
	return helpAAAClassPrefix + strings.Join(methods, "\n"+helpAAAClassPrefix)
}

const (
	aaaClassAlt = "<psk|eap|cert|anyconnect-eap>$class"
	// helpMangledUser is the help of "[name-mangler NAME | USER]".
	helpMangledUser = "\nSpecify the name-mangler to derive username\nName of the name-mangler\nAAA username"
)

func registerIKEv2Profile(t *Tree) {
	m := t.NewMode("config-ikev2-profile", nil, "IKEv2 profile commands:")
	name := func(p *schema.IKEv2Profile) *string { return &p.Name }
	// profile runs fn on the profile the mode edits and then checks the
	// combinations IOS refuses, so that a refused line changes nothing.
	profile := func(fn func(c *Ctx, p *schema.IKEv2Profile) error) ConfigFunc {
		return editObject(schema.KindIKEv2Profile, func(c *Ctx, p *schema.IKEv2Profile) error {
			if err := fn(c, p); err != nil {
				return err
			}
			return checkProfile(p)
		})
	}
	groupAuthorization := profile(setAuthorization(func(p *schema.IKEv2Profile) *[]schema.AAAAuthorization { return &p.AAAAuthorizationGroup }))
	userAuthorization := profile(setAuthorization(func(p *schema.IKEv2Profile) *[]schema.AAAAuthorization { return &p.AAAAuthorizationUser }))
	t.Config.Add(&grammar.Command{Def: "[no] crypto ikev2 profile WORD$name",
		Help:   "\n\nDefine IKEv2 profiles\nProfile name",
		Action: subModeObject(m, schema.KindIKEv2Profile, withName(name))})
	m.Add(
		&grammar.Command{Def: "[no] description LINE$text", ShortNo: true,
			Help:   "Specify a description of this profile\nup to 80 characters describing this profile",
			Action: profile(profileString(func(p *schema.IKEv2Profile) *string { return &p.Description }, "text"))},

		// Match criteria.
		&grammar.Command{Def: "[no] match fvrf <WORD$vrf|any$vrf>", ShortNo: true,
			Help:   "Match values of peer\nMatch fvrf of the peer\nFront door VRF name\nAny front door VRF",
			Action: profile(profileString(func(p *schema.IKEv2Profile) *string { return &p.MatchFVRF }, "vrf"))},
		&grammar.Command{Def: "[no] match address local <A.B.C.D$addr|X:X::X:X$addr|interface IFNAME$ifname>", ShortNo: true,
			Help: "\nLocal address\nLocal address\nIPv4 address\nIPv6 address\nLocal interface\nInterface name",
			Action: profile(func(c *Ctx, p *schema.IKEv2Profile) error {
				var la []schema.LocalAddress
				switch {
				case c.Args.Has("addr"):
					la = append(la, schema.LocalAddress{Address: v4OrV6(c.Args, "addr")})
				case c.Args.Has("ifname"):
					ifname, _ := schema.CanonicalIfName(c.Args.Str("ifname"))
					la = append(la, schema.LocalAddress{Interface: ifname})
				}
				setPreferences(&p.MatchAddressLocal, c.Args.No(), la)
				return nil
			})},
		&grammar.Command{Def: "[no] match certificate WORD$map", ShortNo: true,
			Help: "\nPeer certificate attributes\nCertificate map name",
			Action: profile(func(c *Ctx, p *schema.IKEv2Profile) error {
				setPreferences(&p.MatchCertificates, c.Args.No(), c.Args.All("map"))
				return nil
			})},
		&grammar.Command{Def: "[no] match identity remote <address$idtype <A.B.C.D$id [A.B.C.D$mask]|X:X::X:X/M$prefix>|any$idtype" +
			"|email$idtype [domain$domain] WORD$id|fqdn$idtype [domain$domain] WORD$id|key-id$idtype WORD$id>", ShortNo: true,
			Help: "\nPeer identity\nRemote identity\nIP Address(es)\nIP address\nIP address mask\nIPv6 prefix\nmatch any peer identity\n" +
				"Fully qualified email string [Max. 255 char(s)]\nMatch the domain of the email address\nSpecify the email string\n" +
				"Fully qualified domain name string [Max. 255 char(s)]\nMatch the domain of the FQDN\nSpecify the FQDN string\n" +
				"key-id opaque string\nSpecify the key-id string",
			Action: profile(setMatchIdentity)},

		// Identity and authentication.
		&grammar.Command{Def: "[no] identity local " + identityDef(true), ShortNo: true,
			Help: "Specify IKEv2 identity\nLocal identity\n" + identityHelp(true),
			Action: profile(func(c *Ctx, p *schema.IKEv2Profile) error {
				p.LocalIdentity = identityOrNone(c.Args)
				return nil
			})},
		// One command per method: a key (LINE) must end its command.
		&grammar.Command{Def: "[no] authentication local pre-share$method [key$withkey [<0|6|7>$type] LINE$secret]",
			Help:   "Set authentication method\nLocal authentication method\nPre-Shared Key\nspecify the pre-shared key\n" + helpKeyTypes + "\n" + helpKeyText,
			Action: profile(setLocalAuth)},
		&grammar.Command{Def: "[no] authentication local <rsa-sig|ecdsa-sig>$method", ShortNo: true,
			Help:   "\n\nRivest-Shamir-Adleman Signature\nECDSA Signature",
			Action: profile(setLocalAuth)},
		&grammar.Command{Def: "[no] authentication local eap$method [<gtc|md5|mschapv2>$eapmethod] [username WORD$user] [password$withpw [<0|6|7>$type] WORD$secret]",
			Help: "\n\nExtended Authentication Protocol\nEAP-GTC method\nEAP-MD5 method\nEAP-MSCHAPv2 method" +
				"\nSpecify the EAP username\nEAP username\nSpecify the EAP password\n" + helpKeyTypes + "\nEAP password",
			Action: profile(setLocalAuth)},
		&grammar.Command{Def: "[no] authentication remote pre-share$method [key$withkey [<0|6|7>$type] LINE$secret]",
			Help:   "\nRemote authentication method" + strings.Repeat("\n", 6) + helpKeyText,
			Action: profile(setRemoteAuth)},
		&grammar.Command{Def: "[no] authentication remote <rsa-sig|ecdsa-sig>$method", ShortNo: true,
			Help:   "\n\n\n",
			Action: profile(setRemoteAuth)},
		&grammar.Command{Def: "[no] authentication remote eap$method [query-identity$query] [timeout <45-180>$timeout]",
			Help:   "\n\n\nquery EAP identity from peer\ntimeout\nEAP authentication timeout in seconds",
			Action: profile(setRemoteAuth)},
		&grammar.Command{Def: "[no] authentication remote anyconnect-eap$method aggregate$aggregate [cert-request$certreq]",
			Help:   "\n\nAnyConnect EAP\nuse aggregate auth for anyconnect eap\nuse double authentication during anyconnect eap",
			Action: profile(setRemoteAuth)},
		&grammar.Command{Def: "no authentication remote anyconnect-eap$method", Hidden: true,
			Help: "\n\n\n", Action: profile(setRemoteAuth)},
		&grammar.Command{Def: "[no] keyring <local WORD$local|aaa WORD$list [name-mangler WORD$mangler] [password$withpw [<0|6|7>$type] WORD$secret]>", ShortNo: true,
			Help: "Specify keyring to use\nLocal keyring\nName of the keyring\nAAA-based keyring\n" + helpAAAListName +
				"\nSpecify the name-mangler to derive username\nName of the name-mangler\nSpecify the AAA password\n" + helpKeyTypes + "\nThe AAA password",
			Action: profile(setProfileKeyring)},
		&grammar.Command{Def: "[no] pki trustpoint WORD$tp [<sign|verify>$usage]", ShortNo: true,
			Help: "Specify PKI related configs\nSpecify PKI trustpoint\nTrustpoint name\nUse the trustpoint for signing only\nUse the trustpoint for verification only",
			Action: profile(func(c *Ctx, p *schema.IKEv2Profile) error {
				tp := c.Args.Str("tp")
				p.Trustpoints = slices.DeleteFunc(p.Trustpoints, func(x schema.ProfileTrustpoint) bool {
					return c.Args.No() && tp == "" || x.Name == tp
				})
				if !c.Args.No() {
					p.Trustpoints = append(p.Trustpoints, schema.ProfileTrustpoint{Name: tp, Usage: c.Args.Str("usage")})
				}
				return nil
			})},

		// IKE SA settings.
		&grammar.Command{Def: "[no] lifetime <120-86400>$seconds", ShortNo: true,
			Help:   "Specify lifetime for IKEv2 SA\nlifetime in seconds",
			Action: profile(profileInt(func(p *schema.IKEv2Profile) *int { return &p.Lifetime }, "seconds", schema.DefaultIKEv2Lifetime))},
		&grammar.Command{Def: "[no] dpd <10-3600>$interval <2-60>$retry <on-demand|periodic>$dpdmode", ShortNo: true,
			Help: helpDPD,
			Action: profile(func(c *Ctx, p *schema.IKEv2Profile) error {
				p.DPD = newDPD(c.Args)
				return nil
			})},
		&grammar.Command{Def: "[no] nat keepalive <5-3600>$n", ShortNo: true,
			Help:   helpNATKA,
			Action: profile(profileInt(func(p *schema.IKEv2Profile) *int { return &p.NATKeepalive }, "n", 0))},
		&grammar.Command{Def: "[no] nat force-encap",
			Help:   "\nForce UDP encapsulation for IPsec",
			Action: profile(profileFlag(func(p *schema.IKEv2Profile) *bool { return &p.NATForceEncap }, true))},
		&grammar.Command{Def: "[no] ivrf WORD$vrf", ShortNo: true,
			Help:   "I-VRF of the profile\nVRF name",
			Action: profile(profileString(func(p *schema.IKEv2Profile) *string { return &p.IVRF }, "vrf"))},
		&grammar.Command{Def: "[no] virtual-template <1-200>$vt [mode$vtmode auto]", ShortNo: true,
			Help: "Specify the virtual-template for dynamic interface creation\nvirtual-template interface number\nSpecify the tunnel mode\nDerive the tunnel mode from the IPsec SA",
			Action: profile(func(c *Ctx, p *schema.IKEv2Profile) error {
				p.VirtualTemplate = int(ifOnInt(c.Args, "vt"))
				p.VirtualTemplateModeAuto = !c.Args.No() && c.Args.Has("vtmode")
				return nil
			})},
		&grammar.Command{Def: "[no] reconnect [timeout <600-86400>$rtimeout]",
			Help: "Enable IKEv2 auto-reconnect\ntimeout value for session in reconnect state\nreconnect timeout interval in seconds",
			Action: profile(func(c *Ctx, p *schema.IKEv2Profile) error {
				p.Reconnect = nil
				if !c.Args.No() {
					p.Reconnect = &schema.Reconnect{Timeout: orZero(int(c.Args.Int("rtimeout")), schema.DefaultReconnectTimeout)}
				}
				return nil
			})},

		// AAA.
		&grammar.Command{Def: "[no] aaa authentication eap$class WORD$list", ShortNo: true,
			Help:   "AAA configuration\nAAA authentication\nAAA authentication for EAP\n" + helpAAAListName,
			Action: profile(profileString(func(p *schema.IKEv2Profile) *string { return &p.AAAAuthenticationEAP }, "list"))},
		&grammar.Command{Def: "[no] aaa authentication anyconnect-eap$class WORD$list", ShortNo: true,
			Help:   "AAA configuration\nAAA authentication\nAAA authentication for AnyConnect EAP\n" + helpAAAListName,
			Action: profile(profileString(func(p *schema.IKEv2Profile) *string { return &p.AAAAuthenticationAnyConnectEAP }, "list"))},
		&grammar.Command{Def: "[no] aaa authorization group [override$override] " + aaaClassAlt + " list WORD$list [name-mangler WORD$mangler|WORD$username]", ShortNo: true,
			Help: "\nAAA authorization\nAAA group authorization\nGroup attributes override user attributes\n" +
				aaaClassHelp("PSK", "EAP", "certificate based", "anyconnect eap based") + "\nAAA method list\n" + helpAAAListName + helpMangledUser,
			Action: groupAuthorization},
		&grammar.Command{Def: "no aaa authorization group [override$override] " + aaaClassAlt, Hidden: true,
			Help:   "\n\n\n\n\n\n\n",
			Action: groupAuthorization},
		&grammar.Command{Def: "[no] aaa authorization user <psk|eap|anyconnect-eap>$class <cached$cached|list WORD$list [name-mangler WORD$mangler|WORD$username]>", ShortNo: true,
			Help:   "\n\nAAA user authorization\n" + aaaClassHelp("PSK", "EAP", "anyconnect eap based") + "\nUse the attributes cached from EAP or AAA-PSK authentication\n\n" + helpAAAListName + helpMangledUser,
			Action: userAuthorization},
		&grammar.Command{Def: "[no] aaa authorization user cert$class list WORD$list [name-mangler WORD$mangler|WORD$username]", ShortNo: true,
			Help:   "\n\n\n" + aaaClassHelp("certificate based") + "\n\n" + helpAAAListName + helpMangledUser,
			Action: userAuthorization},
		&grammar.Command{Def: "no aaa authorization user <psk|eap|anyconnect-eap>$class", Hidden: true,
			Help:   "\n\n\n\n\n\n",
			Action: userAuthorization},
		&grammar.Command{Def: "[no] aaa accounting " + aaaClassAlt + " WORD$list", ShortNo: true,
			Help:   "\nAAA accounting\n" + aaaClassHelp("PSK", "EAP", "certificate based", "AnyConnect EAP") + "\n" + helpAAAListName,
			Action: profile(setAccounting)},
		&grammar.Command{Def: "no aaa accounting " + aaaClassAlt, Hidden: true,
			Help: "\n\n\n\n\n\n", Action: profile(setAccounting)},

		// Configuration exchange and state.
		&grammar.Command{Def: "[no] config-exchange request",
			Help:   "config-exchange options\nenable config-exchange request",
			Action: profile(profileFlag(func(p *schema.IKEv2Profile) *bool { return &p.NoConfigExchangeRequest }, false))},
		&grammar.Command{Def: "[no] config-exchange set <send|accept>$dir",
			Help: "\nset options\nenable config-exchange set send\nenable config-exchange set accept",
			Action: profile(func(c *Ctx, p *schema.IKEv2Profile) error {
				if c.Args.Str("dir") == "send" {
					p.NoConfigExchangeSetSend = c.Args.No()
				} else {
					p.NoConfigExchangeSetAccept = c.Args.No()
				}
				return nil
			})},
		&grammar.Command{Def: "[no] shutdown",
			Help:   "Shut down the profile",
			Action: profile(profileFlag(func(p *schema.IKEv2Profile) *bool { return &p.Shutdown }, true))},
	)
	t.Section(OrderIKEv2+50, func(r *Renderer, tx Reader) {
		each(tx, schema.KindIKEv2Profile, func(name string, p *schema.IKEv2Profile) {
			renderBlock(r, "crypto ikev2 profile "+name, profileLines(r, p), false)
		})
	})
}

// profileString is the handler of "[no] CMD VALUE" for a string field.
func profileString(field func(p *schema.IKEv2Profile) *string, bind string) func(c *Ctx, p *schema.IKEv2Profile) error {
	return func(c *Ctx, p *schema.IKEv2Profile) error {
		*field(p) = ifOn(!c.Args.No(), c.Args.Str(bind))
		return nil
	}
}

// profileInt is the handler of "[no] CMD NUMBER". The IOS default (def)
// is stored as 0, so that it is not rendered, as IOS does not.
func profileInt(field func(p *schema.IKEv2Profile) *int, bind string, def int) func(c *Ctx, p *schema.IKEv2Profile) error {
	return func(c *Ctx, p *schema.IKEv2Profile) error {
		*field(p) = orZero(int(ifOnInt(c.Args, bind)), def)
		return nil
	}
}

// orZero is v, or 0 when v is the default def.
func orZero(v, def int) int {
	if v == def {
		return 0
	}
	return v
}

// profileFlag is the handler of "[no] CMD" for a flag; on is what the
// positive form sets (false for the "no config-exchange" flags).
func profileFlag(field func(p *schema.IKEv2Profile) *bool, on bool) func(c *Ctx, p *schema.IKEv2Profile) error {
	return func(c *Ctx, p *schema.IKEv2Profile) error {
		*field(p) = on != c.Args.No()
		return nil
	}
}

// checkProfile refuses the combinations IOS refuses, whichever command
// completes them: EAP towards peers needs a certificate towards them (a
// profile without a local method yet is accepted, as the seed's EAP
// example configures one), and auto-reconnect replaces PSK altogether.
func checkProfile(p *schema.IKEv2Profile) error {
	eap := slices.ContainsFunc(p.RemoteAuth, func(a schema.RemoteAuth) bool {
		return a.Method == schema.AuthEAP || a.Method == schema.AuthAnyConnectEAP
	})
	if eap && p.LocalAuth != nil && !schema.CertificateBased(p.LocalAuth.Method) {
		return IOSError(msgEAPNeedsCert)
	}
	if p.Reconnect != nil && usesPSK(p) {
		return IOSError(msgReconnectNoPSK)
	}
	return nil
}

// usesPSK reports a keyring, PSK authentication or PSK authorization.
func usesPSK(p *schema.IKEv2Profile) bool {
	isPSK := func(a schema.AAAAuthorization) bool { return a.Class == schema.AAAPSK }
	return p.Keyring != nil ||
		p.LocalAuth != nil && p.LocalAuth.Method == schema.AuthPreShare ||
		slices.ContainsFunc(p.RemoteAuth, func(a schema.RemoteAuth) bool { return a.Method == schema.AuthPreShare }) ||
		slices.ContainsFunc(p.AAAAuthorizationGroup, isPSK) ||
		slices.ContainsFunc(p.AAAAuthorizationUser, isPSK)
}

func setMatchIdentity(c *Ctx, p *schema.IKEv2Profile) error {
	var ids []schema.IKEv2Identity
	if c.Args.Has("idtype") {
		id := newIdentity(c.Args)
		if c.Args.Has("prefix") {
			id.Value = v6Prefix(c.Args.Str("prefix"))
		}
		mask, err := checkedMask(c.Args, "mask")
		if err != nil {
			return err
		}
		id.Mask = mask
		ids = append(ids, *id)
	}
	setPreferences(&p.MatchIdentities, c.Args.No(), ids)
	return nil
}

func setLocalAuth(c *Ctx, p *schema.IKEv2Profile) error {
	if c.Args.No() {
		p.LocalAuth = nil
		return nil
	}
	auth := &schema.LocalAuth{Method: c.Args.Str("method")}
	if c.Args.Has("secret") {
		key, err := newSharedSecret(c.Args)
		if err != nil {
			return err
		}
		if auth.Method == schema.AuthPreShare {
			auth.Key = key
		} else {
			auth.EAP = &schema.LocalEAP{Password: key}
		}
	}
	if auth.Method == schema.AuthEAP {
		if auth.EAP == nil {
			auth.EAP = &schema.LocalEAP{}
		}
		auth.EAP.Method, auth.EAP.Username = c.Args.Str("eapmethod"), c.Args.Str("user")
	}
	p.LocalAuth = auth
	return nil
}

// setRemoteAuth adds or replaces one remote method (IOS keeps one entry
// per method; typing it again replaces its options), or removes it.
func setRemoteAuth(c *Ctx, p *schema.IKEv2Profile) error {
	method := c.Args.Str("method")
	i := slices.IndexFunc(p.RemoteAuth, func(a schema.RemoteAuth) bool { return a.Method == method })
	if c.Args.No() {
		if method == "" {
			p.RemoteAuth = nil
		} else if i >= 0 {
			p.RemoteAuth = slices.Delete(p.RemoteAuth, i, i+1)
		}
		return nil
	}
	auth := schema.RemoteAuth{Method: method, QueryIdentity: c.Args.Has("query"),
		Timeout: orZero(int(c.Args.Int("timeout")), schema.DefaultEAPTimeout), Aggregate: c.Args.Has("aggregate"), CertRequest: c.Args.Has("certreq")}
	if c.Args.Has("secret") {
		key, err := newSharedSecret(c.Args)
		if err != nil {
			return err
		}
		auth.Key = key
	}
	if i >= 0 {
		p.RemoteAuth[i] = auth
	} else {
		p.RemoteAuth = append(p.RemoteAuth, auth)
	}
	return nil
}

func setProfileKeyring(c *Ctx, p *schema.IKEv2Profile) error {
	if c.Args.No() {
		p.Keyring = nil
		return nil
	}
	if c.Args.Has("local") {
		p.Keyring = &schema.ProfileKeyring{Local: c.Args.Str("local")}
		return nil
	}
	k := &schema.ProfileKeyring{AAAList: c.Args.Str("list"), NameMangler: c.Args.Str("mangler")}
	if c.Args.Has("secret") {
		pw, err := newSharedSecret(c.Args)
		if err != nil {
			return err
		}
		k.Password = pw
	}
	p.Keyring = k
	return nil
}

// setByClass applies a command kept once per AAA class (aaa
// authorization, aaa accounting): the positive form puts v() in place of
// its class's entry, keeping the order of schema.AAAClasses; the "no" form
// removes the class typed or, without one, every class.
func setByClass[T any](c *Ctx, list *[]T, class func(T) string, v func() T) {
	typed := c.Args.Str("class")
	switch {
	case c.Args.No() && typed == "":
		*list = nil
	case c.Args.No():
		*list = slices.DeleteFunc(*list, func(e T) bool { return class(e) == typed })
	default:
		e := v()
		*list = append(slices.DeleteFunc(*list, func(x T) bool { return class(x) == class(e) }), e)
		slices.SortStableFunc(*list, func(a, b T) int {
			return slices.Index(schema.AAAClasses, class(a)) - slices.Index(schema.AAAClasses, class(b))
		})
	}
}

func setAuthorization(field func(p *schema.IKEv2Profile) *[]schema.AAAAuthorization) func(c *Ctx, p *schema.IKEv2Profile) error {
	return func(c *Ctx, p *schema.IKEv2Profile) error {
		setByClass(c, field(p), func(a schema.AAAAuthorization) string { return a.Class }, func() schema.AAAAuthorization {
			return schema.AAAAuthorization{Class: c.Args.Str("class"), Override: c.Args.Has("override"), Cached: c.Args.Has("cached"),
				List: c.Args.Str("list"), NameMangler: c.Args.Str("mangler"), Username: c.Args.Str("username")}
		})
		return nil
	}
}

func setAccounting(c *Ctx, p *schema.IKEv2Profile) error {
	setByClass(c, &p.AAAAccounting, func(a schema.AAAAccounting) string { return a.Class }, func() schema.AAAAccounting {
		return schema.AAAAccounting{Class: c.Args.Str("class"), List: c.Args.Str("list")}
	})
	return nil
}

// profileLines renders a profile's sub-mode lines in IOS order.
func profileLines(r *Renderer, p *schema.IKEv2Profile) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	if p.Description != "" {
		add("description %s", p.Description)
	}
	if p.MatchFVRF != "" {
		add("match fvrf %s", p.MatchFVRF)
	}
	for _, la := range p.MatchAddressLocal {
		add("match address local %s", localAddressText(la))
	}
	for i := range p.MatchIdentities {
		add("match identity remote %s", identityText(&p.MatchIdentities[i]))
	}
	for _, cm := range p.MatchCertificates {
		add("match certificate %s", cm)
	}
	if p.LocalIdentity != nil {
		add("identity local %s", identityText(p.LocalIdentity))
	}
	// IOS lists the remote methods before the local one.
	for i := range p.RemoteAuth {
		add("authentication remote %s", remoteAuthText(r, &p.RemoteAuth[i]))
	}
	if p.LocalAuth != nil {
		add("authentication local %s", localAuthText(r, p.LocalAuth))
	}
	if p.Keyring != nil {
		add("keyring %s", keyringText(r, p.Keyring))
	}
	for _, tp := range p.Trustpoints {
		add("pki trustpoint %s", strings.TrimSpace(tp.Name+" "+tp.Usage))
	}
	if p.Lifetime != 0 {
		add("lifetime %d", p.Lifetime)
	}
	if p.DPD != nil {
		add("%s", dpdText(p.DPD))
	}
	if p.NATKeepalive != 0 {
		add("nat keepalive %d", p.NATKeepalive)
	}
	if p.NATForceEncap {
		add("nat force-encap")
	}
	if p.IVRF != "" {
		add("ivrf %s", p.IVRF)
	}
	if p.AAAAuthenticationEAP != "" {
		add("aaa authentication eap %s", p.AAAAuthenticationEAP)
	}
	if p.AAAAuthenticationAnyConnectEAP != "" {
		add("aaa authentication anyconnect-eap %s", p.AAAAuthenticationAnyConnectEAP)
	}
	for i := range p.AAAAuthorizationGroup {
		add("aaa authorization group %s", authorizationText(&p.AAAAuthorizationGroup[i]))
	}
	for i := range p.AAAAuthorizationUser {
		add("aaa authorization user %s", authorizationText(&p.AAAAuthorizationUser[i]))
	}
	for _, a := range p.AAAAccounting {
		add("aaa accounting %s %s", a.Class, a.List)
	}
	if p.VirtualTemplate != 0 {
		vt := "virtual-template " + strconv.Itoa(p.VirtualTemplate)
		if p.VirtualTemplateModeAuto {
			vt += " mode auto"
		}
		add("%s", vt)
	}
	if p.Reconnect != nil {
		if p.Reconnect.Timeout != 0 {
			add("reconnect timeout %d", p.Reconnect.Timeout)
		} else {
			add("reconnect")
		}
	}
	if p.NoConfigExchangeRequest {
		add("no config-exchange request")
	}
	if p.NoConfigExchangeSetSend {
		add("no config-exchange set send")
	}
	if p.NoConfigExchangeSetAccept {
		add("no config-exchange set accept")
	}
	if p.Shutdown {
		add("shutdown")
	}
	return out
}

func localAddressText(la schema.LocalAddress) string {
	if la.Interface != "" {
		return "interface " + la.Interface
	}
	return la.Address
}

// secretWords is " WORD SECRET" for a stored key or password (see
// keyText), "" without one.
func secretWords(r *Renderer, word string, s *schema.Secret) string {
	if s == nil {
		return ""
	}
	return " " + word + " " + keyText(r, s)
}

func remoteAuthText(r *Renderer, a *schema.RemoteAuth) string {
	text := a.Method + secretWords(r, "key", a.Key)
	if a.QueryIdentity {
		text += " query-identity"
	}
	if a.Timeout != 0 {
		text += " timeout " + strconv.Itoa(a.Timeout)
	}
	if a.Aggregate {
		text += " aggregate"
	}
	if a.CertRequest {
		text += " cert-request"
	}
	return text
}

func localAuthText(r *Renderer, a *schema.LocalAuth) string {
	text := a.Method + secretWords(r, "key", a.Key)
	if e := a.EAP; e != nil {
		if e.Method != "" {
			text += " " + e.Method
		}
		if e.Username != "" {
			text += " username " + e.Username
		}
		text += secretWords(r, "password", e.Password)
	}
	return text
}

func keyringText(r *Renderer, k *schema.ProfileKeyring) string {
	if k.Local != "" {
		return "local " + k.Local
	}
	text := "aaa " + k.AAAList
	if k.NameMangler != "" {
		text += " name-mangler " + k.NameMangler
	}
	return text + secretWords(r, "password", k.Password)
}

// authorizationText renders "[override] CLASS cached" or "[override] CLASS
// list LIST [name-mangler M | USER]".
func authorizationText(a *schema.AAAAuthorization) string {
	text := a.Class
	if a.Override {
		text = "override " + text
	}
	if a.Cached {
		return text + " cached"
	}
	text += " list " + a.List
	switch {
	case a.NameMangler != "":
		text += " name-mangler " + a.NameMangler
	case a.Username != "":
		text += " " + a.Username
	}
	return text
}
