// Package wire converts IKEv2 messages between bytes and typed Go values
// (RFC 7296 section 3, with the SKF payload of RFC 7383).
//
// It owns the layout: the fixed header, the generic payload header and the
// next-payload chain, every payload body, the proposal/transform/attribute
// substructures, and the structural checks that go with them (lengths,
// counts, the chain ending where the datagram ends). ParseHeader gives the
// dispatcher SPIs, exchange, flags and message ID without touching the
// payloads, and StripNonESPMarker separates IKE from ESP on UDP 4500.
//
// It must not do crypto, keep state or touch sockets. The SK and SKF
// payloads carry their encrypted bytes untouched; the SA code decrypts them
// and hands the plaintext back to ParsePayloads. Semantic rules that depend
// on the exchange (which payloads an IKE_SA_INIT must carry, nonce sizes,
// proposal numbering) belong to the state machine, not here.
//
// Parsed values alias the input buffer (no copies, so parsing allocates in
// proportion to the number of payloads, never to a length read off the
// wire); callers that keep a message after reusing the buffer must copy it.
// Errors wrap one of the Err* sentinels and name the payload and the byte
// offset that failed; an unknown payload with the critical bit set yields an
// *UnsupportedCriticalPayloadError so the engine can answer
// UNSUPPORTED_CRITICAL_PAYLOAD.
package wire
