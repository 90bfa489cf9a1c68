package schema

// IPPool is an "ip local pool NAME START [END]" pool: one range per
// command, several commands with the same name add ranges.
type IPPool struct {
	Name   string    `json:"name"`
	Ranges []IPRange `json:"ranges"`
}

// IPRange is an inclusive IPv4 address range (Start == End for one address).
type IPRange struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// IPv6Pool is "ipv6 local pool NAME PREFIX/LEN ASSIGN": clients get
// prefixes of length AssignLength carved from Prefix.
type IPv6Pool struct {
	Name         string `json:"name"`
	Prefix       string `json:"prefix"` // X:X::/M, upper case, no host bits
	AssignLength int    `json:"assign_length"`
}
