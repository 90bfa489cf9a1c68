package wire

import "strconv"

// ExchangeType is the IKE header's exchange type (RFC 7296 3.1).
type ExchangeType uint8

const (
	IKE_SA_INIT     ExchangeType = 34
	IKE_AUTH        ExchangeType = 35
	CREATE_CHILD_SA ExchangeType = 36
	INFORMATIONAL   ExchangeType = 37
)

func (e ExchangeType) String() string {
	switch e {
	case IKE_SA_INIT:
		return "IKE_SA_INIT"
	case IKE_AUTH:
		return "IKE_AUTH"
	case CREATE_CHILD_SA:
		return "CREATE_CHILD_SA"
	case INFORMATIONAL:
		return "INFORMATIONAL"
	}
	return "EXCHANGE(" + strconv.Itoa(int(e)) + ")"
}

// Flags is the IKE header's flags octet. All eight bits are kept so that an
// accepted message re-encodes as it arrived.
type Flags uint8

const (
	FlagInitiator Flags = 0x08 // I
	FlagVersion   Flags = 0x10 // V: sender can speak a higher major version
	FlagResponse  Flags = 0x20 // R
)

// PayloadType is a next-payload value (RFC 7296 3.2, RFC 7383).
type PayloadType uint8

const (
	NoNextPayload   PayloadType = 0
	PayloadSA       PayloadType = 33
	PayloadKE       PayloadType = 34
	PayloadIDi      PayloadType = 35
	PayloadIDr      PayloadType = 36
	PayloadCERT     PayloadType = 37
	PayloadCERTREQ  PayloadType = 38
	PayloadAUTH     PayloadType = 39
	PayloadNonce    PayloadType = 40
	PayloadNotify   PayloadType = 41
	PayloadDelete   PayloadType = 42
	PayloadVendorID PayloadType = 43
	PayloadTSi      PayloadType = 44
	PayloadTSr      PayloadType = 45
	PayloadSK       PayloadType = 46
	PayloadCP       PayloadType = 47
	PayloadEAP      PayloadType = 48
	PayloadSKF      PayloadType = 53
)

var payloadNames = map[PayloadType]string{
	NoNextPayload: "none", PayloadSA: "SA", PayloadKE: "KE", PayloadIDi: "IDi",
	PayloadIDr: "IDr", PayloadCERT: "CERT", PayloadCERTREQ: "CERTREQ",
	PayloadAUTH: "AUTH", PayloadNonce: "Nonce", PayloadNotify: "Notify",
	PayloadDelete: "Delete", PayloadVendorID: "VendorID", PayloadTSi: "TSi",
	PayloadTSr: "TSr", PayloadSK: "SK", PayloadCP: "CP", PayloadEAP: "EAP",
	PayloadSKF: "SKF",
}

func (t PayloadType) String() string {
	if n, ok := payloadNames[t]; ok {
		return n
	}
	return "PAYLOAD(" + strconv.Itoa(int(t)) + ")"
}

// ProtocolID names the protocol of a proposal, notify or delete.
type ProtocolID uint8

const (
	ProtoNone ProtocolID = 0
	ProtoIKE  ProtocolID = 1
	ProtoAH   ProtocolID = 2
	ProtoESP  ProtocolID = 3
)

// TransformType is a transform substructure's type (RFC 7296 3.3.2).
type TransformType uint8

const (
	TransformENCR  TransformType = 1
	TransformPRF   TransformType = 2
	TransformINTEG TransformType = 3
	TransformDH    TransformType = 4
	TransformESN   TransformType = 5
)

// TransformID is a transform's ID; its meaning depends on the TransformType.
type TransformID uint16

// Encryption algorithms (transform type 1).
const (
	ENCR_3DES              TransformID = 3
	ENCR_NULL              TransformID = 11
	ENCR_AES_CBC           TransformID = 12
	ENCR_AES_CTR           TransformID = 13
	ENCR_AES_GCM_8         TransformID = 18
	ENCR_AES_GCM_12        TransformID = 19
	ENCR_AES_GCM_16        TransformID = 20
	ENCR_CHACHA20_POLY1305 TransformID = 28
)

// Pseudorandom functions (transform type 2).
const (
	PRF_HMAC_SHA1     TransformID = 2
	PRF_HMAC_SHA2_256 TransformID = 5
	PRF_HMAC_SHA2_384 TransformID = 6
	PRF_HMAC_SHA2_512 TransformID = 7
)

// Integrity algorithms (transform type 3).
const (
	AUTH_NONE              TransformID = 0
	AUTH_HMAC_SHA1_96      TransformID = 2
	AUTH_HMAC_SHA2_256_128 TransformID = 12
	AUTH_HMAC_SHA2_384_192 TransformID = 13
	AUTH_HMAC_SHA2_512_256 TransformID = 14
)

// Diffie-Hellman groups (transform type 4); also the KE payload's group.
const (
	DH_NONE     TransformID = 0
	MODP_1024   TransformID = 2
	MODP_1536   TransformID = 5
	MODP_2048   TransformID = 14
	MODP_3072   TransformID = 15
	MODP_4096   TransformID = 16
	ECP_256     TransformID = 19
	ECP_384     TransformID = 20
	ECP_521     TransformID = 21
	CURVE_25519 TransformID = 31
)

// Extended sequence numbers (transform type 5).
const (
	ESN_NO  TransformID = 0
	ESN_YES TransformID = 1
)

// AttributeType is a transform attribute's type, without the AF bit.
type AttributeType uint16

// AttrKeyLength is the only transform attribute RFC 7296 defines (TV).
const AttrKeyLength AttributeType = 14

// IDType is an identification payload's ID type (RFC 7296 3.5).
type IDType uint8

const (
	ID_IPV4_ADDR   IDType = 1
	ID_FQDN        IDType = 2
	ID_RFC822_ADDR IDType = 3
	ID_IPV6_ADDR   IDType = 5
	ID_DER_ASN1_DN IDType = 9
	ID_DER_ASN1_GN IDType = 10
	ID_KEY_ID      IDType = 11
)

// CertEncoding is a CERT/CERTREQ payload's encoding (RFC 7296 3.6).
type CertEncoding uint8

const (
	CertPKCS7             CertEncoding = 1
	CertX509Signature     CertEncoding = 4
	CertCRL               CertEncoding = 7
	CertRawRSAKey         CertEncoding = 11
	CertHashURLX509       CertEncoding = 12
	CertHashURLX509Bundle CertEncoding = 13
)

// AuthMethod is an AUTH payload's method (RFC 7296 3.8, RFC 4754, RFC 7427).
type AuthMethod uint8

const (
	AuthRSASignature     AuthMethod = 1
	AuthSharedKeyMIC     AuthMethod = 2
	AuthDSSSignature     AuthMethod = 3
	AuthECDSASHA256P256  AuthMethod = 9
	AuthECDSASHA384P384  AuthMethod = 10
	AuthECDSASHA512P521  AuthMethod = 11
	AuthDigitalSignature AuthMethod = 14
)

// HashAlgorithm is a value in SIGNATURE_HASH_ALGORITHMS notify data (RFC 7427).
type HashAlgorithm uint16

const (
	HashSHA1     HashAlgorithm = 1
	HashSHA2_256 HashAlgorithm = 2
	HashSHA2_384 HashAlgorithm = 3
	HashSHA2_512 HashAlgorithm = 4
)

// TSType is a traffic selector's type (RFC 7296 3.13.1).
type TSType uint8

const (
	TS_IPV4_ADDR_RANGE TSType = 7
	TS_IPV6_ADDR_RANGE TSType = 8
)

// CPType is a configuration payload's CFG type (RFC 7296 3.15).
type CPType uint8

const (
	CFG_REQUEST CPType = 1
	CFG_REPLY   CPType = 2
	CFG_SET     CPType = 3
	CFG_ACK     CPType = 4
)

// CPAttributeType is a configuration attribute's type, without the R bit.
type CPAttributeType uint16

const (
	INTERNAL_IP4_ADDRESS CPAttributeType = 1
	INTERNAL_IP4_NETMASK CPAttributeType = 2
	INTERNAL_IP4_DNS     CPAttributeType = 3
	INTERNAL_IP4_NBNS    CPAttributeType = 4
	INTERNAL_IP4_DHCP    CPAttributeType = 6
	APPLICATION_VERSION  CPAttributeType = 7
	INTERNAL_IP6_ADDRESS CPAttributeType = 8
	INTERNAL_IP6_DNS     CPAttributeType = 10
	INTERNAL_IP6_DHCP    CPAttributeType = 12
	INTERNAL_IP4_SUBNET  CPAttributeType = 13
	SUPPORTED_ATTRIBUTES CPAttributeType = 14
	INTERNAL_IP6_SUBNET  CPAttributeType = 15
	INTERNAL_DNS_DOMAIN  CPAttributeType = 25

	// Cisco Unity attributes (private range), as Cisco and strongSwan use them.
	UNITY_BANNER         CPAttributeType = 28672
	UNITY_SAVE_PASSWD    CPAttributeType = 28673
	UNITY_DEF_DOMAIN     CPAttributeType = 28674
	UNITY_SPLITDNS_NAME  CPAttributeType = 28675
	UNITY_SPLIT_INCLUDE  CPAttributeType = 28676
	UNITY_NATT_PORT      CPAttributeType = 28677
	UNITY_LOCAL_LAN      CPAttributeType = 28678
	UNITY_PFS            CPAttributeType = 28679
	UNITY_FW_TYPE        CPAttributeType = 28680
	UNITY_BACKUP_SERVERS CPAttributeType = 28681
	UNITY_DDNS_HOSTNAME  CPAttributeType = 28682
)

// NotifyType is a Notify payload's message type (RFC 7296 3.10.1 and later
// RFCs). Values below 16384 are errors; the rest are status types.
type NotifyType uint16

// Error types.
const (
	UNSUPPORTED_CRITICAL_PAYLOAD NotifyType = 1
	INVALID_IKE_SPI              NotifyType = 4
	INVALID_MAJOR_VERSION        NotifyType = 5
	INVALID_SYNTAX               NotifyType = 7
	INVALID_MESSAGE_ID           NotifyType = 9
	INVALID_SPI                  NotifyType = 11
	NO_PROPOSAL_CHOSEN           NotifyType = 14
	INVALID_KE_PAYLOAD           NotifyType = 17
	AUTHENTICATION_FAILED        NotifyType = 24
	SINGLE_PAIR_REQUIRED         NotifyType = 34
	NO_ADDITIONAL_SAS            NotifyType = 35
	INTERNAL_ADDRESS_FAILURE     NotifyType = 36
	FAILED_CP_REQUIRED           NotifyType = 37
	TS_UNACCEPTABLE              NotifyType = 38
	INVALID_SELECTORS            NotifyType = 39
	UNACCEPTABLE_ADDRESSES       NotifyType = 40
	UNEXPECTED_NAT_DETECTED      NotifyType = 41
	USE_ASSIGNED_HoA             NotifyType = 42
	TEMPORARY_FAILURE            NotifyType = 43
	CHILD_SA_NOT_FOUND           NotifyType = 44
	INVALID_GROUP_ID             NotifyType = 45
	AUTHORIZATION_FAILED         NotifyType = 46
	STATE_NOT_FOUND              NotifyType = 47
)

// Status types.
const (
	INITIAL_CONTACT               NotifyType = 16384
	SET_WINDOW_SIZE               NotifyType = 16385
	ADDITIONAL_TS_POSSIBLE        NotifyType = 16386
	IPCOMP_SUPPORTED              NotifyType = 16387
	NAT_DETECTION_SOURCE_IP       NotifyType = 16388
	NAT_DETECTION_DESTINATION_IP  NotifyType = 16389
	COOKIE                        NotifyType = 16390
	USE_TRANSPORT_MODE            NotifyType = 16391
	HTTP_CERT_LOOKUP_SUPPORTED    NotifyType = 16392
	REKEY_SA                      NotifyType = 16393
	ESP_TFC_PADDING_NOT_SUPPORTED NotifyType = 16394
	NON_FIRST_FRAGMENTS_ALSO      NotifyType = 16395
	MOBIKE_SUPPORTED              NotifyType = 16396
	REDIRECT_SUPPORTED            NotifyType = 16406
	REDIRECT                      NotifyType = 16407
	REDIRECTED_FROM               NotifyType = 16408
	EAP_ONLY_AUTHENTICATION       NotifyType = 16417
	IKEV2_FRAGMENTATION_SUPPORTED NotifyType = 16430
	SIGNATURE_HASH_ALGORITHMS     NotifyType = 16431
)

var notifyNames = map[NotifyType]string{
	UNSUPPORTED_CRITICAL_PAYLOAD: "UNSUPPORTED_CRITICAL_PAYLOAD", INVALID_IKE_SPI: "INVALID_IKE_SPI",
	INVALID_MAJOR_VERSION: "INVALID_MAJOR_VERSION", INVALID_SYNTAX: "INVALID_SYNTAX",
	INVALID_MESSAGE_ID: "INVALID_MESSAGE_ID", INVALID_SPI: "INVALID_SPI",
	NO_PROPOSAL_CHOSEN: "NO_PROPOSAL_CHOSEN", INVALID_KE_PAYLOAD: "INVALID_KE_PAYLOAD",
	AUTHENTICATION_FAILED: "AUTHENTICATION_FAILED", SINGLE_PAIR_REQUIRED: "SINGLE_PAIR_REQUIRED",
	NO_ADDITIONAL_SAS: "NO_ADDITIONAL_SAS", INTERNAL_ADDRESS_FAILURE: "INTERNAL_ADDRESS_FAILURE",
	FAILED_CP_REQUIRED: "FAILED_CP_REQUIRED", TS_UNACCEPTABLE: "TS_UNACCEPTABLE",
	INVALID_SELECTORS: "INVALID_SELECTORS", UNACCEPTABLE_ADDRESSES: "UNACCEPTABLE_ADDRESSES",
	UNEXPECTED_NAT_DETECTED: "UNEXPECTED_NAT_DETECTED", USE_ASSIGNED_HoA: "USE_ASSIGNED_HoA",
	TEMPORARY_FAILURE: "TEMPORARY_FAILURE", CHILD_SA_NOT_FOUND: "CHILD_SA_NOT_FOUND",
	INVALID_GROUP_ID: "INVALID_GROUP_ID", AUTHORIZATION_FAILED: "AUTHORIZATION_FAILED",
	STATE_NOT_FOUND: "STATE_NOT_FOUND",
	INITIAL_CONTACT: "INITIAL_CONTACT", SET_WINDOW_SIZE: "SET_WINDOW_SIZE",
	ADDITIONAL_TS_POSSIBLE: "ADDITIONAL_TS_POSSIBLE", IPCOMP_SUPPORTED: "IPCOMP_SUPPORTED",
	NAT_DETECTION_SOURCE_IP: "NAT_DETECTION_SOURCE_IP", NAT_DETECTION_DESTINATION_IP: "NAT_DETECTION_DESTINATION_IP",
	COOKIE: "COOKIE", USE_TRANSPORT_MODE: "USE_TRANSPORT_MODE",
	HTTP_CERT_LOOKUP_SUPPORTED: "HTTP_CERT_LOOKUP_SUPPORTED", REKEY_SA: "REKEY_SA",
	ESP_TFC_PADDING_NOT_SUPPORTED: "ESP_TFC_PADDING_NOT_SUPPORTED", NON_FIRST_FRAGMENTS_ALSO: "NON_FIRST_FRAGMENTS_ALSO",
	MOBIKE_SUPPORTED: "MOBIKE_SUPPORTED", REDIRECT_SUPPORTED: "REDIRECT_SUPPORTED",
	REDIRECT: "REDIRECT", REDIRECTED_FROM: "REDIRECTED_FROM",
	EAP_ONLY_AUTHENTICATION: "EAP_ONLY_AUTHENTICATION", IKEV2_FRAGMENTATION_SUPPORTED: "IKEV2_FRAGMENTATION_SUPPORTED",
	SIGNATURE_HASH_ALGORITHMS: "SIGNATURE_HASH_ALGORITHMS",
}

func (n NotifyType) String() string {
	if s, ok := notifyNames[n]; ok {
		return s
	}
	return "NOTIFY(" + strconv.Itoa(int(n)) + ")"
}

// IsError reports whether n is an error type (RFC 7296 3.10.1: 0..16383).
func (n NotifyType) IsError() bool { return n < 16384 }
