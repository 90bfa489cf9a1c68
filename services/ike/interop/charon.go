package interop

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gatehouse-vpn/gatehouse/internal/peerkit"
)

// DefaultPlugins is the charon plugin load list. It is explicit so that
// the host's /etc/strongswan.d never changes what a test runs: kdf and
// sha1 are required for charon to start at all; kernel-libipsec gives a
// userspace ESP path on a TUN device (the CI kernel has no XFRM); attr and
// resolve handle configuration attributes; vici is how swanctl talks to it.
//
// openssl comes first: charon takes each algorithm from the first plugin
// that provides it, and the aes and gcm plugins are portable C. With them
// strongSwan to strongSwan carries about an eighth of the TCP rate it
// carries with OpenSSL's AES-GCM (33 against 248 Mbit/s on the 2-core
// development machine), and a comparison must measure strongSwan at its
// best.
var DefaultPlugins = []string{
	"random", "nonce", "openssl", "aes", "sha1", "sha2", "hmac", "gcm",
	"curve25519", "gmp", "kdf", "pem", "pkcs1", "pkcs8", "x509", "pubkey",
	"constraints", "revocation", "attr", "resolve", "socket-default",
	"kernel-libipsec", "kernel-netlink", "vici",
}

// CharonOptions configures StartCharon.
type CharonOptions struct {
	// Name labels the instance: its directory under t.TempDir() and its log
	// lines. Defaults to the namespace's role ("client0", "headend").
	Name string
	// Plugins replaces DefaultPlugins when not empty.
	Plugins []string
	// CharonConf is extra strongswan.conf text placed inside charon { }.
	CharonConf string
}

// swanctlSubdirs are the credential directories swanctl --load-all reads;
// a missing one is reported as a failure.
var swanctlSubdirs = []string{
	"x509", "x509ca", "x509ocsp", "x509aa", "x509ac", "x509crl", "pubkey",
	"private", "rsa", "ecdsa", "bliss", "pkcs8", "pkcs12",
}

// ReadyTimeout bounds how long StartCharon waits for the vici socket.
const ReadyTimeout = 10 * time.Second

// Charon is one strongSwan charon running inside a network namespace with
// everything private: /run (a tmpfs in its own mount namespace, so the
// host's /run/charon.* are never seen), strongswan.conf, vici socket,
// swanctl directory, resolv.conf and log.
type Charon struct {
	Namespace string
	Name      string
	Dir       string // private directory: strongswan.conf, swanctl/, resolv.conf, charon.log
	URI       string // vici socket URI, passed to every swanctl --uri

	t       T
	conf    string // strongswan.conf path
	logPath string
	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
}

// StartCharon starts charon in namespace ns and waits until its vici
// socket answers. The charon is stopped at cleanup; if the test failed, the
// tail of its log is written to the test log first.
func StartCharon(t T, ns string, opts CharonOptions) *Charon {
	t.Helper()
	name := opts.Name
	if name == "" {
		name = ns[strings.LastIndex(ns, "-")+1:]
	}
	dir := filepath.Join(t.TempDir(), name)
	if len(dir) > 80 {
		// A unix socket path must fit in 108 bytes; long test names do not.
		d, err := os.MkdirTemp("", "gh-charon-")
		if err != nil {
			t.Fatalf("interop: charon %s: %v", name, err)
		}
		t.Cleanup(func() { os.RemoveAll(d) })
		dir = filepath.Join(d, name)
	}
	c := &Charon{
		Namespace: ns,
		Name:      name,
		Dir:       dir,
		URI:       "unix://" + filepath.Join(dir, "charon.vici"),
		t:         t,
		conf:      filepath.Join(dir, "strongswan.conf"),
		logPath:   filepath.Join(dir, "charon.log"),
		exited:    make(chan struct{}),
	}
	if err := c.start(opts); err != nil {
		if tail := c.LogTail(40); tail != "" {
			t.Logf("interop: charon %s log tail:\n%s", name, tail)
		}
		c.Stop()
		t.Fatalf("interop: charon %s in %s: %v", name, ns, err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("interop: charon %s (%s) log tail:\n%s", c.Name, c.Namespace, c.LogTail(60))
		}
		c.Stop()
	})
	return c
}

func (c *Charon) start(opts CharonOptions) error {
	for _, sub := range swanctlSubdirs {
		if err := os.MkdirAll(filepath.Join(c.SwanctlDir(), sub), 0o700); err != nil {
			return err
		}
	}
	plugins := opts.Plugins
	if len(plugins) == 0 {
		plugins = DefaultPlugins
	}
	if err := os.WriteFile(c.conf, []byte(c.strongswanConf(plugins, opts.CharonConf)), 0o600); err != nil {
		return err
	}
	// Should the host have resolvconf, the resolve plugin would call it
	// (the path is compiled in) and change the host's DNS: inside the
	// private mount namespace, a stand-in appends to our resolv.conf.
	stub := filepath.Join(c.Dir, "resolvconf")
	stubText := "#!/bin/sh\n[ \"$1\" = -a ] && cat >> '" + filepath.Join(c.Dir, "resolv.conf") + "'\nexit 0\n"
	if err := os.WriteFile(stub, []byte(stubText), 0o700); err != nil {
		return err
	}
	script := "set -e; mount -t tmpfs -o mode=0755 gh-run /run; " +
		"if [ -e /sbin/resolvconf ]; then mount --bind '" + stub + "' /sbin/resolvconf; fi; " +
		"exec " + CharonPath
	log, err := os.OpenFile(c.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer log.Close()
	c.cmd = exec.Command("ip", "netns", "exec", c.Namespace, "unshare", "--mount", "--propagation", "private", "sh", "-c", script)
	c.cmd.Env = append(os.Environ(), "STRONGSWAN_CONF="+c.conf)
	c.cmd.Stdout, c.cmd.Stderr = log, log
	if err := c.cmd.Start(); err != nil {
		return err
	}
	go func() {
		c.waitErr = c.cmd.Wait()
		close(c.exited)
	}()
	deadline := time.Now().Add(ReadyTimeout)
	for {
		_, err := c.Swanctl("--stats")
		if err == nil {
			return nil
		}
		select {
		case <-c.exited:
			return fmt.Errorf("charon exited during startup: %v", c.waitErr)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("vici socket %s not ready after %v: %w", c.URI, ReadyTimeout, err)
		}
	}
}

func (c *Charon) strongswanConf(plugins []string, extra string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# generated by services/ike/interop for %s in %s\n", c.Name, c.Namespace)
	b.WriteString("charon {\n")
	fmt.Fprintf(&b, "  load = %s\n", strings.Join(plugins, " "))
	b.WriteString("  install_routes = yes\n")
	b.WriteString("  filelog {\n    stderr {\n      time_format = %H:%M:%S\n      ike_name = yes\n      flush_line = yes\n")
	b.WriteString("      default = 1\n      ike = 2\n      cfg = 1\n      knl = 1\n    }\n  }\n")
	b.WriteString("  syslog {\n    daemon {\n      default = -1\n    }\n  }\n")
	b.WriteString("  plugins {\n")
	fmt.Fprintf(&b, "    vici {\n      socket = %s\n    }\n", c.URI)
	fmt.Fprintf(&b, "    resolve {\n      file = %s\n    }\n", filepath.Join(c.Dir, "resolv.conf"))
	b.WriteString("  }\n")
	if extra != "" {
		b.WriteString(extra)
		if !strings.HasSuffix(extra, "\n") {
			b.WriteString("\n")
		}
	}
	b.WriteString("}\n")
	return b.String()
}

// Stop ends charon (SIGTERM, then SIGKILL after 3 s) and waits for it. It
// is safe to call more than once.
func (c *Charon) Stop() {
	if c.cmd == nil || c.cmd.Process == nil {
		return
	}
	// ip netns exec, unshare and sh all exec, so this PID is charon's.
	peerkit.Terminate(c.cmd.Process, c.exited, syscall.SIGTERM, 3*time.Second)
}

// Exited is closed when the charon process has ended.
func (c *Charon) Exited() <-chan struct{} { return c.exited }

// LogTail returns the last n lines of charon's log.
func (c *Charon) LogTail(n int) string { return peerkit.LogTail(c.logPath, n) }

// LogPath is the file charon logs to.
func (c *Charon) LogPath() string { return c.logPath }

// Swanctl runs swanctl against this charon's vici socket, with this
// charon's swanctl directory, and returns its combined output. It runs on
// the host: the socket is a file and swanctl needs no namespace.
func (c *Charon) Swanctl(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), ExecTimeout)
	defer cancel()
	args = append(args, "--uri", c.URI)
	cmd := exec.CommandContext(ctx, SwanctlPath, args...)
	cmd.Env = append(os.Environ(), "STRONGSWAN_CONF="+c.conf, "SWANCTL_DIR="+c.SwanctlDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("charon %s: swanctl %s: %w: %s", c.Name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// SwanctlDir is this charon's swanctl directory (x509/, x509ca/,
// private/ and swanctl.conf).
func (c *Charon) SwanctlDir() string { return filepath.Join(c.Dir, "swanctl") }

// Load writes swanctlConf as the swanctl.conf of this charon and loads it
// together with every credential in the swanctl directory
// (swanctl --load-all).
func (c *Charon) Load(swanctlConf string) error {
	path := filepath.Join(c.SwanctlDir(), "swanctl.conf")
	if err := os.WriteFile(path, []byte(swanctlConf), 0o600); err != nil {
		return fmt.Errorf("charon %s: %w", c.Name, err)
	}
	out, err := c.Swanctl("--load-all", "--noprompt", "--file", path)
	if err != nil {
		return err
	}
	// swanctl exits 0 on some partial failures; its output says so.
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "failed") || strings.Contains(line, "error") {
			return fmt.Errorf("charon %s: swanctl --load-all: %s", c.Name, strings.TrimSpace(out))
		}
	}
	return nil
}

// AddCA writes ca's certificate to x509ca/NAME.pem; Load picks it up.
func (c *Charon) AddCA(name string, ca *Credential) error {
	return c.writeSwanctlFile(filepath.Join("x509ca", name+".pem"), ca.CertPEM())
}

// AddCert writes cred's certificate to x509/NAME.pem and its private key
// to private/NAME.pem; Load picks them up. swanctl.conf refers to the
// certificate as `certs = NAME.pem`.
func (c *Charon) AddCert(name string, cred *Credential) error {
	if err := c.writeSwanctlFile(filepath.Join("x509", name+".pem"), cred.CertPEM()); err != nil {
		return err
	}
	key, err := cred.KeyPEM()
	if err != nil {
		return fmt.Errorf("charon %s: key %s: %w", c.Name, name, err)
	}
	return c.writeSwanctlFile(filepath.Join("private", name+".pem"), key)
}

func (c *Charon) writeSwanctlFile(rel string, data []byte) error {
	if err := os.WriteFile(filepath.Join(c.SwanctlDir(), rel), data, 0o600); err != nil {
		return fmt.Errorf("charon %s: %w", c.Name, err)
	}
	return nil
}

// Initiate brings up child SA child (and its IKE SA) and waits up to
// timeout for the result.
func (c *Charon) Initiate(child string, timeout time.Duration) error {
	_, err := c.Swanctl("--initiate", "--child", child, "--timeout", seconds(timeout))
	return err
}

// Terminate deletes IKE SA (or connection) ike and waits for the delete
// to be acknowledged.
func (c *Charon) Terminate(ike string) error {
	_, err := c.Swanctl("--terminate", "--ike", ike, "--timeout", "5")
	return err
}

func seconds(d time.Duration) string {
	s := int((d + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	return strconv.Itoa(s)
}

// ListSAs returns the IKE SAs charon has, with their child SAs.
func (c *Charon) ListSAs() ([]IKESA, error) {
	out, err := c.Swanctl("--list-sas", "--pretty")
	if err != nil {
		return nil, err
	}
	sas, err := ParseListSAs(out)
	if err != nil {
		return nil, fmt.Errorf("charon %s: %w", c.Name, err)
	}
	return sas, nil
}

// WaitSAs polls ListSAs until cond holds or timeout passes, and returns the
// last list either way (with an error in the second case).
func (c *Charon) WaitSAs(timeout time.Duration, cond func([]IKESA) bool) ([]IKESA, error) {
	deadline := time.Now().Add(timeout)
	for {
		sas, err := c.ListSAs()
		if err == nil && cond(sas) {
			return sas, nil
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = errors.New("condition not met")
			}
			return sas, fmt.Errorf("charon %s: SAs after %v: %w", c.Name, timeout, err)
		}
		time.Sleep(50 * time.Millisecond) // polling the condition, not synchronising on time
	}
}

// VirtualIPs returns the virtual IPs assigned to this charon (local-vips of
// every IKE SA).
func (c *Charon) VirtualIPs() ([]netip.Addr, error) {
	sas, err := c.ListSAs()
	if err != nil {
		return nil, err
	}
	var vips []netip.Addr
	for _, sa := range sas {
		vips = append(vips, sa.LocalVIPs...)
	}
	return vips, nil
}

// ResolvConf returns the resolv.conf the resolve plugin writes DNS servers
// received in CFG_REPLY to; "" when none were received.
func (c *Charon) ResolvConf() (string, error) {
	data, err := os.ReadFile(filepath.Join(c.Dir, "resolv.conf"))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	return string(data), err
}
