package modes

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/ecdsa"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"math/big"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/grammar"
)

func init() { areas = append(areas, registerPKI) }

// revocationMethods is one slot of "revocation-check".
const revocationMethods = "<crl|none|ocsp>$method"

func registerPKI(t *Tree) {
	tp := t.NewMode("ca-trustpoint", nil, "CA trustpoint configuration commands:")
	chain := t.NewMode("config-cert-chain", nil, "Certificate chain configuration commands:")
	t.Config.Add(
		&grammar.Command{Def: "crypto pki trustpoint WORD$name",
			Help: "\nPublic Key components\nDefine a CA trustpoint\nCA trustpoint name",
			Action: subModeObject(tp, schema.KindTrustpoint, func(name string) *schema.Trustpoint {
				return &schema.Trustpoint{Name: name}
			})},
		&grammar.Command{Def: "no crypto pki trustpoint WORD$name",
			Help:   "\n\n\n\nCA trustpoint name",
			Action: ExecFunc(removeTrustpoint)},
		&grammar.Command{Def: "[no] crypto pki certificate chain WORD$name",
			Help: "\n\nActions on certificates\nCertificate chain for a trustpoint\nTrustpoint name",
			Action: ConfigFunc(func(c *Ctx, tx *configdb.Tx) error {
				name := c.Args.Str("name")
				if c.Args.No() {
					tx.Delete(schema.KindCertChain, name)
					return nil
				}
				// The chain object appears with its first certificate.
				c.Sess.Enter(chain, name)
				return nil
			})},
		&grammar.Command{Def: "crypto pki authenticate WORD$name",
			Help:   "\n\nGet the certification authority certificate\nCA trustpoint name",
			Action: ExecFunc(authenticateCA)},
		&grammar.Command{Def: "crypto key zeroize <rsa|ec>$type [WORD$label]",
			Help:   "\nLong term key operations\nRemove keys\nRemove RSA keys\nRemove EC keys\nName of the key pair",
			Action: ExecFunc(zeroizeKeys)},
		&grammar.Command{Def: "crypto pki import WORD$name pem <terminal$from|url$from WORD$url> password WORD$password",
			Help:   "\n\nImport certificates and the key of a trustpoint\nTrustpoint name\nPEM format\nFrom the terminal (cut-and-paste)\nFrom files URL.ca, URL.prv and URL.crt\nURL prefix (file:PATH)\nPassphrase of the private key\nPassphrase",
			Action: ExecFunc(importPEM)},
	)
	tp.Add(
		&grammar.Command{Def: "[no] enrollment <terminal$method [pem$pem]|selfsigned$method|url$method WORD$url>", ShortNo: true,
			Help: "Enrollment parameters\nEnroll via the terminal (cut-and-paste)\nUse PEM format\nEnroll selfsigned\nCA server enrollment URL\nURL",
			Action: updateTP(func(c *Ctx, t *schema.Trustpoint) error {
				t.Enrollment, t.EnrollmentPEM, t.EnrollmentURL = "", false, ""
				if !c.Args.No() {
					t.Enrollment, t.EnrollmentPEM = c.Args.Str("method"), c.Args.Has("pem")
					if t.Enrollment == schema.EnrollURL {
						t.EnrollmentURL = c.Args.Str("url")
					}
				}
				return nil
			})},
		&grammar.Command{Def: "[no] subject-name LINE$subject", ShortNo: true,
			Help: "Subject Name\nX.500 name, for example CN=vpn.example.com,O=Example",
			Action: updateTP(func(c *Ctx, t *schema.Trustpoint) error {
				s := c.Args.Str("subject")
				if !c.Args.No() && !strings.Contains(s, "=") {
					return IOSError("% Invalid subject name " + s + ": expected attribute=value[,attribute=value...]")
				}
				t.SubjectName = ifOn(!c.Args.No(), s)
				return nil
			})},
		&grammar.Command{Def: "[no] subject-alt-name WORD$name", ShortNo: true,
			Help:   "Subject Alternative Name\nName (FQDN) to include",
			Action: setString(schema.KindTrustpoint, func(t *schema.Trustpoint) *string { return &t.SubjectAltName }, "name")},
		&grammar.Command{Def: "[no] revocation-check " + revocationMethods + " [" + revocationMethods + "] [" + revocationMethods + "]", ShortNo: true,
			Help: "Revocation checking options\nRevocation check by CRL\nIgnore revocation check\nRevocation check by OCSP\n\n\n\n\n\n",
			Action: updateTP(func(c *Ctx, t *schema.Trustpoint) error {
				methods := c.Args.All("method")
				if c.Args.No() {
					t.RevocationCheck = nil
					return nil
				}
				if len(slices.Compact(slices.Sorted(slices.Values(methods)))) != len(methods) {
					return IOSError("% Each revocation method may be given once")
				}
				t.RevocationCheck = methods
				if slices.Equal(methods, []string{schema.RevocationCRL}) {
					t.RevocationCheck = nil // the IOS default
				}
				return nil
			})},
		&grammar.Command{Def: "[no] rsakeypair WORD$label [<512-4096>$size]", ShortNo: true,
			Help: "Specify the RSA key pair to use\nKey pair label\nSize of the key in bits",
			Action: updateTP(func(c *Ctx, t *schema.Trustpoint) error {
				if c.Args.No() {
					t.RSAKeyPair, t.RSAKeySize = "", 0
					return nil
				}
				t.RSAKeyPair, t.RSAKeySize, t.ECKeyPair = c.Args.Str("label"), int(c.Args.Int("size")), ""
				return nil
			})},
		&grammar.Command{Def: "[no] eckeypair WORD$label", ShortNo: true,
			Help: "Specify the Elliptic Curve key pair to use\nKey pair label",
			Action: updateTP(func(c *Ctx, t *schema.Trustpoint) error {
				if c.Args.No() {
					t.ECKeyPair = ""
					return nil
				}
				t.ECKeyPair, t.RSAKeyPair, t.RSAKeySize = c.Args.Str("label"), "", 0
				return nil
			})},
		&grammar.Command{Def: "[no] serial-number [none$none]",
			Help: "Include the router serial number in the certificate\nDo not include serial number",
			Action: updateTP(func(c *Ctx, t *schema.Trustpoint) error {
				switch {
				case c.Args.No():
					t.SerialNumber = ""
				case c.Args.Has("none"):
					t.SerialNumber = schema.SerialNumberNone
				default:
					t.SerialNumber = schema.SerialNumberInclude
				}
				return nil
			})},
		&grammar.Command{Def: "[no] ip-address <A.B.C.D$addr|none$addr>", ShortNo: true,
			Help:   "include an IP address in the certificate\nIP address to include in certificate\nDo not include IP address",
			Action: setString(schema.KindTrustpoint, func(t *schema.Trustpoint) *string { return &t.IPAddress }, "addr")},
		&grammar.Command{Def: "[no] fqdn WORD$fqdn", ShortNo: true,
			Help:   "Fully qualified domain name to include in the certificate\nFully qualified domain name, or none",
			Action: setString(schema.KindTrustpoint, func(t *schema.Trustpoint) *string { return &t.FQDN }, "fqdn")},
		&grammar.Command{Def: "[no] password [<0|7>$type] WORD$secret", ShortNo: true,
			Help: "Revocation/challenge password\nSpecifies an UNENCRYPTED password will follow\nSpecifies a HIDDEN password will follow\nThe challenge password",
			Action: updateTP(func(c *Ctx, t *schema.Trustpoint) error {
				p, err := newPassword(c.Args)
				t.Password = p
				return err
			})},
	)
	chain.Add(&grammar.Command{Def: "[no] certificate [<ca|self-signed>$role] WORD$serial",
		Help:   "Enter a certificate in hexadecimal\na CA certificate\na self-signed certificate\nCertificate serial number (hex)",
		Action: ExecFunc(chainCertificate)})
	t.Section(OrderPKI+0, func(r *Renderer, tx Reader) {
		each(tx, schema.KindTrustpoint, func(name string, t *schema.Trustpoint) {
			r.Line(0, "crypto pki trustpoint %s", name)
			for _, l := range trustpointLines(r, t) {
				r.Line(1, "%s", l)
			}
			r.Bang()
		})
	})
	t.Section(OrderPKI+10, func(r *Renderer, tx Reader) {
		each(tx, schema.KindCertChain, func(name string, ch *schema.CertificateChain) {
			if len(ch.Certificates) == 0 {
				return
			}
			r.Line(0, "crypto pki certificate chain %s", name)
			for _, cert := range chainOrder(ch) {
				r.Line(1, "%s", certificateCommand(cert.Role, cert.Serial))
				for _, l := range certHexLines(cert.DER) {
					r.Line(2, "%s", l)
				}
				r.Line(2, "\tquit")
			}
			r.Bang()
		})
	})
	t.Exec.Add(
		show("show crypto pki trustpoints [WORD$name]", "\n\nShow PKI\nShow trustpoints\nTrustpoint name", 1, showTrustpoints),
		show("show crypto pki certificates [WORD$name]", "\n\n\nShow certificates\nTrustpoint name", 1, showCertificates),
		show("show crypto key mypubkey <rsa|ec>$type [WORD$label]", "\n\nShow long term public keys\nShow public keys associated with this router\nShow RSA public keys\nShow EC public keys\nName of the key pair", 15, showKeys),
	)
}

// updateTP is the handler of a ca-trustpoint sub-command.
func updateTP(fn func(c *Ctx, t *schema.Trustpoint) error) ConfigFunc {
	return editObject(schema.KindTrustpoint, fn)
}

// trustpointLines renders a trustpoint's sub-commands in IOS order.
// revocation-check is always shown, as IOS 15 does.
func trustpointLines(r *Renderer, t *schema.Trustpoint) []string {
	var out []string
	switch t.Enrollment {
	case schema.EnrollTerminal:
		out = append(out, strings.TrimSpace("enrollment terminal "+ifOn(t.EnrollmentPEM, "pem")))
	case schema.EnrollSelfSigned:
		out = append(out, "enrollment selfsigned")
	case schema.EnrollURL:
		out = append(out, "enrollment url "+t.EnrollmentURL)
	}
	switch t.SerialNumber {
	case schema.SerialNumberInclude:
		out = append(out, "serial-number")
	case schema.SerialNumberNone:
		out = append(out, "serial-number none")
	}
	if t.FQDN != "" {
		out = append(out, "fqdn "+t.FQDN)
	}
	if t.IPAddress != "" {
		out = append(out, "ip-address "+t.IPAddress)
	}
	if t.Password != nil {
		out = append(out, "password "+r.Secret(t.Password))
	}
	if t.SubjectName != "" {
		out = append(out, "subject-name "+t.SubjectName)
	}
	if t.SubjectAltName != "" {
		out = append(out, "subject-alt-name "+t.SubjectAltName)
	}
	out = append(out, "revocation-check "+strings.Join(t.RevocationMethods(), " "))
	if t.ECKeyPair != "" {
		out = append(out, "eckeypair "+t.ECKeyPair)
	}
	if t.RSAKeyPair != "" {
		line := "rsakeypair " + t.RSAKeyPair
		if t.RSAKeySize != 0 {
			line += " " + strconv.Itoa(t.RSAKeySize)
		}
		out = append(out, line)
	}
	return out
}

// removeTrustpoint is "no crypto pki trustpoint": like IOS it asks before
// destroying the certificates of an enrolled trustpoint. Keys stay (IOS
// removes them only with "crypto key zeroize").
func removeTrustpoint(c *Ctx) error {
	name := c.Args.Str("name")
	var enrolled bool
	c.Env.DB.View(func(tx *configdb.ReadTx) error {
		ch, ok := load[schema.CertificateChain](tx, schema.KindCertChain, name)
		enrolled = ok && len(ch.Certificates) > 0
		return nil
	})
	if enrolled {
		c.Printf("%% Removing an enrolled trustpoint will destroy all certificates\n received from the related Certificate Authority.\n\n")
		ok, err := confirm(c, "Are you sure you want to do this? [yes/no]: ")
		if err != nil || !ok {
			return err
		}
		c.Printf("%% Be sure to ask the CA administrator to revoke your certificates.\n")
	}
	return c.Update(func(tx *configdb.Tx) error {
		tx.Delete(schema.KindTrustpoint, name)
		tx.Delete(schema.KindCertChain, name)
		return nil
	})
}

// confirm asks a yes/no question.
func confirm(c *Ctx, question string) (bool, error) {
	ans, err := c.Sess.ReadLine(question)
	if err != nil {
		return false, err
	}
	ans = strings.ToLower(strings.TrimSpace(ans))
	return ans != "" && strings.HasPrefix("yes", ans), nil
}

// readPasted reads pasted text up to a line holding only "quit" or, where
// the prompt says so (not for keys: encrypted PEM keys contain a blank
// line), up to a blank line, as IOS does.
func readPasted(c *Ctx, prompt string) (string, error) {
	blankEnds := strings.Contains(prompt, "a blank line")
	lines, err := c.Sess.ReadLines(prompt, func(l string) bool {
		l = strings.TrimSpace(l)
		return l == "quit" || (blankEnds && l == "")
	})
	if err != nil {
		return "", err
	}
	return strings.Join(lines[:len(lines)-1], "\n") + "\n", nil
}

// authenticateCA is "crypto pki authenticate TP": paste the CA
// certificate, check it, show its fingerprints and store it once accepted.
func authenticateCA(c *Ctx) error {
	name := c.Args.Str("name")
	var (
		tp    *schema.Trustpoint
		found bool
	)
	c.Env.DB.View(func(tx *configdb.ReadTx) error {
		tp, found = load[schema.Trustpoint](tx, schema.KindTrustpoint, name)
		return nil
	})
	switch {
	case !found:
		return IOSError("% Could not find trustpoint " + name)
	case tp.Enrollment != schema.EnrollTerminal:
		return IOSError(`% You must configure "enrollment terminal" for this CA before you can authenticate it`)
	}
	text, err := readPasted(c, "Enter the base 64 encoded CA certificate.\nEnd with a blank line or the word \"quit\" on a line by itself")
	if err != nil {
		return err
	}
	ca, err := parseCertificatePEM(text)
	if err != nil {
		return err
	}
	if err := checkCA(ca); err != nil {
		return err
	}
	c.Printf("Certificate has the following attributes:\n")
	c.Printf("       Fingerprint MD5: %s \n", fingerprint(md5.New(), ca.Raw))
	c.Printf("      Fingerprint SHA1: %s \n\n", fingerprint(sha1.New(), ca.Raw))
	ok, err := confirm(c, "% Do you accept this certificate? [yes/no]: ")
	if err != nil {
		return err
	}
	if !ok {
		c.Printf("%% Certificate not accepted.\n")
		return nil
	}
	err = c.Update(func(tx *configdb.Tx) error {
		return updateChain(tx, name, func(ch *schema.CertificateChain) error {
			for _, have := range ch.Certificates {
				if have.Role == schema.CertRoleCA && !bytes.Equal(have.DER, ca.Raw) {
					return IOSError("% Trustpoint " + name + " already has a CA certificate; remove it first with\n" +
						"% \"no certificate ca " + have.Serial + "\" under \"crypto pki certificate chain " + name + "\"")
				}
			}
			putCertificate(ch, schema.CertRoleCA, ca)
			return nil
		})
	})
	if err != nil {
		return err
	}
	c.Printf("Trustpoint CA certificate accepted.\n%% Certificate successfully imported\n")
	return nil
}

// checkCA refuses certificates that say they are not CAs.
func checkCA(ca *x509.Certificate) error {
	if ca.BasicConstraintsValid && !ca.IsCA {
		return IOSError("% The certificate is not a CA certificate (basic constraints CA:FALSE)")
	}
	return nil
}

// pemBundle is what "crypto pki import" reads: CA certificate, private key,
// router certificate.
type pemBundle struct{ ca, key, cert string }

// importPEM is "crypto pki import TP pem terminal|url PREFIX password PW".
// The url form is IOS's: it reads PREFIX.ca, PREFIX.prv and PREFIX.crt;
// only file: URLs (files on the Gatehouse host) are supported.
func importPEM(c *Ctx) error {
	name := c.Args.Str("name")
	var (
		b   pemBundle
		err error
	)
	if c.Args.Str("from") == "terminal" {
		b, err = readPEMBundle(c)
	} else {
		b, err = readPEMFiles(c, c.Args.Str("url"))
	}
	if err != nil {
		return err
	}
	ca, err := parseCertificatePEM(b.ca)
	if err != nil {
		return IOSError("% CA certificate: " + strings.TrimPrefix(err.Error(), "% "))
	}
	if err := checkCA(ca); err != nil {
		return err
	}
	key, err := parsePrivateKeyPEM(b.key, c.Args.Str("password"))
	if err != nil {
		return err
	}
	cert, err := parseCertificatePEM(b.cert)
	if err != nil {
		return IOSError("% Router certificate: " + strings.TrimPrefix(err.Error(), "% "))
	}
	if err := checkIdentity(cert, ca, key); err != nil {
		return err
	}
	err = c.Update(func(tx *configdb.Tx) error { return storeImport(tx, name, ca, cert, key) })
	if err != nil {
		return err
	}
	c.Printf("%% PEM files import succeeded.\n")
	return nil
}

// readPEMBundle reads the three pasted parts with IOS's prompts (shown on
// interactive sessions only, like every prompt for pasted text).
func readPEMBundle(c *Ctx) (pemBundle, error) {
	var b pemBundle
	var err error
	if b.ca, err = readPasted(c, "% Enter PEM-formatted CA certificate.\n% End with a blank line or \"quit\" on a line by itself."); err != nil {
		return b, err
	}
	if b.key, err = readPasted(c, "% Enter PEM-formatted encrypted general purpose key.\n% End with \"quit\" on a line by itself."); err != nil {
		return b, err
	}
	b.cert, err = readPasted(c, "% Enter PEM-formatted General Purpose certificate.\n% End with a blank line or \"quit\" on a line by itself.")
	return b, err
}

// readPEMFiles reads PREFIX.ca, PREFIX.prv and PREFIX.crt.
func readPEMFiles(c *Ctx, url string) (pemBundle, error) {
	path, ok := strings.CutPrefix(url, "file:")
	if !ok || path == "" {
		return pemBundle{}, IOSError("% Only file: URLs are supported (file:/path/prefix reads prefix.ca, prefix.prv and prefix.crt)")
	}
	var parts [3]string
	for i, f := range []struct{ what, ext string }{{"CA certificate", ".ca"}, {"private key", ".prv"}, {"certificate", ".crt"}} {
		c.Printf("%% Importing %s PEM file...\n", f.what)
		data, err := os.ReadFile(path + f.ext)
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is already in the message
		}
		if err != nil {
			return pemBundle{}, IOSError("% Error opening " + url + f.ext + " (" + err.Error() + ")")
		}
		parts[i] = string(data)
	}
	return pemBundle{parts[0], parts[1], parts[2]}, nil
}

// checkIdentity checks that the router certificate belongs to the key and
// was issued by the CA.
func checkIdentity(cert, ca *x509.Certificate, key crypto.Signer) error {
	pub, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(key.Public()) {
		return IOSError("% The private key does not match the router certificate")
	}
	if err := cert.CheckSignatureFrom(ca); err != nil {
		return IOSError("% The router certificate was not issued by the CA certificate (" + err.Error() + ")")
	}
	return nil
}

// storeImport writes the trustpoint, its key and its chain. Importing over
// existing certificates is refused rather than silently replacing an
// identity that sessions may use.
func storeImport(tx *configdb.Tx, name string, ca, cert *x509.Certificate, key crypto.Signer) error {
	if ch, ok := load[schema.CertificateChain](tx, schema.KindCertChain, name); ok && len(ch.Certificates) > 0 {
		return IOSError("% Trustpoint " + name + " already has certificates; remove them first with \"no crypto pki certificate chain " + name + "\"")
	}
	k, err := newPKIKey(key)
	if err != nil {
		return err
	}
	err = update(tx, schema.KindTrustpoint, name, func(t *schema.Trustpoint) error {
		t.Name = name
		switch {
		case k.Type == "rsa" && t.ECKeyPair != "", k.Type == "ec" && t.RSAKeyPair != "":
			return IOSError("% The key is " + strings.ToUpper(k.Type) + " but the trustpoint names a key pair of the other type")
		case k.Type == "rsa" && t.RSAKeyPair == "":
			t.RSAKeyPair = name
		case k.Type == "ec" && t.ECKeyPair == "":
			t.ECKeyPair = name
		}
		k.Label = t.KeyLabel()
		return nil
	})
	if err != nil {
		return err
	}
	if have, ok := load[schema.PKIKey](tx, schema.KindPKIKey, k.Label); ok && !bytes.Equal(have.PKCS8, k.PKCS8) {
		return IOSError("% A different key named " + k.Label + " already exists")
	}
	if err := store(tx, schema.KindPKIKey, k.Label, k); err != nil {
		return err
	}
	return updateChain(tx, name, func(ch *schema.CertificateChain) error {
		putCertificate(ch, schema.CertRoleIdentity, cert)
		putCertificate(ch, schema.CertRoleCA, ca)
		return nil
	})
}

// newPKIKey encodes a private key for KindPKIKey.
func newPKIKey(key crypto.Signer) (*schema.PKIKey, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, IOSError("% Cannot store the key: " + err.Error())
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return &schema.PKIKey{Type: "rsa", Bits: k.N.BitLen(), PKCS8: der}, nil
	case *ecdsa.PrivateKey:
		return &schema.PKIKey{Type: "ec", Bits: k.Curve.Params().BitSize, PKCS8: der}, nil
	}
	return nil, IOSError("% Only RSA and ECDSA keys are supported")
}

// updateChain loads (or creates) a trustpoint's certificate chain.
func updateChain(tx *configdb.Tx, name string, fn func(ch *schema.CertificateChain) error) error {
	return update(tx, schema.KindCertChain, name, func(ch *schema.CertificateChain) error {
		ch.Trustpoint = name
		return fn(ch)
	})
}

// putCertificate adds a certificate to a chain, replacing one with the
// same role and serial number.
func putCertificate(ch *schema.CertificateChain, role string, cert *x509.Certificate) {
	serial := serialHex(cert.SerialNumber)
	ch.Certificates = slices.DeleteFunc(ch.Certificates, func(c schema.Certificate) bool {
		return c.Role == role && c.Serial == serial
	})
	ch.Certificates = append(ch.Certificates, schema.Certificate{Role: role, Serial: serial, DER: cert.Raw})
}

// chainCertificate is "certificate [ca|self-signed] SERIAL" in a
// certificate chain: the hex dump follows, ending with "quit", exactly as
// the running configuration prints it.
func chainCertificate(c *Ctx) error {
	name, role := c.Key(0), c.Args.Str("role")
	if role == "" {
		role = schema.CertRoleIdentity
	}
	serial, ok := new(big.Int).SetString(c.Args.Str("serial"), 16)
	if !ok {
		return IOSError("% Invalid certificate serial number " + c.Args.Str("serial"))
	}
	if c.Args.No() {
		return c.Update(func(tx *configdb.Tx) error {
			return updateChain(tx, name, func(ch *schema.CertificateChain) error {
				n := len(ch.Certificates)
				ch.Certificates = slices.DeleteFunc(ch.Certificates, func(cert schema.Certificate) bool {
					return cert.Role == role && cert.Serial == serialHex(serial)
				})
				if len(ch.Certificates) == n {
					return IOSError("% No such certificate in chain " + name)
				}
				return nil
			})
		})
	}
	text, err := readPasted(c, "Enter the certificate in hexadecimal representation.\nEnd with \"quit\" on a line by itself.")
	if err != nil {
		return err
	}
	der, err := parseCertHex(text)
	if err != nil {
		return err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return IOSError("% Invalid certificate: " + err.Error())
	}
	if cert.SerialNumber.Cmp(serial) != 0 {
		return IOSError("% The certificate's serial number is " + serialHex(cert.SerialNumber) + ", not " + c.Args.Str("serial"))
	}
	if role == schema.CertRoleCA {
		if err := checkCA(cert); err != nil {
			return err
		}
	}
	return c.Update(func(tx *configdb.Tx) error {
		return updateChain(tx, name, func(ch *schema.CertificateChain) error {
			putCertificate(ch, role, cert)
			return nil
		})
	})
}

// chainOrder lists the router's certificates before the CA's, as IOS does.
func chainOrder(ch *schema.CertificateChain) []schema.Certificate {
	out := slices.Clone(ch.Certificates)
	slices.SortStableFunc(out, func(a, b schema.Certificate) int {
		return boolInt(a.Role == schema.CertRoleCA) - boolInt(b.Role == schema.CertRoleCA)
	})
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// certificateCommand is the chain sub-command that carries a certificate.
func certificateCommand(role, serial string) string {
	if role == schema.CertRoleIdentity {
		return "certificate " + serial
	}
	return "certificate " + role + " " + serial
}

// serialHex prints a serial number as IOS does: upper-case hex, an even
// number of digits.
func serialHex(n *big.Int) string {
	s := strings.ToUpper(n.Text(16))
	if len(s)%2 == 1 {
		s = "0" + s
	}
	return s
}

// certHexLines is IOS's hex dump of a certificate: 32 bytes a line in
// groups of four.
func certHexLines(der []byte) []string {
	var lines []string
	for len(der) > 0 {
		n := min(32, len(der))
		var groups []string
		for i := 0; i < n; i += 4 {
			groups = append(groups, fmt.Sprintf("%X", der[i:min(i+4, n)]))
		}
		lines = append(lines, strings.Join(groups, " "))
		der = der[n:]
	}
	return lines
}

// parseCertHex reads a hex dump as certHexLines writes it (any spacing).
func parseCertHex(text string) ([]byte, error) {
	digits := strings.Join(strings.Fields(text), "")
	if digits == "" {
		return nil, IOSError("% No certificate data")
	}
	der, err := hex.DecodeString(digits)
	if err != nil {
		return nil, IOSError("% Invalid hexadecimal certificate data")
	}
	return der, nil
}

// parseCertificatePEM reads one certificate, as PEM or as the bare base64
// body IOS also accepts.
func parseCertificatePEM(text string) (*x509.Certificate, error) {
	var der []byte
	if block, rest := pem.Decode([]byte(text)); block != nil {
		if block.Type != "CERTIFICATE" {
			return nil, IOSError("% Expected a CERTIFICATE, found " + block.Type)
		}
		if next, _ := pem.Decode(rest); next != nil {
			return nil, IOSError("% Paste one certificate at a time")
		}
		der = block.Bytes
	} else {
		b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text), ""))
		if err != nil || len(b) == 0 {
			return nil, IOSError("% No PEM or base64 certificate found")
		}
		der = b
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, IOSError("% Invalid certificate: " + err.Error())
	}
	return cert, nil
}

// parsePrivateKeyPEM reads an RSA or EC private key: PKCS#1/SEC 1 (plain
// or with legacy "Proc-Type: 4,ENCRYPTED" encryption, as "openssl rsa
// -des3" writes), PKCS#8, or encrypted PKCS#8 (PBES2, as OpenSSL 3 writes
// by default).
func parsePrivateKeyPEM(text, password string) (crypto.Signer, error) {
	rest := []byte(text)
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, IOSError("% No PEM private key found")
		}
		if block.Type == "EC PARAMETERS" { // written before the key by "openssl ecparam -genkey"
			continue
		}
		der := block.Bytes
		//lint:ignore SA1019 legacy PEM encryption is what IOS exports and accepts.
		if x509.IsEncryptedPEMBlock(block) {
			var err error
			//lint:ignore SA1019 see above.
			if der, err = x509.DecryptPEMBlock(block, []byte(password)); err != nil {
				return nil, IOSError("% Cannot decrypt the private key: wrong password")
			}
		}
		var key any
		var err error
		switch block.Type {
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(der)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(der)
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(der)
		case "ENCRYPTED PRIVATE KEY":
			if der, err = decryptPKCS8(der, password); err == nil {
				key, err = x509.ParsePKCS8PrivateKey(der)
			}
		default:
			return nil, IOSError("% Expected a private key, found " + block.Type)
		}
		if err != nil {
			var ios IOSError
			if errors.As(err, &ios) {
				return nil, ios
			}
			return nil, IOSError("% Invalid private key: the " + block.Type + " block is not a valid key encoding")
		}
		switch k := key.(type) {
		case *rsa.PrivateKey:
			return k, nil
		case *ecdsa.PrivateKey:
			return k, nil
		}
		return nil, IOSError("% Only RSA and ECDSA keys are supported")
	}
}

// PKCS#5 v2 (RFC 8018) object identifiers of encrypted PKCS#8 keys.
var (
	oidPBES2       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHMACSHA1    = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACSHA256  = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACSHA384  = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}
	oidHMACSHA512  = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}
	oidAES128CBC   = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC   = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC   = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidDESEDE3CBC  = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
	maxPBKDF2Iters = 10_000_000 // refuses keys that would stall the CLI
)

type encryptedPrivateKeyInfo struct {
	Algorithm     pkix.AlgorithmIdentifier
	EncryptedData []byte
}

type pbes2Params struct {
	KeyDerivation pkix.AlgorithmIdentifier
	Encryption    pkix.AlgorithmIdentifier
}

type pbkdf2Params struct {
	Salt       []byte
	Iterations int
	KeyLength  int                      `asn1:"optional"`
	PRF        pkix.AlgorithmIdentifier `asn1:"optional"`
}

// decryptPKCS8 decrypts an EncryptedPrivateKeyInfo protected with PBES2
// (PBKDF2 and AES-CBC or 3DES-CBC), returning the PKCS#8 DER inside.
func decryptPKCS8(der []byte, password string) ([]byte, error) {
	var info encryptedPrivateKeyInfo
	if rest, err := asn1.Unmarshal(der, &info); err != nil || len(rest) != 0 {
		return nil, IOSError("% Invalid encrypted private key")
	}
	if !info.Algorithm.Algorithm.Equal(oidPBES2) {
		return nil, IOSError("% Unsupported private key encryption " + info.Algorithm.Algorithm.String() + " (use PBES2 or legacy PEM encryption)")
	}
	var params pbes2Params
	if _, err := asn1.Unmarshal(info.Algorithm.Parameters.FullBytes, &params); err != nil || !params.KeyDerivation.Algorithm.Equal(oidPBKDF2) {
		return nil, IOSError("% Unsupported private key encryption (PBES2 needs PBKDF2)")
	}
	var kdf pbkdf2Params
	if _, err := asn1.Unmarshal(params.KeyDerivation.Parameters.FullBytes, &kdf); err != nil || kdf.Iterations < 1 || kdf.Iterations > maxPBKDF2Iters {
		return nil, IOSError("% Invalid PBKDF2 parameters in the private key")
	}
	var prf func() hash.Hash
	switch alg := kdf.PRF.Algorithm; {
	case len(alg) == 0 || alg.Equal(oidHMACSHA1):
		prf = sha1.New
	case alg.Equal(oidHMACSHA256):
		prf = sha256.New
	case alg.Equal(oidHMACSHA384):
		prf = sha512.New384
	case alg.Equal(oidHMACSHA512):
		prf = sha512.New
	default:
		return nil, IOSError("% Unsupported PBKDF2 hash " + alg.String())
	}
	var newBlock func([]byte) (cipher.Block, error)
	var keyLen int
	switch alg := params.Encryption.Algorithm; {
	case alg.Equal(oidAES128CBC):
		newBlock, keyLen = aes.NewCipher, 16
	case alg.Equal(oidAES192CBC):
		newBlock, keyLen = aes.NewCipher, 24
	case alg.Equal(oidAES256CBC):
		newBlock, keyLen = aes.NewCipher, 32
	case alg.Equal(oidDESEDE3CBC):
		newBlock, keyLen = des.NewTripleDESCipher, 24
	default:
		return nil, IOSError("% Unsupported private key cipher " + alg.String())
	}
	var iv []byte
	if _, err := asn1.Unmarshal(params.Encryption.Parameters.FullBytes, &iv); err != nil {
		return nil, IOSError("% Invalid cipher parameters in the private key")
	}
	key, err := pbkdf2.Key(prf, password, kdf.Salt, kdf.Iterations, keyLen)
	if err != nil {
		return nil, IOSError("% Invalid PBKDF2 parameters in the private key")
	}
	block, err := newBlock(key)
	if err != nil {
		return nil, IOSError("% Invalid private key cipher")
	}
	data := info.EncryptedData
	if len(iv) != block.BlockSize() || len(data) == 0 || len(data)%block.BlockSize() != 0 {
		return nil, IOSError("% Invalid encrypted private key")
	}
	plain := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(plain, data)
	// PKCS#7 padding; a wrong password almost always breaks it.
	pad := int(plain[len(plain)-1])
	if pad == 0 || pad > block.BlockSize() || !bytes.Equal(plain[len(plain)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
		return nil, IOSError("% Cannot decrypt the private key: wrong password")
	}
	return plain[:len(plain)-pad], nil
}

// fingerprint is a digest in IOS's groups of eight hex digits.
func fingerprint(h hash.Hash, der []byte) string {
	h.Write(der)
	sum := fmt.Sprintf("%X", h.Sum(nil))
	var groups []string
	for i := 0; i < len(sum); i += 8 {
		groups = append(groups, sum[i:min(i+8, len(sum))])
	}
	return strings.Join(groups, " ")
}

// dnAttributes are IOS's short names of distinguished-name attributes.
var dnAttributes = map[string]string{
	"2.5.4.3": "cn", "2.5.4.10": "o", "2.5.4.11": "ou", "2.5.4.6": "c", "2.5.4.8": "st", "2.5.4.7": "l",
	"2.5.4.9": "street", "2.5.4.5": "serialNumber", "1.2.840.113549.1.9.1": "e",
	"0.9.2342.19200300.100.1.25": "dc", "1.2.840.113549.1.9.2": "hostname", "1.2.840.113549.1.9.8": "ipaddress",
}

// dnLines lists a name's attributes one a line, most specific first, as
// IOS shows issuers and subjects.
func dnLines(name pkix.Name) []string {
	var out []string
	rdns := name.ToRDNSequence()
	for i := len(rdns) - 1; i >= 0; i-- {
		for _, atv := range rdns[i] {
			attr, ok := dnAttributes[atv.Type.String()]
			if !ok {
				attr = atv.Type.String()
			}
			out = append(out, fmt.Sprintf("%s=%v", attr, atv.Value))
		}
	}
	return out
}

// certUsage is IOS's "Certificate Usage" line.
func certUsage(cert *x509.Certificate) string {
	sign := cert.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageCertSign) != 0
	encrypt := cert.KeyUsage&x509.KeyUsageKeyEncipherment != 0
	switch {
	case sign && !encrypt:
		return "Signature"
	case encrypt && !sign:
		return "Encryption"
	}
	return "General Purpose"
}

// iosDate is the date format of IOS PKI show commands.
func iosDate(cert *x509.Certificate, start bool) string {
	t := cert.NotAfter
	if start {
		t = cert.NotBefore
	}
	return t.UTC().Format("15:04:05 MST Jan 2 2006")
}

// showTrustpoints prints "show crypto pki trustpoints" in IOS's layout.
func showTrustpoints(c *Ctx) error {
	return c.Env.DB.View(func(tx *configdb.ReadTx) error {
		first := true
		each(tx, schema.KindTrustpoint, func(name string, tp *schema.Trustpoint) {
			if want := c.Args.Str("name"); want != "" && name != want {
				return
			}
			if !first {
				c.Printf("\n")
			}
			first = false
			c.Printf("Trustpoint %s:\n", name)
			ca := chainCA(tx, name)
			if ca == nil {
				c.Printf("    Not authenticated.\n")
				return
			}
			c.Printf("    Subject Name: \n")
			for _, l := range dnLines(ca.Subject) {
				c.Printf("    %s\n", l)
			}
			c.Printf("          Serial Number (hex): %s\n", serialHex(ca.SerialNumber))
			c.Printf("    Certificate configured.\n")
		})
		return nil
	})
}

// chainCA is a trustpoint's CA certificate, nil when it has none.
func chainCA(tx Reader, name string) *x509.Certificate {
	ch, _ := load[schema.CertificateChain](tx, schema.KindCertChain, name)
	for _, cert := range ch.Certificates {
		if cert.Role == schema.CertRoleCA {
			if parsed, err := x509.ParseCertificate(cert.DER); err == nil {
				return parsed
			}
		}
	}
	return nil
}

// showCertificates prints "show crypto pki certificates": each certificate
// once, with every trustpoint it belongs to.
func showCertificates(c *Ctx) error {
	return c.Env.DB.View(func(tx *configdb.ReadTx) error {
		type entry struct {
			cert        schema.Certificate
			trustpoints []string
		}
		var list []*entry
		byDER := map[string]*entry{}
		each(tx, schema.KindCertChain, func(name string, ch *schema.CertificateChain) {
			for _, cert := range chainOrder(ch) {
				e := byDER[string(cert.DER)]
				if e == nil {
					e = &entry{cert: cert}
					byDER[string(cert.DER)] = e
					list = append(list, e)
				}
				e.trustpoints = append(e.trustpoints, name)
			}
		})
		// The router's certificates first, then the CAs', as IOS lists them.
		slices.SortStableFunc(list, func(a, b *entry) int {
			return boolInt(a.cert.Role == schema.CertRoleCA) - boolInt(b.cert.Role == schema.CertRoleCA)
		})
		for _, e := range list {
			if want := c.Args.Str("name"); want != "" && !slices.Contains(e.trustpoints, want) {
				continue
			}
			cert, err := x509.ParseCertificate(e.cert.DER)
			if err != nil {
				continue
			}
			switch e.cert.Role {
			case schema.CertRoleCA:
				c.Printf("CA Certificate\n")
			case schema.CertRoleSelfSigned:
				c.Printf("Router Self-Signed Certificate\n")
			default:
				c.Printf("Certificate\n")
			}
			c.Printf("  Status: Available\n")
			c.Printf("  Certificate Serial Number (hex): %s\n", e.cert.Serial)
			c.Printf("  Certificate Usage: %s\n", certUsage(cert))
			c.Printf("  Issuer:\n")
			for _, l := range dnLines(cert.Issuer) {
				c.Printf("    %s\n", l)
			}
			c.Printf("  Subject:\n")
			for _, l := range dnLines(cert.Subject) {
				c.Printf("    %s\n", l)
			}
			c.Printf("  Validity Date:\n")
			c.Printf("    start date: %s\n", iosDate(cert, true))
			c.Printf("    end   date: %s\n", iosDate(cert, false))
			c.Printf("  Associated Trustpoints: %s\n\n", strings.Join(e.trustpoints, " "))
		}
		return nil
	})
}

// zeroizeKeys is "crypto key zeroize rsa|ec [LABEL]": it removes key pairs
// and, as IOS does, the router certificates issued for them.
func zeroizeKeys(c *Ctx) error {
	typ, label := c.Args.Str("type"), c.Args.Str("label")
	if label == "" {
		c.Printf("%% All %s keys will be removed.\n", strings.ToUpper(typ))
	} else {
		c.Printf("%% Keys to be removed are named '%s'.\n", label)
	}
	c.Printf("%% All router certs issued using these keys will also be removed.\n")
	ok, err := confirm(c, "Do you really want to remove these keys? [yes/no]: ")
	if err != nil || !ok {
		return err
	}
	return c.Update(func(tx *configdb.Tx) error {
		var removed []string
		each(tx, schema.KindPKIKey, func(name string, k *schema.PKIKey) {
			if k.Type == typ && (label == "" || name == label) {
				tx.Delete(schema.KindPKIKey, name)
				removed = append(removed, name)
			}
		})
		if label != "" && len(removed) == 0 {
			return IOSError("% No " + strings.ToUpper(typ) + " keys named " + label)
		}
		var err error
		each(tx, schema.KindTrustpoint, func(name string, t *schema.Trustpoint) {
			if err != nil || !slices.Contains(removed, t.KeyLabel()) {
				return
			}
			err = updateChain(tx, name, func(ch *schema.CertificateChain) error {
				ch.Certificates = slices.DeleteFunc(ch.Certificates, func(c schema.Certificate) bool { return c.Role != schema.CertRoleCA })
				return nil
			})
		})
		return err
	})
}

// showKeys is "show crypto key mypubkey rsa|ec [LABEL]" in IOS's layout.
func showKeys(c *Ctx) error {
	return c.Env.DB.View(func(tx *configdb.ReadTx) error {
		each(tx, schema.KindPKIKey, func(name string, k *schema.PKIKey) {
			if k.Type != c.Args.Str("type") || (c.Args.Str("label") != "" && name != c.Args.Str("label")) {
				return
			}
			key, err := x509.ParsePKCS8PrivateKey(k.PKCS8)
			signer, ok := key.(crypto.Signer)
			if err != nil || !ok {
				return
			}
			pub, err := x509.MarshalPKIXPublicKey(signer.Public())
			if err != nil {
				return
			}
			c.Printf("Key name: %s\n", name)
			c.Printf("Key type: %s KEYS %d bits\n", strings.ToUpper(k.Type), k.Bits)
			c.Printf(" Storage Device: private-config\n")
			c.Printf(" Usage: General Purpose Key\n")
			c.Printf(" Key is not exportable.\n")
			c.Printf(" Key Data:\n")
			for _, l := range certHexLines(pub) {
				c.Printf("  %s\n", l)
			}
		})
		return nil
	})
}
