package vtemplate_test

import (
	"net/netip"
	"strconv"
	"testing"

	"github.com/gatehouse-vpn/gatehouse/internal/heapbench"

	"github.com/gatehouse-vpn/gatehouse/services/vtemplate"
)

// heldSessions is how many interfaces the memory benchmark holds: the
// benchmark target's 10,000 sessions (docs/dev/benchmarks.md).
const heldSessions = 10000

// typicalTemplate is a remote-access template as deployments write it:
// borrowed address, an inbound access list, tunnel protection.
const typicalTemplate = `interface Ethernet0/0
 ip address 172.16.1.2 255.255.255.0
ip access-list extended CLIENT-IN
 permit ip 10.10.0.0 0.0.255.255 any
 deny   ip any any
interface Virtual-Template1 type tunnel
 ip unnumbered Ethernet0/0
 ip access-group CLIENT-IN in
 tunnel protection ipsec profile default
`

// BenchmarkSessionHeap is the live heap one virtual-access interface
// holds, the fake data plane's copy of it included, measured after a GC
// with heldSessions interfaces cloned (metric heap-B/interface). "none"
// has no data plane: the service's own share.
func BenchmarkSessionHeap(b *testing.B) {
	for _, withDP := range []bool{true, false} {
		name := "dataplane=fake"
		if !withDP {
			name = "dataplane=none"
		}
		b.Run(name, func(b *testing.B) {
			box := newBox(b, typicalTemplate)
			s := box.s
			if !withDP {
				s = vtemplate.New(box.db, nil, nil)
			}
			reqs := make([]vtemplate.Request, heldSessions)
			for i := range reqs {
				reqs[i] = vtemplate.Request{Template: 1, Owner: "ikev2:" + strconv.Itoa(i+1), TunnelSource: local,
					TunnelDestination: netip.AddrFrom4([4]byte{198, 51, byte(i >> 8), byte(i)})}
			}
			names := make([]string, heldSessions)
			clone := func() {
				for i, r := range reqs {
					va, err := s.Clone(r)
					if err != nil {
						b.Fatal(err)
					}
					names[i] = va.Name
				}
			}
			removeAll := func() {
				for i, n := range names {
					if err := s.Remove(n); err != nil {
						b.Fatal(err)
					}
					names[i] = ""
				}
			}
			b.ReportMetric(heapbench.PerItem(b, heldSessions, clone, removeAll), "heap-B/interface")
		})
	}
}
