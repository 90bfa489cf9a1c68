// Package peerkit is what the test harnesses that run real, independently
// written peers share: internal/freeradius (FreeRADIUS) and
// services/ike/interop (strongSwan, the gatehouse daemon). It imports
// neither, and neither imports the other for what is here.
//
// It owns:
//
//   - T: the part of testing.TB a harness needs, so that *testing.T,
//     *testing.B and a standalone tool (the load generator) can drive one.
//   - Requirement and Missing: the files and commands a harness needs, each
//     with the Debian package that provides it, for a harness's Require to
//     fail (never skip) with what to install.
//   - Credential: CAs and end-entity certificates (ECDSA P-256 or RSA
//     2048) made with crypto/x509, in the encodings the peers read (PEM for
//     OpenSSL, FreeRADIUS and swanctl; DER for the head-end's files).
//   - The life of a peer's process as a harness sees it: Terminate ends
//     one the harness started, LogTail reads the end of its log for a
//     failing test.
//
// Nothing here starts a peer or knows one's configuration: that stays in
// the harness that runs it.
package peerkit
