package aaa

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2866"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/gatehouse-vpn/gatehouse/services/ike"
	"github.com/gatehouse-vpn/gatehouse/services/logging"
)

// Accounting (seed 001, "Accounting"): a start record once a session is
// up, interim records every "aaa accounting update periodic N" minutes, a
// stop record once it is gone. Records of one session are sent in order;
// a record no server takes stays at the head of its session's queue and is
// retried with backoff, so a stop is never lost while the daemon runs
// (Acct-Delay-Time says how late it is).

// acctRetryMin and acctRetryMax bound the backoff between attempts at a
// record that no server took.
const (
	acctRetryMin = 2 * time.Second
	acctRetryMax = 2 * time.Minute
)

// acctSession is the accounting state of one IKE session, what "show aaa
// user all" shows.
type acctSession struct {
	rec       ike.SessionRecord
	list      schema.MethodList
	uniqueID  uint32 // AAA unique id: the number in debug "(00000011)"
	sessionID uint32 // Acct-Session-Id
	stopOnly  bool

	// Guarded by accounting.mu.
	queue     []*acctRecord
	sending   bool
	startSent int
	stopSent  bool
	interim   *time.Timer
	counters  dataplane.Counters // last known, for interim records
}

// acctRecord is one record waiting to be sent.
type acctRecord struct {
	status   rfc2866.AcctStatusType
	at       time.Time // when the event happened
	counters dataplane.Counters
	cause    ike.TerminateCause
}

type accounting struct {
	s    *Service
	mu   sync.Mutex
	live map[int]*acctSession // by IKE session number
	// pending counts sessions with records still queued (ended sessions
	// stay here until their stop is sent).
	pending map[*acctSession]bool
	wg      sync.WaitGroup
	idle    *sync.Cond // signalled when a queue drains (tests, shutdown)
}

func newAccounting(s *Service) *accounting {
	a := &accounting{s: s, live: map[int]*acctSession{}, pending: map[*acctSession]bool{}}
	a.idle = sync.NewCond(&a.mu)
	return a
}

// up starts accounting for a session whose profile names a list.
func (a *accounting) up(r ike.SessionRecord) {
	s := a.s
	cfg := s.cfg.Load()
	if r.AccountingList == "" || !cfg.newModel {
		return
	}
	list, ok := cfg.list(schema.ServiceAccounting, schema.ListNetwork, r.AccountingList)
	if !ok || list.Action == "" || list.Action == schema.AcctNone {
		s.dbg.Debugf(logging.FlagAAAAccounting, "AAA/ACCT: accounting list %s is not configured or has no action; no records for session %d", r.AccountingList, r.ID)
		return
	}
	as := &acctSession{rec: r, list: list, uniqueID: s.nextUniqueID(), sessionID: s.nextAcctSessionID(),
		stopOnly: list.Action == schema.AcctStopOnly}
	a.mu.Lock()
	a.live[r.ID] = as
	a.mu.Unlock()
	s.dbg.Debugf(logging.FlagAAAAccounting, "AAA/ACCT/EVENT/(%08X): CALL START", as.uniqueID)
	s.dbg.Debugf(logging.FlagAAAAccounting, "AAA/ACCT/EVENT/(%08X): IPSEC TNL UP", as.uniqueID)
	if !as.stopOnly {
		s.dbg.Debugf(logging.FlagAAAAccounting, "AAA/ACCT/IPSEC-TUNNEL(%08X): Queueing record is START", as.uniqueID)
		a.enqueue(as, &acctRecord{status: rfc2866.AcctStatusType_Value_Start, at: s.now()})
		a.scheduleInterim(as, cfg)
	}
}

// scheduleInterim arms the periodic interim timer.
func (a *accounting) scheduleInterim(as *acctSession, cfg *config) {
	u := cfg.global.AccountingUpdate
	if u == nil || u.Periodic == 0 {
		return
	}
	every := time.Duration(u.Periodic) * a.s.interimUnit
	a.mu.Lock()
	defer a.mu.Unlock()
	var tick func()
	tick = func() {
		c, _ := a.s.counters(as.rec.VirtualAccess)
		a.mu.Lock()
		if as.stopSent || a.live[as.rec.ID] != as {
			a.mu.Unlock()
			return
		}
		as.counters = c
		as.interim = time.AfterFunc(every, tick)
		a.mu.Unlock()
		a.enqueue(as, &acctRecord{status: rfc2866.AcctStatusType_Value_InterimUpdate, at: a.s.now(), counters: c})
	}
	as.interim = time.AfterFunc(every, tick)
}

// down queues the stop record of a session.
func (a *accounting) down(r ike.SessionRecord, cause ike.TerminateCause) {
	s := a.s
	a.mu.Lock()
	as := a.live[r.ID]
	delete(a.live, r.ID)
	if as != nil && as.interim != nil {
		as.interim.Stop()
	}
	a.mu.Unlock()
	if as == nil {
		return
	}
	s.dbg.Debugf(logging.FlagAAAAccounting, "AAA/ACCT/EVENT/(%08X): IPSEC TNL DOWN", as.uniqueID)
	s.dbg.Debugf(logging.FlagCryptoIKEv2, "IKEv2:in_octets %d, out_octets %d", r.Counters.InBytes, r.Counters.OutBytes)
	s.dbg.Debugf(logging.FlagCryptoIKEv2, "IKEv2:in_packets %d, out_packets %d", r.Counters.InPackets, r.Counters.OutPackets)
	s.dbg.Debugf(logging.FlagAAAAccounting, "AAA/ACCT/EVENT/(%08X): CALL STOP", as.uniqueID)
	s.dbg.Debugf(logging.FlagAAAAccounting, "AAA/ACCT/IPSEC-TUNNEL(%08X): STOP", as.uniqueID)
	a.enqueue(as, &acctRecord{status: rfc2866.AcctStatusType_Value_Stop, at: s.now(), counters: r.Counters, cause: cause})
}

// enqueue appends a record and starts the session's sender if idle.
func (a *accounting) enqueue(as *acctSession, r *acctRecord) {
	a.mu.Lock()
	defer a.mu.Unlock()
	as.queue = append(as.queue, r)
	a.pending[as] = true
	if as.sending {
		return
	}
	as.sending = true
	a.wg.Add(1)
	go a.drain(as)
}

// drain sends a session's records in order until its queue is empty or the
// service stops.
func (a *accounting) drain(as *acctSession) {
	defer a.wg.Done()
	ctx := a.s.ctx
	backoff := acctRetryMin
	for {
		a.mu.Lock()
		if len(as.queue) == 0 {
			as.sending = false
			delete(a.pending, as)
			a.idle.Broadcast()
			a.mu.Unlock()
			return
		}
		r := as.queue[0]
		a.mu.Unlock()
		err := a.send(ctx, as, r)
		if err == nil {
			a.mu.Lock()
			as.queue = as.queue[1:]
			switch r.status {
			case rfc2866.AcctStatusType_Value_Start:
				as.startSent = 1
			case rfc2866.AcctStatusType_Value_Stop:
				as.stopSent = true
			}
			a.mu.Unlock()
			backoff = acctRetryMin
			continue
		}
		a.s.stats.acctRetries.Add(1)
		a.s.log.Warn("aaa: accounting record not accepted; will retry", "session", as.rec.ID, "unique", fmt.Sprintf("%08X", as.uniqueID), "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			a.mu.Lock()
			as.sending = false
			a.idle.Broadcast()
			a.mu.Unlock()
			return
		case <-a.s.after(backoff):
		}
		backoff = min(2*backoff, acctRetryMax)
	}
}

// send tries the list's methods in order for one record.
func (a *accounting) send(ctx context.Context, as *acctSession, r *acctRecord) error {
	s := a.s
	for _, m := range as.list.Methods {
		switch m.Kind {
		case schema.MethodNone:
			return nil
		case schema.MethodGroup:
			_, err := s.transport.exchange(ctx, request{group: m.Group, acct: true, packet: a.packet(as, r), uid: as.uniqueID})
			if err == nil {
				return nil
			}
			if !errors.Is(err, errNoAnswer) {
				return err
			}
		}
	}
	return fmt.Errorf("%w: no accounting server answered", errNoAnswer)
}

// packet builds the Accounting-Request for a record, in seed 001's order.
func (a *accounting) packet(as *acctSession, r *acctRecord) *radius.Packet {
	s, rec := a.s, as.rec
	p := radius.New(radius.CodeAccountingRequest, nil)
	rfc2866.AcctSessionID_SetString(p, fmt.Sprintf("%08X", as.sessionID))
	rfc2865.CallingStationID_SetString(p, rec.Peer.Addr().String())
	addAVPair(p, "audit-session-id="+rec.AuditSessionID)
	addAVPair(p, "isakmp-phase1-id="+rec.Identity)
	addAVPair(p, "isakmp-initator-ip="+rec.Peer.Addr().String())
	rfc2865.UserName_SetString(p, rec.Username)
	if rec.FramedIP.IsValid() && rec.FramedIP.Is4() {
		rfc2865.FramedIPAddress_Set(p, rec.FramedIP.AsSlice())
	}
	if r.status == rfc2866.AcctStatusType_Value_Start {
		addAVPair(p, "connect-progress=No Progress")
		rfc2866.AcctAuthentic_Set(p, authentic(rec.AuthMethod))
	} else {
		rfc2866.AcctAuthentic_Set(p, authentic(rec.AuthMethod))
		addAVPair(p, "connect-progress=No Progress")
		rfc2866.AcctSessionTime_Set(p, rfc2866.AcctSessionTime(max(0, r.at.Sub(rec.Up))/time.Second))
		c := r.counters
		rfc2866.AcctInputOctets_Set(p, rfc2866.AcctInputOctets(uint32(c.InBytes)))
		rfc2866.AcctOutputOctets_Set(p, rfc2866.AcctOutputOctets(uint32(c.OutBytes)))
		rfc2866.AcctInputPackets_Set(p, rfc2866.AcctInputPackets(uint32(c.InPackets)))
		rfc2866.AcctOutputPackets_Set(p, rfc2866.AcctOutputPackets(uint32(c.OutPackets)))
		if g := uint32(c.InBytes >> 32); g > 0 {
			addUint32(p, 52, g) // Acct-Input-Gigawords (RFC 2869)
		}
		if g := uint32(c.OutBytes >> 32); g > 0 {
			addUint32(p, 53, g) // Acct-Output-Gigawords
		}
		if r.status == rfc2866.AcctStatusType_Value_Stop {
			rfc2866.AcctTerminateCause_Set(p, rfc2866.AcctTerminateCause(r.cause))
			addAVPair(p, "disc-cause-ext="+discCause(r.cause))
		}
	}
	rfc2866.AcctStatusType_Set(p, r.status)
	if nas := s.nasIP(rec.Local.Addr()); nas.Is4() {
		rfc2865.NASIPAddress_Set(p, nas.AsSlice())
	}
	rfc2866.AcctDelayTime_Set(p, rfc2866.AcctDelayTime(max(0, s.now().Sub(r.at))/time.Second))
	return p
}

// authentic is Acct-Authentic: RADIUS when a RADIUS server authenticated
// the user (EAP, AAA PSK), Local otherwise.
func authentic(method string) rfc2866.AcctAuthentic {
	if method == schema.AAAEAP {
		return rfc2866.AcctAuthentic_Value_RADIUS
	}
	return rfc2866.AcctAuthentic_Value_Local
}

// discCause is the Cisco disc-cause-ext text for a terminate cause.
func discCause(c ike.TerminateCause) string {
	switch c {
	case ike.CauseUserRequest:
		return "User Request"
	case ike.CauseLostCarrier:
		return "Lost Carrier"
	case ike.CauseIdleTimeout:
		return "Idle Timeout"
	case ike.CauseSessionTimeout:
		return "Session Timeout"
	case ike.CauseAdminReset:
		return "Admin Reset"
	case ike.CauseNASError:
		return "NAS Error"
	case ike.CauseNASRequest:
		return "NAS Request"
	}
	return "No Reason"
}

// sessions returns copies of the live accounting sessions, by unique id.
func (a *accounting) sessions() []acctView {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]acctView, 0, len(a.live))
	for _, as := range a.live {
		out = append(out, acctView{rec: as.rec, list: as.list.Name, uniqueID: as.uniqueID, sessionID: as.sessionID,
			startSent: as.startSent, stopOnly: as.stopOnly, stopSent: as.stopSent})
	}
	return out
}

// session is the live accounting session of an IKE session, or nil.
func (a *accounting) session(id int) *acctSession {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.live[id]
}

// acctView is a copy of an accounting session for show commands.
type acctView struct {
	rec                 ike.SessionRecord
	list                string
	uniqueID, sessionID uint32
	startSent           int
	stopOnly, stopSent  bool
}

// wait blocks until no session has records queued or ctx ends (tests,
// orderly shutdown).
func (a *accounting) wait(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		a.mu.Lock()
		a.idle.Broadcast()
		a.mu.Unlock()
	})
	defer stop()
	a.mu.Lock()
	defer a.mu.Unlock()
	for len(a.pending) > 0 && ctx.Err() == nil {
		a.idle.Wait()
	}
	return ctx.Err()
}

func addUint32(p *radius.Packet, t radius.Type, v uint32) {
	p.Add(t, radius.NewInteger(v))
}
