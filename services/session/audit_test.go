package session

import (
	"net/netip"
	"testing"
)

// Every audit-session-id in seed 001 (17 occurrences), with the session it names. The
// endpoints and session numbers come from the surrounding records: the
// "SESSION ID = N" of the debug lines and the "Session-id" of show output.
var seedAuditIDs = []struct {
	line          int
	local, remote string
	session       uint32
	want          string
}{
	{249, "10.104.49.17:4500", "10.104.105.162:59040", 0x45, "L2L40A683111ZO2L40A6869A2ZH1194E6AZO45"},
	{292, "10.104.49.17:4500", "10.104.105.162:59040", 0x45, "L2L40A683111ZO2L40A6869A2ZH1194E6AZO45"},
	{492, "172.16.1.2:500", "172.16.1.1:500", 0x3, "L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZO3"},
	{580, "172.16.1.2:500", "172.16.1.1:500", 0x8, "L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZO8"},
	{962, "172.16.1.2:500", "172.16.1.1:500", 0x34, "L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZN34"},
	{999, "172.16.1.2:500", "172.16.1.1:500", 0x35, "L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZN35"},
	{609, "172.16.1.2:500", "172.16.1.1:500", 0x8, "L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZO8"},
	{971, "172.16.1.2:500", "172.16.1.1:500", 0x34, "L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZN34"},
	{1009, "172.16.1.2:500", "172.16.1.1:500", 0x34, "L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZN34"},
	{1029, "172.16.1.2:500", "172.16.1.1:500", 0x34, "L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZN34"},
	{1036, "172.16.1.2:500", "172.16.1.1:500", 0x34, "L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZN34"},
	{1164, "172.16.1.2:500", "172.16.1.1:500", 0x3c, "L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZN3C"},
	{1174, "172.16.1.2:500", "172.16.1.1:500", 0x3b, "L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZN3B"},
	{1184, "172.16.1.2:500", "172.16.1.1:500", 0x3b, "L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZN3B"},
	{1252, "172.16.1.2:500", "172.16.1.1:500", 0x3d, "L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZN3D"},
	{1265, "172.16.1.2:500", "172.16.1.1:500", 0x3d, "L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZN3D"},
	{1271, "172.16.1.2:500", "172.16.1.1:500", 0x3d, "L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZN3D"},
}

func TestAuditSessionIDSeed(t *testing.T) {
	for _, tc := range seedAuditIDs {
		got, err := AuditSessionID(netip.MustParseAddrPort(tc.local), netip.MustParseAddrPort(tc.remote), tc.session)
		if err != nil {
			t.Fatalf("seed line %d: %v", tc.line, err)
		}
		if got != tc.want {
			t.Errorf("seed line %d: AuditSessionID(%s, %s, %#x) = %s, want %s", tc.line, tc.local, tc.remote, tc.session, got, tc.want)
		}
	}
}

func TestCompressZeros(t *testing.T) {
	for in, want := range map[string]string{
		"":                          "",
		"0":                         "0",
		"00":                        "G",
		"A0B":                       "A0B",
		"A000000000000000000000B":   "AZB",  // 21 zeros
		"A0000000000000000000000B":  "AZ0B", // 22: Z, then a lone zero
		"A00000000000000000000000B": "AZGB",
	} {
		if got := compressZeros(in); got != want {
			t.Errorf("compressZeros(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAuditSessionIDRefusesIPv6(t *testing.T) {
	_, err := AuditSessionID(netip.MustParseAddrPort("[2001:db8::1]:500"), netip.MustParseAddrPort("[2001:db8::2]:500"), 1)
	if err == nil {
		t.Fatal("want an error for IPv6 endpoints")
	}
}
