package ike

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/services/ike/auth"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

// AAA-based pre-shared keys ("keyring aaa LIST [name-mangler N] [password
// P]", seed 001): the peer's keys come from an Access-Request for its
// identity, through the name mangler, with the keyring's password. The
// answer arrives on a goroutine of its own while the SA waits in
// stAuthPending, bounded by what is left of the half-open timeout. With
// "aaa authorization user psk cached" the same Access-Accept's attributes
// are the user attributes.

// defaultAAAPassword is the password IOS sends when the keyring names none.
const defaultAAAPassword = "cisco"

// lookupAAAPSK asks Options.PSK for the peer's keys; signed are the octets
// its AUTH covers.
func (sa *ikeSA) lookupAAAPSK(h wire.Header, r authRequest, cfg *config, prof *schema.IKEv2Profile, remote identity, signed []byte) {
	e, kr := sa.e, prof.Keyring
	e.internalf("IKEv2-INTERNAL:Fetching shared secret from AAA")
	var m *schema.NameMangler
	if kr.NameMangler != "" {
		mm, ok := cfg.manglers[kr.NameMangler]
		if !ok {
			sa.authFailed(h, fmt.Sprintf("keyring aaa %s: name-mangler %s is not configured", kr.AAAList, kr.NameMangler))
			return
		}
		m = &mm
	}
	user := mangle(m, remote)
	if m != nil {
		e.internalf("IKEv2-INTERNAL:Name-mangler '%s' returning mangled-name '%s' for name-type %d, name-len %d, name_string %s",
			kr.NameMangler, user, remote.Type, len(remote.String()), remote)
	}
	lookup := e.opt.PSK
	if lookup == nil {
		sa.authFailed(h, fmt.Sprintf("keyring aaa %s: no AAA pre-shared key lookup (the AAA service is not running)", kr.AAAList))
		return
	}
	password := defaultAAAPassword
	if b := secretBytes(kr.Password); b != nil {
		password = string(b)
	}
	sa.newSession(nil)
	sa.aaa.class, sa.aaa.user = schema.AAAPSK, user
	req := PSKRequest{List: kr.AAAList, Username: user, Password: password, Peer: sa.remote, Local: sa.local, AuditSessionID: sa.aaa.auditID}
	e.internalf("IKEv2-INTERNAL: Using AAA method list %s for peer %s", kr.AAAList, user)
	e.debugf("IKEv2:(SA ID = %d):[IKEv2 -> AAA] Password request sent", sa.tunnelID)
	if sa.inflight == nil {
		sa.inflight = map[uint32]bool{}
	}
	sa.inflight[h.MessageID] = true
	sa.state = stAuthPending
	base := e.ctx
	if base == nil {
		base = context.Background()
	}
	patience := e.opt.HalfOpenTimeout - e.now().Sub(sa.created)
	go func() {
		ctx, cancel := context.WithTimeout(base, patience)
		defer cancel()
		ans, err := lookup.LookupPSK(ctx, req)
		sa.mu.Lock()
		defer sa.mu.Unlock()
		if sa.state != stAuthPending {
			return // torn down meanwhile (half-open timeout, delete, clear)
		}
		e.debugf("IKEv2:(SA ID = %d):[AAA -> IKEv2] Received password response", sa.tunnelID)
		if err == nil && ans == nil {
			err = errors.New("no answer")
		}
		if err != nil {
			sa.authFailed(h, fmt.Sprintf("AAA pre-shared key lookup for %s (list %s) failed: %v", user, kr.AAAList, err))
			return
		}
		sa.aaaPSKAnswer(h, r, signed, ans)
	}()
}

// aaaPSKAnswer verifies the peer's AUTH with the keys AAA returned (the
// profile's own "authentication ... pre-share key" win) and goes on to
// authorization.
func (sa *ikeSA) aaaPSKAnswer(h wire.Header, r authRequest, signed []byte, ans *PSKAnswer) {
	prof := sa.profile
	local, remote := ans.Local, ans.Remote
	if len(local) == 0 || len(remote) == 0 || bytes.Equal(local, remote) {
		sa.e.internalf("IKEv2-INTERNAL:Received symmetric password from radius server")
	} else {
		sa.e.internalf("IKEv2-INTERNAL:Received asymmetric password from radius server")
	}
	if len(local) == 0 {
		local = remote
	}
	if len(remote) == 0 {
		remote = local
	}
	if prof.LocalAuth != nil && prof.LocalAuth.Key != nil {
		local = secretBytes(prof.LocalAuth.Key)
	}
	if ra, ok := allowsRemote(prof, schema.AuthPreShare); ok && ra.Key != nil {
		remote = secretBytes(ra.Key)
	}
	if len(local) == 0 || len(remote) == 0 {
		sa.authFailed(h, fmt.Sprintf("AAA returned no pre-shared key for %s", sa.aaa.user))
		return
	}
	if !auth.VerifyPSK(sa.prf, remote, signed, r.auth.Data) {
		sa.authFailed(h, "pre-shared key mismatch")
		return
	}
	sa.debugf("Verification of peer's authentication data PASSED")
	sa.authVerify = authName(schema.AuthPreShare)
	steps, err := sa.cfg.authorizationSteps(prof, schema.AAAPSK, sa.remoteID)
	if err != nil {
		sa.authFailed(h, err.Error())
		return
	}
	var cached *Attributes
	if cachesUser(prof, schema.AAAPSK) {
		cached = &Attributes{}
		cached.merge(ans.Attributes)
		sa.e.internalf("IKEv2-INTERNAL:Received cached attributes: %s", attributesDebug(cached))
	}
	sa.authorizeThen(h, r, local, steps, cached)
}

// attributesDebug summarises attributes for debug output.
func attributesDebug(a *Attributes) string {
	var parts []string
	if a.Pool != "" {
		parts = append(parts, "pool: "+a.Pool)
	}
	if a.FramedIP.IsValid() {
		parts = append(parts, "address: "+a.FramedIP.String())
	}
	for _, d := range a.DNS {
		parts = append(parts, "dns: "+d.String())
	}
	for _, p := range a.Subnets {
		parts = append(parts, "subnet: "+p.String())
	}
	if a.RouteSetInterface {
		parts = append(parts, "route-set-interface: 1")
	}
	if ra := a.RouteAccept; ra != nil {
		parts = append(parts, fmt.Sprintf("route-accept any tag:%d distance:%d", ra.Tag, ra.Distance))
	}
	if len(parts) == 0 {
		return "(none)"
	}
	return strings.Join(parts, ", ")
}

// authorizeWithCache is authorize with the user attributes AAA sent along
// with authentication ("cached"): they take the place of the user step,
// so the group's override still decides which layer wins.
func (e *Engine) authorizeWithCache(ctx context.Context, c *config, steps []authzStep, cached *Attributes) (*Attributes, error) {
	a, err := e.authorize(ctx, c, steps)
	if err != nil || cached == nil {
		return a, err
	}
	override := false
	for _, s := range steps {
		override = override || s.req.Group && s.override
	}
	return layered(a, cached, override), nil
}

// sessionUser is the AAA user name of a session that did not get one from
// AAA itself: the user authorization's name, else the IKE identity (as
// the seed's accounting records show).
func sessionUser(steps []authzStep, remote identity) string {
	for _, s := range steps {
		if !s.req.Group && s.req.Username != "" {
			return s.req.Username
		}
	}
	return remote.String()
}
