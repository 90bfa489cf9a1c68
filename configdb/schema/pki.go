package schema

// PKI: trustpoints, the certificates loaded into them and the private keys
// that go with them. The IKEv2 service reads them for rsa-sig/ecdsa-sig
// authentication.
const (
	KindTrustpoint = "pki-trustpoint"        // Trustpoint, keyed by name
	KindCertChain  = "pki-certificate-chain" // CertificateChain, keyed by trustpoint name
	// KindPKIKey holds private keys, keyed by key label. Like IOS, which
	// keeps keys in private NVRAM, they are never part of the running
	// configuration: a pasted configuration carries certificates but no keys.
	KindPKIKey = "pki-key"
)

// Enrollment methods of a trustpoint.
const (
	EnrollTerminal   = "terminal"   // certificates are pasted (crypto pki authenticate / import)
	EnrollSelfSigned = "selfsigned" // the router signs its own certificate
	EnrollURL        = "url"        // SCEP from EnrollmentURL
)

// Serial-number settings of a trustpoint.
const (
	SerialNumberInclude = "include" // "serial-number": put the router's serial number in requests
	SerialNumberNone    = "none"    // "serial-number none": never, and do not ask
)

// Revocation check methods, tried in order.
const (
	RevocationCRL  = "crl"
	RevocationOCSP = "ocsp"
	RevocationNone = "none"
)

// Trustpoint is "crypto pki trustpoint NAME": a CA the router trusts and the
// identity (key pair and certificate) it holds from that CA.
type Trustpoint struct {
	Name string `json:"name"`

	Enrollment    string `json:"enrollment,omitempty"` // Enroll...; "" = not configured
	EnrollmentPEM bool   `json:"enrollment_pem,omitempty"`
	EnrollmentURL string `json:"enrollment_url,omitempty"`

	// Fields of the router's certificate requests.
	SubjectName    string `json:"subject_name,omitempty"` // X.500 name as typed: "CN=vpn.example.com,O=Example"
	SubjectAltName string `json:"subject_alt_name,omitempty"`
	SerialNumber   string `json:"serial_number,omitempty"` // SerialNumber...; "" = ask at enrolment
	IPAddress      string `json:"ip_address,omitempty"`    // address, "none", or "" = ask at enrolment
	FQDN           string `json:"fqdn,omitempty"`          // name, "none", or "" = the router's own

	// RevocationCheck lists the methods in the order they are tried; nil
	// means IOS's default, crl only (see RevocationMethods).
	RevocationCheck []string `json:"revocation_check,omitempty"`

	// Key pair of the router's identity. At most one of RSAKeyPair and
	// ECKeyPair is set; with neither, IOS uses the router's default RSA
	// key (named after the host name).
	RSAKeyPair string `json:"rsa_keypair,omitempty"`
	RSAKeySize int    `json:"rsa_key_size,omitempty"` // bits when generated; 0 = IOS asks (default 2048 here)
	ECKeyPair  string `json:"ec_keypair,omitempty"`

	// Password is the challenge password of certificate requests.
	Password *Secret `json:"password,omitempty"`
}

// RevocationMethods is RevocationCheck with the IOS default applied.
func (t *Trustpoint) RevocationMethods() []string {
	if len(t.RevocationCheck) == 0 {
		return []string{RevocationCRL}
	}
	return t.RevocationCheck
}

// KeyLabel is the label of the trustpoint's private key in KindPKIKey.
func (t *Trustpoint) KeyLabel() string {
	if t.ECKeyPair != "" {
		return t.ECKeyPair
	}
	return t.RSAKeyPair
}

// Roles of a certificate in a chain.
const (
	CertRoleIdentity   = "identity"    // the router's own certificate ("certificate SERIAL")
	CertRoleCA         = "ca"          // the trustpoint's CA ("certificate ca SERIAL")
	CertRoleSelfSigned = "self-signed" // a self-signed router certificate
)

// CertificateChain is "crypto pki certificate chain TRUSTPOINT": the
// certificates loaded into a trustpoint, the router's own first.
type CertificateChain struct {
	Trustpoint   string        `json:"trustpoint"`
	Certificates []Certificate `json:"certificates,omitempty"`
}

// Certificate is one X.509 certificate of a chain.
type Certificate struct {
	Role   string `json:"role"`   // CertRole...
	Serial string `json:"serial"` // upper-case hex, as IOS prints it ("01", "3A0000000B")
	DER    []byte `json:"der"`
}

// PKIKey is a private key, stored outside the rendered configuration.
type PKIKey struct {
	Label string `json:"label"`
	Type  string `json:"type"`           // "rsa" or "ec"
	Bits  int    `json:"bits,omitempty"` // modulus size (RSA) or curve size (EC)
	// PKCS8 is the unencrypted PKCS#8 DER encoding of the key.
	PKCS8 []byte `json:"pkcs8"`
}
