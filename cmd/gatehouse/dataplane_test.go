package main

import (
	"errors"
	"strings"
	"testing"
)

func TestOpenDataplaneChoices(t *testing.T) {
	noXFRM := func() error { return errors.New("kernel lacks XFRM interfaces") }
	for _, c := range []struct {
		name, backend, why string
	}{
		{"fake", "fake", "requested"},
		{"userspace", "userspace", "requested"},
		{"auto", "userspace", "cannot (kernel lacks XFRM interfaces)"},
	} {
		dp, why, err := openDataplane(c.name, nil, noXFRM, "")
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if dp.Name() != c.backend || !strings.Contains(why, c.why) {
			t.Errorf("%s: backend %s, why %q", c.name, dp.Name(), why)
		}
		dp.Close()
	}
	if _, _, err := openDataplane("xfrm", nil, noXFRM, ""); err == nil || !strings.Contains(err.Error(), "lacks XFRM") {
		t.Errorf("xfrm without kernel support: %v", err)
	}
	if _, _, err := openDataplane("dpdk", nil, noXFRM, ""); err == nil {
		t.Error("unknown backend accepted")
	}
}
