package auth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"sync"
)

// testKeys are generated once: RSA generation is slow and the tests only
// need keys that differ from each other, not fixed ones.
type testKeys struct {
	rsa, rsa2               *rsa.PrivateKey
	p256, p384, p521, p256b *ecdsa.PrivateKey
	ed, ed2                 ed25519.PrivateKey
}

var keys = sync.OnceValue(func() *testKeys {
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	var k testKeys
	var err error
	k.rsa, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	k.rsa2, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	ec := func(c elliptic.Curve) *ecdsa.PrivateKey {
		key, err := ecdsa.GenerateKey(c, rand.Reader)
		must(err)
		return key
	}
	k.p256, k.p384, k.p521, k.p256b = ec(elliptic.P256()), ec(elliptic.P384()), ec(elliptic.P521()), ec(elliptic.P256())
	_, k.ed, err = ed25519.GenerateKey(rand.Reader)
	must(err)
	_, k.ed2, err = ed25519.GenerateKey(rand.Reader)
	must(err)
	return &k
})
