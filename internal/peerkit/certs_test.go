package peerkit

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestIssueChainsToCA(t *testing.T) {
	ca, err := NewCA("Gatehouse peerkit test", "Test CA", RSA)
	if err != nil {
		t.Fatal(err)
	}
	if !ca.Cert.IsCA || ca.Cert.Subject.CommonName != "Test CA" {
		t.Fatalf("CA subject %v, IsCA %v", ca.Cert.Subject, ca.Cert.IsCA)
	}
	for _, tc := range []struct {
		name    string
		kt      KeyType
		opts    CertOptions
		usage   x509.ExtKeyUsage
		ike     bool
		keyEnc  bool
		rsaKey  bool
		fromNow time.Duration
	}{
		{"client", ECDSA, CertOptions{Emails: []string{"client@example.test"}}, x509.ExtKeyUsageClientAuth, false, false, false, 24 * time.Hour},
		{"tls-server", ECDSA, CertOptions{DNSNames: []string{"radius.example.test"}, Server: true}, x509.ExtKeyUsageServerAuth, false, false, false, 24 * time.Hour},
		{"ike-gateway", RSA, CertOptions{DNSNames: []string{"vpn.example.test"}, IPs: []netip.Addr{netip.MustParseAddr("10.0.0.1")},
			Server: true, IKEIntermediate: true, Validity: time.Hour}, x509.ExtKeyUsageServerAuth, true, true, true, time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ca.Issue(tc.name, tc.kt, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			pool := x509.NewCertPool()
			pool.AddCert(ca.Cert)
			if _, err := c.Cert.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{tc.usage}}); err != nil {
				t.Errorf("does not verify for %v: %v", tc.usage, err)
			}
			if got := c.Cert.Subject.Organization; !reflect.DeepEqual(got, []string{"Gatehouse peerkit test"}) {
				t.Errorf("organization %q, want the CA's", got)
			}
			ike := reflect.DeepEqual(c.Cert.UnknownExtKeyUsage, []asn1.ObjectIdentifier{ekuIKEIntermediate})
			if ike != tc.ike {
				t.Errorf("IKE intermediate EKU %v, want %v", ike, tc.ike)
			}
			if keyEnc := c.Cert.KeyUsage&x509.KeyUsageKeyEncipherment != 0; keyEnc != tc.keyEnc {
				t.Errorf("keyEncipherment %v, want %v", keyEnc, tc.keyEnc)
			}
			switch c.Key.(type) {
			case *rsa.PrivateKey:
				if !tc.rsaKey {
					t.Errorf("RSA key, want ECDSA")
				}
			case *ecdsa.PrivateKey:
				if tc.rsaKey {
					t.Errorf("ECDSA key, want RSA")
				}
			}
			if d := c.Cert.NotAfter.Sub(time.Now()); d > tc.fromNow || d < tc.fromNow-time.Minute {
				t.Errorf("expires in %v, want %v", d, tc.fromNow)
			}
			if len(c.Cert.IPAddresses) != len(tc.opts.IPs) {
				t.Errorf("IP addresses %v, want %v", c.Cert.IPAddresses, tc.opts.IPs)
			}
		})
	}
}

func TestWriteFiles(t *testing.T) {
	ca, err := NewCA("Gatehouse peerkit test", "Test CA", ECDSA)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := ca.WriteFiles(dir, "ca"); err != nil {
		t.Fatal(err)
	}
	crt, _ := os.ReadFile(filepath.Join(dir, "ca.crt"))
	if b, _ := pem.Decode(crt); b == nil || b.Type != "CERTIFICATE" {
		t.Errorf("ca.crt is not a PEM certificate: %q", crt)
	}
	key, _ := os.ReadFile(filepath.Join(dir, "ca.key.der"))
	if _, err := x509.ParsePKCS8PrivateKey(key); err != nil {
		t.Errorf("ca.key.der: %v", err)
	}
}
