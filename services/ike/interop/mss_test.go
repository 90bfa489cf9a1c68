package interop

import (
	"encoding/binary"
	"errors"
	"syscall"
	"testing"
	"time"
)

// captureSYNMSS waits, in ns, for a TCP SYN to port and returns the MSS
// option it carries.
func captureSYNMSS(ns string, port uint16, timeout time.Duration, during func()) (uint16, error) {
	var mss uint16
	err := InNamespace(ns, func() error {
		fd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_DGRAM, int(htons(syscall.ETH_P_IP)))
		if err != nil {
			return err
		}
		defer syscall.Close(fd)
		tv := syscall.NsecToTimeval(int64(200 * time.Millisecond))
		syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv)
		go during()
		buf := make([]byte, 65536)
		for deadline := time.Now().Add(timeout); time.Now().Before(deadline); {
			n, _, err := syscall.Recvfrom(fd, buf, 0)
			if err != nil || n < 40 || buf[0]>>4 != 4 || buf[9] != syscall.IPPROTO_TCP {
				continue
			}
			tcp := buf[int(buf[0]&0x0f)*4 : n]
			if len(tcp) < 20 || binary.BigEndian.Uint16(tcp[2:]) != port || tcp[13]&0x12 != 0x02 {
				continue
			}
			opts := tcp[20:min(int(tcp[12]>>4)*4, len(tcp))]
			for i := 0; i+1 < len(opts); {
				if opts[i] == 0 {
					break
				}
				if opts[i] == 1 {
					i++
					continue
				}
				if opts[i] == 2 && opts[i+1] == 4 && i+4 <= len(opts) {
					mss = binary.BigEndian.Uint16(opts[i+2:])
					return nil
				}
				if opts[i+1] < 2 {
					break
				}
				i += int(opts[i+1])
			}
		}
		return errors.New("no TCP SYN with an MSS option seen")
	})
	return mss, err
}

// ip tcp adjust-mss on the template: the SYN a strongSwan client sends
// through the tunnel reaches the host with its MSS lowered.
func TestAdjustMSSOnTheWire(t *testing.T) {
	RequirePeers(t)
	topo := NewTopology(t, TopologyOptions{Host: true})
	StartGatehouseWith(t, topo.Headend, flexServer+"interface Virtual-Template1 type tunnel\n ip tcp adjust-mss 1300\n",
		GatehouseOptions{Dataplane: "userspace"})
	connectStrongSwan(t, topo.Client(), pingClient("gw", "alice.example.com"))
	server := StartIperfServer(t, topo.Host, HostAddr)
	mss, err := captureSYNMSS(topo.Host, IperfPort, 10*time.Second, func() {
		RunIperf(topo.Client(), server.Addr, IperfTest{Duration: time.Second})
	})
	if err != nil {
		t.Fatal(err)
	}
	if mss != 1300 {
		t.Errorf("the host saw MSS %d, want 1300", mss)
	}
}
