package radius

import "time"

// Clock is the time source of retransmission timers, dead times and the
// durations "show aaa servers" prints. Tests pass a fake one to step
// through timeouts and dead times without waiting.
type Clock interface {
	Now() time.Time
	// After is time.After: the channel receives once, d after the call.
	// An unreceived timer costs nothing once dropped (Go 1.23 timers).
	After(d time.Duration) <-chan time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
