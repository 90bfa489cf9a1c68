package auth

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

// VerifyChain validates leaf, with the peer's intermediates, up to one of
// roots at time now. Only roots are trusted: an empty roots list trusts
// nothing, never the system store. Any extended key usage is accepted
// (IPsec certificates carry serverAuth, ipsecIKE, or none at all). If the
// leaf has a key usage extension it must allow signatures: digitalSignature
// or nonRepudiation, as RFC 4945 section 5.1.3.2 says.
func VerifyChain(leaf *x509.Certificate, intermediates, roots []*x509.Certificate, now time.Time) error {
	if leaf == nil {
		return fmt.Errorf("%w: no peer certificate", ErrAuthFailed)
	}
	opts := x509.VerifyOptions{
		Roots:         x509.NewCertPool(),
		Intermediates: x509.NewCertPool(),
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}
	for _, c := range roots {
		opts.Roots.AddCert(c)
	}
	for _, c := range intermediates {
		opts.Intermediates.AddCert(c)
	}
	if _, err := leaf.Verify(opts); err != nil {
		return fmt.Errorf("%w: certificate %q: %w", ErrAuthFailed, leaf.Subject, err)
	}
	if leaf.KeyUsage != 0 && leaf.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return fmt.Errorf("%w: certificate %q: key usage does not allow digital signatures", ErrAuthFailed, leaf.Subject)
	}
	return nil
}

// certReqHashLen is the length of one CA hash in CERTREQ data: SHA-1 of the
// CA's SubjectPublicKeyInfo (RFC 7296 section 3.7).
const certReqHashLen = sha1.Size

func spkiHash(c *x509.Certificate) [sha1.Size]byte {
	return sha1.Sum(c.RawSubjectPublicKeyInfo)
}

// CertReqData is the CERTREQ payload data (X.509 Signature encoding) for
// the CAs we trust: their SubjectPublicKeyInfo SHA-1 hashes, concatenated.
func CertReqData(cas []*x509.Certificate) []byte {
	out := make([]byte, 0, certReqHashLen*len(cas))
	for _, c := range cas {
		h := spkiHash(c)
		out = append(out, h[:]...)
	}
	return out
}

// SelectByCertReq returns the CAs among cas, in their order, whose hash
// appears in received CERTREQ data. Empty data selects none; what an empty
// CERTREQ means ("any certificate will do") is the caller's decision.
func SelectByCertReq(data []byte, cas []*x509.Certificate) ([]*x509.Certificate, error) {
	if len(data)%certReqHashLen != 0 {
		return nil, fmt.Errorf("auth: CERTREQ data of %d bytes is not a list of %d-byte hashes", len(data), certReqHashLen)
	}
	var out []*x509.Certificate
	for _, c := range cas {
		h := spkiHash(c)
		for i := 0; i < len(data); i += certReqHashLen {
			if bytes.Equal(data[i:i+certReqHashLen], h[:]) {
				out = append(out, c)
				break
			}
		}
	}
	return out, nil
}

// CertID is the ID payload a certificate vouches for without any subject
// alternative name: its subject as ID_DER_ASN1_DN.
func CertID(cert *x509.Certificate) *wire.ID {
	return &wire.ID{IDType: wire.ID_DER_ASN1_DN, Data: bytes.Clone(cert.RawSubject)}
}

// IdentityMatchesCert reports whether a peer's ID payload is backed by the
// certificate (RFC 7296 section 3.5, RFC 4945 section 3.1):
//
//   - ID_DER_ASN1_DN: the subject, byte for byte, or as the same
//     distinguished name once both are parsed (peers re-encode DNs);
//     an empty DN identifies no one and never matches;
//   - ID_FQDN: a dNSName, ignoring case and a trailing dot; wildcards are
//     not expanded, since an identity names one host, not a pattern;
//   - ID_RFC822_ADDR: an rfc822Name, local part exact, domain ignoring case;
//   - ID_IPV4_ADDR, ID_IPV6_ADDR: an iPAddress of the same family.
//
// ID_KEY_ID and every other type never match a certificate; the subject CN
// is never consulted for names or addresses.
func IdentityMatchesCert(id *wire.ID, cert *x509.Certificate) bool {
	if id == nil || cert == nil {
		return false
	}
	switch id.IDType {
	case wire.ID_DER_ASN1_DN:
		return dnMatches(id.Data, cert.RawSubject)
	case wire.ID_FQDN:
		want := strings.TrimSuffix(string(id.Data), ".")
		if want == "" {
			return false
		}
		for _, n := range cert.DNSNames {
			if strings.EqualFold(strings.TrimSuffix(n, "."), want) {
				return true
			}
		}
	case wire.ID_RFC822_ADDR:
		for _, e := range cert.EmailAddresses {
			if emailEqual(string(id.Data), e) {
				return true
			}
		}
	case wire.ID_IPV4_ADDR, wire.ID_IPV6_ADDR:
		size := 4
		if id.IDType == wire.ID_IPV6_ADDR {
			size = 16
		}
		if len(id.Data) != size {
			return false
		}
		want, _ := netip.AddrFromSlice(id.Data)
		for _, ip := range cert.IPAddresses {
			if len(ip) != size {
				continue
			}
			if got, ok := netip.AddrFromSlice(ip); ok && got == want {
				return true
			}
		}
	}
	return false
}

func dnMatches(idDN, subject []byte) bool {
	a, ok := parseDN(idDN)
	if !ok || len(a) == 0 {
		return false
	}
	if bytes.Equal(idDN, subject) {
		return true
	}
	b, ok := parseDN(subject)
	return ok && a.String() == b.String()
}

func parseDN(der []byte) (pkix.RDNSequence, bool) {
	var rdn pkix.RDNSequence
	rest, err := asn1.Unmarshal(der, &rdn)
	return rdn, err == nil && len(rest) == 0
}

func emailEqual(a, b string) bool {
	ai, bi := strings.LastIndexByte(a, '@'), strings.LastIndexByte(b, '@')
	if ai <= 0 || bi <= 0 {
		return false
	}
	return a[:ai] == b[:bi] && strings.EqualFold(a[ai+1:], b[bi+1:])
}

// ParsePrivateKey parses a PKCS#8 DER private key into a signer Sign can
// use: RSA, ECDSA on P-256/P-384/P-521, or Ed25519.
func ParsePrivateKey(pkcs8 []byte) (crypto.Signer, error) {
	k, err := x509.ParsePKCS8PrivateKey(pkcs8)
	if err != nil {
		return nil, fmt.Errorf("auth: private key: %w", err)
	}
	switch k := k.(type) {
	case *rsa.PrivateKey:
		return k, nil
	case *ecdsa.PrivateKey:
		if _, ok := ecdsaCurveOf(&k.PublicKey); !ok {
			return nil, fmt.Errorf("auth: private key: unsupported ECDSA curve %s", curveName(&k.PublicKey))
		}
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	}
	return nil, fmt.Errorf("auth: private key: unsupported key type %T", k)
}
