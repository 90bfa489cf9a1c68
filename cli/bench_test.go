package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/modes"
)

// benchConfig is a configuration of about n lines of the kinds a head-end
// carries in bulk.
func benchConfig(n int) string {
	var b strings.Builder
	b.WriteString("configure terminal\n")
	for i := 0; i < n-2; i++ {
		fmt.Fprintf(&b, "username user%05d privilege %d password 0 pw%05d\n", i, 1+i%15, i)
	}
	b.WriteString("end\n")
	return b.String()
}

// BenchmarkApplyConfig pipes a 10,000-line configuration through a script
// session, as "gatehouse cli < file" does, waiting for the last line to be
// durable. It reports lines/s.
func BenchmarkApplyConfig(b *testing.B) {
	cfg := benchConfig(10000)
	lines := strings.Count(cfg, "\n")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		env, _ := testEnv(b)
		s := NewSession(env, Config{ID: "attach 0", Privilege: 15})
		b.StartTimer()
		failed, err := RunScript(s, strings.NewReader(cfg), WriterSink{W: io.Discard})
		if err != nil || failed != 0 {
			b.Fatalf("failed %d, %v", failed, err)
		}
	}
	b.ReportMetric(float64(lines*b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkRenderRunningConfig renders show running-config for the
// 10,000-line configuration.
func BenchmarkRenderRunningConfig(b *testing.B) {
	env, _ := testEnv(b)
	s := NewSession(env, Config{ID: "attach 0", Privilege: 15})
	if failed, err := RunScript(s, strings.NewReader(benchConfig(10000)), WriterSink{W: io.Discard}); err != nil || failed != 0 {
		b.Fatalf("failed %d, %v", failed, err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		env.DB.View(func(tx *configdb.ReadTx) error {
			if len(modes.Modes().RunningConfig(tx, true)) == 0 {
				b.Fatal("empty")
			}
			return nil
		})
	}
}

// BenchmarkCommitLatency measures one interactive configuration line: match,
// update, and wait until it is on disk. It reports p50 and p99.
func BenchmarkCommitLatency(b *testing.B) {
	env, _ := testEnv(b)
	s := NewSession(env, Config{ID: "attach 0", Privilege: 15})
	s.Execute("configure terminal")
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		res := s.Execute(fmt.Sprintf("hostname R%d", i))
		if res.Err != nil {
			b.Fatal(res.Err)
		}
		res.Pending.Wait()
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
