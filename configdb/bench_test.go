package configdb

import (
	"fmt"
	"testing"
)

func benchUpdate(b *testing.B, db *DB, i int) *Pending {
	p, err := db.Update(Meta{Session: "bench", Line: "interface Gi1"}, func(tx *Tx) error {
		tx.Put("interface", fmt.Sprintf("Gi%d", i%1000), fmt.Appendf(nil, `{"description":"rev %d"}`, i))
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkUpdateSequential issues updates without waiting for each, then syncs once
// (group commit).
func BenchmarkUpdateSequential(b *testing.B) {
	db := openTest(b, Options{})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		benchUpdate(b, db, i)
		i++
	}
	if err := db.Sync(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkUpdateWaitEach waits for every update to be durable: one fsync per update.
func BenchmarkUpdateWaitEach(b *testing.B) {
	db := openTest(b, Options{})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := benchUpdate(b, db, i).Wait(); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
