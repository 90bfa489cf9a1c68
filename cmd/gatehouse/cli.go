package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/gatehouse-vpn/gatehouse/cli"
)

// lineList collects repeated -c flags.
type lineList []string

func (l *lineList) String() string     { return strings.Join(*l, "; ") }
func (l *lineList) Set(v string) error { *l = append(*l, v); return nil }

func runCLI(args []string) int {
	fs := flag.NewFlagSet("cli", flag.ContinueOnError)
	sockPath := fs.String("socket", "var/gatehouse.sock", "the daemon's attach socket `file`")
	verbose := fs.Bool("verbose", false, "script mode: print each line's commit acknowledgement")
	var cmds lineList
	fs.Var(&cmds, "c", "run this `line` (repeatable) instead of reading stdin")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	conn, err := net.Dial("unix", *sockPath)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gatehouse cli: cannot reach the daemon at %s: %v\n", *sockPath, err)
		return 1
	}
	defer conn.Close()

	if len(cmds) == 0 && term.IsTerminal(int(os.Stdin.Fd())) {
		return interactive(conn)
	}
	var script io.Reader = os.Stdin
	if len(cmds) > 0 {
		script = strings.NewReader(strings.Join(cmds, "\n") + "\n")
	}
	failed, err := cli.RunAttachScript(conn, script, os.Stdout, os.Stdout, *verbose)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gatehouse cli: %v\n", err)
		return 1
	}
	if failed > 0 {
		return 1
	}
	return 0
}

// interactive proxies the terminal to a daemon-side editor.
func interactive(conn net.Conn) int {
	fd := int(os.Stdin.Fd())
	w, h, _ := term.GetSize(fd)
	user := os.Getenv("USER")
	if err := json.NewEncoder(conn).Encode(cli.Hello{Mode: "interactive", Width: w, Height: h, User: user}); err != nil {
		fmt.Fprintf(os.Stderr, "gatehouse cli: %v\n", err)
		return 1
	}
	old, err := term.MakeRaw(fd)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gatehouse cli: %v\n", err)
		return 1
	}
	defer term.Restore(fd, old)
	go io.Copy(conn, os.Stdin)
	io.Copy(os.Stdout, conn)
	return 0
}
