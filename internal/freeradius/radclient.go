package freeradius

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// RadclientOptions say how RadClientWith runs /usr/bin/radclient.
type RadclientOptions struct {
	// NetNS runs radclient inside this network namespace; "" for the host.
	NetNS string
	// Secret is the shared secret with the target.
	Secret string
	// Timeout is how long radclient waits for each try (-t). Defaults to
	// 3 s.
	Timeout time.Duration
	// Tries is how many times radclient sends the request (-r). Defaults
	// to 1: a test that wants retransmissions asks for them.
	Tries int
	// ConfDir is a configuration directory whose "dictionary" radclient
	// reads after the system ones (-d): Server.Dir, to use attributes from
	// Config.Dictionary. Defaults to the system's /etc/freeradius/3.0,
	// which radclient only reads.
	ConfDir string
}

// RadClient sends one request with radclient -x and returns its output.
// code is radclient's command: "auth", "acct", "status", "coa" or
// "disconnect". attrs are radclient's input, pairs separated by commas or
// newlines, as in `User-Name = "alice", User-Password = "pw"`; a
// `Message-Authenticator = 0x00` pair makes radclient sign the request.
//
// The error is nil whenever a reply arrived, whatever its code (radclient
// itself exits 1 on an Access-Reject or a NAK); ParseReply reads it.
func RadClient(t T, ns string, target netip.AddrPort, code, secret, attrs string) (string, error) {
	t.Helper()
	return RadClientWith(t, RadclientOptions{NetNS: ns, Secret: secret}, target, code, attrs)
}

// RadClientWith is RadClient with every option.
func RadClientWith(t T, o RadclientOptions, target netip.AddrPort, code, attrs string) (string, error) {
	t.Helper()
	if o.Timeout <= 0 {
		o.Timeout = 3 * time.Second
	}
	if o.Tries <= 0 {
		o.Tries = 1
	}
	argv := []string{RadclientPath, "-x",
		"-t", strconv.FormatFloat(o.Timeout.Seconds(), 'f', 3, 64),
		"-r", strconv.Itoa(o.Tries),
		"-D", DictDir}
	if o.ConfDir != "" {
		argv = append(argv, "-d", o.ConfDir)
	}
	if target.Addr().Is6() {
		argv = append(argv, "-6")
	}
	argv = append(argv, target.String(), code, o.Secret)
	if o.NetNS != "" {
		argv = append([]string{"ip", "netns", "exec", o.NetNS}, argv...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(o.Tries)*o.Timeout+10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdin = strings.NewReader(attrs)
	outb, err := cmd.CombinedOutput()
	out := string(outb)
	if _, ok := ParseReply(out); ok {
		return out, nil
	}
	if err == nil {
		err = errors.New("no reply in its output")
	}
	return out, fmt.Errorf("radclient %s to %s: %w: %s", code, target, err, strings.TrimSpace(lastLines(out, 3)))
}

// Reply is the packet radclient received.
type Reply struct {
	Code  string // "Access-Accept", "Accounting-Response", "CoA-NAK", ...
	Pairs        // the attributes radclient printed, Message-Authenticator included
}

// ParseReply finds the last packet radclient -x received in out.
func ParseReply(out string) (Reply, bool) {
	var r Reply
	found := false
	in := false
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(line, "Received "); ok {
			code, _, _ := strings.Cut(rest, " ")
			r, found, in = Reply{Code: code}, true, true
			continue
		}
		if in && strings.HasPrefix(line, "\t") {
			if p, err := parsePair(line); err == nil {
				r.Pairs = append(r.Pairs, p)
			}
			continue
		}
		in = false
	}
	return r, found
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
