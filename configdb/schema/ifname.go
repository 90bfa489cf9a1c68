package schema

import (
	"regexp"
	"strings"
)

// ifTypes are the IOS interface type names an interface name may start
// with, abbreviated to any prefix that is unique among them.
var ifTypes = []string{
	"Ethernet", "FastEthernet", "GigabitEthernet", "TenGigabitEthernet",
	"Loopback", "Tunnel", "Virtual-Template", "Virtual-Access",
}

var (
	// linuxLikeRe matches the kernel's usual link names (eth0, tun1,
	// eth0.100, ens3, veth12): on this router they name Linux links, even
	// where they look like IOS abbreviations of Ethernet0 or Tunnel1.
	linuxLikeRe = regexp.MustCompile(`^(eth|tun|tap|veth|ens|enp|eno|wlan|br|bond|dummy|vxlan|wg)\d+(\.\d+)?$`)
	linuxIfRe   = regexp.MustCompile(`^[A-Za-z0-9_.@-]{1,15}$`)
	ifNumberRe  = regexp.MustCompile(`^\d+(/\d+)*(\.\d+)?$`)
	ifSplitRe   = regexp.MustCompile(`^([A-Za-z-]+)(\d.*)$`)
)

// CanonicalIfName expands an IOS-style interface name ("e0/0", "vi1",
// "Loopback 0" written as one word) to its full form ("Ethernet0/0",
// "Virtual-Access1"). Names that are not IOS-style (Linux link names such
// as eth0) come back unchanged with ios=false.
//
// Interface objects are keyed by the canonical name, and whatever names an
// interface (unnumbered, tunnel source, routes, the interface-config lines
// AAA sends for a virtual-access) stores it so: the CLI and the services
// expand names with this one function so that they cannot disagree.
func CanonicalIfName(name string) (canon string, ios bool) {
	if linuxLikeRe.MatchString(name) {
		return name, false
	}
	typ, num, ok := SplitIfName(name)
	if !ok {
		return name, false
	}
	prefix := strings.ToLower(typ)
	var found []string
	for _, t := range ifTypes {
		if strings.HasPrefix(strings.ToLower(t), prefix) {
			if strings.ToLower(t) == prefix {
				found = []string{t}
				break
			}
			found = append(found, t)
		}
	}
	if len(found) != 1 {
		return name, false
	}
	return found[0] + num, true
}

// SplitIfName splits an IOS-style name into its type and its number
// ("Ethernet", "0/0.10"); ok is false when the name has no well-formed
// number after letters.
func SplitIfName(name string) (typ, number string, ok bool) {
	m := ifSplitRe.FindStringSubmatch(name)
	if m == nil || !IsIfNumber(m[2]) {
		return "", "", false
	}
	return m[1], m[2], true
}

// IsIfNumber reports whether s is an IOS interface number: slot/port
// numbers and an optional subinterface ("0", "1/0/1", "0/0.10").
func IsIfNumber(s string) bool { return ifNumberRe.MatchString(s) }

// IsLinuxIfName reports whether name can be a Linux link name: 1 to 15
// letters, digits and _ . @ -.
func IsLinuxIfName(name string) bool { return linuxIfRe.MatchString(name) }
