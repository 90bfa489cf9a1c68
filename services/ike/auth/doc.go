// Package auth is IKEv2 peer authentication (RFC 7296 section 2.15): the
// octets each side signs, pre-shared key AUTH values, signatures in the
// AUTH payload (RSA method 1, ECDSA methods 9/10/11 of RFC 4754, and the
// Digital Signature method 14 of RFC 7427 with RSA PKCS#1 v1.5, RSASSA-PSS,
// ECDSA and Ed25519), the SIGNATURE_HASH_ALGORITHMS notify data, and the
// certificate side: chain validation, CERTREQ hashes and whether an ID
// payload is backed by a certificate.
//
// Everything here is a pure function of its arguments: the package keeps no
// state, opens no files and never looks at the system trust store (roots are
// always passed in). The engine decides policy (which methods a profile
// accepts, which CAs it trusts); this package only computes and checks.
//
// Secret comparisons (the PSK AUTH value) are constant-time. Every function
// that reads bytes from a peer (AUTH data, CERTREQ data, notify data, ID
// payloads) returns an error or false on malformed input and never panics.
// Verification failures wrap ErrAuthFailed, so the engine can answer
// AUTHENTICATION_FAILED whatever the detail.
package auth
