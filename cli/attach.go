package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"

	"github.com/gatehouse-vpn/gatehouse/modes"
)

// The attach protocol, on the daemon's unix socket: the client sends one
// JSON hello line. In "interactive" mode both sides then exchange raw
// terminal bytes. In "script" mode the client sends the script and closes
// its write side; the daemon answers with JSON frames, one per line:
// {"out": text}, {"failed": N, "text": text}, {"committed": N, "rev": R}
// and finally {"done": true, "failures": K}.

// Hello opens an attach connection.
type Hello struct {
	Mode   string `json:"mode"` // "interactive" or "script"
	Width  int    `json:"width,omitempty"`
	Height int    `json:"height,omitempty"`
	User   string `json:"user,omitempty"` // the local user, for show users
}

// Frame is one message of a script-mode reply.
type Frame struct {
	Out       string `json:"out,omitempty"`
	Failed    int    `json:"failed,omitempty"`
	Text      string `json:"text,omitempty"`
	Committed int    `json:"committed,omitempty"`
	Rev       uint64 `json:"rev,omitempty"`
	Done      bool   `json:"done,omitempty"`
	Failures  int    `json:"failures,omitempty"`
	Error     string `json:"error,omitempty"`
}

// AttachServer serves "gatehouse cli" connections. Whoever can open the
// socket is a local administrator: sessions start at privilege 15.
type AttachServer struct {
	Env   *modes.Env
	Lines *Lines
}

// Serve accepts connections until the listener closes.
func (a *AttachServer) Serve(ln net.Listener) error {
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		go a.handle(c)
	}
}

func (a *AttachServer) handle(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	line, err := br.ReadBytes('\n')
	if err != nil {
		return
	}
	var h Hello
	if json.Unmarshal(line, &h) != nil {
		fmt.Fprintf(c, "{\"error\":\"bad hello\"}\n")
		return
	}
	id := "attach " + strconv.Itoa(a.Lines.Next("attach"))
	s := NewSession(a.Env, Config{ID: id, User: h.User, Host: "local", Privilege: 15, Lines: a.Lines})
	defer s.Close()
	if h.Mode == "interactive" {
		NewEditor(s, NewKeyboard(br), c, h.Width, h.Height).Run()
		return
	}
	enc := json.NewEncoder(c)
	failures, err := RunScript(s, br, frameSink{enc})
	done := Frame{Done: true, Failures: failures}
	if err != nil {
		done.Error = err.Error()
	}
	enc.Encode(done)
}

type frameSink struct{ enc *json.Encoder }

func (f frameSink) Output(_ int, text string) error { return f.enc.Encode(Frame{Out: text}) }
func (f frameSink) Failed(n int, text string) error {
	return f.enc.Encode(Frame{Failed: n, Text: text})
}
func (f frameSink) Committed(n int, rev uint64) error {
	return f.enc.Encode(Frame{Committed: n, Rev: rev})
}

// RunAttachScript sends a script to the daemon and copies the results to
// out (and errors to errOut). It returns the number of failed lines.
// verbose also prints each commit acknowledgement.
func RunAttachScript(conn net.Conn, script io.Reader, out, errOut io.Writer, verbose bool) (int, error) {
	if err := json.NewEncoder(conn).Encode(Hello{Mode: "script"}); err != nil {
		return 0, err
	}
	go func() {
		io.Copy(conn, script)
		if cw, ok := conn.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
		}
	}()
	dec := json.NewDecoder(conn)
	for {
		var f Frame
		if err := dec.Decode(&f); err != nil {
			return 0, fmt.Errorf("cli: connection to daemon lost: %w", err)
		}
		switch {
		case f.Done:
			if f.Error != "" {
				return f.Failures, errors.New(f.Error)
			}
			return f.Failures, nil
		case f.Failed != 0:
			io.WriteString(errOut, f.Text)
		case f.Committed != 0:
			if verbose {
				fmt.Fprintf(out, "line %d: committed (revision %d)\n", f.Committed, f.Rev)
			}
		default:
			io.WriteString(out, f.Out)
		}
	}
}
