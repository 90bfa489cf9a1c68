package xfrm

import "github.com/gatehouse-vpn/gatehouse/dataplane"

var _ dataplane.KernelESP = (*Backend)(nil)

// KernelESP is true: the kernel decapsulates ESP-in-UDP on the IKE engine's
// NAT-T socket once the engine marks it (dataplane.KernelESP).
func (b *Backend) KernelESP() bool { return true }
