package logging

import (
	"strings"
	"sync"
	"testing"
)

func TestDebugOnOff(t *testing.T) {
	b := NewBuffer()
	d := b.Debug()
	if d != b.Debug() {
		t.Fatal("Buffer.Debug returned two registries for one buffer")
	}
	if NewBuffer().Debug() == d {
		t.Fatal("two buffers share a registry")
	}
	for _, f := range Flags() {
		if d.On(f) {
			t.Fatalf("%s on at start", f.Name())
		}
	}
	d.Set(FlagCryptoIKEv2Internal, true)
	d.Set(FlagVTemplateCloning, true)
	if !d.On(FlagCryptoIKEv2Internal) || !d.On(FlagVTemplateCloning) || d.On(FlagCryptoIKEv2) {
		t.Fatalf("wrong flags on: %v", d.Enabled())
	}
	d.Set(FlagCryptoIKEv2Internal, false)
	if d.On(FlagCryptoIKEv2Internal) || !d.On(FlagVTemplateCloning) {
		t.Fatalf("wrong flags after off: %v", d.Enabled())
	}
	d.Set(FlagAAAPOD, true)
	d.AllOff()
	if got := d.Enabled(); len(got) != 0 {
		t.Fatalf("after AllOff: %v", got)
	}
	var nilDebug *Debug
	if nilDebug.On(FlagCryptoIKEv2) {
		t.Fatal("nil registry has a flag on")
	}
	nilDebug.Debugf(FlagCryptoIKEv2, "x") // must not panic
}

func TestDebugNames(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range Flags() {
		n := f.Name()
		if n == "" || seen[n] {
			t.Fatalf("flag %d: bad or duplicate name %q", f, n)
		}
		seen[n] = true
		if g, ok := FlagByName(n); !ok || g != f {
			t.Fatalf("FlagByName(%q) = %v, %v", n, g, ok)
		}
	}
	for _, n := range []string{"crypto ikev2", "crypto ikev2 internal", "crypto ikev2 packet", "crypto ipsec",
		"radius authentication", "radius accounting", "aaa authentication", "aaa authorization",
		"aaa accounting", "aaa per-user", "aaa pod", "vtemplate cloning"} {
		if !seen[n] {
			t.Errorf("seed flag %q missing", n)
		}
	}
	if got := FlagCryptoIKEv2.Status(true); got != "IKEv2 default debugging is on" {
		t.Errorf("Status = %q", got)
	}
	if got := FlagCryptoIPsec.Status(false); got != "Crypto IPSEC debugging is off" {
		t.Errorf("Status = %q", got)
	}
}

func TestDebugfOnlyWhenOn(t *testing.T) {
	b := NewBuffer()
	d := b.Debug()
	var got []string
	cancel := b.Subscribe(func(l string) { got = append(got, l) })
	defer cancel()
	d.Debugf(FlagCryptoIKEv2, "IKEv2:(SESSION ID = %d,SA ID = %d):off", 1, 1)
	if lines, n := b.Snapshot(); len(lines) != 0 || n != 0 || len(got) != 0 {
		t.Fatalf("logged while off: %q", lines)
	}
	d.Set(FlagCryptoIKEv2, true)
	d.Debugf(FlagCryptoIKEv2, "IKEv2:(SESSION ID = %d,SA ID = %d):Received Packet", 69, 1)
	d.Debugf(FlagCryptoIKEv2Internal, "not this one")
	lines, n := b.Snapshot()
	if n != 1 || len(lines) != 1 || !strings.HasSuffix(lines[0], ": IKEv2:(SESSION ID = 69,SA ID = 1):Received Packet") {
		t.Fatalf("buffer = %q (%d)", lines, n)
	}
	if len(got) != 1 || got[0] != lines[0] {
		t.Fatalf("subscriber got %q", got)
	}
}

func TestDebugRender(t *testing.T) {
	d := NewBuffer().Debug()
	if got := d.Render(); got != "" {
		t.Fatalf("all off: %q", got)
	}
	for _, f := range []Flag{FlagVTemplateCloning, FlagCryptoIKEv2Internal, FlagCryptoIKEv2, FlagAAAPerUser, FlagCryptoIPsec, FlagRadiusAuthentication} {
		d.Set(f, true)
	}
	want := "General OS:\n" +
		"  AAA Per-user attributes debugging is on\n" +
		"Cryptographic Subsystem:\n" +
		"  Crypto IPSEC debugging is on\n" +
		"IKEv2:\n" +
		"  IKEv2 default debugging is on\n" +
		"  IKEv2 internal debugging is on\n" +
		"RADIUS:\n" +
		"  Radius packet protocol (authentication) debugging is on\n" +
		"VTEMPLATE:\n" +
		"  Virtual Template cloning debugging is on\n"
	if got := d.Render(); got != want {
		t.Fatalf("Render:\n%s\nwant:\n%s", got, want)
	}
}

// TestDebugConcurrent toggles flags while others check and log; run with
// -race.
func TestDebugConcurrent(t *testing.T) {
	b := NewBuffer()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			d := b.Debug()
			for i := 0; i < 1000; i++ {
				f := Flag((g + i) % int(numFlags))
				d.Set(f, i%2 == 0)
				if i%97 == 0 {
					d.AllOff()
				}
			}
		}()
		go func() {
			defer wg.Done()
			d := b.Debug()
			for i := 0; i < 1000; i++ {
				f := Flag((g * i) % int(numFlags))
				d.Debugf(f, "line %d %d", g, i)
				_ = d.On(f)
				_ = d.Render()
			}
		}()
	}
	wg.Wait()
	d := b.Debug()
	d.AllOff()
	d.Set(FlagAAAPOD, true)
	if got := d.Enabled(); len(got) != 1 || got[0] != FlagAAAPOD {
		t.Fatalf("Enabled = %v", got)
	}
}

func TestDebugfOffAllocs(t *testing.T) {
	d := NewBuffer().Debug()
	id, peer := 69, "10.0.0.1"
	n := testing.AllocsPerRun(1000, func() {
		if d.On(FlagCryptoIKEv2) {
			d.Debugf(FlagCryptoIKEv2, "IKEv2:(SESSION ID = %d,SA ID = 1):peer %s", id, peer)
		}
		d.Debugf(FlagCryptoIKEv2, "IKEv2:(SESSION ID = 69,SA ID = 1):Received Packet")
	})
	if n != 0 {
		t.Fatalf("%v allocations with the flag off", n)
	}
}

func BenchmarkDebugfOff(b *testing.B) {
	d := NewBuffer().Debug()
	id, peer := 69, "10.0.0.1"
	b.Run("constant", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			d.Debugf(FlagCryptoIKEv2, "IKEv2:(SESSION ID = 69,SA ID = 1):Received Packet")
		}
	})
	b.Run("args", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			d.Debugf(FlagCryptoIKEv2, "IKEv2:(SESSION ID = %d,SA ID = 1):peer %s", id, peer)
		}
	})
	b.Run("guarded", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if d.On(FlagCryptoIKEv2) {
				d.Debugf(FlagCryptoIKEv2, "IKEv2:(SESSION ID = %d,SA ID = 1):peer %s", id, peer)
			}
		}
	})
}

func BenchmarkDebugfOn(b *testing.B) {
	d := NewBuffer().Debug()
	d.Set(FlagCryptoIKEv2, true)
	b.ReportAllocs()
	for b.Loop() {
		d.Debugf(FlagCryptoIKEv2, "IKEv2:(SESSION ID = %d,SA ID = 1):Received Packet", 69)
	}
}
