package modes

import (
	"testing"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/grammar"
)

func TestHostVar(t *testing.T) {
	for word, want := range map[string]grammar.Rank{
		"172.16.1.3":         grammar.RankAddress,
		"radius.example.com": grammar.RankWord,
		"ise_1":              grammar.RankWord,
		"host-1.":            grammar.RankWord,
		"300.1.1.1":          0,
		"10.0.0":             0,
		"-bad":               0,
		"a..b":               0,
		"2001:db8::1":        0,
		"bad/name":           0,
	} {
		rank, ok := hostVar.Match(word)
		if !ok {
			rank = 0
		}
		if rank != want {
			t.Errorf("hostVar.Match(%q) = %v %v, want rank %v", word, rank, ok, want)
		}
	}
}

func TestKeyText(t *testing.T) {
	for _, tc := range []struct {
		key     schema.Secret
		encrypt bool
		want    string
	}{
		{schema.Secret{Value: "radius_key"}, false, "radius_key"},
		{schema.Secret{Value: "7 spaced key"}, false, "0 7 spaced key"},
		{schema.Secret{Value: "6"}, false, "0 6"},
		{schema.Secret{Value: "70 x"}, false, "70 x"},
		{schema.Secret{Value: "cisco"}, true, "7 01100F175804"},
		{schema.Secret{Type: 6, Value: "AES"}, true, "6 AES"},
	} {
		if got := keyText(&Renderer{Encrypt: tc.encrypt}, &tc.key); got != tc.want {
			t.Errorf("keyText(%+v, encrypt=%v) = %q, want %q", tc.key, tc.encrypt, got, tc.want)
		}
	}
}
