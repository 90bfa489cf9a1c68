package freeradius

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/gatehouse-vpn/gatehouse/internal/peerkit"
)

// Config describes one FreeRADIUS server. The zero value is a PAP-only
// server on 127.0.0.1 with an empty users file and secret "testing123".
type Config struct {
	// Name labels the instance: its directory under t.TempDir() and its
	// log lines. Defaults to "radius".
	Name string
	// Secret is the shared secret of every NAS client. Defaults to
	// "testing123".
	Secret string
	// Clients are the NAS source prefixes the server answers. Defaults to
	// 127.0.0.0/8 and ::1/128; a NAS on another address (the head-end's
	// namespace address, say) must be listed.
	Clients []netip.Prefix
	// Users is the users file verbatim (the files module, authorize), for
	// example
	//
	//	alice Cleartext-Password := "pw"
	//		Cisco-AVPair += "ipsec:dns-servers=10.0.0.53"
	//
	// Cleartext-Password serves PAP, MS-CHAPv2, EAP-MD5 and EAP-MSCHAPv2.
	// The server's dictionaries include dictionary.cisco (Cisco-AVPair and
	// the other Cisco VSAs) and dictionary.microsoft.
	Users string
	// Dictionary is extra dictionary text, read after the system
	// dictionaries (ATTRIBUTE, VENDOR, BEGIN-VENDOR ... lines).
	Dictionary string
	// EAP enables the eap module (EAP-MD5, EAP-MSCHAPv2, EAP-TLS); nil
	// leaves EAP out.
	EAP *EAPConfig
	// Accounting adds an accounting listener (AcctAddr) that records every
	// Accounting-Request in a detail file (Server.Accounting) and answers
	// it. Without it nothing listens on an accounting port.
	Accounting bool
	// Delay holds every Access-Request for at least this long before it is
	// answered: a slow back end. Each EAP round is delayed. At most 25 s.
	Delay time.Duration
	// RequireMessageAuthenticator sets require_message_authenticator for
	// the clients: an Access-Request without a valid Message-Authenticator
	// is dropped silently (no reply), the BlastRADIUS mitigation of 3.2.1.
	RequireMessageAuthenticator bool
	// NetNS runs the server inside this network namespace, which the
	// caller created (with loopback up) and deletes.
	NetNS string
	// ListenAddr is the address both listeners bind. Defaults to
	// 127.0.0.1.
	ListenAddr netip.Addr
	// AuthPort and AcctPort default to 1812 and 1813 inside NetNS (a
	// private namespace has them free) and to free loopback ports on the
	// host, where other tests and a host FreeRADIUS may run.
	AuthPort, AcctPort uint16
}

// EAPConfig configures the eap module. The harness makes a CA
// (Server.CA) and a server certificate signed by it for EAP-TLS.
type EAPConfig struct {
	// DefaultType is the method the server proposes after the identity
	// ("md5", "mschapv2", "tls"); a peer wanting another one NAKs.
	// Defaults to "md5".
	DefaultType string
	// ServerName is the EAP-TLS server certificate's CN and DNS name.
	// Defaults to "radius.gatehouse.test".
	ServerName string
	// TrustedCAPEM are more CA certificates whose client certificates
	// EAP-TLS accepts (the harness CA is always trusted).
	TrustedCAPEM []byte
}

// ReadyTimeout bounds how long Start and Restart wait for "Ready to
// process requests".
const ReadyTimeout = 15 * time.Second

// readyMarker is the line FreeRADIUS logs once every listener is bound.
var readyMarker = []byte("Ready to process requests")

// Server is one FreeRADIUS process with a private configuration
// directory, started by Start and stopped at cleanup.
type Server struct {
	Name      string
	NetNS     string
	Dir       string         // configuration directory: radiusd.conf, users, certs/, acct/, radiusd.log
	AuthAddr  netip.AddrPort // authentication listener
	AcctAddr  netip.AddrPort // accounting listener; invalid without Config.Accounting
	Secret    string
	CA        *Credential // EAP-TLS CA; nil without Config.EAP
	CACertPEM []byte      // CA's certificate in PEM; nil without Config.EAP

	t          T
	cfg        Config
	clients    []netip.Prefix
	serverCred *Credential
	logPath    string

	mu      sync.Mutex // guards the fields below (Stop may run from a cleanup)
	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
}

// Start writes the configuration directory for c, starts freeradius in
// the foreground and waits until it is ready. The server is stopped at
// cleanup; if the test failed, the tail of its log is written to the test
// log first. A missing FreeRADIUS fails the test.
func Start(t T, c Config) *Server {
	t.Helper()
	Require(t)
	s, err := newServer(t, c)
	if err != nil {
		t.Fatalf("freeradius: %v", err)
	}
	if err := s.start(); err != nil {
		if tail := s.LogTail(60); tail != "" {
			t.Logf("freeradius: %s log tail:\n%s", s.Name, tail)
		}
		s.Stop()
		t.Fatalf("freeradius: %s: %v", s.Name, err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("freeradius: %s (%s) log tail:\n%s", s.Name, s.where(), s.LogTail(80))
		}
		s.Stop()
	})
	return s
}

func newServer(t T, c Config) (*Server, error) {
	if c.Name == "" {
		c.Name = "radius"
	}
	if c.Secret == "" {
		c.Secret = "testing123"
	}
	if !c.ListenAddr.IsValid() {
		c.ListenAddr = netip.MustParseAddr("127.0.0.1")
	}
	if c.Delay < 0 || c.Delay > 25*time.Second {
		return nil, fmt.Errorf("%s: Delay %v out of range (0 to 25 s: max_request_time bounds it)", c.Name, c.Delay)
	}
	if c.NetNS != "" {
		if os.Geteuid() != 0 {
			return nil, fmt.Errorf("%s: running in namespace %s needs root (run the tests as root, as CI does)", c.Name, c.NetNS)
		}
		if _, err := exec.LookPath("ip"); err != nil {
			return nil, fmt.Errorf("%s: namespace %s: ip not found: install iproute2", c.Name, c.NetNS)
		}
	}
	s := &Server{
		Name:    c.Name,
		NetNS:   c.NetNS,
		Dir:     filepath.Join(t.TempDir(), c.Name),
		Secret:  c.Secret,
		t:       t,
		cfg:     c,
		clients: c.Clients,
	}
	s.logPath = filepath.Join(s.Dir, logFile)
	if len(s.clients) == 0 {
		s.clients = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	}
	auth, acct, err := s.ports()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.Name, err)
	}
	s.AuthAddr = netip.AddrPortFrom(c.ListenAddr, auth)
	if c.Accounting {
		s.AcctAddr = netip.AddrPortFrom(c.ListenAddr, acct)
	}
	if c.EAP != nil {
		if s.CA, err = peerkit.NewCA(caOrganization, c.Name+" EAP CA", peerkit.ECDSA); err != nil {
			return nil, fmt.Errorf("%s: %w", c.Name, err)
		}
		s.CACertPEM = s.CA.CertPEM()
		name := c.EAP.ServerName
		if name == "" {
			name = "radius.gatehouse.test"
		}
		if s.serverCred, err = s.CA.Issue(name, peerkit.ECDSA, CertOptions{DNSNames: []string{name}, Server: true}); err != nil {
			return nil, fmt.Errorf("%s: EAP server %w", c.Name, err)
		}
	}
	if err := s.writeConfig(); err != nil {
		return nil, fmt.Errorf("%s: config: %w", c.Name, err)
	}
	return s, nil
}

// ports chooses the listener ports. On the host it asks the kernel for
// free ones on ListenAddr; the small window before freeradius binds them
// is a race other processes would have to win.
func (s *Server) ports() (auth, acct uint16, err error) {
	auth, acct = s.cfg.AuthPort, s.cfg.AcctPort
	if s.cfg.NetNS != "" {
		if auth == 0 {
			auth = 1812
		}
		if acct == 0 {
			acct = 1813
		}
		return auth, acct, nil
	}
	var held []net.PacketConn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	free := func() (uint16, error) {
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(s.cfg.ListenAddr, 0)))
		if err != nil {
			return 0, fmt.Errorf("free UDP port on %s: %w", s.cfg.ListenAddr, err)
		}
		held = append(held, c)
		return uint16(c.LocalAddr().(*net.UDPAddr).Port), nil
	}
	if auth == 0 {
		if auth, err = free(); err != nil {
			return 0, 0, err
		}
	}
	if acct == 0 && s.cfg.Accounting {
		if acct, err = free(); err != nil {
			return 0, 0, err
		}
	}
	return auth, acct, nil
}

func (s *Server) where() string {
	if s.NetNS == "" {
		return s.AuthAddr.String()
	}
	return s.AuthAddr.String() + " in " + s.NetNS
}

// start runs freeradius and waits for it to log readiness. -f keeps it in
// the foreground (its PID is the one we signal), -xx logs every request,
// which is what a failing test wants to read; -X would also make it
// single-threaded, so that one delayed request would hold up all others.
func (s *Server) start() error {
	log, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "=== internal/freeradius: starting %s at %s\n", s.Name, time.Now().Format(time.RFC3339Nano))
	argv := []string{ServerPath, "-f", "-xx", "-l", "stdout", "-d", s.Dir, "-n", "radiusd"}
	if s.NetNS != "" {
		// ip netns exec execs freeradius, so the PID stays freeradius's.
		argv = append([]string{"ip", "netns", "exec", s.NetNS}, argv...)
	}
	w := &readyWriter{f: log, ready: make(chan struct{})}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = w, w
	// Do not wait for the log pipe long after freeradius itself has gone.
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		log.Close()
		return err
	}
	// freeradius writes no pid file in the foreground; this one is for a
	// person cleaning up after a test binary killed before its cleanup.
	_ = os.WriteFile(filepath.Join(s.Dir, pidFile), []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o600)
	exited := make(chan struct{})
	s.mu.Lock()
	s.cmd, s.exited, s.waitErr = cmd, exited, nil
	s.mu.Unlock()
	go func() {
		err := cmd.Wait()
		log.Close()
		s.mu.Lock()
		s.waitErr = err
		s.mu.Unlock()
		close(exited)
	}()
	timer := time.NewTimer(ReadyTimeout)
	defer timer.Stop()
	select {
	case <-w.ready:
		return nil
	case <-exited:
		s.mu.Lock()
		err := s.waitErr
		s.mu.Unlock()
		return fmt.Errorf("freeradius exited during startup (%v); configuration in %s", err, s.Dir)
	case <-timer.C:
		return fmt.Errorf("no %q after %v", readyMarker, ReadyTimeout)
	}
}

// Stop ends freeradius (SIGTERM, then SIGKILL after 3 s) and waits for
// it: requests then go unanswered, as with a dead server. It is safe to
// call more than once.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	peerkit.Terminate(cmd.Process, exited, syscall.SIGTERM, 3*time.Second)
}

// Restart stops the server if it runs and starts it again with the same
// configuration, addresses and certificates, waiting until it is ready.
// EAP conversations in progress are lost; the detail file is kept.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	if err := s.start(); err != nil {
		s.t.Logf("freeradius: %s log tail:\n%s", s.Name, s.LogTail(60))
		s.Stop()
		s.t.Fatalf("freeradius: %s: restart: %v", s.Name, err)
	}
}

// Running reports whether the freeradius process is alive.
func (s *Server) Running() bool {
	s.mu.Lock()
	exited := s.exited
	s.mu.Unlock()
	if exited == nil {
		return false
	}
	select {
	case <-exited:
		return false
	default:
		return true
	}
}

// Log returns everything the server has logged, across restarts. The
// lines about a request are written as it finishes, so they may follow
// its reply by a moment.
func (s *Server) Log() string {
	data, _ := os.ReadFile(s.logPath)
	return string(data)
}

// LogTail returns the last n lines of the log.
func (s *Server) LogTail(n int) string { return peerkit.LogTail(s.logPath, n) }

// LogPath is the file the server logs to.
func (s *Server) LogPath() string { return s.logPath }

// IssueClientCert makes an EAP-TLS client certificate with common name cn
// signed by the server's CA (ECDSA P-256, clientAuth, whatever opts says
// of usages). The server needs Config.EAP.
func (s *Server) IssueClientCert(cn string, opts CertOptions) (*Credential, error) {
	if s.CA == nil {
		return nil, fmt.Errorf("freeradius: %s: no CA: Config.EAP is nil", s.Name)
	}
	opts.Server, opts.IKEIntermediate = false, false
	return s.CA.Issue(cn, peerkit.ECDSA, opts)
}

// readyWriter copies the server's output to the log file and closes ready
// at the first line containing readyMarker.
type readyWriter struct {
	f     *os.File
	ready chan struct{}

	mu    sync.Mutex
	seen  bool
	carry []byte // the unfinished last line, until readiness is seen
}

func (w *readyWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.f.Write(p)
	if w.seen {
		return n, err
	}
	w.carry = append(w.carry, p...)
	if bytes.Contains(w.carry, readyMarker) {
		w.seen = true
		w.carry = nil
		close(w.ready)
	} else if i := bytes.LastIndexByte(w.carry, '\n'); i >= 0 {
		w.carry = append(w.carry[:0], w.carry[i+1:]...)
	}
	return n, err
}
