package radius

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-vpn/gatehouse/internal/golden"
	wire "layeh.com/radius"
	"layeh.com/radius/rfc2866"
)

// seedSections reads testdata/seed001_radius.txt: seed line range ->
// the lines, book wraps included.
func seedSections(t *testing.T) map[string][]string {
	t.Helper()
	b, err := os.ReadFile("testdata/seed001_radius.txt")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, sec := range strings.Split(string(b), "\n### seed 001 lines ")[1:] {
		head, body, _ := strings.Cut(sec, "\n")
		out[head] = strings.Split(strings.TrimRight(body, "\n"), "\n")
	}
	return out
}

// TestSeedExtract keeps testdata honest: every line must be the seed's
// line of that number in the seed catalogue.
func TestSeedExtract(t *testing.T) {
	cat, err := os.ReadFile("../../../docs/dev/seedcat/show-outputs.ascii.txt")
	if err != nil {
		t.Skipf("seed catalogue not available: %v", err)
	}
	seed := map[int]string{}
	for _, rec := range strings.Split("\n"+string(cat), "\n### seed 001 line ")[1:] {
		head, body, _ := strings.Cut(rec, "\n")
		n, err := strconv.Atoi(head[:strings.IndexByte(head, ':')])
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range strings.Split(strings.TrimRight(body, "\n"), "\n") {
			seed[n+i] = l
		}
	}
	for rng, lines := range seedSections(t) {
		var first int
		fmt.Sscanf(rng, "%d-", &first)
		for i, l := range lines {
			if got, ok := seed[first+i]; !ok || got != l {
				t.Errorf("seed line %d: testdata %q, catalogue %q", first+i, l, got)
			}
		}
	}
}

// joinWraps undoes the book's line wraps: a Cisco AV-pair cut after
// "audit-session-", a Send line cut before "id".
func joinWraps(lines []string) []string {
	var out []string
	for _, l := range lines {
		n := len(out)
		switch {
		case n > 0 && strings.HasSuffix(out[n-1], `"audit-session-`) && strings.HasPrefix(l, "id="):
			out[n-1] += l
		case n > 0 && strings.HasPrefix(l, "id ") && strings.Contains(out[n-1], ": Send "):
			out[n-1] += " " + l
		default:
			out = append(out, l)
		}
	}
	return out
}

// seedPacket builds the wire form of a packet of the seed.
type seedPacket struct {
	code  wire.Code
	id    byte
	auth  string // the authenticator line's hex
	attrs []*wire.AVP
	total int // fill the packet up to this length with Class attributes (the seed omits the rest)
}

func (s seedPacket) bytes(t *testing.T) []byte {
	t.Helper()
	p := &wire.Packet{Code: s.code, Identifier: s.id, Attributes: s.attrs}
	a, err := hex.DecodeString(strings.NewReplacer(" ", "", "-", "").Replace(s.auth))
	if err != nil || len(a) != 16 {
		t.Fatalf("authenticator %q", s.auth)
	}
	copy(p.Authenticator[:], a)
	b, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	for left := s.total - len(b); left > 0; {
		n := min(left, 255)
		if left-n == 1 { // no attribute is 1 octet long
			n--
		}
		p.Add(25, make(wire.Attribute, n-2))
		left -= n
	}
	if b, err = p.MarshalBinary(); err != nil {
		t.Fatal(err)
	}
	if s.total != 0 && len(b) != s.total {
		t.Fatalf("filled to %d, want %d", len(b), s.total)
	}
	return b
}

func str(t wire.Type, s string) *wire.AVP { return &wire.AVP{Type: t, Attribute: wire.Attribute(s)} }
func num(t wire.Type, n uint32) *wire.AVP { return &wire.AVP{Type: t, Attribute: wire.NewInteger(n)} }
func ip4(t wire.Type, s string) *wire.AVP {
	a := netip.MustParseAddr(s).As4()
	return &wire.AVP{Type: t, Attribute: a[:]}
}
func octets(t wire.Type, h string) *wire.AVP {
	b, err := hex.DecodeString(strings.ReplaceAll(h, " ", ""))
	if err != nil {
		panic(err)
	}
	return &wire.AVP{Type: t, Attribute: b}
}
func avpair(s string) *wire.AVP {
	p := &wire.Packet{}
	if err := AddCiscoAVPair(p, s); err != nil {
		panic(err)
	}
	return p.Attributes[0]
}

// Attribute types of the seed's packets.
const (
	tUserName, tUserPassword, tNASIP, tServiceType                = 1, 2, 4, 6
	tCalling, tAcctStatus, tAcctDelay, tAcctIn, tAcctOut          = 31, 40, 41, 42, 43
	tAcctSessID, tAcctAuthentic, tAcctTime, tAcctInPk, tAcctOutPk = 44, 45, 46, 47, 48
	tAcctCause, tEAP, tMA                                         = 49, 79, 80
)

const (
	audit45 = "audit-session-id=L2L40A683111ZO2L40A6869A2ZH1194E6AZO45"
	auditO8 = "audit-session-id=L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZO8"
	auditO3 = "audit-session-id=L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZO3"
	auditN  = "audit-session-id=L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZN34"
)

// TestDebugLinesSeed renders the packets of seed 001's "debug radius"
// samples and compares them with the seed, line for line. Where the book
// cut a dump short ("prefix"), the seed's lines must begin ours.
//
// In the EAP samples (lines 239-294) the book replaced three values
// without changing their lengths, which the packet lengths (196, 229)
// confirm: those packets are built with values of the printed lengths, and
// bookEdits puts them in place of the book's text.
var bookEdits = []struct{ book, ours string }{
	{`[1]   4   "User1"`, `[1]   4   "p1"`}, // the EAP identity: the EAP-Message octets 70 31 say "p1"
	{`[1]   22  "isakmp-phase1-id=router1"`, `[1]   22  "isakmp-phase1-id=rt1"`},
	{`[31]  16  "172.16.1.2"`, `[31]  16  "172.16.100.100"`},
	// The EAP-Message dump: "p1" again, and the bracket in the column of
	// the full line 254 (see hexLines).
	{"02 3B 00 07 01 70 31               [ ;User1]", "02 3B 00 07 01 70 31" + strings.Repeat(" ", 37) + "[ ;p1]"},
}

func TestDebugLinesSeed(t *testing.T) {
	server1812 := netip.MustParseAddrPort("172.16.1.3:1812")
	server1645 := netip.MustParseAddrPort("172.16.1.3:1645")
	server1646 := netip.MustParseAddrPort("172.16.1.3:1646")
	eapRequest := []*wire.AVP{num(tServiceType, 1), avpair("service-type=Login"), avpair("isakmp-phase1-id=rt1"),
		str(tCalling, "172.16.100.100"), avpair(audit45), str(tUserName, "p1")}
	acctStart := []*wire.AVP{str(tAcctSessID, "00000007"), str(tCalling, "172.16.1.1"), avpair(auditO8),
		avpair("isakmp-phase1-id=router1.domain1"), avpair("isakmp-initator-ip=172.16.1.1"),
		str(tUserName, "router1.domain1"), avpair("connect-progress=No Progress"), num(tAcctAuthentic, 2),
		num(tAcctStatus, 1), ip4(tNASIP, "172.16.1.2"), num(tAcctDelay, 0)}
	acctStop := []*wire.AVP{str(tAcctSessID, "00000007"), str(tCalling, "172.16.1.1"), avpair(auditO8),
		avpair("isakmp-phase1-id=router1.domain1"), avpair("isakmp-initator-ip=172.16.1.1"),
		str(tUserName, "router1.domain1"), num(tAcctAuthentic, 2), avpair("connect-progress=No Progress"),
		num(tAcctTime, 34), num(tAcctIn, 13020), num(tAcctOut, 17640), num(tAcctInPk, 105), num(tAcctOutPk, 105),
		num(tAcctCause, 0), avpair("disc-cause-ext=No Reason"), num(tAcctStatus, 2), ip4(tNASIP, "172.16.1.2"),
		num(tAcctDelay, 0)}
	hidden := octets(tUserPassword, "00112233445566778899AABBCCDDEEFF")

	for _, tc := range []struct {
		lines  string // seed line range
		prefix bool
		before []string // lines before the packet dump
		pkt    seedPacket
		after  []string
	}{
		{lines: "239-255",
			before: []string{sendLine(0x49, wire.CodeAccessRequest, server1812, 1645, 36, 196)},
			pkt: seedPacket{code: wire.CodeAccessRequest, id: 36, auth: "5A 04 CC CF DA 86 4C D3 - 4E B8 8A F3 75 47 52 81",
				attrs: append(eapRequest[:6:6], octets(tEAP, "02 3B 00 07 01 70 31"),
					octets(tMA, "41 41 1E 2B 3B B9 4A 55 F0 1C 04 0A D4 60 62 86"), ip4(tNASIP, "10.104.49.17"))}},
		{lines: "259-262", prefix: true,
			before: []string{receivedLine(1645, 36, server1812, wire.CodeAccessChallenge, 1159)},
			pkt: seedPacket{code: wire.CodeAccessChallenge, id: 36, auth: "52 73 15 7B 6F A2 46 38 - 7D 6B EB 3D 81 88 71 D0",
				attrs: []*wire.AVP{num(tServiceType, 7), octets(tEAP, "01 3C 00 16 04 10 00112233445566778899AABBCCDDEEFF")}, total: 1159}},
		{lines: "282-294", prefix: true,
			before: []string{sendLine(0x49, wire.CodeAccessRequest, server1812, 1645, 37, 229)},
			pkt: seedPacket{code: wire.CodeAccessRequest, id: 37, auth: "3B 58 59 F2 D3 AC F8 18 - 5C E8 6C C2 A9 BD 1B B9",
				attrs: append(eapRequest[:6:6], octets(tEAP, "02 3C 00 16 04 10 00112233445566778899AABBCCDDEEFF")), total: 229}},
		{lines: "298-301", prefix: true,
			before: []string{receivedLine(1645, 37, server1812, wire.CodeAccessAccept, 1127)},
			pkt: seedPacket{code: wire.CodeAccessAccept, id: 37, auth: "7B 7A B6 8B 64 E1 2D 03 - 86 74 B9 21 39 A7 1B FB",
				attrs: []*wire.AVP{num(tServiceType, 7), octets(tEAP, "03 3C 00 04")}, total: 1127}},
		{lines: "484-496",
			before: []string{encodeLine(netip.MustParseAddr("172.16.1.2"), server1645.Addr()),
				sendLine(0x0E, wire.CodeAccessRequest, server1645, 1645, 2, 131)},
			pkt: seedPacket{code: wire.CodeAccessRequest, id: 2, auth: "11 DD F2 16 3C 32 7A 9F - 26 6E AA DA 92 8D 99 8D",
				attrs: []*wire.AVP{str(tUserName, "router1"), hidden, str(tCalling, "172.16.1.1"), avpair(auditO3),
					num(tServiceType, 5), ip4(tNASIP, "172.16.1.2")}},
			after: []string{sendingLine(0x0E, server1645), startedLine(0x0E, 5*time.Second)}},
		{lines: "500-510",
			before: []string{receivedLine(1645, 2, server1645, wire.CodeAccessAccept, 172)},
			pkt: seedPacket{code: wire.CodeAccessAccept, id: 2, auth: "B0 26 56 33 0F 1D 11 07 - A2 BE 8F 63 DD 71 DB B1",
				attrs: []*wire.AVP{avpair("ipsec:route-set=interface"), avpair("ipsec:route-accept=any"),
					avpair("ipsec:route-set=prefix 192.168.1.1/24"), avpair("ipsec:tunnel-password=pre_shared_key")}},
			after: []string{receivedDoneLine(0x0E, 1645, 2)}},
		{lines: "574-591",
			before: []string{sendLine(0x11, wire.CodeAccountingRequest, server1646, 1646, 9, 256)},
			pkt:    seedPacket{code: wire.CodeAccountingRequest, id: 9, auth: "6A 7A 8F EA 4E 10 E9 CE - 8C C9 EC A8 C4 70 C7 9F", attrs: acctStart}},
		{lines: "602-628",
			before: []string{sendLine(0x11, wire.CodeAccountingRequest, server1646, 1646, 10, 324)},
			pkt:    seedPacket{code: wire.CodeAccountingRequest, id: 10, auth: "6E 18 B4 4F E0 B5 C0 09 - 9F B9 FC 01 5A D4 69 6F", attrs: acctStop}},
		{lines: "955-962", prefix: true,
			before: []string{sendLine(0xD0, wire.CodeAccessRequest, server1645, 1645, 37, 132)},
			pkt: seedPacket{code: wire.CodeAccessRequest, id: 37, auth: "E0 93 9F 13 28 EB 8A EA - 64 46 2B 52 53 CF D1 33",
				attrs: []*wire.AVP{str(tUserName, "router1"), hidden, str(tCalling, "172.16.1.1"), avpair(auditN),
					num(tServiceType, 5), ip4(tNASIP, "172.16.1.2")}, total: 132}},
		{lines: "966-971", prefix: true,
			before: []string{sendLine(0xD3, wire.CodeAccountingRequest, server1646, 1646, 96, 267)},
			pkt: seedPacket{code: wire.CodeAccountingRequest, id: 96, auth: "DD 1D 68 F4 B0 EF 11 DA - 91 22 C2 9E 7C 86 5F A7",
				attrs: []*wire.AVP{str(tCalling, "172.16.1.1"), avpair(auditN)}, total: 267}},
		{lines: "1024-1029", prefix: true,
			before: []string{sendLine(0xD3, wire.CodeAccountingRequest, server1646, 1646, 97, 335)},
			pkt: seedPacket{code: wire.CodeAccountingRequest, id: 97, auth: "9E 05 29 DA EF 2B 44 37 - 89 5A DC F0 0B 71 70 FA",
				attrs: []*wire.AVP{str(tCalling, "172.16.1.1"), avpair(auditN)}, total: 335}},
	} {
		t.Run(tc.lines, func(t *testing.T) {
			want := joinWraps(seedSections(t)[tc.lines])
			if want == nil {
				t.Fatalf("no section %s", tc.lines)
			}
			for i, l := range want {
				for _, e := range bookEdits {
					l = strings.Replace(l, e.book, e.ours, 1)
				}
				want[i] = l
			}
			got := append(append(tc.before, DebugLines(tc.pkt.bytes(t))...), tc.after...)
			if tc.prefix && len(got) > len(want) {
				got = got[:len(want)]
			}
			if g, w := strings.Join(got, "\n"), strings.Join(want, "\n"); g != w {
				t.Errorf("seed 001 lines %s:\n got:\n%s\nwant:\n%s", tc.lines, g, w)
			}
		})
	}
}

// TestDebugLinesValues covers the value renderings the seed does not show.
func TestDebugLinesValues(t *testing.T) {
	ms := func(typ byte, v string) *wire.AVP {
		b := []byte{0, 0, 1, 0x37, typ, byte(2 + len(v))}
		return &wire.AVP{Type: 26, Attribute: append(b, v...)}
	}
	pkt := seedPacket{code: wire.CodeAccessAccept, id: 1, auth: "00 11 22 33 44 55 66 77 - 88 99 AA BB CC DD EE FF",
		attrs: []*wire.AVP{
			ip4(8, "10.0.0.7"), num(27, 3600), num(61, 5), num(49, 4), num(6, 99), str(88, "pool\x1b[31m1"),
			octets(24, "000102030405060708090A0B0C0D0E0F4142"), octets(64, "01000009"), octets(65, "01000001"),
			str(81, "\x02vlan10"), octets(69, "01 8001 00112233445566778899AABBCCDDEEFF"),
			octets(97, "0040 20010db8000000010000000000000000"), octets(95, "20010db8000000000000000000000001"),
			ms(16, "0123456789abcdef0123456789"), ms(99, "xy"),
			octets(26, "00000009 0105 616263 03"), // a Cisco VSA whose second sub-attribute breaks off
			octets(26, "0000FFFF 0104 6869"), octets(200, "CAFE"), octets(8, "0A00"),
		}}
	got := strings.Join(DebugLines(pkt.bytes(t)), "\n")
	want := strings.Join([]string{
		"RADIUS:  authenticator 00 11 22 33 44 55 66 77 - 88 99 AA BB CC DD EE FF",
		"RADIUS:  Framed-IP-Address   [8]   6   10.0.0.7",
		"RADIUS:  Session-Timeout     [27]  6   3600",
		"RADIUS:  NAS-Port-Type       [61]  6   Virtual                   [5]",
		"RADIUS:  Acct-Terminate-Cause[49]  6   idle-timeout              [4]",
		"RADIUS:  Service-Type        [6]   6   Unknown                   [99]",
		`RADIUS:  Framed-Pool         [88]  12  "pool.[31m1"`,
		"RADIUS:  State               [24]  20",
		"RADIUS:   00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F          [ ]",
		"RADIUS:   41 42                                                    [ AB]",
		"RADIUS:  Tunnel-Type         [64]  6   01:ESP                    [9]",
		"RADIUS:  Tunnel-Medium-Type  [65]  6   01:IPv4                   [1]",
		`RADIUS:  Tunnel-Private-Group[81]  9   02:"vlan10"`,
		"RADIUS:  Tunnel-Password     [69]  21  *",
		"RADIUS:  Framed-IPv6-Prefix  [97]  20  2001:db8:0:1::/64",
		"RADIUS:  NAS-IPv6-Address    [95]  18  2001:db8::1",
		"RADIUS:  Vendor, Microsoft   [26]  34",
		"RADIUS:   MS-MPPE-Send-Key   [16]  28  *",
		"RADIUS:  Vendor, Microsoft   [26]  10",
		"RADIUS:   Unknown            [99]  4",
		"RADIUS:   78 79                                                    [ xy]",
		"RADIUS:  Vendor, Cisco       [26]  12",
		`RADIUS:   Cisco AVpair       [1]   5   "abc"`,
		"RADIUS:   03                                                       [ ]",
		"RADIUS:  Vendor, 65535       [26]  10",
		"RADIUS:   01 04 68 69                                              [ hi]",
		"RADIUS:  200 4   CAFE",
		"RADIUS:  Framed-IP-Address   [8]   4",
		"RADIUS:   0A 00                                                    [ ]",
	}, "\n")
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if DebugLines(make([]byte, 19)) != nil {
		t.Error("a packet shorter than a header has no lines")
	}
}

// TestExchangeDebugGolden pins the lines a failover emits: the request to
// a silent server, its retransmission, the failover, the answer.
func TestExchangeDebugGolden(t *testing.T) {
	clock := newFakeClock()
	var mu sync.Mutex
	var lines []string
	sink := func(svc Service) func(string) {
		return func(l string) { mu.Lock(); lines = append(lines, svc.String()+" "+l); mu.Unlock() }
	}
	silent := newTestServer(t, secret, nil)
	live := newTestServer(t, secret, answerAll)
	c := testClient(t, clock, func(o *Options) { o.Debug = sink })
	a, b := serverFor("A", silent, 5*time.Second, 1), serverFor("B", live, 5*time.Second, 1)
	c.SetConfig(Config{Servers: []*Server{a, b}, Groups: []*Group{{Name: "g", Servers: []*Server{a, b}}}})

	req := accessRequest("router1", "cisco")
	req.Add(tNASIP, netip.MustParseAddr("127.0.0.1").AsSlice())
	ctx := WithUniqueID(testCtx(t), 0x0E)
	ch := exchangeAsync(c, ctx, "g", Authorization, req)
	for i := 1; i <= 2; i++ {
		clock.waitCalls(t, i)
		eventually(t, "a copy at A", func() bool { return silent.received() == i })
		clock.Advance(5 * time.Second)
	}
	if r := wait(t, ch); r.err != nil {
		t.Fatal(r.err)
	}
	silent.setHandler(answerAll)
	acct := accountingRequest(rfc2866.AcctStatusType_Value_Start)
	if _, err := c.Exchange(WithUniqueID(testCtx(t), 0x11), "g", Accounting, acct); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	text := strings.Join(lines, "\n") + "\n"
	mu.Unlock()
	for _, r := range []struct{ re, with string }{
		{`id \d+/`, "id PORT/"}, {`127\.0\.0\.1:\d+`, "127.0.0.1:PORT"}, {`,\d+\)`, ",PORT)"},
	} {
		text = regexp.MustCompile(r.re).ReplaceAllString(text, r.with)
	}
	golden.Check(t, "testdata/exchange_debug.golden", text)
}
