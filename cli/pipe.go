package cli

import (
	"fmt"
	"regexp"
	"strings"
)

// pipeline is the "| include|exclude|begin|section|count REGEX" stage of a
// show command.
type pipeline struct {
	op   string
	re   *regexp.Regexp
	text string // the stage as typed, without the bar
}

var pipeOps = []string{"begin", "count", "exclude", "include", "section"}

// splitPipe finds the first " | op regex" stage whose op abbreviates a pipe
// keyword. A bar followed by anything else is left in the line (it may be
// part of a description or a regular expression).
func splitPipe(line string) (cmd string, p *pipeline, err error) {
	for i := 0; i < len(line); i++ {
		if line[i] != '|' {
			continue
		}
		rest := strings.TrimLeft(line[i+1:], " \t")
		word, arg, _ := strings.Cut(rest, " ")
		op := pipeOp(word)
		if op == "" {
			continue
		}
		arg = strings.TrimSpace(arg)
		if arg == "" && op != "count" {
			return line[:i], nil, IOSErrorf("%% Incomplete command.")
		}
		if arg == "" {
			arg = ".*"
		}
		re, rerr := regexp.Compile(arg)
		if rerr != nil {
			return line[:i], nil, IOSErrorf("%% Invalid regular expression %q: %v", arg, rerr)
		}
		return strings.TrimRight(line[:i], " \t"), &pipeline{op: op, re: re, text: op + " " + arg}, nil
	}
	return line, nil, nil
}

func pipeOp(word string) string {
	if word == "" {
		return ""
	}
	var found string
	for _, op := range pipeOps {
		if strings.HasPrefix(op, strings.ToLower(word)) {
			if found != "" {
				return ""
			}
			found = op
		}
	}
	return found
}

// filter applies the stage to a command's output.
func (p *pipeline) filter(out string) string {
	lines := strings.SplitAfter(out, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	var b strings.Builder
	match := func(l string) bool { return p.re.MatchString(strings.TrimRight(l, "\n")) }
	switch p.op {
	case "include":
		for _, l := range lines {
			if match(l) {
				b.WriteString(l)
			}
		}
	case "exclude":
		for _, l := range lines {
			if !match(l) {
				b.WriteString(l)
			}
		}
	case "begin":
		for i, l := range lines {
			if match(l) {
				b.WriteString(strings.Join(lines[i:], ""))
				break
			}
		}
	case "count":
		n := 0
		for _, l := range lines {
			if match(l) {
				n++
			}
		}
		fmt.Fprintf(&b, "Number of lines which match regexp = %d\n", n)
	case "section":
		// A section is a top-level line and its indented children; print
		// the sections whose header or any child matches.
		for i := 0; i < len(lines); {
			j := i + 1
			for j < len(lines) && strings.HasPrefix(lines[j], " ") {
				j++
			}
			sec := lines[i:j]
			for _, l := range sec {
				if match(l) {
					b.WriteString(strings.Join(sec, ""))
					break
				}
			}
			i = j
		}
	}
	return b.String()
}
