package interop

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// flexServer is the FlexVPN server the scenarios run against: PSK clients
// under example.com, an address pool, DNS servers and split subnets from a
// local authorization policy, a virtual template per session.
var flexServer = `hostname GW
ip local pool POOL1 10.10.0.10 10.10.0.250
ip access-list standard SPLIT
 permit 192.168.50.0 0.0.0.255
 permit 192.168.60.0 0.0.0.255
aaa new-model
aaa authorization network LOCAL local
crypto ikev2 authorization policy AUTHZ
 pool POOL1
 dns 10.10.0.53 10.10.0.54
 subnet-acl SPLIT
` + flexPSKServerTail("s3cret")

// pskClient is a strongSwan road warrior for flexServer. proposals is
// the IKE proposal (IOS's smart default is aes-cbc-256, sha512, group 19).
func pskClient(name, id, secret, proposals, extra string) string {
	return fmt.Sprintf(`connections {
  %[1]s {
    version = 2
    remote_addrs = 10.99.0.1
    vips = 0.0.0.0
    proposals = %[4]s
    %[5]s
    local {
      auth = psk
      id = %[2]s
    }
    remote {
      auth = psk
      id = vpn.example.com
    }
    children {
      %[1]s {
        remote_ts = 0.0.0.0/0
        esp_proposals = aes256gcm16
      }
    }
  }
}
secrets {
  ike-%[1]s {
    id-1 = %[2]s
    id-2 = vpn.example.com
    secret = "%[3]s"
  }
}
`, name, id, secret, proposals, extra)
}

const defaultProposal = "aes256-sha512-ecp256"

// Scenario 1: PSK, FQDN identity, a virtual IP from the pool, DNS and split
// subnets pushed; both ends agree on the SAs.
func TestStrongSwanPSKPool(t *testing.T) {
	RequirePeers(t)
	topo := NewTopology(t, TopologyOptions{})
	gw := StartGatehouse(t, topo.Headend, flexServer)
	gw.CLI("debug crypto ikev2\n")
	client := StartCharon(t, topo.Client(), CharonOptions{})
	if err := client.Load(pskClient("gw", "alice.example.com", "s3cret", defaultProposal, "")); err != nil {
		t.Fatal(err)
	}
	if err := client.Initiate("gw", 10*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, client.LogTail(40))
	}
	sas, err := client.ListSAs()
	if err != nil || len(sas) != 1 {
		t.Fatalf("client SAs %+v, %v", sas, err)
	}
	sa := sas[0]
	if sa.State != "ESTABLISHED" || sa.RemoteID != "vpn.example.com" || sa.EncrAlg != "AES_CBC" || sa.EncrKeysize != 256 ||
		sa.PRFAlg != "PRF_HMAC_SHA2_512" || sa.DHGroup != "ECP_256" {
		t.Errorf("client IKE SA %+v", sa)
	}
	if len(sa.Children) != 1 || sa.Children[0].State != "INSTALLED" || sa.Children[0].EncrAlg != "AES_GCM_16" {
		t.Fatalf("client children %+v", sa.Children)
	}
	vips, _ := client.VirtualIPs()
	if len(vips) != 1 || vips[0] != netip.MustParseAddr("10.10.0.10") {
		t.Fatalf("virtual IPs %v, want 10.10.0.10", vips)
	}
	resolv, _ := client.ResolvConf()
	for _, ns := range []string{"10.10.0.53", "10.10.0.54"} {
		if !strings.Contains(resolv, "nameserver "+ns) {
			t.Errorf("resolv.conf lacks %s:\n%s", ns, resolv)
		}
	}
	child := sa.Children[0]
	if len(child.LocalTS) != 1 || child.LocalTS[0] != "10.10.0.10/32" {
		t.Errorf("client local TS %v, want the virtual IP", child.LocalTS)
	}
	// The split subnets reached the client (charon logs the attributes it
	// could not install as a road warrior without the unity plugin).
	clientLog, _ := os.ReadFile(client.LogPath())
	if !strings.Contains(string(clientLog), "INTERNAL_IP4_SUBNET") {
		t.Errorf("client log does not mention INTERNAL_IP4_SUBNET")
	}

	out := gw.Show("show crypto session")
	for _, want := range []string{"Interface: Virtual-Access1", "Profile: PROF", "Session status: UP-ACTIVE",
		"Peer: 10.99.0.2 port 4500", "IKEv2 SA: local 10.99.0.1/4500 remote 10.99.0.2/4500 Active",
		"IPSEC FLOW: permit ip 0.0.0.0/0.0.0.0 host 10.10.0.10"} {
		if !strings.Contains(out, want) {
			t.Errorf("show crypto session lacks %q:\n%s", want, out)
		}
	}
	out = gw.Show("show crypto ikev2 sa detail")
	for _, want := range []string{"READY", "Encr: AES-CBC, keysize: 256, PRF: SHA512, Hash: SHA512, DH Grp:19, Auth sign: PSK, Auth verify: PSK",
		"Local id: vpn.example.com", "Remote id: alice.example.com",
		"Local spi: " + strings.ToUpper(sa.ResponderSPI), "Remote spi: " + strings.ToUpper(sa.InitiatorSPI)} {
		if !strings.Contains(out, want) {
			t.Errorf("show crypto ikev2 sa detail lacks %q:\n%s", want, out)
		}
	}
	out = gw.Show("show crypto ipsec sa")
	// IOS prints SPIs in hex without leading zeros: 0x203E915(33810709).
	spi, err := strconv.ParseUint(child.SPIOut, 16, 32)
	if err != nil {
		t.Fatalf("client SPI %q: %v", child.SPIOut, err)
	}
	if !strings.Contains(out, fmt.Sprintf("spi: 0x%X(%d)", spi, spi)) || !strings.Contains(out, "esp-gcm 256") {
		t.Errorf("show crypto ipsec sa does not show the client's SA %s:\n%s", child.SPIOut, out)
	}
	if out := gw.Show("show ip local pool POOL1"); !regexp.MustCompile(`10\.10\.0\.10\s+10\.10\.0\.250\s+240\s+1`).MatchString(out) {
		t.Errorf("pool usage:\n%s", out)
	}
	logs := gw.Show("show logging")
	for _, want := range []string{"Received Packet [From 10.99.0.2:500/To 10.99.0.1:500/VRF i0:f0]", "IKEv2 IKE_AUTH Exchange REQUEST",
		"Searching policy based on peer's identity 'alice.example.com' of type 'FQDN'", "Verification of peer's authentication data PASSED"} {
		if !strings.Contains(logs, want) {
			t.Errorf("debug output lacks %q", want)
		}
	}

	// Client hangs up: the session, its address and interface go.
	if err := client.Terminate("gw"); err != nil {
		t.Fatal(err)
	}
	if out, err := gw.WaitShow("show crypto session", 5*time.Second, func(s string) bool { return !strings.Contains(s, "Interface:") }); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if out := gw.Show("show ip local pool POOL1"); !regexp.MustCompile(`10\.10\.0\.250\s+241\s+0`).MatchString(out) {
		t.Errorf("address not returned:\n%s", out)
	}
}

// Scenario 6: wrong PSK, unknown identity, no proposal in common: each
// fails with the right notification and leaves nothing behind.
func TestStrongSwanFailures(t *testing.T) {
	RequirePeers(t)
	topo := NewTopology(t, TopologyOptions{})
	gw := StartGatehouse(t, topo.Headend, flexServer)
	client := StartCharon(t, topo.Client(), CharonOptions{})
	for _, tc := range []struct {
		name, conf, clientSays string
	}{
		{"badpsk", pskClient("badpsk", "bob.example.com", "wrong", defaultProposal, ""), "AUTHENTICATION_FAILED"},
		{"stranger", pskClient("stranger", "eve.example.net", "s3cret", defaultProposal, ""), "AUTHENTICATION_FAILED"},
		{"noprop", pskClient("noprop", "carol.example.com", "s3cret", "3des-md5-modp1024", ""), "NO_PROPOSAL_CHOSEN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := client.Load(tc.conf); err != nil {
				t.Fatal(err)
			}
			if err := client.Initiate(tc.name, 10*time.Second); err == nil {
				t.Fatalf("initiate succeeded")
			}
			log, _ := os.ReadFile(client.LogPath())
			if !strings.Contains(string(log), "received "+tc.clientSays+" notify") {
				t.Errorf("client log lacks %q:\n%s", "received "+tc.clientSays+" notify", client.LogTail(20))
			}
			if out := gw.Show("show crypto session"); strings.Contains(out, "Interface:") || strings.Contains(out, "Peer:") {
				t.Errorf("session left behind:\n%s", out)
			}
			if out := gw.Show("show ip local pool POOL1"); !regexp.MustCompile(`10\.10\.0\.250\s+241\s+0`).MatchString(out) {
				t.Errorf("address held:\n%s", out)
			}
		})
	}
	if out := gw.Show("show crypto ikev2 stats"); !strings.Contains(out, "Incoming IKEv2 Requests: 3") {
		t.Errorf("stats:\n%s", out)
	}
}

// Scenario 3: a client behind NAT floats to 4500 and its SAs are
// UDP-encapsulated; Gatehouse sees the NAT router's address.
func TestStrongSwanBehindNAT(t *testing.T) {
	RequirePeers(t)
	topo := NewTopology(t, TopologyOptions{NAT: true})
	gw := StartGatehouse(t, topo.Headend, flexServer+`crypto ikev2 proposal MODERN
 encryption aes-gcm-256
 prf sha256
 group 31 19
crypto ikev2 policy POL
 proposal MODERN
`)
	client := StartCharon(t, topo.Client(), CharonOptions{})
	if err := client.Load(pskClient("gw", "nat.example.com", "s3cret", "aes256gcm16-prfsha256-x25519", "encap = no")); err != nil {
		t.Fatal(err)
	}
	if err := client.Initiate("gw", 10*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, client.LogTail(40))
	}
	sas, _ := client.ListSAs()
	if len(sas) != 1 || !sas[0].NATLocal || sas[0].RemotePort != 4500 || sas[0].DHGroup != "CURVE_25519" ||
		len(sas[0].Children) != 1 || !sas[0].Children[0].Encap {
		t.Fatalf("client SAs %+v", sas)
	}
	out := gw.Show("show crypto session detail")
	for _, want := range []string{"Peer: " + NATOutside.String() + " port ", "Capabilities:CN", "Session status: UP-ACTIVE"} {
		if !strings.Contains(out, want) {
			t.Errorf("show crypto session detail lacks %q:\n%s", want, out)
		}
	}
	if out := gw.Show("show crypto ikev2 sa"); !strings.Contains(out, "10.99.0.1/4500") {
		t.Errorf("IKE SA not on 4500:\n%s", out)
	}
	if out := gw.Show("show crypto ipsec sa"); !strings.Contains(out, "Tunnel UDP-Encaps") {
		t.Errorf("child SA not UDP-encapsulated:\n%s", out)
	}
}

// Scenario 4: the client rekeys its child SA and its IKE SA every few
// seconds; the session stays up with the same address throughout.
func TestStrongSwanRekeys(t *testing.T) {
	RequirePeers(t)
	topo := NewTopology(t, TopologyOptions{})
	gw := StartGatehouse(t, topo.Headend, flexServer)
	client := StartCharon(t, topo.Client(), CharonOptions{})
	conf := pskClient("gw", "rekey.example.com", "s3cret", defaultProposal, "rekey_time = 6s\n    over_time = 2s")
	conf = strings.Replace(conf, "esp_proposals = aes256gcm16", "esp_proposals = aes256gcm16\n        rekey_time = 3s\n        life_time = 5s", 1)
	if err := client.Load(conf); err != nil {
		t.Fatal(err)
	}
	if err := client.Initiate("gw", 10*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, client.LogTail(40))
	}
	first, _ := client.ListSAs()
	if len(first) != 1 || len(first[0].Children) != 1 {
		t.Fatalf("client SAs %+v", first)
	}
	oldChild := first[0].Children[0].SPIIn
	oldIKE := first[0].ResponderSPI
	sas, err := client.WaitSAs(20*time.Second, func(s []IKESA) bool {
		return len(s) == 1 && s[0].State == "ESTABLISHED" && s[0].ResponderSPI != oldIKE &&
			len(s[0].Children) >= 1 && s[0].Children[0].SPIIn != oldChild
	})
	if err != nil {
		t.Fatalf("no rekeys seen: %v\n%+v\n%s", err, sas, client.LogTail(40))
	}
	out := gw.Show("show crypto session")
	if strings.Count(out, "Interface: Virtual-Access1") != 1 || !strings.Contains(out, "UP-ACTIVE") || !strings.Contains(out, "host 10.10.0.10") {
		t.Errorf("session after rekeys:\n%s", out)
	}
	if out := gw.Show("show crypto ikev2 sa detail"); !strings.Contains(out, "Local spi: "+strings.ToUpper(sas[0].ResponderSPI)) {
		t.Errorf("head-end does not show the rekeyed IKE SA %s:\n%s", sas[0].ResponderSPI, out)
	}
	if out := gw.Show("show ip local pool POOL1"); !regexp.MustCompile(`10\.10\.0\.250\s+240\s+1`).MatchString(out) {
		t.Errorf("pool usage after rekeys:\n%s", out)
	}
}

// Scenario 5: DPD. The client dies without a word; periodic DPD finds it
// and the session and its address go.
func TestStrongSwanDPD(t *testing.T) {
	RequirePeers(t)
	topo := NewTopology(t, TopologyOptions{})
	gw := StartGatehouse(t, topo.Headend, flexServer+"crypto ikev2 profile PROF\n dpd 10 2 periodic\n")
	client := StartCharon(t, topo.Client(), CharonOptions{})
	if err := client.Load(pskClient("gw", "dpd.example.com", "s3cret", defaultProposal, "")); err != nil {
		t.Fatal(err)
	}
	if err := client.Initiate("gw", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if out := gw.Show("show crypto session detail"); !strings.Contains(out, "Capabilities:CD") {
		t.Errorf("DPD capability not shown:\n%s", out)
	}
	// Cut the client off: its charon stops and its link goes down, so no
	// delete reaches the head-end.
	if _, err := Exec(topo.Client(), "ip", "link", "set", "eth0", "down"); err != nil {
		t.Fatal(err)
	}
	client.Stop()
	if out, err := gw.WaitShow("show crypto session", 40*time.Second, func(s string) bool { return !strings.Contains(s, "Interface:") }); err != nil {
		t.Fatalf("session not torn down by DPD: %v\n%s", err, out)
	}
	if out := gw.Show("show ip local pool POOL1"); !regexp.MustCompile(`10\.10\.0\.250\s+241\s+0`).MatchString(out) {
		t.Errorf("address not returned:\n%s", out)
	}
}

// Scenario 7: 50 clients at once (one charon, 50 identities), all
// UP-ACTIVE with distinct addresses.
func TestStrongSwanFiftyClients(t *testing.T) {
	RequirePeers(t)
	topo := NewTopology(t, TopologyOptions{})
	gw := StartGatehouse(t, topo.Headend, flexServer)
	client := StartCharon(t, topo.Client(), CharonOptions{})
	const n = 50
	var conf strings.Builder
	conf.WriteString("connections {\n")
	for i := range n {
		fmt.Fprintf(&conf, `  c%[1]d {
    version = 2
    remote_addrs = 10.99.0.1
    vips = 0.0.0.0
    proposals = %[2]s
    local { auth = psk
      id = user%[1]d.example.com }
    remote { auth = psk
      id = vpn.example.com }
    children { c%[1]d { remote_ts = 0.0.0.0/0
        start_action = start
        esp_proposals = aes256gcm16 } }
  }
`, i, defaultProposal)
	}
	conf.WriteString("}\nsecrets {\n  ike-all {\n    id-1 = vpn.example.com\n")
	for i := range n {
		fmt.Fprintf(&conf, "    id-u%d = user%d.example.com\n", i, i)
	}
	conf.WriteString("    secret = \"s3cret\"\n  }\n}\n")
	if err := client.Load(conf.String()); err != nil {
		t.Fatal(err)
	}
	// start_action = start: charon initiates all 50 as soon as they load.
	sas, err := client.WaitSAs(30*time.Second, func(s []IKESA) bool {
		up := 0
		for _, sa := range s {
			if sa.State == "ESTABLISHED" && len(sa.Children) == 1 {
				up++
			}
		}
		return up == n
	})
	if err != nil {
		t.Fatalf("%v: %d SAs", err, len(sas))
	}
	seen := map[netip.Addr]bool{}
	for _, sa := range sas {
		if sa.State != "ESTABLISHED" || len(sa.LocalVIPs) != 1 || len(sa.Children) != 1 {
			t.Errorf("client SA %s: %s vips %v children %d", sa.Name, sa.State, sa.LocalVIPs, len(sa.Children))
			continue
		}
		if seen[sa.LocalVIPs[0]] {
			t.Errorf("address %v given twice", sa.LocalVIPs[0])
		}
		seen[sa.LocalVIPs[0]] = true
	}
	out := gw.Show("show crypto session")
	if c := strings.Count(out, "Session status: UP-ACTIVE"); c != n {
		t.Errorf("%d sessions UP-ACTIVE, want %d", c, n)
	}
	if out := gw.Show("show ip local pool POOL1"); !regexp.MustCompile(`10\.10\.0\.250\s+191\s+50`).MatchString(out) {
		t.Errorf("pool usage:\n%s", out)
	}
	// clear crypto session tears them all down and tells the client.
	gw.CLI("clear crypto session\n")
	if _, err := client.WaitSAs(10*time.Second, func(s []IKESA) bool { return len(s) == 0 }); err != nil {
		t.Errorf("client still has SAs after clear crypto session: %v", err)
	}
}

// certServer is flexServer plus a certificate profile; the trustpoint is
// imported from files written by the test.
func certServer(dir string) string {
	return flexServer + `crypto ikev2 authorization policy CERTZ
 pool POOL1
crypto ikev2 profile CERT
 match identity remote fqdn domain cert.test
 identity local fqdn vpn.cert.test
 authentication remote rsa-sig
 authentication remote ecdsa-sig
 authentication local rsa-sig
 pki trustpoint TP
 aaa authorization group cert list LOCAL CERTZ
 virtual-template 1
crypto pki import TP pem url file:` + filepath.Join(dir, "gw") + ` password unused
`
}

// Scenario 2: certificates on both sides, an RSA gateway and RSA and
// ECDSA clients, all issued by a CA the test makes.
func TestStrongSwanCertificates(t *testing.T) {
	RequirePeers(t)
	ca, err := NewCA("Gatehouse Test CA", RSA)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ca.Issue("vpn.cert.test", RSA, CertOptions{DNSNames: []string{"vpn.cert.test"}, Server: true, IKEIntermediate: true})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	key, _ := srv.KeyPEM()
	for name, data := range map[string][]byte{"gw.ca": ca.CertPEM(), "gw.crt": srv.CertPEM(), "gw.prv": key} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	topo := NewTopology(t, TopologyOptions{})
	gw := StartGatehouse(t, topo.Headend, certServer(dir))
	for _, kt := range []KeyType{RSA, ECDSA} {
		t.Run(kt.String(), func(t *testing.T) {
			id := strings.ToLower(kt.String()) + ".cert.test"
			cl, err := ca.Issue(id, kt, CertOptions{DNSNames: []string{id}})
			if err != nil {
				t.Fatal(err)
			}
			client := StartCharon(t, topo.Client(), CharonOptions{Name: "cert-" + kt.String()})
			client.AddCA("ca", ca)
			client.AddCert("client", cl)
			conf := fmt.Sprintf(`connections {
  gw {
    version = 2
    remote_addrs = 10.99.0.1
    vips = 0.0.0.0
    proposals = %s
    local { auth = pubkey
      certs = client.pem
      id = %s }
    remote { auth = pubkey
      id = vpn.cert.test }
    children { gw { remote_ts = 0.0.0.0/0
        esp_proposals = aes256gcm16 } }
  }
}
`, defaultProposal, id)
			if err := client.Load(conf); err != nil {
				t.Fatal(err)
			}
			if err := client.Initiate("gw", 10*time.Second); err != nil {
				t.Fatalf("%v\n%s", err, client.LogTail(40))
			}
			sas, _ := client.ListSAs()
			if len(sas) != 1 || sas[0].State != "ESTABLISHED" || len(sas[0].LocalVIPs) != 1 {
				t.Fatalf("client SAs %+v", sas)
			}
			verify := map[KeyType]string{RSA: "RSA", ECDSA: "ECDSA"}[kt]
			out := gw.Show("show crypto ikev2 sa detail")
			if !strings.Contains(out, "Auth sign: RSA, Auth verify: "+verify) || !strings.Contains(out, "Remote id: "+id) {
				t.Errorf("show crypto ikev2 sa detail:\n%s", out)
			}
			if out := gw.Show("show crypto session"); !strings.Contains(out, "Profile: CERT") {
				t.Errorf("profile:\n%s", out)
			}
			client.Terminate("gw")
			gw.WaitShow("show crypto session", 5*time.Second, func(s string) bool { return !strings.Contains(s, "Interface:") })
			client.Stop()
		})
	}
}
