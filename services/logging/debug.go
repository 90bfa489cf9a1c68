package logging

import (
	"strings"
	"sync/atomic"
)

// Flag names one debug option ("debug crypto ikev2 internal").
type Flag uint8

// The debug options. Keep the order: it is the order of "show debugging"
// within a group.
const (
	FlagCryptoIKEv2 Flag = iota
	FlagCryptoIKEv2Internal
	FlagCryptoIKEv2Packet
	FlagCryptoIPsec
	FlagRadiusAuthentication
	FlagRadiusAccounting
	FlagAAAAuthentication
	FlagAAAAuthorization
	FlagAAAAccounting
	FlagAAAPerUser
	FlagAAAPOD
	FlagAAACoA
	FlagVTemplateCloning
	numFlags
)

// flagInfo is what the CLI needs of a flag: its command words, the label
// of its "... debugging is on" line and the "show debugging" group.
type flagInfo struct {
	name, label, group string
}

// Groups of "show debugging", in output order.
const (
	groupGeneral = "General OS:"
	groupCrypto  = "Cryptographic Subsystem:"
	groupIKEv2   = "IKEv2:"
	groupRadius  = "RADIUS:"
	groupVT      = "VTEMPLATE:"
)

var groupOrder = []string{groupGeneral, groupCrypto, groupIKEv2, groupRadius, groupVT}

var flagInfos = [numFlags]flagInfo{
	FlagCryptoIKEv2:          {"crypto ikev2", "IKEv2 default", groupIKEv2},
	FlagCryptoIKEv2Internal:  {"crypto ikev2 internal", "IKEv2 internal", groupIKEv2},
	FlagCryptoIKEv2Packet:    {"crypto ikev2 packet", "IKEv2 packet", groupIKEv2},
	FlagCryptoIPsec:          {"crypto ipsec", "Crypto IPSEC", groupCrypto},
	FlagRadiusAuthentication: {"radius authentication", "Radius packet protocol (authentication)", groupRadius},
	FlagRadiusAccounting:     {"radius accounting", "Radius packet protocol (accounting)", groupRadius},
	FlagAAAAuthentication:    {"aaa authentication", "AAA Authentication", groupGeneral},
	FlagAAAAuthorization:     {"aaa authorization", "AAA Authorization", groupGeneral},
	FlagAAAAccounting:        {"aaa accounting", "AAA Accounting", groupGeneral},
	FlagAAAPerUser:           {"aaa per-user", "AAA Per-user attributes", groupGeneral},
	FlagAAAPOD:               {"aaa pod", "AAA POD packet processing", groupGeneral},
	FlagAAACoA:               {"aaa coa", "AAA CoA packet", groupGeneral},
	FlagVTemplateCloning:     {"vtemplate cloning", "Virtual Template cloning", groupVT},
}

// Flags lists every debug option.
func Flags() []Flag {
	out := make([]Flag, numFlags)
	for i := range out {
		out[i] = Flag(i)
	}
	return out
}

// FlagByName finds a flag by its command words ("crypto ikev2 internal").
func FlagByName(name string) (Flag, bool) {
	name = strings.Join(strings.Fields(name), " ")
	for i, fi := range flagInfos {
		if fi.name == name {
			return Flag(i), true
		}
	}
	return 0, false
}

// Name is the flag's command words ("crypto ikev2 internal").
func (f Flag) Name() string {
	if f >= numFlags {
		return ""
	}
	return flagInfos[f].name
}

// Status is IOS's confirmation line for the flag, without newline:
// "IKEv2 default debugging is on".
func (f Flag) Status(on bool) string {
	if f >= numFlags {
		return ""
	}
	if on {
		return flagInfos[f].label + " debugging is on"
	}
	return flagInfos[f].label + " debugging is off"
}

// AllOffMessage is IOS's answer to "undebug all".
const AllOffMessage = "All possible debugging has been turned off"

// Debug is the registry of debug flags. Services keep the pointer and
// test a flag with On before doing any work for a debug line; Debugf
// logs to the Buffer (hence to "show logging", the console and monitor
// sessions) only when the flag is on. Safe for concurrent use; a nil
// *Debug has every flag off.
type Debug struct {
	mask atomic.Uint64
	buf  *Buffer
}

// NewDebug returns a registry, all flags off, that logs to b.
func NewDebug(b *Buffer) *Debug { return &Debug{buf: b} }

// Debug returns the debug registry that logs to b.
func (b *Buffer) Debug() *Debug {
	if b == nil {
		return nil
	}
	return b.debug
}

// On reports whether flag f is on. It is one atomic load.
func (d *Debug) On(f Flag) bool {
	return d != nil && d.mask.Load()&(1<<f) != 0
}

// Set turns flag f on or off.
func (d *Debug) Set(f Flag, on bool) {
	if f >= numFlags {
		return
	}
	if on {
		d.mask.Or(1 << f)
	} else {
		d.mask.And(^(uint64(1) << f))
	}
}

// AllOff turns every flag off ("undebug all").
func (d *Debug) AllOff() { d.mask.Store(0) }

// Enabled lists the flags that are on.
func (d *Debug) Enabled() []Flag {
	var out []Flag
	m := d.mask.Load()
	for f := Flag(0); f < numFlags; f++ {
		if m&(1<<f) != 0 {
			out = append(out, f)
		}
	}
	return out
}

// Debugf logs a debug line when flag f is on. When it is off it returns
// at once. Arguments that are not constants are still boxed by the caller
// before the call: on hot paths write `if d.On(f) { d.Debugf(f, ...) }`.
func (d *Debug) Debugf(f Flag, format string, args ...any) {
	if !d.On(f) {
		return
	}
	d.logf(format, args)
}

//go:noinline
func (d *Debug) logf(format string, args []any) {
	if d.buf != nil {
		d.buf.Logf(format, args...)
	}
}

// Render formats "show debugging" as IOS does: the flags that are on,
// grouped under their subsystem's header. Nothing when all are off.
func (d *Debug) Render() string {
	on := d.Enabled()
	var sb strings.Builder
	for _, g := range groupOrder {
		header := false
		for _, f := range on {
			if flagInfos[f].group != g {
				continue
			}
			if !header {
				sb.WriteString(g + "\n")
				header = true
			}
			sb.WriteString("  " + f.Status(true) + "\n")
		}
	}
	return sb.String()
}
