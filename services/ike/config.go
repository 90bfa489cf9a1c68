package ike

import (
	"net/netip"
	"strings"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/services/ike/negotiate"
)

// config is one immutable snapshot of everything the engine reads from the
// configuration. The engine swaps a new one in after every commit that
// touches a kind it reads; SAs keep the snapshot they started with for the
// values they copied (profile, lifetimes) and read the current one for
// lookups (keys, pools) so that `no` commands take effect for new SAs.
type config struct {
	rev        uint64
	system     schema.System
	global     schema.IKEv2Global
	ipsec      schema.IPsecGlobal
	policies   *negotiate.IKEPolicyTable
	profiles   []schema.IKEv2Profile // in name order
	keyrings   map[string]schema.IKEv2Keyring
	manglers   map[string]schema.NameMangler
	authz      map[string]schema.AuthorizationPolicy
	attrLists  map[string]schema.AttributeList
	acls       map[string]schema.ACL
	lists      map[string]schema.MethodList // by schema.MethodListKey
	interfaces map[string]schema.Interface
	ipsecProfs map[string]schema.IPsecProfile
	transforms map[string]schema.TransformSet
	trustpts   map[string]schema.Trustpoint
	chains     map[string]schema.CertificateChain
	keys       map[string]schema.PKIKey
}

// configKinds are the kinds a snapshot reads; a commit touching any other
// kind does not rebuild it.
var configKinds = []string{
	schema.KindSystem, schema.KindIKEv2Global, schema.KindIPsecGlobal, schema.KindIKEv2Policy,
	schema.KindIKEv2Proposal, schema.KindIKEv2Profile, schema.KindIKEv2Keyring, schema.KindNameMangler,
	schema.KindAuthorizationPolicy, schema.KindACL, schema.KindMethodList, schema.KindInterface,
	schema.KindIPsecProfile, schema.KindTransformSet, schema.KindTrustpoint, schema.KindCertChain,
	schema.KindPKIKey,
}

func relevantKind(kind string) bool {
	for _, k := range configKinds {
		if k == kind {
			return true
		}
	}
	return false
}

// readObjects decodes every object of a kind, in name order.
// loadConfig builds a snapshot from the database.
func loadConfig(db *configdb.DB) *config {
	c := &config{}
	db.View(func(tx *configdb.ReadTx) error {
		c.rev = tx.Rev()
		tx.GetJSON(schema.KindSystem, schema.Global, &c.system)
		tx.GetJSON(schema.KindIKEv2Global, schema.Global, &c.global)
		tx.GetJSON(schema.KindIPsecGlobal, schema.Global, &c.ipsec)
		_, policies := configdb.ReadAll[schema.IKEv2Policy](tx, schema.KindIKEv2Policy)
		c.policies = negotiate.IKEPolicies(policies, configdb.ReadMap[schema.IKEv2Proposal](tx, schema.KindIKEv2Proposal))
		_, c.profiles = configdb.ReadAll[schema.IKEv2Profile](tx, schema.KindIKEv2Profile)
		c.keyrings = configdb.ReadMap[schema.IKEv2Keyring](tx, schema.KindIKEv2Keyring)
		c.manglers = configdb.ReadMap[schema.NameMangler](tx, schema.KindNameMangler)
		c.authz = configdb.ReadMap[schema.AuthorizationPolicy](tx, schema.KindAuthorizationPolicy)
		c.attrLists = configdb.ReadMap[schema.AttributeList](tx, schema.KindAttributeList)
		c.acls = configdb.ReadMap[schema.ACL](tx, schema.KindACL)
		c.lists = configdb.ReadMap[schema.MethodList](tx, schema.KindMethodList)
		c.interfaces = configdb.ReadMap[schema.Interface](tx, schema.KindInterface)
		c.ipsecProfs = configdb.ReadMap[schema.IPsecProfile](tx, schema.KindIPsecProfile)
		c.transforms = configdb.ReadMap[schema.TransformSet](tx, schema.KindTransformSet)
		c.trustpts = configdb.ReadMap[schema.Trustpoint](tx, schema.KindTrustpoint)
		c.chains = configdb.ReadMap[schema.CertificateChain](tx, schema.KindCertChain)
		c.keys = configdb.ReadMap[schema.PKIKey](tx, schema.KindPKIKey)
		return nil
	})
	return c
}

// window is the IKE window size we announce and accept.
func (c *config) window() int {
	if c.global.Window > 0 {
		return c.global.Window
	}
	return schema.DefaultIKEv2Window
}

// fragmentationMTU is the IP MTU IKE messages are fragmented to, 0 when
// fragmentation is off.
func (c *config) fragmentationMTU() int {
	if !c.global.Fragmentation {
		return 0
	}
	if c.global.FragmentationMTU > 0 {
		return c.global.FragmentationMTU
	}
	return schema.DefaultFragmentationMTU
}

// ipsecProfileFor resolves the IPsec profile protecting sessions of an
// IKEv2 profile: the one named by its virtual template's "tunnel protection
// ipsec profile", or IOS's smart default profile.
func (c *config) ipsecProfileFor(p *schema.IKEv2Profile) schema.IPsecProfile {
	if p.VirtualTemplate != 0 {
		if vt, ok := c.virtualTemplate(p.VirtualTemplate); ok && vt.Tunnel != nil && vt.Tunnel.ProtectionProfile != "" {
			if ip, ok := c.ipsecProfs[vt.Tunnel.ProtectionProfile]; ok {
				return ip
			}
			if vt.Tunnel.ProtectionProfile == schema.DefaultName {
				return *schema.DefaultIPsecProfile()
			}
		}
	}
	if ip, ok := c.ipsecProfs[schema.DefaultName]; ok {
		return ip
	}
	return *schema.DefaultIPsecProfile()
}

// virtualTemplate finds "interface Virtual-TemplateN".
func (c *config) virtualTemplate(n int) (schema.Interface, bool) {
	for _, i := range c.interfaces {
		if i.Number == n && strings.HasPrefix(i.Name, "Virtual-Template") {
			return i, true
		}
	}
	return schema.Interface{}, false
}

// childLifetime is the child SA lifetime in seconds and kilobytes (0 = no
// volume limit) for an IPsec profile.
func (c *config) childLifetime(p schema.IPsecProfile) (seconds int64, kilobytes int64) {
	switch {
	case p.LifetimeSeconds > 0:
		seconds = int64(p.LifetimeSeconds)
	case p.LifetimeDays > 0:
		seconds = int64(p.LifetimeDays) * 86400
	case c.ipsec.LifetimeSeconds > 0:
		seconds = int64(c.ipsec.LifetimeSeconds)
	default:
		seconds = schema.DefaultSALifetimeSeconds
	}
	switch {
	case p.LifetimeKilobytesDisabled || c.ipsec.LifetimeKilobytesDisabled:
	case p.LifetimeKilobytes > 0:
		kilobytes = p.LifetimeKilobytes
	case c.ipsec.LifetimeKilobytes > 0:
		kilobytes = c.ipsec.LifetimeKilobytes
	default:
		kilobytes = schema.DefaultSALifetimeKilobytes
	}
	return seconds, kilobytes
}

// replayWindow is the anti-replay window of child SAs under p.
func (c *config) replayWindow(p schema.IPsecProfile) int {
	if p.ReplayDisabled {
		return 0
	}
	if p.ReplayWindowSize > 0 {
		return p.ReplayWindowSize
	}
	return schema.DefaultReplayWindowSize
}

// subnets returns the prefixes an ACL permits, for INTERNAL_IP4_SUBNET:
// standard entries' sources, extended entries' destinations.
func (c *config) subnets(name string) []netip.Prefix {
	acl, ok := c.acls[name]
	if !ok {
		return nil
	}
	var out []netip.Prefix
	for _, e := range acl.Entries {
		if e.Action != "permit" {
			continue
		}
		m := e.Source
		if acl.Type == schema.ACLExtended {
			m = e.Dest
		}
		if p, ok := wildcardPrefix(m); ok {
			out = append(out, p)
		}
	}
	return out
}

// wildcardPrefix converts an address/wildcard pair to a prefix when the
// wildcard is contiguous.
func wildcardPrefix(m schema.AddrMatch) (netip.Prefix, bool) {
	a, err := netip.ParseAddr(m.Address)
	if err != nil || !a.Is4() {
		return netip.Prefix{}, false
	}
	w, err := netip.ParseAddr(m.Wildcard)
	if err != nil || !w.Is4() {
		return netip.Prefix{}, false
	}
	wb := w.As4()
	v := uint32(wb[0])<<24 | uint32(wb[1])<<16 | uint32(wb[2])<<8 | uint32(wb[3])
	if v&(v+1) != 0 {
		return netip.Prefix{}, false
	}
	bits := 32
	for v != 0 {
		v >>= 1
		bits--
	}
	return netip.PrefixFrom(a, bits).Masked(), true
}
