package modes

import (
	"regexp"
	"strings"

	"github.com/gatehouse-vpn/gatehouse/grammar"
)

// ifTypes are the IOS interface type names an interface name may start
// with, abbreviated to any prefix that is unique among them.
var ifTypes = []string{
	"Ethernet", "FastEthernet", "GigabitEthernet", "TenGigabitEthernet",
	"Loopback", "Tunnel", "Virtual-Template", "Virtual-Access",
}

var (
	// linuxNameRe matches the kernel's usual link names (eth0, tun1,
	// eth0.100, ens3, veth12): on this router they name Linux links, even
	// where they look like IOS abbreviations of Ethernet0 or Tunnel1.
	linuxNameRe = regexp.MustCompile(`^(eth|tun|tap|veth|ens|enp|eno|wlan|br|bond|dummy|vxlan|wg)\d+(\.\d+)?$`)
	ifNumberRe  = regexp.MustCompile(`^\d+(/\d+)*(\.\d+)?$`)
	linuxIfRe   = regexp.MustCompile(`^[A-Za-z0-9_.@-]{1,15}$`)
	ifSplitRe   = regexp.MustCompile(`^([A-Za-z-]+)(\d.*)$`)
)

// CanonicalIfName expands an IOS-style interface name ("e0/0", "vi1",
// "Loopback 0" written as one word) to its full form ("Ethernet0/0",
// "Virtual-Template1"). Names that are not IOS-style (Linux link names such
// as eth0) come back unchanged with ios=false.
func CanonicalIfName(name string) (canon string, ios bool) {
	if linuxNameRe.MatchString(name) {
		return name, false
	}
	m := ifSplitRe.FindStringSubmatch(name)
	if m == nil || !ifNumberRe.MatchString(m[2]) {
		return name, false
	}
	prefix := strings.ToLower(m[1])
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
	return found[0] + m[2], true
}

// ifNameVar is the IFNAME token: an IOS-style interface name written as one
// word (ranked like an address, above a plain word) or a Linux link name.
var ifNameVar = &grammar.VarType{
	Name:    "IFNAME",
	Display: "WORD",
	Match: func(word string) (grammar.Rank, bool) {
		if _, ios := CanonicalIfName(word); ios {
			return grammar.RankAddress, true
		}
		if linuxIfRe.MatchString(word) {
			return grammar.RankWord, true
		}
		return 0, false
	},
}
