// Package dataplane is the boundary between the control plane and packet
// forwarding: the Dataplane interface the services program (virtual-access
// interfaces, ESP child SAs, routes per VRF, counters, SA lifetime events)
// and the plain values that cross it. See /work/shared/DESIGN.md, "Data
// plane".
//
// # What it owns
//
// The contract: the shapes of InterfaceSpec, ChildSA and Route, what makes
// them valid (Validate, shared by every backend so they reject the same
// input with the same words), the errors callers test for (ErrNotFound,
// ErrExists, ErrClosed), and EventQueue, the Events channel every backend
// delivers expiries on without ever blocking. Backends own the forwarding
// state they program; the services own the desired state and call the
// backend to make it so.
// Calls describe desired state and are safe to repeat: EnsureInterface
// creates or updates, SetRoutes replaces everything one owner holds.
//
// # What it must not do
//
// Nothing here, backends included, may import the CLI (cli, modes) or
// configdb: services translate configuration into calls on a Dataplane, so
// a backend can be tested without either. Transform IDs and key lengths
// come from services/ike/suite, which derives the keys, so the two cannot
// disagree.
//
// # Backends
//
//	fake/       records calls and dumps its state as sorted text for golden tests
//	userspace/  ESP in Go over one TUN device per VRF (the backend this kernel runs)
//	xfrm/       Linux XFRM states, XFRM interfaces and VRF devices over netlink
//	esp/        the ESP packet codec the userspace backend uses
//
// "gatehouse run --dataplane auto|userspace|xfrm|fake" chooses one; see
// docs/dataplane.md.
package dataplane
