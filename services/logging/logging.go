package logging

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// DefaultSize is IOS's default logging buffer size in bytes.
const DefaultSize = 4096

// Buffer is a bounded ring of log lines plus the live subscribers.
type Buffer struct {
	mu    sync.Mutex
	lines []string
	bytes int
	size  int
	subs  map[int]func(line string)
	next  int
	now   func() time.Time
	count int
	debug *Debug // the debug flags whose output goes to this buffer
}

// NewBuffer returns a buffer of the default size.
func NewBuffer() *Buffer {
	b := &Buffer{size: DefaultSize, subs: map[int]func(string){}, now: time.Now}
	b.debug = NewDebug(b)
	return b
}

// SetSize changes the buffer size, dropping the oldest lines to fit.
func (b *Buffer) SetSize(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n <= 0 {
		n = DefaultSize
	}
	b.size = n
	b.trim()
}

func (b *Buffer) trim() {
	for b.bytes > b.size && len(b.lines) > 0 {
		b.bytes -= len(b.lines[0]) + 1
		b.lines = b.lines[1:]
	}
}

// Logf records a message with IOS's timestamp prefix ("*Nov 23 11:20:01.123: ")
// and hands it to the subscribers.
func (b *Buffer) Logf(format string, args ...any) {
	b.mu.Lock()
	line := b.now().UTC().Format("*Jan _2 15:04:05.000: ") + fmt.Sprintf(format, args...)
	b.lines = append(b.lines, line)
	b.bytes += len(line) + 1
	b.count++
	b.trim()
	subs := make([]func(string), 0, len(b.subs))
	for _, fn := range b.subs {
		subs = append(subs, fn)
	}
	b.mu.Unlock()
	for _, fn := range subs {
		fn(line)
	}
}

// Subscribe delivers every later line to fn until the returned cancel is
// called. fn must not block.
func (b *Buffer) Subscribe(fn func(line string)) (cancel func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	id := b.next
	b.next++
	b.subs[id] = fn
	return func() {
		b.mu.Lock()
		delete(b.subs, id)
		b.mu.Unlock()
	}
}

// Snapshot returns the buffered lines, oldest first, and how many messages
// were logged in total.
func (b *Buffer) Snapshot() (lines []string, logged int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.lines...), b.count
}

// Render formats "show logging" as IOS does.
func (b *Buffer) Render(level string) string {
	lines, n := b.Snapshot()
	b.mu.Lock()
	size := b.size
	b.mu.Unlock()
	if level == "" {
		level = "debugging"
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "Syslog logging: enabled (0 messages dropped, 0 messages rate-limited, 0 flushes, 0 overruns, xml disabled, filtering disabled)\n\n")
	fmt.Fprintf(&sb, "    Buffer logging:  level %s, %d messages logged, xml disabled,\n                     filtering disabled\n\n", level, n)
	fmt.Fprintf(&sb, "Log Buffer (%d bytes):\n", size)
	for _, l := range lines {
		sb.WriteString(l + "\n")
	}
	return sb.String()
}
