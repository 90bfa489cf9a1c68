// Command gatehouse is the Gatehouse daemon and its command-line client.
//
//	gatehouse run [--db FILE] [--socket FILE] [--ssh ADDR:PORT|none] [--dataplane auto|userspace|xfrm|fake]
//	gatehouse cli [--socket FILE] [-c LINE]... [--verbose]
//	gatehouse version
package main

import (
	"fmt"
	"os"
	"runtime"
)

// Version is set at build time with -ldflags "-X main.Version=...".
var Version = "0.1.0-dev"

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	var code int
	switch os.Args[1] {
	case "run":
		code = runDaemon(os.Args[2:])
	case "cli":
		code = runCLI(os.Args[2:])
	case "version", "--version":
		fmt.Printf("gatehouse %s (%s %s/%s)\n", Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	case "help", "-h", "--help":
		usage()
	default:
		fmt.Fprintf(os.Stderr, "gatehouse: unknown command %q\n", os.Args[1])
		usage()
		code = 2
	}
	os.Exit(code)
}

func usage() {
	fmt.Fprint(os.Stderr, `usage:
  gatehouse run [--db FILE] [--socket FILE] [--ssh ADDR:PORT|none] [--dataplane auto|userspace|xfrm|fake]
      start the daemon; the terminal on stdin, if any, is the console line
  gatehouse cli [--socket FILE] [-c LINE]... [--verbose]
      attach to the daemon: interactive on a terminal, else run stdin (or each -c) as a script
  gatehouse version
`)
}
