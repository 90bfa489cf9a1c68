package secret

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/scrypt"
)

// xlat is the well-known IOS type 7 key stream.
const xlat = "dsfd;kfoA,.iyewrkldJKDHSUBsgvca69834ncxv9873254k;fg87"

// EncodeType7 obfuscates s as IOS type 7 with a random-looking but
// deterministic seed derived from s, so renders are stable.
func EncodeType7(s string) string {
	seed := 0
	for _, c := range []byte(s) {
		seed += int(c)
	}
	seed %= 16
	var b strings.Builder
	fmt.Fprintf(&b, "%02d", seed)
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, "%02X", s[i]^xlat[(seed+i)%len(xlat)])
	}
	return b.String()
}

// DecodeType7 reverses EncodeType7 (and IOS's own type 7 strings).
func DecodeType7(enc string) (string, error) {
	if len(enc) < 2 || len(enc)%2 != 0 {
		return "", errors.New("invalid type 7 string length")
	}
	// The seed is two decimal digits: Atoi alone would take "-1" or "+5".
	if enc[0] < '0' || enc[0] > '9' || enc[1] < '0' || enc[1] > '9' {
		return "", errors.New("invalid type 7 seed")
	}
	seed, err := strconv.Atoi(enc[:2])
	if err != nil || seed > 52 {
		return "", errors.New("invalid type 7 seed")
	}
	out := make([]byte, 0, len(enc)/2-1)
	for i := 2; i < len(enc); i += 2 {
		v, err := strconv.ParseUint(enc[i:i+2], 16, 8)
		if err != nil {
			return "", errors.New("invalid type 7 hex digits")
		}
		out = append(out, byte(v)^xlat[(seed+i/2-1)%len(xlat)])
	}
	return string(out), nil
}

// ciscoB64 is the crypt(3) alphabet IOS uses for type 8 and 9 hashes.
var ciscoB64 = base64.NewEncoding("./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz").WithPadding(base64.NoPadding)

// scrypt parameters of IOS type 9.
const (
	scryptN = 16384
	scryptR = 1
	scryptP = 1
)

// HashType9 returns the IOS type 9 ($9$salt$hash, scrypt) form of a password.
func HashType9(password string) (string, error) {
	raw := make([]byte, 10)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	salt := ciscoB64.EncodeToString(raw)[:14]
	return type9(password, salt)
}

func type9(password, salt string) (string, error) {
	key, err := scrypt.Key([]byte(password), []byte(salt), scryptN, scryptR, scryptP, 32)
	if err != nil {
		return "", err
	}
	return "$9$" + salt + "$" + ciscoB64.EncodeToString(key), nil
}

// ValidType9 reports whether s looks like a type 9 hash.
func ValidType9(s string) bool {
	parts := strings.Split(s, "$")
	return len(parts) == 4 && parts[0] == "" && parts[1] == "9" && len(parts[2]) == 14 && len(parts[3]) == 43
}

// Check compares a typed password with a stored one of the given type in
// constant time (for the stored value's length).
func Check(typ int, stored, typed string) bool {
	switch typ {
	case 0:
		return subtle.ConstantTimeCompare([]byte(stored), []byte(typed)) == 1
	case 7:
		plain, err := DecodeType7(stored)
		return err == nil && subtle.ConstantTimeCompare([]byte(plain), []byte(typed)) == 1
	case 9:
		parts := strings.Split(stored, "$")
		if len(parts) != 4 {
			return false
		}
		h, err := type9(typed, parts[2])
		return err == nil && subtle.ConstantTimeCompare([]byte(h), []byte(stored)) == 1
	}
	return false
}
