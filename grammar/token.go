package grammar

import (
	"net/netip"
	"strconv"
	"strings"
)

// Rank orders the ways a word can match a token: lower is better. When two
// interpretations of a line differ, the one with the better rank at the first
// word where they differ wins (literal > range > address > word > line).
type Rank uint8

const (
	RankExact   Rank = iota // the word is the whole keyword
	RankPrefix              // the word is a unique-enough prefix of a keyword
	RankRange               // a number inside a range
	RankAddress             // an IPv4/IPv6 address or prefix, or a typed custom variable
	RankWord                // any word
	RankLine                // the rest of the line
	rankNone
)

// Kind is the type of a token.
type Kind uint8

const (
	KindKeyword Kind = iota
	KindWord
	KindLine
	KindIPv4
	KindIPv4Prefix
	KindIPv6
	KindIPv6Prefix
	KindRange
	KindCustom
)

// VarType is a variable token type that a program registers (for example
// interface names). Match reports how well a word fits; Complete offers
// completions for a prefix (may be nil).
type VarType struct {
	Name     string // as written in definitions, e.g. IFNAME
	Display  string // as shown in ? help; defaults to Name
	Match    func(word string) (Rank, bool)
	Complete func(prefix string) []string
}

// token is one node of the command graph that consumes a word.
type token struct {
	kind     Kind
	text     string // keyword text (lower case) or variable display name
	help     string
	bind     string // binding name for Args
	explicit bool   // bind was written as $name
	min, max int64
	custom   *VarType
}

// match reports whether word fits the token, and how well.
func (t *token) match(word string) (Rank, bool) {
	switch t.kind {
	case KindKeyword:
		if len(word) > len(t.text) {
			return rankNone, false
		}
		if strings.EqualFold(word, t.text) {
			return RankExact, true
		}
		if strings.EqualFold(word, t.text[:len(word)]) {
			return RankPrefix, true
		}
		return rankNone, false
	case KindWord:
		return RankWord, true
	case KindLine:
		return RankLine, true
	case KindRange:
		n, err := strconv.ParseInt(word, 10, 64)
		if err != nil || n < t.min || n > t.max {
			return rankNone, false
		}
		return RankRange, true
	case KindIPv4:
		if isIPv4(word) {
			return RankAddress, true
		}
	case KindIPv4Prefix:
		if p, err := netip.ParsePrefix(word); err == nil && p.Addr().Is4() && isIPv4(word[:strings.IndexByte(word, '/')]) {
			return RankAddress, true
		}
	case KindIPv6:
		if a, err := netip.ParseAddr(word); err == nil && a.Is6() && a.Zone() == "" {
			return RankAddress, true
		}
	case KindIPv6Prefix:
		if p, err := netip.ParsePrefix(word); err == nil && p.Addr().Is6() {
			return RankAddress, true
		}
	case KindCustom:
		return t.custom.Match(word)
	}
	return rankNone, false
}

// isIPv4 accepts dotted-quad IPv4 addresses only (no shorthand forms).
func isIPv4(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is4()
}

// display is the token as ? help lists it.
func (t *token) display() string {
	return t.text
}

// couldExtend reports whether word could become a match if more characters
// were typed; used for Tab completion and "word?" help on variables.
func (t *token) couldExtend(word string) bool {
	switch t.kind {
	case KindKeyword:
		return len(word) <= len(t.text) && strings.EqualFold(word, t.text[:len(word)])
	case KindRange:
		if word == "" || word == "-" {
			return true
		}
		_, err := strconv.ParseInt(word, 10, 64)
		return err == nil
	default:
		return true
	}
}

// commonPrefix is the length of the longest case-insensitive common prefix
// of a and b, used to place the IOS caret inside a mistyped keyword.
func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && lower(a[n]) == lower(b[n]) {
		n++
	}
	return n
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
