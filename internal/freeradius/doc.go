// Package freeradius runs a real FreeRADIUS 3.2 server for tests: the
// independently written RADIUS peer Gatehouse's AAA service is tested
// against (DESIGN.md, "Real peers for testing").
//
// It owns:
//
//   - Server: one freeradius process started by Start with a private
//     configuration directory under t.TempDir() (radiusd.conf, users file,
//     dictionary, certificates, detail file, log), on loopback or inside a
//     network namespace the caller created. It runs in the foreground as
//     the test's user (root in CI) and is stopped by its PID at cleanup;
//     Stop and Restart play a dead and a recovering server.
//   - What the server does: PAP, MS-CHAPv2 and, with Config.EAP, EAP-MD5,
//     EAP-MSCHAPv2 and EAP-TLS, all from one users file whose reply items
//     (Cisco-AVPair and the other Cisco VSAs included) go into the
//     Access-Accept; accounting to a detail file that Accounting and
//     WaitAccounting read back; an optional Delay (a slow back end) and
//     require_message_authenticator (BlastRADIUS).
//   - Credential: the EAP-TLS CA and server certificate, and client
//     certificates issued by the same CA, made with internal/peerkit
//     (which services/ike/interop shares, so its strongSwan clients take
//     them as they are).
//   - RadClient: /usr/bin/radclient, to send Access-, Accounting-, CoA-
//     and Disconnect-Requests (towards FreeRADIUS or towards Gatehouse's
//     dynamic-authorization port) and ParseReply to read what came back.
//
// Behaviour of FreeRADIUS 3.2.1 (Debian bookworm) the configuration
// corrects, so that tests see what a modern server does:
//
//   - 3.2.1 signs only replies carrying EAP-Message with a
//     Message-Authenticator. The post-auth section adds one to every
//     Access-Accept, Access-Reject and Access-Challenge.
//   - The files module fills the reply before authentication; without a
//     filter an Access-Reject would carry the user's reply items. Rejects
//     keep only EAP-Message, Message-Authenticator, Error-Cause,
//     Reply-Message, MS-CHAP-Error and Proxy-State (as the stock
//     attr_filter.access_reject does); challenges only what RFC 2865
//     allows in them.
//   - 3.2.1 predates the BlastRADIUS settings of 3.2.5
//     (limit_proxy_state, require_message_authenticator = auto): the
//     per-client require_message_authenticator = yes is all there is,
//     and it drops a request without the attribute without any answer.
//   - FreeRADIUS 3.2 has no rlm_delay; Delay is an exec of sleep in
//     authorize, which holds the request in its worker thread.
//
// Rules the harness keeps: it never reads or writes the host's
// /etc/freeradius configuration (radclient only reads its dictionary),
// listens only on loopback or inside the caller's namespace, and ends
// only the process it started. A missing FreeRADIUS fails the test with
// the package to install; it is never a skip. A test binary killed from
// outside (go test -timeout, SIGKILL) runs no cleanup: its freeradius
// keeps running on its loopback ports (or dies with its namespace's
// processes when the topology is torn down); its PID is in
// freeradius.pid in its configuration directory, for ending it by hand.
package freeradius
