package modes

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/configdb/secret"
)

// Running-config order: where each area's section goes, as IOS orders them.
const (
	OrderService   = 100 // service password-encryption
	OrderHostname  = 200
	OrderLogging   = 300
	OrderEnable    = 400
	OrderAAA       = 500 // aaa new-model, groups, method lists, attribute lists, dynamic-author, session-id
	OrderVRF       = 600
	OrderDomain    = 700
	OrderPKI       = 800
	OrderUsername  = 900
	OrderPolicyMap = 950
	OrderIKEv2     = 1000 // name-mangler, authorization policy, proposal, policy, keyring, profile, globals
	OrderIPsec     = 1100 // transform-set, profile
	OrderInterface = 1200
	OrderPool      = 1300 // ip local pool, ipv6 local pool
	OrderRoute     = 1400
	OrderACL       = 1500
	OrderRADIUS    = 1600 // radius server, radius-server globals
	OrderBanner    = 1700
	OrderLine      = 1800
)

// Renderer accumulates running-config text. Blocks are separated by "!"
// lines as IOS prints them.
type Renderer struct {
	b       strings.Builder
	Encrypt bool // service password-encryption is on: show type 7, never type 0
}

// Line writes one line at an indent level (one space per level).
func (r *Renderer) Line(indent int, format string, args ...any) {
	r.b.WriteString(strings.Repeat(" ", indent))
	if len(args) == 0 {
		r.b.WriteString(format)
	} else {
		fmt.Fprintf(&r.b, format, args...)
	}
	r.b.WriteByte('\n')
}

// Bang writes the "!" separator, never two in a row.
func (r *Renderer) Bang() {
	if !strings.HasSuffix(r.b.String(), "!\n") {
		r.b.WriteString("!\n")
	}
}

// String is the text so far.
func (r *Renderer) String() string { return r.b.String() }

// Secret renders a stored secret for display as IOS does: clear-text values
// become type 7 when password encryption is on; withType writes "0 " for
// clear text (keys) instead of nothing (passwords).
func (r *Renderer) Secret(s *schema.Secret) string {
	switch s.Type {
	case 0:
		if r.Encrypt {
			return "7 " + secret.EncodeType7(s.Value)
		}
		return s.Value
	case 7:
		return "7 " + secret.EncodeType7(s.Value)
	default:
		return strconv.Itoa(s.Type) + " " + s.Value
	}
}

// RunningConfig renders the running configuration: header, sections in
// IOS order, "end".
func (t *Tree) RunningConfig(tx Reader, header bool) string {
	body := t.renderBody(tx)
	if !header {
		return body
	}
	return fmt.Sprintf("Building configuration...\n\nCurrent configuration : %d bytes\n%s", len(body), body)
}

func (t *Tree) renderBody(tx Reader) string {
	sys := loadSystem(tx)
	r := &Renderer{Encrypt: sys.ServicePasswordEncryption}
	r.Bang()
	for _, s := range t.sections {
		s.render(r, tx)
	}
	r.Bang()
	r.Line(0, "end")
	return r.String()
}

// load reads one object; ok is false when it does not exist.
func load[T any](tx Reader, kind, name string) (*T, bool) {
	v := new(T)
	ok, err := tx.GetJSON(kind, name, v)
	if err != nil || !ok {
		return v, false
	}
	return v, true
}

// store writes one object.
func store[T any](tx *configdb.Tx, kind, name string, v *T) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("modes: encode %s %q: %w", kind, name, err)
	}
	tx.Put(kind, name, b)
	return nil
}

// update loads an object (a zero one when absent), lets fn change it and
// stores it back.
func update[T any](tx *configdb.Tx, kind, name string, fn func(v *T) error) error {
	v, _ := load[T](tx, kind, name)
	if err := fn(v); err != nil {
		return err
	}
	return store(tx, kind, name, v)
}

// each calls fn for every object of a kind in key order.
func each[T any](tx Reader, kind string, fn func(name string, v *T)) {
	for _, name := range tx.Names(kind) {
		if v, ok := load[T](tx, kind, name); ok {
			fn(name, v)
		}
	}
}

func loadSystem(tx Reader) *schema.System {
	s, _ := load[schema.System](tx, schema.KindSystem, schema.Global)
	return s
}

// Hostname is the configured hostname or IOS's default.
func Hostname(tx Reader) string {
	if h := loadSystem(tx).Hostname; h != "" {
		return h
	}
	return "Router"
}

func updateSystem(tx *configdb.Tx, fn func(s *schema.System) error) error {
	return update(tx, schema.KindSystem, schema.Global, fn)
}
