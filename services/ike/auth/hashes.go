package auth

import (
	"crypto"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

// HashIdentity is the "Identity" value of SIGNATURE_HASH_ALGORITHMS (RFC
// 8420): the signature algorithm hashes internally, as Ed25519 does. The
// wire package does not define it, so it lives here.
const HashIdentity wire.HashAlgorithm = 5

// supportedHashes is what we announce, strongest last; SHA-1 is left out
// (RFC 8247 says it MUST NOT be used for new signatures).
var supportedHashes = []wire.HashAlgorithm{wire.HashSHA2_256, wire.HashSHA2_384, wire.HashSHA2_512}

// SupportedHashes is what we announce in SIGNATURE_HASH_ALGORITHMS:
// SHA2-256, SHA2-384 and SHA2-512. Identity is not announced, so peers will
// not send us Ed25519 signatures; see Sign for what that means for ours.
func SupportedHashes() []wire.HashAlgorithm {
	return slices.Clone(supportedHashes)
}

// defaultAllowed is Verify's hash policy when the caller gives none.
var defaultAllowed = supportedHashes

// cryptoHash maps an RFC 7427 hash value to the Go hash.
func cryptoHash(h wire.HashAlgorithm) (crypto.Hash, bool) {
	switch h {
	case wire.HashSHA1:
		return crypto.SHA1, true
	case wire.HashSHA2_256:
		return crypto.SHA256, true
	case wire.HashSHA2_384:
		return crypto.SHA384, true
	case wire.HashSHA2_512:
		return crypto.SHA512, true
	}
	return 0, false
}

func hashName(h wire.HashAlgorithm) string {
	switch h {
	case wire.HashSHA1:
		return "SHA1"
	case wire.HashSHA2_256:
		return "SHA2-256"
	case wire.HashSHA2_384:
		return "SHA2-384"
	case wire.HashSHA2_512:
		return "SHA2-512"
	case HashIdentity:
		return "Identity"
	}
	return fmt.Sprintf("hash(%d)", uint16(h))
}

// digest hashes msg with h, which must be available.
func digest(h crypto.Hash, msg []byte) []byte {
	d := h.New()
	d.Write(msg)
	return d.Sum(nil)
}

// EncodeHashAlgorithms is the SIGNATURE_HASH_ALGORITHMS notify data: each
// value as two octets in network order.
func EncodeHashAlgorithms(hs []wire.HashAlgorithm) []byte {
	b := make([]byte, 0, 2*len(hs))
	for _, h := range hs {
		b = binary.BigEndian.AppendUint16(b, uint16(h))
	}
	return b
}

// DecodeHashAlgorithms parses SIGNATURE_HASH_ALGORITHMS notify data. Values
// we do not know are kept (the caller intersects with what it supports); an
// odd length is malformed.
func DecodeHashAlgorithms(data []byte) ([]wire.HashAlgorithm, error) {
	if len(data)%2 != 0 {
		return nil, fmt.Errorf("auth: SIGNATURE_HASH_ALGORITHMS data of odd length %d", len(data))
	}
	hs := make([]wire.HashAlgorithm, 0, len(data)/2)
	for i := 0; i < len(data); i += 2 {
		hs = append(hs, wire.HashAlgorithm(binary.BigEndian.Uint16(data[i:])))
	}
	return hs, nil
}
