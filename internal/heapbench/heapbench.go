// Package heapbench measures live heap per held object in benchmarks: the
// memory a session, an interface or an SA costs once the garbage
// collector has run. It is for tests only.
//
// GATEHOUSE_HEAP_PROFILE=FILE makes the measurements write a heap profile
// with the objects still held (go tool pprof -sample_index=inuse_space);
// it also records every allocation, which slows the benchmark down.
package heapbench

import (
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
)

func init() {
	if os.Getenv("GATEHOUSE_HEAP_PROFILE") != "" {
		runtime.MemProfileRate = 1
	}
}

// LiveHeap is the heap in use after a full collection.
func LiveHeap() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// WriteProfile writes the heap to GATEHOUSE_HEAP_PROFILE when it is set.
func WriteProfile(b testing.TB) {
	path := os.Getenv("GATEHOUSE_HEAP_PROFILE")
	if path == "" {
		return
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.WriteHeapProfile(f); err != nil {
		b.Fatal(err)
	}
}

// PerItem returns the live heap add leaves behind, divided by items,
// measured in a b.Loop. A first round of add and remove warms caches and
// grows maps to their size with items held; remove undoes add between
// rounds, outside the timer.
func PerItem(b *testing.B, items int, add, remove func()) float64 {
	add()
	remove()
	var per float64
	for b.Loop() {
		before := LiveHeap()
		add()
		per = float64(LiveHeap()-before) / float64(items)
		WriteProfile(b)
		b.StopTimer()
		remove()
		b.StartTimer()
	}
	return per
}
