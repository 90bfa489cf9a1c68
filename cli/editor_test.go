package cli

import (
	"errors"
	"io"
	"testing"
	"time"
)

func TestKeyboardRewritesKeys(t *testing.T) {
	r, w := io.Pipe()
	kb := NewKeyboard(r)
	inConfig := true
	kb.inConfig = func() bool { return inConfig }
	go w.Write([]byte("ab\x1acd\x03"))
	got := make([]byte, len("ab"+ctrlZ+"cd"+ctrlC))
	if _, err := io.ReadFull(kb, got); err != nil {
		t.Fatal(err)
	}
	if string(got) != "ab"+ctrlZ+"cd"+ctrlC {
		t.Errorf("got %q", got)
	}
	inConfig = false
	go w.Write([]byte("x\x1ay"))
	got = make([]byte, 2)
	if _, err := io.ReadFull(kb, got); err != nil || string(got) != "xy" {
		t.Errorf("exec mode drops Ctrl-Z: %q %v", got, err)
	}
	w.Close()
	if _, err := kb.Read(got); err != io.EOF {
		t.Errorf("after close: %v", err)
	}
}

func TestKeyboardIdleTimeout(t *testing.T) {
	r, w := io.Pipe()
	defer w.Close()
	kb := NewKeyboard(r)
	kb.Idle = func() time.Duration { return 20 * time.Millisecond }
	start := time.Now()
	_, err := kb.Read(make([]byte, 1))
	if !errors.Is(err, ErrIdleTimeout) {
		t.Fatalf("want idle timeout, got %v", err)
	}
	if time.Since(start) < 20*time.Millisecond {
		t.Errorf("timed out early")
	}
	kb.Idle = nil
	go w.Write([]byte("k"))
	if n, err := kb.Read(make([]byte, 1)); n != 1 || err != nil {
		t.Errorf("a keyboard keeps working after a timeout: %d %v", n, err)
	}
}
