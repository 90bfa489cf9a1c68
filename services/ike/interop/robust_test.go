package interop

import (
	"crypto/rand"
	"encoding/binary"
	mrand "math/rand/v2"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-vpn/gatehouse/services/ike/suite"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

// initRequest is a valid IKE_SA_INIT request for the smart default proposal.
func initRequest(t *testing.T, spi uint64) []byte {
	dh, err := suite.NewDH(suite.DHECP256, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	nonce := make([]byte, 32)
	rand.Read(nonce)
	m := &wire.Message{Header: wire.Header{InitiatorSPI: spi, MajorVersion: 2, Exchange: wire.IKE_SA_INIT, Flags: wire.FlagInitiator},
		Payloads: []wire.Payload{
			&wire.SA{Proposals: []wire.Proposal{{Number: 1, Protocol: wire.ProtoIKE, Transforms: []wire.Transform{
				{Type: wire.TransformENCR, ID: wire.ENCR_AES_CBC, Attributes: []wire.Attribute{{Type: wire.AttrKeyLength, TV: true, Value: 256}}},
				{Type: wire.TransformPRF, ID: wire.PRF_HMAC_SHA2_512}, {Type: wire.TransformINTEG, ID: wire.AUTH_HMAC_SHA2_512_256},
				{Type: wire.TransformDH, ID: wire.ECP_256}}}}},
			&wire.KE{Group: wire.ECP_256, Data: dh.PublicKey()},
			&wire.Nonce{Data: nonce},
		}}
	b, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// udpSockets opens n UDP sockets inside ns (n source ports).
func udpSockets(t *testing.T, ns string, n int) []*net.UDPConn {
	var socks []*net.UDPConn
	err := InNamespace(ns, func() error {
		for range n {
			s, err := net.ListenUDP("udp4", nil)
			if err != nil {
				return err
			}
			socks = append(socks, s)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, s := range socks {
			s.Close()
		}
	})
	return socks
}

var headend500 = &net.UDPAddr{IP: net.IPv4(10, 99, 0, 1), Port: 500}
var headend4500 = &net.UDPAddr{IP: net.IPv4(10, 99, 0, 1), Port: 4500}

// Robustness: garbage, truncated and replayed packets hit both ports
// while strongSwan clients connect; every client gets through.
func TestStrongSwanUnderGarbage(t *testing.T) {
	RequirePeers(t)
	topo := NewTopology(t, TopologyOptions{})
	gw := StartGatehouse(t, topo.Headend, flexServer)
	client := StartCharon(t, topo.Client(), CharonOptions{})
	junk := udpSockets(t, topo.Client(), 4)
	valid := initRequest(t, 0x0102030405060708)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		r := mrand.New(mrand.NewPCG(7, 9))
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			var b []byte
			switch i % 4 {
			case 0:
				b = make([]byte, r.IntN(800))
				for j := range b {
					b[j] = byte(r.Uint32())
				}
			case 1:
				b = valid[:r.IntN(len(valid))]
			case 2:
				b = append([]byte(nil), valid...) // replayed over and over
			case 3:
				b = append([]byte(nil), valid...)
				binary.BigEndian.PutUint64(b[8:], r.Uint64())
				b[18] = byte(wire.INFORMATIONAL)
			}
			dst := headend500
			if i%2 == 1 {
				dst = headend4500
				b = append([]byte{0, 0, 0, 0}, b...)
			}
			junk[i%len(junk)].WriteToUDP(b, dst)
			if i%32 == 0 {
				time.Sleep(time.Millisecond)
			}
		}
	})
	defer func() { close(stop); wg.Wait() }()
	for _, user := range []string{"u1", "u2", "u3", "u4", "u5"} {
		if err := client.Load(pskClient(user, user+".example.com", "s3cret", defaultProposal, "")); err != nil {
			t.Fatal(err)
		}
		if err := client.Initiate(user, 15*time.Second); err != nil {
			t.Fatalf("%s under garbage: %v\n%s", user, err, client.LogTail(30))
		}
	}
	if out := gw.Show("show crypto session"); strings.Count(out, "UP-ACTIVE") != 5 {
		t.Errorf("sessions:\n%s", out)
	}
	stats := gw.Show("show crypto ikev2 stats")
	m := regexp.MustCompile(`IKEv2 packets dropped at dispatch: (\d+)`).FindStringSubmatch(stats)
	if m == nil || m[1] == "0" {
		t.Errorf("dropped packets not counted:\n%s", stats)
	}
}

// Robustness: an IKE_SA_INIT flood from many source ports turns cookies
// on (crypto ikev2 cookie-challenge) and leaves the established strongSwan
// session working: it still answers liveness checks and rekeys.
func TestStrongSwanCookieFlood(t *testing.T) {
	RequirePeers(t)
	topo := NewTopology(t, TopologyOptions{})
	gw := StartGatehouse(t, topo.Headend, flexServer+"crypto ikev2 cookie-challenge 10\ncrypto ikev2 profile PROF\n dpd 10 2 periodic\n")
	client := StartCharon(t, topo.Client(), CharonOptions{})
	conf := pskClient("gw", "flood.example.com", "s3cret", defaultProposal, "")
	conf = strings.Replace(conf, "esp_proposals = aes256gcm16", "esp_proposals = aes256gcm16\n        rekey_time = 4s", 1)
	if err := client.Load(conf); err != nil {
		t.Fatal(err)
	}
	if err := client.Initiate("gw", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	first, _ := client.ListSAs()
	oldSPI := first[0].Children[0].SPIIn
	socks := udpSockets(t, topo.Client(), 200)
	for round := range 5 {
		for i, s := range socks {
			s.WriteToUDP(initRequest(t, uint64(round*1000+i+1)), headend500)
		}
		time.Sleep(20 * time.Millisecond)
	}
	stats := gw.Show("show crypto ikev2 stats")
	m := regexp.MustCompile(`Incoming IKEV2 Cookie Challenged Requests: (\d+)`).FindStringSubmatch(stats)
	if m == nil {
		t.Fatalf("no cookie line:\n%s", stats)
	}
	if n, _ := strconv.Atoi(m[1]); n < 500 {
		t.Errorf("%d requests challenged of 1000 flooded:\n%s", n, stats)
	}
	// The established session lives on: its child rekeys after the flood.
	if _, err := client.WaitSAs(15*time.Second, func(s []IKESA) bool {
		return len(s) == 1 && s[0].State == "ESTABLISHED" && len(s[0].Children) > 0 && s[0].Children[0].SPIIn != oldSPI
	}); err != nil {
		t.Fatalf("established session after the flood: %v\n%s", err, client.LogTail(30))
	}
	if out := gw.Show("show crypto session"); !strings.Contains(out, "UP-ACTIVE") {
		t.Errorf("session:\n%s", out)
	}
}
