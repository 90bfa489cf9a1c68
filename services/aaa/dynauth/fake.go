package dynauth

import (
	"context"
	"slices"
	"sync"
)

// Fake is a Handler over a table of sessions, for tests here and in the
// packages that use a Server. Disconnect removes the one session the
// Match selects; CoA records the Change. Both answer NotFound when no
// session matches and Multiple Session Selection Unsupported when several
// do; a CoA with attributes in Change.Other is refused as Unsupported
// Attribute.
type Fake struct {
	// Gate, when set, holds every call until it receives a value or the
	// call's context ends (tests of the timeout and the concurrency
	// bound). Set it before the Server runs.
	Gate chan struct{}

	mu       sync.Mutex
	sessions []Identity
	calls    []FakeCall
}

// FakeCall is one call a Fake received.
type FakeCall struct {
	Kind   Kind
	Match  Match
	Change Change
}

// NewFake returns a Fake holding sessions.
func NewFake(sessions ...Identity) *Fake {
	return &Fake{sessions: slices.Clone(sessions)}
}

// Disconnect implements Handler.
func (f *Fake) Disconnect(ctx context.Context, m Match) Result {
	if r, wait := f.wait(ctx); !wait {
		return r
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, FakeCall{Kind: KindDisconnect, Match: m})
	i, r := f.find(m)
	if i < 0 {
		return r
	}
	f.sessions = slices.Delete(f.sessions, i, i+1)
	return ACK()
}

// CoA implements Handler.
func (f *Fake) CoA(ctx context.Context, m Match, c Change) Result {
	if r, wait := f.wait(ctx); !wait {
		return r
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, FakeCall{Kind: KindCoA, Match: m, Change: c})
	if i, r := f.find(m); i < 0 {
		return r
	}
	if len(c.Other) > 0 {
		return NAK(CauseUnsupportedAttribute, "")
	}
	return ACK()
}

// wait holds a call at the Gate; false means the context ended first.
func (f *Fake) wait(ctx context.Context) (Result, bool) {
	if f.Gate == nil {
		return Result{}, true
	}
	select {
	case <-f.Gate:
		return Result{}, true
	case <-ctx.Done():
		return NAK(CauseResourcesUnavailable, ""), false
	}
}

// find is the index of the one session m selects, or -1 and the answer.
func (f *Fake) find(m Match) (int, Result) {
	found := -1
	for i, s := range f.sessions {
		if m.Matches(s) {
			if found >= 0 {
				return -1, NAK(CauseMultipleSessionSelection, "")
			}
			found = i
		}
	}
	if found < 0 {
		return -1, NotFound()
	}
	return found, Result{}
}

// Calls returns the calls received so far, in order.
func (f *Fake) Calls() []FakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// Sessions returns the sessions left.
func (f *Fake) Sessions() []Identity {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.sessions)
}
