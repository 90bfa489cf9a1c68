package interop

import "github.com/gatehouse-vpn/gatehouse/internal/peerkit"

// Credentials are internal/peerkit's, which internal/freeradius shares: a
// FreeRADIUS server's CA and client certificates go to a strongSwan
// client as they are.
type (
	// Credential is a certificate with its private key.
	Credential = peerkit.Credential
	// CertOptions are the subjectAltNames, usages and lifetime of an
	// issued certificate. A VPN gateway's has Server and IKEIntermediate.
	CertOptions = peerkit.CertOptions
	// KeyType chooses a credential's key algorithm.
	KeyType = peerkit.KeyType
)

// Key algorithms.
const (
	ECDSA = peerkit.ECDSA // P-256
	RSA   = peerkit.RSA   // 2048 bits
)

// NewCA makes a self-signed CA with common name cn; it and the
// certificates it issues name the harness as their organization.
func NewCA(cn string, kt KeyType) (*Credential, error) {
	return peerkit.NewCA("Gatehouse interop", cn, kt)
}
