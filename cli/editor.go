package cli

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// ctrlZ is what the editor sees instead of Ctrl-Z in configuration modes:
// go to the end of the line, clear it, type "end", press Enter.
const ctrlZ = "\x1b[F\x15end\r"

// ctrlC clears the line and presses Enter.
const ctrlC = "\x1b[F\x15\r"

// ErrIdleTimeout ends a session nobody typed in for the exec-timeout.
var ErrIdleTimeout = errors.New("cli: idle timeout")

// Keyboard reads a terminal stream on its own goroutine, so that a read
// can time out (exec-timeout) and a console can pass the same stream from
// one session to the next. It also rewrites keys the line editor does not
// know: Ctrl-Z becomes "end" in configuration modes (and is dropped in
// exec), Ctrl-C abandons the line.
type Keyboard struct {
	chunks  chan []byte
	err     error // set before chunks is closed
	pending []byte
	mu      sync.Mutex

	// Idle, when set, returns the current exec-timeout (0: none).
	Idle     func() time.Duration
	inConfig func() bool
}

// NewKeyboard starts reading r.
func NewKeyboard(r io.Reader) *Keyboard {
	k := &Keyboard{chunks: make(chan []byte, 16), inConfig: func() bool { return false }}
	go func() {
		for {
			b := make([]byte, 4096)
			n, err := r.Read(b)
			if n > 0 {
				k.chunks <- b[:n]
			}
			if err != nil {
				k.err = err
				close(k.chunks)
				return
			}
		}
	}()
	return k
}

// next waits for the next chunk of raw input, or the idle timeout.
func (k *Keyboard) next() ([]byte, error) {
	var timeout <-chan time.Time
	if k.Idle != nil {
		if d := k.Idle(); d > 0 {
			t := time.NewTimer(d)
			defer t.Stop()
			timeout = t.C
		}
	}
	select {
	case b, ok := <-k.chunks:
		if !ok {
			return nil, k.err
		}
		return b, nil
	case <-timeout:
		return nil, ErrIdleTimeout
	}
}

func (k *Keyboard) Read(p []byte) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for len(k.pending) == 0 {
		raw, err := k.next()
		if err != nil {
			return 0, err
		}
		for _, c := range raw {
			switch {
			case c == 0x03:
				k.pending = append(k.pending, ctrlC...)
			case c == 0x1a && k.inConfig():
				k.pending = append(k.pending, ctrlZ...)
			case c == 0x1a:
			default:
				k.pending = append(k.pending, c)
			}
		}
	}
	n := copy(p, k.pending)
	k.pending = k.pending[n:]
	return n, nil
}

// readByte reads one raw key for the --More-- prompt.
func (k *Keyboard) readByte() (byte, error) {
	var b [1]byte
	if _, err := io.ReadFull(k, b[:]); err != nil {
		return 0, err
	}
	return b[0], nil
}

// Editor runs an interactive session on a terminal-like stream (console,
// SSH channel with a pty, attach socket), with IOS keys: ? for help, Tab to
// complete, Ctrl-Z to leave configuration mode, --More-- paging.
type Editor struct {
	s    *Session
	t    *term.Terminal
	keys *Keyboard
	w    io.Writer
	out  bytes.Buffer // the running command's output, paged when it ends
}

type rw struct {
	io.Reader
	io.Writer
}

// NewEditor wires a session to a terminal: keys from kb, output to w.
func NewEditor(s *Session, kb *Keyboard, w io.Writer, width, height int) *Editor {
	e := &Editor{s: s, w: w, keys: kb}
	kb.inConfig = func() bool { return s.Mode().IsConfig() }
	kb.Idle = s.execTimeout
	e.t = term.NewTerminal(rw{kb, w}, "")
	if width > 0 && height > 0 {
		e.t.SetSize(width, height)
		s.termWidth, s.termLength = width, height
	}
	e.t.AutoCompleteCallback = e.key
	s.out = &termWriter{e}
	s.in = e
	s.interactive = true
	if s.monitorFn == nil {
		s.monitorFn = func(line string) { e.t.Write([]byte(line + "\n")) }
	}
	return e
}

// SetSize follows a window change.
func (e *Editor) SetSize(width, height int) {
	e.t.SetSize(width, height)
	e.s.termWidth = width
	if e.s.termLength != 0 {
		e.s.termLength = height
	}
}

// key handles ? and Tab.
func (e *Editor) key(line string, pos int, key rune) (string, int, bool) {
	switch key {
	case '?':
		before := line[:pos]
		help := e.s.Help(before)
		e.t.Write([]byte(e.s.Prompt() + before + "?\n" + help))
		return line, pos, true
	case '\t':
		done := e.s.Complete(line[:pos])
		return done + line[pos:], len(done), true
	}
	return "", 0, false
}

// ReadLine implements Input for questions the session asks. What the
// command printed so far is shown first: it is usually the question.
func (e *Editor) ReadLine(prompt string) (string, error) {
	e.flush()
	e.t.SetPrompt(prompt)
	return e.t.ReadLine()
}

// ReadPassword implements Input.
func (e *Editor) ReadPassword(prompt string) (string, error) {
	e.flush()
	return e.t.ReadPassword(prompt)
}

// flush shows the running command's output so far.
func (e *Editor) flush() {
	if e.out.Len() > 0 {
		e.t.Write(e.out.Bytes())
		e.out.Reset()
	}
}

// Run reads and executes lines until the session ends or the stream closes.
func (e *Editor) Run() error {
	for !e.s.closed {
		e.t.SetPrompt(e.s.Prompt())
		line, err := e.t.ReadLine()
		if err != nil {
			return err
		}
		e.out.Reset()
		e.s.out = &e.out
		res := e.s.Execute(line)
		e.page(e.out.String())
		if res.Err != nil {
			e.t.Write([]byte(ErrorText(res, len(e.s.Prompt()))))
		}
		if res.Pending != nil {
			if err := res.Pending.Wait(); err != nil {
				e.t.Write([]byte("% Configuration not saved: " + err.Error() + "\n"))
			}
		}
	}
	return nil
}

// page writes output, pausing with --More-- every screenful when a
// terminal length is set.
func (e *Editor) page(out string) {
	if out == "" {
		return
	}
	n := e.s.termLength
	if n <= 1 {
		e.t.Write([]byte(out))
		return
	}
	lines := strings.SplitAfter(out, "\n")
	shown := 0
	for i, l := range lines {
		if shown == n-1 && i < len(lines)-1 && lines[i] != "" {
			io.WriteString(e.w, " --More-- ")
			k, err := e.keys.readByte()
			io.WriteString(e.w, "\r          \r")
			if err != nil || (k != ' ' && k != '\r' && k != '\n') {
				return
			}
			if k == ' ' {
				shown = 0
			} else {
				shown = n - 2
			}
		}
		e.t.Write([]byte(l))
		shown++
	}
}

// termWriter sends writes through the terminal (CRLF translation).
type termWriter struct{ e *Editor }

func (w *termWriter) Write(p []byte) (int, error) { return w.e.t.Write(p) }
