// Package suite holds the IKEv2 cryptographic algorithms and key
// derivation: the transform IDs Gatehouse accepts (RFC 7296 section 3.3.2,
// RFC 8247), the PRFs and prf+ (RFC 7296 section 2.13), SKEYSEED and the
// SK_* keys of an IKE SA, rekeyed IKE SAs and Child SA KEYMAT (sections
// 2.14, 2.17, 2.18), the Diffie-Hellman groups (MODP of RFC 2409/3526, ECP
// of RFC 5903, Curve25519 of RFC 8031/7748) and the protection of the SK
// payload body (section 3.14 with CBC+HMAC, RFC 5282 AES-GCM, RFC 7634
// ChaCha20-Poly1305).
//
// It owns algorithms only: it must not keep SA state, touch sockets or parse
// messages. The caller (the SA code) builds the IKE header and SK payload
// header, hands their bytes in as associated data, and gives the decrypted
// payload chain to the wire package. Values are plain byte slices; a Cipher
// is bound to one direction's keys and is safe for concurrent use.
//
// Everything that reads bytes from a peer (public values, SK payload
// bodies) returns an error on malformed input and never panics.
package suite
