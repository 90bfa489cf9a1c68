package freeradius

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"time"
)

// Credential is a certificate with its private key (ECDSA P-256).
//
// A strongSwan client in services/ike/interop takes the same two fields:
// &interop.Credential{Cert: c.Cert, Key: c.Key}.
type Credential struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// CertOptions are the subjectAltNames and lifetime of an issued
// certificate.
type CertOptions struct {
	DNSNames []string
	Emails   []string
	IPs      []netip.Addr
	// Validity defaults to 24 hours (starting an hour ago, so that clock
	// skew between namespaces never matters).
	Validity time.Duration
}

// newCA makes the self-signed CA that signs the EAP server certificate
// and the client certificates IssueClientCert hands out.
func newCA(cn string) (*Credential, error) {
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{Organization: []string{"Gatehouse FreeRADIUS harness"}, CommonName: cn},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(10 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	c, err := sign(tmpl, nil)
	if err != nil {
		return nil, fmt.Errorf("CA %q: %w", cn, err)
	}
	return c, nil
}

// issue makes an end-entity certificate signed by ca; server chooses the
// serverAuth extended key usage instead of clientAuth (OpenSSL, and so
// FreeRADIUS, checks the purpose of a certificate that states one).
func (ca *Credential) issue(cn string, server bool, opts CertOptions) (*Credential, error) {
	validity := opts.Validity
	if validity == 0 {
		validity = 24 * time.Hour
	}
	tmpl := &x509.Certificate{
		Subject:        pkix.Name{Organization: []string{"Gatehouse FreeRADIUS harness"}, CommonName: cn},
		NotBefore:      time.Now().Add(-time.Hour),
		NotAfter:       time.Now().Add(validity),
		KeyUsage:       x509.KeyUsageDigitalSignature,
		ExtKeyUsage:    []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		DNSNames:       opts.DNSNames,
		EmailAddresses: opts.Emails,
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	for _, ip := range opts.IPs {
		tmpl.IPAddresses = append(tmpl.IPAddresses, net.IP(ip.AsSlice()))
	}
	c, err := sign(tmpl, ca)
	if err != nil {
		return nil, fmt.Errorf("certificate %q: %w", cn, err)
	}
	return c, nil
}

// sign makes a fresh key and signs tmpl for it with issuer's key
// (self-signed when issuer is nil).
func sign(tmpl *x509.Certificate, issuer *Credential) (*Credential, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial
	parent, signer := tmpl, crypto.Signer(key)
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

// CertPEM is the certificate in PEM.
func (c *Credential) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Cert.Raw})
}

// KeyPEM is the private key in PKCS#8 PEM, which both OpenSSL (FreeRADIUS)
// and strongSwan read.
func (c *Credential) KeyPEM() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(c.Key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}
