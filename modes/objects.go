package modes

import (
	"strings"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/grammar"
)

// The handlers most commands are made of: enter a named object's sub-mode,
// edit the object a sub-mode is on, set or clear one of its fields.

// subModeObject is the handler of "[no] KEYWORDS NAME" commands that enter
// the sub-mode m to edit the object NAME of kind: it creates the object
// (with create) when it does not exist, or deletes it for the "no" form.
// For IOS's smart defaults, deleting brings the default values back.
func subModeObject[T any](m *Mode, kind string, create func(name string) *T) ConfigFunc {
	return func(c *Ctx, tx *configdb.Tx) error {
		name := c.Args.Str("name")
		if c.Args.No() {
			tx.Delete(kind, name)
			return nil
		}
		v, ok := load[T](tx, kind, name)
		if !ok {
			v = create(name)
		}
		if err := store(tx, kind, name, v); err != nil {
			return err
		}
		c.Sess.Enter(m, name)
		return nil
	}
}

// editObject is the handler of a sub-mode command: fn changes the object
// the sub-mode edits (key 0), for the set and the "no" form alike.
func editObject[T any](kind string, fn func(c *Ctx, v *T) error) ConfigFunc {
	return func(c *Ctx, tx *configdb.Tx) error {
		v, ok := load[T](tx, kind, c.Key(0))
		if !ok {
			// Another session removed it while this one was in the sub-mode.
			return IOSError("% " + c.Key(0) + " no longer exists")
		}
		if err := fn(c, v); err != nil {
			return err
		}
		return store(tx, kind, c.Key(0), v)
	}
}

// ifOn is v for a set command and "" for its "no" form.
func ifOn(on bool, v string) string {
	if on {
		return v
	}
	return ""
}

// withName returns a create function for subModeObject that sets the
// object's name field.
func withName[T any](name func(v *T) *string) func(string) *T {
	return func(n string) *T {
		v := new(T)
		*name(v) = n
		return v
	}
}

// setString is the handler of "[no] KEYWORDS VALUE" setting a string
// field of the object the sub-mode edits ("no" clears it).
func setString[T any](kind string, field func(v *T) *string, bind string) ConfigFunc {
	return editObject(kind, func(c *Ctx, v *T) error {
		*field(v) = ifOn(!c.Args.No(), c.Args.Str(bind))
		return nil
	})
}

// setFlag is the handler of "[no] KEYWORDS" setting a boolean field of the
// object the sub-mode edits.
func setFlag[T any](kind string, field func(v *T) *bool) ConfigFunc {
	return editObject(kind, func(c *Ctx, v *T) error {
		*field(v) = !c.Args.No()
		return nil
	})
}

// ifOnInt is the number bound to name, or 0 for a "no" form.
func ifOnInt(a grammar.Args, name string) int64 {
	if a.No() {
		return 0
	}
	return a.Int(name)
}

// newSharedSecret turns "[0|6|7] value" of a shared secret into what is stored:
// type 7 is decoded so the RADIUS client reads clear text; type 6 (AES
// under the master key) is kept as typed.
func newSharedSecret(a grammar.Args) (*schema.Secret, error) {
	if !a.No() && a.Str("type") == "6" {
		return &schema.Secret{Type: 6, Value: a.Str("secret")}, nil
	}
	return newPassword(a)
}

// keyText renders a stored key as r.Secret does, except that a clear-text
// key whose first word is itself a type digit ("7 x") is written with an
// explicit "0 " so that it reads back as the same key.
func keyText(r *Renderer, s *schema.Secret) string {
	text := r.Secret(s)
	if s.Type == 0 && !r.Encrypt {
		switch first, _, _ := strings.Cut(s.Value, " "); first {
		case "0", "6", "7":
			return "0 " + text
		}
	}
	return text
}

// readDelimited reads a banner-style text: the first character of text
// (or "^C") delimits it, and when the closing delimiter is not on the
// command line the text continues on the following lines.
func readDelimited(c *Ctx, text string) (*schema.Banner, error) {
	delim := text[:1]
	if strings.HasPrefix(text, "^C") {
		delim = "^C"
	}
	body := text[len(delim):]
	if i := strings.Index(body, delim); i >= 0 {
		return &schema.Banner{Delimiter: delim, Text: body[:i]}, nil
	}
	lines, err := c.Sess.ReadLines("Enter TEXT message.  End with the character '"+delim+"'.",
		func(l string) bool { return strings.Contains(l, delim) })
	if err != nil {
		return nil, err
	}
	last := len(lines) - 1
	lines[last] = lines[last][:strings.Index(lines[last], delim)]
	return &schema.Banner{Delimiter: delim, Text: body + "\n" + strings.Join(lines, "\n")}, nil
}
