package suite

// Transform IDs from the IANA "IKEv2 Parameters" registry. They are plain
// ints so that the wire package and configuration can pass them through
// unchanged; an unknown ID is an error at the point of use.
const (
	// Encryption algorithms (transform type 1). Also valid for ESP.
	Encr3DES             = 3
	EncrAESCBC           = 12
	EncrAESGCM16         = 20
	EncrChaCha20Poly1305 = 28

	// Pseudorandom functions (transform type 2).
	PRFHMACSHA1    = 2
	PRFHMACSHA2256 = 5
	PRFHMACSHA2384 = 6
	PRFHMACSHA2512 = 7

	// Integrity algorithms (transform type 3). IntegNone is the value for
	// AEAD ciphers.
	IntegNone           = 0
	IntegHMACSHA196     = 2
	IntegHMACSHA2256128 = 12
	IntegHMACSHA2384192 = 13
	IntegHMACSHA2512256 = 14

	// Diffie-Hellman groups (transform type 4).
	DHModp1024   = 2
	DHModp1536   = 5
	DHModp2048   = 14
	DHModp3072   = 15
	DHModp4096   = 16
	DHECP256     = 19
	DHECP384     = 20
	DHECP521     = 21
	DHCurve25519 = 31
)
