package grammar

import (
	"sort"
	"strconv"
	"strings"
)

// Command is one declared command.
type Command struct {
	Def       string // definition, e.g. "[no] hostname WORD"
	Help      string // one help string per token, newline separated ("" = DefaultHelp)
	Privilege int    // minimum privilege level to see and run it (0: 15 in config modes)
	Hidden    bool   // matched but never listed in ? help or the command reference
	Action    any    // opaque to this package: the handler

	// ShortNo, when the definition starts with [no], also accepts "no" plus
	// the leading keywords alone (IOS lets "no dpd" stand for
	// "no dpd 10 2 periodic").
	ShortNo bool

	start   *node
	tokens  []*token // in definition order, for the command reference
	shortOf *Command // for a generated short "no" form: the command it shortens
}

// Base is the declared command: itself, or for a generated short "no" form
// the command it abbreviates.
func (c *Command) Base() *Command {
	if c.shortOf != nil {
		return c.shortOf
	}
	return c
}

// Tokens lists the command's tokens in definition order with their help
// (the leading [no] excluded), for generated documentation.
func (c *Command) Tokens() []HelpEntry {
	var out []HelpEntry
	for _, t := range c.tokens {
		out = append(out, HelpEntry{Name: t.display(), Help: t.help})
	}
	return out
}

// Graph is the set of commands of one mode, indexed for matching.
type Graph struct {
	cmds    []*Command
	byFirst map[string][]*Command // first keyword -> commands
	firsts  []string              // sorted keys of byFirst
	others  []*Command            // commands whose first token is a variable
	vars    map[string]*VarType
	known   map[string]string // keyword help seen so far, for commands that leave it empty
}

// NewGraph returns an empty graph that knows the given custom variable types.
func NewGraph(vars ...*VarType) *Graph {
	g := &Graph{byFirst: map[string][]*Command{}, vars: map[string]*VarType{}, known: map[string]string{}}
	for _, v := range vars {
		g.vars[v.Name] = v
	}
	return g
}

// Add compiles and adds commands. It panics on a malformed definition.
func (g *Graph) Add(cmds ...*Command) {
	for _, c := range cmds {
		c.start = compile(c, g.vars, g.known)
		g.index(c, c.start)
		g.cmds = append(g.cmds, c)
		if c.ShortNo {
			g.addShortNo(c)
		}
	}
	sort.Strings(g.firsts)
}

// addShortNo adds the hidden "no <leading keywords>" form of c.
func (g *Graph) addShortNo(c *Command) {
	kw, rest := keywordPrefix(c.Def)
	if !strings.HasPrefix(c.Def, "[no] ") || !rest || len(kw) == 0 {
		panic("grammar: ShortNo on " + strconv.Quote(c.Def) + " needs [no], leading keywords and arguments")
	}
	helps := strings.Split(c.Help, "\n")
	if len(helps) > len(kw) {
		helps = helps[:len(kw)]
	}
	short := &Command{Def: "no " + strings.Join(kw, " "), Help: "\n" + strings.Join(helps, "\n"),
		Privilege: c.Privilege, Hidden: true, Action: c.Action}
	short.Help = strings.TrimPrefix(short.Help, "\n")
	short.start = compile(&Command{Def: "[no] " + strings.Join(kw, " "), Help: short.Help}, g.vars, g.known)
	// Keep only the "no" branch of the compiled start.
	short.start.next = short.start.next[:1]
	for _, n := range reachEnds(short.start) {
		n.cmd = short
	}
	short.shortOf = c
	g.index(short, short.start)
	g.cmds = append(g.cmds, short)
}

// reachEnds lists the end nodes of a graph.
func reachEnds(start *node) []*node {
	var out []*node
	seen := map[*node]bool{}
	var walk func(n *node)
	walk = func(n *node) {
		if seen[n] {
			return
		}
		seen[n] = true
		if n.end {
			out = append(out, n)
		}
		for _, m := range n.next {
			walk(m)
		}
	}
	walk(start)
	return out
}

func (g *Graph) index(c *Command, start *node) {
	for _, st := range closure(state{n: start}) {
		if st.n.tok == nil {
			continue
		}
		if st.n.tok.kind == KindKeyword {
			k := st.n.tok.text
			if _, ok := g.byFirst[k]; !ok {
				g.firsts = append(g.firsts, k)
			}
			if !containsCmd(g.byFirst[k], c) {
				g.byFirst[k] = append(g.byFirst[k], c)
			}
		} else if !containsCmd(g.others, c) {
			g.others = append(g.others, c)
		}
	}
}

func containsCmd(list []*Command, c *Command) bool {
	for _, x := range list {
		if x == c {
			return true
		}
	}
	return false
}

// Commands lists the graph's declared commands in registration order
// (without generated short "no" forms).
func (g *Graph) Commands() []*Command {
	var out []*Command
	for _, c := range g.cmds {
		if c.shortOf == nil {
			out = append(out, c)
		}
	}
	return out
}

// candidates returns the commands whose first token could match word.
func (g *Graph) candidates(word string, filter func(*Command) bool) []*Command {
	var out []*Command
	lw := strings.ToLower(word)
	i := sort.SearchStrings(g.firsts, lw)
	seen := map[*Command]bool{}
	for ; i < len(g.firsts) && strings.HasPrefix(g.firsts[i], lw); i++ {
		for _, c := range g.byFirst[g.firsts[i]] {
			if !seen[c] && filter(c) {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	for _, c := range g.others {
		if !seen[c] && filter(c) {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// all returns every command passing the filter.
func (g *Graph) all(filter func(*Command) bool) []*Command {
	var out []*Command
	for _, c := range g.cmds {
		if filter(c) {
			out = append(out, c)
		}
	}
	return out
}

// Args are the values a matched line bound to its tokens. Keywords bind
// their own (full) text; variables bind the word typed. A token's binding
// name is its $name, or else its text (WORD, A.B.C.D, <1-200>, keyword).
type Args struct {
	vals  map[string][]string
	spans []span
	no    bool
}

// No reports whether the line was the negated ("no ...") form.
func (a Args) No() bool { return a.no }

// Has reports whether the name was bound.
func (a Args) Has(name string) bool { _, ok := a.vals[name]; return ok }

// Str is the last value bound to name, or "". (A keyword and the value
// after it may share a name, as in "timeout <45-180>$timeout": the value
// comes last and wins.)
func (a Args) Str(name string) string {
	if v := a.vals[name]; len(v) > 0 {
		return v[len(v)-1]
	}
	return ""
}

// All is every value bound to name, in line order.
func (a Args) All(name string) []string { return a.vals[name] }

// Int is the value bound to name as an integer (0 when absent); ranges
// guarantee it parses.
func (a Args) Int(name string) int64 {
	n, _ := strconv.ParseInt(a.Str(name), 10, 64)
	return n
}

// NewArgs builds Args from pairs, for tests of handlers.
func NewArgs(no bool, pairs ...string) Args {
	a := Args{vals: map[string][]string{}, no: no}
	for i := 0; i+1 < len(pairs); i += 2 {
		a.vals[pairs[i]] = append(a.vals[pairs[i]], pairs[i+1])
	}
	return a
}
