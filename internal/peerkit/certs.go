package peerkit

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"time"
)

// KeyType chooses a credential's key algorithm.
type KeyType int

const (
	ECDSA KeyType = iota // P-256
	RSA                  // 2048 bits
)

func (k KeyType) String() string {
	if k == RSA {
		return "RSA"
	}
	return "ECDSA"
}

// Credential is a certificate with its private key.
type Credential struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// CertOptions are the subjectAltNames, usages and lifetime of an issued
// certificate.
type CertOptions struct {
	DNSNames []string
	IPs      []netip.Addr
	Emails   []string
	// Server gives the certificate serverAuth instead of clientAuth:
	// OpenSSL (and so FreeRADIUS) checks the purpose of a certificate that
	// states one.
	Server bool
	// IKEIntermediate adds the IKE intermediate EKU (RFC 4945) to a server
	// certificate, as Windows and macOS clients expect of a VPN gateway.
	IKEIntermediate bool
	// Validity defaults to 24 hours (starting an hour ago, so that clock
	// skew between namespaces never matters).
	Validity time.Duration
}

var ekuIKEIntermediate = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 8, 2, 2}

// NewCA makes a self-signed CA with common name cn. org is the
// Organization of its subject and of every certificate it issues: it
// names the harness, so a certificate found on disk says where it came
// from.
func NewCA(org, cn string, kt KeyType) (*Credential, error) {
	key, err := newKey(kt)
	if err != nil {
		return nil, fmt.Errorf("CA %q: %w", cn, err)
	}
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{Organization: []string{org}, CommonName: cn},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(10 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	c, err := sign(tmpl, key, nil)
	if err != nil {
		return nil, fmt.Errorf("CA %q: %w", cn, err)
	}
	return c, nil
}

// Issue makes an end-entity certificate with common name cn signed by ca.
func (ca *Credential) Issue(cn string, kt KeyType, opts CertOptions) (*Credential, error) {
	key, err := newKey(kt)
	if err != nil {
		return nil, fmt.Errorf("certificate %q: %w", cn, err)
	}
	validity := opts.Validity
	if validity == 0 {
		validity = 24 * time.Hour
	}
	tmpl := &x509.Certificate{
		Subject:        pkix.Name{Organization: ca.Cert.Subject.Organization, CommonName: cn},
		NotBefore:      time.Now().Add(-time.Hour),
		NotAfter:       time.Now().Add(validity),
		KeyUsage:       x509.KeyUsageDigitalSignature,
		ExtKeyUsage:    []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		DNSNames:       opts.DNSNames,
		EmailAddresses: opts.Emails,
	}
	if kt == RSA {
		tmpl.KeyUsage |= x509.KeyUsageKeyEncipherment
	}
	for _, ip := range opts.IPs {
		tmpl.IPAddresses = append(tmpl.IPAddresses, net.IP(ip.AsSlice()))
	}
	if opts.Server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		if opts.IKEIntermediate {
			tmpl.UnknownExtKeyUsage = []asn1.ObjectIdentifier{ekuIKEIntermediate}
		}
	}
	c, err := sign(tmpl, key, ca)
	if err != nil {
		return nil, fmt.Errorf("certificate %q: %w", cn, err)
	}
	return c, nil
}

func newKey(kt KeyType) (crypto.Signer, error) {
	if kt == RSA {
		return rsa.GenerateKey(rand.Reader, 2048)
	}
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

// sign signs tmpl for key with issuer's key (self-signed when issuer is
// nil).
func sign(tmpl *x509.Certificate, key crypto.Signer, issuer *Credential) (*Credential, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial
	parent, signer := tmpl, key
	if issuer != nil {
		parent, signer = issuer.Cert, issuer.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &Credential{Cert: cert, Key: key}, nil
}

// CertDER is the certificate in DER.
func (c *Credential) CertDER() []byte { return c.Cert.Raw }

// CertPEM is the certificate in PEM, as OpenSSL (FreeRADIUS) and swanctl's
// x509/ and x509ca/ read it.
func (c *Credential) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Cert.Raw})
}

// KeyDER is the private key in PKCS#8 DER.
func (c *Credential) KeyDER() ([]byte, error) { return x509.MarshalPKCS8PrivateKey(c.Key) }

// KeyPEM is the private key in PKCS#8 PEM, which both OpenSSL
// (FreeRADIUS) and swanctl's private/ read.
func (c *Credential) KeyPEM() ([]byte, error) {
	der, err := c.KeyDER()
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// WriteFiles writes NAME.crt (PEM), NAME.der, NAME.key (PKCS#8 PEM) and
// NAME.key.der into dir, for a head-end that imports files.
func (c *Credential) WriteFiles(dir, name string) error {
	keyPEM, err := c.KeyPEM()
	if err != nil {
		return fmt.Errorf("credential %s: %w", name, err)
	}
	keyDER, _ := c.KeyDER()
	for file, data := range map[string][]byte{
		name + ".crt":     c.CertPEM(),
		name + ".der":     c.CertDER(),
		name + ".key":     keyPEM,
		name + ".key.der": keyDER,
	} {
		if err := os.WriteFile(filepath.Join(dir, file), data, 0o600); err != nil {
			return fmt.Errorf("credential %s: %w", name, err)
		}
	}
	return nil
}
