package dynauth

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/configdb/secret"
)

// DefaultEventWindow is how far an Event-Timestamp may be from the clock
// (either way) for its request to be accepted (RFC 5176 section 3.5
// leaves the window to the NAS; 300 s is the usual choice).
const DefaultEventWindow = 300 * time.Second

// Config is the server's desired state. SetConfig may be given the same
// Config again: nothing changes.
type Config struct {
	// Address is the address to listen on; the zero Addr listens on every
	// address of both families, as IOS does.
	Address netip.Addr
	// Port is the UDP port. 0 picks a free port (tests); FromSchema fills
	// in IOS's default, schema.DynamicAuthorPort (1700).
	Port int
	// Clients are the dynamic authorization clients (DACs), the only
	// sources whose requests are read.
	Clients []Client
	// AuthType is how the identification attributes select sessions.
	AuthType AuthType
	// IgnoreServerKey accepts requests without checking their Request
	// Authenticator or Message-Authenticator ("ignore server-key"). The
	// responses are still signed with the client's key, or an empty one.
	IgnoreServerKey bool
	// IgnoreSessionKey lets AuthSessionKey requests without an
	// audit-session-id through ("ignore session-key").
	IgnoreSessionKey bool
	// EventWindow bounds the age (and the lead) of an Event-Timestamp;
	// 0 means DefaultEventWindow.
	EventWindow time.Duration
}

// Client is one "client ADDRESS [vrf VRF] [server-key KEY]".
type Client struct {
	Addr netip.Addr
	// VRF is recorded but not enforced: the server has one socket and
	// tells clients apart by source address alone, so two clients with
	// one address in different VRFs are one client (the first wins).
	VRF string
	// Secret is the shared secret: the client's own server-key, else the
	// global one. Empty means none: the client's requests are dropped
	// (DropNoKey) unless IgnoreServerKey.
	Secret []byte
}

// FromSchema is the Config of the stored "aaa server radius
// dynamic-author" (nil when it is not configured). lookup resolves client
// host names; nil, or a failing lookup, leaves that client out. Clients
// that cannot be served (unresolved names, keys that cannot be read) are
// left out and reported together in the error; the Config is usable
// either way.
func FromSchema(d *schema.DynamicAuthor, lookup func(host string) ([]netip.Addr, error)) (*Config, error) {
	if d == nil {
		return nil, nil
	}
	at, ok := ParseAuthType(d.AuthType)
	var errs []error
	if !ok {
		errs = append(errs, fmt.Errorf("dynauth: auth-type %q unknown; using all", d.AuthType))
	}
	cfg := &Config{
		Port:             d.ListenPort(),
		AuthType:         at,
		IgnoreServerKey:  d.IgnoreServerKey,
		IgnoreSessionKey: d.IgnoreSessionKey,
	}
	global, err := secretBytes(d.ServerKey)
	if err != nil {
		errs = append(errs, fmt.Errorf("dynauth: server-key: %w", err))
	}
	seen := map[netip.Addr]bool{}
	for _, c := range d.Clients {
		key := global
		if c.ServerKey != nil {
			if key, err = secretBytes(c.ServerKey); err != nil {
				errs = append(errs, fmt.Errorf("dynauth: client %s: server-key: %w", c.Address, err))
				continue
			}
		}
		addrs, err := clientAddrs(c.Address, lookup)
		if err != nil {
			errs = append(errs, fmt.Errorf("dynauth: client %s: %w", c.Address, err))
			continue
		}
		for _, a := range addrs {
			if seen[a] {
				continue
			}
			seen[a] = true
			cfg.Clients = append(cfg.Clients, Client{Addr: a, VRF: c.VRF, Secret: key})
		}
	}
	return cfg, errors.Join(errs...)
}

// clientAddrs is a client's address, or its host name resolved.
func clientAddrs(host string, lookup func(string) ([]netip.Addr, error)) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a.Unmap()}, nil
	}
	if lookup == nil {
		return nil, errors.New("host name not resolved (no resolver)")
	}
	addrs, err := lookup(host)
	if err != nil {
		return nil, fmt.Errorf("resolving: %w", err)
	}
	if len(addrs) == 0 {
		return nil, errors.New("resolving: no address")
	}
	out := make([]netip.Addr, 0, len(addrs))
	for _, a := range addrs {
		out = append(out, a.Unmap())
	}
	return out, nil
}

// secretBytes is the clear text of a stored key. The CLI stores type 7
// keys decoded (type 0); a type 7 value is decoded here all the same.
// Type 6 (AES under the master key) cannot be read: there is no master
// key support.
func secretBytes(s *schema.Secret) ([]byte, error) {
	if s == nil {
		return nil, nil
	}
	switch s.Type {
	case 0:
		return []byte(s.Value), nil
	case 7:
		plain, err := secret.DecodeType7(s.Value)
		if err != nil {
			return nil, err
		}
		return []byte(plain), nil
	}
	return nil, fmt.Errorf("type %d keys are not supported", s.Type)
}

// liveConfig is a Config compiled for the socket goroutine.
type liveConfig struct {
	clients          map[netip.Addr]*client
	authType         AuthType
	ignoreServerKey  bool
	ignoreSessionKey bool
	eventWindow      time.Duration
}

type client struct {
	addr   netip.Addr
	vrf    string
	secret []byte
}

func compile(c *Config) (*liveConfig, error) {
	if c.Port < 0 || c.Port > 65535 {
		return nil, fmt.Errorf("dynauth: port %d out of range", c.Port)
	}
	if c.EventWindow < 0 {
		return nil, fmt.Errorf("dynauth: event window %v is negative", c.EventWindow)
	}
	lc := &liveConfig{clients: map[netip.Addr]*client{}, authType: c.AuthType,
		ignoreServerKey: c.IgnoreServerKey, ignoreSessionKey: c.IgnoreSessionKey, eventWindow: c.EventWindow}
	if lc.eventWindow == 0 {
		lc.eventWindow = DefaultEventWindow
	}
	for _, cl := range c.Clients {
		if !cl.Addr.IsValid() {
			return nil, errors.New("dynauth: client without an address")
		}
		a := cl.Addr.Unmap()
		if lc.clients[a] != nil {
			continue
		}
		lc.clients[a] = &client{addr: a, vrf: cl.VRF, secret: append([]byte(nil), cl.Secret...)}
	}
	return lc, nil
}

// sameClients reports whether a and b know the same clients with the same
// keys and key checking, so that cached responses stay valid.
func sameClients(a, b *liveConfig) bool {
	if a == nil || b == nil || len(a.clients) != len(b.clients) || a.ignoreServerKey != b.ignoreServerKey {
		return false
	}
	for addr, ca := range a.clients {
		cb := b.clients[addr]
		if cb == nil || string(ca.secret) != string(cb.secret) {
			return false
		}
	}
	return true
}
