package freeradius

import "github.com/gatehouse-vpn/gatehouse/internal/peerkit"

// Credential is a certificate with its private key (peerkit.Credential).
// The harness's are ECDSA P-256; a strongSwan client in
// services/ike/interop takes them as they are.
type Credential = peerkit.Credential

// CertOptions are the subjectAltNames and lifetime of an issued
// certificate (peerkit.CertOptions); IssueClientCert ignores its usages.
type CertOptions = peerkit.CertOptions

// caOrganization names the harness in the subject of every certificate it
// makes.
const caOrganization = "Gatehouse FreeRADIUS harness"
