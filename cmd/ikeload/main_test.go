package main

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse-vpn/gatehouse/services/ike/interop"
)

// TestLoadAgainstInProcessResponder runs ikeload against a Gatehouse
// responder in this process and checks its report and the SAs it left.
func TestLoadAgainstInProcessResponder(t *testing.T) {
	h := interop.StartInProcess(t, interop.BenchGatehouseConfig)
	var out, errs bytes.Buffer
	code := run([]string{"--target", h.Target.String(), "--natt-port", strconv.Itoa(int(h.NATPort)),
		"--local", "127.0.0.1", "--concurrency", "4", "--total", "20", "--psk", interop.BenchPSK, "--json"},
		strings.NewReader(""), &out, &errs)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	var r interop.LoadResult
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("report %q: %v", out.String(), err)
	}
	if r.Established != 20 || r.Failed != 0 || r.Rate <= 0 || r.P50ms <= 0 || r.P99ms < r.P50ms {
		t.Errorf("report: %+v", r)
	}
	// Without --keep each SA is deleted once it is up: the responder
	// counted 20 and holds none.
	if st := h.Engine.Stats(); st.Established != 20 || st.Active != 0 {
		t.Errorf("responder established %d, holds %d; want 20 and 0", st.Established, st.Active)
	}
}

func TestLoadFailuresAreCounted(t *testing.T) {
	h := interop.StartInProcess(t, interop.BenchGatehouseConfig)
	var out, errs bytes.Buffer
	code := run([]string{"--target", h.Target.String(), "--natt-port", strconv.Itoa(int(h.NATPort)),
		"--local", "127.0.0.1", "--concurrency", "2", "--total", "4", "--psk", "wrong"}, strings.NewReader(""), &out, &errs)
	if code != 1 {
		t.Errorf("exit %d with every handshake failing, want 1", code)
	}
	if !strings.Contains(out.String(), "0 of 4 established, 4 failed") || !strings.Contains(out.String(), "AUTHENTICATION_FAILED: 4") {
		t.Errorf("report:\n%s", out.String())
	}
}

func TestBadArguments(t *testing.T) {
	for _, args := range [][]string{{"--target", "nowhere"}, {"--proposal", "rot13-md5"}, {"--total", "0"}, {"--bogus"}, {"--eap-md5", "nopassword"}} {
		var out, errs bytes.Buffer
		if code := run(args, strings.NewReader(""), &out, &errs); code != 2 || errs.Len() == 0 {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs.String())
		}
	}
}
