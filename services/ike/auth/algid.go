package auth

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"

	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

// scheme is how a method 14 signature is computed over the signed octets.
type scheme uint8

const (
	schemePKCS1   scheme = iota + 1 // RSASSA-PKCS1-v1_5
	schemePSS                       // RSASSA-PSS, MGF1 with the same hash, salt = hash length
	schemeECDSA                     // ECDSA, signature DER-encoded
	schemeEd25519                   // pure Ed25519 over the octets themselves
)

// sigAlg is what an RFC 7427 AlgorithmIdentifier names. hash is
// HashIdentity for Ed25519.
type sigAlg struct {
	scheme scheme
	hash   wire.HashAlgorithm
}

func (a sigAlg) String() string {
	switch a.scheme {
	case schemePKCS1:
		return "RSA PKCS#1 v1.5 with " + hashName(a.hash)
	case schemePSS:
		return "RSASSA-PSS with " + hashName(a.hash)
	case schemeECDSA:
		return "ECDSA with " + hashName(a.hash)
	case schemeEd25519:
		return "Ed25519"
	}
	return "unknown signature algorithm"
}

var (
	oidSHA1WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}
	oidSHA256WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidRSASSAPSS     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidMGF1          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	oidECDSAWithSHA1 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}
	oidECDSAWithSHA2 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA3 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSAWithSHA5 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidEd25519       = asn1.ObjectIdentifier{1, 3, 101, 112}
	oidSHA1          = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
)

// oidTable maps the single-OID algorithms (everything but PSS, whose hash
// is in its parameters) both ways.
var oidTable = []struct {
	oid asn1.ObjectIdentifier
	alg sigAlg
}{
	{oidSHA1WithRSA, sigAlg{schemePKCS1, wire.HashSHA1}},
	{oidSHA256WithRSA, sigAlg{schemePKCS1, wire.HashSHA2_256}},
	{oidSHA384WithRSA, sigAlg{schemePKCS1, wire.HashSHA2_384}},
	{oidSHA512WithRSA, sigAlg{schemePKCS1, wire.HashSHA2_512}},
	{oidECDSAWithSHA1, sigAlg{schemeECDSA, wire.HashSHA1}},
	{oidECDSAWithSHA2, sigAlg{schemeECDSA, wire.HashSHA2_256}},
	{oidECDSAWithSHA3, sigAlg{schemeECDSA, wire.HashSHA2_384}},
	{oidECDSAWithSHA5, sigAlg{schemeECDSA, wire.HashSHA2_512}},
	{oidEd25519, sigAlg{schemeEd25519, HashIdentity}},
}

var hashOIDs = []struct {
	oid  asn1.ObjectIdentifier
	hash wire.HashAlgorithm
}{
	{oidSHA1, wire.HashSHA1},
	{oidSHA256, wire.HashSHA2_256},
	{oidSHA384, wire.HashSHA2_384},
	{oidSHA512, wire.HashSHA2_512},
}

// pssParams is RSASSA-PSS-params (RFC 4055 section 3.1). Every field is
// optional on input; absent ones take the SHA-1 defaults, which we refuse.
type pssParams struct {
	Hash         pkix.AlgorithmIdentifier `asn1:"optional,explicit,tag:0"`
	MGF          pkix.AlgorithmIdentifier `asn1:"optional,explicit,tag:1"`
	SaltLength   int                      `asn1:"optional,explicit,tag:2,default:20"`
	TrailerField int                      `asn1:"optional,explicit,tag:3,default:1"`
}

// encodeAlgID is the DER AlgorithmIdentifier for a. RSA algorithms carry
// NULL parameters (RFC 4055), ECDSA and Ed25519 none (RFC 5758, RFC 8410),
// PSS its full parameters with the trailer field left at its default.
func encodeAlgID(a sigAlg) ([]byte, error) {
	if a.scheme == schemePSS {
		var hashOID asn1.ObjectIdentifier
		for _, h := range hashOIDs {
			if h.hash == a.hash {
				hashOID = h.oid
			}
		}
		hc, ok := cryptoHash(a.hash)
		if hashOID == nil || !ok {
			return nil, fmt.Errorf("auth: no RSASSA-PSS encoding for %s", hashName(a.hash))
		}
		hashID := pkix.AlgorithmIdentifier{Algorithm: hashOID, Parameters: asn1.NullRawValue}
		hashDER, err := asn1.Marshal(hashID)
		if err != nil {
			return nil, err
		}
		params, err := asn1.Marshal(pssParams{
			Hash:         hashID,
			MGF:          pkix.AlgorithmIdentifier{Algorithm: oidMGF1, Parameters: asn1.RawValue{FullBytes: hashDER}},
			SaltLength:   hc.Size(),
			TrailerField: 1,
		})
		if err != nil {
			return nil, err
		}
		return asn1.Marshal(pkix.AlgorithmIdentifier{Algorithm: oidRSASSAPSS, Parameters: asn1.RawValue{FullBytes: params}})
	}
	for _, e := range oidTable {
		if e.alg != a {
			continue
		}
		id := pkix.AlgorithmIdentifier{Algorithm: e.oid}
		if a.scheme == schemePKCS1 {
			id.Parameters = asn1.NullRawValue
		}
		return asn1.Marshal(id)
	}
	return nil, fmt.Errorf("auth: no AlgorithmIdentifier for %s", a)
}

var errTrailing = errors.New("trailing data")

// parseAlgID reads an RFC 7427 AlgorithmIdentifier. It accepts absent or
// NULL parameters where none carry meaning (RFC 4055 asks receivers to
// take both for the RSA OIDs) and refuses anything else.
func parseAlgID(der []byte) (sigAlg, error) {
	var id pkix.AlgorithmIdentifier
	if rest, err := asn1.Unmarshal(der, &id); err != nil {
		return sigAlg{}, fmt.Errorf("AlgorithmIdentifier: %w", err)
	} else if len(rest) != 0 {
		return sigAlg{}, fmt.Errorf("AlgorithmIdentifier: %w", errTrailing)
	}
	if id.Algorithm.Equal(oidRSASSAPSS) {
		return parsePSS(id.Parameters)
	}
	for _, e := range oidTable {
		if !id.Algorithm.Equal(e.oid) {
			continue
		}
		if !nullOrAbsent(id.Parameters) {
			return sigAlg{}, fmt.Errorf("AlgorithmIdentifier %s: unexpected parameters", e.alg)
		}
		return e.alg, nil
	}
	return sigAlg{}, fmt.Errorf("unsupported signature algorithm %s", id.Algorithm)
}

func nullOrAbsent(p asn1.RawValue) bool {
	if len(p.FullBytes) == 0 {
		return true
	}
	return p.Tag == asn1.TagNull && p.Class == asn1.ClassUniversal && len(p.Bytes) == 0
}

// parseHashID reads a hash AlgorithmIdentifier inside PSS parameters.
func parseHashID(id pkix.AlgorithmIdentifier) (wire.HashAlgorithm, error) {
	if !nullOrAbsent(id.Parameters) {
		return 0, errors.New("hash with parameters")
	}
	for _, h := range hashOIDs {
		if id.Algorithm.Equal(h.oid) {
			return h.hash, nil
		}
	}
	return 0, fmt.Errorf("unsupported hash %s", id.Algorithm)
}

// parsePSS accepts RSASSA-PSS with SHA2-256/384/512, MGF1 with the same
// hash, a salt as long as the hash and the standard trailer field: the
// combinations RFC 7427 and RFC 8247 expect. Absent parameters mean SHA-1
// throughout and are refused.
func parsePSS(raw asn1.RawValue) (sigAlg, error) {
	if len(raw.FullBytes) == 0 {
		return sigAlg{}, errors.New("RSASSA-PSS without parameters (SHA-1 defaults) refused")
	}
	var p pssParams
	if rest, err := asn1.Unmarshal(raw.FullBytes, &p); err != nil {
		return sigAlg{}, fmt.Errorf("RSASSA-PSS parameters: %w", err)
	} else if len(rest) != 0 {
		return sigAlg{}, fmt.Errorf("RSASSA-PSS parameters: %w", errTrailing)
	}
	if len(p.Hash.Algorithm) == 0 {
		return sigAlg{}, errors.New("RSASSA-PSS with default hash (SHA-1) refused")
	}
	h, err := parseHashID(p.Hash)
	if err != nil {
		return sigAlg{}, fmt.Errorf("RSASSA-PSS: %w", err)
	}
	if h == wire.HashSHA1 {
		return sigAlg{}, errors.New("RSASSA-PSS with SHA-1 refused")
	}
	if !p.MGF.Algorithm.Equal(oidMGF1) {
		return sigAlg{}, fmt.Errorf("RSASSA-PSS: unsupported mask generation %s", p.MGF.Algorithm)
	}
	var mgfHash pkix.AlgorithmIdentifier
	if rest, err := asn1.Unmarshal(p.MGF.Parameters.FullBytes, &mgfHash); err != nil || len(rest) != 0 {
		return sigAlg{}, errors.New("RSASSA-PSS: malformed MGF1 hash")
	}
	if mh, err := parseHashID(mgfHash); err != nil || mh != h {
		return sigAlg{}, fmt.Errorf("RSASSA-PSS: MGF1 hash differs from %s", hashName(h))
	}
	hc, _ := cryptoHash(h)
	if p.SaltLength != hc.Size() {
		return sigAlg{}, fmt.Errorf("RSASSA-PSS: salt length %d, want %d", p.SaltLength, hc.Size())
	}
	if p.TrailerField != 1 {
		return sigAlg{}, fmt.Errorf("RSASSA-PSS: trailer field %d", p.TrailerField)
	}
	return sigAlg{schemePSS, h}, nil
}
