package negotiate

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

func enc(id wire.TransformID, bits uint16) wire.Transform {
	return Cipher{ID: id, KeyBits: bits}.transform()
}

func tf(tt wire.TransformType, id wire.TransformID) wire.Transform {
	return wire.Transform{Type: tt, ID: id}
}

func prf(id wire.TransformID) wire.Transform   { return tf(wire.TransformPRF, id) }
func integ(id wire.TransformID) wire.Transform { return tf(wire.TransformINTEG, id) }
func dh(id wire.TransformID) wire.Transform    { return tf(wire.TransformDH, id) }
func esn(id wire.TransformID) wire.Transform   { return tf(wire.TransformESN, id) }

func ikeProp(n uint8, ts ...wire.Transform) wire.Proposal {
	return wire.Proposal{Number: n, Protocol: wire.ProtoIKE, Transforms: ts}
}

func espProp(n uint8, ts ...wire.Transform) wire.Proposal {
	return wire.Proposal{Number: n, Protocol: wire.ProtoESP, SPI: []byte{0xc1, 0, 0, n}, Transforms: ts}
}

// show renders a chosen proposal compactly: "#1 ENCR12/256 PRF5 INTEG12 DH31".
func show(p wire.Proposal, ok bool) string {
	if !ok {
		return "none"
	}
	names := map[wire.TransformType]string{1: "ENCR", 2: "PRF", 3: "INTEG", 4: "DH", 5: "ESN"}
	parts := []string{fmt.Sprintf("#%d", p.Number)}
	for _, t := range p.Transforms {
		s := fmt.Sprintf("%s%d", names[t.Type], t.ID)
		if kl, ok := t.KeyLength(); ok {
			s += fmt.Sprintf("/%d", kl)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// strongSwanOffer is the SA payload of the captured strongSwan 5.9.8
// IKE_SA_INIT (aes256-sha256-x25519, aes128gcm16-prfsha256-ecp256) and its
// KE group.
func strongSwanOffer(t *testing.T) ([]wire.Proposal, wire.TransformID) {
	t.Helper()
	raw, err := os.ReadFile("../wire/testdata/strongswan-ike-sa-init.bin")
	if err != nil {
		t.Fatal(err)
	}
	m, err := wire.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return m.Payloads[0].(*wire.SA).Proposals, m.Payloads[1].(*wire.KE).Group
}
