package configdb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// ReadTx is a consistent read-only view of a set of objects, valid only inside the function
// it was passed to. Returned slices are shared and must not be modified.
type ReadTx struct {
	objs objects
	rev  uint64
}

// Rev is the revision the view reflects (for a startup view, the revision it was saved at).
func (t *ReadTx) Rev() uint64 { return t.rev }

// Get returns the value of (kind, name).
func (t *ReadTx) Get(kind, name string) ([]byte, bool) {
	v, ok := t.objs[kind][name]
	return v, ok
}

// GetJSON unmarshals the value of (kind, name) into v; it reports false if absent.
func (t *ReadTx) GetJSON(kind, name string, v any) (bool, error) { return getJSON(t, kind, name, v) }

// Names returns the sorted names of the objects of a kind.
func (t *ReadTx) Names(kind string) []string { return slices.Sorted(maps.Keys(t.objs[kind])) }

// Kinds returns the sorted kinds that have at least one object.
func (t *ReadTx) Kinds() []string { return slices.Sorted(maps.Keys(t.objs)) }

// ForEach calls fn for each object of a kind in name order, stopping at the first error.
func (t *ReadTx) ForEach(kind string, fn func(name string, val []byte) error) error {
	return forEach(t, kind, fn)
}

// Tx is a write transaction passed to an Update function. Writes are buffered; reads see them.
// It must not be used after the function returns.
type Tx struct {
	base objects
	over map[string]map[string]entry
	err  error // first invalid write; fails the Update
	done bool
}

type entry struct {
	val []byte // nil means deleted
}

// Get returns the value of (kind, name), including this transaction's writes.
func (t *Tx) Get(kind, name string) ([]byte, bool) {
	t.check()
	if e, ok := t.over[kind][name]; ok {
		return e.val, e.val != nil
	}
	v, ok := t.base[kind][name]
	return v, ok
}

// GetJSON unmarshals the value of (kind, name) into v; it reports false if absent.
func (t *Tx) GetJSON(kind, name string, v any) (bool, error) { return getJSON(t, kind, name, v) }

// Names returns the sorted names of the objects of a kind.
func (t *Tx) Names(kind string) []string {
	t.check()
	names := slices.Collect(maps.Keys(t.base[kind]))
	for n, e := range t.over[kind] {
		if e.val != nil {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	return slices.DeleteFunc(names, func(n string) bool {
		e, ok := t.over[kind][n]
		return ok && e.val == nil
	})
}

// Kinds returns the sorted kinds that have at least one object.
func (t *Tx) Kinds() []string {
	t.check()
	var kinds []string
	for k := range t.base {
		kinds = append(kinds, k)
	}
	for k := range t.over {
		if _, ok := t.base[k]; !ok {
			kinds = append(kinds, k)
		}
	}
	kinds = slices.DeleteFunc(kinds, func(k string) bool {
		if len(t.over[k]) == 0 {
			return false
		}
		return len(t.Names(k)) == 0
	})
	slices.Sort(kinds)
	return kinds
}

// ForEach calls fn for each object of a kind in name order, stopping at the first error.
func (t *Tx) ForEach(kind string, fn func(name string, val []byte) error) error {
	return forEach(t, kind, fn)
}

// Put sets (kind, name) to a copy of val. Putting identical bytes is not a change. An empty
// or oversized kind or name makes the whole Update fail.
func (t *Tx) Put(kind, name string, val []byte) {
	t.check()
	if err := validKey(kind, name); err != nil {
		if t.err == nil {
			t.err = err
		}
		return
	}
	t.set(kind, name, append(make([]byte, 0, len(val)), val...))
}

// PutJSON sets (kind, name) to the JSON encoding of v.
func (t *Tx) PutJSON(kind, name string, v any) error {
	t.check()
	if err := validKey(kind, name); err != nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("configdb: encode %s %q: %w", kind, name, err)
	}
	t.set(kind, name, b)
	return nil
}

// maxKeyLen keeps kinds and names well inside bbolt's key size limit.
const maxKeyLen = 4096

func validKey(kind, name string) error {
	if kind == "" || name == "" || len(kind) > maxKeyLen || len(name) > maxKeyLen {
		return fmt.Errorf("configdb: invalid object key (kind %.40q, name %.40q): must be 1..%d bytes", kind, name, maxKeyLen)
	}
	return nil
}

// Delete removes (kind, name); it is a no-op if absent.
func (t *Tx) Delete(kind, name string) {
	t.check()
	t.set(kind, name, nil)
}

func (t *Tx) set(kind, name string, val []byte) {
	if t.over == nil {
		t.over = map[string]map[string]entry{}
	}
	m := t.over[kind]
	if m == nil {
		m = map[string]entry{}
		t.over[kind] = m
	}
	m[name] = entry{val: val}
}

func (t *Tx) check() {
	if t.done {
		panic("configdb: Tx used after its Update function returned")
	}
}

// replaceAll makes the transaction's object set equal to objs.
func (t *Tx) replaceAll(objs objects) {
	for _, kind := range t.Kinds() {
		for _, name := range t.Names(kind) {
			if _, keep := objs[kind][name]; !keep {
				t.Delete(kind, name)
			}
		}
	}
	for kind, m := range objs {
		for name, val := range m {
			t.Put(kind, name, val)
		}
	}
}

// changes returns the net effect of the transaction, sorted by kind and name.
func (t *Tx) changes() []Change {
	var out []Change
	for _, kind := range slices.Sorted(maps.Keys(t.over)) {
		m := t.over[kind]
		for _, name := range slices.Sorted(maps.Keys(m)) {
			e := m[name]
			old, had := t.base[kind][name]
			switch {
			case e.val == nil && had:
				out = append(out, Change{Kind: kind, Name: name, Op: Delete})
			case e.val != nil && (!had || !bytes.Equal(old, e.val)):
				out = append(out, Change{Kind: kind, Name: name, Op: Put, Value: e.val})
			}
		}
	}
	return out
}

type reader interface {
	Get(kind, name string) ([]byte, bool)
	Names(kind string) []string
}

func getJSON(r reader, kind, name string, v any) (bool, error) {
	b, ok := r.Get(kind, name)
	if !ok {
		return false, nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return true, fmt.Errorf("configdb: decode %s %q: %w", kind, name, err)
	}
	return true, nil
}

func forEach(r reader, kind string, fn func(name string, val []byte) error) error {
	for _, name := range r.Names(kind) {
		v, _ := r.Get(kind, name)
		if err := fn(name, v); err != nil {
			return err
		}
	}
	return nil
}

// ReadAll decodes every object of a kind, in name order, skipping any that
// does not decode as T (a newer schema's object read by older code).
func ReadAll[T any](tx *ReadTx, kind string) (names []string, objs []T) {
	tx.ForEach(kind, func(name string, val []byte) error {
		var v T
		if json.Unmarshal(val, &v) == nil {
			names = append(names, name)
			objs = append(objs, v)
		}
		return nil
	})
	return names, objs
}

// ReadMap is ReadAll keyed by object name.
func ReadMap[T any](tx *ReadTx, kind string) map[string]T {
	names, objs := ReadAll[T](tx, kind)
	m := make(map[string]T, len(names))
	for i, n := range names {
		m[n] = objs[i]
	}
	return m
}
