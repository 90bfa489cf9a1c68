package interop

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// IKESA is one IKE SA as `swanctl --list-sas` reports it. Raw keeps every
// key/value of the vici message for fields without a typed counterpart.
type IKESA struct {
	Name         string // connection name
	UniqueID     string
	Version      int
	State        string // ESTABLISHED, CONNECTING, ...
	Initiator    bool
	InitiatorSPI string
	ResponderSPI string
	LocalHost    netip.Addr
	LocalPort    int
	LocalID      string
	RemoteHost   netip.Addr
	RemotePort   int
	RemoteID     string
	RemoteEAPID  string
	RemoteXAuth  string
	// NAT flags as charon detected them: NATLocal means this side is
	// behind NAT, NATRemote the peer; NATFake and NATAny are NAT-T forced.
	NATLocal, NATRemote, NATFake, NATAny bool
	EncrAlg                              string
	EncrKeysize                          int
	IntegAlg                             string
	PRFAlg                               string
	DHGroup                              string
	Established                          time.Duration // age
	RekeyTime                            time.Duration // until rekeying
	ReauthTime                           time.Duration // until reauthentication
	LocalVIPs                            []netip.Addr  // virtual IPs assigned to this side
	RemoteVIPs                           []netip.Addr  // virtual IPs this side assigned to the peer
	Children                             []ChildSA
	Raw                                  map[string]string
}

// NATDetected reports whether either side was found (or forced) behind NAT.
func (s IKESA) NATDetected() bool { return s.NATLocal || s.NATRemote || s.NATFake || s.NATAny }

// ChildSA is one child SA of an IKESA. Its UniqueID changes on every
// rekey; the byte and packet counters are since installation.
type ChildSA struct {
	Name        string // child config name
	UniqueID    string
	ReqID       string
	State       string // INSTALLED, REKEYED, ...
	Mode        string // TUNNEL, TRANSPORT
	Protocol    string // ESP, AH
	Encap       bool   // UDP-encapsulated (NAT-T)
	SPIIn       string // hex
	SPIOut      string // hex
	EncrAlg     string
	EncrKeysize int
	IntegAlg    string
	DHGroup     string
	BytesIn     uint64
	PacketsIn   uint64
	BytesOut    uint64
	PacketsOut  uint64
	RekeyTime   time.Duration // until rekeying
	LifeTime    time.Duration // until expiry
	InstallTime time.Duration // age
	LocalTS     []string
	RemoteTS    []string
	Raw         map[string]string
}

// viciSection is one section of a vici message as swanctl --pretty prints
// it: key = value lines, key = [ ... ] lists and name { ... } subsections.
type viciSection struct {
	name   string
	values map[string]string
	lists  map[string][]string
	subs   []*viciSection
}

func newViciSection(name string) *viciSection {
	return &viciSection{name: name, values: map[string]string{}, lists: map[string][]string{}}
}

// parseVici parses the output of a swanctl command run with --pretty into
// a root section whose subsections are the messages printed.
func parseVici(out string) (*viciSection, error) {
	root := newViciSection("")
	stack := []*viciSection{root}
	var list *string // name of the list being read, nil outside lists
	var items []string
	for n, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		cur := stack[len(stack)-1]
		switch {
		case line == "":
		case list != nil && line == "]":
			cur.lists[*list] = items
			list, items = nil, nil
		case list != nil:
			items = append(items, line)
		case strings.HasSuffix(line, " {"):
			s := newViciSection(strings.TrimSuffix(line, " {"))
			cur.subs = append(cur.subs, s)
			stack = append(stack, s)
		case line == "}":
			if len(stack) == 1 {
				return nil, fmt.Errorf("vici output line %d: unbalanced }", n+1)
			}
			stack = stack[:len(stack)-1]
		case strings.HasSuffix(line, " = ["):
			name := strings.TrimSuffix(line, " = [")
			list, items = &name, []string{}
		default:
			k, v, ok := strings.Cut(line, " = ")
			if !ok {
				// A value-less key prints as "key = " and trims to "key =".
				k, ok = strings.CutSuffix(line, " =")
			}
			if !ok {
				return nil, fmt.Errorf("vici output line %d: unexpected %q", n+1, line)
			}
			cur.values[k] = v
		}
	}
	if len(stack) != 1 || list != nil {
		return nil, fmt.Errorf("vici output: truncated")
	}
	return root, nil
}

// ParseListSAs parses the output of `swanctl --list-sas --pretty`.
func ParseListSAs(out string) ([]IKESA, error) {
	root, err := parseVici(out)
	if err != nil {
		return nil, err
	}
	var sas []IKESA
	for _, msg := range root.subs {
		if msg.name != "list-sa event" {
			continue
		}
		for _, s := range msg.subs {
			sas = append(sas, ikeSAFrom(s))
		}
	}
	return sas, nil
}

func ikeSAFrom(s *viciSection) IKESA {
	v := s.values
	sa := IKESA{
		Name:         s.name,
		UniqueID:     v["uniqueid"],
		Version:      atoi(v["version"]),
		State:        v["state"],
		Initiator:    v["initiator"] == "yes",
		InitiatorSPI: v["initiator-spi"],
		ResponderSPI: v["responder-spi"],
		LocalHost:    addr(v["local-host"]),
		LocalPort:    atoi(v["local-port"]),
		LocalID:      v["local-id"],
		RemoteHost:   addr(v["remote-host"]),
		RemotePort:   atoi(v["remote-port"]),
		RemoteID:     v["remote-id"],
		RemoteEAPID:  v["remote-eap-id"],
		RemoteXAuth:  v["remote-xauth-id"],
		NATLocal:     v["nat-local"] == "yes",
		NATRemote:    v["nat-remote"] == "yes",
		NATFake:      v["nat-fake"] == "yes",
		NATAny:       v["nat-any"] == "yes",
		EncrAlg:      v["encr-alg"],
		EncrKeysize:  atoi(v["encr-keysize"]),
		IntegAlg:     v["integ-alg"],
		PRFAlg:       v["prf-alg"],
		DHGroup:      v["dh-group"],
		Established:  secs(v["established"]),
		RekeyTime:    secs(v["rekey-time"]),
		ReauthTime:   secs(v["reauth-time"]),
		LocalVIPs:    addrs(s.lists["local-vips"]),
		RemoteVIPs:   addrs(s.lists["remote-vips"]),
		Raw:          v,
	}
	for _, sub := range s.subs {
		if sub.name != "child-sas" {
			continue
		}
		for _, c := range sub.subs {
			cv := c.values
			sa.Children = append(sa.Children, ChildSA{
				Name:        cv["name"],
				UniqueID:    cv["uniqueid"],
				ReqID:       cv["reqid"],
				State:       cv["state"],
				Mode:        cv["mode"],
				Protocol:    cv["protocol"],
				Encap:       cv["encap"] == "yes",
				SPIIn:       cv["spi-in"],
				SPIOut:      cv["spi-out"],
				EncrAlg:     cv["encr-alg"],
				EncrKeysize: atoi(cv["encr-keysize"]),
				IntegAlg:    cv["integ-alg"],
				DHGroup:     cv["dh-group"],
				BytesIn:     atou(cv["bytes-in"]),
				PacketsIn:   atou(cv["packets-in"]),
				BytesOut:    atou(cv["bytes-out"]),
				PacketsOut:  atou(cv["packets-out"]),
				RekeyTime:   secs(cv["rekey-time"]),
				LifeTime:    secs(cv["life-time"]),
				InstallTime: secs(cv["install-time"]),
				LocalTS:     c.lists["local-ts"],
				RemoteTS:    c.lists["remote-ts"],
				Raw:         cv,
			})
		}
	}
	return sa
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func atou(s string) uint64 {
	n, _ := strconv.ParseUint(s, 10, 64)
	return n
}

func secs(s string) time.Duration { return time.Duration(atoi(s)) * time.Second }

func addr(s string) netip.Addr {
	a, _ := netip.ParseAddr(s)
	return a
}

func addrs(ss []string) []netip.Addr {
	var out []netip.Addr
	for _, s := range ss {
		if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, a)
		}
	}
	return out
}
