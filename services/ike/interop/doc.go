// Package interop is the harness that runs Gatehouse against real,
// independently written peers (strongSwan clients; FreeRADIUS servers, via
// internal/freeradius) inside network namespaces the test creates and
// deletes itself.
//
// It owns:
//
//   - Topology: a set of uniquely named namespaces ("gh-" plus a random
//     suffix, so parallel runs never collide): one or more clients, a
//     headend and optionally a "nat" router that masquerades the clients'
//     192.168.100.0/24 behind its outside address 10.99.0.2. Without NAT the
//     clients sit directly on 10.99.0.0/24 (10.99.0.2, .3, ...). The headend
//     is always 10.99.0.1.
//   - Charon: a strongSwan charon started in one namespace with a private
//     /run, its own strongswan.conf, vici socket, swanctl directory, log
//     file and resolv.conf, driven with swanctl. It never touches the
//     host's /run/charon.* sockets or /etc/swanctl.
//   - InNamespace: runs a function on a thread inside a namespace, so Go
//     code opens sockets there (the data-path echo in the tests, the load
//     generator's initiators) without a helper process.
//   - Credential: CAs and end-entity certificates (RSA, ECDSA), written as
//     PEM for swanctl and DER for the head-end.
//
// The code lives in non-test files so that the load generator can reuse it;
// everything that needs a test's lifetime takes the small T interface,
// which *testing.T and *testing.B satisfy. T, Credential, the requirement
// check and the stopping and log reading of a peer's process are
// internal/peerkit's, shared with internal/freeradius.
//
// strongSwan's kernel-libipsec (the only ESP path on a kernel without XFRM)
// does ESP in UDP only, so its charon always fakes the NAT-D hashes: every
// charon here reports NAT and moves to port 4500 even on the direct
// topology, and a head-end facing it always sees a client "behind NAT".
// Tests that need a real NAT check the address the head-end sees
// (Topology.HeadendSees), not the NAT flags.
//
// A missing peer is a failure, not a skip: RequirePeers fails the test with
// the Debian package to install (scripts/install-test-deps.sh installs them
// all). Interop tests are meant to run in CI, where a silently skipped
// interop test would hide a regression.
//
// Safety rules the harness keeps: traffic only ever flows on loopback and
// on veth pairs between namespaces it created; Close ends only the
// processes running inside those namespaces, by PID, and never the test
// process itself; the namespaces (and with them every veth and TUN device)
// are deleted at cleanup. A test binary killed from outside (go test
// -timeout, SIGKILL) runs no cleanup and leaves its gh-* namespaces behind:
// remove them by hand (ip netns pids NAME, then ip netns del NAME) once no
// run owns them.
package interop
