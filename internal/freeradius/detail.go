package freeradius

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Pair is one attribute as FreeRADIUS prints it: the dictionary name and
// the value with the quotes of a string removed (octets stay 0x..., enums
// are their names, "Acct-Status-Type" is "Start").
type Pair struct {
	Name, Value string
}

// Pairs are attributes in the order FreeRADIUS printed them.
type Pairs []Pair

// Get returns the first value of attribute name, "" when absent.
func (ps Pairs) Get(name string) string {
	v, _ := ps.Lookup(name)
	return v
}

// Lookup returns the first value of attribute name and whether it is
// present.
func (ps Pairs) Lookup(name string) (string, bool) {
	for _, p := range ps {
		if p.Name == name {
			return p.Value, true
		}
	}
	return "", false
}

// All returns every value of attribute name, in order.
func (ps Pairs) All(name string) []string {
	var vs []string
	for _, p := range ps {
		if p.Name == name {
			vs = append(vs, p.Value)
		}
	}
	return vs
}

// Record is one Accounting-Request as the detail module wrote it.
type Record struct {
	Header string // the time line that starts the record
	Pairs         // the request's attributes, then Timestamp
}

// Accounting returns the Accounting-Requests recorded so far, oldest
// first. A record still being written is left out. It is nil without
// Config.Accounting or before the first request.
func (s *Server) Accounting() []Record {
	if !s.cfg.Accounting {
		return nil
	}
	data, err := os.ReadFile(filepath.Join(s.Dir, detailFile))
	if err != nil {
		return nil
	}
	return ParseDetail(string(data))
}

// WaitAccounting polls the detail file until a record satisfies pred and
// returns it; after timeout it fails the test listing what was recorded.
func (s *Server) WaitAccounting(t T, pred func(Record) bool, timeout time.Duration) Record {
	t.Helper()
	if !s.cfg.Accounting {
		t.Fatalf("freeradius: %s: WaitAccounting without Config.Accounting", s.Name)
	}
	deadline := time.Now().Add(timeout)
	for {
		recs := s.Accounting()
		for _, r := range recs {
			if pred(r) {
				return r
			}
		}
		if time.Now().After(deadline) {
			var b strings.Builder
			for _, r := range recs {
				b.WriteString(r.String())
			}
			t.Fatalf("freeradius: %s: no matching accounting record after %v; %d recorded:\n%s", s.Name, timeout, len(recs), b.String())
		}
		time.Sleep(20 * time.Millisecond) // polling a file the server appends to
	}
}

// String renders r as the detail file holds it.
func (r Record) String() string {
	var b strings.Builder
	b.WriteString(r.Header + "\n")
	for _, p := range r.Pairs {
		b.WriteString("\t" + p.Name + " = " + p.Value + "\n")
	}
	b.WriteString("\n")
	return b.String()
}

// ParseDetail parses detail-file text: records of a header line, then one
// "\tName = value" line per attribute, then an empty line. An unterminated
// last record is left out.
func ParseDetail(text string) []Record {
	var recs []Record
	var cur *Record
	for len(text) > 0 {
		line, rest, ok := strings.Cut(text, "\n")
		if !ok {
			break // a line still being written
		}
		text = rest
		switch {
		case line == "":
			if cur != nil {
				recs = append(recs, *cur)
				cur = nil
			}
		case line[0] == '\t' || line[0] == ' ':
			if cur != nil {
				if p, err := parsePair(line); err == nil {
					cur.Pairs = append(cur.Pairs, p)
				}
			}
		default:
			cur = &Record{Header: line}
		}
	}
	return recs
}

// parsePair parses one attribute line as FreeRADIUS prints it in the
// detail file and in radclient -x output.
func parsePair(line string) (Pair, error) {
	name, value, ok := strings.Cut(strings.TrimSpace(line), " = ")
	if !ok {
		return Pair{}, errors.New("no ' = '")
	}
	if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
		value = unescape(value[1 : len(value)-1])
	}
	return Pair{Name: name, Value: value}, nil
}

// unescape undoes FreeRADIUS's string escaping: \\ \" \n \r \t and \ooo
// octal for other unprintable bytes.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case '0', '1', '2', '3':
			if i+2 < len(s) {
				if v, err := strconv.ParseUint(s[i:i+3], 8, 8); err == nil {
					b.WriteByte(byte(v))
					i += 2
					continue
				}
			}
			b.WriteByte(s[i])
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
