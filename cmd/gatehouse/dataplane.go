package main

import (
	"fmt"
	"log/slog"

	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/gatehouse-vpn/gatehouse/dataplane/fake"
	"github.com/gatehouse-vpn/gatehouse/dataplane/userspace"
	"github.com/gatehouse-vpn/gatehouse/dataplane/xfrm"
)

// openDataplane starts the backend --dataplane names and says why it is
// the one in use (for the log and "show platform dataplane"). probe is
// xfrm.Probe outside tests.
func openDataplane(name string, logger *slog.Logger, probe func() error) (dataplane.Dataplane, string, error) {
	switch name {
	case "fake":
		return fake.New(), "requested with --dataplane fake: SAs are recorded, no traffic is forwarded", nil
	case "userspace":
		return userspace.New(userspace.Options{Logger: logger}), "requested with --dataplane userspace", nil
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
		return userspace.New(userspace.Options{Logger: logger}),
			fmt.Sprintf("auto: ESP runs in userspace because the xfrm backend cannot (%v)", err), nil
	}
	return nil, "", fmt.Errorf("--dataplane %q: want auto, userspace, xfrm or fake", name)
}
