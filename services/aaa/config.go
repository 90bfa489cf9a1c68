package aaa

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
)

// config is one snapshot of the AAA configuration, rebuilt on every
// relevant commit and swapped in atomically.
type config struct {
	newModel bool
	lists    map[string]schema.MethodList // by schema.MethodListKey
	users    map[string]schema.Username
	global   schema.AAAGlobal
	radius   schema.RADIUSGlobal
	servers  []serverConfig            // every RADIUS server, "group radius" order
	groups   map[string][]serverConfig // "aaa group server radius NAME" members
	deadtime map[string]time.Duration  // per group; "" = global
	dynauth  *schema.DynamicAuthor
	lines    map[string]schema.Line
	system   schema.System
}

// serverConfig is one RADIUS server as the client needs it.
type serverConfig struct {
	Name       string         // empty for a legacy radius-server host
	Auth, Acct netip.AddrPort // invalid: the server is not used for that service
	Host       string         // a host name (not resolved): shown, never asked
	Secret     []byte
	Timeout    time.Duration
	Retransmit int
}

// relevantKind says whether a change of this kind can change the snapshot.
func relevantKind(kind string) bool {
	switch kind {
	case schema.KindMethodList, schema.KindAAAGlobal, schema.KindAttributeList, schema.KindDynamicAuthor,
		schema.KindLine, schema.KindRADIUSServer, schema.KindServerGroup, schema.KindRADIUSGlobal,
		schema.KindUsername, schema.KindSystem:
		return true
	}
	return false
}

func loadConfig(db *configdb.DB) *config {
	c := &config{groups: map[string][]serverConfig{}, deadtime: map[string]time.Duration{}}
	db.View(func(tx *configdb.ReadTx) error {
		tx.GetJSON(schema.KindSystem, schema.Global, &c.system)
		c.newModel = c.system.AAANewModel
		c.lists = configdb.ReadMap[schema.MethodList](tx, schema.KindMethodList)
		c.users = configdb.ReadMap[schema.Username](tx, schema.KindUsername)
		c.lines = configdb.ReadMap[schema.Line](tx, schema.KindLine)
		tx.GetJSON(schema.KindAAAGlobal, schema.Global, &c.global)
		tx.GetJSON(schema.KindRADIUSGlobal, schema.Global, &c.radius)
		var da schema.DynamicAuthor
		if ok, _ := tx.GetJSON(schema.KindDynamicAuthor, schema.Global, &da); ok {
			c.dynauth = &da
		}
		_, named := configdb.ReadAll[schema.RADIUSServer](tx, schema.KindRADIUSServer)
		slices.SortFunc(named, func(a, b schema.RADIUSServer) int { return cmp.Compare(a.Seq, b.Seq) })
		byName := map[string]serverConfig{}
		for _, s := range named {
			if sc, ok := c.fromNamed(s); ok {
				c.servers = append(c.servers, sc)
				byName[s.Name] = sc
			}
		}
		legacy := map[string]serverConfig{}
		for _, h := range c.radius.Hosts {
			if sc, ok := c.fromHost(h); ok {
				c.servers = append(c.servers, sc)
				legacy[h.Address] = sc
			}
		}
		c.deadtime[""] = time.Duration(c.radius.Deadtime) * time.Minute
		for name, g := range configdb.ReadMap[schema.ServerGroup](tx, schema.KindServerGroup) {
			var members []serverConfig
			for _, m := range g.Servers {
				switch {
				case m.Name != "":
					if sc, ok := byName[m.Name]; ok {
						members = append(members, sc)
					}
				case m.Address != "":
					sc, ok := legacy[m.Address]
					if !ok {
						sc, ok = c.fromHost(schema.RADIUSHost{Address: m.Address, AuthPort: m.AuthPort, AcctPort: m.AcctPort})
					}
					if ok {
						members = append(members, sc)
					}
				}
			}
			c.groups[name] = members
			if g.Deadtime > 0 {
				c.deadtime[name] = time.Duration(g.Deadtime) * time.Minute
			} else {
				c.deadtime[name] = c.deadtime[""]
			}
		}
		return nil
	})
	return c
}

func (c *config) fromNamed(s schema.RADIUSServer) (serverConfig, bool) {
	if s.Address == nil {
		return serverConfig{}, false
	}
	sc := serverConfig{Name: s.Name, Timeout: c.timeout(s.Timeout), Retransmit: c.radius.RetransmitCount()}
	if s.Retransmit != nil {
		sc.Retransmit = *s.Retransmit
	}
	sc.Secret = c.secret(s.Key)
	addr, err := netip.ParseAddr(s.Address.Host)
	if err != nil {
		// Host names are not resolved (documented): the server is shown
		// with its ports and never asked.
		sc.Host = s.Address.Host
	}
	sc.Auth, sc.Acct = ports(addr, s.Address.AuthPort, s.Address.AcctPort)
	return sc, true
}

func (c *config) fromHost(h schema.RADIUSHost) (serverConfig, bool) {
	addr, err := netip.ParseAddr(h.Address)
	if err != nil {
		return serverConfig{}, false
	}
	sc := serverConfig{Timeout: c.timeout(0), Retransmit: c.radius.RetransmitCount(), Secret: c.secret(h.Key)}
	sc.Auth, sc.Acct = ports(addr, h.AuthPort, h.AcctPort)
	return sc, true
}

// ports pairs the address with each port (an invalid address keeps the
// port for display; port 0 means the service is not used).
func ports(addr netip.Addr, auth, acct int) (a, b netip.AddrPort) {
	return netip.AddrPortFrom(addr, uint16(auth)), netip.AddrPortFrom(addr, uint16(acct))
}

func (c *config) timeout(own int) time.Duration {
	if own > 0 {
		return time.Duration(own) * time.Second
	}
	return time.Duration(c.radius.TimeoutSeconds()) * time.Second
}

// secret is a server's key, or the global key. Types 0 and 7 are kept
// decoded; a type 6 key cannot be used without the master key, which
// Gatehouse does not implement yet, so it yields no secret (the server is
// then never sent a request: its packets could not be authenticated).
func (c *config) secret(own *schema.Secret) []byte {
	s := own
	if s == nil {
		s = c.radius.Key
	}
	if s == nil || (s.Type != 0 && s.Type != 7) {
		return nil
	}
	return []byte(s.Value)
}

// list finds a method list; "default" and a missing name are the same.
func (c *config) list(service, typ, name string) (schema.MethodList, bool) {
	if name == "" {
		name = schema.DefaultMethodList
	}
	l, ok := c.lists[schema.MethodListKey(service, typ, name)]
	return l, ok
}

// group returns the servers a "group NAME" method asks.
func (c *config) group(name string) ([]serverConfig, error) {
	if name == schema.GroupRADIUS {
		return c.servers, nil
	}
	g, ok := c.groups[name]
	if !ok {
		return nil, fmt.Errorf("aaa group server radius %s is not configured", name)
	}
	return g, nil
}

// user looks a local username up, case-insensitively unless exact.
func (c *config) user(name string, exact bool) (schema.Username, bool) {
	if u, ok := c.users[name]; ok {
		return u, true
	}
	if exact {
		return schema.Username{}, false
	}
	for n, u := range c.users {
		if strings.EqualFold(n, name) {
			return u, true
		}
	}
	return schema.Username{}, false
}

func secondsDur(n int) time.Duration { return time.Duration(n) * time.Second }
