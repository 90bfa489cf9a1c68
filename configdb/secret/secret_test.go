package secret

import "testing"

func TestType7(t *testing.T) {
	// A known IOS pair: "cisco" encoded by IOS with seed 02.
	if got, err := DecodeType7("02050D480809"); err != nil || got != "cisco" {
		t.Fatalf("decode: %q %v", got, err)
	}
	for _, s := range []string{"", "cisco", "a much longer shared secret with spaces and #!"} {
		enc := EncodeType7(s)
		dec, err := DecodeType7(enc)
		if err != nil || dec != s {
			t.Errorf("round trip %q -> %q -> %q %v", s, enc, dec, err)
		}
	}
	for _, bad := range []string{"0", "zz11", "99AA", "02GG"} {
		if _, err := DecodeType7(bad); err == nil {
			t.Errorf("DecodeType7(%q) accepted", bad)
		}
	}
}

func TestType9(t *testing.T) {
	h, err := HashType9("s3cret")
	if err != nil || !ValidType9(h) {
		t.Fatalf("hash %q %v", h, err)
	}
	if !Check(9, h, "s3cret") || Check(9, h, "s3cret ") || Check(9, "garbage", "s3cret") {
		t.Error("type 9 check wrong")
	}
	if !Check(0, "abc", "abc") || Check(0, "abc", "abd") || !Check(7, EncodeType7("k"), "k") {
		t.Error("type 0/7 check wrong")
	}
}

func FuzzDecodeType7(f *testing.F) {
	f.Add("02050D480809")
	f.Fuzz(func(t *testing.T, s string) {
		if p, err := DecodeType7(s); err == nil {
			if _, err := DecodeType7(EncodeType7(p)); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// TestDecodeType7BadSeeds: a seed that is not two decimal digits is an
// error, never a negative index ("username u password 7 -100" once took
// the daemon down).
func TestDecodeType7BadSeeds(t *testing.T) {
	for _, s := range []string{"-100", "+500", " 100", "-1", "5A00"} {
		if _, err := DecodeType7(s); err == nil {
			t.Errorf("%q decoded", s)
		}
	}
}
