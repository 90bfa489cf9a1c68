package modes

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
)

func TestParseAttribute(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want schema.Attribute
		err  bool
	}{
		{in: `"ip mtu 1000"`, want: schema.Attribute{Name: "n", Value: "ip mtu 1000", Quoted: true}},
		{in: `pool1 service ike protocol ip mandatory`, want: schema.Attribute{Name: "n", Value: "pool1", Service: "ike", Protocol: "ip", Mandatory: true}},
		{in: `"a b"	m PROT ipv6 s ppp`, want: schema.Attribute{Name: "n", Value: "a b", Quoted: true, Service: "ppp", Protocol: "ipv6", Mandatory: true}},
		{in: `""`, want: schema.Attribute{Name: "n", Value: "", Quoted: true}},
		{in: `service`, want: schema.Attribute{Name: "n", Value: "service"}},
		{in: `a"b`, want: schema.Attribute{Name: "n", Value: `a"b`}},
		{in: `"unterminated`, err: true},
		{in: `"x"y`, err: true},
		{in: `x bogus`, err: true},
		{in: `x service`, err: true},
		{in: ``, err: true},
	} {
		got, err := parseAttribute("n", tc.in)
		if (err != nil) != tc.err {
			t.Errorf("parseAttribute(%q): error %v, want error %v", tc.in, err, tc.err)
			continue
		}
		if err == nil && got != tc.want {
			t.Errorf("parseAttribute(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

// FuzzParseAttribute: whatever a user types after "attribute type NAME",
// an accepted value renders to text that reads back as the same attribute
// (the running configuration pastes back).
func FuzzParseAttribute(f *testing.F) {
	for _, s := range []string{`"ip mtu 1000"`, `pool1 service ike protocol ip mandatory`, `"a b" m`, `""`, `x"y"`, "\"tab\tin\" s ike"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if strings.ContainsAny(text, "\r\n") {
			t.Skip() // one line is one command
		}
		a, err := parseAttribute("interface-config", text)
		if err != nil {
			return
		}
		rendered := attributeText(a)
		name, rest, _ := strings.Cut(rendered, " ")
		b, err := parseAttribute(name, rest)
		if err != nil {
			t.Fatalf("%q -> %q does not read back: %v", text, rendered, err)
		}
		if a != b {
			t.Fatalf("%q -> %q reads back as %+v, want %+v", text, rendered, b, a)
		}
	})
}

func TestMethodsText(t *testing.T) {
	words := []string{"group", "radius_group", "group", "radius", "local", "none"}
	ms := parseMethods(words)
	want := []schema.Method{{Kind: "group", Group: "radius_group"}, {Kind: "group", Group: "radius"}, {Kind: "local"}, {Kind: "none"}}
	if !slices.Equal(ms, want) {
		t.Fatalf("parseMethods = %+v, want %+v", ms, want)
	}
	if got := methodsText(ms); got != strings.Join(words, " ") {
		t.Fatalf("methodsText = %q", got)
	}
}

// FuzzMethods: a method list read from the words the grammar binds renders
// back to the same words.
func FuzzMethods(f *testing.F) {
	f.Add("group radius local")
	f.Add("group group group local none")
	f.Fuzz(func(t *testing.T, line string) {
		ms := parseMethods(strings.Fields(line))
		if slices.ContainsFunc(ms, func(m schema.Method) bool { return m.Kind == schema.MethodGroup && m.Group == "" }) {
			t.Skip() // the grammar never ends a list with a bare "group"
		}
		if again := parseMethods(strings.Fields(methodsText(ms))); !slices.Equal(again, ms) {
			t.Fatalf("%q: %+v renders as %q and reads back as %+v", line, ms, methodsText(ms), again)
		}
	})
}

// mapReader is a configdb read transaction over a map, for helpers that
// take a Reader.
type mapReader map[string]map[string][]byte

func (m mapReader) Get(kind, name string) ([]byte, bool) {
	v, ok := m[kind][name]
	return v, ok
}

func (m mapReader) GetJSON(kind, name string, v any) (bool, error) {
	b, ok := m.Get(kind, name)
	if !ok {
		return false, nil
	}
	return true, json.Unmarshal(b, v)
}

func (m mapReader) Names(kind string) []string {
	var out []string
	for k := range m[kind] {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (m mapReader) put(kind, name string, v any) {
	b, _ := json.Marshal(v)
	if m[kind] == nil {
		m[kind] = map[string][]byte{}
	}
	m[kind][name] = b
}

func TestLineHelpers(t *testing.T) {
	tx := mapReader{}
	tx.put(schema.KindLine, "con 0", schema.Line{Name: "con 0", ExecTimeout: &schema.ExecTimeout{}, LoginAuthentication: "CONSOLE"})
	tx.put(schema.KindLine, "vty 1", schema.Line{Name: "vty 1", ExecTimeout: &schema.ExecTimeout{Minutes: 5, Seconds: 30}})
	for line, want := range map[string]time.Duration{"con 0": 0, "vty 1": 5*time.Minute + 30*time.Second, "vty 0": 10 * time.Minute} {
		if got := ExecTimeout(tx, line); got != want {
			t.Errorf("ExecTimeout(%s) = %v, want %v", line, got, want)
		}
	}
	for line, want := range map[string]string{"con 0": "CONSOLE", "vty 1": "default", "vty 9": "default"} {
		if got := LoginAuthList(tx, line); got != want {
			t.Errorf("LoginAuthList(%s) = %q, want %q", line, got, want)
		}
	}
}
