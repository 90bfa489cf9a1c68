package modes

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
)

// Fixtures made with OpenSSL 3.0 (see cmd/gatehouse/testdata/script/pki-*.txtar):
// the same P-256 key encrypted three ways with passphrase "gatehouse", and
// the router certificate (serial 3A0000000B) issued for it.
const (
	ecPBES2AES256SHA256 = `-----BEGIN ENCRYPTED PRIVATE KEY-----
MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAjHcRWgNbY0oAICCAAw
DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEECcBudLOdRT1z+AY7U1fQykEgZDi
WLQljA/KMYj5awfgMF3vx0ZlGly5UaUs/KwFGmnjaaLBccUeE8yP88RPIJJkjvVH
9jJrmCbdZy8wf8lroE9F0vuidSisEKFKTCF5ZSLmYWjA/3j+tSroB+i29qhz7REU
TZOHSJeE7F3Ib3UEUqskigEYXL2DnwiwOh7hDvA5s4vhCqDkkHQNmr6F46cAiFY=
-----END ENCRYPTED PRIVATE KEY-----
`
	ecPBES2AES128SHA1 = `-----BEGIN ENCRYPTED PRIVATE KEY-----
MIHeMEkGCSqGSIb3DQEFDTA8MBsGCSqGSIb3DQEFDDAOBAhQlNbo3IHZ9QICCAAw
HQYJYIZIAWUDBAECBBAM8tasHlaPweLG4O643b1HBIGQfwU1n93q6UKmx3/85DpQ
1p/xg94Bup3iZW6olWrkwPuT9QzculzTo8dCWHky0D4/zfdnCcli6lfjzTIC6e0t
aLgl77jtrQSOWxM3280gxJfLFJYo9egI/ZQL2vhlE9WxNelRyaK/BmagVM4g0gGH
QW3v0odeGEgNY7k3s/rAwzYVkk9ec7LGdiQwE1zz+V4V
-----END ENCRYPTED PRIVATE KEY-----
`
	ecPBES2DES3 = `-----BEGIN ENCRYPTED PRIVATE KEY-----
MIHjME4GCSqGSIb3DQEFDTBBMCkGCSqGSIb3DQEFDDAcBAiBXl/bpZq/lgICCAAw
DAYIKoZIhvcNAgkFADAUBggqhkiG9w0DBwQIWHztZgR0GNUEgZAkAs2GXyPB3v4r
SMn/xmRE7rJGL2MT8RU71iTSLeUBcjzt1iWkN750f/FDpj/vh6hoqr4O+qyl6s6D
W7HsmFv6xW5vhN9B1Tn2SNa0szXeAVHJJpWSy3Zh+9Ublx5YmvTVzkFpFfoSZ7TO
ZxxbabOuu4pVXlPX6+ZoQU3Cfj/Mql+A+Bm0XMkry+kbguqEdoc=
-----END ENCRYPTED PRIVATE KEY-----
`
	ecCertificate = `-----BEGIN CERTIFICATE-----
MIIBzzCCAXSgAwIBAgIFOgAAAAswCgYIKoZIzj0EAwIwOzELMAkGA1UEBhMCVVMx
EDAOBgNVBAoTB0V4YW1wbGUxGjAYBgNVBAMTEUdhdGVob3VzZSBUZXN0IENBMB4X
DTI0MDEwMTAwMDAwMFoXDTQ5MTIzMTIzNTk1OVowLTEQMA4GA1UEChMHRXhhbXBs
ZTEZMBcGA1UEAxMQdnBuMi5leGFtcGxlLm5ldDBZMBMGByqGSM49AgEGCCqGSM49
AwEHA0IABAWGjTrDxwu39jBc5nY+Q3Jxi0vslOB0PddSay3M2pFFCdYW+AKFq9XS
4rmg9gH1pfjOW2T45Zl2o+tymI8B8uSjczBxMA4GA1UdDwEB/wQEAwIFoDATBgNV
HSUEDDAKBggrBgEFBQcDATAMBgNVHRMBAf8EAjAAMB8GA1UdIwQYMBaAFEwwJFgn
0dzwufqY1fgQ4I5nUdN0MBsGA1UdEQQUMBKCEHZwbjIuZXhhbXBsZS5uZXQwCgYI
KoZIzj0EAwIDSQAwRgIhAPvjo8kjwmkpd2+6P1ptz1gES6twmPGaLanmov2SL8pM
AiEAycOrGOaUGUtAwynyw3lqfv9yxMvmxkVj5ZHBXfR7yzI=
-----END CERTIFICATE-----
`
)

func TestParsePrivateKeyPEMOpenSSLFormats(t *testing.T) {
	cert, err := parseCertificatePEM(ecCertificate)
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"aes256-sha256": ecPBES2AES256SHA256, "aes128-sha1": ecPBES2AES128SHA1, "3des": ecPBES2DES3} {
		key, err := parsePrivateKeyPEM(text, "gatehouse")
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !cert.PublicKey.(*ecdsa.PublicKey).Equal(key.Public()) {
			t.Errorf("%s: decrypted key does not match the certificate", name)
		}
		if _, err := parsePrivateKeyPEM(text, "wrong"); err == nil || !strings.Contains(err.Error(), "wrong password") {
			t.Errorf("%s with a wrong password: %v", name, err)
		}
	}
}

func TestParsePrivateKeyPEMLegacyAndPlain(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1019 the legacy format is what is being tested.
	block, err := x509.EncryptPEMBlock(rand.Reader, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key), []byte("pw"), x509.PEMCipherAES128)
	if err != nil {
		t.Fatal(err)
	}
	legacy := string(pem.EncodeToMemory(block))
	if got, err := parsePrivateKeyPEM(legacy, "pw"); err != nil || !key.Equal(got) {
		t.Errorf("legacy encrypted PEM: %v", err)
	}
	if _, err := parsePrivateKeyPEM(legacy, "bad"); err == nil {
		t.Error("legacy encrypted PEM accepted a wrong password")
	}
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	plain := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if got, err := parsePrivateKeyPEM(plain, "ignored"); err != nil || !key.Equal(got) {
		t.Errorf("plain PKCS#8: %v", err)
	}
	for _, bad := range []string{"", "garbage", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"} {
		if _, err := parsePrivateKeyPEM(bad, "x"); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestCertHexRoundTrip(t *testing.T) {
	cert, err := parseCertificatePEM(ecCertificate)
	if err != nil {
		t.Fatal(err)
	}
	lines := certHexLines(cert.Raw)
	if lines[0] != "308201CF 30820174 A0030201 0202053A 0000000B 300A0608 2A8648CE 3D040302" {
		t.Errorf("first line %q", lines[0])
	}
	// The renderer indents by two and ends with a tab and "quit".
	pasted := "  " + strings.Join(lines, "\n  ") + "\n  \t"
	der, err := parseCertHex(pasted)
	if err != nil || !bytes.Equal(der, cert.Raw) {
		t.Fatalf("round trip: %v", err)
	}
	if got := serialHex(cert.SerialNumber); got != "3A0000000B" {
		t.Errorf("serial %s", got)
	}
}

func TestSerialHex(t *testing.T) {
	for n, want := range map[int64]string{0: "00", 1: "01", 0xabc: "0ABC", 0x8000: "8000"} {
		if got := serialHex(big.NewInt(n)); got != want {
			t.Errorf("serialHex(%#x) = %s, want %s", n, got, want)
		}
	}
}

func TestDNLines(t *testing.T) {
	name := pkix.Name{Country: []string{"US"}, Organization: []string{"Example"}, CommonName: "vpn.example.net"}
	got := strings.Join(dnLines(name), "|")
	if got != "cn=vpn.example.net|o=Example|c=US" {
		t.Errorf("dnLines = %s", got)
	}
}

func TestCheckIdentity(t *testing.T) {
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), IsCA: true, BasicConstraintsValid: true, Subject: pkix.Name{CommonName: "CA"}}
	caDER, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &caKey.PublicKey, caKey)
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leafDER, _ := x509.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(2)}, ca, &key.PublicKey, caKey)
	leaf, _ := x509.ParseCertificate(leafDER)
	if err := checkIdentity(leaf, ca, key); err != nil {
		t.Errorf("good identity: %v", err)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err := checkIdentity(leaf, ca, other); err == nil {
		t.Error("accepted a key that does not match")
	}
	if err := checkIdentity(ca, leaf, caKey); err == nil {
		t.Error("accepted a certificate not issued by the CA")
	}
}

// FuzzParseCertHex: any text either fails cleanly or decodes to bytes
// that render and parse back unchanged.
func FuzzParseCertHex(f *testing.F) {
	f.Add("  3082 01CF\n  \t")
	f.Add("30820174 A0030201\n 02020")
	f.Add("zz")
	f.Fuzz(func(t *testing.T, text string) {
		der, err := parseCertHex(text)
		if err != nil {
			return
		}
		again, err := parseCertHex(strings.Join(certHexLines(der), "\n"))
		if err != nil || !bytes.Equal(again, der) {
			t.Fatalf("round trip of %q: %v", text, err)
		}
	})
}

// FuzzParsePEM: pasted certificates and keys never panic the CLI.
func FuzzParsePEM(f *testing.F) {
	f.Add(ecCertificate, "gatehouse")
	f.Add(ecPBES2AES256SHA256, "gatehouse")
	f.Add(ecPBES2DES3, "x")
	f.Add("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n", "x")
	f.Fuzz(func(t *testing.T, text, password string) {
		parseCertificatePEM(text)
		parsePrivateKeyPEM(text, password)
	})
}

// FuzzDecryptPKCS8: arbitrary DER never panics the PBES2 decoder.
func FuzzDecryptPKCS8(f *testing.F) {
	block, _ := pem.Decode([]byte(ecPBES2AES256SHA256))
	f.Add(block.Bytes, "gatehouse")
	block, _ = pem.Decode([]byte(ecPBES2DES3))
	f.Add(block.Bytes, "gatehouse")
	f.Add([]byte{0x30, 0x00}, "")
	f.Fuzz(func(t *testing.T, der []byte, password string) {
		decryptPKCS8(der, password)
	})
}
