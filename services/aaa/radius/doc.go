// Package radius is the RADIUS client of the AAA service: it sends
// Access-Requests and Accounting-Requests to the servers of a server group
// and returns the first valid answer, with IOS's retransmission, dead-server
// and failover behaviour, and keeps the per-server counters of "show aaa
// servers" and the "debug radius" lines of seed 001.
//
// # What it owns
//
//   - The transport: one UDP socket per server and port (auth, acct) on an
//     ephemeral port, the 256 RADIUS identifiers of each socket (a request
//     waits when all are in flight), timeouts, retransmissions, failover to
//     the next server of the group, dead criteria and deadtime (Client,
//     Exchange, ExchangeServer for the later rounds of an EAP
//     conversation). The packet encoding is layeh.com/radius's; the
//     sockets, identifiers and timers are ours.
//   - The packet security (BlastRADIUS, CVE-2024-3596): a
//     Message-Authenticator first in every Access-Request; answers are
//     dropped and counted unless their Response Authenticator is right, and,
//     for every answer to an Access-Request, their Message-Authenticator is
//     present and right; also dropped: answers with an identifier no
//     request waits for and datagrams from another address than the
//     server's. Comparisons are constant-time. Seed 001 was captured before
//     these rules: its Access-Accept at line 500 has no Message-Authenticator
//     and would be dropped here, and its Access-Requests carry the attribute
//     late or not at all, where this client sends it first.
//   - The attributes the AAA service needs decoded or built: Cisco
//     AV-pairs, EAP-Message and State, Tunnel-Password, the MS-MPPE keys
//     that make the EAP MSK.
//   - The text: RenderServers ("show aaa servers") and the debug lines
//     (DebugLines and the lines Exchange emits through Options.Debug).
//
// # What it must not do
//
// It reads no configuration store and knows no method lists: the AAA
// service turns "radius server", "aaa group server radius" and the
// radius-server globals into a Config, builds the special group "radius"
// (every server in creation order), and decides what a reject or
// ErrNoServer means (the next method of the list). It does not build
// requests (which attributes a login, an EAP step or an accounting record
// carries is the AAA service's business) and it does not interpret answers
// beyond validating them. It never blocks a caller beyond the caller's
// context, and it never logs secrets, passwords or keys: hidden attributes
// print as "*". Dynamic authorization (PoD/CoA, the server side of RFC
// 5176) is not here; it may reuse DebugLines.
package radius
