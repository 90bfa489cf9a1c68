package grammar

import (
	"sort"
	"strings"
)

// HelpEntry is one line of a ? listing.
type HelpEntry struct {
	Name string
	Help string
}

// CR is the entry that says the line may end here.
var CR = HelpEntry{Name: "<cr>"}

// next returns the tokens that could follow the given complete words, and
// whether the line could end there. With no words it lists every command's
// first token.
func (g *Graph) next(line string, words []Word, opts Options) (toks []*token, cr bool, err error) {
	visible := func(c *Command) bool { return !c.Hidden && opts.allow(c) }
	var paths []*path
	if len(words) == 0 {
		for _, c := range g.all(visible) {
			paths = append(paths, &path{state: state{n: c.start}, cmd: c})
		}
	} else {
		o := opts
		o.Allow = visible
		var perr *Error
		paths, perr = g.walk(line, words, o)
		if perr != nil {
			return nil, false, perr
		}
		var ambiguous bool
		paths, ambiguous = bestPaths(paths)
		if ambiguous {
			return nil, false, &Error{Kind: ErrAmbiguous, Line: line}
		}
	}
	seen := map[*token]bool{}
	for _, p := range paths {
		if p.line {
			cr = true
			continue
		}
		for _, st := range closure(p.state) {
			if st.n.end {
				cr = true
			} else if !seen[st.n.tok] {
				seen[st.n.tok] = true
				toks = append(toks, st.n.tok)
			}
		}
	}
	return toks, cr, nil
}

// Help answers "line ?" (line ends in a space or is empty: what may come
// next) and "line?" (the last word is partial: which words it may become).
func (g *Graph) Help(line string, opts Options) ([]HelpEntry, error) {
	words := Split(line)
	partial := len(words) > 0 && !strings.HasSuffix(line, " ") && !strings.HasSuffix(line, "\t")
	if partial {
		last := words[len(words)-1]
		toks, _, err := g.next(line, words[:len(words)-1], opts)
		if err != nil {
			return nil, err
		}
		var out []HelpEntry
		for _, t := range toks {
			if t.kind == KindKeyword && t.couldExtend(last.Text) {
				out = append(out, HelpEntry{Name: t.text, Help: t.help})
			}
		}
		out = sortEntries(out)
		if len(out) == 0 {
			return nil, &Error{Kind: ErrUnrecognized, Line: line}
		}
		return out, nil
	}
	toks, cr, err := g.next(line, words, opts)
	if err != nil {
		return nil, err
	}
	var out []HelpEntry
	for _, t := range toks {
		out = append(out, HelpEntry{Name: t.display(), Help: t.help})
	}
	out = sortEntries(out)
	if cr {
		out = append(out, CR)
	}
	return out, nil
}

// sortEntries orders keywords alphabetically before variables (kept in
// declaration order) and drops repeated names.
func sortEntries(in []HelpEntry) []HelpEntry {
	var kw, vars []HelpEntry
	seen := map[string]bool{}
	for _, e := range in {
		if seen[e.Name] {
			continue
		}
		seen[e.Name] = true
		if isVarDisplay(e.Name) {
			vars = append(vars, e)
		} else {
			kw = append(kw, e)
		}
	}
	sort.SliceStable(kw, func(i, j int) bool { return strings.ToLower(kw[i].Name) < strings.ToLower(kw[j].Name) })
	return append(kw, vars...)
}

// isVarDisplay reports whether a listed name is a variable rather than a
// keyword: keywords are lower case (or digits).
func isVarDisplay(name string) bool {
	return strings.ToLower(name) != name || strings.HasPrefix(name, "<")
}

// Complete implements Tab: when the last partial word can only become one
// keyword, it returns the line with that keyword and a space. Otherwise it
// returns the candidates so the caller can list them or beep.
func (g *Graph) Complete(line string, opts Options) (string, []string) {
	words := Split(line)
	if len(words) == 0 || strings.HasSuffix(line, " ") {
		return line, nil
	}
	last := words[len(words)-1]
	toks, _, err := g.next(line, words[:len(words)-1], opts)
	if err != nil {
		return line, nil
	}
	var cands []string
	seen := map[string]bool{}
	for _, t := range toks {
		var names []string
		switch {
		case t.kind == KindKeyword:
			if t.couldExtend(last.Text) {
				names = []string{t.text}
			}
		case t.kind == KindCustom && t.custom.Complete != nil:
			names = t.custom.Complete(last.Text)
		}
		for _, n := range names {
			if !seen[n] {
				seen[n] = true
				cands = append(cands, n)
			}
		}
	}
	sort.Strings(cands)
	if len(cands) == 1 {
		return line[:last.Pos] + cands[0] + " ", cands
	}
	return line, cands
}

// FormatHelp renders a ? listing as IOS does: two spaces, names padded to
// the widest, two spaces, help wrapped to fit width columns.
func FormatHelp(entries []HelpEntry, width int) string {
	w := 0
	for _, e := range entries {
		if e.Help != "" || e.Name != CR.Name {
			w = max(w, len(e.Name))
		}
	}
	var b strings.Builder
	for _, e := range entries {
		if e.Help == "" {
			b.WriteString("  " + e.Name + "\n")
			continue
		}
		b.WriteString("  " + e.Name + strings.Repeat(" ", w-len(e.Name)) + "  ")
		indent := 4 + w
		col := indent
		for i, word := range strings.Split(strings.TrimSpace(e.Help), " ") {
			if i > 0 {
				if col+1+len(word) > width {
					b.WriteString("\n" + strings.Repeat(" ", indent))
					col = indent
				} else {
					b.WriteByte(' ')
					col++
				}
			}
			b.WriteString(word)
			col += len(word)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// FormatWords renders the "word?" listing: candidates separated by two
// spaces, wrapped to width.
func FormatWords(entries []HelpEntry, width int) string {
	var b strings.Builder
	col := 0
	for _, e := range entries {
		if col > 0 && col+len(e.Name)+2 > width {
			b.WriteByte('\n')
			col = 0
		}
		b.WriteString(e.Name + "  ")
		col += len(e.Name) + 2
	}
	b.WriteString("\n")
	return b.String()
}
