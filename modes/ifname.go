package modes

import (
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/grammar"
)

// ifNameVar is the IFNAME token: an IOS-style interface name written as one
// word (ranked like an address, above a plain word) or a Linux link name.
var ifNameVar = &grammar.VarType{
	Name:    "IFNAME",
	Display: "WORD",
	Match: func(word string) (grammar.Rank, bool) {
		if _, ios := schema.CanonicalIfName(word); ios {
			return grammar.RankAddress, true
		}
		if schema.IsLinuxIfName(word) {
			return grammar.RankWord, true
		}
		return 0, false
	},
}
