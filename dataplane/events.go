package dataplane

import (
	"sync"
	"sync/atomic"
)

// EventQueue is the channel behind a backend's Events. Emit never blocks:
// an event the buffer has no room for is dropped and counted, as the
// kernel drops netlink notifications nobody reads, so a slow reader cannot
// stall the packet path or a netlink listener. The IKE engine reads events
// promptly; a count above zero means it fell behind.
//
// All methods are safe for concurrent use.
type EventQueue struct {
	// mu orders Emit before Close: a send on a closed channel panics.
	// Emit takes it shared, so emitters do not wait for each other.
	mu      sync.RWMutex
	ch      chan Event
	closed  bool
	dropped atomic.Uint64
}

// NewEventQueue returns a queue that buffers n events.
func NewEventQueue(n int) *EventQueue {
	return &EventQueue{ch: make(chan Event, n)}
}

// Emit delivers ev without blocking and reports whether it did. When the
// buffer is full, or the queue is closed, ev is dropped and counted.
func (q *EventQueue) Emit(ev Event) bool {
	q.mu.RLock()
	defer q.mu.RUnlock()
	if !q.closed {
		select {
		case q.ch <- ev:
			return true
		default:
		}
	}
	q.dropped.Add(1)
	return false
}

// C is the channel the backend's Events returns.
func (q *EventQueue) C() <-chan Event { return q.ch }

// Dropped is the number of events Emit could not deliver.
func (q *EventQueue) Dropped() uint64 { return q.dropped.Load() }

// Close closes C (a reader still receives the events buffered before it);
// later events are dropped. Close again does nothing.
func (q *EventQueue) Close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.closed = true
		close(q.ch)
	}
}
