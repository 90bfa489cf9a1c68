package modes

import (
	"github.com/gatehouse-vpn/gatehouse/services/session"
)

func init() { areas = append(areas, registerCryptoSession) }

// registerCryptoSession declares the show commands of the crypto session
// table; the table itself is the session service's (Env.CryptoSessions).
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
	)
}

// cryptoSessions is the session table, empty until a service provides it.
func (e *Env) cryptoSessions() []session.Session {
	if e.CryptoSessions == nil {
		return nil
	}
	return e.CryptoSessions()
}
