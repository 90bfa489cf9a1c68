package main

import (
	"fmt"
	"log/slog"

	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/gatehouse-vpn/gatehouse/dataplane/fake"
	"github.com/gatehouse-vpn/gatehouse/dataplane/userspace"
	"github.com/gatehouse-vpn/gatehouse/dataplane/xfrm"
	"github.com/gatehouse-vpn/gatehouse/modes"
)

// openDataplane starts the backend --dataplane names and says why it is
// the one in use (for the log and "show platform dataplane"). probe is
// xfrm.Probe outside tests. vrfPrefix is --vrf-netns-prefix: the userspace
// backend puts VRF NAME in the network namespace vrfPrefix+NAME.
func openDataplane(name string, logger *slog.Logger, probe func() error, vrfPrefix string) (dataplane.Dataplane, string, error) {
	us := userspace.Options{Logger: logger, Namespace: func(vrf string) string {
		if vrf == "" {
			return ""
		}
		return vrfPrefix + vrf
	}}
	switch name {
	case "fake":
		return fake.New(), "requested with --dataplane fake: SAs are recorded, no traffic is forwarded", nil
	case "userspace":
		return userspace.New(us), "requested with --dataplane userspace", nil
	case "xfrm":
		if err := probe(); err != nil {
			return nil, "", fmt.Errorf("--dataplane xfrm: %w", err)
		}
		b, err := xfrm.New(xfrm.Options{Logger: logger})
		if err != nil {
			return nil, "", fmt.Errorf("--dataplane xfrm: %w", err)
		}
		return b, "requested with --dataplane xfrm", nil
	case "auto":
		err := probe()
		if err == nil {
			var b *xfrm.Backend
			if b, err = xfrm.New(xfrm.Options{Logger: logger}); err == nil {
				return b, "auto: the kernel has XFRM interfaces, VRF devices and ESP", nil
			}
		}
		return userspace.New(us),
			fmt.Sprintf("auto: ESP runs in userspace because the xfrm backend cannot (%v)", err), nil
	}
	return nil, "", fmt.Errorf("--dataplane %q: want auto, userspace, xfrm or fake", name)
}

// dataplaneStatus answers "show platform dataplane" for dp.
func dataplaneStatus(dp dataplane.Dataplane, why string) func() modes.DataplaneStatus {
	return func() modes.DataplaneStatus {
		st := modes.DataplaneStatus{Backend: dp.Name(), Reason: why}
		if us, ok := dp.(*userspace.Backend); ok {
			s := us.Stats()
			named := func(name string, v uint64) modes.NamedCounter { return modes.NamedCounter{Name: name, Value: v} }
			st.Counters = []modes.NamedCounter{
				named("VRFs", uint64(s.VRFs)), named("Virtual-access interfaces", uint64(s.Interfaces)),
				named("Child SAs", uint64(s.SAs)), named("Unknown SPI drops", s.UnknownSPI),
				named("Malformed drops", s.Malformed), named("No route drops", s.NoRoute),
				named("Send errors", s.SendErrors), named("Lifetime events dropped", s.EventsDropped),
			}
		}
		return st
	}
}
