// Command ikeload is an IKEv2 load generator built on the Gatehouse
// initiator: N concurrent initiators run M handshakes (PSK, one child SA,
// an address requested) against a responder and report handshakes per
// second, setup latency and failures.
//
//	ikeload [--target ADDR:PORT] [--natt-port N] [--concurrency N] [--total M]
//	        [--id-prefix user] [--id-domain example.com] [--id-start 0] [--psk KEY]
//	        [--local ADDR] [--proposal P] [--esp P] [--engines N] [--keep]
//	        [--time-limit D] [--window N] [--json] [--tunnel PREFIX,...]
//	        [--eap-md5 USER:PASSWORD]
//
// Identities are FQDNs <id-prefix><n>.<id-domain>. Proposals are written
// as strongSwan writes them (aes256gcm16-prfsha256-x25519, aes256gcm16).
// With --keep the SAs stay up after the report (so that the responder's
// memory per session can be measured) until stdin closes or a signal
// arrives; nothing is deleted at the responder then. With --tunnel the SAs
// carry traffic: each gets an interface with its assigned address on a TUN
// device in ikeload's network namespace and routes to the PREFIXES, as a
// remote-access client (Gatehouse at both ends, for throughput tests).
// With --eap-md5 the initiators authenticate with EAP-MD5 instead of the
// PSK (the responder must sign with a certificate).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/gatehouse-vpn/gatehouse/dataplane/userspace"
	"github.com/gatehouse-vpn/gatehouse/services/ike/interop"
)

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ikeload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("target", "10.99.0.1:500", "the responder's IKE address and port")
	nattPort := fs.Uint("natt-port", 4500, "the responder's NAT-T port")
	concurrency := fs.Int("concurrency", 64, "handshakes in flight")
	total := fs.Int("total", 1000, "handshakes to run")
	engines := fs.Int("engines", 1, "initiator engines (each one UDP socket pair)")
	idPrefix := fs.String("id-prefix", "user", "identities are <id-prefix><n>.<id-domain>")
	idDomain := fs.String("id-domain", "example.com", "the identities' domain")
	idStart := fs.Int("id-start", 0, "the first identity number")
	psk := fs.String("psk", "s3cret", "pre-shared key")
	local := fs.String("local", "", "source address (default: the route's)")
	proposal := fs.String("proposal", "aes256gcm16-prfsha256-x25519", "IKE proposal")
	esp := fs.String("esp", "aes256gcm16", "ESP proposal")
	keep := fs.Bool("keep", false, "keep the SAs up after the report until stdin closes or a signal")
	timeLimit := fs.Duration("time-limit", 0, "start no handshake after this long (0: no limit)")
	window := fs.Int("window", 1000, "completions per reported rate window")
	asJSON := fs.Bool("json", false, "print the report as one JSON line")
	tunnel := fs.String("tunnel", "", "carry traffic: comma-separated `PREFIXES` reached through each SA, with the userspace data plane in this network namespace (implies --keep)")
	eapMD5 := fs.String("eap-md5", "", "authenticate with EAP-MD5 as `USER:PASSWORD` instead of the PSK")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "ikeload: %v\n", err)
		return 2
	}
	o := interop.LoadOptions{Concurrency: *concurrency, Total: *total, Engines: *engines, IDPrefix: *idPrefix,
		IDDomain: *idDomain, IDStart: *idStart, PSK: []byte(*psk), Keep: *keep, Window: *window, NATPort: uint16(*nattPort)}
	if *eapMD5 != "" {
		var ok bool
		if o.EAPUser, o.EAPPassword, ok = strings.Cut(*eapMD5, ":"); !ok || o.EAPUser == "" {
			return fail(fmt.Errorf("--eap-md5: want USER:PASSWORD"))
		}
	}
	var err error
	if o.Target, err = netip.ParseAddrPort(*target); err != nil {
		return fail(fmt.Errorf("--target: %w", err))
	}
	if *local != "" {
		if o.Local, err = netip.ParseAddr(*local); err != nil {
			return fail(fmt.Errorf("--local: %w", err))
		}
	}
	if o.IKE, err = interop.ParseIKEProposal(*proposal); err != nil {
		return fail(fmt.Errorf("--proposal: %w", err))
	}
	if o.ESP, err = interop.ParseESPProposal(*esp); err != nil {
		return fail(fmt.Errorf("--esp: %w", err))
	}
	if *total <= 0 || *concurrency <= 0 {
		return fail(fmt.Errorf("--total and --concurrency must be positive"))
	}
	if *timeLimit > 0 {
		o.Deadline = time.Now().Add(*timeLimit)
	}
	if *tunnel != "" {
		for _, s := range strings.Split(*tunnel, ",") {
			p, err := netip.ParsePrefix(strings.TrimSpace(s))
			if err != nil {
				return fail(fmt.Errorf("--tunnel: %w", err))
			}
			o.TSr = append(o.TSr, p.Masked())
		}
		dp := userspace.New(userspace.Options{})
		defer dp.Close()
		o.Dataplane, o.Keep, *keep = dp, true, true
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r, closeEngines, err := interop.Load(ctx, o)
	if err != nil {
		return fail(err)
	}
	defer closeEngines()
	if *asJSON {
		b, _ := json.Marshal(r)
		fmt.Fprintf(stdout, "%s\n", b)
	} else {
		report(stdout, r)
	}
	if *keep {
		// Hold the SAs until told to go: stdin closing (the benchmark
		// driver) or a signal (a person).
		eof := make(chan struct{})
		go func() {
			io.Copy(io.Discard, stdin)
			close(eof)
		}()
		select {
		case <-eof:
		case <-ctx.Done():
		}
	}
	if r.Established == 0 {
		return 1
	}
	return 0
}

func report(w io.Writer, r interop.LoadResult) {
	fmt.Fprintf(w, "target %s, concurrency %d: %d of %d established, %d failed in %.2f s\n",
		r.Target, r.Concurrency, r.Established, r.Requested, r.Failed, r.Seconds)
	fmt.Fprintf(w, "handshakes/s %.0f\n", r.Rate)
	fmt.Fprintf(w, "setup latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", r.P50ms, r.P99ms, r.MaxMs)
	if len(r.Windows) > 1 {
		var s []string
		for _, v := range r.Windows {
			s = append(s, fmt.Sprintf("%.0f", v))
		}
		fmt.Fprintf(w, "handshakes/s per %d: %s\n", r.Window, strings.Join(s, " "))
	}
	fmt.Fprintf(w, "load generator CPU %.2f s, RSS %d KiB\n", r.CPUSeconds, r.RSSKiB)
	keys := make([]string, 0, len(r.Failures))
	for k := range r.Failures {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "failure %s: %d\n", k, r.Failures[k])
	}
}
