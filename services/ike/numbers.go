package ike

import "container/heap"

// numbers hands out the lowest free positive number, as IOS numbers
// Virtual-Access interfaces: a number comes back into use as soon as its
// interface goes. Take and Put are O(log n) (the caller locks).
type numbers struct {
	next int     // the highest number handed out so far
	free intHeap // numbers handed back, all below next
}

// take returns the lowest number not in use.
func (n *numbers) take() int {
	if len(n.free) > 0 {
		return heap.Pop(&n.free).(int)
	}
	n.next++
	return n.next
}

// put hands a number from take back.
func (n *numbers) put(v int) { heap.Push(&n.free, v) }

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
