package modes

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/grammar"
)

// The IKEv2 area: proposals, policies and keyrings (this file), profiles
// (crypto_ikev2_profile.go), the show commands (crypto_ikev2_show.go) and
// the global "crypto ikev2" settings (below). Name manglers and
// authorization policies belong to crypto_author.go.

func init() { areas = append(areas, registerIKEv2) }

func registerIKEv2(t *Tree) {
	registerIKEv2Proposal(t)
	registerIKEv2Policy(t)
	registerIKEv2Keyring(t)
	registerIKEv2Profile(t)
	registerIKEv2Global(t)
	registerIKEv2Show(t)
}

// Help shared by the commands that take a key or a password.
const (
	helpKeyTypes = "Specifies an UNENCRYPTED password will follow\nSpecifies an ENCRYPTED password will follow\nSpecifies a HIDDEN password will follow"
	helpKeyText  = "The UNENCRYPTED (cleartext) user password"
	helpDPD      = "Enable IKE liveness check for peers\nDPD interval in seconds\nRetry interval in seconds\nSend DPD on demand\nSend DPD periodically"
	helpNATKA    = "NAT-T configuration\nNAT keepalive\nKeepalive interval in seconds"
)

// setPreferences applies "[no] CMD A B C" to a preference list: the positive form
// appends what is new, the "no" form removes the words given or, alone,
// clears the list.
func setPreferences[E comparable](list *[]E, no bool, words []E) {
	switch {
	case no && len(words) == 0:
		*list = nil
	case no:
		*list = slices.DeleteFunc(*list, func(e E) bool { return slices.Contains(words, e) })
	default:
		for _, w := range words {
			if !slices.Contains(*list, w) {
				*list = append(*list, w)
			}
		}
	}
}

// v4OrV6 canonicalises an address bound to name: IPv4 as typed, IPv6 in
// upper case as IOS shows it.
func v4OrV6(a grammar.Args, name string) string {
	addr, err := netip.ParseAddr(a.Str(name))
	if err != nil {
		return a.Str(name)
	}
	return strings.ToUpper(addr.String())
}

// v6Prefix canonicalises an IPv6 prefix (host bits cleared, upper case).
func v6Prefix(s string) string {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return s
	}
	return strings.ToUpper(p.Masked().String())
}

// checkedMask validates an optional IPv4 mask bound to name.
func checkedMask(a grammar.Args, name string) (string, error) {
	if !a.Has(name) {
		return "", nil
	}
	if _, err := maskBits(a.Str(name)); err != nil {
		return "", err
	}
	return a.Str(name), nil
}

// ---- crypto ikev2 proposal ----

// ikev2Algorithm is a keyword of a proposal command with its help and how
// "show crypto ikev2 proposal" names it.
type ikev2Algorithm struct{ keyword, help, show string }

var (
	ikev2Ciphers = []ikev2Algorithm{
		{"3des", "Triple DES", "3DES"},
		{"aes-cbc-128", "AES-CBC-128", "AES-CBC-128"},
		{"aes-cbc-192", "AES-CBC-192", "AES-CBC-192"},
		{"aes-cbc-256", "AES-CBC-256", "AES-CBC-256"},
		{"aes-gcm-128", "Combined-mode,128 bit key,16 byte ICV(Authentication Tag)", "AES-GCM-128"},
		{"aes-gcm-256", "Combined-mode,256 bit key,16 byte ICV(Authentication Tag)", "AES-GCM-256"},
		{"chacha20-poly1305", "Combined-mode,256 bit key,16 byte ICV(Authentication Tag)", "CHACHA20-POLY1305"},
	}
	// ikev2Integrity shows the truncated HMAC names IOS prints for
	// integrity; ikev2PRF the plain hash names it prints for PRFs.
	ikev2Integrity = []ikev2Algorithm{
		{"md5", "Message Digest 5", "MD596"},
		{"sha1", "Secure Hash Standard", "SHA96"},
		{"sha256", "Secure Hash Standard 2 (256 bit)", "SHA256"},
		{"sha384", "Secure Hash Standard 2 (384 bit)", "SHA384"},
		{"sha512", "Secure Hash Standard 2 (512 bit)", "SHA512"},
	}
	ikev2PRF = []ikev2Algorithm{
		{"md5", "", "MD5"},
		{"sha1", "", "SHA1"},
		{"sha256", "", "SHA256"},
		{"sha384", "", "SHA384"},
		{"sha512", "", "SHA512"},
	}
	ikev2Groups = []ikev2Algorithm{
		{"1", "DH 768 MODP", "DH_GROUP_768_MODP/Group 1"},
		{"2", "DH 1024 MODP", "DH_GROUP_1024_MODP/Group 2"},
		{"5", "DH 1536 MODP", "DH_GROUP_1536_MODP/Group 5"},
		{"14", "DH 2048 MODP", "DH_GROUP_2048_MODP/Group 14"},
		{"15", "DH 3072 MODP", "DH_GROUP_3072_MODP/Group 15"},
		{"16", "DH 4096 MODP", "DH_GROUP_4096_MODP/Group 16"},
		{"19", "DH 256 ECP", "DH_GROUP_256_ECP/Group 19"},
		{"20", "DH 384 ECP", "DH_GROUP_384_ECP/Group 20"},
		{"21", "DH 521 ECP", "DH_GROUP_521_ECP/Group 21"},
		{"24", "DH 2048 (256 subgroup) MODP", "DH_GROUP_2048_256_MODP/Group 24"},
		{"31", "DH 256 Curve25519", "DH_GROUP_CURVE25519/Group 31"},
	}
)

// algorithmCommand declares "[no] CMD <a|b|...> {a|b|...}": one or more
// algorithms in order of preference, each at most once.
func algorithmCommand(cmd, help string, algs []ikev2Algorithm, action ConfigFunc) *grammar.Command {
	var kws, helps []string
	for _, a := range algs {
		kws = append(kws, a.keyword)
		helps = append(helps, a.help)
	}
	alt := strings.Join(kws, "|")
	return &grammar.Command{Def: "[no] " + cmd + " <" + alt + ">$alg {" + alt + "}$alg", ShortNo: true,
		Help:   help + "\n" + strings.Join(helps, "\n") + strings.Repeat("\n", len(algs)),
		Action: action}
}

// showNames maps keywords to the names "show crypto ikev2 proposal" uses.
func showNames(algs []ikev2Algorithm, keywords []string) string {
	var out []string
	for _, k := range keywords {
		for _, a := range algs {
			if a.keyword == k {
				out = append(out, a.show)
			}
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, " ")
}

func registerIKEv2Proposal(t *Tree) {
	m := t.NewMode("config-ikev2-proposal", nil, "IKEv2 proposal commands:")
	name := func(p *schema.IKEv2Proposal) *string { return &p.Name }
	t.Config.Add(&grammar.Command{Def: "[no] crypto ikev2 proposal WORD$name",
		Help:   "\n\nDefine IKEv2 proposals\nProposal name",
		Action: subModeObject(m, schema.KindIKEv2Proposal, withName(name))})
	algorithms := func(field func(p *schema.IKEv2Proposal) *[]string) ConfigFunc {
		return editObject(schema.KindIKEv2Proposal, func(c *Ctx, p *schema.IKEv2Proposal) error {
			setPreferences(field(p), c.Args.No(), c.Args.All("alg"))
			return nil
		})
	}
	m.Add(
		algorithmCommand("encryption", "Set encryption algorithm(s) for proposal", ikev2Ciphers,
			algorithms(func(p *schema.IKEv2Proposal) *[]string { return &p.Encryption })),
		algorithmCommand("integrity", "Set integrity hash algorithm(s) for proposal", ikev2Integrity,
			algorithms(func(p *schema.IKEv2Proposal) *[]string { return &p.Integrity })),
		algorithmCommand("prf", "Set pseudo-random function(s) for proposal", ikev2PRF,
			algorithms(func(p *schema.IKEv2Proposal) *[]string { return &p.PRF })),
		algorithmCommand("group", "Set the Diffie-Hellman group(s)", ikev2Groups,
			editObject(schema.KindIKEv2Proposal, func(c *Ctx, p *schema.IKEv2Proposal) error {
				var groups []int
				for _, g := range c.Args.All("alg") {
					n, _ := strconv.Atoi(g)
					groups = append(groups, n)
				}
				setPreferences(&p.Groups, c.Args.No(), groups)
				return nil
			})),
	)
	t.Section(OrderIKEv2+20, func(r *Renderer, tx Reader) {
		each(tx, schema.KindIKEv2Proposal, func(name string, p *schema.IKEv2Proposal) {
			renderBlock(r, "crypto ikev2 proposal "+name, proposalLines(p), name == schema.DefaultName)
		})
	})
}

// renderBlock writes "HEADER", its sub-mode lines and "!". A smart-default
// object (named default) without changes is not rendered: it is the
// built-in one.
func renderBlock(r *Renderer, header string, lines []string, smartDefault bool) {
	if smartDefault && len(lines) == 0 {
		return
	}
	r.Line(0, "%s", header)
	for _, l := range lines {
		r.Line(1, "%s", l)
	}
	r.Bang()
}

func proposalLines(p *schema.IKEv2Proposal) []string {
	var out []string
	add := func(cmd string, words []string) {
		if len(words) > 0 {
			out = append(out, cmd+" "+strings.Join(words, " "))
		}
	}
	add("encryption", p.Encryption)
	add("integrity", p.Integrity)
	add("prf", p.PRF)
	add("group", groupWords(p.Groups))
	return out
}

// groupWords is the "group" keywords of DH group numbers.
func groupWords(groups []int) []string {
	var out []string
	for _, g := range groups {
		out = append(out, strconv.Itoa(g))
	}
	return out
}

// ---- crypto ikev2 policy ----

func registerIKEv2Policy(t *Tree) {
	m := t.NewMode("config-ikev2-policy", nil, "IKEv2 policy commands:")
	name := func(p *schema.IKEv2Policy) *string { return &p.Name }
	policy := func(fn func(c *Ctx, p *schema.IKEv2Policy) error) ConfigFunc {
		return editObject(schema.KindIKEv2Policy, fn)
	}
	t.Config.Add(&grammar.Command{Def: "[no] crypto ikev2 policy WORD$name",
		Help:   "\n\nDefine IKEv2 policies\nPolicy name",
		Action: subModeObject(m, schema.KindIKEv2Policy, withName(name))})
	m.Add(
		&grammar.Command{Def: "[no] proposal WORD$prop", ShortNo: true,
			Help: "Specify Proposal\nSpecify the proposal name",
			Action: policy(func(c *Ctx, p *schema.IKEv2Policy) error {
				setPreferences(&p.Proposals, c.Args.No(), c.Args.All("prop"))
				return nil
			})},
		&grammar.Command{Def: "[no] match fvrf <WORD$vrf|any$vrf>", ShortNo: true,
			Help: "Match values of local fields\nFront door VRF\nFront door VRF name\nAny front door VRF",
			Action: policy(func(c *Ctx, p *schema.IKEv2Policy) error {
				p.MatchFVRF = ifOn(!c.Args.No(), c.Args.Str("vrf"))
				return nil
			})},
		&grammar.Command{Def: "[no] match address local <A.B.C.D$addr|X:X::X:X$addr>", ShortNo: true,
			Help: "\nLocal address\nLocal address\nIPv4 address\nIPv6 address",
			Action: policy(func(c *Ctx, p *schema.IKEv2Policy) error {
				var addrs []string
				if c.Args.Has("addr") {
					addrs = []string{v4OrV6(c.Args, "addr")}
				}
				setPreferences(&p.MatchAddressLocal, c.Args.No(), addrs)
				return nil
			})},
	)
	t.Section(OrderIKEv2+30, func(r *Renderer, tx Reader) {
		each(tx, schema.KindIKEv2Policy, func(name string, p *schema.IKEv2Policy) {
			renderBlock(r, "crypto ikev2 policy "+name, policyLines(p), name == schema.DefaultName)
		})
	})
}

func policyLines(p *schema.IKEv2Policy) []string {
	var out []string
	if p.MatchFVRF != "" {
		out = append(out, "match fvrf "+p.MatchFVRF)
	}
	for _, a := range p.MatchAddressLocal {
		out = append(out, "match address local "+a)
	}
	for _, pr := range p.Proposals {
		out = append(out, "proposal "+pr)
	}
	return out
}

// ---- crypto ikev2 keyring ----

func registerIKEv2Keyring(t *Tree) {
	m := t.NewMode("config-ikev2-keyring", nil, "IKEv2 keyring commands:")
	peerMode := t.NewMode("config-ikev2-keyring-peer", m, "IKEv2 keyring peer commands:")
	t.Config.Add(&grammar.Command{Def: "[no] crypto ikev2 keyring WORD$name",
		Help:   "\n\nDefine IKEv2 keyrings\nKeyring name",
		Action: subModeObject(m, schema.KindIKEv2Keyring, withName(func(k *schema.IKEv2Keyring) *string { return &k.Name }))})
	m.Add(&grammar.Command{Def: "[no] peer WORD$peer",
		Help: "Configure a Peer and associated keys\nName of peer",
		Action: ConfigFunc(func(c *Ctx, tx *configdb.Tx) error {
			name := c.Args.Str("peer")
			err := updateKeyring(tx, c.Key(0), func(k *schema.IKEv2Keyring) error {
				i := slices.IndexFunc(k.Peers, func(p schema.KeyringPeer) bool { return p.Name == name })
				switch {
				case c.Args.No() && i >= 0:
					k.Peers = slices.Delete(k.Peers, i, i+1)
				case !c.Args.No() && i < 0:
					k.Peers = append(k.Peers, schema.KeyringPeer{Name: name})
				}
				return nil
			})
			if err == nil && !c.Args.No() {
				c.Sess.Enter(peerMode, c.Key(0), name)
			}
			return err
		})})
	peerMode.Add(
		&grammar.Command{Def: "[no] description LINE$text", ShortNo: true,
			Help: "Specify a description of this peer\nup to 80 characters describing this peer",
			Action: keyringPeer(func(c *Ctx, p *schema.KeyringPeer) error {
				p.Description = ifOn(!c.Args.No(), c.Args.Str("text"))
				return nil
			})},
		&grammar.Command{Def: "[no] address <A.B.C.D$addr [A.B.C.D$mask]|X:X::X:X/M$prefix>", ShortNo: true,
			Help: "Specify IPv4/IPv6 address of peer\nIPv4 Address\nIPv4 Subnet Mask\nIPv6 address prefix",
			Action: keyringPeer(func(c *Ctx, p *schema.KeyringPeer) error {
				p.Address, p.Mask = "", ""
				if c.Args.No() {
					return nil
				}
				if c.Args.Has("prefix") {
					p.Address = v6Prefix(c.Args.Str("prefix"))
					return nil
				}
				mask, err := checkedMask(c.Args, "mask")
				p.Address, p.Mask = c.Args.Str("addr"), mask
				return err
			})},
		&grammar.Command{Def: "[no] hostname WORD$host", ShortNo: true,
			Help: "Hostname of peer\nHostname",
			Action: keyringPeer(func(c *Ctx, p *schema.KeyringPeer) error {
				p.Hostname = ifOn(!c.Args.No(), c.Args.Str("host"))
				return nil
			})},
		&grammar.Command{Def: "[no] identity " + identityDef(false), ShortNo: true,
			Help: "Specify peer's identity\n" + identityHelp(false),
			Action: keyringPeer(func(c *Ctx, p *schema.KeyringPeer) error {
				p.Identity = identityOrNone(c.Args)
				return nil
			})},
		&grammar.Command{Def: "[no] pre-shared-key [<local|remote>$dir] [<0|6|7>$type] LINE$secret", ShortNo: true,
			Help:   "pre-shared-key for the peer\nspecify signing key\nspecify verifying key\n" + helpKeyTypes + "\n" + helpKeyText,
			Action: keyringPeer(setPeerKey)},
		&grammar.Command{Def: "no pre-shared-key <local|remote>$dir", Hidden: true,
			Help: "\n\n\n", Action: keyringPeer(setPeerKey)},
	)
	t.Section(OrderIKEv2+40, func(r *Renderer, tx Reader) {
		each(tx, schema.KindIKEv2Keyring, func(name string, k *schema.IKEv2Keyring) {
			r.Line(0, "crypto ikev2 keyring %s", name)
			for i := range k.Peers {
				r.Line(1, "peer %s", k.Peers[i].Name)
				for _, l := range peerLines(r, &k.Peers[i]) {
					r.Line(2, "%s", l)
				}
				// IOS closes each peer with an indented "!" and the keyring
				// with a plain one (Bang would take " !" for the latter).
				r.Line(1, "!")
			}
			r.Line(0, "!")
		})
	})
}

func updateKeyring(tx *configdb.Tx, name string, fn func(k *schema.IKEv2Keyring) error) error {
	return update(tx, schema.KindIKEv2Keyring, name, func(k *schema.IKEv2Keyring) error {
		k.Name = name
		return fn(k)
	})
}

// keyringPeer is the handler of a peer sub-command: keys are the keyring
// and the peer.
func keyringPeer(fn func(c *Ctx, p *schema.KeyringPeer) error) ConfigFunc {
	return func(c *Ctx, tx *configdb.Tx) error {
		return updateKeyring(tx, c.Key(0), func(k *schema.IKEv2Keyring) error {
			i := slices.IndexFunc(k.Peers, func(p schema.KeyringPeer) bool { return p.Name == c.Key(1) })
			if i < 0 {
				k.Peers = append(k.Peers, schema.KeyringPeer{Name: c.Key(1)})
				i = len(k.Peers) - 1
			}
			return fn(c, &k.Peers[i])
		})
	}
}

// setPeerKey stores a symmetric key, or one of the asymmetric pair; the two
// styles replace each other as in IOS.
func setPeerKey(c *Ctx, p *schema.KeyringPeer) error {
	dir := c.Args.Str("dir")
	if c.Args.No() {
		switch dir {
		case "local":
			p.LocalKey = nil
		case "remote":
			p.RemoteKey = nil
		default:
			p.PreSharedKey, p.LocalKey, p.RemoteKey = nil, nil, nil
		}
		return nil
	}
	key, err := newSharedSecret(c.Args)
	if err != nil {
		return err
	}
	switch dir {
	case "local":
		p.LocalKey, p.PreSharedKey = key, nil
	case "remote":
		p.RemoteKey, p.PreSharedKey = key, nil
	default:
		p.PreSharedKey, p.LocalKey, p.RemoteKey = key, nil, nil
	}
	return nil
}

func peerLines(r *Renderer, p *schema.KeyringPeer) []string {
	var out []string
	if p.Description != "" {
		out = append(out, "description "+p.Description)
	}
	if p.Address != "" {
		out = append(out, strings.TrimSpace("address "+p.Address+" "+p.Mask))
	}
	if p.Hostname != "" {
		out = append(out, "hostname "+p.Hostname)
	}
	if p.Identity != nil {
		out = append(out, "identity "+identityText(p.Identity))
	}
	if k := p.PreSharedKey; k != nil {
		text := keyText(r, k)
		// A symmetric key that starts with a direction keyword needs its
		// type to read back as the same key.
		if first, _, _ := strings.Cut(text, " "); first == "local" || first == "remote" {
			text = "0 " + text
		}
		out = append(out, "pre-shared-key "+text)
	}
	if p.LocalKey != nil {
		out = append(out, "pre-shared-key local "+keyText(r, p.LocalKey))
	}
	if p.RemoteKey != nil {
		out = append(out, "pre-shared-key remote "+keyText(r, p.RemoteKey))
	}
	return out
}

// ---- IKE identities (keyring peers, profile identity and match) ----

// identityDef is the grammar of an identity: "address A", "fqdn [domain]
// NAME", "email [domain] NAME", "key-id ID"; a local identity may also be
// "dn" and its fqdn/email take no domain.
func identityDef(local bool) string {
	domain := "[domain$domain] "
	dn := ""
	if local {
		domain, dn = "", "|dn$idtype"
	}
	return "<address$idtype <A.B.C.D$id|X:X::X:X$id>" + dn +
		"|email$idtype " + domain + "WORD$id|fqdn$idtype " + domain + "WORD$id|key-id$idtype WORD$id>"
}

func identityHelp(local bool) string {
	domain := "Use the domain portion\n"
	dn := ""
	if local {
		domain, dn = "", "Distinguished Name\n"
	}
	return "IP address\nIPv4 address\nIPv6 address\n" + dn +
		"Fully qualified email string [Max. 255 char(s)]\n" + domain + "Specify the email string\n" +
		"Fully qualified domain name string [Max. 255 char(s)]\n" + domain + "Specify the FQDN string\n" +
		"key-id opaque string\nSpecify the key-id string"
}

// identityOrNone is the identity a "[no] ... identity" command sets: nil
// for its "no" form.
func identityOrNone(a grammar.Args) *schema.IKEv2Identity {
	if a.No() {
		return nil
	}
	return newIdentity(a)
}

// newIdentity builds an identity from the binds of identityDef.
func newIdentity(a grammar.Args) *schema.IKEv2Identity {
	id := &schema.IKEv2Identity{Type: a.Str("idtype"), Value: a.Str("id"), Domain: a.Has("domain")}
	if id.Type == schema.IDAddress {
		id.Value = v4OrV6(a, "id")
	}
	return id
}

// identityText renders an identity as its command words.
func identityText(id *schema.IKEv2Identity) string {
	words := []string{id.Type}
	if id.Domain {
		words = append(words, "domain")
	}
	for _, w := range []string{id.Value, id.Mask} {
		if w != "" {
			words = append(words, w)
		}
	}
	return strings.Join(words, " ")
}

// ---- global crypto ikev2 settings ----

func registerIKEv2Global(t *Tree) {
	global := func(fn func(c *Ctx, g *schema.IKEv2Global)) ConfigFunc {
		return func(c *Ctx, tx *configdb.Tx) error {
			return update(tx, schema.KindIKEv2Global, schema.Global, func(g *schema.IKEv2Global) error {
				fn(c, g)
				return nil
			})
		}
	}
	t.Config.Add(
		&grammar.Command{Def: "[no] crypto ikev2 fragmentation [mtu <68-1500>$mtu]",
			Help: "\n\nFragmentation of IKEv2 packets\nSpecify the fragmentation MTU\nMTU in bytes",
			Action: global(func(c *Ctx, g *schema.IKEv2Global) {
				g.Fragmentation = !c.Args.No()
				g.FragmentationMTU = orZero(int(ifOnInt(c.Args, "mtu")), schema.DefaultFragmentationMTU)
			})},
		&grammar.Command{Def: "[no] crypto ikev2 cookie-challenge <1-1000>$n", ShortNo: true,
			Help: "\n\nEnable cookie challenge\nNumber of half-open SAs above which peers must return a cookie",
			Action: global(func(c *Ctx, g *schema.IKEv2Global) {
				g.CookieChallenge = int(ifOnInt(c.Args, "n"))
			})},
		&grammar.Command{Def: "[no] crypto ikev2 limit max-sa <1-4294967295>$n", ShortNo: true,
			Help:   "\n\nLimit the number of maximum and negotiating sa\nLimit the total number of SAs\nNumber of SAs",
			Action: global(func(c *Ctx, g *schema.IKEv2Global) { g.MaxSA = ifOnInt(c.Args, "n") })},
		&grammar.Command{Def: "[no] crypto ikev2 limit max-in-negotiation-sa <1-4294967295>$n [<incoming|outgoing>$dir]", ShortNo: true,
			Help: "\n\n\nLimit the number of SAs in negotiation\nNumber of SAs in negotiation\nLimit incoming negotiations only\nLimit outgoing negotiations only",
			Action: global(func(c *Ctx, g *schema.IKEv2Global) {
				n := ifOnInt(c.Args, "n")
				switch c.Args.Str("dir") {
				case "incoming":
					g.MaxInNegotiationSAIncoming = n
				case "outgoing":
					g.MaxInNegotiationSAOutgoing = n
				default:
					g.MaxInNegotiationSA = n
					if c.Args.No() && !c.Args.Has("n") {
						// "no crypto ikev2 limit max-in-negotiation-sa" alone
						// removes every in-negotiation limit.
						g.MaxInNegotiationSAIncoming, g.MaxInNegotiationSAOutgoing = 0, 0
					}
				}
			})},
		&grammar.Command{Def: "[no] crypto ikev2 http-url cert",
			Help:   "\n\nEnable http URL lookup\nEnable certificate lookup based on HTTP URL",
			Action: global(func(c *Ctx, g *schema.IKEv2Global) { g.HTTPURLCertDisabled = c.Args.No() })},
		&grammar.Command{Def: "[no] crypto ikev2 dpd <10-3600>$interval <2-60>$retry <on-demand|periodic>$dpdmode", ShortNo: true,
			Help:   "\n\n" + helpDPD,
			Action: global(func(c *Ctx, g *schema.IKEv2Global) { g.DPD = newDPD(c.Args) })},
		&grammar.Command{Def: "[no] crypto ikev2 nat keepalive <5-3600>$n", ShortNo: true,
			Help:   "\n\n" + helpNATKA,
			Action: global(func(c *Ctx, g *schema.IKEv2Global) { g.NATKeepalive = int(ifOnInt(c.Args, "n")) })},
		&grammar.Command{Def: "[no] crypto ikev2 window <1-20>$n", ShortNo: true,
			Help: "\n\nSpecify IKEv2 window size\nWindow size",
			Action: global(func(c *Ctx, g *schema.IKEv2Global) {
				g.Window = orZero(int(ifOnInt(c.Args, "n")), schema.DefaultIKEv2Window)
			})},
	)
	t.Section(OrderIKEv2+60, func(r *Renderer, tx Reader) {
		g, _ := load[schema.IKEv2Global](tx, schema.KindIKEv2Global, schema.Global)
		lines := ikev2GlobalLines(g)
		for _, l := range lines {
			r.Line(0, "%s", l)
		}
		if len(lines) > 0 {
			r.Bang()
		}
	})
}

// newDPD reads the binds of a dpd command (nil for its "no" form).
func newDPD(a grammar.Args) *schema.IKEv2DPD {
	if a.No() {
		return nil
	}
	return &schema.IKEv2DPD{Interval: int(a.Int("interval")), Retry: int(a.Int("retry")), Mode: a.Str("dpdmode")}
}

func dpdText(d *schema.IKEv2DPD) string {
	return "dpd " + strconv.Itoa(d.Interval) + " " + strconv.Itoa(d.Retry) + " " + d.Mode
}

func ikev2GlobalLines(g *schema.IKEv2Global) []string {
	var out []string
	limit := func(what string, n int64, suffix string) {
		if n != 0 {
			out = append(out, "crypto ikev2 limit "+what+" "+strconv.FormatInt(n, 10)+suffix)
		}
	}
	limit("max-in-negotiation-sa", g.MaxInNegotiationSA, "")
	limit("max-in-negotiation-sa", g.MaxInNegotiationSAIncoming, " incoming")
	limit("max-in-negotiation-sa", g.MaxInNegotiationSAOutgoing, " outgoing")
	limit("max-sa", g.MaxSA, "")
	if g.Window != 0 {
		out = append(out, "crypto ikev2 window "+strconv.Itoa(g.Window))
	}
	if g.CookieChallenge != 0 {
		out = append(out, "crypto ikev2 cookie-challenge "+strconv.Itoa(g.CookieChallenge))
	}
	if g.HTTPURLCertDisabled {
		out = append(out, "no crypto ikev2 http-url cert")
	}
	if g.DPD != nil {
		out = append(out, "crypto ikev2 "+dpdText(g.DPD))
	}
	if g.NATKeepalive != 0 {
		out = append(out, "crypto ikev2 nat keepalive "+strconv.Itoa(g.NATKeepalive))
	}
	if g.Fragmentation {
		line := "crypto ikev2 fragmentation"
		if g.FragmentationMTU != 0 {
			line += " mtu " + strconv.Itoa(g.FragmentationMTU)
		}
		out = append(out, line)
	}
	return out
}
