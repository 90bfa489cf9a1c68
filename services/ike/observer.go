package ike

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
)

// Session events for Options.Observer (accounting): SessionUp once a
// responder session is established, SessionDown when it ends, with the
// RADIUS cause of its end.
//
// The engine never waits for the observer. Events go to one queue,
// delivered in order by one goroutine that runs while the queue holds
// events, so the calls for one session (and for all sessions) arrive in
// the order they happened. The queue holds at most observerQueueLimit
// SessionUp events: past that (an observer stuck for a long time) new
// SessionUps are dropped, counted in Stats.ObserverDropped and logged.
// SessionDown events are never dropped: they are at most one per session
// that was up, so the memory they take is bounded by the sessions the
// head-end carried; an accounting server then sees a Stop without its
// Start, which it can still account.

// observerQueueLimit bounds the SessionUp events waiting for the observer.
const observerQueueLimit = 16384

// aaaInfo is what AAA and show commands know of a session beyond the SA;
// it moves with the session when the IKE SA is rekeyed.
type aaaInfo struct {
	class   string // schema.AAAPSK, AAAEAP, AAACert: the peer's method class
	user    string // AAA user name
	eapID   string // the EAP identity ("Remote EAP id")
	auditID string // Cisco audit-session-id, fixed when the session is numbered
	up      time.Time
}

type observerEvent struct {
	rec   SessionRecord
	down  bool
	cause TerminateCause
}

type observerQueue struct {
	mu      sync.Mutex
	events  []observerEvent
	ups     int  // SessionUp events in events
	running bool // a goroutine is delivering
}

// end tears the SA down for a reason accounting knows by its cause.
func (sa *ikeSA) end(cause TerminateCause, reason string, notify bool) {
	if sa.downCause == 0 {
		sa.downCause = cause
	}
	sa.teardown(reason, notify)
}

// sessionUp reports an established responder session (mu held).
func (sa *ikeSA) sessionUp() {
	if sa.eap != nil {
		sa.eap.cancel()
		sa.eap = nil // the keys and the conversation are done with
	}
	if sa.initiator || sa.sess == nil {
		return
	}
	sa.aaa.up = sa.up
	sa.e.observe(observerEvent{rec: sa.sessionRecord()})
}

// sessionDown reports the end of an established responder session (mu
// held); the SA that handed its session over in a rekey reports nothing.
func (sa *ikeSA) sessionDown() {
	if sa.initiator || sa.sess == nil {
		return
	}
	cause := sa.downCause
	if cause == 0 {
		cause = CauseNASRequest // the engine stopped
	}
	sa.e.observe(observerEvent{rec: sa.sessionRecord(), down: true, cause: cause})
}

// sessionRecord describes the session for accounting (mu held).
func (sa *ikeSA) sessionRecord() SessionRecord {
	s := sa.sess
	r := SessionRecord{ID: s.id, AuditSessionID: sa.aaa.auditID, Username: sa.aaa.user, Identity: sa.remoteID.String(),
		AuthMethod: sa.aaa.class, Peer: sa.remote, Local: sa.local, FramedIP: s.addr4, VirtualAccess: s.vaccess,
		IVRF: s.ivrf, Up: sa.aaa.up, Counters: s.final}
	if p := sa.profile; p != nil {
		r.Profile = p.Name
		if i := slices.IndexFunc(p.AAAAccounting, func(a schema.AAAAccounting) bool { return a.Class == sa.aaa.class }); i >= 0 {
			r.AccountingList = p.AAAAccounting[i].List
		}
	}
	return r
}

// observe queues an event for the observer, starting its delivery.
func (e *Engine) observe(ev observerEvent) {
	obs := e.opt.Observer
	if obs == nil {
		return
	}
	q := &e.observer
	q.mu.Lock()
	if !ev.down && q.ups >= observerQueueLimit {
		q.mu.Unlock()
		e.stats.observerDropped.Add(1)
		e.log.Warn("ike: session observer queue full: SessionUp dropped", "session", ev.rec.ID)
		return
	}
	q.events = append(q.events, ev)
	if !ev.down {
		q.ups++
	}
	start := !q.running
	q.running = true
	q.mu.Unlock()
	if start {
		go e.deliver(obs)
	}
}

// deliver hands the queued events to the observer until none is left.
func (e *Engine) deliver(obs SessionObserver) {
	q := &e.observer
	for {
		q.mu.Lock()
		if len(q.events) == 0 {
			q.running = false
			q.events = nil
			q.mu.Unlock()
			return
		}
		ev := q.events[0]
		q.events[0] = observerEvent{}
		q.events = q.events[1:]
		if !ev.down {
			q.ups--
		}
		q.mu.Unlock()
		e.deliverOne(obs, ev)
	}
}

// deliverOne calls the observer; a panic in it loses the event, not the
// queue.
func (e *Engine) deliverOne(obs SessionObserver, ev observerEvent) {
	defer func() {
		if r := recover(); r != nil {
			e.stats.internalErrors.Add(1)
			e.log.Error("ike: session observer panicked", "session", ev.rec.ID, "panic", r)
		}
	}()
	if ev.down {
		obs.SessionDown(ev.rec, ev.cause)
	} else {
		obs.SessionUp(ev.rec)
	}
}

// String names the cause as RFC 2866 does.
func (c TerminateCause) String() string {
	switch c {
	case CauseUserRequest:
		return "User-Request"
	case CauseLostCarrier:
		return "Lost-Carrier"
	case CauseIdleTimeout:
		return "Idle-Timeout"
	case CauseSessionTimeout:
		return "Session-Timeout"
	case CauseAdminReset:
		return "Admin-Reset"
	case CauseNASError:
		return "NAS-Error"
	case CauseNASRequest:
		return "NAS-Request"
	}
	return fmt.Sprintf("cause %d", int(c))
}
