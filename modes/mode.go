package modes

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/gatehouse-vpn/gatehouse/grammar"
	"github.com/gatehouse-vpn/gatehouse/services/logging"
	"github.com/gatehouse-vpn/gatehouse/services/pool"
	"github.com/gatehouse-vpn/gatehouse/services/session"
	"github.com/gatehouse-vpn/gatehouse/services/vtemplate"
)

// Mode is a CLI node: its prompt suffix, the parent it walks up to, the
// header of its "?" listing and its command graph.
type Mode struct {
	Name   string // prompt part between parentheses, "" for the exec modes
	Parent *Mode
	Header string // first line of the bare "?" listing
	Graph  *grammar.Graph
}

// IsConfig reports whether the mode is global configuration or below it.
func (m *Mode) IsConfig() bool { return m.Name != "" }

// Prompt renders the prompt for a hostname in this mode.
func (m *Mode) Prompt(hostname string, privilege int) string {
	if m.Name == "" {
		if privilege > 1 {
			return hostname + "#"
		}
		return hostname + ">"
	}
	return hostname + "(" + m.Name + ")#"
}

// Session is what handlers may ask of the CLI session that runs them.
type Session interface {
	ID() string   // line name: "con 0", "vty 0", "attach 3"
	User() string // "" when nobody logged in (console without AAA)
	Privilege() int
	SetPrivilege(level int)
	Mode() *Mode
	Keys() []string // keys of the objects the current sub-mode edits
	Enter(m *Mode, keys ...string)
	Exit()
	End()
	SetTerminalLength(n int)
	SetTerminalWidth(n int)
	SetMonitor(on bool)
	History() []string
	ReadSecret(prompt string) (string, error) // "Password:" prompts, not echoed
	ReadLine(prompt string) (string, error)   // an answer ("[yes/no]: "), echoed
	// ReadLines shows prompt on interactive sessions, then reads lines
	// until last(line) is true; the returned lines include that last one.
	ReadLines(prompt string, last func(line string) bool) ([]string, error)
	Interactive() bool
}

// SessionInfo describes a session for "show users".
type SessionInfo struct {
	Line    string
	User    string
	Host    string
	Idle    time.Duration
	Current bool
}

// Env is what every handler can reach: the store and the services' query
// functions. Service queries are functions so that a service that does not
// exist yet answers with a safe default.
type Env struct {
	DB       *configdb.DB
	Started  time.Time
	Version  string
	Now      func() time.Time
	Sessions func(current Session) []SessionInfo
	// VTemplateActive is the number of active virtual-access interfaces
	// cloned from a virtual-template; the vtemplate service answers it.
	VTemplateActive func(number int) int
	// VirtualAccess is the table of live virtual-access interfaces (the
	// vtemplate service, *vtemplate.Service); nil means there is none.
	VirtualAccess VirtualAccessTable
	// Pools reports address pool usage (the pool service); nil means no
	// address is in use.
	Pools PoolUsage
	// CryptoSessions lists the crypto session table (the session service);
	// nil means no session.
	CryptoSessions func() []session.Session
	// IKEv2Stats reports the IKE engine's counters for "show crypto ikev2
	// stats"; nil means no engine (all counters zero).
	IKEv2Stats func() session.IKEv2Stats
	// ClearCrypto carries out a "clear crypto ..." command and returns the
	// number of SAs it deleted; nil means no engine (nothing to clear).
	ClearCrypto func(req session.ClearRequest) int
	// Dataplane reports the data plane backend for "show platform
	// dataplane"; nil means none runs (IKE off).
	Dataplane func() DataplaneStatus
	// Login authenticates an admin login on a line ("vty 0") through the
	// AAA method lists and returns the session's privilege level; nil
	// means the local username database alone decides.
	Login func(ctx context.Context, line, user, password string) (privilege int, err error)
	// AAA renders the AAA service's operational views; nil means no AAA
	// service (no server counters, no accounted sessions).
	AAA AAAStatus
	Log *logging.Buffer
}

// AAAStatus is what show commands need of the AAA service.
type AAAStatus interface {
	RenderServers(w io.Writer) error  // "show aaa servers"
	RenderUsers(w io.Writer) error    // "show aaa user all"
	RenderSessions(w io.Writer) error // "show aaa sessions"
}

// VirtualAccessTable is what show commands need of the vtemplate service.
type VirtualAccessTable interface {
	Get(name string) (vtemplate.VirtualAccess, bool)
	List() []vtemplate.VirtualAccess
	Counters(name string) (dataplane.Counters, error)
}

// PoolUsage is what show commands need of the address pool service.
type PoolUsage interface {
	Stats() []pool.PoolStats
	Owner(addr netip.Addr) (owner string, ok bool)
}

func (e *Env) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// Ctx is one command's invocation.
type Ctx struct {
	Env  *Env
	Sess Session
	Out  io.Writer
	Args grammar.Args
	Line string

	// Commit applies fn as one configuration update on behalf of the
	// session (the session supplies it: it records who did what and waits
	// for durability before it acknowledges the line).
	Commit func(fn func(tx *configdb.Tx) error) error
}

// Update applies fn as one configuration update.
func (c *Ctx) Update(fn func(tx *configdb.Tx) error) error { return c.Commit(fn) }

// Key is the i-th key of the object the current sub-mode edits.
func (c *Ctx) Key(i int) string {
	if k := c.Sess.Keys(); i < len(k) {
		return k[i]
	}
	return ""
}

// Printf writes to the session's output.
func (c *Ctx) Printf(format string, args ...any) {
	fmt.Fprintf(c.Out, format, args...)
}

// ConfigFunc handles a configuration command inside one configdb update.
type ConfigFunc func(c *Ctx, tx *configdb.Tx) error

// ExecFunc handles an exec command (show, clear, write...).
type ExecFunc func(c *Ctx) error

// Special actions the session itself carries out.
type (
	// DoAction runs the rest of the line in privileged exec mode.
	DoAction struct{}
	// PipeShow marks show commands whose output may be piped.
	PipeShow struct{ Run ExecFunc }
)

// Reader is the read side of a configdb transaction.
type Reader interface {
	Get(kind, name string) ([]byte, bool)
	GetJSON(kind, name string, v any) (bool, error)
	Names(kind string) []string
}

// IOSError is an error whose text is shown to the user as is.
type IOSError string

func (e IOSError) Error() string { return string(e) }

// Tree is the whole mode table.
type Tree struct {
	UserExec, Exec, Config *Mode
	modes                  map[string]*Mode
	sections               []section
	vars                   []*grammar.VarType
}

// section renders one area of the running configuration.
type section struct {
	order  int
	render func(r *Renderer, tx Reader)
}

// varTypes are the custom token types every mode's grammar knows.
var varTypes = []*grammar.VarType{ifNameVar, hostVar}

var (
	areas    []func(t *Tree)
	treeOnce sync.Once
	tree     *Tree
)

// Modes returns the mode table, built on first use from every area.
func Modes() *Tree {
	treeOnce.Do(func() { tree = build() })
	return tree
}

func build() *Tree {
	t := &Tree{modes: map[string]*Mode{}, vars: varTypes}
	t.Exec = t.NewMode("", nil, "Exec commands:")
	t.UserExec = t.Exec
	t.Config = t.NewMode("config", nil, "Configure commands:")
	for _, area := range areas {
		area(t)
	}
	sort.SliceStable(t.sections, func(i, j int) bool { return t.sections[i].order < t.sections[j].order })
	return t
}

// NewMode adds a mode. Configuration sub-modes get exit/end/do.
func (t *Tree) NewMode(name string, parent *Mode, header string) *Mode {
	m := &Mode{Name: name, Parent: parent, Header: header, Graph: grammar.NewGraph(t.vars...)}
	t.modes[name] = m
	if name != "" {
		m.Graph.Add(
			&grammar.Command{Def: "exit", Help: exitHelp(m), Action: ExecFunc(func(c *Ctx) error { c.Sess.Exit(); return nil })},
			&grammar.Command{Def: "end", Help: "Exit from configure mode", Action: ExecFunc(func(c *Ctx) error { c.Sess.End(); return nil })},
			&grammar.Command{Def: "do LINE", Help: "To run exec commands in config mode\nExec Command", Action: DoAction{}},
		)
	}
	return m
}

// exitHelp is the help of a mode's "exit", named after the mode as IOS
// does ("Exit from IKEv2 profile configuration mode").
func exitHelp(m *Mode) string {
	if m.Name == "config" {
		return "Exit from configure mode"
	}
	what := strings.TrimSuffix(strings.TrimSuffix(m.Header, ":"), " commands")
	what = strings.TrimSuffix(strings.TrimSuffix(what, " configuration"), " sub-mode")
	if what == "" {
		what = strings.TrimPrefix(m.Name, "config-")
	}
	words := strings.Fields(what)
	for i, w := range words {
		// "Interface" reads "interface"; IKEv2, RADIUS, QoS stay as they are.
		if len(w) > 1 && strings.ToLower(w[1:]) == w[1:] {
			words[i] = strings.ToLower(w)
		}
	}
	return "Exit from " + strings.Join(words, " ") + " configuration mode"
}

// Mode looks a mode up by name ("config-if").
func (t *Tree) Mode(name string) *Mode { return t.modes[name] }

// AllModes lists the modes sorted by name (exec first).
func (t *Tree) AllModes() []*Mode {
	var out []*Mode
	for _, m := range t.modes {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Section registers a renderer for part of the running configuration; order
// places it (see the constants in render.go).
func (t *Tree) Section(order int, render func(r *Renderer, tx Reader)) {
	t.sections = append(t.sections, section{order, render})
}

// Add registers commands in a mode.
func (m *Mode) Add(cmds ...*grammar.Command) { m.Graph.Add(cmds...) }
