package ike

import "testing"

func TestNumbersLowestFree(t *testing.T) {
	var n numbers
	for want := 1; want <= 5; want++ {
		if got := n.take(); got != want {
			t.Fatalf("take = %d, want %d", got, want)
		}
	}
	n.put(4)
	n.put(2)
	for _, want := range []int{2, 4, 6} {
		if got := n.take(); got != want {
			t.Fatalf("take = %d, want %d", got, want)
		}
	}
}
