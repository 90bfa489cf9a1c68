package dataplane

import (
	"sync"
	"testing"
)

func TestEventQueue(t *testing.T) {
	q := NewEventQueue(2)
	ev := func(spi uint32) Event { return Event{Kind: SoftExpire, SA: SAID{SPI: spi}} }
	for spi, want := range []bool{true, true, false} {
		if got := q.Emit(ev(uint32(spi))); got != want {
			t.Errorf("Emit %d = %v, want %v", spi, got, want)
		}
	}
	if got := q.Dropped(); got != 1 {
		t.Errorf("dropped %d, want 1", got)
	}
	if got := <-q.C(); got != ev(0) {
		t.Errorf("first event %v", got)
	}
	q.Close()
	q.Close()
	if q.Emit(ev(9)) {
		t.Error("Emit after Close delivered")
	}
	if got := q.Dropped(); got != 2 {
		t.Errorf("dropped %d after Close, want 2", got)
	}
	var got []Event
	for e := range q.C() {
		got = append(got, e)
	}
	if len(got) != 1 || got[0] != ev(1) {
		t.Errorf("after Close the buffer held %v, want the second event", got)
	}
}

// TestEventQueueCloseWhileEmitting: Close racing emitters never panics,
// and every event is either delivered or counted.
func TestEventQueueCloseWhileEmitting(t *testing.T) {
	const workers, each = 8, 500
	q := NewEventQueue(64)
	var delivered int
	read := make(chan struct{})
	go func() {
		for range q.C() {
			delivered++
		}
		close(read)
	}()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				q.Emit(Event{Kind: HardExpire, SA: SAID{SPI: uint32(w*each + i)}})
				if w == 0 && i == each/2 {
					q.Close()
				}
			}
		})
	}
	wg.Wait()
	<-read
	if uint64(delivered)+q.Dropped() != workers*each {
		t.Errorf("delivered %d + dropped %d, emitted %d", delivered, q.Dropped(), workers*each)
	}
}
