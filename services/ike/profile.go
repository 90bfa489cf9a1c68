package ike

import (
	"crypto/x509"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

// matchProfile finds the IKEv2 profile for a peer: the profile's front-door
// VRF and local addresses must fit, and the identity must match one of its
// "match identity remote" lines. Among several the most specific wins (a
// non-"any" identity, then configured local addresses), then name order.
func (c *config) matchProfile(remote identity, fvrf string, local netip.Addr) *schema.IKEv2Profile {
	var best *schema.IKEv2Profile
	bestScore := -1
	for i := range c.profiles {
		p := &c.profiles[i]
		if p.Shutdown || !(p.MatchFVRF == schema.FVRFAny || p.MatchFVRF == fvrf) {
			continue
		}
		score := 0
		if len(p.MatchAddressLocal) > 0 {
			if !c.localAddressMatches(p.MatchAddressLocal, local) {
				continue
			}
			score++
		}
		idScore := -1
		for _, m := range p.MatchIdentities {
			if remote.matches(m) {
				s := 2
				if m.Type == schema.IDAny {
					s = 0
				}
				idScore = max(idScore, s)
			}
		}
		if idScore < 0 {
			continue
		}
		if score += idScore; score > bestScore {
			best, bestScore = p, score
		}
	}
	return best
}

func (c *config) localAddressMatches(ms []schema.LocalAddress, local netip.Addr) bool {
	for _, m := range ms {
		if m.Address != "" {
			if a, err := netip.ParseAddr(m.Address); err == nil && a == local.Unmap() {
				return true
			}
			continue
		}
		if itf, ok := c.interfaces[m.Interface]; ok {
			for _, a := range itf.IPv4 {
				if a.Address == local.Unmap().String() {
					return true
				}
			}
		}
	}
	return false
}

// allowsRemote reports whether the profile accepts the peer's AUTH method.
func allowsRemote(p *schema.IKEv2Profile, method string) (*schema.RemoteAuth, bool) {
	for i := range p.RemoteAuth {
		if p.RemoteAuth[i].Method == method {
			return &p.RemoteAuth[i], true
		}
	}
	return nil, false
}

// remoteMethod names the profile method an AUTH payload method belongs to.
func remoteMethod(m wire.AuthMethod, cert *x509.Certificate) string {
	switch m {
	case wire.AuthSharedKeyMIC:
		return schema.AuthPreShare
	case wire.AuthRSASignature:
		return schema.AuthRSASig
	case wire.AuthECDSASHA256P256, wire.AuthECDSASHA384P384, wire.AuthECDSASHA512P521:
		return schema.AuthECDSASig
	case wire.AuthDigitalSignature:
		if cert != nil && cert.PublicKeyAlgorithm == x509.RSA {
			return schema.AuthRSASig
		}
		return schema.AuthECDSASig
	}
	return fmt.Sprintf("method %d", m)
}

// authName is the IOS display name of a method ("Auth verify: PSK").
func authName(method string) string {
	switch method {
	case schema.AuthPreShare:
		return "PSK"
	case schema.AuthRSASig:
		return "RSA"
	case schema.AuthECDSASig:
		return "ECDSA"
	case schema.AuthEAP, schema.AuthAnyConnectEAP:
		return "EAP"
	}
	return strings.ToUpper(method)
}

// keyringPeer finds the keyring entry for a peer: by identity first, then
// by address (longest mask), then by host name against an FQDN identity.
func (c *config) keyringPeer(kr schema.IKEv2Keyring, remote identity, addr netip.Addr) *schema.KeyringPeer {
	for i := range kr.Peers {
		if p := &kr.Peers[i]; p.Identity != nil && remote.matches(*p.Identity) {
			return p
		}
	}
	var best *schema.KeyringPeer
	bestBits := -1
	for i := range kr.Peers {
		p := &kr.Peers[i]
		if p.Address == "" || !addressMatches(addr, p.Address, p.Mask) {
			continue
		}
		if b := maskBits(p.Address, p.Mask); b > bestBits {
			best, bestBits = p, b
		}
	}
	if best != nil {
		return best
	}
	if remote.Type == wire.ID_FQDN {
		for i := range kr.Peers {
			if p := &kr.Peers[i]; p.Hostname != "" && strings.EqualFold(p.Hostname, string(remote.Data)) {
				return p
			}
		}
	}
	return nil
}

func maskBits(addr, mask string) int {
	if p, err := netip.ParsePrefix(addr); err == nil {
		return p.Bits()
	}
	if mask == "" {
		return 128
	}
	m, err := netip.ParseAddr(mask)
	if err != nil {
		return 0
	}
	n := 0
	for _, b := range m.AsSlice() {
		for ; b&0x80 != 0; b <<= 1 {
			n++
		}
	}
	return n
}

// errNoKey reports a peer without a pre-shared key.
type errNoKey struct{ why string }

func (e errNoKey) Error() string { return e.why }

// psks returns the keys a PSK session uses: ours to sign our AUTH and the
// peer's to verify its AUTH.
func (c *config) psks(p *schema.IKEv2Profile, remote identity, addr netip.Addr) (local, peer []byte, err error) {
	if p.LocalAuth != nil && p.LocalAuth.Key != nil {
		local = secretBytes(p.LocalAuth.Key)
	}
	if ra, ok := allowsRemote(p, schema.AuthPreShare); ok && ra.Key != nil {
		peer = secretBytes(ra.Key)
	}
	if local != nil && peer != nil {
		return local, peer, nil
	}
	if p.Keyring == nil {
		return nil, nil, errNoKey{"no keyring configured in profile " + p.Name}
	}
	if p.Keyring.AAAList != "" {
		return nil, nil, errNoKey{"AAA keyring " + p.Keyring.AAAList + " needs the AAA service"}
	}
	kr, ok := c.keyrings[p.Keyring.Local]
	if !ok {
		return nil, nil, errNoKey{"keyring " + p.Keyring.Local + " not found"}
	}
	kp := c.keyringPeer(kr, remote, addr)
	if kp == nil {
		return nil, nil, errNoKey{fmt.Sprintf("no keyring entry for %s (%s)", remote, addr)}
	}
	if local == nil {
		local = secretBytes(firstSecret(kp.LocalKey, kp.PreSharedKey))
	}
	if peer == nil {
		peer = secretBytes(firstSecret(kp.RemoteKey, kp.PreSharedKey))
	}
	if local == nil || peer == nil {
		return nil, nil, errNoKey{"keyring peer " + kp.Name + " has no usable key"}
	}
	return local, peer, nil
}

func firstSecret(ss ...*schema.Secret) *schema.Secret {
	for _, s := range ss {
		if s != nil {
			return s
		}
	}
	return nil
}

// secretBytes is the clear text of a key: types 0 and 7 are kept decoded;
// type 6 (AES with the master key) is not supported yet.
func secretBytes(s *schema.Secret) []byte {
	if s == nil || s.Type == 6 {
		return nil
	}
	return []byte(s.Value)
}

// trustedCAs collects the CA certificates of the profile's verify
// trustpoints (all trustpoints when the profile names none).
func (c *config) trustedCAs(p *schema.IKEv2Profile) []*x509.Certificate {
	var names []string
	for _, tp := range p.Trustpoints {
		if tp.Usage != "sign" {
			names = append(names, tp.Name)
		}
	}
	if len(p.Trustpoints) == 0 {
		for n := range c.chains {
			names = append(names, n)
		}
		slices.Sort(names)
	}
	var out []*x509.Certificate
	for _, n := range names {
		for _, cert := range c.chains[n].Certificates {
			if cert.Role != schema.CertRoleCA {
				continue
			}
			if x, err := x509.ParseCertificate(cert.DER); err == nil {
				out = append(out, x)
			}
		}
	}
	return out
}

// signingTrustpoint is the trustpoint whose identity certificate and key
// sign our AUTH payload.
func (c *config) signingTrustpoint(p *schema.IKEv2Profile) (cert *x509.Certificate, cas []*x509.Certificate, key schema.PKIKey, err error) {
	for _, tp := range p.Trustpoints {
		if tp.Usage == "verify" {
			continue
		}
		chain, ok := c.chains[tp.Name]
		if !ok {
			continue
		}
		for _, cc := range chain.Certificates {
			x, perr := x509.ParseCertificate(cc.DER)
			if perr != nil {
				continue
			}
			switch cc.Role {
			case schema.CertRoleIdentity, schema.CertRoleSelfSigned:
				cert = x
			case schema.CertRoleCA:
				cas = append(cas, x)
			}
		}
		if cert == nil {
			continue
		}
		t := c.trustpts[tp.Name]
		k, ok := c.keys[t.KeyLabel()]
		if !ok {
			return nil, nil, key, fmt.Errorf("trustpoint %s: key pair %q not found", tp.Name, t.KeyLabel())
		}
		return cert, cas, k, nil
	}
	return nil, nil, key, fmt.Errorf("profile %s: no trustpoint with an identity certificate", p.Name)
}

// allCAs are the CA certificates named in CERTREQ of IKE_SA_INIT: those of
// every trustpoint, when some profile verifies peers by certificate.
func (c *config) allCAs() []*x509.Certificate {
	certAuth := false
	for i := range c.profiles {
		for _, ra := range c.profiles[i].RemoteAuth {
			certAuth = certAuth || schema.CertificateBased(ra.Method)
		}
	}
	if !certAuth {
		return nil
	}
	return c.trustedCAs(&schema.IKEv2Profile{})
}
