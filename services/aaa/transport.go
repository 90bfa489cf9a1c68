package aaa

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"

	"github.com/gatehouse-vpn/gatehouse/services/aaa/radius"
	"github.com/gatehouse-vpn/gatehouse/services/logging"
)

// transport is the service's use of the RADIUS client: the configuration
// it derives from the snapshot, and exchanges that report "no server
// answered" as errNoAnswer.
type transport struct {
	s *Service
	c *radius.Client
}

func newTransport(s *Service) *transport {
	dbg := s.dbg
	return &transport{s: s, c: radius.New(radius.Options{
		Debug: func(svc radius.Service) func(string) {
			f := logging.FlagRadiusAuthentication
			if svc == radius.Accounting {
				f = logging.FlagRadiusAccounting
			}
			if !dbg.On(f) {
				return nil
			}
			return func(line string) { dbg.Debugf(f, "%s", line) }
		},
		Log: func(msg string) { s.log.Warn(msg) },
	})}
}

// configure hands the snapshot's servers and groups to the client.
func (t *transport) configure(cfg *config) {
	type key struct {
		name       string
		auth, acct netip.AddrPort
	}
	known := map[key]*radius.Server{}
	conv := func(sc serverConfig) *radius.Server {
		k := key{sc.Name, sc.Auth, sc.Acct}
		if s, ok := known[k]; ok {
			return s
		}
		s := &radius.Server{Name: sc.Name, Auth: sc.Auth, Acct: sc.Acct, Host: sc.Host, Secret: sc.Secret, Timeout: sc.Timeout, Retransmit: sc.Retransmit}
		known[k] = s
		return s
	}
	var rc radius.Config
	all := &radius.Group{Name: "radius", Deadtime: cfg.deadtime[""]}
	for _, sc := range cfg.servers {
		s := conv(sc)
		rc.Servers = append(rc.Servers, s)
		all.Servers = append(all.Servers, s)
	}
	rc.Groups = append(rc.Groups, all)
	names := make([]string, 0, len(cfg.groups))
	for n := range cfg.groups {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		g := &radius.Group{Name: n, Deadtime: cfg.deadtime[n]}
		for _, sc := range cfg.groups[n] {
			g.Servers = append(g.Servers, conv(sc))
		}
		rc.Groups = append(rc.Groups, g)
	}
	if dc := cfg.radius.DeadCriteria; dc != nil {
		rc.DeadCriteria = radius.DeadCriteria{Time: secondsDur(dc.Time), Tries: dc.Tries}
	}
	t.c.SetConfig(rc)
}

func (t *transport) close() { t.c.Close() }

// exchange runs one request. An answer's Tunnel-Password and MSK are
// decrypted here, where the request authenticator is known.
func (t *transport) exchange(ctx context.Context, req request) (*answer, error) {
	svc := radius.Authorization
	switch {
	case req.acct:
		svc = radius.Accounting
	case req.authen:
		svc = radius.Authentication
	}
	ctx = radius.WithUniqueID(ctx, req.uid)
	var resp *radius.Response
	var err error
	if req.server != "" {
		resp, err = t.c.ExchangeServer(ctx, req.group, req.server, svc, req.packet)
	} else {
		resp, err = t.c.Exchange(ctx, req.group, svc, req.packet)
	}
	if errors.Is(err, radius.ErrNoServer) {
		return nil, fmt.Errorf("%w: %w", errNoAnswer, err)
	}
	if err != nil {
		return nil, err
	}
	a := &answer{packet: resp.Packet, server: resp.Server}
	if tps, err := resp.TunnelPasswords(); err == nil && len(tps) > 0 {
		a.tunnelPassword = tps[0].Password
	}
	if msk, err := resp.MSK(); err == nil {
		a.msk = msk
	}
	return a, nil
}

// RenderServers writes "show aaa servers" from the client's counters.
func (s *Service) RenderServers(w io.Writer) error {
	return radius.RenderServers(w, s.transport.c.Servers())
}
