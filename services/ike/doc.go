// Package ike is the IKEv2 engine (and later IKEv1): sockets on UDP 500 and
// 4500 per front-door VRF, a dispatcher by SPI, the IKE SA and child SA
// state machines, and the initiator the tests and the load generator use.
//
// It is built from sub-packages that know nothing of each other's state:
//
//	wire/   bytes <-> typed IKEv2 messages (RFC 7296, RFC 7383 fragments)
//	suite/  algorithms and key derivation (PRFs, prf+, DH groups, SK ciphers)
//
// The engine itself (this package) arrives with the IKEv2 responder work:
// see docs/dev/ike-plan.md for the plan it follows. It must never block a
// worker on AAA or the kernel: those answers come back as events.
//
// What it asks of AAA is declared in aaa.go and authz.go (EAP
// pass-through, AAA pre-shared keys, authorization, session events) and
// implemented by services/aaa; the engine's side is eap.go, aaapsk.go and
// observer.go. It owns no RADIUS state and opens no RADIUS socket.
package ike
