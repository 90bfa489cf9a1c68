package ike

import (
	"io"
	"log/slog"
	"net/netip"
	"slices"
	"sync"
	"testing"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/services/session"
)

// observed is one SessionObserver call.
type observed struct {
	rec   SessionRecord
	down  bool
	cause TerminateCause
}

// recorder is a SessionObserver that keeps the calls.
type recorder struct {
	mu sync.Mutex
	ev []observed
}

func (r *recorder) SessionUp(s SessionRecord) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ev = append(r.ev, observed{rec: s})
}

func (r *recorder) SessionDown(s SessionRecord, c TerminateCause) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ev = append(r.ev, observed{rec: s, down: true, cause: c})
}

// wait returns the calls once there are n.
func (r *recorder) wait(t *testing.T, n int) []observed {
	t.Helper()
	waitFor(t, func() bool { r.mu.Lock(); defer r.mu.Unlock(); return len(r.ev) >= n })
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ev)
}

func TestObserverSessionUpAndDown(t *testing.T) {
	obs := &recorder{}
	h := newHeadend(t, flexConfig+"crypto ikev2 profile PROF\n aaa accounting psk ACCT\n", func(o *Options) { o.Observer = obs })
	c := newClient(t)
	conn, err := c.Initiate(ctxT(t), h.clientConfig("alice.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	up := obs.wait(t, 1)[0]
	s := h.e.Sessions()[0]
	audit, err := session.AuditSessionID(s.IKE.Local, s.IKE.Remote, uint32(s.ID))
	if err != nil {
		t.Fatal(err)
	}
	want := SessionRecord{ID: s.ID, AuditSessionID: audit, Username: "alice.example.com", Identity: "alice.example.com",
		Profile: "PROF", AccountingList: "ACCT", AuthMethod: schema.AAAPSK, Peer: s.Peer, Local: s.IKE.Local,
		FramedIP: netip.MustParseAddr("10.10.0.10"), VirtualAccess: "Virtual-Access1"}
	got := up.rec
	if got.Up.IsZero() {
		t.Error("no up time")
	}
	got.Up = want.Up
	if up.down || got != want {
		t.Errorf("SessionUp\n got %+v\nwant %+v", got, want)
	}
	// An IKE rekey keeps the session: no event.
	if err := conn.RekeyIKE(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return h.e.Stats().PeerDeletes == 1 })
	if err := conn.Close(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	ev := obs.wait(t, 2)
	if len(ev) != 2 || !ev[1].down || ev[1].cause != CauseUserRequest || ev[1].rec.ID != s.ID || ev[1].rec.AuditSessionID != audit ||
		!ev[1].rec.Up.Equal(up.rec.Up) {
		t.Errorf("after a rekey and a delete: %+v", ev)
	}
}

func TestObserverCauses(t *testing.T) {
	obs := &recorder{}
	h := newHeadend(t, flexConfig, func(o *Options) { o.Observer = obs })
	c := newClient(t)
	// clear crypto session ends the first, the engine stopping the second.
	if _, err := c.Initiate(ctxT(t), h.clientConfig("a.example.com")); err != nil {
		t.Fatal(err)
	}
	obs.wait(t, 1)
	h.e.Clear(session.ClearRequest{Sessions: true})
	obs.wait(t, 2)
	if _, err := c.Initiate(ctxT(t), h.clientConfig("b.example.com")); err != nil {
		t.Fatal(err)
	}
	obs.wait(t, 3)
	h.e.Stop()
	ev := obs.wait(t, 4)
	want := []struct {
		id    string
		down  bool
		cause TerminateCause
	}{{"a.example.com", false, 0}, {"a.example.com", true, CauseAdminReset}, {"b.example.com", false, 0}, {"b.example.com", true, CauseNASRequest}}
	for i, w := range want {
		if ev[i].rec.Identity != w.id || ev[i].down != w.down || ev[i].cause != w.cause {
			t.Errorf("event %d: %+v, want %+v", i, ev[i], w)
		}
	}
}

func TestObserverLifetime(t *testing.T) {
	t.Parallel()
	obs := &recorder{}
	h := newHeadend(t, flexConfig, func(o *Options) { o.Observer = obs })
	setProfile(t, h, "PROF", func(p *schema.IKEv2Profile) { p.Lifetime = 1 })
	if _, err := newClient(t).Initiate(ctxT(t), h.clientConfig("a.example.com")); err != nil {
		t.Fatal(err)
	}
	ev := obs.wait(t, 2)
	if !ev[1].down || ev[1].cause != CauseSessionTimeout {
		t.Errorf("events %+v", ev)
	}
}

// blockingObserver holds its first call until released.
type blockingObserver struct {
	recorder
	entered, release chan struct{}
	once             sync.Once
}

func (b *blockingObserver) SessionUp(s SessionRecord) {
	b.once.Do(func() {
		close(b.entered)
		<-b.release
	})
	b.recorder.SessionUp(s)
}

// TestObserverQueueFull: a stuck observer costs SessionUps past the
// limit, never a SessionDown, and the engine never waits for it.
func TestObserverQueueFull(t *testing.T) {
	obs := &blockingObserver{entered: make(chan struct{}), release: make(chan struct{})}
	e := &Engine{opt: Options{Observer: obs}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	e.observe(observerEvent{rec: SessionRecord{ID: 1}})
	<-obs.entered
	for i := range observerQueueLimit + 10 {
		e.observe(observerEvent{rec: SessionRecord{ID: 2 + i}})
	}
	for i := range 5 {
		e.observe(observerEvent{rec: SessionRecord{ID: 2 + i}, down: true, cause: CauseUserRequest})
	}
	if got := e.Stats().ObserverDropped; got != 10 {
		t.Errorf("%d SessionUps dropped, want 10", got)
	}
	close(obs.release)
	ev := obs.wait(t, 1+observerQueueLimit+5)
	if len(ev) != 1+observerQueueLimit+5 {
		t.Fatalf("%d events delivered", len(ev))
	}
	for i, o := range ev[len(ev)-5:] {
		if !o.down || o.rec.ID != 2+i {
			t.Errorf("event %d: %+v", i, o)
		}
	}
}
