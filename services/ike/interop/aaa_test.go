package interop

import (
	"crypto/hmac"
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-vpn/gatehouse/internal/freeradius"
)

// AAA interop: strongSwan clients, the gatehouse binary and FreeRADIUS 3.2
// (internal/freeradius), each in its own namespace. FreeRADIUS runs in a
// "radius" namespace linked to the head-end, so Gatehouse is a NAS at
// 10.98.1.1 to it, and radclient (the dynamic-authorization client) sends
// its Disconnect and CoA requests from 10.98.1.2, as a RADIUS server
// co-located DAC would.

// The RADIUS link: the head-end's eth2 and the RADIUS namespace's eth0.
var (
	nasAddr    = netip.MustParseAddr("10.98.1.1")
	radiusAddr = netip.MustParseAddr("10.98.1.2")
)

// radiusSecret is the shared secret of Gatehouse and FreeRADIUS.
const radiusSecret = "radius-s3cret"

// eapPlugins adds the EAP client methods to the harness's plugin list;
// eap-identity answers the head-end's EAP-Request/Identity
// (query-identity). MD4 and DES, which EAP-MSCHAPv2 needs, come from
// OpenSSL's legacy provider, which the openssl plugin loads.
var eapPlugins = append(append([]string(nil), DefaultPlugins...), "md5", "eap-identity", "eap-md5", "eap-mschapv2", "eap-tls")

// eapPluginPackages are the Debian packages of the EAP plugins.
var eapPluginPackages = map[string]string{"md5": "libstrongswan", "eap-identity": "libcharon-extra-plugins",
	"eap-md5": "libcharon-extra-plugins", "eap-mschapv2": "libcharon-extauth-plugins", "eap-tls": "libcharon-extra-plugins"}

// requireEAPPlugins fails the test (never skips it) when an EAP plugin is
// missing: charon would start without it and the failure would be an
// obscure "no EAP method" far from its cause.
func requireEAPPlugins(t *testing.T) {
	t.Helper()
	for name, pkg := range eapPluginPackages {
		if _, err := os.Stat(filepath.Join(PluginDir, "libstrongswan-"+name+".so")); err != nil {
			t.Fatalf("interop: strongSwan plugin %s not found: install %s (scripts/install-test-deps.sh)", name, pkg)
		}
	}
}

// newRadiusNamespace adds the RADIUS namespace to topo and links it to the
// head-end.
func newRadiusNamespace(t *testing.T, topo *Topology) string {
	t.Helper()
	ns, err := topo.AddNamespace("radius")
	if err != nil {
		t.Fatal(err)
	}
	if err := topo.Link(topo.Headend, "eth2", nasAddr, ns, "eth0", radiusAddr); err != nil {
		t.Fatal(err)
	}
	return ns
}

// startRadius starts FreeRADIUS in ns on radiusAddr, answering the
// head-end with radiusSecret unless cfg says otherwise.
func startRadius(t *testing.T, ns string, cfg freeradius.Config) *freeradius.Server {
	t.Helper()
	cfg.NetNS, cfg.ListenAddr = ns, radiusAddr
	cfg.Clients = []netip.Prefix{netip.PrefixFrom(nasAddr, 32)}
	if cfg.Secret == "" {
		cfg.Secret = radiusSecret
	}
	return freeradius.Start(t, cfg)
}

// radiusServer is the "radius server" block for a server at radiusAddr.
func radiusServer(name string, auth, acct uint16, key string) string {
	return fmt.Sprintf("radius server %s\n address ipv4 %s auth-port %d acct-port %d\n key %s\n timeout 1\n retransmit 1\n",
		name, radiusAddr, auth, acct, key)
}

// waitNoSession waits until show crypto session lists no session.
func waitNoSession(t *testing.T, gw *Gatehouse) {
	t.Helper()
	if out, err := gw.WaitShow("show crypto session", 10*time.Second, func(s string) bool { return !strings.Contains(s, "Interface:") }); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}

// aaaUsers waits until show aaa user all lists one accounted session (the
// engine tells the AAA service of a session after it is up, on a goroutine
// of its own) and returns the output and the session's audit-session-id.
func aaaUsers(t *testing.T, gw *Gatehouse) (out, audit string) {
	t.Helper()
	re := regexp.MustCompile(`audit-session-id\(819\) \d+ (\S+)`)
	out, err := gw.WaitShow("show aaa user all", 5*time.Second, func(s string) bool { return len(re.FindAllString(s, -1)) == 1 })
	if err != nil {
		t.Fatalf("show aaa user all does not list the session: %v\n%s", err, out)
	}
	return out, re.FindStringSubmatch(out)[1]
}

// accessRequest is the first Access-Request in a FreeRADIUS log, as -xx
// prints it (its attributes, up to the authorize section).
func accessRequest(log string) string {
	i := strings.Index(log, "Received Access-Request")
	if i < 0 {
		return ""
	}
	req := log[i:]
	if j := strings.Index(req, "# Executing section authorize"); j >= 0 {
		req = req[:j]
	}
	return req
}

// hasAVPair reports whether a record carries Cisco-AVPair av.
func hasAVPair(ps freeradius.Pairs, av string) bool {
	for _, v := range ps.All("Cisco-AVPair") {
		if v == av {
			return true
		}
	}
	return false
}

// initiateFails brings up connection name and expects the head-end to
// refuse it with AUTHENTICATION_FAILED.
func initiateFails(t *testing.T, client *Charon, name string) {
	t.Helper()
	if err := client.Initiate(name, 20*time.Second); err == nil {
		t.Fatalf("connection %s came up", name)
	}
	log, _ := os.ReadFile(client.LogPath())
	if !strings.Contains(string(log), "received AUTHENTICATION_FAILED notify") {
		t.Errorf("client log lacks the AUTHENTICATION_FAILED notify:\n%s", client.LogTail(20))
	}
}

// aaaServerBlock is one server's part of show aaa servers.
func aaaServerBlock(t *testing.T, out, name string) string {
	t.Helper()
	i := strings.Index(out, "hostname "+name+"\n")
	if i < 0 {
		t.Fatalf("show aaa servers has no server %s:\n%s", name, out)
	}
	block := out[i:]
	if j := strings.Index(block, "\nRADIUS: id "); j >= 0 {
		block = block[:j]
	}
	return block
}

// aaaCounter reads "LABEL N" (or "LABEL: N") in one section (Authen, Author,
// Account) of a server's block of show aaa servers.
func aaaCounter(t *testing.T, block, section, label string) int {
	t.Helper()
	re := regexp.MustCompile(regexp.QuoteMeta(label) + `:? (\d+)`)
	in := false
	for _, l := range strings.Split(block, "\n") {
		switch head, _, _ := strings.Cut(strings.TrimSpace(l), ":"); head {
		case "Authen", "Author", "Account":
			in = head == section
		case "Elapsed time since counters last cleared":
			in = false
		}
		if m := re.FindStringSubmatch(l); in && m != nil {
			n, _ := strconv.Atoi(m[1])
			return n
		}
	}
	t.Fatalf("no %q in the %s counters of:\n%s", label, section, block)
	return 0
}

// --- EAP pass-through ---------------------------------------------------

// eapUsers are the EAP-MD5 and EAP-MSCHAPv2 users; EAP-TLS users need no
// entry (the certificate is the credential).
const eapUsers = `alice Cleartext-Password := "alice-pw"
bob Cleartext-Password := "bob-pw"
`

// eapServer authenticates itself with an RSA certificate and its clients
// with EAP through RADIUS, asking them for their EAP identity; addresses
// come from a local pool, and the sessions are accounted.
func eapServer(pki string, rad *freeradius.Server) string {
	return `hostname GW
ip local pool POOL1 10.10.0.10 10.10.0.250
aaa new-model
` + radiusServer("R1", rad.AuthAddr.Port(), rad.AcctAddr.Port(), radiusSecret) + `aaa group server radius RAD
 server name R1
aaa authentication login EAPLIST group RAD
aaa authorization network LOCAL local
aaa accounting network ACCT start-stop group RAD
crypto ikev2 authorization policy AUTHZ
 pool POOL1
 dns 10.10.0.53
crypto pki import TP pem url file:` + filepath.Join(pki, "gw") + ` password unused
crypto ikev2 profile EAP
 match identity remote any
 identity local fqdn vpn.cert.test
 authentication local rsa-sig
 authentication remote eap query-identity
 pki trustpoint TP
 aaa authentication eap EAPLIST
 aaa authorization group eap list LOCAL AUTHZ
 aaa accounting eap ACCT
 virtual-template 1
` + ipsecTemplate("EAP", "")
}

// eapClient is a strongSwan road warrior authenticating the head-end by
// certificate and itself with EAP; local is its local section's body.
func eapClient(local, secrets string) string {
	return `connections {
  gw {
    version = 2
    remote_addrs = 10.99.0.1
    vips = 0.0.0.0
    proposals = ` + defaultProposal + `
    local {
` + local + `
    }
    remote {
      auth = pubkey
      id = vpn.cert.test
    }
    children {
      gw {
        remote_ts = 0.0.0.0/0
        esp_proposals = aes256gcm16
      }
    }
  }
}
secrets {
` + secrets + `
}
`
}

// headendPKI makes the head-end's CA and RSA certificate and writes them
// where "crypto pki import TP pem url file:DIR/gw" reads them.
func headendPKI(t *testing.T) (ca *Credential, dir string) {
	t.Helper()
	ca, err := NewCA("Gatehouse AAA Test CA", RSA)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ca.Issue("vpn.cert.test", RSA, CertOptions{DNSNames: []string{"vpn.cert.test"}, Server: true, IKEIntermediate: true})
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	key, _ := srv.KeyPEM()
	for name, data := range map[string][]byte{"gw.ca": ca.CertPEM(), "gw.crt": srv.CertPEM(), "gw.prv": key} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return ca, dir
}

// Scenarios 1-3: EAP-MD5 (no key: the AUTHs use SK_pi/SK_pr),
// EAP-MSCHAPv2 (the MSK from MS-MPPE-Send/Recv-Key keys the AUTHs) and
// EAP-TLS (the client also checks FreeRADIUS's certificate) relayed to
// FreeRADIUS; each client gets a pool address and an accounting start
// under its EAP identity.
func TestAAAEAPStrongSwanFreeRADIUS(t *testing.T) {
	RequirePeers(t)
	requireEAPPlugins(t)
	t.Parallel()
	topo := NewTopology(t, TopologyOptions{})
	radNS := newRadiusNamespace(t, topo)
	rad := startRadius(t, radNS, freeradius.Config{Users: eapUsers, Accounting: true,
		EAP: &freeradius.EAPConfig{DefaultType: "md5", ServerName: "radius.gatehouse.test"}})
	ca, pki := headendPKI(t)
	gw := StartGatehouse(t, topo.Headend, eapServer(pki, rad))

	carol, err := rad.IssueClientCert("carol", freeradius.CertOptions{Emails: []string{"carol@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	accepted := 0
	for _, tc := range []struct {
		name, eapID, local, secrets string
		msk                         bool
		clientLog                   []string // more lines charon must log
	}{
		{name: "md5", eapID: "alice", local: "      auth = eap-md5\n      id = alice@example.com\n      eap_id = alice",
			secrets: "  eap-alice {\n    id = alice\n    secret = \"alice-pw\"\n  }"},
		{name: "mschapv2", eapID: "bob", local: "      auth = eap-mschapv2\n      id = bob@example.com\n      eap_id = bob",
			secrets: "  eap-bob {\n    id = bob\n    secret = \"bob-pw\"\n  }", msk: true},
		{name: "tls", eapID: "carol@example.com", msk: true,
			local: "      auth = eap-tls\n      id = carol@example.com\n      eap_id = carol@example.com\n      certs = carol.pem\n      aaa_id = radius.gatehouse.test",
			// Mutual: charon checked FreeRADIUS's certificate (against
			// aaa_id) and FreeRADIUS asked for carol's.
			clientLog: []string{"received TLS server certificate 'O=Gatehouse FreeRADIUS harness, CN=radius.gatehouse.test'",
				"sending TLS client certificate 'O=Gatehouse FreeRADIUS harness, CN=carol'"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client := StartCharon(t, topo.Client(), CharonOptions{Name: "eap-" + tc.name, Plugins: eapPlugins})
			defer client.Stop()
			if err := client.AddCA("gw-ca", ca); err != nil {
				t.Fatal(err)
			}
			if tc.name == "tls" {
				if err := client.AddCA("radius-ca", rad.CA); err != nil {
					t.Fatal(err)
				}
				if err := client.AddCert("carol", carol); err != nil {
					t.Fatal(err)
				}
			}
			if err := client.Load(eapClient(tc.local, tc.secrets)); err != nil {
				t.Fatal(err)
			}
			if err := client.Initiate("gw", 20*time.Second); err != nil {
				t.Fatalf("%v\n%s", err, client.LogTail(60))
			}
			accepted++ // the subtests run one after the other
			sas, err := client.ListSAs()
			if err != nil || len(sas) != 1 || sas[0].State != "ESTABLISHED" || len(sas[0].Children) != 1 {
				t.Fatalf("client SAs %+v, %v", sas, err)
			}
			if len(sas[0].LocalVIPs) != 1 || !netip.MustParsePrefix("10.10.0.0/24").Contains(sas[0].LocalVIPs[0]) {
				t.Errorf("client virtual IPs %v, want one from POOL1", sas[0].LocalVIPs)
			}
			// charon says whether the method made an MSK; either way the
			// head-end's AUTH verified with the same key (MSK or SK_pr).
			log, _ := os.ReadFile(client.LogPath())
			want := "succeeded, no MSK established"
			if tc.msk {
				want = "succeeded, MSK established"
			}
			for _, want := range append([]string{want, "authentication of 'vpn.cert.test' with EAP successful"}, tc.clientLog...) {
				if !strings.Contains(string(log), want) {
					t.Errorf("client log lacks %q:\n%s", want, client.LogTail(40))
				}
			}
			out := gw.Show("show crypto session")
			for _, want := range []string{"Profile: EAP", "Session status: UP-ACTIVE", "host " + sas[0].LocalVIPs[0].String()} {
				if !strings.Contains(out, want) {
					t.Errorf("show crypto session lacks %q:\n%s", want, out)
				}
			}
			out = gw.Show("show crypto ikev2 sa detail")
			for _, want := range []string{"Auth sign: RSA, Auth verify: EAP", "Local id: vpn.cert.test",
				"Remote id: " + sas[0].LocalID, "Remote EAP id: " + tc.eapID} {
				if !strings.Contains(out, want) {
					t.Errorf("show crypto ikev2 sa detail lacks %q:\n%s", want, out)
				}
			}
			_, audit := aaaUsers(t, gw)
			start := rad.WaitAccounting(t, func(r freeradius.Record) bool {
				return r.Get("Acct-Status-Type") == "Start" && hasAVPair(r.Pairs, "audit-session-id="+audit)
			}, 10*time.Second)
			for attr, want := range map[string]string{"User-Name": tc.eapID, "Acct-Authentic": "RADIUS",
				"Framed-IP-Address": sas[0].LocalVIPs[0].String(), "Calling-Station-Id": topo.ClientAddrs[0].String()} {
				if got := start.Get(attr); got != want {
					t.Errorf("accounting start %s = %q, want %q", attr, got, want)
				}
			}
			if err := client.Terminate("gw"); err != nil {
				t.Fatal(err)
			}
			waitNoSession(t, gw)
		})
	}
	// One Access-Accept per client, after at least one Access-Challenge.
	block := aaaServerBlock(t, gw.Show("show aaa servers"), "R1")
	if n := aaaCounter(t, block, "Authen", "challenge"); n < accepted {
		t.Errorf("%d Access-Challenges counted, want at least %d:\n%s", n, accepted, block)
	}
	if n := aaaCounter(t, block, "Authen", "accept"); n != accepted {
		t.Errorf("%d Access-Accepts counted, want %d:\n%s", n, accepted, block)
	}
}

// A wrong EAP password ends in an EAP-Failure and AUTHENTICATION_FAILED;
// nothing is left on the head-end.
func TestAAAEAPWrongPassword(t *testing.T) {
	RequirePeers(t)
	requireEAPPlugins(t)
	t.Parallel()
	topo := NewTopology(t, TopologyOptions{})
	radNS := newRadiusNamespace(t, topo)
	rad := startRadius(t, radNS, freeradius.Config{Users: eapUsers, Accounting: true, EAP: &freeradius.EAPConfig{DefaultType: "md5"}})
	ca, pki := headendPKI(t)
	gw := StartGatehouse(t, topo.Headend, eapServer(pki, rad))
	client := StartCharon(t, topo.Client(), CharonOptions{Plugins: eapPlugins})
	if err := client.AddCA("gw-ca", ca); err != nil {
		t.Fatal(err)
	}
	if err := client.Load(eapClient("      auth = eap-md5\n      id = alice@example.com\n      eap_id = alice",
		"  eap-alice {\n    id = alice\n    secret = \"not-alice-pw\"\n  }")); err != nil {
		t.Fatal(err)
	}
	if err := client.Initiate("gw", 20*time.Second); err == nil {
		t.Fatal("a wrong EAP-MD5 password was accepted")
	}
	log, _ := os.ReadFile(client.LogPath())
	if !strings.Contains(string(log), "EAP/FAIL N(AUTH_FAILED)") || !strings.Contains(string(log), "received AUTHENTICATION_FAILED notify") {
		t.Errorf("client log does not show the EAP failure:\n%s", client.LogTail(30))
	}
	if out := gw.Show("show crypto session"); strings.Contains(out, "Interface:") {
		t.Errorf("session left behind:\n%s", out)
	}
	if out := gw.Show("show ip local pool POOL1"); !regexp.MustCompile(`10\.10\.0\.250\s+241\s+0`).MatchString(out) {
		t.Errorf("address held:\n%s", out)
	}
	block := aaaServerBlock(t, gw.Show("show aaa servers"), "R1")
	if n := aaaCounter(t, block, "Authen", "reject"); n != 1 {
		t.Errorf("%d Access-Rejects counted, want 1:\n%s", n, block)
	}
	if recs := rad.Accounting(); len(recs) != 0 {
		t.Errorf("a failed authentication was accounted: %v", recs)
	}
}

// --- AAA-based pre-shared keys and accounting --------------------------

// pskUsers hold router1's key (Tunnel-Password) and its authorization:
// an address, a DNS server, a split subnet and interface configuration.
const pskUsers = `router1 Cleartext-Password := "cisco"
	Tunnel-Password = "aaa-psk-1",
	Framed-IP-Address = 10.10.7.7,
	Cisco-AVPair += "ipsec:dns-servers=10.10.0.53",
	Cisco-AVPair += "ipsec:route-set=prefix 192.168.50.0/24",
	Cisco-AVPair += "ip:interface-config=ip mtu 1300"
`

// aaaPSKServer takes its clients' keys from RADIUS (the IKE identity
// through a name mangler that keeps the host name), caches the
// attributes that come with them, and accounts the sessions.
func aaaPSKServer(rad *freeradius.Server) string {
	return `hostname GW
aaa new-model
` + radiusServer("R1", rad.AuthAddr.Port(), rad.AcctAddr.Port(), radiusSecret) + `aaa group server radius RAD
 server name R1
aaa authorization network PSKLIST group RAD
aaa accounting network ACCT start-stop group RAD
crypto ikev2 name-mangler HOST
 fqdn hostname
crypto ikev2 profile PROF
 match identity remote fqdn domain example.com
 identity local fqdn vpn.example.com
 authentication remote pre-share
 authentication local pre-share
 keyring aaa PSKLIST name-mangler HOST
 aaa authorization user psk cached
 aaa accounting psk ACCT
 virtual-template 1
` + ipsecTemplate("PROF", "")
}

// Scenarios 4 and 5: the key and the authorization come from FreeRADIUS;
// the client gets the address, DNS server and split subnet RADIUS sent,
// the virtual-access interface the interface-config. Accounting: a start
// once the session is up, pings through the tunnel (userspace data
// plane), and a stop whose counters hold them once the client hangs up.
func TestAAAPSKAuthorizationAndAccounting(t *testing.T) {
	RequirePeers(t)
	t.Parallel()
	topo := NewTopology(t, TopologyOptions{Host: true})
	radNS := newRadiusNamespace(t, topo)
	rad := startRadius(t, radNS, freeradius.Config{Users: pskUsers, Accounting: true})
	gw := StartGatehouseWith(t, topo.Headend, aaaPSKServer(rad), GatehouseOptions{Dataplane: "userspace"})
	gw.CLI("debug crypto ikev2 internal\n")
	conf := strings.Replace(pskClient("gw", "router1.example.com", "aaa-psk-1", defaultProposal, ""),
		"remote_ts = 0.0.0.0/0", "remote_ts = "+ProtectedNet.String(), 1)
	client := connectStrongSwan(t, topo.Client(), conf)

	// What RADIUS authorized reached the client.
	vips, err := client.VirtualIPs()
	if err != nil || len(vips) != 1 || vips[0] != netip.MustParseAddr("10.10.7.7") {
		t.Errorf("client virtual IPs %v (%v), want the Framed-IP-Address 10.10.7.7", vips, err)
	}
	if out, _ := Exec(topo.Client(), "ip", "-4", "addr", "show"); !strings.Contains(out, "inet 10.10.7.7/32") {
		t.Errorf("10.10.7.7 not installed in the client namespace:\n%s", out)
	}
	if resolv, _ := client.ResolvConf(); !strings.Contains(resolv, "nameserver 10.10.0.53") {
		t.Errorf("client resolv.conf lacks the RADIUS DNS server:\n%s", resolv)
	}
	// The head-end read the route-set into a split subnet and sent it;
	// charon logs the attribute, not its value.
	logs := gw.Show("show logging")
	for _, want := range []string{"Name-mangler 'HOST' returning mangled-name 'router1'", "Received symmetric password from radius server",
		"Received cached attributes: address: 10.10.7.7, dns: 10.10.0.53, subnet: 192.168.50.0/24"} {
		if !strings.Contains(logs, want) {
			t.Errorf("debug crypto ikev2 internal lacks %q", want)
		}
	}
	log, _ := os.ReadFile(client.LogPath())
	if !regexp.MustCompile(`parsed IKE_AUTH response 1 \[ .*CPRP\(ADDR DNS SUBNET\)`).Match(log) ||
		!strings.Contains(string(log), "processing INTERNAL_IP4_SUBNET attribute") {
		t.Errorf("client log does not show the split subnet attribute:\n%s", client.LogTail(30))
	}
	out := gw.Show("show derived-config interface virtual-access 1")
	if !strings.Contains(out, "ip mtu 1300") {
		t.Errorf("show derived-config interface virtual-access 1 lacks the RADIUS interface-config:\n%s", out)
	}
	out = gw.Show("show crypto session detail")
	for _, want := range []string{"Session status: UP-ACTIVE", "host 10.10.7.7"} {
		if !strings.Contains(out, want) {
			t.Errorf("show crypto session detail lacks %q:\n%s", want, out)
		}
	}
	block := aaaServerBlock(t, gw.Show("show aaa servers"), "R1")
	if n := aaaCounter(t, block, "Author", "accept"); n != 1 {
		t.Errorf("%d authorization accepts, want the one key lookup:\n%s", n, block)
	}

	// Accounting start, and the session in show aaa user all.
	users, audit := aaaUsers(t, gw)
	for _, want := range []string{"IPSEC-TUNNEL: Username=router1", "Start Sent=1 Stop Only=N", "Name = ACCT",
		"isakmp-phase1-id(737) 19 router1.example.com", "addr(8) 4 10.10.7.7"} {
		if !strings.Contains(users, want) {
			t.Errorf("show aaa user all lacks %q:\n%s", want, users)
		}
	}
	start := rad.WaitAccounting(t, func(r freeradius.Record) bool { return r.Get("Acct-Status-Type") == "Start" }, 10*time.Second)
	for attr, want := range map[string]string{"User-Name": "router1", "Calling-Station-Id": topo.ClientAddrs[0].String(),
		"Framed-IP-Address": "10.10.7.7"} {
		if got := start.Get(attr); got != want {
			t.Errorf("start %s = %q, want %q", attr, got, want)
		}
	}
	for _, av := range []string{"audit-session-id=" + audit, "isakmp-phase1-id=router1.example.com"} {
		if !hasAVPair(start.Pairs, av) {
			t.Errorf("start lacks Cisco-AVPair %q: %v", av, start.All("Cisco-AVPair"))
		}
	}
	// The key lookup named the session too (seed 001's Access-Request
	// carries the audit-session-id), so the server can send a Disconnect
	// for what it authorized.
	if req := accessRequest(rad.Log()); !strings.Contains(req, `User-Name = "router1"`) ||
		!strings.Contains(req, `Cisco-AVPair = "audit-session-id=`+audit+`"`) {
		t.Errorf("the key lookup lacks the session's audit-session-id %s:\n%s", audit, req)
	}

	// Traffic, then the client hangs up.
	const pings = 5
	if n := ping(t, topo.Client(), HostAddr.String(), pings); n != pings {
		t.Errorf("client -> host: %d of %d replies", n, pings)
	}
	if err := client.Terminate("gw"); err != nil {
		t.Fatal(err)
	}
	waitNoSession(t, gw)
	stop := rad.WaitAccounting(t, func(r freeradius.Record) bool { return r.Get("Acct-Status-Type") == "Stop" }, 10*time.Second)
	for attr, want := range map[string]string{"Acct-Session-Id": start.Get("Acct-Session-Id"), "User-Name": "router1",
		"Acct-Terminate-Cause": "User-Request", "Framed-IP-Address": "10.10.7.7"} {
		if got := stop.Get(attr); got != want {
			t.Errorf("stop %s = %q, want %q", attr, got, want)
		}
	}
	if !hasAVPair(stop.Pairs, "audit-session-id="+audit) {
		t.Errorf("stop lacks the audit-session-id %s: %v", audit, stop.All("Cisco-AVPair"))
	}
	// Input is what the client sent (its echo requests), output what it
	// got (the replies), counted on the virtual-access interface: nothing
	// else crosses the tunnel, and each is 84 bytes (56 data + ICMP + IP).
	for attr, want := range map[string]int{"Acct-Input-Packets": pings, "Acct-Output-Packets": pings,
		"Acct-Input-Octets": pings * 84, "Acct-Output-Octets": pings * 84} {
		if got := stop.Get(attr); got != strconv.Itoa(want) {
			t.Errorf("stop %s = %q, want %d", attr, got, want)
		}
	}
	if _, err := strconv.Atoi(stop.Get("Acct-Session-Time")); err != nil {
		t.Errorf("stop Acct-Session-Time %q", stop.Get("Acct-Session-Time"))
	}
	if out := gw.Show("show aaa user all"); strings.Contains(out, "IPSEC-TUNNEL") {
		t.Errorf("show aaa user all still lists the session:\n%s", out)
	}
}

// --- RFC 5176 Disconnect and CoA -----------------------------------------

// dynAuthServer is a local-PSK FlexVPN server whose sessions are
// accounted on FreeRADIUS and which takes Disconnect and CoA requests
// from it on port 1700 (seed 001's port).
func dynAuthServer(rad *freeradius.Server) string {
	return `hostname GW
ip local pool POOL1 10.10.0.10 10.10.0.250
aaa new-model
` + radiusServer("R1", rad.AuthAddr.Port(), rad.AcctAddr.Port(), radiusSecret) + `aaa group server radius RAD
 server name R1
aaa authorization network LOCAL local
aaa accounting network ACCT start-stop group RAD
aaa server radius dynamic-author
 client ` + radiusAddr.String() + ` server-key coa-key
 port 1700
crypto ikev2 authorization policy AUTHZ
 pool POOL1
` + pskProfile("s3cret", " aaa accounting psk ACCT\n") + ipsecTemplate("PROF", " ip mtu 1400\n")
}

// Scenarios 6 and 7: radclient, next to FreeRADIUS, changes a live
// session's interface (CoA) and then disconnects it, naming it by the
// audit-session-id that show aaa user all and the accounting start
// carry.
func TestRADIUSDisconnectAndCoA(t *testing.T) {
	RequirePeers(t)
	t.Parallel()
	topo := NewTopology(t, TopologyOptions{})
	radNS := newRadiusNamespace(t, topo)
	rad := startRadius(t, radNS, freeradius.Config{Accounting: true})
	gw := StartGatehouse(t, topo.Headend, dynAuthServer(rad))
	client := connectStrongSwan(t, topo.Client(), pskClient("gw", "dave.example.com", "s3cret", defaultProposal, ""))

	_, audit := aaaUsers(t, gw)
	rad.WaitAccounting(t, func(r freeradius.Record) bool {
		return r.Get("Acct-Status-Type") == "Start" && hasAVPair(r.Pairs, "audit-session-id="+audit)
	}, 10*time.Second)
	das := netip.AddrPortFrom(nasAddr, 1700)
	send := func(code, attrs string) freeradius.Reply {
		t.Helper()
		out, err := freeradius.RadClientWith(t, freeradius.RadclientOptions{NetNS: radNS, Secret: "coa-key"}, das, code, attrs)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		r, _ := freeradius.ParseReply(out)
		return r
	}

	// CoA: the template's ip mtu 1400 gives way to RADIUS's 1200.
	if out := gw.Show("show derived-config interface virtual-access 1"); !strings.Contains(out, "ip mtu 1400") {
		t.Fatalf("derived config before the CoA:\n%s", out)
	}
	r := send("coa", `Cisco-AVPair = "audit-session-id=`+audit+`", Cisco-AVPair = "ip:interface-config=ip mtu 1200"`)
	if r.Code != "CoA-ACK" {
		t.Fatalf("CoA answered %s %v", r.Code, r.Pairs)
	}
	out := gw.Show("show derived-config interface virtual-access 1")
	if !strings.Contains(out, "ip mtu 1200") || strings.Contains(out, "ip mtu 1400") {
		t.Errorf("derived config after the CoA (want ip mtu 1200 only):\n%s", out)
	}
	// CoA with per-user ACLs (seed 001:1253-1290): lists of the session's
	// own on its interface, listed by show ip access-lists, in no
	// configuration; the debug lines are the seed's.
	if out, err := gw.CLI("debug vtemplate cloning\n"); err != nil {
		t.Fatalf("debug vtemplate cloning: %v\n%s", err, out)
	}
	r = send("coa", `Cisco-AVPair = "ip:inacl#3=permit 1.1.1.1", Cisco-AVPair = "ip:outacl#4=permit 1.1.1.3", `+
		`Cisco-AVPair = "ip:audit-session-id=`+audit+`"`)
	if r.Code != "CoA-ACK" {
		t.Fatalf("CoA with ACLs answered %s %v", r.Code, r.Pairs)
	}
	if out := gw.Show("show ip interface virtual-access 1 | include access"); !strings.Contains(out,
		"  Outgoing access list is Virtual-Access1#2602, default is not set\n  Inbound  access list is Virtual-Access1#2601, default is not set\n") {
		t.Errorf("show ip interface virtual-access 1 | include access:\n%s", out)
	}
	if out := gw.Show("show ip access-lists"); !strings.Contains(out, "Standard IP access list Virtual-Access1#2601\n    10 permit 1.1.1.1\n"+
		"Standard IP access list Virtual-Access1#2602\n    10 permit 1.1.1.3\n") {
		t.Errorf("show ip access-lists:\n%s", out)
	}
	if out := gw.Show("show running-config"); strings.Contains(out, "Virtual-Access1#") {
		t.Errorf("per-session lists in the running configuration:\n%s", out)
	}
	logs := gw.Show("show logging")
	for _, want := range []string{"VT[Vi1]:Clone Vaccess from AAA (86 bytes)", "VT[Vi1]:IP access-group Virtual-Access1#2601 in",
		"VT[Vi1]:IP access-group Virtual-Access1#2602 out"} {
		if !strings.Contains(logs, want) {
			t.Errorf("debug vtemplate cloning lacks %q", want)
		}
	}
	// A bad entry is refused and changes nothing.
	r = send("coa", `Cisco-AVPair = "ip:inacl#1=permit 1.1.1.300", Cisco-AVPair = "ip:audit-session-id=`+audit+`"`)
	if r.Code != "CoA-NAK" || r.Get("Error-Cause") != "Invalid-Attribute-Value" {
		t.Errorf("CoA with a bad entry answered %s %v", r.Code, r.Pairs)
	}
	if out := gw.Show("show ip interface virtual-access 1 | include Inbound"); !strings.Contains(out, "Virtual-Access1#2601,") {
		t.Errorf("the refused CoA changed the interface:\n%s", out)
	}
	if r := send("coa", `Cisco-AVPair = "audit-session-id=NOSUCHSESSION", Cisco-AVPair = "ip:interface-config=ip mtu 1100"`); r.Code != "CoA-NAK" {
		t.Errorf("CoA for an unknown session answered %s %v", r.Code, r.Pairs)
	}
	if sas, err := client.ListSAs(); err != nil || len(sas) != 1 || sas[0].State != "ESTABLISHED" {
		t.Errorf("the CoA disturbed the client: %+v %v", sas, err)
	}

	// Disconnect: ACK, the session goes with an IKE DELETE, the stop says
	// Admin-Reset.
	r = send("disconnect", `Cisco-AVPair = "audit-session-id=`+audit+`"`)
	if r.Code != "Disconnect-ACK" {
		t.Fatalf("Disconnect answered %s %v", r.Code, r.Pairs)
	}
	waitNoSession(t, gw)
	if out := gw.Show("show ip access-lists"); strings.Contains(out, "Virtual-Access1#") {
		t.Errorf("the session's lists outlived it:\n%s", out)
	}
	if sas, err := client.WaitSAs(10*time.Second, func(s []IKESA) bool { return len(s) == 0 }); err != nil {
		t.Errorf("the client still has its IKE SA: %v %+v", err, sas)
	}
	log, _ := os.ReadFile(client.LogPath())
	if !strings.Contains(string(log), "received DELETE for IKE_SA") {
		t.Errorf("the client log shows no DELETE from the head-end:\n%s", client.LogTail(20))
	}
	stop := rad.WaitAccounting(t, func(r freeradius.Record) bool { return r.Get("Acct-Status-Type") == "Stop" }, 10*time.Second)
	if got := stop.Get("Acct-Terminate-Cause"); got != "Admin-Reset" {
		t.Errorf("stop Acct-Terminate-Cause %q, want Admin-Reset", got)
	}
	if !hasAVPair(stop.Pairs, "audit-session-id="+audit) || !hasAVPair(stop.Pairs, "disc-cause-ext=Admin Reset") {
		t.Errorf("stop AV-pairs %v", stop.All("Cisco-AVPair"))
	}
	// The same request again: the session is gone.
	r = send("disconnect", `Cisco-AVPair = "audit-session-id=`+audit+`"`)
	if r.Code != "Disconnect-NAK" || r.Get("Reply-Message") != "No Matching Session" {
		t.Errorf("second Disconnect answered %s %v, want Disconnect-NAK with Reply-Message \"No Matching Session\"", r.Code, r.Pairs)
	}
	if out := gw.Show("show ip local pool POOL1"); !regexp.MustCompile(`10\.10\.0\.250\s+241\s+0`).MatchString(out) {
		t.Errorf("address not returned:\n%s", out)
	}
}

// --- Server failures --------------------------------------------------------

// forgeAnswers answers every Access-Request arriving at addr (in ns) with
// an Access-Accept handing out key, signed with secret, which is not the
// one the NAS shares: a forger that sees the requests but does not know
// the shared secret.
func forgeAnswers(t *testing.T, ns string, addr netip.AddrPort, secret, key string) {
	t.Helper()
	var conn *net.UDPConn
	if err := InNamespace(ns, func() (err error) {
		conn, err = net.ListenUDP("udp4", net.UDPAddrFromAddrPort(addr))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	go func() {
		buf := make([]byte, 4096)
		for {
			n, from, err := conn.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			if n < 20 || buf[0] != 1 { // Access-Request
				continue
			}
			conn.WriteToUDPAddrPort(forgedAccept(buf[1], buf[4:20], secret, key), from)
		}
	}()
}

// forgedAccept builds an Access-Accept for request id and authenticator
// reqAuth that hands out a key in the clear (Cisco AV-pair
// ipsec:tunnel-password, as seed 001's server sends it), with a
// Message-Authenticator; both authenticators are keyed with secret.
func forgedAccept(id byte, reqAuth []byte, secret, key string) []byte {
	av := "ipsec:tunnel-password=" + key
	vsa := []byte{26, byte(2 + 4 + 2 + len(av)), 0, 0, 0, 9, 1, byte(2 + len(av))} // Vendor-Specific, Cisco, Cisco-AVPair
	attrs := append(vsa, av...)
	attrs = append(attrs, 80, 18) // Message-Authenticator
	maAt := len(attrs)
	attrs = append(attrs, make([]byte, 16)...)
	p := make([]byte, 20, 20+len(attrs))
	p[0], p[1] = 2, id // Access-Accept
	binary.BigEndian.PutUint16(p[2:], uint16(20+len(attrs)))
	copy(p[4:20], reqAuth)
	p = append(p, attrs...)
	mac := hmac.New(md5.New, []byte(secret))
	mac.Write(p)
	copy(p[20+maAt:], mac.Sum(nil))
	h := md5.New()
	h.Write(p)
	h.Write([]byte(secret))
	copy(p[4:20], h.Sum(nil))
	return p
}

// failureUsers give each scenario's client its key.
const failureUsers = `failover Cleartext-Password := "cisco"
	Tunnel-Password = "fo-psk"
badkey Cleartext-Password := "cisco"
	Tunnel-Password = "bk-psk"
`

// Scenarios 8 and 9: the first server of a group is down and the key
// comes from the second; a server configured with another shared secret
// than Gatehouse's drops Gatehouse's requests (their Message-Authenticator
// does not verify: FreeRADIUS never answers with the wrong secret), and
// answers forged without the shared secret, though they carry the right
// key, are dropped by Gatehouse and counted. Each case has its own
// profile, list and group, chosen by the client's domain.
func TestRADIUSServerFailures(t *testing.T) {
	RequirePeers(t)
	t.Parallel()
	topo := NewTopology(t, TopologyOptions{})
	radNS := newRadiusNamespace(t, topo)
	first := startRadius(t, radNS, freeradius.Config{Name: "first", Users: failureUsers})
	second := startRadius(t, radNS, freeradius.Config{Name: "second", Users: failureUsers, AuthPort: 1822, AcctPort: 1823})
	forger := netip.AddrPortFrom(radiusAddr, 1832)
	forgeAnswers(t, radNS, forger, "not-the-secret", "fg-psk")
	// The control: the same answer signed with the shared secret.
	signer := netip.AddrPortFrom(radiusAddr, 1842)
	forgeAnswers(t, radNS, signer, radiusSecret, "fg-psk")

	var config strings.Builder
	config.WriteString("hostname GW\naaa new-model\n")
	config.WriteString(radiusServer("FIRST", first.AuthAddr.Port(), 1813, radiusSecret))
	config.WriteString(radiusServer("SECOND", second.AuthAddr.Port(), 1823, radiusSecret))
	config.WriteString(radiusServer("BADKEY", second.AuthAddr.Port(), 1823, "wrong-secret"))
	config.WriteString(radiusServer("FORGER", forger.Port(), 1833, radiusSecret))
	config.WriteString(radiusServer("SIGNER", signer.Port(), 1843, radiusSecret))
	config.WriteString("aaa group server radius FO\n server name FIRST\n server name SECOND\n")
	config.WriteString("aaa group server radius BK\n server name BADKEY\n")
	config.WriteString("aaa group server radius FG\n server name FORGER\n")
	config.WriteString("aaa group server radius SG\n server name SIGNER\n")
	config.WriteString("crypto ikev2 name-mangler HOST\n fqdn hostname\n")
	config.WriteString("ip local pool POOL1 10.10.0.10 10.10.0.250\naaa authorization network LOCAL local\n" +
		"crypto ikev2 authorization policy AUTHZ\n pool POOL1\n")
	for _, c := range []struct{ list, group, domain string }{{"FOLIST", "FO", "failover.test"}, {"BKLIST", "BK", "badkey.test"}, {"FGLIST", "FG", "forged.test"},
		{"SGLIST", "SG", "signed.test"}} {
		fmt.Fprintf(&config, "aaa authorization network %s group %s\n", c.list, c.group)
		fmt.Fprintf(&config, "crypto ikev2 profile %s\n match identity remote fqdn domain %s\n identity local fqdn vpn.example.com\n"+
			" authentication remote pre-share\n authentication local pre-share\n keyring aaa %s name-mangler HOST\n"+
			" aaa authorization group psk list LOCAL AUTHZ\n virtual-template 1\n",
			c.group, c.domain, c.list)
	}
	config.WriteString(ipsecTemplate("FO", ""))
	gw := StartGatehouse(t, topo.Headend, config.String())
	client := StartCharon(t, topo.Client(), CharonOptions{})

	t.Run("failover", func(t *testing.T) {
		first.Stop()
		if err := client.Load(pskClient("failover", "failover.failover.test", "fo-psk", defaultProposal, "")); err != nil {
			t.Fatal(err)
		}
		if err := client.Initiate("failover", 20*time.Second); err != nil {
			t.Fatalf("no session through the second server: %v\n%s", err, client.LogTail(40))
		}
		if out := gw.Show("show crypto session"); !strings.Contains(out, "Profile: FO") || !strings.Contains(out, "UP-ACTIVE") {
			t.Errorf("show crypto session:\n%s", out)
		}
		out := gw.Show("show aaa servers")
		fb, sb := aaaServerBlock(t, out, "FIRST"), aaaServerBlock(t, out, "SECOND")
		if n := aaaCounter(t, fb, "Author", "timeouts"); n < 1 {
			t.Errorf("no timeouts counted on the stopped server:\n%s", fb)
		}
		if n := aaaCounter(t, fb, "Author", "failover"); n != 1 {
			t.Errorf("failover %d on the stopped server, want 1:\n%s", n, fb)
		}
		if n := aaaCounter(t, sb, "Author", "accept"); n != 1 {
			t.Errorf("%d accepts from the second server, want 1:\n%s", n, sb)
		}
		if err := client.Terminate("failover"); err != nil {
			t.Fatal(err)
		}
		waitNoSession(t, gw)
	})

	t.Run("wrong-secret", func(t *testing.T) {
		if err := client.Load(pskClient("badkey", "badkey.badkey.test", "bk-psk", defaultProposal, "")); err != nil {
			t.Fatal(err)
		}
		initiateFails(t, client, "badkey")
		// FreeRADIUS drops a request whose Message-Authenticator does not
		// verify with its secret (RFC 3579 3.2), without an answer.
		if !strings.Contains(second.Log(), "Shared secret is incorrect") {
			t.Errorf("FreeRADIUS did not notice the wrong secret:\n%s", second.LogTail(30))
		}
		block := aaaServerBlock(t, gw.Show("show aaa servers"), "BADKEY")
		if n := aaaCounter(t, block, "Author", "timeouts"); n < 1 {
			t.Errorf("no timeouts counted on the server with the other secret:\n%s", block)
		}
		if n := aaaCounter(t, block, "Author", "accept"); n != 0 {
			t.Errorf("an accept counted:\n%s", block)
		}
		if out := gw.Show("show crypto session"); strings.Contains(out, "Interface:") {
			t.Errorf("session left behind:\n%s", out)
		}
	})

	t.Run("forged-answer", func(t *testing.T) {
		if err := client.Load(pskClient("forged", "forged.forged.test", "fg-psk", defaultProposal, "")); err != nil {
			t.Fatal(err)
		}
		initiateFails(t, client, "forged")
		block := aaaServerBlock(t, gw.Show("show aaa servers"), "FORGER")
		if n := aaaCounter(t, block, "Author", "Bad authenticators"); n < 1 {
			t.Errorf("forged answers not counted as bad authenticators:\n%s", block)
		}
		if n := aaaCounter(t, block, "Author", "accept"); n != 0 {
			t.Errorf("a forged accept was taken:\n%s", block)
		}
		if out := gw.Show("show crypto session"); strings.Contains(out, "Interface:") {
			t.Errorf("session left behind:\n%s", out)
		}
		// The control: signed with the shared secret, the same answer is
		// taken, so it was the signature the forgery failed on.
		if err := client.Load(pskClient("signed", "signed.signed.test", "fg-psk", defaultProposal, "")); err != nil {
			t.Fatal(err)
		}
		if err := client.Initiate("signed", 20*time.Second); err != nil {
			t.Fatalf("the control answer was not taken: %v\n%s", err, client.LogTail(40))
		}
		block = aaaServerBlock(t, gw.Show("show aaa servers"), "SIGNER")
		if n := aaaCounter(t, block, "Author", "accept"); n != 1 {
			t.Errorf("%d accepts from the control, want 1:\n%s", n, block)
		}
		if err := client.Terminate("signed"); err != nil {
			t.Fatal(err)
		}
		waitNoSession(t, gw)
	})
}
