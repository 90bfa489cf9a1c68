// Package xfrm is the Dataplane backend on the Linux kernel's IPsec stack
// (XFRM), programmed over netlink with github.com/vishvananda/netlink
// (DESIGN.md, "Data plane"). It builds on Linux only.
//
// # Model
//
// A virtual-access interface is an XFRM interface (ip link type xfrm),
// named InterfaceSpec.LinuxName or "va" and its number, with an if_id of
// its own and the spec's MTU. A VRF is a VRF device (ip link type vrf)
// named "ghv-" and the VRF's name (or a hash of it when that does not fit),
// with a routing table derived from the name; interfaces of the VRF are
// enslaved to it. A child SA is two XFRM states, in and out, that carry
// the interface's if_id (and the same value as reqid), no mark, UDP
// encapsulation (ESPINUDP) when the SA has it, the SA's lifetimes, ESN and
// replay window (the legacy 32-packet field up to 32, the ESN replay
// attribute beyond, so 64 means 64), and the kernel's names for the IKEv2
// transforms: rfc4106(gcm(aes)) and rfc7539esp(chacha20,poly1305) with a
// 128-bit ICV and the salt at the end of the key, cbc(aes) and
// cbc(des3_ede) with hmac(sha1) truncated to 96 bits, hmac(sha256) to 128,
// hmac(sha384) to 192 and hmac(sha512) to 256. Tunnel-mode states are
// family-free (XFRM_STATE_AF_UNSPEC), so one SA carries IPv4 and IPv6.
// Routes are kernel routes (protocol 71) in the VRF's table through the
// owner's XFRM interface. The front-door VRF of an SA becomes the XFRM
// interface's underlying link (IFLA_XFRM_LINK), so the encrypted packets
// are routed in that VRF's table.
//
// # Policies
//
// The kernel looks up XFRM policies by the if_id of the XFRM interface a
// packet is routed through (xfrm_lookup_with_ifid on output) or was
// decrypted for (__xfrm_policy_check on input), and a policy matches only
// when its if_id is exactly that one (xfrm_policy_match). So there is no
// single wildcard policy for all interfaces: a policy with if_id 0 is never
// consulted for traffic on an XFRM interface, and one with a 0/0 selector
// and no if_id would capture every packet of the host, IKE included.
// Neither can one policy serve many peers: the outbound template names the
// peer's outer address, and the kernel finds the outbound state by that
// address and the reqid.
//
// Each interface therefore has its own wide policies: for each inner
// family, out, in and fwd with selector 0.0.0.0/0 (::/0) and the
// interface's if_id; in and fwd are needed too, as the kernel drops a
// decrypted tunnel-mode packet that no inbound policy accepts. What
// selects traffic is routing, and the traffic selectors are not turned
// into policies. This is one set of policies per session, which DESIGN.md
// warns against, but it does not have the cost that warning is about:
// since Linux 5.0 inexact (prefix) policies live in bins keyed by (netns,
// if_id, family, direction, type) (struct xfrm_pol_inexact_key in
// net/xfrm/xfrm_policy.c), so inserting, deleting and looking up the
// policies of one if_id touches only that if_id's bin, whatever the number
// of sessions. The O(n) cost belongs to per-client policies that share a
// bin: specific selectors without if_id, which is what policy-based VPNs
// install. A rekey reuses the interface's policies (the new states have the
// same if_id and reqid, and the kernel sends on the newest outbound
// state); they change only when the peer's outer address does (a NAT
// rebinding), by XFRM_MSG_UPDPOLICY. strongSwan (if_id_in/if_id_out,
// %unique) and libreswan (ipsec-interface) do the same.
//
// # Ownership
//
// Everything the backend creates is marked: if_ids (and reqids) lie in
// IfIDBase+1..IfIDBase+MaxInterfaces, VRF devices are named VRFPrefix... with
// a table in TableBase..TableBase+MaxTables-1, routes have protocol
// RouteProtocol. New deletes the policies, states, XFRM interfaces and VRF
// devices so marked that an earlier run left, and Close deletes everything
// this run created; objects of other software (another if_id, table or
// name) are never touched. A removed interface's if_id is not reused while
// a state carrying it is installed.
//
// # What it must not do
//
// It must not import configdb, the CLI or the IKE engine, nor own sockets:
// the IKE engine's port-4500 socket must enable UDP_ENCAP_ESPINUDP for the
// kernel to decapsulate ESP-in-UDP. It does not program ACLs (InACL and
// OutACL are not enforced, ACLDrops stays zero), nor enslave physical
// interfaces to a front-door VRF. It never deletes an object it cannot
// prove it owns.
//
// # Netlink
//
// Every kernel operation goes through netlinkHandle, a small interface: the
// kernel one wraps a *netlink.Handle opened in the namespace Options.NetNS
// names, the tests' one records each request as a line of text. States are
// added with a request built here, as netlink v1.3 can express neither
// XFRM_STATE_AF_UNSPEC nor a replay window above 32 without ESN. Dumps
// interrupted by a concurrent change (NLM_F_DUMP_INTR, netlink's
// ErrDumpInterrupted) are read again, and policies are dumped one family at
// a time (netlink v1.3 reads ::/0 as 0.0.0.0/0 in a dump of both).
//
// # Events
//
// One goroutine listens to the kernel's XFRM_MSG_EXPIRE multicast group and
// reports each SA's soft and hard expiry once, whichever direction expired
// first. When notifications are lost (ENOBUFS), it reads the state table
// instead: a state that is gone was hard-expired, one past a soft limit is
// due for rekey.
//
// # Probe
//
// Probe creates an XFRM interface, a VRF device and an ESP state of each
// family in a namespace of its own, and says what is missing; "gatehouse
// run --dataplane auto" uses it to choose between this backend and the
// userspace one. Where the kernel lacks them, the tests golden-test the
// requests, send them to the kernel anyway (it validates a state request
// before it finds ESP missing, and installs policies without ESP), and
// skip, saying why, the test that installs sessions.
package xfrm
