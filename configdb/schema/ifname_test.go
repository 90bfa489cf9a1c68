package schema

import "testing"

func TestCanonicalIfName(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ios      bool
	}{
		{"e0/0", "Ethernet0/0", true},
		{"E0/0.10", "Ethernet0/0.10", true},
		{"gi0/1", "GigabitEthernet0/1", true},
		{"f0/1", "FastEthernet0/1", true},
		{"te1/1", "TenGigabitEthernet1/1", true},
		{"l0", "Loopback0", true},
		{"tu1", "Tunnel1", true},
		{"virtual-a7", "Virtual-Access7", true},
		{"Virtual-Template2", "Virtual-Template2", true},
		{"Loopback0/1/2", "Loopback0/1/2", true},
		// Linux link names, even where they look like IOS abbreviations.
		{"eth0", "eth0", false},
		{"eth0.100", "eth0.100", false},
		{"tun1", "tun1", false},
		{"ens3", "ens3", false},
		// Ambiguous prefixes, unknown types and malformed numbers.
		{"t1", "t1", false},
		{"v1", "v1", false},
		{"vi7", "vi7", false},
		{"x1", "x1", false},
		{"e0/", "e0/", false},
		{"Loopback", "Loopback", false},
		{"1", "1", false},
		{"", "", false},
	} {
		got, ios := CanonicalIfName(tc.in)
		if got != tc.want || ios != tc.ios {
			t.Errorf("CanonicalIfName(%q) = %q, %v; want %q, %v", tc.in, got, ios, tc.want, tc.ios)
		}
	}
}

func TestSplitIfName(t *testing.T) {
	if typ, num, ok := SplitIfName("Ethernet0/0.10"); typ != "Ethernet" || num != "0/0.10" || !ok {
		t.Errorf("SplitIfName = %q, %q, %v", typ, num, ok)
	}
	if _, _, ok := SplitIfName("e0/"); ok {
		t.Error("SplitIfName accepted a malformed number")
	}
}

func TestIsLinuxIfName(t *testing.T) {
	for name, want := range map[string]bool{"eth0": true, "va1@x": true, "fifteen-chars-x": true,
		"sixteen-chars-xx": false, "eth0:1": false, "": false, "e0/0": false} {
		if got := IsLinuxIfName(name); got != want {
			t.Errorf("IsLinuxIfName(%q) = %v", name, got)
		}
	}
}
