package main

import (
	"errors"
	"sync/atomic"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/gatehouse-vpn/gatehouse/services/ike"
)

// aaaHooks gives the AAA service, which starts before the IKE engine (admin
// logins need it first), the engine's sessions and the data plane's
// counters once they exist. Until then dynamic-authorization requests find
// no session and interim records carry zero counters.
type aaaHooks struct {
	engine atomic.Pointer[ike.Engine]
	dp     atomic.Value // dataplane.Dataplane
}

var errNoEngine = errors.New("the IKE engine is not running")

func (h *aaaHooks) attach(e *ike.Engine, dp dataplane.Dataplane) {
	h.dp.Store(dp)
	h.engine.Store(e)
}

func (h *aaaHooks) counters(iface string) (dataplane.Counters, error) {
	dp, _ := h.dp.Load().(dataplane.Dataplane)
	if dp == nil {
		return dataplane.Counters{}, errNoEngine
	}
	return dp.Counters(iface)
}

// ClearSession implements aaa.Sessions.
func (h *aaaHooks) ClearSession(id int, cause ike.TerminateCause) bool {
	e := h.engine.Load()
	return e != nil && e.ClearSession(id, cause)
}

// ApplyInterfaceConfig implements aaa.Sessions.
func (h *aaaHooks) ApplyInterfaceConfig(id int, lines []string) error {
	e := h.engine.Load()
	if e == nil {
		return errNoEngine
	}
	return e.ApplyInterfaceConfig(id, lines)
}

// ApplySessionACLs implements aaa.Sessions.
func (h *aaaHooks) ApplySessionACLs(id int, lines []string, acls []*schema.ACL) error {
	e := h.engine.Load()
	if e == nil {
		return errNoEngine
	}
	return e.ApplySessionACLs(id, lines, acls)
}

// SetSessionTimeout implements aaa.Sessions.
func (h *aaaHooks) SetSessionTimeout(id int, seconds uint32) error {
	e := h.engine.Load()
	if e == nil {
		return errNoEngine
	}
	return e.SetSessionTimeout(id, seconds)
}
