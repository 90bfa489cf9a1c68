package modes

import (
	"strings"
	"testing"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/grammar"
)

// aceCases are entries as typed and as the running configuration shows
// them ("" when the entry must be refused).
var aceCases = []struct {
	typ, in, want string
}{
	{schema.ACLStandard, "permit 1.1.1.1", "permit 1.1.1.1"},
	{schema.ACLStandard, "perm host 10.0.0.1 log", "permit 10.0.0.1 log"},
	{schema.ACLStandard, "deny 10.0.0.0 0.0.0.255", "deny   10.0.0.0 0.0.0.255"},
	{schema.ACLStandard, "permit 0.0.0.0 255.255.255.255", "permit any"},
	{schema.ACLStandard, "permit any", "permit any"},
	{schema.ACLStandard, "permit 10.0.0.0 255.255.255.0", ""}, // a netmask, not a wildcard
	{schema.ACLStandard, "permit 10.0.0.5 0.0.0.255", ""},
	{schema.ACLStandard, "permit tcp any any", ""},
	{schema.ACLStandard, "permit 1.1.1.1 log log", ""},
	{schema.ACLExtended, "permit tcp any host 10.0.0.1 eq 80", "permit tcp any host 10.0.0.1 eq www"},
	{schema.ACLExtended, "permit udp any eq 500 any eq non500", "permit udp any eq isakmp any eq non500-isakmp"},
	{schema.ACLExtended, "permit udp any any range 1000 2000", "permit udp any any range 1000 2000"},
	{schema.ACLExtended, "permit tcp any any range 30 20", ""},
	{schema.ACLExtended, "permit tcp any any gt 1023 established log", "permit tcp any any gt 1023 established log"},
	{schema.ACLExtended, "permit tcp any any log established", "permit tcp any any established log"},
	{schema.ACLExtended, "permit udp any any established", ""},
	{schema.ACLExtended, "permit icmp any any 8", "permit icmp any any echo"},
	{schema.ACLExtended, "permit icmp any any 3 4", "permit icmp any any 3 4"},
	{schema.ACLExtended, "permit icmp any any echo-r", "permit icmp any any echo-reply"},
	{schema.ACLExtended, "permit icmp any any e", ""}, // echo or echo-reply
	{schema.ACLExtended, "deny ip 10.0.0.0 0.255.255.255 any log-input", "deny   ip 10.0.0.0 0.255.255.255 any log-input"},
	{schema.ACLExtended, "permit 50 any any", "permit esp any any"},
	{schema.ACLExtended, "permit 200 any host 1.2.3.4", "permit 200 any host 1.2.3.4"},
	{schema.ACLExtended, "permit gre host 1.1.1.1 host 2.2.2.2", "permit gre host 1.1.1.1 host 2.2.2.2"},
	{schema.ACLExtended, "permit ip 10.0.0.0 any", ""},
	{schema.ACLExtended, "permit ip any", ""},
	{schema.ACLExtended, "permit tcp any eq 99999 any", ""},
	{schema.ACLExtended, "permit", ""},
}

func TestParseACE(t *testing.T) {
	for _, tc := range aceCases {
		e, err := ParseACE(tc.typ, strings.Fields(tc.in))
		if tc.want == "" {
			if err == nil {
				t.Errorf("%s %q: accepted as %q", tc.typ, tc.in, aceText(tc.typ, &e, true))
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %q: %v", tc.typ, tc.in, err)
			continue
		}
		if got := aceText(tc.typ, &e, true); got != tc.want {
			t.Errorf("%s %q: got %q, want %q", tc.typ, tc.in, got, tc.want)
		}
	}
}

// aclModeGraph is the entry grammar of a list type.
func aclModeGraph(typ string) *grammar.Graph {
	name := "config-std-nacl"
	if typ == schema.ACLExtended {
		name = "config-ext-nacl"
	}
	return Modes().Mode(name).Graph
}

// checkAgreement verifies that the grammar (which gives ? help and carets)
// and ParseACE (which gives the entry its meaning) accept the same entries,
// and that a parsed entry renders to text that parses back to itself.
func checkAgreement(t *testing.T, typ, line string) {
	var words []string
	for _, w := range grammar.Split(line) {
		words = append(words, w.Text)
	}
	if len(words) == 0 || !strings.HasPrefix("permit", strings.ToLower(words[0])) && !strings.HasPrefix("deny", strings.ToLower(words[0])) {
		return
	}
	m, gerr := aclModeGraph(typ).Match(line, grammar.Options{})
	if gerr == nil && !strings.Contains(m.Cmd.Def, "permit") {
		return // abbreviated "do" or "exit", not an entry
	}
	e, perr := ParseACE(typ, words)
	// The grammar checks the shape; the parser also refuses values (a
	// netmask for a wildcard, a reversed port range) and abbreviations that
	// fit two keywords, which the grammar lets through when both readings
	// lead to the same place ("log" and "log-input" before "established").
	valueErr := perr != nil && (strings.Contains(perr.Error(), "Bad wildcard") ||
		strings.Contains(perr.Error(), "Bad port range") || strings.Contains(perr.Error(), "Ambiguous"))
	if perr == nil && gerr != nil || gerr == nil && perr != nil && !valueErr {
		t.Fatalf("%s %q: grammar says %v, parser says %v", typ, line, gerr, perr)
	}
	if perr != nil {
		return
	}
	text := aceText(typ, &e, true)
	again, err := ParseACE(typ, strings.Fields(text))
	if err != nil || aceText(typ, &again, true) != text {
		t.Fatalf("%s %q: rendered %q does not parse back (%v)", typ, line, text, err)
	}
}

func TestACEGrammarAgreement(t *testing.T) {
	for _, tc := range aceCases {
		checkAgreement(t, tc.typ, tc.in)
	}
}

func FuzzACE(f *testing.F) {
	for _, tc := range aceCases {
		f.Add(tc.typ == schema.ACLStandard, tc.in)
	}
	f.Fuzz(func(t *testing.T, standard bool, line string) {
		typ := schema.ACLExtended
		if standard {
			typ = schema.ACLStandard
		}
		if strings.ContainsAny(line, "\x00\r\n") || len(line) > 200 {
			return
		}
		checkAgreement(t, typ, line)
	})
}
