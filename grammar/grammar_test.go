package grammar

import (
	"errors"
	"strings"
	"testing"
)

func testGraph() *Graph {
	g := NewGraph()
	g.Add(
		&Command{Def: "show clock", Help: "\nDisplay the system clock", Action: "clock"},
		&Command{Def: "show crypto session [detail]", Help: "\n\nCrypto session\n", Action: "cs"},
		&Command{Def: "show crypto ikev2 sa [detail]", Help: "\n\n\nShows ikev2 SAs\n", Action: "ikesa"},
		&Command{Def: "show ip interface brief", Help: "\n\nIP interface status and configuration\nBrief summary of IP status and configuration", Action: "sib"},
		&Command{Def: "configure terminal", Help: "Enter configuration mode\nConfigure from the terminal", Action: "conft"},
		&Command{Def: "clear crypto session [remote A.B.C.D$peer]", Help: "\n\nCrypto session\nRemote\nIP address of remote peer", Action: "clearcs"},
		&Command{Def: "[no] hostname WORD$name", Help: "Set system's network name\nThis system's network name", Action: "hostname"},
		&Command{Def: "[no] dpd <10-3600>$interval <2-60>$retry <on-demand|periodic>", ShortNo: true,
			Help: "Enable IKE liveness check for peers\nDPD interval\nretry interval\non-demand\nperiodic", Action: "dpd"},
		&Command{Def: "[no] authentication remote eap {query-identity|timeout <45-180>$timeout}",
			Help: "Set authentication method\nRemote peer authentication method\nExtended Authentication Protocol\nquery EAP identity from peer\ntimeout\nEAP authentication timeout in seconds", Action: "eap"},
		&Command{Def: "[no] description LINE", Help: "Interface specific description\nUp to 240 characters describing this interface", Action: "desc"},
		&Command{Def: "[no] ip address A.B.C.D$addr A.B.C.D$mask [secondary]", Help: "\nSet the IP address of an interface\nIP address\nIP subnet mask\nMake this IP address a secondary address", Action: "ipaddr"},
		&Command{Def: "[no] ipv6 address X:X::X:X/M", Help: "\nSet the IPv6 address of an interface\nIPv6 prefix", Action: "ipv6addr"},
		&Command{Def: "interface virtual-template <1-200>$num [type <ethernet|serial|tunnel>$type]",
			Help: "\nVirtual Template interface\nVirtual-Template interface number\ntype of the virtual-template\nSet VT type as ethernet\nSet VT type as serial\nSet VT type as tunnel", Action: "vt"},
	)
	return g
}

func TestMatch(t *testing.T) {
	g := testGraph()
	cases := []struct {
		line, action string
		args         map[string]string
		no           bool
	}{
		{"show clock", "clock", nil, false},
		{"sh clo", "clock", nil, false},
		{"sh cry ses", "cs", nil, false},
		{"sh cry ses det", "cs", map[string]string{"detail": "detail"}, false},
		{"SHOW CRYPTO IKEV2 SA", "ikesa", nil, false},
		{"sh ip int br", "sib", nil, false},
		{"conf t", "conftxx"[:5], nil, false},
		{"c t", "conft", nil, false}, // look-ahead: only configure takes "t"
		{"clear crypto session remote 10.0.0.1", "clearcs", map[string]string{"peer": "10.0.0.1"}, false},
		{"hostname R1", "hostname", map[string]string{"name": "R1"}, false},
		{"no hostname", "", nil, true},
		{"no hostname R1", "hostname", map[string]string{"name": "R1"}, true},
		{"dpd 10 2 on-demand", "dpd", map[string]string{"interval": "10", "retry": "2", "on-demand": "on-demand"}, false},
		{"no dpd", "dpd", nil, true},
		{"authentication remote eap", "eap", nil, false},
		{"authentication remote eap timeout 60 query-identity", "eap", map[string]string{"timeout": "60", "query-identity": "query-identity"}, false},
		{"description link #2 to core | x", "desc", map[string]string{"LINE": "link #2 to core | x"}, false},
		{"ip address 10.1.1.1 255.255.255.0", "ipaddr", map[string]string{"addr": "10.1.1.1", "mask": "255.255.255.0"}, false},
		{"ipv6 address 2001:db8::1/64", "ipv6addr", map[string]string{"X:X::X:X/M": "2001:db8::1/64"}, false},
		{"int vi 1 ty tun", "vt", map[string]string{"num": "1", "type": "tunnel"}, false},
	}
	for _, c := range cases {
		if c.line == "no hostname" {
			// hostname has no ShortNo: the bare negation is incomplete.
			if _, err := g.Match(c.line, Options{}); err == nil || err.Error() != "% Incomplete command." {
				t.Errorf("%q: got %v, want incomplete", c.line, err)
			}
			continue
		}
		m, err := g.Match(c.line, Options{})
		if err != nil {
			t.Errorf("%q: %v", c.line, err)
			continue
		}
		if m.Cmd.Action != c.action {
			t.Errorf("%q: action %v, want %v", c.line, m.Cmd.Action, c.action)
		}
		if m.Args.No() != c.no {
			t.Errorf("%q: no=%v", c.line, m.Args.No())
		}
		for k, v := range c.args {
			if got := m.Args.Str(k); got != v {
				t.Errorf("%q: arg %s=%q, want %q", c.line, k, got, v)
			}
		}
	}
}

func TestErrors(t *testing.T) {
	g := testGraph()
	cases := []struct {
		line, err string
		caret     int
	}{
		{"sh c", `% Ambiguous command:  "sh c"`, 0},
		{"show", "% Incomplete command.", 0},
		{"sh cry", "% Incomplete command.", 0},
		{"interface virtual-template 1 type foo", "% Invalid input detected at '^' marker.", 34},
		{"interface virtual-template 201", "% Invalid input detected at '^' marker.", 27},
		{"show crypto ikve2 sa", "% Invalid input detected at '^' marker.", 14},
		{"dpd 5 2 periodic", "% Invalid input detected at '^' marker.", 4},
		{"authentication remote eap timeout 60 timeout 70", "% Invalid input detected at '^' marker.", 37},
		{"ip address 10.1.1.300 255.255.255.0", "% Invalid input detected at '^' marker.", 11},
		{"frobnicate", "% Invalid input detected at '^' marker.", 0},
	}
	for _, c := range cases {
		_, err := g.Match(c.line, Options{})
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("%q: got %v, want %s", c.line, err, c.err)
			continue
		}
		if pe.Error() != c.err {
			t.Errorf("%q: got %q, want %q", c.line, pe.Error(), c.err)
		}
		if pe.Kind == ErrInvalid && pe.Pos != c.caret {
			t.Errorf("%q: caret at %d, want %d\n%s\n%s", c.line, pe.Pos, c.caret, c.line, pe.Caret(0))
		}
	}
}

func TestHelp(t *testing.T) {
	g := testGraph()
	cases := []struct{ line, want string }{
		{"authentication remote eap ", "" +
			"  query-identity  query EAP identity from peer\n" +
			"  timeout         timeout\n" +
			"  <cr>\n"},
		{"authentication remote eap timeout ", "  <45-180>  EAP authentication timeout in seconds\n"},
		{"interface virtual-template ", "  <1-200>  Virtual-Template interface number\n"},
		{"interface virtual-template 1 ", "  type  type of the virtual-template\n  <cr>\n"},
		{"interface virtual-template 1 type ", "" +
			"  ethernet  Set VT type as ethernet\n" +
			"  serial    Set VT type as serial\n" +
			"  tunnel    Set VT type as tunnel\n"},
		{"interface virtual-template 1 type tunnel ", "  <cr>\n"},
		{"sh cry ", "  ikev2    Configure IKEv2 Options\n  session  Crypto session\n"},
	}
	for _, c := range cases {
		entries, err := g.Help(c.line, Options{})
		if err != nil {
			t.Errorf("%q: %v", c.line, err)
			continue
		}
		if got := FormatHelp(entries, 79); got != c.want {
			t.Errorf("%q ?:\n%s\nwant:\n%s", c.line, got, c.want)
		}
	}
	// "sh?" lists the words a partial word may become.
	entries, err := g.Help("s", Options{})
	if err != nil || FormatWords(entries, 79) != "show  \n" {
		t.Errorf("s?: %v %q", err, FormatWords(entries, 79))
	}
	if _, err := g.Help("zz", Options{}); err == nil || err.Error() != "% Unrecognized command" {
		t.Errorf("zz?: %v", err)
	}
}

func TestFormatHelpWraps(t *testing.T) {
	got := FormatHelp([]HelpEntry{
		{"anyconnect-eap", "AAA list to use when IKEv2 remote auth method is AnyConnect EAP"},
		{"cert", "AAA list to use when IKEv2 remote auth method is certificate based"},
	}, 79)
	want := "" +
		"  anyconnect-eap  AAA list to use when IKEv2 remote auth method is AnyConnect\n" +
		"                  EAP\n" +
		"  cert            AAA list to use when IKEv2 remote auth method is certificate\n" +
		"                  based\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestComplete(t *testing.T) {
	g := testGraph()
	for line, want := range map[string]string{
		"sh":          "show ",
		"show cl":     "show clock ",
		"show cr":     "show crypto ",
		"show c":      "show c",
		"conf":        "configure ",
		"show crypto": "show crypto ",
	} {
		if got, _ := g.Complete(line, Options{}); got != want {
			t.Errorf("Complete(%q) = %q, want %q", line, got, want)
		}
	}
}

func TestMalformedDefinitionsPanic(t *testing.T) {
	for _, def := range []string{"foo [bar", "foo <a|b", "Foo", "foo LINE bar", "x <5-1>"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%q: no panic", def)
				}
			}()
			NewGraph().Add(&Command{Def: def, Help: strings.Repeat("h\n", 5)})
		}()
	}
}

func FuzzMatch(f *testing.F) {
	g := testGraph()
	for _, s := range []string{"sh cry ses", "int vi 1 type tun", "authentication remote eap timeout 60", "\xff\x00 ?", "no dpd 10 2 periodic"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		m, err := g.Match(line, Options{})
		if (m == nil) == (err == nil) {
			t.Fatalf("%q: match %v err %v", line, m, err)
		}
		var pe *Error
		if err != nil && errors.As(err, &pe) && pe.Kind == ErrInvalid && (pe.Pos < 0 || pe.Pos > len(line)) {
			t.Fatalf("%q: caret %d out of line", line, pe.Pos)
		}
		g.Help(line, Options{})
		g.Complete(line, Options{})
	})
}

func TestRedact(t *testing.T) {
	g := NewGraph()
	g.Add(&Command{Def: "username WORD$name secret WORD$secret", Help: "u\nn\ns\nv"},
		&Command{Def: "key LINE$secret", Help: "k\nv"})
	for line, want := range map[string]string{
		"username bob secret hunter2": "username bob secret *****",
		"  username  bob secret  x y": "",
		"key my long key":             "key *****",
	} {
		m, err := g.Match(line, Options{})
		if want == "" {
			if err == nil {
				t.Errorf("%q matched", line)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Redact(line, "secret"); got != want {
			t.Errorf("Redact(%q) = %q, want %q", line, got, want)
		}
	}
}

// TestConvergingAbbreviation: "lo" could be "log" or "log-input"; both
// lead to the same place, and the line is still ambiguous.
func TestConvergingAbbreviation(t *testing.T) {
	g := NewGraph()
	g.Add(&Command{Def: "permit [<log|log-input>] [established]", Help: "p\nl\nli\ne"})
	if _, err := g.Match("permit lo established", Options{}); err == nil || !strings.Contains(err.Error(), "Ambiguous") {
		t.Errorf("want ambiguous, got %v", err)
	}
	if m, err := g.Match("permit log-i est", Options{}); err != nil || m.Args.Str("log-input") != "log-input" {
		t.Errorf("unique prefixes: %v", err)
	}
}
