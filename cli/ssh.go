package cli

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/configdb/secret"
	"github.com/gatehouse-vpn/gatehouse/modes"
)

// hostKeyMeta is where the SSH host key lives in the database (outside the
// running configuration, so it never shows in show running-config).
const hostKeyMeta = "ssh-host-key-ed25519"

// SSHServer is the embedded SSH server of the vty lines.
type SSHServer struct {
	env   *modes.Env
	lines *Lines
	cfg   *ssh.ServerConfig
	ln    net.Listener
}

// NewSSHServer loads (or creates and stores) the host key and sets up
// password authentication against the local username database.
func NewSSHServer(env *modes.Env, lines *Lines) (*SSHServer, error) {
	key, err := hostKey(env.DB)
	if err != nil {
		return nil, err
	}
	s := &SSHServer{env: env, lines: lines}
	s.cfg = &ssh.ServerConfig{
		PasswordCallback: s.checkPassword,
		MaxAuthTries:     3,
		ServerVersion:    "SSH-2.0-Gatehouse",
	}
	s.cfg.AddHostKey(key)
	return s, nil
}

func hostKey(db *configdb.DB) (ssh.Signer, error) {
	if seed, ok := db.GetMeta(hostKeyMeta); ok && len(seed) == ed25519.SeedSize {
		return ssh.NewSignerFromKey(ed25519.NewKeyFromSeed(seed))
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	if err := db.PutMeta(hostKeyMeta, priv.Seed()); err != nil {
		return nil, fmt.Errorf("cli: store SSH host key: %w", err)
	}
	return ssh.NewSignerFromKey(priv)
}

// loginTimeout bounds an AAA login (RADIUS servers, their fail-over).
const loginTimeout = 30 * time.Second

// errAuth is deliberately uninformative: nothing says whether the user or
// the password was wrong.
var errAuth = errors.New("authentication failed")

// checkPassword authenticates a vty login against the local usernames.
func (s *SSHServer) checkPassword(meta ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
	if s.env.Login != nil {
		// AAA: "aaa authentication login" lists (RADIUS, local fallback).
		ctx, cancel := context.WithTimeout(context.Background(), loginTimeout)
		defer cancel()
		priv, err := s.env.Login(ctx, "vty 0", meta.User(), string(pw))
		if err != nil {
			return nil, errAuth
		}
		return &ssh.Permissions{Extensions: map[string]string{"privilege": strconv.Itoa(priv)}}, nil
	}
	var u schema.Username
	var found bool
	s.env.DB.View(func(tx *configdb.ReadTx) error {
		found, _ = tx.GetJSON(schema.KindUsername, meta.User(), &u)
		return nil
	})
	stored := u.Secret
	if stored == nil {
		stored = u.Password
	}
	if !found || stored == nil {
		// Spend the same time as a real check so timing says nothing.
		secret.Check(9, "$9$aaaaaaaaaaaaaa$aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", string(pw))
		return nil, errAuth
	}
	if !secret.Check(stored.Type, stored.Value, string(pw)) {
		return nil, errAuth
	}
	return &ssh.Permissions{Extensions: map[string]string{"privilege": strconv.Itoa(u.PrivilegeLevel())}}, nil
}

// ListenAndServe starts accepting connections on addr in the background.
func (s *SSHServer) ListenAndServe(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.ln = ln
	go s.serve()
	return nil
}

// Addr is the listening address.
func (s *SSHServer) Addr() net.Addr { return s.ln.Addr() }

// Close stops accepting connections.
func (s *SSHServer) Close() error { return s.ln.Close() }

func (s *SSHServer) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		go s.handleConn(c)
	}
}

func (s *SSHServer) handleConn(c net.Conn) {
	defer c.Close()
	conn, chans, reqs, err := ssh.NewServerConn(c, s.cfg)
	if err != nil {
		return
	}
	defer conn.Close()
	go ssh.DiscardRequests(reqs)
	priv, _ := strconv.Atoi(conn.Permissions.Extensions["privilege"])
	host, _, _ := net.SplitHostPort(conn.RemoteAddr().String())
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "only session channels")
			continue
		}
		ch, creqs, err := nc.Accept()
		if err != nil {
			continue
		}
		go s.session(ch, creqs, conn.User(), host, priv)
	}
}

// ptyRequest is the payload of "pty-req" (RFC 4254 6.2).
type ptyRequest struct {
	Term          string
	Width, Height uint32
	PxW, PxH      uint32
	Modes         string
}

// session serves one SSH session channel: a shell with a pty runs the
// interactive editor; a shell without one (ssh host < file) or an exec
// request runs a script and reports the exit status.
func (s *SSHServer) session(ch ssh.Channel, reqs <-chan *ssh.Request, user, host string, priv int) {
	defer ch.Close()
	var pty *ptyRequest
	var editor *Editor
	var started bool
	for req := range reqs {
		switch req.Type {
		case "pty-req":
			var p ptyRequest
			if ssh.Unmarshal(req.Payload, &p) == nil {
				pty = &p
			}
			req.Reply(pty != nil, nil)
		case "window-change":
			if editor != nil && len(req.Payload) >= 8 {
				editor.SetSize(int(binary.BigEndian.Uint32(req.Payload)), int(binary.BigEndian.Uint32(req.Payload[4:])))
			}
			req.Reply(true, nil)
		case "env":
			req.Reply(true, nil)
		case "shell", "exec":
			if started {
				req.Reply(false, nil)
				continue
			}
			started = true
			req.Reply(true, nil)
			id := "vty " + strconv.Itoa(s.lines.Next("vty"))
			sess := NewSession(s.env, Config{ID: id, User: user, Host: host, Privilege: priv, Lines: s.lines})
			if req.Type == "shell" && pty != nil {
				editor = NewEditor(sess, NewKeyboard(ch), ch, int(pty.Width), int(pty.Height))
				go func() {
					editor.Run()
					sess.Close()
					ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{0}))
					ch.Close()
				}()
				continue
			}
			var script []byte
			if req.Type == "exec" {
				var cmd struct{ Command string }
				ssh.Unmarshal(req.Payload, &cmd)
				script = []byte(cmd.Command + "\n")
			}
			go func(script []byte) {
				var failed int
				if script != nil {
					failed, _ = RunScript(sess, bytes.NewReader(script), WriterSink{W: ch})
				} else {
					failed, _ = RunScript(sess, ch, WriterSink{W: ch})
				}
				sess.Close()
				status := uint32(0)
				if failed > 0 {
					status = 1
				}
				ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{status}))
				ch.Close()
			}(script)
		default:
			req.Reply(false, nil)
		}
	}
}
