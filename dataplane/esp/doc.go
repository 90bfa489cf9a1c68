// Package esp is the ESP (RFC 4303) packet codec of the userspace data
// plane: it turns a payload into one protected ESP packet for one SA
// (Outbound.Seal) and checks, decrypts and de-pads an ESP packet
// (Inbound.Open), with the sequence number, IV and anti-replay rules that
// go with them.
//
// # What it owns
//
// The byte layout of an ESP packet, from the SPI to the ICV:
//
//	SPI (4) | Sequence Number (4) | IV | ciphertext of
//	    payload | padding 1,2,3... | pad length | next header
//	| ICV
//
// the transforms the IKE engine negotiates for child SAs (AES-GCM-16 and
// ChaCha20-Poly1305 as combined modes, RFC 4106 and RFC 7634; AES-CBC and
// 3DES-CBC with HMAC-SHA1-96 or HMAC-SHA2, RFC 3602, RFC 2404, RFC 4868),
// 32-bit and extended 64-bit sequence numbers (RFC 4303 section 2.2.1 and
// Appendix A), the outbound counter, and the inbound anti-replay window.
//
// Combined-mode IVs are the 64-bit sequence number, which Seal never
// reuses, so an IV never repeats under a key; CBC IVs are random.
// Sealing refuses to wrap the counter: after sequence number 2^32-1
// (2^64-1 with ESN) Seal returns ErrSequenceExhausted and the SA must be
// rekeyed.
//
// Open follows RFC 4303 section 3.4.3: a replay pre-check on the
// sequence number (inferring its high half from the window with ESN,
// Appendix A2), then the integrity check, and only then the window update.
// With ESN, a run of consecutive integrity failures makes Open try the
// next few high halves on one failing packet (Appendix A3), so that a loss
// of 2^32 packets does not blind the SA for good. Padding is checked
// (1, 2, 3...) after authentication and a bad one counts as malformed.
// A dummy packet (next header 59, NoNextHeader) is returned like any other
// for the caller to drop.
//
// Errors on the packet path are the unwrapped sentinels ErrReplay,
// ErrAuth, ErrMalformed and ErrSequenceExhausted, so that callers count
// drops with errors.Is and a flood of bad packets allocates nothing.
//
// # What it must not do
//
// No I/O, no kernel, no clocks, no logging: it works on byte slices the
// caller owns. It knows nothing of IKE, sessions, interfaces or routes:
// an SA is a Config of transform IDs and keys. The IDs and key lengths
// are those of services/ike/suite (the algorithm tables the IKE engine
// derives keys with), so the two cannot disagree; nothing else of IKE is
// imported. Lifetimes, counters and SA lookup belong to the backend
// (SPI only reads the field for it).
//
// # Performance and concurrency
//
// Outbound and Inbound are safe for concurrent use. A head-end holds
// thousands of SAs, most of them idle, so an SA keeps a copy of its keys
// and schedules them on its first packet (NewOutbound and NewInbound
// schedule them once, and drop the result, so that a cipher the process
// refuses is reported there): an idle AES-GCM SA pair costs a few
// hundred bytes of heap rather than a few KiB. Per-call scratch comes
// from a sync.Pool, so Seal and Open do not allocate when dst has room:
// one pool shared by every SA for the combined modes' nonces, whose
// scratch holds nothing keyed, and one per CBC SA for its keyed HMAC
// state and CBC modes. The inbound window is behind a mutex held only
// for the window arithmetic, never across the cryptography; a packet
// that two goroutines open at once is delivered by one of them.
package esp
