package dynauth

import (
	"container/list"
	"net/netip"
	"sync"
	"time"
)

// dupKey identifies a request for duplicate detection (RFC 5080 section
// 2.2.2): a retransmission has the same source, Identifier and, as the
// DAC does not re-sign it, the same authenticator.
type dupKey struct {
	from netip.AddrPort
	id   byte
	auth [16]byte
}

// dupEntry is a request seen: in progress while response is nil.
type dupEntry struct {
	key      dupKey
	expires  time.Time
	response []byte
	elem     *list.Element
}

// dupCache remembers recent requests and their responses so that a
// retransmission is answered without running the request again. The
// socket goroutine adds entries, the workers fill in responses; the mutex
// is held only for map and list operations.
type dupCache struct {
	mu    sync.Mutex
	m     map[dupKey]*dupEntry
	order list.List // oldest first
	max   int
}

func newDupCache(max int) *dupCache {
	return &dupCache{m: map[dupKey]*dupEntry{}, max: max}
}

// get returns the live entry for k and its response (nil while the
// request is in progress).
func (c *dupCache) get(k dupKey, now time.Time) (found bool, response []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.m[k]
	if e == nil || now.After(e.expires) {
		return false, nil
	}
	return true, e.response
}

// add records a request in progress, kept until now+ttl; the oldest
// entries go first when the cache is full.
func (c *dupCache) add(k dupKey, now time.Time, ttl time.Duration) *dupEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	for f := c.order.Front(); f != nil; f = c.order.Front() {
		e := f.Value.(*dupEntry)
		if len(c.m) < c.max && !now.After(e.expires) {
			break
		}
		c.removeLocked(e)
	}
	if old := c.m[k]; old != nil {
		c.removeLocked(old)
	}
	e := &dupEntry{key: k, expires: now.Add(ttl)}
	e.elem = c.order.PushBack(e)
	c.m[k] = e
	return e
}

// complete stores the response of e's request.
func (c *dupCache) complete(e *dupEntry, response []byte) {
	c.mu.Lock()
	e.response = response
	c.mu.Unlock()
}

// remove forgets e's request, so that a retransmission runs it again.
func (c *dupCache) remove(e *dupEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m[e.key] == e {
		c.removeLocked(e)
	}
}

func (c *dupCache) removeLocked(e *dupEntry) {
	delete(c.m, e.key)
	c.order.Remove(e.elem)
}

// flush forgets everything (the clients or their keys changed).
func (c *dupCache) flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
	c.order.Init()
}
