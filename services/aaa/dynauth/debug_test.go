package dynauth

import (
	"encoding/binary"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"layeh.com/radius"
)

// seedRecords reads the seed catalogue's show and debug records by their
// "seed 001 line N" number.
func seedRecords(t *testing.T) map[string][]string {
	t.Helper()
	cat, err := os.ReadFile("../../../docs/dev/seedcat/show-outputs.ascii.txt")
	if err != nil {
		t.Fatalf("seed catalogue: %v", err)
	}
	out := map[string][]string{}
	for _, rec := range strings.Split("\n"+string(cat), "\n### ")[1:] {
		head, body, _ := strings.Cut(rec, "\n")
		line, _, _ := strings.Cut(strings.TrimPrefix(head, "seed 001 line "), ":")
		out[line] = strings.Split(strings.TrimRight(body, "\n"), "\n")
	}
	return out
}

// unwrap joins the book's line wraps in a record: each pair is a line end
// and the start of the next line, to be joined with sep.
func unwrap(lines []string, wraps ...[3]string) []string {
	text := strings.Join(lines, "\n")
	for _, w := range wraps {
		text = strings.Replace(text, w[0]+"\n"+w[1], w[0]+w[2]+w[1], 1)
	}
	return strings.Split(text, "\n")
}

// addressColumn is the memory address that starts an attribute list line.
var addressColumn = regexp.MustCompile(`^[0-9A-F]{8}( \d+ [0-9A-F]{8} )`)

func maskAddresses(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = addressColumn.ReplaceAllString(l, "XXXXXXXX$1")
	}
	return out
}

// seedExchange feeds pkt to a server as if 172.16.1.3:1700 had sent it to
// port 1700, as in the seed's lab, and returns the debug lines written up
// to the answer.
func seedExchange(t *testing.T, h Handler, kind Kind, pkt []byte) []string {
	t.Helper()
	var mu sync.Mutex
	var lines []string
	out := func(l string) {
		mu.Lock()
		lines = append(lines, l)
		mu.Unlock()
	}
	dac := netip.MustParseAddr("172.16.1.3")
	s := startServer(t, h, &Config{Address: loopback, IgnoreServerKey: true, Clients: []Client{{Addr: dac, Secret: []byte("k")}}},
		Options{Debug: func(k Kind) func(string) {
			if k != kind {
				t.Errorf("debug asked for %v, want %v", k, kind)
			}
			return out
		}})
	sent := make(chan []byte, 1)
	s.receive(pkt, netip.AddrPortFrom(dac, 1700), 1700, func(b []byte) error {
		sent <- b
		return nil
	})
	<-sent
	mu.Lock()
	defer mu.Unlock()
	return slices.Clone(lines)
}

// seedPacket is a request with the given authenticator and Cisco AV pairs.
func seedPacket(code radius.Code, id byte, auth []byte, pairs ...string) []byte {
	b := []byte{byte(code), id, 0, 0}
	b = append(b, auth...)
	for _, p := range pairs {
		vsa := ciscoVSA(p)
		b = append(b, attrVendorSpecific, byte(2+len(vsa)))
		b = append(b, vsa...)
	}
	binary.BigEndian.PutUint16(b[2:4], uint16(len(b)))
	return b
}

func compareLines(t *testing.T, got, want []string) {
	t.Helper()
	got, want = maskAddresses(got), maskAddresses(want)
	if !slices.Equal(got, want) {
		t.Errorf("debug lines\n got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

const seedAuditID34 = "L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZN34"

// TestDebugPoDACKIsSeed: seed 001:1005-1013, the PoD that deletes a
// session. The seed's packet is 84 bytes: one Cisco AV pair
// "ip:audit-session-id=...".
func TestDebugPoDACKIsSeed(t *testing.T) {
	seed := seedRecords(t)
	want := unwrap(seed["1005"], [3]string{"36 ", "L2L4", ""})
	want = append(append(want, ""), seed["1013"]...)
	pkt := seedPacket(radius.CodeDisconnectRequest, 6, make([]byte, 16), "ip:audit-session-id="+seedAuditID34)
	if len(pkt) != 84 {
		t.Fatalf("packet is %d bytes, the seed's 84", len(pkt))
	}
	got := seedExchange(t, NewFake(Identity{AuditSessionID: seedAuditID34}), KindDisconnect, pkt)
	compareLines(t, got, want)
}

// TestDebugPoDNAKIsSeed: seed 001:1033-1044, the PoD for a session that is
// gone.
func TestDebugPoDNAKIsSeed(t *testing.T) {
	want := seedRecords(t)["1033"]
	pkt := seedPacket(radius.CodeDisconnectRequest, 9, make([]byte, 16), "ip:audit-session-id="+seedAuditID34)
	got := seedExchange(t, NewFake(), KindDisconnect, pkt)
	compareLines(t, got, want)
}

// TestDebugCoAACKIsSeed: seed 001:1256-1275, the CoA that applies per-user
// ACLs. The seed shows the whole packet (151 bytes), authenticator
// included, so the request is rebuilt byte for byte.
func TestDebugCoAACKIsSeed(t *testing.T) {
	seed := seedRecords(t)
	want := unwrap(seed["1256"], [3]string{`"ip:audit-session-`, `id=`, ""}, [3]string{"36", "L2L4", " "})
	want = append(append(want, ""), seed["1275"]...)
	auth := []byte{0xAD, 0x54, 0x06, 0x14, 0xD9, 0x22, 0x22, 0x5C, 0x2E, 0x06, 0xC1, 0xCF, 0x86, 0x56, 0x41, 0xC3}
	const id = "L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZN3D"
	pkt := seedPacket(radius.CodeCoARequest, 4, auth, "ip:inacl#3=permit 1.1.1.1", "ip:outacl#4=permit 1.1.1.3", "ip:audit-session-id="+id)
	if len(pkt) != 151 {
		t.Fatalf("packet is %d bytes, the seed's 151", len(pkt))
	}
	got := seedExchange(t, NewFake(Identity{AuditSessionID: id}), KindCoA, pkt)
	compareLines(t, got, want)
}

// TestDebugCoAQoSAttributeList: the attribute list of seed 001:1182-1189
// (the packet itself is not reproducible: 103 of its 323 bytes are not
// shown).
func TestDebugCoAQoSAttributeList(t *testing.T) {
	seed := seedRecords(t)
	rec := seed["1168"]
	i := slices.Index(rec, " ++++++ CoA Attribute List ++++++")
	want := unwrap(rec[i:], [3]string{"36", "L2L4", " "}, [3]string{"input", "Input-QoS", " "}, [3]string{"output", "Output-QoS", " "})
	const id = "L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZN3B"
	pkt := seedPacket(radius.CodeCoARequest, 1, make([]byte, 16), "ip:audit-session-id="+id,
		"ip:interface-config=service-policy input Input-QoS-policy-2", "ip:interface-config=service-policy output Output-QoS-policy-2")
	got := seedExchange(t, NewFake(Identity{AuditSessionID: id}), KindCoA, pkt)
	j := slices.Index(got, " ++++++ CoA Attribute List ++++++")
	if j < 0 || len(got) < j+len(want) {
		t.Fatalf("no attribute list in\n%s", strings.Join(got, "\n"))
	}
	compareLines(t, got[j:j+len(want)], want)
	// The packet dump before it is the seed's, line for line, but for the
	// authenticator.
	dump := unwrap(rec[2:i-1], [3]string{"20", "0F", " "}, [3]string{`"ip:audit-session-id=`, "L2L4", ""},
		[3]string{`"ip:interface-config=`, "service-policy input", ""}, [3]string{`"ip:interface-config=`, "service-policy output", ""})
	compareLines(t, got[2 : 2+len(dump)][1:], dump[1:])
}

func TestDebugOffFormatsNothing(t *testing.T) {
	var asked atomic.Int32
	s := startServer(t, NewFake(Identity{AuditSessionID: testAuditID}), nil, Options{Debug: func(Kind) func(string) {
		asked.Add(1)
		return nil
	}})
	c := newDAC(t, netip.Addr{}, s.LocalAddr())
	p := newPacket(radius.CodeDisconnectRequest, 1, testSecret)
	addAVPair(p, "audit-session-id="+testAuditID)
	if resp := c.exchange(encode(t, p, false), testSecret); resp.Code != radius.CodeDisconnectACK {
		t.Errorf("answer %v", resp.Code)
	}
	if n := asked.Load(); n != 1 {
		t.Errorf("debug asked %d times", n)
	}
}
