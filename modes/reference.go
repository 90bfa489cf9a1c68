package modes

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/gatehouse-vpn/gatehouse/grammar"
)

// bindRe matches the $name bindings, which are not part of what users type.
var bindRe = regexp.MustCompile(`\$[A-Za-z0-9_-]+`)

// CommandReference renders docs/commands.md: every mode with its prompt and
// every visible command with the help of each of its tokens, generated from
// the same declarations the CLI matches against.
func (t *Tree) CommandReference() string {
	var b strings.Builder
	b.WriteString("# Command reference\n\n")
	b.WriteString("Generated from the grammar by `make docs` (`go test ./modes -run TestCommandReference -update`); do not edit by hand.\n")
	b.WriteString("Syntax: `[x]` optional, `<a|b>` one of, `{a|b}` any of in any order, `<1-10>` a number in range,\n")
	b.WriteString("`WORD`/`LINE` text (LINE: the rest of the line), `A.B.C.D` an IPv4 address, `X:X::X:X` an IPv6 address.\n")
	b.WriteString("`[no]` means the command can be negated to remove the setting.\n\n")
	for _, m := range t.referenceOrder() {
		fmt.Fprintf(&b, "## %s\n\n", modeTitle(m))
		fmt.Fprintf(&b, "Prompt: `%s`\n\n", m.Prompt("Router", 15))
		for _, c := range m.Graph.Commands() {
			if c.Hidden || isModeBuiltin(m, c) {
				continue
			}
			priv := c.Privilege
			if priv == 0 {
				priv = 15
			}
			fmt.Fprintf(&b, "### `%s`\n\n", bindRe.ReplaceAllString(c.Def, ""))
			if !m.IsConfig() {
				fmt.Fprintf(&b, "Privilege level %d.\n\n", priv)
			}
			b.WriteString("| token | help |\n|---|---|\n")
			for _, tok := range c.Tokens() {
				fmt.Fprintf(&b, "| `%s` | %s |\n", tok.Name, strings.ReplaceAll(tok.Help, "|", "\\|"))
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

// referenceOrder lists exec, global configuration, then the sub-modes by name.
func (t *Tree) referenceOrder() []*Mode {
	out := []*Mode{t.Exec, t.Config}
	for _, m := range t.AllModes() {
		if m != t.Exec && m != t.Config {
			out = append(out, m)
		}
	}
	return out
}

func modeTitle(m *Mode) string {
	switch m.Name {
	case "":
		return "EXEC mode"
	case "config":
		return "Global configuration mode"
	}
	return strings.TrimPrefix(m.Name, "config-") + " mode"
}

// isModeBuiltin reports the exit/end/do every configuration mode has; the
// reference lists them once, under global configuration.
func isModeBuiltin(m *Mode, c *grammar.Command) bool {
	if m.Name == "config" || m.Name == "" {
		return false
	}
	switch c.Def {
	case "exit", "end", "do LINE":
		return true
	}
	return false
}
