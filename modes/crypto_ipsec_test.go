package modes

import (
	"strings"
	"testing"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/grammar"
)

// transformGraph holds only the transform-set command, so these tests do
// not depend on other areas' declarations.
func transformGraph() *grammar.Graph {
	g := grammar.NewGraph()
	g.Add(&grammar.Command{Def: "crypto ipsec transform-set WORD$name " + transformSetDef,
		Help: "x\nx\nx\nx\n" + transformSetHelp})
	return g
}

// parseTransforms matches the words of a transform list and builds the set.
func parseTransforms(g *grammar.Graph, words string) (*schema.TransformSet, error) {
	m, err := g.Match("crypto ipsec transform-set T "+words, grammar.Options{})
	if err != nil {
		return nil, err
	}
	ts := &schema.TransformSet{Name: "T", Mode: schema.ModeTunnel}
	return ts, setTransforms(ts, m.Args)
}

func TestTransformSetParsing(t *testing.T) {
	g := transformGraph()
	for words, want := range map[string]string{
		"esp-aes 256 esp-sha256-hmac":       "esp-aes 256 esp-sha256-hmac",
		"esp-sha-hmac esp-aes":              "esp-aes esp-sha-hmac",
		"esp-aes 128 esp-sha-hmac":          "esp-aes esp-sha-hmac",
		"esp-gcm":                           "esp-gcm",
		"esp-gmac 256":                      "esp-gmac 256",
		"esp-md5-hmac ah-sha-hmac esp-3des": "ah-sha-hmac esp-3des esp-md5-hmac",
		"esp-sha512-hmac":                   "esp-sha512-hmac",
		"esp-null esp-sha-hmac":             "esp-null esp-sha-hmac",
		"esp-gcm 256 esp-sha-hmac":          "error",
		"esp-null":                          "error",
		"esp-aes esp-3des":                  "error",
		"esp-aes 512":                       "error",
		"":                                  "error",
	} {
		ts, err := parseTransforms(g, words)
		got := "error"
		if err == nil {
			got = strings.Join(transformWords(ts), " ")
		}
		if got != want {
			t.Errorf("%q: got %q, want %q", words, got, want)
		}
	}
}

func TestShowWords(t *testing.T) {
	ts := &schema.TransformSet{ESPCipher: "esp-aes", ESPKeyBits: 256, ESPAuth: "esp-sha-hmac"}
	if got := strings.Join(transformGroups(ts), " "); got != "{ esp-256-aes esp-sha-hmac  }" {
		t.Errorf("show groups %q", got)
	}
	if got := strings.Join(transformGroups(schema.DefaultTransformSet()), " "); got != "{ esp-aes esp-sha-hmac  }" {
		t.Errorf("default %q", got)
	}
}

// transformVocabulary is what FuzzTransformSet builds lists from.
var transformVocabulary = strings.Fields("ah-md5-hmac ah-sha-hmac ah-sha256-hmac ah-sha384-hmac ah-sha512-hmac " +
	"esp-3des esp-aes esp-des esp-gcm esp-gmac esp-null 128 192 256 esp-md5-hmac esp-sha-hmac esp-sha256-hmac " +
	"esp-sha384-hmac esp-sha512-hmac esp-sha bogus")

// FuzzTransformSet: any transform list the CLI accepts satisfies IOS's
// rules and renders to a list that parses back to the same set.
func FuzzTransformSet(f *testing.F) {
	f.Add([]byte{6, 13, 15})
	f.Add([]byte{8, 15})
	f.Add([]byte{1, 6, 12, 14})
	g := transformGraph()
	f.Fuzz(func(t *testing.T, picks []byte) {
		if len(picks) > 8 {
			return
		}
		var words []string
		for _, p := range picks {
			words = append(words, transformVocabulary[int(p)%len(transformVocabulary)])
		}
		ts, err := parseTransforms(g, strings.Join(words, " "))
		if err != nil {
			return
		}
		if ts.CombinedMode() && ts.ESPAuth != "" || ts.ESPCipher == "esp-null" && ts.ESPAuth == "" {
			t.Fatalf("%v accepted: %+v", words, ts)
		}
		again, err := parseTransforms(g, strings.Join(transformWords(ts), " "))
		if err != nil || *again != *ts {
			t.Fatalf("%v renders as %v, which parses to %+v (%v)", words, transformWords(ts), again, err)
		}
	})
}
