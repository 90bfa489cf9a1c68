package interop

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// pingClient is pskClient with the protected network as the only remote
// selector, so that the client's routes leave its own LAN alone.
func pingClient(name, id string) string {
	return strings.Replace(pskClient(name, id, "s3cret", defaultProposal, ""),
		"remote_ts = 0.0.0.0/0", "remote_ts = "+ProtectedNet.String(), 1)
}

// ping runs ping in ns and returns how many replies came back.
func ping(t *testing.T, ns, dst string, count int) int {
	t.Helper()
	out, _ := Exec(ns, "ping", "-n", "-c", strconv.Itoa(count), "-i", "0.2", "-W", "2", dst)
	m := regexp.MustCompile(`(\d+) received`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("ping %s from %s: %s", dst, ns, out)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// ipsecCounters reads "#pkts encaps" and "#pkts decaps" of show crypto
// ipsec sa.
func ipsecCounters(t *testing.T, gw *Gatehouse) (encaps, decaps int) {
	t.Helper()
	out := gw.Show("show crypto ipsec sa")
	m := regexp.MustCompile(`#pkts encaps: (\d+).*\n.*#pkts decaps: (\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("show crypto ipsec sa has no counters:\n%s", out)
	}
	encaps, _ = strconv.Atoi(m[1])
	decaps, _ = strconv.Atoi(m[2])
	return encaps, decaps
}

// Data plane scenario 1: a strongSwan client with a pool address pings a
// host behind Gatehouse and the host pings it back, through ESP in UDP
// (strongSwan's kernel-libipsec always encapsulates), without and with
// the NAT router in between. Gatehouse's SA counters match the packets.
func TestStrongSwanPingThroughTunnel(t *testing.T) {
	RequirePeers(t)
	for _, nat := range []bool{false, true} {
		t.Run(fmt.Sprintf("nat=%v", nat), func(t *testing.T) {
			topo := NewTopology(t, TopologyOptions{NAT: nat, Host: true})
			gw := StartGatehouseWith(t, topo.Headend, flexServer, GatehouseOptions{Dataplane: "userspace"})
			client := StartCharon(t, topo.Client(), CharonOptions{})
			if err := client.Load(pingClient("gw", "alice.example.com")); err != nil {
				t.Fatal(err)
			}
			if err := client.Initiate("gw", 10*time.Second); err != nil {
				t.Fatalf("%v\n%s", err, client.LogTail(40))
			}
			if n := ping(t, topo.Client(), HostAddr.String(), 5); n != 5 {
				t.Errorf("client -> host: %d of 5 replies\n%s", n, gw.Show("show crypto ipsec sa"))
			}
			if n := ping(t, topo.Host, "10.10.0.10", 5); n != 5 {
				t.Errorf("host -> client: %d of 5 replies\n%s", n, gw.Show("show crypto ipsec sa"))
			}
			// 5 echo requests and 5 replies each way: 10 packets in, 10 out.
			if encaps, decaps := ipsecCounters(t, gw); encaps != 10 || decaps != 10 {
				t.Errorf("encaps %d decaps %d, want 10 and 10", encaps, decaps)
			}
			if out := gw.Show("show crypto ipsec sa"); !strings.Contains(out, "Tunnel UDP-Encaps") {
				t.Errorf("SA not UDP-encapsulated:\n%s", out)
			}
		})
	}
}
