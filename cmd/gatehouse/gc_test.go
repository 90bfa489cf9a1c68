package main

import (
	"context"
	"runtime"
	"testing"
	"time"
)

func TestGCTuningPercent(t *testing.T) {
	var g gcTuning
	g.setDefaults()
	for _, c := range []struct {
		live uint64
		want int
	}{{0, 100}, {16 << 20, 100}, {16<<20 + 1, 50}, {1 << 30, 50}} {
		if got := g.percent(c.live); got != c.want {
			t.Errorf("live %d: percent %d, want %d", c.live, got, c.want)
		}
	}
}

// TestTuneGCFollowsTheLiveHeap runs the tuner with a threshold below the
// test's own live heap and checks that it moves to the large-heap percent.
func TestTuneGCFollowsTheLiveHeap(t *testing.T) {
	runtime.GC() // the live-heap metric is measured by a collection
	set := make(chan int, 16)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go tuneGC(ctx, gcTuning{Threshold: 1, Small: 100, Large: 37, Every: time.Millisecond,
		Set: func(p int) int { set <- p; return 0 }})
	for _, want := range []int{100, 37} {
		select {
		case got := <-set:
			if got != want {
				t.Fatalf("GC percent set to %d, want %d", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("GC percent never set to %d", want)
		}
	}
}
