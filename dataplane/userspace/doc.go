// Package userspace is the data plane that runs ESP in Go: RFC 4303 ESP
// and RFC 3948 UDP encapsulation between the head-end's outside address
// and its clients, and plain IP between TUN devices and the inside
// networks. It is the backend for kernels without ESP, XFRM interfaces or
// VRF devices (DESIGN.md, "Data plane"), and the one the end-to-end tests
// run.
//
// # Model
//
// Virtual-access interfaces are logical. Each VRF has one TUN device
// ("gh0"), created in the VRF's network namespace the first time an
// interface of that VRF is ensured. The global table is the daemon's own
// namespace. A virtual-access interface is a record in this package: its
// child SAs, counters and routes. Its access routes become kernel routes
// through the VRF's TUN, so the kernel hands this package exactly the
// packets for the clients. Creating a kernel link per session would cost
// more than the IKE handshake (docs/dataplane.md has the measurement), and
// one TUN per VRF keeps the kernel's state per session at one route.
//
// Outbound, a packet read from a VRF's TUN is looked up by destination in
// the VRF's routes, encrypted with the current outbound SA of the interface
// that holds the route, and sent: as ESP-in-UDP through the IKE engine's
// NAT-T socket (UDPTransmitter) when the SA is UDP-encapsulated, or as IP
// protocol 50 from a raw socket. Inbound, ESP arrives from the IKE engine
// (ESPReceiver, port 4500) or the raw socket. It is found by SPI, checked
// (anti-replay, integrity, and the inner source against the SA's traffic
// selectors) and written to the TUN of the interface's VRF.
//
// A transport-mode SA (RFC 4303 section 3.1.1, transport.go) carries
// the traffic between its own two endpoints. The backend steers what
// this host sends to the peer into the VRF's TUN device with policy
// routing (the ESP and IKE packets to the same address excepted), takes
// the IP header off before ESP and, inbound, puts one back from the SA's
// endpoints, fixing TCP and UDP checksums behind a NAT (RFC 3948).
//
// Packets move in bursts (batch.go): a TUN reader seals all that is
// queued and sends it with sendmmsg (or the engine's batch transmitter),
// an ESP reader decrypts a recvmmsg burst and writes it together. Where
// the kernel allows, the TUN devices carry virtio-net headers with TSO:
// TCP super-packets read from them are cut into segments (gso.go), and
// runs of segments decrypted in one burst are coalesced into one
// super-packet write (gro.go). Checks and counters work on segments, as
// the wire carries them (docs/dataplane.md, "The fast path").
//
// # What it owns
//
// The TUN devices and the routes it adds (removed on Close), the policy
// routing rules and table of transport mode (4303-4305, removed on Close
// and when a VRF opens), the SA and interface tables, the counters,
// lifetime accounting and its events.
//
// # What it must not do
//
// It must not import configdb, the CLI or the IKE engine: the services
// translate configuration and sessions into Dataplane calls. It never
// blocks a caller on the network; a packet it cannot handle is dropped and
// counted.
package userspace
