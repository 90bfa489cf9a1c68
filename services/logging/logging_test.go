package logging

import (
	"strings"
	"testing"
	"time"
)

func TestBufferKeepsNewestWithinSize(t *testing.T) {
	b := NewBuffer()
	b.now = func() time.Time { return time.Date(2026, 11, 23, 9, 5, 1, 0, time.UTC) }
	var live []string
	cancel := b.Subscribe(func(l string) { live = append(live, l) })
	b.SetSize(100)
	for i := 0; i < 10; i++ {
		b.Logf("message %d", i)
	}
	cancel()
	b.Logf("after cancel")
	lines, n := b.Snapshot()
	if n != 11 || len(live) != 10 {
		t.Errorf("logged %d, live %d", n, len(live))
	}
	total := 0
	for _, l := range lines {
		total += len(l) + 1
	}
	if total > 100 || lines[len(lines)-1] != "*Nov 23 09:05:01.000: after cancel" {
		t.Errorf("buffer %d bytes: %q", total, lines)
	}
	if !strings.Contains(b.Render("informational"), "level informational, 11 messages logged") {
		t.Errorf("render:\n%s", b.Render("informational"))
	}
}
