package esp

import (
	"fmt"
	"testing"
)

var benchSuites = []string{
	"aes128gcm16", "aes256gcm16", "chacha20poly1305",
	"aes128cbc-sha1", "aes128cbc-sha256", "aes256cbc-sha256", "aes256cbc-sha512", "3des-sha1",
}

var benchSizes = []int{64, 1400}

func BenchmarkSeal(b *testing.B) {
	for _, name := range benchSuites {
		for _, size := range benchSizes {
			b.Run(fmt.Sprintf("%s/%d", name, size), func(b *testing.B) {
				o, _ := suiteByName(name).pair(b, false, 0)
				payload := payloadOf(size)
				dst := make([]byte, 0, size+o.Overhead(size))
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := o.Seal(dst, 4, payload); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkOpen opens with a 4096-packet replay window, as a head-end
// would: a batch of distinct packets, the window emptied between passes
// (a cost of one small clear per batch).
func BenchmarkOpen(b *testing.B) {
	const batch = 1024
	for _, name := range benchSuites {
		for _, size := range benchSizes {
			b.Run(fmt.Sprintf("%s/%d", name, size), func(b *testing.B) {
				o, in := suiteByName(name).pair(b, false, 4096)
				pkts := make([][]byte, batch)
				for i := range pkts {
					var err error
					if pkts[i], err = o.Seal(nil, 4, payloadOf(size)); err != nil {
						b.Fatal(err)
					}
				}
				dst := make([]byte, 0, size+o.Overhead(size))
				b.SetBytes(int64(size))
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if i == batch {
						i = 0
						in.mu.Lock()
						clear(in.win.ring)
						in.win.top = 0
						in.mu.Unlock()
					}
					if _, _, err := in.Open(dst, pkts[i]); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		}
	}
}

// BenchmarkSealParallel seals on one SA from every P, to show the cost of
// the shared counter and pools under contention.
func BenchmarkSealParallel(b *testing.B) {
	o, _ := suiteByName("aes256gcm16").pair(b, true, 0)
	payload := payloadOf(1400)
	b.SetBytes(1400)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		dst := make([]byte, 0, 1400+o.Overhead(1400))
		for pb.Next() {
			if _, err := o.Seal(dst, 4, payload); err != nil {
				b.Fatal(err)
			}
		}
	})
}
