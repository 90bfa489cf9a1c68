package grammar

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// node is a state of a command's graph. Nodes with a token consume one word
// (or, for LINE, the rest of the line); nodes without are epsilon joints.
type node struct {
	tok  *token
	next []*node
	end  bool   // reaching this node completes the command
	once uint64 // entering sets this {} alternative bit; refused when already set
	cmd  *Command
}

var rangeRe = regexp.MustCompile(`^<(-?\d+)-(-?\d+)>$`)

// compiler turns one definition string into a graph.
type compiler struct {
	cmd    *Command
	lex    []string
	pos    int
	helps  []string
	nhelp  int
	bits   uint
	tokens []*token
	vars   map[string]*VarType
	known  map[string]string // keyword -> help seen earlier in the graph
}

// lexDef splits a definition into brackets, bars and words; a range such as
// <1-200> (with an optional $bind) stays one word.
func lexDef(def string) []string {
	var out []string
	i := 0
	for i < len(def) {
		c := def[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '<':
			if j := strings.IndexByte(def[i:], '>'); j > 0 && rangeRe.MatchString(def[i:i+j+1]) {
				k := i + j + 1
				for k < len(def) && !strings.ContainsRune(" []{}<>|", rune(def[k])) {
					k++
				}
				out = append(out, def[i:k])
				i = k
				continue
			}
			out = append(out, "<")
			i++
		case strings.IndexByte("[]{}>|", c) >= 0:
			out = append(out, string(c))
			i++
		default:
			j := i
			for j < len(def) && !strings.ContainsRune(" \t[]{}<>|", rune(def[j])) {
				j++
			}
			out = append(out, def[i:j])
			i = j
		}
	}
	return out
}

// frag is a piece of graph with one entry and one exit epsilon node.
type frag struct{ in, out *node }

func (c *compiler) peek() string {
	if c.pos < len(c.lex) {
		return c.lex[c.pos]
	}
	return ""
}

func (c *compiler) fail(format string, args ...any) {
	panic(fmt.Errorf("grammar: command %q: %s", c.cmd.Def, fmt.Sprintf(format, args...)))
}

// seq parses elements until a closing bracket, bar or the end.
func (c *compiler) seq() frag {
	f := frag{in: &node{}, out: nil}
	f.out = f.in
	for {
		switch c.peek() {
		case "", "]", ">", "}", "|":
			return f
		}
		e := c.elem()
		f.out.next = append(f.out.next, e.in)
		f.out = e.out
	}
}

// alts parses seq ('|' seq)* up to the closing bracket.
func (c *compiler) alts(closer string) []frag {
	var out []frag
	for {
		out = append(out, c.seq())
		switch c.peek() {
		case "|":
			c.pos++
		case closer:
			c.pos++
			return out
		default:
			c.fail("missing %q", closer)
		}
	}
}

func (c *compiler) elem() frag {
	w := c.lex[c.pos]
	c.pos++
	in, out := &node{}, &node{}
	first := len(c.tokens)
	defer c.groupBind(w, first)
	switch w {
	case "[":
		for _, a := range c.alts("]") {
			in.next = append(in.next, a.in)
			a.out.next = append(a.out.next, out)
		}
		in.next = append(in.next, out)
	case "<":
		for _, a := range c.alts(">") {
			in.next = append(in.next, a.in)
			a.out.next = append(a.out.next, out)
		}
	case "{":
		loop := &node{}
		in.next = append(in.next, loop)
		for _, a := range c.alts("}") {
			if c.bits >= 64 {
				c.fail("too many {} alternatives")
			}
			gate := &node{once: 1 << c.bits, next: []*node{a.in}}
			c.bits++
			loop.next = append(loop.next, gate)
			a.out.next = append(a.out.next, loop)
		}
		loop.next = append(loop.next, out)
	default:
		t := c.token(w)
		tn := &node{tok: t, next: []*node{out}}
		in.next = append(in.next, tn)
	}
	return frag{in, out}
}

// groupBind applies a "$name" written right after a closing bracket to the
// tokens of that group that have no binding of their own: "<a|b>$kind"
// binds kind to whichever keyword was typed.
func (c *compiler) groupBind(open string, first int) {
	if !strings.Contains("[<{", open) || !strings.HasPrefix(c.peek(), "$") {
		return
	}
	name := c.lex[c.pos][1:]
	c.pos++
	for _, t := range c.tokens[first:] {
		if !t.explicit {
			t.bind = name
		}
	}
}

// token builds a token from one definition word and takes its help string.
func (c *compiler) token(w string) *token {
	name, bind, _ := strings.Cut(w, "$")
	t := &token{}
	switch {
	case rangeRe.MatchString(name):
		m := rangeRe.FindStringSubmatch(name)
		t.kind = KindRange
		t.min, _ = strconv.ParseInt(m[1], 10, 64)
		t.max, _ = strconv.ParseInt(m[2], 10, 64)
		if t.min > t.max {
			c.fail("empty range %s", name)
		}
		t.text = name
	case name == "LINE":
		t.kind, t.text = KindLine, name
	case name == "A.B.C.D":
		t.kind, t.text = KindIPv4, name
	case name == "A.B.C.D/M":
		t.kind, t.text = KindIPv4Prefix, name
	case name == "X:X::X:X" || name == "X:X:X:X::X":
		t.kind, t.text = KindIPv6, name
	case name == "X:X::X:X/M" || name == "X:X:X:X::X/<0-128>":
		t.kind, t.text = KindIPv6Prefix, name
	case c.vars[name] != nil:
		v := c.vars[name]
		t.kind, t.custom, t.text = KindCustom, v, v.Display
		if t.text == "" {
			t.text = v.Name
		}
	case isVariableName(name):
		t.kind, t.text = KindWord, name
	default:
		if strings.ToLower(name) != name {
			c.fail("keyword %q must be lower case", name)
		}
		t.kind, t.text = KindKeyword, name
	}
	t.bind, t.explicit = bind, bind != ""
	if t.bind == "" {
		t.bind = name
	}
	if c.nhelp < len(c.helps) {
		t.help = c.helps[c.nhelp]
	}
	c.nhelp++
	if t.kind == KindKeyword && c.known != nil {
		if t.help == "" {
			t.help = c.known[t.text]
		} else if c.known[t.text] == "" {
			c.known[t.text] = t.help
		}
	}
	if t.help == "" && t.kind == KindKeyword {
		t.help = DefaultHelp[t.text]
	}
	if t.help == "" {
		c.fail("no help for token %d %q", c.nhelp, w)
	}
	c.tokens = append(c.tokens, t)
	return t
}

// isVariableName reports whether a definition word is a variable: upper-case
// letters, digits, dots, colons, slashes, dashes and underscores, with at
// least one upper-case letter.
func isVariableName(s string) bool {
	upper := false
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= '0' && r <= '9', strings.ContainsRune("._:/-", r):
		default:
			return false
		}
	}
	return upper
}

// DefaultHelp is used for keywords whose help string is left empty, so that
// common words carry the same help everywhere.
var DefaultHelp = map[string]string{
	"no":        "Negate a command or set its defaults",
	"show":      "Show running system information",
	"ip":        "IP information",
	"ipv6":      "IPv6 information",
	"crypto":    "Encryption module",
	"ikev2":     "Configure IKEv2 Options",
	"clear":     "Reset functions",
	"debug":     "Debugging functions (see also 'undebug')",
	"undebug":   "Disable debugging functions (see also 'debug')",
	"detail":    "detailed output",
	"vrf":       "VPN Routing/Forwarding instance",
	"aaa":       "AAA configuration",
	"radius":    "RADIUS",
	"list":      "AAA method list",
	"interface": "Select an interface to configure",
}

// compile builds the graph of one command. It panics on a malformed
// definition: definitions are program constants and tests catch them.
func compile(cmd *Command, vars map[string]*VarType, known map[string]string) *node {
	def := cmd.Def
	negatable := strings.HasPrefix(def, "[no] ")
	if negatable {
		def = strings.TrimPrefix(def, "[no] ")
	}
	c := &compiler{cmd: cmd, lex: lexDef(def), vars: vars, known: known}
	if cmd.Help != "" {
		c.helps = strings.Split(strings.TrimSuffix(cmd.Help, "\n"), "\n")
	}
	body := c.seq()
	if c.pos != len(c.lex) {
		c.fail("unexpected %q", c.lex[c.pos])
	}
	if c.nhelp < len(c.helps) {
		c.fail("%d help strings for %d tokens", len(c.helps), c.nhelp)
	}
	for i, t := range c.tokens {
		if t.kind == KindLine && i != len(c.tokens)-1 {
			c.fail("LINE must be the last token")
		}
	}
	cmd.tokens = c.tokens
	end := &node{end: true, cmd: cmd}
	body.out.next = append(body.out.next, end)
	start := &node{}
	if negatable {
		no := &node{tok: &token{kind: KindKeyword, text: "no", help: DefaultHelp["no"], bind: "no"}, next: []*node{body.in}}
		start.next = []*node{no, body.in}
	} else {
		start.next = []*node{body.in}
	}
	return start
}

// keywordPrefix is the definition's leading run of plain keywords (after an
// optional [no]), used for the automatic short "no" form.
func keywordPrefix(def string) (prefix []string, rest bool) {
	lex := lexDef(strings.TrimPrefix(def, "[no] "))
	for i, w := range lex {
		name, _, _ := strings.Cut(w, "$")
		if len(w) == 1 && strings.Contains("[]{}<>|", w) || isVariableName(name) || rangeRe.MatchString(name) {
			return prefix, i < len(lex)
		}
		prefix = append(prefix, w)
	}
	return prefix, false
}
