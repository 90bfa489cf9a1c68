// Package fake is the Dataplane backend for tests: it forwards nothing,
// validates every call as a real backend would, records the calls in
// order (Calls) and renders what it holds as sorted, deterministic text
// (State) for golden files. Key bytes never appear in either; only their
// lengths do.
//
// Test hooks let a test play the kernel's part: SetCounters and
// SetSACounters set what Counters and SACounters return, Fire delivers an
// SA lifetime event on Events, and FailNext makes the next call of an
// operation fail, to check that a service leaves no state behind when the
// data plane refuses.
//
// A Fake is safe for concurrent use. It keeps all state behind one mutex:
// it has no goroutine of its own, so a test never has to wait for it.
package fake
