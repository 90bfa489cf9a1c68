package ike

import "sync/atomic"

// stats are the engine's counters, all atomic: workers bump them without
// locks and show commands read them at any time.
type stats struct {
	packetsIn, packetsOut, sendErrors       atomic.Uint64
	malformed, unknownSPI, dropped          atomic.Uint64
	integrity, badMessageID, unexpected     atomic.Uint64
	retransmitsIn, retransmitsOut           atomic.Uint64
	keepalivesIn, keepalivesOut, espDropped atomic.Uint64
	invalidSPISent                          atomic.Uint64
	initIn, noProposal, invalidKE           atomic.Uint64
	rejectedInNeg, rejectedMaxSA            atomic.Uint64
	cookiesSent, cookiesAccepted            atomic.Uint64
	cookiesRejected                         atomic.Uint64
	halfOpenTimeouts                        atomic.Uint64
	authFailed, addressFailures             atomic.Uint64
	established, deleted, peerDeletes       atomic.Uint64
	lifetimeExpired, dpdSent, dpdFailed     atomic.Uint64
	childCreated, childFailed, childRekeys  atomic.Uint64
	ikeRekeys                               atomic.Uint64
	initiated, initiatedOK, initiatedFailed atomic.Uint64
	internalErrors                          atomic.Uint64
	eapTimeouts, observerDropped            atomic.Uint64
}

// Stats is a copy of the engine's counters.
type Stats struct {
	PacketsIn, PacketsOut, SendErrors       uint64
	Malformed, UnknownSPI, Dropped          uint64 // dropped: workers saturated
	IntegrityFailures, BadMessageID         uint64
	Unexpected                              uint64
	RetransmitsIn, RetransmitsOut           uint64
	KeepalivesIn, KeepalivesOut, ESPDropped uint64
	InvalidSPISent                          uint64
	InitRequests, NoProposal, InvalidKE     uint64
	RejectedInNegotiation, RejectedMaxSA    uint64
	CookiesSent, CookiesAccepted            uint64
	CookiesRejected                         uint64
	HalfOpenTimeouts                        uint64
	AuthFailed, AddressFailures             uint64
	Established, Deleted, PeerDeletes       uint64
	LifetimeExpired, DPDSent, DPDFailed     uint64
	ChildCreated, ChildFailed, ChildRekeys  uint64
	IKERekeys                               uint64
	Initiated, InitiatedOK, InitiatedFailed uint64
	InternalErrors                          uint64 // messages dropped on a recovered panic
	EAPTimeouts                             uint64 // EAP conversations that outlived the profile's timeout
	ObserverDropped                         uint64 // SessionUp events dropped on a full observer queue
	Active, HalfOpen                        int
}

// Stats returns the counters and the current SA counts.
func (e *Engine) Stats() Stats {
	s := &e.stats
	return Stats{
		PacketsIn: s.packetsIn.Load(), PacketsOut: s.packetsOut.Load(), SendErrors: s.sendErrors.Load(),
		Malformed: s.malformed.Load(), UnknownSPI: s.unknownSPI.Load(), Dropped: s.dropped.Load(),
		IntegrityFailures: s.integrity.Load(), BadMessageID: s.badMessageID.Load(), Unexpected: s.unexpected.Load(),
		RetransmitsIn: s.retransmitsIn.Load(), RetransmitsOut: s.retransmitsOut.Load(),
		KeepalivesIn: s.keepalivesIn.Load(), KeepalivesOut: s.keepalivesOut.Load(), ESPDropped: s.espDropped.Load(),
		InvalidSPISent: s.invalidSPISent.Load(),
		InitRequests:   s.initIn.Load(), NoProposal: s.noProposal.Load(), InvalidKE: s.invalidKE.Load(),
		RejectedInNegotiation: s.rejectedInNeg.Load(), RejectedMaxSA: s.rejectedMaxSA.Load(),
		CookiesSent: s.cookiesSent.Load(), CookiesAccepted: s.cookiesAccepted.Load(), CookiesRejected: s.cookiesRejected.Load(),
		HalfOpenTimeouts: s.halfOpenTimeouts.Load(), AuthFailed: s.authFailed.Load(), AddressFailures: s.addressFailures.Load(),
		Established: s.established.Load(), Deleted: s.deleted.Load(), PeerDeletes: s.peerDeletes.Load(),
		LifetimeExpired: s.lifetimeExpired.Load(), DPDSent: s.dpdSent.Load(), DPDFailed: s.dpdFailed.Load(),
		ChildCreated: s.childCreated.Load(), ChildFailed: s.childFailed.Load(), ChildRekeys: s.childRekeys.Load(),
		IKERekeys: s.ikeRekeys.Load(), Initiated: s.initiated.Load(), InitiatedOK: s.initiatedOK.Load(),
		InitiatedFailed: s.initiatedFailed.Load(), InternalErrors: s.internalErrors.Load(),
		EAPTimeouts: s.eapTimeouts.Load(), ObserverDropped: s.observerDropped.Load(), Active: e.SessionCount(), HalfOpen: e.HalfOpen(),
	}
}

// reset zeroes every counter ("clear crypto ikev2 stats").
func (s *stats) reset() {
	for _, c := range s.counters() {
		c.Store(0)
	}
}

// counters lists every counter of s; a test checks it names them all.
func (s *stats) counters() []*atomic.Uint64 {
	return []*atomic.Uint64{
		&s.packetsIn,
		&s.packetsOut,
		&s.sendErrors,
		&s.malformed,
		&s.unknownSPI,
		&s.dropped,
		&s.integrity,
		&s.badMessageID,
		&s.unexpected,
		&s.retransmitsIn,
		&s.retransmitsOut,
		&s.keepalivesIn,
		&s.keepalivesOut,
		&s.espDropped,
		&s.invalidSPISent,
		&s.initIn,
		&s.noProposal,
		&s.invalidKE,
		&s.rejectedInNeg,
		&s.rejectedMaxSA,
		&s.cookiesSent,
		&s.cookiesAccepted,
		&s.cookiesRejected,
		&s.halfOpenTimeouts,
		&s.authFailed,
		&s.addressFailures,
		&s.established,
		&s.deleted,
		&s.peerDeletes,
		&s.lifetimeExpired,
		&s.dpdSent,
		&s.dpdFailed,
		&s.childCreated,
		&s.childFailed,
		&s.childRekeys,
		&s.ikeRekeys,
		&s.initiated,
		&s.initiatedOK,
		&s.initiatedFailed,
		&s.internalErrors,
		&s.eapTimeouts,
		&s.observerDropped,
	}
}
