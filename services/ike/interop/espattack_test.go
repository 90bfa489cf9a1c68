package interop

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// captureESP waits, in ns, for one ESP-in-UDP datagram to port 4500 and
// returns its UDP payload (the ESP packet). It listens with an AF_PACKET
// socket, so it sees the packet whoever receives it.
func captureESP(ns string, timeout time.Duration, during func()) ([]byte, error) {
	var esp []byte
	err := InNamespace(ns, func() error {
		proto := int(htons(syscall.ETH_P_IP))
		fd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_DGRAM, proto)
		if err != nil {
			return err
		}
		defer syscall.Close(fd)
		tv := syscall.NsecToTimeval(int64(200 * time.Millisecond))
		syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv)
		go during()
		deadline := time.Now().Add(timeout)
		buf := make([]byte, 65536)
		for time.Now().Before(deadline) {
			n, _, err := syscall.Recvfrom(fd, buf, 0)
			if err != nil {
				continue
			}
			p := buf[:n]
			if n < 28 || p[0]>>4 != 4 || p[9] != syscall.IPPROTO_UDP {
				continue
			}
			udp := p[int(p[0]&0x0f)*4:]
			if len(udp) < 16 || binary.BigEndian.Uint16(udp[2:]) != 4500 {
				continue
			}
			payload := udp[8:]
			if binary.BigEndian.Uint32(payload) == 0 { // IKE (non-ESP marker)
				continue
			}
			esp = append([]byte(nil), payload...)
			return nil
		}
		return errors.New("no ESP packet seen")
	})
	return esp, err
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// sendUDP sends payload from ns to dst from an ephemeral port.
func sendUDP(ns string, dst netip.AddrPort, payload []byte) error {
	return InNamespace(ns, func() error {
		c, err := net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(dst))
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.Write(payload)
		return err
	})
}

// Data plane scenario 5: a replayed ESP packet and a tampered one reach
// the head-end; both are dropped and counted, and the tunnel carries on.
func TestReplayedAndTamperedESP(t *testing.T) {
	RequirePeers(t)
	topo := NewTopology(t, TopologyOptions{Host: true})
	gw := StartGatehouseWith(t, topo.Headend, flexServer, GatehouseOptions{Dataplane: "userspace"})
	connectStrongSwan(t, topo.Client(), pingClient("gw", "alice.example.com"))
	esp, err := captureESP(topo.Headend, 5*time.Second, func() { Exec(topo.Client(), "ping", "-c", "1", "-W", "2", HostAddr.String()) })
	if err != nil {
		t.Fatal(err)
	}
	headend := netip.AddrPortFrom(HeadendAddr, 4500)
	// The same packet again: a replay.
	if err := sendUDP(topo.Headend, headend, esp); err != nil {
		t.Fatal(err)
	}
	// A new sequence number and a flipped ciphertext bit: fails integrity.
	tampered := append([]byte(nil), esp...)
	binary.BigEndian.PutUint32(tampered[4:], binary.BigEndian.Uint32(esp[4:])+1000)
	tampered[len(tampered)/2] ^= 0x10
	if err := sendUDP(topo.Headend, headend, tampered); err != nil {
		t.Fatal(err)
	}
	counter := func(out, re string) int {
		m := regexp.MustCompile(re).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no %q in:\n%s", re, out)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	out, err := gw.WaitShow("show crypto ipsec sa detail", 5*time.Second, func(s string) bool {
		return regexp.MustCompile(`replay failed \(rcv\): 1\b`).MatchString(s)
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if n := counter(out, `#pkts verify failed: (\d+)`); n != 1 {
		t.Errorf("verify failed %d, want 1:\n%s", n, out)
	}
	if n := counter(out, `#pkts decaps failed \(rcv\) (\d+)`); n != 2 {
		t.Errorf("decaps failed %d, want 2:\n%s", n, out)
	}
	// Neither disturbed the SA.
	if n := ping(t, topo.Client(), HostAddr.String(), 3); n != 3 {
		t.Errorf("after the attack: %d of 3 replies", n)
	}
}
