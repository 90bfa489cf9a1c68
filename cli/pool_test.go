package cli

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-vpn/gatehouse/services/pool"
)

// TestShowIPLocalPoolInUse: show ip local pool reports the pool service's
// allocations.
func TestShowIPLocalPoolInUse(t *testing.T) {
	env, _ := testEnv(t)
	svc := pool.New(env.DB, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go svc.Run(ctx)
	env.Pools = svc
	if out, failed := script(t, env, "configure terminal", "ip local pool RA 10.99.0.10 10.99.0.19", "end"); failed != 0 {
		t.Fatal(out)
	}
	deadline := time.Now().Add(5 * time.Second)
	for i := 0; i < 3; {
		if _, err := svc.Allocate("RA", netip.Addr{}, "user"+string(rune('a'+i))); err == nil {
			i++
		} else if time.Now().After(deadline) {
			t.Fatalf("pool never became allocatable: %v", err)
		}
	}
	out, _ := script(t, env, "show ip local pool")
	want := " RA                       10.99.0.10      10.99.0.19         7       3         0\n"
	if !strings.Contains(out, want) {
		t.Errorf("got:\n%s\nwant line:\n%s", out, want)
	}
	out, _ = script(t, env, "show ip local pool RA | begin Inuse")
	if want := "Inuse addresses:\n  10.99.0.10      usera\n  10.99.0.11      userb\n  10.99.0.12      userc\n"; out != want {
		t.Errorf("got:\n%q\nwant:\n%q", out, want)
	}
}
