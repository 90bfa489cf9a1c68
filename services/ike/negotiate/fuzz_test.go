package negotiate

import (
	"testing"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

// offerFromBytes builds proposals from fuzz input, four bytes a transform
// (type, ID, key length selector, attribute selector) and a 0xff byte
// starting a new proposal. IDs are drawn near the interesting ones so
// random input finds matches.
func offerFromBytes(b []byte, proto wire.ProtocolID) []wire.Proposal {
	ids := []wire.TransformID{0, 1, 2, 3, 5, 6, 7, 12, 13, 14, 19, 20, 21, 28, 31, 4242}
	lens := []uint16{0, 128, 192, 256, 255}
	var ps []wire.Proposal
	cur := wire.Proposal{Number: 1, Protocol: proto}
	if proto == wire.ProtoESP {
		cur.SPI = []byte{1, 2, 3, 4}
	}
	for len(b) >= 4 {
		if b[0] == 0xff {
			ps = append(ps, cur)
			cur = wire.Proposal{Number: cur.Number + 1, Protocol: proto, SPI: cur.SPI}
			b = b[1:]
			continue
		}
		t := wire.Transform{Type: wire.TransformType(b[0] % 7), ID: ids[int(b[1])%len(ids)]}
		if l := lens[int(b[2])%len(lens)]; l != 0 {
			t.Attributes = append(t.Attributes, wire.Attribute{Type: wire.AttrKeyLength, TV: true, Value: l})
		}
		if b[3]%5 == 0 {
			t.Attributes = append(t.Attributes, wire.Attribute{Type: wire.AttributeType(b[3]), TV: b[3]%2 == 0})
		}
		cur.Transforms = append(cur.Transforms, t)
		b = b[4:]
	}
	return append(ps, cur)
}

// checkChosen asserts the answer has one transform per type, each one the
// peer offered in the proposal of the same number.
func checkChosen(t *testing.T, offered []wire.Proposal, got wire.Proposal) {
	t.Helper()
	var from *wire.Proposal
	for i := range offered {
		if offered[i].Number == got.Number && offered[i].Protocol == got.Protocol {
			from = &offered[i]
			break
		}
	}
	if from == nil {
		t.Fatalf("chosen #%d not offered", got.Number)
	}
	seen := map[wire.TransformType]bool{}
	for _, c := range got.Transforms {
		if seen[c.Type] {
			t.Fatalf("two transforms of type %d in %+v", c.Type, got)
		}
		seen[c.Type] = true
		ckl, cok := c.KeyLength()
		found := false
		for _, o := range from.Transforms {
			okl, ook := o.KeyLength()
			found = found || (o.Type == c.Type && o.ID == c.ID && okl == ckl && ook == cok)
		}
		if !found {
			t.Fatalf("chosen transform %+v not in offer %+v", c, from)
		}
	}
}

func FuzzSelectIKE(f *testing.F) {
	f.Add([]byte{1, 7, 3, 1, 2, 6, 0, 1, 3, 9, 0, 1, 4, 10, 0, 1}) // aes-cbc-256 sha512 group 19: the default
	f.Add([]byte{1, 11, 1, 1, 2, 4, 0, 1, 4, 10, 0, 1, 0xff, 1, 13, 0, 1, 2, 4, 0, 1, 4, 14, 0, 1})
	f.Add([]byte{1, 3, 0, 1, 3, 2, 0, 1, 2, 2, 0, 1, 4, 9, 0, 1}) // 3des sha1 group 14: "cbc"
	policies := []schema.IKEv2Policy{{Name: "p", Proposals: []string{"gcm", "cbc", "default"}}}
	proposals := map[string]schema.IKEv2Proposal{
		"gcm": {Name: "gcm", Encryption: []string{"aes-gcm-128", "aes-gcm-256", "chacha20-poly1305"}, PRF: []string{"sha256", "sha1"}, Groups: []int{19, 31, 2}},
		"cbc": {Name: "cbc", Encryption: []string{"aes-cbc-128", "3des"}, Integrity: []string{"sha256", "sha1"}, Groups: []int{14, 5}},
	}
	_, suites := IKEPolicies(policies, proposals).Lookup("", addrA)
	esp, _ := ESPAcceptable(schema.IPsecProfile{Name: "e", TransformSets: []string{"default", "g"}},
		map[string]schema.TransformSet{"g": {Name: "g", ESPCipher: "esp-gcm"}})
	esp.ESN = true
	f.Fuzz(func(t *testing.T, b []byte) {
		ike := offerFromBytes(b, wire.ProtoIKE)
		for _, ke := range []wire.TransformID{0, 19, 14} {
			if got, ok := SelectIKEWithKE(ike, suites, ke); ok {
				checkChosen(t, ike, got)
				if _, ok := PreferredGroup(got); !ok {
					t.Fatalf("IKE answer without DH: %+v", got)
				}
			}
		}
		espOffer := offerFromBytes(b, wire.ProtoESP)
		if got, ok := SelectESP(espOffer, esp); ok {
			checkChosen(t, espOffer, got)
		}
		if got, ok := SelectESPInAuth(espOffer, esp); ok {
			checkChosen(t, espOffer, got)
		}
	})
}
