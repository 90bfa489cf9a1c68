package dynauth

import (
	"maps"
	"sync"
)

// DropReason says why a datagram was dropped without an answer.
type DropReason uint8

const (
	DropUnknownClient           DropReason = iota // source not a configured client
	DropMalformed                                 // bad framing or a malformed Event-Timestamp
	DropUnsupportedCode                           // not a CoA-Request or Disconnect-Request
	DropNoKey                                     // the client has no key (and no "ignore server-key")
	DropBadAuthenticator                          // Request Authenticator wrong: wrong key or altered
	DropBadMessageAuthenticator                   // Message-Authenticator wrong, duplicated or of bad length
	DropStaleTimestamp                            // Event-Timestamp outside the window
	DropInProgress                                // a retransmission of a request still being carried out
	numDropReasons
)

func (r DropReason) String() string {
	switch r {
	case DropUnknownClient:
		return "unknown client"
	case DropMalformed:
		return "malformed packet"
	case DropUnsupportedCode:
		return "unsupported code"
	case DropNoKey:
		return "no shared key"
	case DropBadAuthenticator:
		return "bad authenticator"
	case DropBadMessageAuthenticator:
		return "bad message-authenticator"
	case DropStaleTimestamp:
		return "stale event-timestamp"
	case DropInProgress:
		return "retransmission in progress"
	}
	return "unknown"
}

// Stats are the server's counters since New.
type Stats struct {
	Datagrams  uint64    // datagrams read
	Disconnect KindStats // Disconnect-Requests
	CoA        KindStats // CoA-Requests
	// Retransmissions are requests answered again from the cache.
	Retransmissions uint64
	// HandlerTimeouts are Handler calls that did not return in time (and
	// were answered Resources Unavailable).
	HandlerTimeouts uint64
	// NAKs counts the NAKs sent, both kinds, by Error-Cause.
	NAKs map[ErrorCause]uint64
	// Drops counts the datagrams dropped, by reason.
	Drops map[DropReason]uint64
}

// KindStats count the requests of one kind: accepted (authentic, not a
// retransmission) and answered.
type KindStats struct {
	Requests, ACKs, NAKs uint64
}

// counters are the live Stats.
type counters struct {
	mu sync.Mutex
	s  Stats
}

func (c *counters) update(f func(s *Stats)) {
	c.mu.Lock()
	f(&c.s)
	c.mu.Unlock()
}

func (c *counters) drop(r DropReason) {
	c.update(func(s *Stats) {
		if s.Drops == nil {
			s.Drops = map[DropReason]uint64{}
		}
		s.Drops[r]++
	})
}

func kindStats(s *Stats, k Kind) *KindStats {
	if k == KindCoA {
		return &s.CoA
	}
	return &s.Disconnect
}

func (c *counters) answered(k Kind, nak bool, cause ErrorCause) {
	c.update(func(s *Stats) {
		ks := kindStats(s, k)
		if !nak {
			ks.ACKs++
			return
		}
		ks.NAKs++
		if s.NAKs == nil {
			s.NAKs = map[ErrorCause]uint64{}
		}
		s.NAKs[cause]++
	})
}

func (c *counters) snapshot() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.s
	s.NAKs = maps.Clone(c.s.NAKs)
	s.Drops = maps.Clone(c.s.Drops)
	return s
}
