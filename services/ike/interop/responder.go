package interop

import (
	"fmt"
	"net/netip"
	"strings"
)

// ResponderOptions configures StartCharonResponder: a road-warrior
// responder handing out addresses from a pool, the strongSwan baseline the
// benchmarks compare Gatehouse with. Zero fields take the defaults shown.
type ResponderOptions struct {
	CharonOptions
	Conn         string       // connection and child name: "rw"
	LocalID      string       // "headend.gatehouse.test"
	RemoteID     string       // "%any"
	PSK          string       // "gatehouse-interop"; used unless Cert and CA are set
	Cert         *Credential  // when set, the responder authenticates with this certificate
	CA           *Credential  // when set, clients authenticate with certificates from this CA
	Pool         netip.Prefix // 10.10.0.0/24
	DNS          []netip.Addr // pushed in CFG_REPLY; none by default
	Proposals    string       // IKE: "aes128gcm16-prfsha256-x25519"
	ESPProposals string       // ESP: "aes128gcm16"
	LocalTS      string       // "0.0.0.0/0"
	// Forward turns IPv4 forwarding on in the namespace, so that clients
	// reach the networks behind the responder (LocalTS); charon itself
	// routes each client's address into its TUN device.
	Forward bool
}

func (o *ResponderOptions) setDefaults() {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&o.Conn, "rw")
	def(&o.LocalID, "headend.gatehouse.test")
	def(&o.RemoteID, "%any")
	def(&o.PSK, "gatehouse-interop")
	def(&o.Proposals, "aes128gcm16-prfsha256-x25519")
	def(&o.ESPProposals, "aes128gcm16")
	def(&o.LocalTS, "0.0.0.0/0")
	if !o.Pool.IsValid() {
		o.Pool = netip.MustParsePrefix("10.10.0.0/24")
	}
}

// SwanctlConf renders the responder's swanctl.conf (defaults applied).
func (o ResponderOptions) SwanctlConf() string {
	o.setDefaults()
	localAuth, remoteAuth := "psk", "psk"
	var localExtra, remoteExtra string
	if o.Cert != nil {
		localAuth, localExtra = "pubkey", "      certs = "+o.Conn+"-server.pem\n"
	}
	if o.CA != nil {
		remoteAuth, remoteExtra = "pubkey", "      cacerts = "+o.Conn+"-ca.pem\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "connections {\n  %s {\n    version = 2\n    local_addrs = %%any\n", o.Conn)
	fmt.Fprintf(&b, "    proposals = %s\n    pools = %s-pool\n", o.Proposals, o.Conn)
	fmt.Fprintf(&b, "    local {\n      auth = %s\n      id = %s\n%s    }\n", localAuth, o.LocalID, localExtra)
	fmt.Fprintf(&b, "    remote {\n      auth = %s\n      id = %s\n%s    }\n", remoteAuth, o.RemoteID, remoteExtra)
	fmt.Fprintf(&b, "    children {\n      %s {\n        local_ts = %s\n        esp_proposals = %s\n      }\n    }\n  }\n}\n",
		o.Conn, o.LocalTS, o.ESPProposals)
	fmt.Fprintf(&b, "pools {\n  %s-pool {\n    addrs = %s\n", o.Conn, o.Pool)
	if len(o.DNS) > 0 {
		var dns []string
		for _, d := range o.DNS {
			dns = append(dns, d.String())
		}
		fmt.Fprintf(&b, "    dns = %s\n", strings.Join(dns, ","))
	}
	b.WriteString("  }\n}\n")
	if localAuth == "psk" || remoteAuth == "psk" {
		// No ids: the secret matches any peer, as a road-warrior PSK must.
		fmt.Fprintf(&b, "secrets {\n  ike-%s {\n    secret = %q\n  }\n}\n", o.Conn, o.PSK)
	}
	return b.String()
}

// StartCharonResponder starts charon in namespace ns as a road-warrior
// responder (see ResponderOptions) and loads its configuration.
func StartCharonResponder(t T, ns string, opts ResponderOptions) *Charon {
	t.Helper()
	opts.setDefaults()
	if opts.Forward {
		if err := EnableForwarding(ns); err != nil {
			t.Fatalf("interop: responder: %v", err)
		}
	}
	c := StartCharon(t, ns, opts.CharonOptions)
	if opts.Cert != nil {
		if err := c.AddCert(opts.Conn+"-server", opts.Cert); err != nil {
			t.Fatalf("interop: %v", err)
		}
	}
	if opts.CA != nil {
		if err := c.AddCA(opts.Conn+"-ca", opts.CA); err != nil {
			t.Fatalf("interop: %v", err)
		}
	}
	if err := c.Load(opts.SwanctlConf()); err != nil {
		t.Fatalf("interop: responder: %v", err)
	}
	return c
}
