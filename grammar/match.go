package grammar

import (
	"strings"
)

// Word is one whitespace-separated word of an input line and its byte offset.
type Word struct {
	Text string
	Pos  int
}

// Split cuts a line into words at spaces and tabs.
func Split(line string) []Word {
	var out []Word
	i := 0
	for i < len(line) {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' {
			j++
		}
		if j > i {
			out = append(out, Word{line[i:j], i})
		}
		i = j
	}
	return out
}

// state is a position in one command's graph plus the {} alternatives used.
type state struct {
	n    *node
	used uint64
}

// closure returns the token and end nodes reachable from st.n's successors
// (or from st.n itself when it is an epsilon start) without consuming a word.
func closure(st state) []state {
	var out []state
	type key struct {
		n    *node
		used uint64
	}
	seen := map[key]bool{}
	var walk func(n *node, used uint64)
	walk = func(n *node, used uint64) {
		if n.once != 0 {
			if used&n.once != 0 {
				return
			}
			used |= n.once
		}
		k := key{n, used}
		if seen[k] {
			return
		}
		seen[k] = true
		if n.tok != nil || n.end {
			out = append(out, state{n, used})
			return
		}
		for _, m := range n.next {
			walk(m, used)
		}
	}
	if st.n.tok == nil && !st.n.end {
		walk(st.n, st.used)
	} else {
		for _, m := range st.n.next {
			walk(m, st.used)
		}
	}
	return out
}

// binding is a persistent list of bound values, newest first.
type binding struct {
	name, val string
	pos, end  int // the word's span in the line
	keyword   bool
	prev      *binding
}

// path is one live interpretation of the words read so far.
type path struct {
	state
	cmd   *Command
	ranks []Rank
	toks  []*token
	binds *binding
	line  bool // a LINE token has taken the rest of the line
	// ambig: another reading of the same words, as good as this one but
	// meaning different keywords, reached the same point and was merged.
	ambig bool
}

// better reports whether ranks a beat b at the first word where they differ.
func better(a, b []Rank) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

func sameRanks(a, b []Rank) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// signature names what a path's words meant: keywords by their text,
// variables by their kind; two best paths with different signatures make
// the line ambiguous.
func (p *path) signature() string {
	var b strings.Builder
	for _, t := range p.toks {
		if t.kind == KindKeyword {
			b.WriteString(t.text)
		} else {
			b.WriteByte('$')
		}
		b.WriteByte(' ')
	}
	return b.String()
}

// endNode is the end node an accepting path can reach (nil if none).
func (p *path) endNode() *node {
	for _, st := range closure(p.state) {
		if st.n.end {
			return st.n
		}
	}
	return nil
}

// Options filter what a matcher may see.
type Options struct {
	// Allow, when set, admits a command; nil admits all.
	Allow func(*Command) bool
}

func (o Options) allow(c *Command) bool { return o.Allow == nil || o.Allow(c) }

// Match is a line matched to a command.
type Match struct {
	Cmd  *Command
	Args Args
}

// walk consumes words and returns the surviving paths, or an Error at the
// first word nothing can take.
func (g *Graph) walk(line string, words []Word, opts Options) ([]*path, *Error) {
	if len(words) == 0 {
		return nil, &Error{Kind: ErrIncomplete, Line: line}
	}
	var paths []*path
	for _, c := range g.candidates(words[0].Text, opts.allow) {
		paths = append(paths, &path{state: state{n: c.start}, cmd: c})
	}
	for i, w := range words {
		type key struct {
			n    *node
			used uint64
		}
		best := map[key]int{}
		var next []*path
		caret := 0
		for _, p := range paths {
			if p.line {
				np := *p
				np.ranks = append(append([]Rank(nil), p.ranks...), RankLine)
				next = append(next, &np)
				continue
			}
			for _, st := range closure(p.state) {
				t := st.n.tok
				if t == nil {
					continue
				}
				r, ok := t.match(w.Text)
				if !ok {
					if t.kind == KindKeyword {
						caret = max(caret, commonPrefix(w.Text, t.text))
					}
					continue
				}
				val := w.Text
				if t.kind == KindKeyword {
					val = t.text
				}
				np := &path{state: st, cmd: p.cmd, ambig: p.ambig,
					ranks: append(append([]Rank(nil), p.ranks...), r),
					toks:  append(append([]*token(nil), p.toks...), t)}
				if t.kind == KindLine {
					val = strings.TrimRight(line[w.Pos:], " \t")
					np.line = true
				}
				np.binds = &binding{name: t.bind, val: val, pos: w.Pos, end: w.Pos + len(w.Text), keyword: t.kind == KindKeyword, prev: p.binds}
				if np.line {
					np.binds.end = w.Pos + len(val)
				}
				k := key{st.n, st.used}
				if j, ok := best[k]; ok {
					switch {
					case better(np.ranks, next[j].ranks):
						next[j] = np
					case sameRanks(np.ranks, next[j].ranks) && np.signature() != next[j].signature():
						next[j].ambig = true
					}
					continue
				}
				best[k] = len(next)
				next = append(next, np)
			}
		}
		if len(next) == 0 {
			return nil, &Error{Kind: ErrInvalid, Line: line, Pos: w.Pos + caret, Word: i}
		}
		paths = next
	}
	return paths, nil
}

// bestPaths keeps the paths with the best ranks; ambiguous reports whether
// they disagree on what a word meant.
func bestPaths(paths []*path) (best []*path, ambiguous bool) {
	for _, p := range paths {
		switch {
		case len(best) == 0 || better(p.ranks, best[0].ranks):
			best = []*path{p}
		case sameRanks(p.ranks, best[0].ranks):
			best = append(best, p)
		}
	}
	sig := best[0].signature()
	for _, p := range best {
		if p.ambig || p.signature() != sig {
			return best, true
		}
	}
	return best, false
}

// Match finds the command a line means.
func (g *Graph) Match(line string, opts Options) (*Match, error) {
	words := Split(line)
	paths, err := g.walk(line, words, opts)
	if err != nil {
		return nil, err
	}
	best, ambiguous := bestPaths(paths)
	if ambiguous {
		return nil, &Error{Kind: ErrAmbiguous, Line: line}
	}
	for _, p := range best {
		if end := p.endNode(); end != nil {
			return p.match(end.cmd), nil
		}
	}
	return nil, &Error{Kind: ErrIncomplete, Line: line}
}

func (p *path) match(cmd *Command) *Match {
	a := Args{vals: map[string][]string{}}
	var list []*binding
	for b := p.binds; b != nil; b = b.prev {
		list = append(list, b)
	}
	for i := len(list) - 1; i >= 0; i-- {
		b := list[i]
		if b.name == "no" && i == len(list)-1 {
			a.no = true
			continue
		}
		a.vals[b.name] = append(a.vals[b.name], b.val)
		if !b.keyword {
			a.spans = append(a.spans, span{b.name, b.pos, b.end})
		}
	}
	return &Match{Cmd: cmd, Args: a}
}

// span is where a bound word sits in the line.
type span struct {
	name     string
	pos, end int
}

// Redact returns line with the words bound to the given names replaced by
// "*****", so that secrets typed on a command line never reach logs or the
// configuration archive.
func (m *Match) Redact(line string, names ...string) string {
	out := []byte(line)
	for i := len(m.Args.spans) - 1; i >= 0; i-- {
		sp := m.Args.spans[i]
		for _, n := range names {
			if sp.name == n && sp.end <= len(out) {
				out = append(out[:sp.pos:sp.pos], append([]byte("*****"), out[sp.end:]...)...)
				break
			}
		}
	}
	return string(out)
}

// ErrKind classifies a parse failure.
type ErrKind uint8

const (
	ErrInvalid ErrKind = iota
	ErrAmbiguous
	ErrIncomplete
	ErrUnrecognized
)

// Error is an IOS parser error. Pos is the byte offset of the caret in Line
// for ErrInvalid.
type Error struct {
	Kind ErrKind
	Line string
	Pos  int
	Word int
}

func (e *Error) Error() string {
	switch e.Kind {
	case ErrAmbiguous:
		return `% Ambiguous command:  "` + strings.TrimSpace(e.Line) + `"`
	case ErrIncomplete:
		return "% Incomplete command."
	case ErrUnrecognized:
		return "% Unrecognized command"
	default:
		return "% Invalid input detected at '^' marker."
	}
}

// Caret renders the IOS marker line: spaces up to Pos (offset by the width
// of whatever was printed before the line, such as the prompt) and a '^'.
func (e *Error) Caret(indent int) string {
	return strings.Repeat(" ", indent+e.Pos) + "^"
}
