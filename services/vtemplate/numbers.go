package vtemplate

import "container/heap"

// numbers hands out Virtual-Access numbers as IOS does: the lowest free
// positive number, so that a number comes back into use as soon as its
// interface goes. take and put are O(log n); the caller locks.
type numbers struct {
	high int     // the highest number handed out so far
	free intHeap // numbers handed back, all at or below high
}

// take returns the lowest number not in use.
func (n *numbers) take() int {
	if len(n.free) > 0 {
		return heap.Pop(&n.free).(int)
	}
	n.high++
	return n.high
}

// put hands back a number from take. When the last one comes back the
// heap goes, so that a box back at idle holds nothing for its busiest hour.
func (n *numbers) put(v int) {
	heap.Push(&n.free, v)
	if len(n.free) == n.high {
		n.high, n.free = 0, nil
	}
}

// inUse is how many numbers are out.
func (n *numbers) inUse() int { return n.high - len(n.free) }

type intHeap []int

func (h intHeap) Len() int           { return len(h) }
func (h intHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h intHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *intHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *intHeap) Pop() any {
	old := *h
	v := old[len(old)-1]
	*h = old[:len(old)-1]
	return v
}
