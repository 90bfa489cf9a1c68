package negotiate

import (
	"strconv"
	"strings"

	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

// Transform IDs the wire package does not name.
const (
	encrDES             wire.TransformID = 2
	encrNullAuthAESGMAC wire.TransformID = 21
	authHMACMD596       wire.TransformID = 1
)

// Cipher is an encryption transform with its key length. KeyBits is 0 for
// ciphers of fixed key size, which are sent without a Key Length attribute
// (RFC 7296 3.3.5).
type Cipher struct {
	ID      wire.TransformID
	KeyBits uint16
}

// AEAD reports whether the cipher authenticates by itself, so that a
// proposal carrying it has no integrity algorithm (RFC 5282 8).
func (c Cipher) AEAD() bool {
	switch c.ID {
	case wire.ENCR_AES_GCM_8, wire.ENCR_AES_GCM_12, wire.ENCR_AES_GCM_16,
		wire.ENCR_CHACHA20_POLY1305, encrNullAuthAESGMAC:
		return true
	}
	return false
}

// variableKey reports whether the cipher needs a Key Length attribute.
func variableKey(id wire.TransformID) bool {
	switch id {
	case wire.ENCR_AES_CBC, wire.ENCR_AES_CTR, wire.ENCR_AES_GCM_8, wire.ENCR_AES_GCM_12,
		wire.ENCR_AES_GCM_16, encrNullAuthAESGMAC:
		return true
	}
	return false
}

// transform is the wire form of c.
func (c Cipher) transform() wire.Transform {
	t := wire.Transform{Type: wire.TransformENCR, ID: c.ID}
	if c.KeyBits != 0 {
		t.Attributes = []wire.Attribute{{Type: wire.AttrKeyLength, TV: true, Value: c.KeyBits}}
	}
	return t
}

// ikeCiphers maps "encryption" keywords of an IKEv2 proposal to the ciphers
// the suite package implements.
var ikeCiphers = map[string]Cipher{
	"aes-cbc-128":       {wire.ENCR_AES_CBC, 128},
	"aes-cbc-192":       {wire.ENCR_AES_CBC, 192},
	"aes-cbc-256":       {wire.ENCR_AES_CBC, 256},
	"aes-gcm-128":       {wire.ENCR_AES_GCM_16, 128},
	"aes-gcm-256":       {wire.ENCR_AES_GCM_16, 256},
	"chacha20-poly1305": {wire.ENCR_CHACHA20_POLY1305, 0},
	"3des":              {wire.ENCR_3DES, 0},
}

// ikePRFs and ikeIntegrity map the hash keywords of a proposal. md5 is
// accepted by the CLI but not implemented by the suite, so it is absent.
var ikePRFs = map[string]wire.TransformID{
	"sha1":   wire.PRF_HMAC_SHA1,
	"sha256": wire.PRF_HMAC_SHA2_256,
	"sha384": wire.PRF_HMAC_SHA2_384,
	"sha512": wire.PRF_HMAC_SHA2_512,
}

var ikeIntegrity = map[string]wire.TransformID{
	"sha1":   wire.AUTH_HMAC_SHA1_96,
	"sha256": wire.AUTH_HMAC_SHA2_256_128,
	"sha384": wire.AUTH_HMAC_SHA2_384_192,
	"sha512": wire.AUTH_HMAC_SHA2_512_256,
}

// dhGroups are the Diffie-Hellman groups the suite implements; IOS's group
// numbers are the IANA IDs. Groups 1 and 24 are configurable but absent.
var dhGroups = map[int]bool{2: true, 5: true, 14: true, 15: true, 16: true, 19: true, 20: true, 21: true, 31: true}

// espCiphers maps transform-set cipher keywords to ESP encryption IDs.
// "" (an authentication-only transform set) is ESP with ENCR_NULL.
var espCiphers = map[string]wire.TransformID{
	"esp-aes":  wire.ENCR_AES_CBC,
	"esp-gcm":  wire.ENCR_AES_GCM_16,
	"esp-gmac": encrNullAuthAESGMAC,
	"esp-3des": wire.ENCR_3DES,
	"esp-des":  encrDES,
	"esp-null": wire.ENCR_NULL,
	"":         wire.ENCR_NULL,
}

var espIntegrity = map[string]wire.TransformID{
	"esp-sha-hmac":    wire.AUTH_HMAC_SHA1_96,
	"esp-sha256-hmac": wire.AUTH_HMAC_SHA2_256_128,
	"esp-sha384-hmac": wire.AUTH_HMAC_SHA2_384_192,
	"esp-sha512-hmac": wire.AUTH_HMAC_SHA2_512_256,
	"esp-md5-hmac":    authHMACMD596,
}

// pfsGroup parses "group14" (schema.IPsecProfile.DHGroup) into an IANA ID.
func pfsGroup(s string) (wire.TransformID, bool) {
	n, err := strconv.Atoi(strings.TrimPrefix(s, "group"))
	if err != nil || !strings.HasPrefix(s, "group") || !dhGroups[n] {
		return 0, false
	}
	return wire.TransformID(n), true
}
