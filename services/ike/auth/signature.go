package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"

	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

// ErrAuthFailed is wrapped by every error Verify and VerifyChain return; the
// rest of the message says why.
var ErrAuthFailed = errors.New("auth: authentication failed")

// SignOptions are the signer's choices beyond what the peer announced.
type SignOptions struct {
	// RSAPSS signs with RSASSA-PSS (MGF1 with the same hash, salt as long as
	// the hash) instead of PKCS#1 v1.5 when the Digital Signature method is
	// used. It has no effect on method 1, which is PKCS#1 v1.5 by definition.
	RSAPSS bool
}

// Sign produces the AUTH payload method and data for key (an RSA, ECDSA
// P-256/P-384/P-521 or Ed25519 private key as a crypto.Signer) over the
// signed octets. It is SignWithOptions with the default options.
//
// peerHashes are the hashes the peer announced in SIGNATURE_HASH_ALGORITHMS
// (nil if it sent none). When they have a SHA-2 hash in common with ours, the
// Digital Signature method (14, RFC 7427) is used with the hash that matches
// the key (SHA2-256 for RSA and P-256, SHA2-384 for P-384, SHA2-512 for
// P-521) or, if the peer did not offer that one, the strongest common hash.
// Otherwise RSA keys use method 1 and ECDSA keys methods 9/10/11 (RFC 4754).
//
// Method 1 is RSASSA-PKCS1-v1_5 over SHA-1: RFC 7296 names the padding but
// not the hash, and SHA-1 is what strongSwan, Cisco IOS and Windows use and
// expect, so it is the only interoperable choice. That is why method 14 is
// preferred whenever the peer allows it.
//
// Ed25519 exists only as method 14 (RFC 8420), and RFC 8420 lets us use it
// only if the peer announced the Identity hash; without that, Sign returns
// an error rather than an AUTH payload the peer cannot check.
func Sign(key crypto.Signer, peerHashes []wire.HashAlgorithm, signed []byte, rand io.Reader) (wire.AuthMethod, []byte, error) {
	return SignWithOptions(key, peerHashes, signed, rand, SignOptions{})
}

// SignWithOptions is Sign with explicit options.
func SignWithOptions(key crypto.Signer, peerHashes []wire.HashAlgorithm, signed []byte, rand io.Reader, opts SignOptions) (wire.AuthMethod, []byte, error) {
	if key == nil {
		return 0, nil, errors.New("auth: sign: no private key")
	}
	switch pub := key.Public().(type) {
	case *rsa.PublicKey:
		if h, ok := pickHash(peerHashes, wire.HashSHA2_256); ok {
			alg := sigAlg{schemePKCS1, h}
			if opts.RSAPSS {
				alg.scheme = schemePSS
			}
			return signDigital(key, alg, signed, rand)
		}
		sig, err := key.Sign(rand, digest(crypto.SHA1, signed), crypto.SHA1)
		if err != nil {
			return 0, nil, fmt.Errorf("auth: RSA signature: %w", err)
		}
		return wire.AuthRSASignature, sig, nil
	case *ecdsa.PublicKey:
		c, ok := ecdsaCurveOf(pub)
		if !ok {
			return 0, nil, fmt.Errorf("auth: sign: unsupported ECDSA curve %s", curveName(pub))
		}
		if h, ok := pickHash(peerHashes, c.hash); ok {
			return signDigital(key, sigAlg{schemeECDSA, h}, signed, rand)
		}
		hc, _ := cryptoHash(c.hash)
		der, err := key.Sign(rand, digest(hc, signed), hc)
		if err != nil {
			return 0, nil, fmt.Errorf("auth: ECDSA signature: %w", err)
		}
		rs, err := derToRS(der, c.size)
		if err != nil {
			return 0, nil, fmt.Errorf("auth: ECDSA signature: %w", err)
		}
		return c.method, rs, nil
	case ed25519.PublicKey:
		if !slices.Contains(peerHashes, HashIdentity) {
			return 0, nil, errors.New("auth: sign: Ed25519 needs the peer to announce the Identity hash (RFC 8420)")
		}
		return signDigital(key, sigAlg{schemeEd25519, HashIdentity}, signed, rand)
	default:
		return 0, nil, fmt.Errorf("auth: sign: unsupported key type %T", pub)
	}
}

// pickHash chooses the method 14 hash: preferred if the peer offered it,
// else the strongest SHA-2 hash both sides support.
func pickHash(peer []wire.HashAlgorithm, preferred wire.HashAlgorithm) (wire.HashAlgorithm, bool) {
	if slices.Contains(peer, preferred) {
		return preferred, true
	}
	for _, h := range slices.Backward(supportedHashes) {
		if slices.Contains(peer, h) {
			return h, true
		}
	}
	return 0, false
}

// signDigital builds method 14 data: the AlgorithmIdentifier's length in
// one octet, the AlgorithmIdentifier, then the signature (RFC 7427 section 3).
func signDigital(key crypto.Signer, alg sigAlg, signed []byte, rand io.Reader) (wire.AuthMethod, []byte, error) {
	id, err := encodeAlgID(alg)
	if err != nil {
		return 0, nil, err
	}
	var sig []byte
	if alg.scheme == schemeEd25519 {
		sig, err = key.Sign(rand, signed, crypto.Hash(0))
	} else {
		hc, _ := cryptoHash(alg.hash)
		var opts crypto.SignerOpts = hc
		if alg.scheme == schemePSS {
			opts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: hc}
		}
		sig, err = key.Sign(rand, digest(hc, signed), opts)
	}
	if err != nil {
		return 0, nil, fmt.Errorf("auth: %s signature: %w", alg, err)
	}
	out := make([]byte, 0, 1+len(id)+len(sig))
	out = append(out, byte(len(id)))
	out = append(out, id...)
	return wire.AuthDigitalSignature, append(out, sig...), nil
}

// ecdsaCurve ties a curve to its RFC 4754 method, hash and coordinate size.
type ecdsaCurve struct {
	curve  elliptic.Curve
	method wire.AuthMethod
	hash   wire.HashAlgorithm
	size   int
}

var ecdsaCurves = []ecdsaCurve{
	{elliptic.P256(), wire.AuthECDSASHA256P256, wire.HashSHA2_256, 32},
	{elliptic.P384(), wire.AuthECDSASHA384P384, wire.HashSHA2_384, 48},
	{elliptic.P521(), wire.AuthECDSASHA512P521, wire.HashSHA2_512, 66},
}

func ecdsaCurveOf(pub *ecdsa.PublicKey) (ecdsaCurve, bool) {
	if pub == nil || pub.Curve == nil {
		return ecdsaCurve{}, false
	}
	for _, c := range ecdsaCurves {
		if pub.Curve == c.curve {
			return c, true
		}
	}
	return ecdsaCurve{}, false
}

func curveName(pub *ecdsa.PublicKey) string {
	if pub == nil || pub.Curve == nil || pub.Curve.Params() == nil {
		return "(none)"
	}
	return pub.Curve.Params().Name
}

// ecdsaSig is the DER form of an ECDSA signature (RFC 5480, RFC 7427).
type ecdsaSig struct{ R, S *big.Int }

// derToRS converts a DER ECDSA signature to RFC 4754's r|s, each
// left-padded to the coordinate size.
func derToRS(der []byte, size int) ([]byte, error) {
	var s ecdsaSig
	if rest, err := asn1.Unmarshal(der, &s); err != nil || len(rest) != 0 {
		return nil, errors.New("malformed DER signature from signer")
	}
	if s.R.Sign() <= 0 || s.S.Sign() <= 0 || s.R.BitLen() > 8*size || s.S.BitLen() > 8*size {
		return nil, errors.New("signer returned out-of-range r or s")
	}
	out := make([]byte, 2*size)
	s.R.FillBytes(out[:size])
	s.S.FillBytes(out[size:])
	return out, nil
}

func methodName(m wire.AuthMethod) string {
	switch m {
	case wire.AuthRSASignature:
		return "RSA Digital Signature"
	case wire.AuthSharedKeyMIC:
		return "Shared Key Message Integrity Code"
	case wire.AuthDSSSignature:
		return "DSS Digital Signature"
	case wire.AuthECDSASHA256P256:
		return "ECDSA with SHA-256 on P-256"
	case wire.AuthECDSASHA384P384:
		return "ECDSA with SHA-384 on P-384"
	case wire.AuthECDSASHA512P521:
		return "ECDSA with SHA-512 on P-521"
	case wire.AuthDigitalSignature:
		return "Digital Signature"
	}
	return fmt.Sprintf("method %d", m)
}

// Verify checks an AUTH payload of method 1, 9, 10, 11 or 14 against pub,
// the public key from the peer's (already validated) certificate. Method 1
// is PKCS#1 v1.5 over SHA-1, as Sign explains; whether to accept method 1
// at all is the caller's policy.
//
// allowed restricts the hashes accepted in method 14; nil or empty means
// SHA2-256, SHA2-384 and SHA2-512, so SHA-1 is refused unless listed.
// Ed25519 has no separate hash and is accepted when allowed is empty or
// lists HashIdentity. Any failure wraps ErrAuthFailed.
func Verify(pub crypto.PublicKey, method wire.AuthMethod, data, signed []byte, allowed []wire.HashAlgorithm) error {
	if err := verify(pub, method, data, signed, allowed); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrAuthFailed, methodName(method), err)
	}
	return nil
}

var errBadSignature = errors.New("signature does not verify")

func verify(pub crypto.PublicKey, method wire.AuthMethod, data, signed []byte, allowed []wire.HashAlgorithm) error {
	switch method {
	case wire.AuthRSASignature:
		return verifyAlg(pub, sigAlg{schemePKCS1, wire.HashSHA1}, data, signed)
	case wire.AuthECDSASHA256P256, wire.AuthECDSASHA384P384, wire.AuthECDSASHA512P521:
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return fmt.Errorf("peer key is %s, not ECDSA", keyTypeName(pub))
		}
		c, ok := ecdsaCurveOf(k)
		if !ok || c.method != method {
			return fmt.Errorf("peer key is on curve %s", curveName(k))
		}
		if len(data) != 2*c.size {
			return fmt.Errorf("signature of %d bytes, want %d", len(data), 2*c.size)
		}
		r := new(big.Int).SetBytes(data[:c.size])
		s := new(big.Int).SetBytes(data[c.size:])
		hc, _ := cryptoHash(c.hash)
		if !ecdsa.Verify(k, digest(hc, signed), r, s) {
			return errBadSignature
		}
		return nil
	case wire.AuthDigitalSignature:
		if len(data) < 1 || len(data) < 1+int(data[0]) {
			return fmt.Errorf("AUTH data of %d bytes is too short", len(data))
		}
		n := int(data[0])
		alg, err := parseAlgID(data[1 : 1+n])
		if err != nil {
			return err
		}
		if !hashAllowed(alg.hash, allowed) {
			return fmt.Errorf("%s: hash %s not allowed", alg, hashName(alg.hash))
		}
		if err := verifyAlg(pub, alg, data[1+n:], signed); err != nil {
			return fmt.Errorf("%s: %w", alg, err)
		}
		return nil
	}
	return errors.New("not a signature method this package verifies")
}

func hashAllowed(h wire.HashAlgorithm, allowed []wire.HashAlgorithm) bool {
	if len(allowed) == 0 {
		return h == HashIdentity || slices.Contains(defaultAllowed, h)
	}
	return slices.Contains(allowed, h)
}

// verifyAlg checks sig over signed with alg, after checking pub is a key
// alg can use: a signature is only as good as the match between the two.
func verifyAlg(pub crypto.PublicKey, alg sigAlg, sig, signed []byte) error {
	switch alg.scheme {
	case schemePKCS1, schemePSS:
		k, ok := pub.(*rsa.PublicKey)
		if !ok || k == nil || k.N == nil {
			return fmt.Errorf("peer key is %s, not RSA", keyTypeName(pub))
		}
		hc, _ := cryptoHash(alg.hash)
		var err error
		if alg.scheme == schemePSS {
			err = rsa.VerifyPSS(k, hc, digest(hc, signed), sig, &rsa.PSSOptions{SaltLength: hc.Size(), Hash: hc})
		} else {
			err = rsa.VerifyPKCS1v15(k, hc, digest(hc, signed), sig)
		}
		if err != nil {
			return fmt.Errorf("%w (%v)", errBadSignature, err)
		}
		return nil
	case schemeECDSA:
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return fmt.Errorf("peer key is %s, not ECDSA", keyTypeName(pub))
		}
		if _, ok := ecdsaCurveOf(k); !ok {
			return fmt.Errorf("unsupported ECDSA curve %s", curveName(k))
		}
		hc, _ := cryptoHash(alg.hash)
		if !ecdsa.VerifyASN1(k, digest(hc, signed), sig) {
			return errBadSignature
		}
		return nil
	case schemeEd25519:
		k, ok := pub.(ed25519.PublicKey)
		if !ok {
			return fmt.Errorf("peer key is %s, not Ed25519", keyTypeName(pub))
		}
		// ed25519.Verify panics on a key of the wrong length.
		if len(k) != ed25519.PublicKeySize {
			return fmt.Errorf("Ed25519 key of %d bytes", len(k))
		}
		if !ed25519.Verify(k, signed, sig) {
			return errBadSignature
		}
		return nil
	}
	return errors.New("unknown signature scheme")
}

func keyTypeName(pub crypto.PublicKey) string {
	switch pub.(type) {
	case nil:
		return "missing"
	case *rsa.PublicKey:
		return "RSA"
	case *ecdsa.PublicKey:
		return "ECDSA"
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return fmt.Sprintf("%T", pub)
}
