// Package frag protects IKE messages: it seals a payload chain into an SK
// payload (RFC 7296 section 3.14), splits it into SKF fragments when the
// datagram would not fit the path MTU (RFC 7383), and opens and reassembles
// what the peer sends.
//
// It sits between the wire codec, which owns the byte layout and never does
// crypto, and suite.Cipher, which protects an SK body given the associated
// data. The one subtle thing this package owns is that associated data: for
// both SK and SKF it is every byte of the message before the IV, taken from
// the encoded message on send and from the received datagram on receipt, so
// the two sides cannot disagree about what is authenticated. For SKF that
// includes Fragment Number and Total Fragments (RFC 7383 section 2.5), so a
// fragment cannot be renumbered.
//
// Seal, SealFragments and Open keep no state. A Reassembler holds the
// fragments of one message in one direction of one IKE SA and is not safe
// for concurrent use: it belongs to the goroutine that owns the SA. Each
// fragment is verified before it is stored (RFC 7383 section 2.6), so a
// forged fragment can neither displace nor poison a genuine one.
//
// Errors wrap ErrIntegrity, ErrNotProtected, ErrFragment or ErrBadFragment,
// so the engine can pick its reaction (drop silently, count, or route to a
// Reassembler) with errors.Is.
package frag
