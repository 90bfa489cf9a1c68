package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/gatehouse-vpn/gatehouse/cli"
	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/dataplane/xfrm"
	"github.com/gatehouse-vpn/gatehouse/modes"
	"github.com/gatehouse-vpn/gatehouse/services/aaa"
	"github.com/gatehouse-vpn/gatehouse/services/ike"
	"github.com/gatehouse-vpn/gatehouse/services/logging"
	"github.com/gatehouse-vpn/gatehouse/services/pool"
	"github.com/gatehouse-vpn/gatehouse/services/vtemplate"
)

func runDaemon(args []string) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	dbPath := fs.String("db", "var/gatehouse.db", "configuration database `file`")
	sockPath := fs.String("socket", "var/gatehouse.sock", "attach socket `file` for gatehouse cli")
	sshAddr := fs.String("ssh", ":22", "SSH server `address:port`, or none")
	dataplane := fs.String("dataplane", "auto", "data plane backend: auto, userspace, xfrm or fake")
	ikeAddr := fs.String("ike", "", "IKE listen `address` (empty: all addresses; none: IKE off)")
	ikePort := fs.Uint("ike-port", 500, "IKE UDP `port`")
	nattPort := fs.Uint("natt-port", 4500, "IKE NAT-T UDP `port`")
	vrfPrefix := fs.String("vrf-netns-prefix", "", "userspace data plane: VRF NAME lives in the network namespace `PREFIX`NAME")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	switch *dataplane {
	case "auto", "userspace", "xfrm", "fake":
	default:
		fmt.Fprintf(os.Stderr, "gatehouse: --dataplane %q: want auto, userspace, xfrm or fake\n", *dataplane)
		return 2
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))

	db, err := configdb.Open(*dbPath, configdb.Options{})
	if err != nil {
		fmt.Fprintf(os.Stderr, "gatehouse: %v\n", err)
		return 1
	}
	defer db.Close()

	modes.Modes() // compile the grammar now: a bad declaration fails at start, not at first login
	lines := cli.NewLines()
	pools := pool.New(db, logger)
	env := &modes.Env{DB: db, Started: time.Now(), Version: Version, Log: logging.NewBuffer(),
		Sessions: lines.Infos, VTemplateActive: func(int) int { return 0 }, Pools: pools}
	applyLogging(env)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go pools.Run(ctx)
	hooks := &aaaHooks{}
	authsvc := aaa.New(aaa.Options{DB: db, Debug: env.Log.Debug(), Logger: logger, Sessions: hooks, Counters: hooks.counters})
	env.AAA = authsvc
	env.Login = func(ctx context.Context, line, user, password string) (int, error) {
		r, err := authsvc.Login(ctx, line, user, password)
		return r.Privilege, err
	}
	go authsvc.Run(ctx)
	if os.Getenv("GOGC") == "" {
		go tuneGC(ctx, gcTuning{})
	}

	if *ikeAddr != "none" {
		engine, err := startIKE(ctx, env, logger, *ikeAddr, uint16(*ikePort), uint16(*nattPort), *dataplane, *vrfPrefix, authsvc, hooks)
		if err != nil {
			logger.Error("IKE not started", "err", err)
		} else {
			defer engine.Stop()
		}
	}

	os.MkdirAll(filepath.Dir(*sockPath), 0o755)
	os.Remove(*sockPath)
	ln, err := net.Listen("unix", *sockPath)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gatehouse: attach socket: %v\n", err)
		return 1
	}
	os.Chmod(*sockPath, 0o600)
	defer os.Remove(*sockPath)
	go (&cli.AttachServer{Env: env, Lines: lines}).Serve(ln)
	defer ln.Close()

	if *sshAddr != "none" && *sshAddr != "" {
		srv, err := cli.NewSSHServer(env, lines)
		if err == nil {
			err = srv.ListenAndServe(*sshAddr)
		}
		if err != nil {
			logger.Error("SSH server not started", "addr", *sshAddr, "err", err)
		} else {
			defer srv.Close()
			logger.Info("SSH server listening", "addr", srv.Addr())
		}
	}
	logger.Info("gatehouse running", "db", *dbPath, "socket", *sockPath, "revision", db.Rev(), "dataplane", *dataplane)

	if term.IsTerminal(int(os.Stdin.Fd())) {
		go func() {
			runConsole(env, lines)
			stop()
		}()
	}
	<-ctx.Done()
	logger.Info("gatehouse shutting down")
	return 0
}

// startIKE starts the IKE engine and plugs it into the show and clear
// commands. The data plane backends that carry traffic arrive with the
// data-plane work; until then every choice records SAs in the fake backend.
func startIKE(ctx context.Context, env *modes.Env, logger *slog.Logger, addr string, port, natt uint16, backend, vrfPrefix string,
	authsvc *aaa.Service, hooks *aaaHooks) (*ike.Engine, error) {
	var bind netip.Addr
	if addr != "" {
		a, err := netip.ParseAddr(addr)
		if err != nil {
			return nil, fmt.Errorf("--ike %q: %w", addr, err)
		}
		bind = a
	}
	dp, why, err := openDataplane(backend, logger, func() error { return xfrm.Probe() }, vrfPrefix)
	if err != nil {
		return nil, err
	}
	logger.Info("data plane", "backend", dp.Name(), "why", why)
	env.Dataplane = dataplaneStatus(dp, why)
	context.AfterFunc(ctx, func() { dp.Close() })
	vt := vtemplate.New(env.DB, dp, env.Log.Debug())
	env.VTemplateActive, env.VirtualAccess = vt.Active, vt
	go vt.Run(ctx)
	e := ike.New(ike.Options{DB: env.DB, Pools: env.Pools.(*pool.Service), Dataplane: dp, VirtualAccess: vt, Debug: env.Log.Debug(),
		Logger: logger, Address: bind, IKEPort: port, NATPort: natt, Version: "Gatehouse " + Version,
		Authorizer: authsvc, EAP: authsvc, PSK: authsvc, Observer: authsvc})
	if err := e.Start(ctx); err != nil {
		return nil, err
	}
	hooks.attach(e, dp)
	env.CryptoSessions = e.Sessions
	env.IKEv2Stats = e.IKEv2Stats
	env.ClearCrypto = e.Clear
	i, n := e.Ports()
	logger.Info("IKE listening", "address", addr, "port", i, "natt-port", n)
	return e, nil
}

// applyLogging sizes the logging buffer from the stored configuration.
func applyLogging(env *modes.Env) {
	env.DB.View(func(tx *configdb.ReadTx) error {
		var sys schema.System
		if ok, _ := tx.GetJSON(schema.KindSystem, schema.Global, &sys); ok && sys.LoggingBuffered != nil {
			env.Log.SetSize(sys.LoggingBuffered.Size)
		}
		return nil
	})
}

// runConsole runs console sessions on the daemon's terminal, one after the
// other, as the router's "con 0" line. It returns when the terminal closes.
func runConsole(env *modes.Env, lines *cli.Lines) {
	fd := int(os.Stdin.Fd())
	old, err := term.MakeRaw(fd)
	if err != nil {
		return
	}
	defer term.Restore(fd, old)
	kb := cli.NewKeyboard(os.Stdin)
	for {
		w, h, _ := term.GetSize(fd)
		s := cli.NewSession(env, cli.Config{ID: "con 0", Privilege: 15, Interactive: true, Lines: lines})
		err := cli.NewEditor(s, kb, os.Stdout, w, h).Run()
		s.Close()
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, cli.ErrIdleTimeout) {
			return
		}
		fmt.Fprint(os.Stdout, "\r\n\r\ncon0 is now available\r\n\r\nPress RETURN to get started.\r\n")
		idle := kb.Idle
		kb.Idle = nil
		for {
			var b [1]byte
			if _, err := kb.Read(b[:]); err != nil {
				return
			}
			if b[0] == '\r' || b[0] == '\n' {
				break
			}
		}
		kb.Idle = idle
	}
}
