package interop

import (
	"bytes"
	"context"
	"net/netip"
	"path/filepath"
	"strings"
	"time"

	"github.com/gatehouse-vpn/gatehouse/cli"
	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/dataplane/fake"
	"github.com/gatehouse-vpn/gatehouse/modes"
	"github.com/gatehouse-vpn/gatehouse/services/ike"
	"github.com/gatehouse-vpn/gatehouse/services/logging"
	"github.com/gatehouse-vpn/gatehouse/services/pool"
)

// InProcess is a Gatehouse IKE responder inside the test process, on
// loopback ephemeral ports, with the fake data plane: the daemon's wiring
// without the daemon, for benchmarks and for tools' tests.
type InProcess struct {
	Engine  *ike.Engine
	Target  netip.AddrPort // the IKE port
	NATPort uint16
}

// StartInProcess configures a fresh database with config (configuration
// mode lines) and starts an engine on it; everything stops at cleanup.
func StartInProcess(t T, config string) *InProcess {
	t.Helper()
	db, err := configdb.Open(filepath.Join(t.TempDir(), "db"), configdb.Options{NoSync: true})
	if err != nil {
		t.Fatalf("interop: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	pools := pool.New(db, nil)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go pools.Run(ctx)
	env := &modes.Env{DB: db, Started: time.Now(), Log: logging.NewBuffer(), Pools: pools}
	s := cli.NewSession(env, cli.Config{ID: "inprocess", Privilege: 15})
	var out bytes.Buffer
	if n, err := cli.RunScript(s, strings.NewReader("configure terminal\n"+config+"end\n"), cli.WriterSink{W: &out}); err != nil || n != 0 {
		t.Fatalf("interop: configuration failed (%d lines, %v):\n%s", n, err, out.String())
	}
	loopback := netip.MustParseAddr("127.0.0.1")
	e := ike.New(ike.Options{DB: db, Pools: pools, Dataplane: fake.New(), Debug: env.Log.Debug(),
		Address: loopback, EphemeralPorts: true})
	if err := e.Start(ctx); err != nil {
		t.Fatalf("interop: %v", err)
	}
	t.Cleanup(e.Stop)
	ikePort, natt := e.Ports()
	return &InProcess{Engine: e, Target: netip.AddrPortFrom(loopback, ikePort), NATPort: natt}
}
