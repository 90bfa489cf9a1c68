package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/grammar"
	"github.com/gatehouse-vpn/gatehouse/modes"
)

// MaxLineLength is the longest line a session accepts.
const MaxLineLength = 8192

// frame is one level of the mode stack.
type frame struct {
	mode *modes.Mode
	keys []string
}

// Input is where a session reads answers to its own questions (passwords,
// banner text) from: the line editor or the rest of a script.
type Input interface {
	ReadLine(prompt string) (string, error)
	ReadPassword(prompt string) (string, error)
}

// Session is one CLI session.
type Session struct {
	env   *modes.Env
	tree  *modes.Tree
	id    string
	user  string
	host  string
	priv  int
	stack []frame
	out   io.Writer
	in    Input

	interactive bool
	termLength  int
	termWidth   int
	monitor     bool
	history     []string
	closed      bool
	lastActive  atomic.Int64 // unix nanoseconds; read by other sessions' show users
	pending     *configdb.Pending

	// monitorFn receives log lines while "terminal monitor" is on.
	monitorFn     func(line string)
	cancelMonitor func()
	lines         *Lines
}

// Config describes a new session.
type Config struct {
	ID          string // "con 0", "vty 0", "attach 1"
	User        string
	Host        string
	Privilege   int
	Interactive bool
	Out         io.Writer
	In          Input
	Monitor     func(line string)
	Lines       *Lines // the daemon's session list, for "show users"
}

// NewSession starts a session in exec mode.
func NewSession(env *modes.Env, cfg Config) *Session {
	s := &Session{env: env, tree: modes.Modes(), id: cfg.ID, user: cfg.User, host: cfg.Host,
		priv: cfg.Privilege, out: cfg.Out, in: cfg.In, interactive: cfg.Interactive,
		termLength: 24, termWidth: 80, monitorFn: cfg.Monitor}
	s.lastActive.Store(time.Now().UnixNano())
	if s.priv == 0 {
		s.priv = 1
	}
	s.stack = []frame{{mode: s.tree.Exec}}
	s.lines = cfg.Lines
	if s.lines == nil {
		s.lines = NewLines()
	}
	s.lines.add(s)
	return s
}

// Close ends the session.
func (s *Session) Close() {
	s.closed = true
	if s.cancelMonitor != nil {
		s.cancelMonitor()
	}
	s.lines.remove(s)
}

// Closed reports whether the user left (exit in exec mode).
func (s *Session) Closed() bool { return s.closed }

// Prompt is the prompt for the current mode.
func (s *Session) Prompt() string {
	var host string
	s.env.DB.View(func(tx *configdb.ReadTx) error { host = modes.Hostname(tx); return nil })
	return s.Mode().Prompt(host, s.priv)
}

// modes.Session implementation.

func (s *Session) ID() string              { return s.id }
func (s *Session) User() string            { return s.user }
func (s *Session) Privilege() int          { return s.priv }
func (s *Session) SetPrivilege(l int)      { s.priv = l }
func (s *Session) Mode() *modes.Mode       { return s.stack[len(s.stack)-1].mode }
func (s *Session) Keys() []string          { return s.stack[len(s.stack)-1].keys }
func (s *Session) Interactive() bool       { return s.interactive }
func (s *Session) History() []string       { return append([]string(nil), s.history...) }
func (s *Session) SetTerminalLength(n int) { s.termLength = n }
func (s *Session) SetTerminalWidth(n int)  { s.termWidth = n }

// Enter pushes a sub-mode. Entering a sibling or a mode of the parent's
// level replaces the levels below it, as IOS does.
func (s *Session) Enter(m *modes.Mode, keys ...string) {
	for len(s.stack) > 1 && !isAncestor(s.stack[len(s.stack)-1].mode, m) {
		s.stack = s.stack[:len(s.stack)-1]
	}
	s.stack = append(s.stack, frame{mode: m, keys: keys})
}

// isAncestor reports whether a is m's parent chain (global config being
// the parent of every top-level sub-mode).
func isAncestor(a, m *modes.Mode) bool {
	for p := parentOf(m); p != nil; p = parentOf(p) {
		if p == a {
			return true
		}
	}
	return false
}

func parentOf(m *modes.Mode) *modes.Mode {
	if m.Parent != nil {
		return m.Parent
	}
	if m.IsConfig() && m != modes.Modes().Config {
		return modes.Modes().Config
	}
	if m == modes.Modes().Config {
		return modes.Modes().Exec
	}
	return nil
}

// execTimeout is the configured exec-timeout of the session's line (con 0,
// vty N); attach sessions are local administration and never time out.
func (s *Session) execTimeout() time.Duration {
	if !strings.HasPrefix(s.id, "con ") && !strings.HasPrefix(s.id, "vty ") {
		return 0
	}
	var d time.Duration
	s.env.DB.View(func(tx *configdb.ReadTx) error { d = modes.ExecTimeout(tx, s.id); return nil })
	return d
}

// Exit leaves the current mode (the session, in exec mode).
func (s *Session) Exit() {
	if len(s.stack) > 1 {
		s.stack = s.stack[:len(s.stack)-1]
		return
	}
	s.closed = true
}

// End returns to privileged exec.
func (s *Session) End() { s.stack = s.stack[:1] }

// SetMonitor turns "terminal monitor" on or off.
func (s *Session) SetMonitor(on bool) {
	s.monitor = on
	if s.cancelMonitor != nil {
		s.cancelMonitor()
		s.cancelMonitor = nil
	}
	if on && s.env.Log != nil && s.monitorFn != nil {
		s.cancelMonitor = s.env.Log.Subscribe(s.monitorFn)
	}
}

// ReadSecret asks for a password without echo.
func (s *Session) ReadSecret(prompt string) (string, error) {
	if s.in == nil {
		return "", errors.New("no input")
	}
	return s.in.ReadPassword(prompt)
}

// ReadLine asks a question whose answer is echoed.
func (s *Session) ReadLine(prompt string) (string, error) {
	if s.in == nil {
		return "", errors.New("no input")
	}
	return s.in.ReadLine(prompt)
}

// ReadLines reads lines (a banner, a pasted certificate) until last says
// the line ends the text.
func (s *Session) ReadLines(prompt string, last func(string) bool) ([]string, error) {
	if s.in == nil {
		return nil, IOSErrorf("%% No input for the rest of the text")
	}
	if s.interactive {
		fmt.Fprintln(s.out, prompt)
	}
	var lines []string
	for {
		l, err := s.in.ReadLine("")
		if errors.Is(err, io.EOF) {
			return nil, IOSErrorf("%% Input ended before the end of the text")
		}
		if err != nil {
			return nil, err
		}
		lines = append(lines, l)
		if last(l) {
			return lines, nil
		}
	}
}

// IOSErrorf formats an error shown to the user as is.
func IOSErrorf(format string, args ...any) error {
	return modes.IOSError(fmt.Sprintf(format, args...))
}

// errLineTooLong rejects lines over MaxLineLength.
var errLineTooLong = IOSErrorf("%% Line too long (the limit is %d characters)", MaxLineLength)

// Result is what one executed line did.
type Result struct {
	Err     error // nil on success
	Caret   int   // for invalid input: the byte offset of the caret in the line; -1 otherwise
	Pending *configdb.Pending
}

// Execute runs one line, writing its output to the session's writer.
func (s *Session) Execute(line string) (res Result) {
	s.lastActive.Store(time.Now().UnixNano())
	s.pending = nil
	// A bug a command line reaches must cost that line, not the daemon
	// and every session and tunnel it carries: the line fails, loudly.
	defer func() {
		if r := recover(); r != nil {
			if s.env.Log != nil {
				s.env.Log.Logf("%%SYS-2-INTERNAL: command %q failed: %v\n%s", line, r, debug.Stack())
			}
			res = Result{Err: errInternal, Caret: -1}
		}
	}()
	res = s.execute(line)
	res.Pending = s.pending
	return res
}

// errInternal answers a line whose command panicked.
var errInternal = IOSErrorf("%% Internal error: the command was not completed (see show logging)")

func (s *Session) execute(line string) Result {
	// Text copied from web pages and books indents with no-break spaces.
	line = strings.ReplaceAll(line, "\u00a0", " ")
	if len(line) > MaxLineLength {
		return Result{Err: errLineTooLong, Caret: -1}
	}
	if i := badByte(line); i >= 0 {
		return Result{Err: &grammar.Error{Kind: grammar.ErrInvalid, Line: line, Pos: i}, Caret: i}
	}
	trimmed := strings.TrimSpace(line)
	if trimmed == "" || strings.HasPrefix(trimmed, "!") || isConfigHeader(trimmed) {
		return Result{Caret: -1}
	}
	if strings.HasSuffix(trimmed, "?") && !s.interactive {
		// A pasted or piped "...?" asks for help, as typing it would.
		io.WriteString(s.out, s.Help(strings.TrimLeft(strings.TrimSuffix(line, "?"), " \t")))
		return Result{Caret: -1}
	}
	if s.interactive {
		s.history = append(s.history, trimmed)
		if len(s.history) > 20 {
			s.history = s.history[1:]
		}
	}
	res := s.run(trimmed, s.out)
	if res.Caret >= 0 {
		res.Caret += strings.Index(line, trimmed) // the caret is under the line as typed
	}
	return res
}

// badByte returns the offset of the first byte that is not valid UTF-8 or
// is a control character other than tab, or -1.
func badByte(line string) int {
	for i, r := range line {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(line[i:]); size <= 1 {
				return i
			}
		}
		if (r < 0x20 && r != '\t') || r == 0x7f {
			return i
		}
	}
	return -1
}

// isConfigHeader recognises the lines show running-config prints before the
// configuration, so that pasting it back is harmless.
func isConfigHeader(l string) bool {
	return l == "Building configuration..." || strings.HasPrefix(l, "Current configuration : ")
}

// run executes a trimmed line in the current mode, walking up to parent
// modes when the current one cannot take it.
func (s *Session) run(line string, out io.Writer) Result {
	cmdLine, pipe, perr := splitPipe(line)
	m, level, err := s.match(cmdLine)
	if err == nil && pipe != nil {
		if _, ok := m.Cmd.Action.(modes.PipeShow); !ok {
			if _, isDo := m.Cmd.Action.(modes.DoAction); !isDo {
				// Not a show command: the bar is part of the text.
				m, level, err = s.match(line)
				pipe = nil
			}
		}
	}
	if err == nil && perr != nil {
		return Result{Err: perr, Caret: -1}
	}
	if err != nil {
		var ge *grammar.Error
		if errors.As(err, &ge) && ge.Kind == grammar.ErrInvalid {
			return Result{Err: err, Caret: ge.Pos}
		}
		return Result{Err: err, Caret: -1}
	}
	saved := append([]frame(nil), s.stack...)
	s.stack = s.stack[:level+1]
	err = s.dispatch(m, line, pipe, out)
	if err != nil {
		s.stack = saved
		// A handler may refuse a word the grammar let through (a tunnel
		// command on a loopback): it reports where, like the parser.
		var ge *grammar.Error
		if errors.As(err, &ge) && ge.Kind == grammar.ErrInvalid {
			return Result{Err: err, Caret: ge.Pos}
		}
	}
	return Result{Err: err, Caret: -1}
}

// match tries the current mode, then each parent. It returns the stack
// level that took the line. On failure it reports the current mode's error,
// or a parent's when the parent got further into the line.
func (s *Session) match(line string) (*grammar.Match, int, error) {
	opts := grammar.Options{Allow: s.allowed}
	var firstErr error
	bestPos := -1
	for level := len(s.stack) - 1; level >= 0; level-- {
		mode := s.stack[level].mode
		if level == 0 && len(s.stack) > 1 {
			break // config modes never walk up into exec
		}
		m, err := mode.Graph.Match(line, opts)
		if err == nil {
			return m, level, nil
		}
		pos := errPos(err, line)
		if firstErr == nil || pos > bestPos {
			firstErr, bestPos = err, pos
		}
	}
	return nil, 0, firstErr
}

// errPos says how far into the line a parse failure got.
func errPos(err error, line string) int {
	var ge *grammar.Error
	if errors.As(err, &ge) && ge.Kind == grammar.ErrInvalid {
		return ge.Pos
	}
	return len(line)
}

// allowed enforces privilege levels: configuration commands need 15 unless
// declared otherwise.
func (s *Session) allowed(c *grammar.Command) bool {
	need := c.Privilege
	if need == 0 {
		need = 15
	}
	return s.priv >= need
}

// dispatch runs a matched command.
func (s *Session) dispatch(m *grammar.Match, line string, pipe *pipeline, out io.Writer) error {
	ctx := &modes.Ctx{Env: s.env, Sess: s, Out: out, Args: m.Args, Line: line,
		Commit: s.commit(m.Redact(line, SecretBinds...))}
	switch a := m.Cmd.Action.(type) {
	case modes.ConfigFunc:
		return ctx.Update(func(tx *configdb.Tx) error { return a(ctx, tx) })
	case modes.ExecFunc:
		return a(ctx)
	case modes.PipeShow:
		if pipe == nil {
			return a.Run(ctx)
		}
		var buf bytes.Buffer
		ctx.Out = &buf
		err := a.Run(ctx)
		io.WriteString(out, pipe.filter(buf.String()))
		return err
	case modes.DoAction:
		return s.do(m.Args.Str("LINE"), pipe, out)
	}
	return fmt.Errorf("cli: command %q has no handler", m.Cmd.Def)
}

// do runs an exec command from a configuration mode.
func (s *Session) do(line string, pipe *pipeline, out io.Writer) error {
	saved := s.stack
	s.stack = []frame{{mode: s.tree.Exec}}
	defer func() {
		if len(s.stack) == 1 && s.stack[0].mode == s.tree.Exec && !s.closed {
			s.stack = saved
		}
	}()
	full := line
	if pipe != nil {
		full = line + " | " + pipe.text
	}
	res := s.run(full, out)
	if res.Err != nil && res.Caret >= 0 {
		// Re-base the caret onto the "do" line for the caller's marker.
		return &grammar.Error{Kind: grammar.ErrInvalid, Line: line, Pos: res.Caret}
	}
	return res.Err
}

// SecretBinds are the binding names whose words are secrets: the archive
// records the line with them masked.
var SecretBinds = []string{"secret", "key", "password"}

// commit returns the function handlers use to update the configuration.
func (s *Session) commit(line string) func(fn func(tx *configdb.Tx) error) error {
	return func(fn func(tx *configdb.Tx) error) error {
		meta := configdb.Meta{Session: strings.TrimSpace(s.id + " " + s.user), Line: line}
		p, err := s.env.DB.Update(meta, fn)
		if err != nil {
			var ios modes.IOSError
			if errors.As(err, &ios) {
				return ios
			}
			var ge *grammar.Error
			if errors.As(err, &ge) {
				return ge
			}
			return err
		}
		s.pending = p
		return nil
	}
}

// ErrorText renders a failed line as IOS does. For invalid input it is the
// caret line (indented by indent columns) and the message; the caller has
// already echoed the line itself.
func ErrorText(res Result, indent int) string {
	if res.Err == nil {
		return ""
	}
	msg := res.Err.Error()
	var ios modes.IOSError
	if !errors.As(res.Err, &ios) && !strings.HasPrefix(msg, "%") {
		msg = "% " + msg
	}
	if res.Caret >= 0 {
		return strings.Repeat(" ", indent+res.Caret) + "^\n" + msg + "\n"
	}
	return msg + "\n"
}

// Help answers "?" for the text typed so far.
func (s *Session) Help(line string) string {
	opts := grammar.Options{Allow: s.allowed}
	mode := s.Mode()
	if strings.TrimSpace(line) == "" {
		entries, _ := mode.Graph.Help("", opts)
		return mode.Header + "\n" + grammar.FormatHelp(entries, s.width()) + "\n"
	}
	trimmed := strings.TrimLeft(line, " \t")
	entries, err := mode.Graph.Help(trimmed, opts)
	for level := len(s.stack) - 2; err != nil && level >= 1; level-- {
		// As for execution, a line the current mode cannot take may
		// belong to a parent mode.
		if e, perr := s.stack[level].mode.Graph.Help(trimmed, opts); perr == nil {
			entries, err = e, nil
		}
	}
	if err != nil {
		var ge *grammar.Error
		if errors.As(err, &ge) && ge.Kind == grammar.ErrInvalid {
			return strings.Repeat(" ", len(s.Prompt())+len(line)-len(trimmed)+ge.Pos) + "^\n" + err.Error() + "\n"
		}
		return err.Error() + "\n"
	}
	if !strings.HasSuffix(line, " ") {
		return grammar.FormatWords(entries, s.width()) + "\n"
	}
	return grammar.FormatHelp(entries, s.width()) + "\n"
}

// Complete answers Tab.
func (s *Session) Complete(line string) string {
	trimmed := strings.TrimLeft(line, " \t")
	done, _ := s.Mode().Graph.Complete(trimmed, grammar.Options{Allow: s.allowed})
	return line[:len(line)-len(trimmed)] + done
}

func (s *Session) width() int {
	if s.termWidth <= 0 || s.termWidth > 200 {
		return 79
	}
	return s.termWidth - 1
}

// Lines is the daemon's list of live sessions ("show users"), and hands
// out line numbers.
type Lines struct {
	mu   sync.Mutex
	m    map[*Session]bool
	next map[string]int
}

// NewLines returns an empty session list.
func NewLines() *Lines { return &Lines{m: map[*Session]bool{}, next: map[string]int{}} }

// Next returns the next free number for a line type ("vty" -> 0, 1, ...).
func (l *Lines) Next(kind string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	used := map[int]bool{}
	for s := range l.m {
		var n int
		if _, err := fmt.Sscanf(s.id, kind+" %d", &n); err == nil {
			used[n] = true
		}
	}
	n := 0
	for used[n] {
		n++
	}
	return n
}

func (l *Lines) add(s *Session)    { l.mu.Lock(); l.m[s] = true; l.mu.Unlock() }
func (l *Lines) remove(s *Session) { l.mu.Lock(); delete(l.m, s); l.mu.Unlock() }

// Infos lists sessions for "show users"; current marks the asker.
func (l *Lines) Infos(current modes.Session) []modes.SessionInfo {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []modes.SessionInfo
	for s := range l.m {
		out = append(out, modes.SessionInfo{Line: s.id, User: s.user, Host: s.host,
			Idle: time.Since(time.Unix(0, s.lastActive.Load())), Current: modes.Session(s) == current})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}
