package main

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// gcTuning is how the daemon trades CPU for memory in the garbage
// collector. A head-end holding many small, long-lived SAs wants the heap
// near its live size (GC percent 50: collect at 1.5 times the live heap,
// not twice it); a head-end with a few hundred sessions wants the CPU
// back, as a small heap at 50% is collected several times as often. The
// live heap decides which: Large above Threshold, Small below.
type gcTuning struct {
	Threshold    uint64        // live heap bytes (16 MiB, about 2,000 sessions)
	Small, Large int           // GC percents (100 and 50)
	Every        time.Duration // how often to look (1 s)
	// Set sets the GC percent and returns the previous one
	// (debug.SetGCPercent).
	Set func(int) int
}

func (g *gcTuning) setDefaults() {
	if g.Threshold == 0 {
		g.Threshold = 16 << 20
	}
	if g.Small == 0 {
		g.Small = 100
	}
	if g.Large == 0 {
		g.Large = 50
	}
	if g.Every == 0 {
		g.Every = time.Second
	}
	if g.Set == nil {
		g.Set = debug.SetGCPercent
	}
}

// percent is the GC percent for a live heap of live bytes.
func (g gcTuning) percent(live uint64) int {
	if live > g.Threshold {
		return g.Large
	}
	return g.Small
}

// tuneGC sets the GC percent from the live heap until ctx ends. The
// daemon runs it unless GOGC is set in the environment.
func tuneGC(ctx context.Context, g gcTuning) {
	g.setDefaults()
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	current := g.Small
	g.Set(current)
	tick := time.NewTicker(g.Every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return // an older runtime without the metric: leave GOGC alone
		}
		if p := g.percent(sample[0].Value.Uint64()); p != current {
			g.Set(p)
			current = p
		}
	}
}
