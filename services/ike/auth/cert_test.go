package auth

import (
	"bytes"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

var epoch = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)

type certSpec struct {
	cn        string
	ca        bool
	notAfter  time.Time
	keyUsage  x509.KeyUsage
	dns       []string
	emails    []string
	ips       []net.IP
	parent    *x509.Certificate
	parentKey crypto.Signer
	noSubject bool
}

// issue makes a certificate for spec; with no parent it is self-signed.
func issue(t *testing.T, spec certSpec) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"Gatehouse Test"}, CommonName: spec.cn},
		NotBefore:             epoch.Add(-24 * time.Hour),
		NotAfter:              spec.notAfter,
		KeyUsage:              spec.keyUsage,
		BasicConstraintsValid: true,
		IsCA:                  spec.ca,
		DNSNames:              spec.dns,
		EmailAddresses:        spec.emails,
		IPAddresses:           spec.ips,
	}
	if spec.noSubject {
		tmpl.Subject = pkix.Name{}
	}
	if tmpl.NotAfter.IsZero() {
		tmpl.NotAfter = epoch.Add(365 * 24 * time.Hour)
	}
	if spec.ca {
		tmpl.KeyUsage |= x509.KeyUsageCertSign
	}
	parent, parentKey := tmpl, crypto.Signer(key)
	if spec.parent != nil {
		parent, parentKey = spec.parent, spec.parentKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func TestVerifyChain(t *testing.T) {
	root, rootKey := issue(t, certSpec{cn: "Root CA", ca: true})
	inter, interKey := issue(t, certSpec{cn: "Intermediate CA", ca: true, parent: root, parentKey: rootKey})
	leaf, _ := issue(t, certSpec{cn: "vpn.example.com", keyUsage: x509.KeyUsageDigitalSignature, parent: inter, parentKey: interKey})
	expired, _ := issue(t, certSpec{cn: "old", notAfter: epoch.Add(-time.Hour), parent: inter, parentKey: interKey})
	otherRoot, otherKey := issue(t, certSpec{cn: "Other Root CA", ca: true})
	stranger, _ := issue(t, certSpec{cn: "vpn.example.com", parent: otherRoot, parentKey: otherKey})
	nonRepud, _ := issue(t, certSpec{cn: "nr", keyUsage: x509.KeyUsageContentCommitment, parent: inter, parentKey: interKey})
	encOnly, _ := issue(t, certSpec{cn: "enc", keyUsage: x509.KeyUsageKeyEncipherment, parent: inter, parentKey: interKey})
	noKU, _ := issue(t, certSpec{cn: "no key usage", parent: root, parentKey: rootKey})

	ok := []struct {
		name  string
		leaf  *x509.Certificate
		inter []*x509.Certificate
		roots []*x509.Certificate
	}{
		{"leaf via intermediate", leaf, []*x509.Certificate{inter}, []*x509.Certificate{root}},
		{"among several roots", leaf, []*x509.Certificate{inter}, []*x509.Certificate{otherRoot, root}},
		{"intermediate as trust anchor", leaf, nil, []*x509.Certificate{inter}},
		{"nonRepudiation key usage", nonRepud, []*x509.Certificate{inter}, []*x509.Certificate{root}},
		{"no key usage extension", noKU, nil, []*x509.Certificate{root}},
	}
	for _, tc := range ok {
		if err := VerifyChain(tc.leaf, tc.inter, tc.roots, epoch); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}

	bad := []struct {
		name  string
		leaf  *x509.Certificate
		inter []*x509.Certificate
		roots []*x509.Certificate
		now   time.Time
	}{
		{"expired leaf", expired, []*x509.Certificate{inter}, []*x509.Certificate{root}, epoch},
		{"leaf before its validity", leaf, []*x509.Certificate{inter}, []*x509.Certificate{root}, epoch.Add(-48 * time.Hour)},
		{"signed by another root", stranger, []*x509.Certificate{inter}, []*x509.Certificate{root}, epoch},
		{"missing intermediate", leaf, nil, []*x509.Certificate{root}, epoch},
		{"no roots (system store never used)", leaf, []*x509.Certificate{inter}, nil, epoch},
		{"keyEncipherment only", encOnly, []*x509.Certificate{inter}, []*x509.Certificate{root}, epoch},
		{"no certificate", nil, nil, []*x509.Certificate{root}, epoch},
	}
	for _, tc := range bad {
		if err := VerifyChain(tc.leaf, tc.inter, tc.roots, tc.now); !errors.Is(err, ErrAuthFailed) {
			t.Errorf("%s: %v, want ErrAuthFailed", tc.name, err)
		}
	}
}

func TestCertReq(t *testing.T) {
	ca1, _ := issue(t, certSpec{cn: "CA one", ca: true})
	ca2, _ := issue(t, certSpec{cn: "CA two", ca: true})
	ca3, _ := issue(t, certSpec{cn: "CA three", ca: true})

	data := CertReqData([]*x509.Certificate{ca1, ca2})
	h1, h2 := sha1.Sum(ca1.RawSubjectPublicKeyInfo), sha1.Sum(ca2.RawSubjectPublicKeyInfo)
	if want := append(h1[:], h2[:]...); !bytes.Equal(data, want) {
		t.Fatalf("CertReqData = %x, want %x", data, want)
	}

	got, err := SelectByCertReq(data, []*x509.Certificate{ca3, ca2, ca1})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != ca2 || got[1] != ca1 {
		t.Fatalf("SelectByCertReq = %v, want [CA two, CA one]", names(got))
	}

	unknown := bytes.Repeat([]byte{0x5a}, 20)
	got, err = SelectByCertReq(append(bytes.Clone(unknown), h2[:]...), []*x509.Certificate{ca1, ca2, ca3})
	if err != nil || len(got) != 1 || got[0] != ca2 {
		t.Fatalf("SelectByCertReq with an unknown hash = %v, %v", names(got), err)
	}
	if got, err := SelectByCertReq(nil, []*x509.Certificate{ca1}); err != nil || len(got) != 0 {
		t.Fatalf("empty CERTREQ = %v, %v", names(got), err)
	}
	for _, n := range []int{1, 19, 21, 39} {
		if _, err := SelectByCertReq(make([]byte, n), []*x509.Certificate{ca1}); err == nil {
			t.Errorf("CERTREQ data of %d bytes accepted", n)
		}
	}
}

func names(cs []*x509.Certificate) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Subject.CommonName)
	}
	return out
}

func TestIdentityMatchesCert(t *testing.T) {
	cert, _ := issue(t, certSpec{
		cn:     "router1.example.com",
		dns:    []string{"router1.example.com", "vpn.example.net."},
		emails: []string{"Ops@Example.com"},
		ips:    []net.IP{net.IPv4(192, 0, 2, 1), net.ParseIP("2001:db8::1")},
	})
	if id := CertID(cert); id.IDType != wire.ID_DER_ASN1_DN || !bytes.Equal(id.Data, cert.RawSubject) {
		t.Fatalf("CertID = %+v", id)
	}

	// The same DN with the CN as a UTF8String: different bytes, same name.
	reencoded, err := asn1.Marshal(pkix.RDNSequence{
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 10}, Value: "Gatehouse Test"}},
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: asn1.RawValue{Tag: asn1.TagUTF8String, Bytes: []byte("router1.example.com")}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(reencoded, cert.RawSubject) {
		t.Fatal("test DN should differ in bytes from the certificate's")
	}
	otherDN, _ := asn1.Marshal(pkix.Name{CommonName: "router2.example.com", Organization: []string{"Gatehouse Test"}}.ToRDNSequence())
	emptyDN, _ := asn1.Marshal(pkix.RDNSequence{})

	cases := []struct {
		name string
		typ  wire.IDType
		data []byte
		want bool
	}{
		{"DN from CertID", wire.ID_DER_ASN1_DN, cert.RawSubject, true},
		{"DN re-encoded", wire.ID_DER_ASN1_DN, reencoded, true},
		{"other DN", wire.ID_DER_ASN1_DN, otherDN, false},
		{"empty DN", wire.ID_DER_ASN1_DN, emptyDN, false},
		{"DN garbage", wire.ID_DER_ASN1_DN, []byte{0x30, 0x05, 0x01}, false},
		{"DN with trailing byte", wire.ID_DER_ASN1_DN, append(bytes.Clone(cert.RawSubject), 0), false},
		{"FQDN", wire.ID_FQDN, []byte("router1.example.com"), true},
		{"FQDN other case", wire.ID_FQDN, []byte("ROUTER1.Example.COM"), true},
		{"FQDN trailing dot in ID", wire.ID_FQDN, []byte("router1.example.com."), true},
		{"FQDN trailing dot in SAN", wire.ID_FQDN, []byte("vpn.example.net"), true},
		{"FQDN not in SAN", wire.ID_FQDN, []byte("router2.example.com"), false},
		{"FQDN suffix only", wire.ID_FQDN, []byte("example.com"), false},
		{"FQDN empty", wire.ID_FQDN, nil, false},
		{"email", wire.ID_RFC822_ADDR, []byte("Ops@example.COM"), true},
		{"email local part case", wire.ID_RFC822_ADDR, []byte("ops@example.com"), false},
		{"email other", wire.ID_RFC822_ADDR, []byte("noc@example.com"), false},
		{"email without @", wire.ID_RFC822_ADDR, []byte("Ops"), false},
		{"IPv4", wire.ID_IPV4_ADDR, []byte{192, 0, 2, 1}, true},
		{"IPv4 other", wire.ID_IPV4_ADDR, []byte{192, 0, 2, 2}, false},
		{"IPv4 short", wire.ID_IPV4_ADDR, []byte{192, 0, 2}, false},
		{"IPv6", wire.ID_IPV6_ADDR, net.ParseIP("2001:db8::1"), true},
		{"IPv6 other", wire.ID_IPV6_ADDR, net.ParseIP("2001:db8::2"), false},
		{"IPv4 as IPv6-mapped", wire.ID_IPV6_ADDR, net.IPv4(192, 0, 2, 1).To16(), false},
		{"IPv6 as IPv4 type", wire.ID_IPV4_ADDR, net.ParseIP("2001:db8::1"), false},
		{"CN is not a FQDN source for KEY_ID", wire.ID_KEY_ID, []byte("router1.example.com"), false},
		{"KEY_ID of DN bytes", wire.ID_KEY_ID, cert.RawSubject, false},
		{"DER_ASN1_GN", wire.ID_DER_ASN1_GN, cert.RawSubject, false},
	}
	for _, tc := range cases {
		id := &wire.ID{IDType: tc.typ, Data: tc.data}
		if got := IdentityMatchesCert(id, cert); got != tc.want {
			t.Errorf("%s: IdentityMatchesCert = %v, want %v", tc.name, got, tc.want)
		}
	}
	if IdentityMatchesCert(nil, cert) || IdentityMatchesCert(CertID(cert), nil) {
		t.Error("nil ID or certificate matched")
	}

	// A certificate without SANs is vouched for by its DN only; the CN
	// does not stand in for an FQDN.
	bare, _ := issue(t, certSpec{cn: "bare.example.com"})
	if IdentityMatchesCert(&wire.ID{IDType: wire.ID_FQDN, Data: []byte("bare.example.com")}, bare) {
		t.Error("FQDN matched the subject CN")
	}

	// A SAN-only certificate has an empty subject; an empty DN names no
	// one, even though the bytes are equal.
	sanOnly, _ := issue(t, certSpec{dns: []string{"san.example.com"}, noSubject: true})
	if !bytes.Equal(sanOnly.RawSubject, emptyDN) {
		t.Fatalf("SAN-only subject is %x", sanOnly.RawSubject)
	}
	if IdentityMatchesCert(&wire.ID{IDType: wire.ID_DER_ASN1_DN, Data: emptyDN}, sanOnly) {
		t.Error("empty DN matched a certificate with an empty subject")
	}
}

func TestParsePrivateKey(t *testing.T) {
	k := keys()
	for name, key := range map[string]crypto.Signer{"RSA": k.rsa, "P-256": k.p256, "P-521": k.p521, "Ed25519": k.ed} {
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParsePrivateKey(der)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		signed := []byte("round trip through PKCS#8")
		method, data, err := Sign(got, withIdent, signed, rand.Reader)
		if err != nil {
			t.Fatalf("%s: sign: %v", name, err)
		}
		if err := Verify(key.Public(), method, data, signed, nil); err != nil {
			t.Errorf("%s: parsed key's signature does not verify under the original: %v", name, err)
		}
	}

	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	x25519, _ := ecdh.X25519().GenerateKey(rand.Reader)
	for name, key := range map[string]any{"P-224": p224, "X25519": x25519} {
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParsePrivateKey(der); err == nil {
			t.Errorf("%s key accepted", name)
		}
	}
	if _, err := ParsePrivateKey([]byte{0x30, 0x03, 0x02, 0x01, 0x00}); err == nil {
		t.Error("garbage accepted")
	}
}
