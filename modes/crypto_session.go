package modes

import (
	"net/netip"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/grammar"
	"github.com/gatehouse-vpn/gatehouse/services/session"
)

func init() { areas = append(areas, registerCryptoSession) }

// registerCryptoSession declares the show and clear commands of the crypto
// session table; the table itself is the session service's
// (Env.CryptoSessions, Env.IKEv2Stats, Env.ClearCrypto).
//
// Help strings: "Shows ikev2 SAs", "Shows ikev2 active session", "Shows
// ikev2 sa stats", "IPSEC SA table", "Clear ikev2 SAs" and "Clears IKEv2
// Statistics" are from captured IOS "?" listings; the others are IOS's
// wording as remembered and unverified.
func registerCryptoSession(t *Tree) {
	t.Exec.Add(
		show("show crypto session [detail]", "\n\nCrypto session\nShow detailed information", 15, func(c *Ctx) error {
			return session.RenderCryptoSession(c.Out, c.Env.cryptoSessions(), c.Args.Has("detail"))
		}),
		show("show crypto ikev2 sa [detail]", "\n\n\nShows ikev2 SAs\nshow detail of sas", 15, func(c *Ctx) error {
			var sas []session.IKESA
			for _, s := range c.Env.cryptoSessions() {
				if s.IKE != nil {
					sas = append(sas, *s.IKE)
				}
			}
			return session.RenderIKEv2SA(c.Out, sas, c.Args.Has("detail"))
		}),
		show("show crypto ikev2 session [detail]", "\n\n\nShows ikev2 active session\nshow detail of sessions", 15, func(c *Ctx) error {
			return session.RenderIKEv2Session(c.Out, c.Env.cryptoSessions(), c.Args.Has("detail"))
		}),
		show("show crypto ikev2 stats", "\n\n\nShows ikev2 sa stats", 15, func(c *Ctx) error {
			st, err := c.Env.ikev2Stats()
			if err != nil {
				return err
			}
			return session.RenderIKEv2Stats(c.Out, st)
		}),
		show("show crypto ikev2 stats reconnect", "\n\n\n\nShows ikev2 reconnect stats", 15, func(c *Ctx) error {
			st, err := c.Env.ikev2Stats()
			if err != nil {
				return err
			}
			return session.RenderIKEv2StatsReconnect(c.Out, st.Reconnect)
		}),
		show("show crypto ipsec sa [<peer A.B.C.D$peer|interface IFNAME$ifname>] [detail]",
			"\n\n\nIPSEC SA table\nShow info for specific crypto peer\nIP address of the remote peer\nShow info for specific crypto interface\n"+helpIfName+"\nShow counters on all crypto flows",
			15, showIPsecSA),
		&grammar.Command{Def: "clear crypto session [remote A.B.C.D$remote]", Privilege: 15,
			Help: "\n\nClear crypto session\nRemote IKE endpoint address\nIP address of the remote IKE endpoint",
			Action: ExecFunc(func(c *Ctx) error {
				req := session.ClearRequest{Sessions: true}
				req.Remote = argAddr(c.Args, "remote")
				c.Env.clearCrypto(req)
				return nil
			})},
		&grammar.Command{Def: "clear crypto ikev2 sa [{remote A.B.C.D$remote|local A.B.C.D$local|fvrf WORD$fvrf}]", Privilege: 15,
			Help: "\n\nClear ikev2 parameters\nClear ikev2 SAs\nRemote IKE endpoint address\nIP address of the remote IKE endpoint\nLocal IKE endpoint address\nIP address of the local IKE endpoint\nFront-door VRF\nFront-door VRF name",
			Action: ExecFunc(func(c *Ctx) error {
				req := session.ClearRequest{IKE: true, FVRF: c.Args.Str("fvrf"), HasFVRF: c.Args.Has("fvrf")}
				req.Remote, req.Local = argAddr(c.Args, "remote"), argAddr(c.Args, "local")
				c.Env.clearCrypto(req)
				return nil
			})},
		&grammar.Command{Def: "clear crypto ikev2 stats", Privilege: 15,
			Help: "\n\n\nClears IKEv2 Statistics",
			Action: ExecFunc(func(c *Ctx) error {
				c.Env.clearCrypto(session.ClearRequest{Stats: true})
				return nil
			})},
	)
}

// showIPsecSA is "show crypto ipsec sa": the child SAs of every session.
func showIPsecSA(c *Ctx) error {
	var sas []session.ChildSA
	for _, s := range c.Env.cryptoSessions() {
		sas = append(sas, s.Children...)
	}
	f := session.IPsecSAFilter{Peer: argAddr(c.Args, "peer"), Detail: c.Args.Has("detail")}
	if c.Args.Has("ifname") {
		f.Interface, _ = schema.CanonicalIfName(c.Args.Str("ifname"))
	}
	return session.RenderIPsecSA(c.Out, sas, f)
}

// argAddr is the address bound to name, or the zero Addr when absent.
func argAddr(a grammar.Args, name string) netip.Addr {
	if !a.Has(name) {
		return netip.Addr{}
	}
	addr, _ := netip.ParseAddr(a.Str(name))
	return addr
}

// cryptoSessions is the session table, empty until a service provides it.
func (e *Env) cryptoSessions() []session.Session {
	if e.CryptoSessions == nil {
		return nil
	}
	return e.CryptoSessions()
}

// ikev2Stats is the engine's counters (zero without an engine) with the
// limits of the header line taken from "crypto ikev2 limit".
func (e *Env) ikev2Stats() (session.IKEv2Stats, error) {
	var st session.IKEv2Stats
	if e.IKEv2Stats != nil {
		st = e.IKEv2Stats()
	}
	err := e.DB.View(func(tx *configdb.ReadTx) error {
		g, _ := load[schema.IKEv2Global](tx, schema.KindIKEv2Global, schema.Global)
		if g == nil {
			return nil
		}
		st.MaxSA = uint64(g.MaxSA)
		st.MaxInNegoIn, st.MaxInNegoOut = uint64(g.MaxInNegotiationSA), uint64(g.MaxInNegotiationSA)
		if g.MaxInNegotiationSAIncoming != 0 {
			st.MaxInNegoIn = uint64(g.MaxInNegotiationSAIncoming)
		}
		if g.MaxInNegotiationSAOutgoing != 0 {
			st.MaxInNegoOut = uint64(g.MaxInNegotiationSAOutgoing)
		}
		return nil
	})
	return st, err
}

// clearCrypto hands a clear command to the engine; without one there is
// nothing to clear and the command succeeds silently, as IOS does.
func (e *Env) clearCrypto(req session.ClearRequest) {
	if e.ClearCrypto != nil {
		e.ClearCrypto(req)
	}
}
