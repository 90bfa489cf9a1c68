package interop

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/gatehouse-vpn/gatehouse/services/ike"
	"github.com/gatehouse-vpn/gatehouse/services/ike/suite"
)

// LoadOptions describe one run of the load generator (cmd/ikeload): many
// initiators on a few engines, each engine one socket pair that
// multiplexes its IKE SAs by SPI.
type LoadOptions struct {
	Target      netip.AddrPort // the responder's IKE port
	NATPort     uint16         // the responder's NAT-T port; 0 = 4500
	Local       netip.Addr     // source address; invalid = the route's
	Concurrency int            // handshakes in flight; 0 = 1
	Total       int            // handshakes to run
	Engines     int            // initiator engines; 0 = 1
	IDPrefix    string         // identities are IDPrefix<n>.IDDomain
	IDDomain    string
	IDStart     int // first n
	PSK         []byte
	IKE         ike.Proposal
	ESP         ike.ESPProposal
	// Keep leaves every SA established (no delete) so that the
	// responder's memory per session can be measured; otherwise each SA
	// is deleted right after it is up.
	Keep bool
	// Timeout bounds one handshake (0: 30 s); Deadline, when set, stops
	// starting new handshakes after it passes.
	Timeout  time.Duration
	Deadline time.Time
	// Window is the number of completions per rate window (0: 1000).
	Window int
	// Dataplane, when set, makes every SA a tunnel that carries traffic
	// (ike.InitiatorConfig.Tunnel) to the networks in TSr; the engines
	// share it.
	Dataplane dataplane.Dataplane
	TSr       []netip.Prefix
	// EAPUser, when set, authenticates every initiator with EAP-MD5
	// (EAPUser, EAPPassword) instead of PSK; the responder signs with a
	// certificate, whose chain is not verified.
	EAPUser, EAPPassword string
}

// LoadResult is what a run measured. Times are in milliseconds.
type LoadResult struct {
	Target      string         `json:"target"`
	Concurrency int            `json:"concurrency"`
	Requested   int            `json:"requested"`
	Established int            `json:"established"`
	Failed      int            `json:"failed"`
	Seconds     float64        `json:"seconds"`
	Rate        float64        `json:"handshakes_per_second"`
	P50ms       float64        `json:"p50_ms"`
	P99ms       float64        `json:"p99_ms"`
	MaxMs       float64        `json:"max_ms"`
	Failures    map[string]int `json:"failures,omitempty"`
	// Windows is the rate of each successive Window completions: how the
	// rate changes as the responder holds more SAs (with Keep).
	Windows []float64 `json:"window_rates,omitempty"`
	Window  int       `json:"window"`
	// CPUSeconds and RSSKiB are the load generator's own.
	CPUSeconds float64 `json:"cpu_seconds"`
	RSSKiB     int64   `json:"rss_kib"`
}

// Load runs the handshakes and returns what it measured and a function
// that stops the initiator engines (without deleting anything at the
// responder). With Keep, call it once the responder has been measured.
func Load(ctx context.Context, o LoadOptions) (LoadResult, func(), error) {
	if o.Concurrency <= 0 {
		o.Concurrency = 1
	}
	if o.Engines <= 0 {
		o.Engines = 1
	}
	if o.Timeout == 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Window <= 0 {
		o.Window = 1000
	}
	if o.NATPort == 0 {
		o.NATPort = 4500
	}
	local := o.Local
	if !local.IsValid() {
		// Once, here: ike.Initiate would otherwise open a socket per
		// handshake to find the route's source address.
		c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(o.Target))
		if err != nil {
			return LoadResult{}, nil, fmt.Errorf("ikeload: route to %s: %w", o.Target, err)
		}
		local = c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap()
		c.Close()
	}
	dir, err := os.MkdirTemp("", "ikeload-")
	if err != nil {
		return LoadResult{}, nil, fmt.Errorf("ikeload: %w", err)
	}
	var (
		engines []*ike.Engine
		dbs     []*configdb.DB
	)
	stop := func() {
		for _, e := range engines {
			e.Stop()
		}
		for _, db := range dbs {
			db.Close()
		}
		os.RemoveAll(dir)
	}
	for i := range o.Engines {
		// The engine wants a database; an initiator needs nothing in it.
		db, err := configdb.Open(filepath.Join(dir, fmt.Sprintf("engine%d.db", i)), configdb.Options{NoSync: true})
		if err != nil {
			stop()
			return LoadResult{}, nil, fmt.Errorf("ikeload: engine %d: %w", i, err)
		}
		dbs = append(dbs, db)
		// Without a data plane the initiator's child SAs are kept in the
		// IKE SA only.
		e := ike.New(ike.Options{DB: db, Address: local, EphemeralPorts: true, Dataplane: o.Dataplane})
		if err := e.Start(context.Background()); err != nil {
			stop()
			return LoadResult{}, nil, fmt.Errorf("ikeload: engine %d: %w", i, err)
		}
		engines = append(engines, e)
	}

	r := LoadResult{Target: o.Target.String(), Concurrency: o.Concurrency, Requested: o.Total, Window: o.Window}
	latency := make([]time.Duration, o.Total)
	doneAt := make([]time.Duration, o.Total)
	ok := make([]bool, o.Total)
	var (
		next     atomic.Int64
		mu       sync.Mutex
		failures = map[string]int{}
		wg       sync.WaitGroup
	)
	cpu0 := cpuTime()
	start := time.Now()
	for w := range o.Concurrency {
		e := engines[w%len(engines)]
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= o.Total || ctx.Err() != nil || (!o.Deadline.IsZero() && time.Now().After(o.Deadline)) {
					return
				}
				cfg := ike.InitiatorConfig{Peer: o.Target, PeerNATPort: o.NATPort, Local: local,
					LocalID: ike.FQDN(fmt.Sprintf("%s%d.%s", o.IDPrefix, o.IDStart+i, o.IDDomain)), PSK: o.PSK,
					IKE: o.IKE, ESP: o.ESP, RequestAddress: true, Tunnel: o.Dataplane != nil, TSr: o.TSr}
				if o.EAPUser != "" {
					cfg.EAP = ike.EAPMD5(o.EAPUser, o.EAPPassword)
				}
				hctx, cancel := context.WithTimeout(ctx, o.Timeout)
				t0 := time.Now()
				conn, err := e.Initiate(hctx, cfg)
				t1 := time.Now()
				if err == nil && conn.ChildErr != nil {
					err = fmt.Errorf("child SA: %w", conn.ChildErr)
				}
				if err != nil {
					mu.Lock()
					failures[failureClass(err)]++
					mu.Unlock()
				} else {
					latency[i], doneAt[i], ok[i] = t1.Sub(t0), t1.Sub(start), true
				}
				if err == nil && !o.Keep {
					conn.Close(hctx)
				}
				cancel()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	r.CPUSeconds = (cpuTime() - cpu0).Seconds()
	r.RSSKiB, _ = RSSKiB(os.Getpid())

	var lat, done []time.Duration
	for i := range o.Total {
		if ok[i] {
			lat = append(lat, latency[i])
			done = append(done, doneAt[i])
		}
	}
	r.Established = len(lat)
	for _, n := range failures {
		r.Failed += n
	}
	if len(failures) > 0 {
		r.Failures = failures
	}
	r.Seconds = elapsed.Seconds()
	if r.Seconds > 0 {
		r.Rate = float64(r.Established) / r.Seconds
	}
	slices.Sort(lat)
	slices.Sort(done)
	if len(lat) > 0 {
		r.P50ms = ms(percentile(lat, 50))
		r.P99ms = ms(percentile(lat, 99))
		r.MaxMs = ms(lat[len(lat)-1])
	}
	var prev time.Duration
	for k := o.Window; k <= len(done); k += o.Window {
		if d := done[k-1] - prev; d > 0 {
			r.Windows = append(r.Windows, float64(o.Window)/d.Seconds())
		}
		prev = done[k-1]
	}
	return r, stop, nil
}

// failureClass groups errors for the report: the notification the peer
// sent or the error text without the per-SA details.
func failureClass(err error) string {
	var ne *ike.NotifyError
	if errors.As(err, &ne) {
		return ne.Type.String()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	return err.Error()
}

func percentile(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p + 99) / 100
	return sorted[max(0, min(i, len(sorted))-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// cpuTime is this process's user plus system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ParseIKEProposal reads a strongSwan-style IKE proposal such as
// "aes256gcm16-prfsha256-x25519" or "aes256-sha256-ecp256".
func ParseIKEProposal(s string) (ike.Proposal, error) {
	var p ike.Proposal
	var sawPRF bool
	for _, tok := range strings.Split(strings.ToLower(s), "-") {
		if e, bits, ok := encrToken(tok); ok {
			p.Encr, p.EncrKeyBits = e, bits
			continue
		}
		if f, ok := prfTokens[strings.TrimPrefix(tok, "prf")]; ok && strings.HasPrefix(tok, "prf") {
			p.PRF, sawPRF = f, true
			continue
		}
		if in, ok := integTokens[tok]; ok {
			p.Integ = in
			if !sawPRF {
				p.PRF = prfTokens[tok]
			}
			continue
		}
		if g, ok := groupTokens[tok]; ok {
			if p.Group == 0 {
				p.Group = g
			} else {
				p.MoreGroups = append(p.MoreGroups, g)
			}
			continue
		}
		return p, fmt.Errorf("proposal %q: unknown algorithm %q", s, tok)
	}
	aead := p.Encr == suite.EncrAESGCM16 || p.Encr == suite.EncrChaCha20Poly1305
	switch {
	case p.Encr == 0 || p.Group == 0 || p.PRF == 0:
		return p, fmt.Errorf("proposal %q: needs an encryption algorithm, a PRF and a DH group", s)
	case aead && p.Integ != 0:
		return p, fmt.Errorf("proposal %q: an AEAD cipher takes no integrity algorithm", s)
	case !aead && p.Integ == 0:
		return p, fmt.Errorf("proposal %q: needs an integrity algorithm", s)
	}
	return p, nil
}

// ParseESPProposal reads a strongSwan-style ESP proposal such as
// "aes256gcm16" or "aes128-sha256-modp2048" (the group is PFS).
func ParseESPProposal(s string) (ike.ESPProposal, error) {
	var p ike.ESPProposal
	for _, tok := range strings.Split(strings.ToLower(s), "-") {
		if e, bits, ok := encrToken(tok); ok {
			p.Encr, p.EncrKeyBits = e, bits
		} else if in, ok := integTokens[tok]; ok {
			p.Integ = in
		} else if g, ok := groupTokens[tok]; ok {
			p.PFSGroup = g
		} else {
			return p, fmt.Errorf("ESP proposal %q: unknown algorithm %q", s, tok)
		}
	}
	if p.Encr == 0 {
		return p, fmt.Errorf("ESP proposal %q: needs an encryption algorithm", s)
	}
	return p, nil
}

func encrToken(tok string) (id, bits int, ok bool) {
	switch tok {
	case "aes128", "aes192", "aes256":
		return suite.EncrAESCBC, atoi(tok[3:]), true
	case "aes128gcm16", "aes256gcm16":
		return suite.EncrAESGCM16, atoi(tok[3:6]), true
	case "chacha20poly1305":
		return suite.EncrChaCha20Poly1305, 256, true
	case "3des":
		return suite.Encr3DES, 192, true
	}
	return 0, 0, false
}

var (
	prfTokens = map[string]int{"sha1": suite.PRFHMACSHA1, "sha256": suite.PRFHMACSHA2256,
		"sha384": suite.PRFHMACSHA2384, "sha512": suite.PRFHMACSHA2512}
	integTokens = map[string]int{"sha1": suite.IntegHMACSHA196, "sha256": suite.IntegHMACSHA2256128,
		"sha384": suite.IntegHMACSHA2384192, "sha512": suite.IntegHMACSHA2512256}
	groupTokens = map[string]int{"modp1024": suite.DHModp1024, "modp1536": suite.DHModp1536,
		"modp2048": suite.DHModp2048, "modp3072": suite.DHModp3072, "modp4096": suite.DHModp4096,
		"ecp256": suite.DHECP256, "ecp384": suite.DHECP384, "ecp521": suite.DHECP521,
		"x25519": suite.DHCurve25519, "curve25519": suite.DHCurve25519}
)
