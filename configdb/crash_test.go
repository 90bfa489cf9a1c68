package configdb

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

const crashEnv = "CONFIGDB_CRASH_CHILD_DB"

func crashKey(rev uint64) string { return fmt.Sprintf("%08d", rev) }

// TestHelperCrashChild is the child process of TestCrashSafety: it writes revisions as fast as
// it can and prints "rev N" once revision N is durable, until it is killed.
func TestHelperCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("helper process for TestCrashSafety")
	}
	db, err := Open(path, Options{ChangelogKeep: 500})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	pending := make(chan *Pending, 1024)
	go func() {
		for p := range pending {
			if err := p.Wait(); err != nil {
				fmt.Println("error", err)
				os.Exit(2)
			}
			fmt.Printf("rev %d\n", p.Rev)
		}
	}()
	for i := 0; i < 200000; i++ {
		next := db.Rev() + 1
		p, err := db.Update(Meta{Session: "crash", Line: fmt.Sprint("update ", next)}, func(tx *Tx) error {
			val := []byte(strconv.FormatUint(next, 10))
			tx.Put("a", crashKey(next), val)
			tx.Put("b", crashKey(next), val)
			tx.Put("counter", "c", val)
			return nil
		})
		if err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
		pending <- p
		if next%10 == 0 { // an occasional startup snapshot rewrite in the same write stream
			if _, err := db.SaveStartup(Meta{}); err != nil {
				fmt.Println("error", err)
				os.Exit(2)
			}
		}
	}
	os.Exit(0)
}

func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	path := testPath(t)
	var maxPrinted uint64
	for iter := 0; iter < 3; iter++ {
		printed := runCrashChild(t, path, 300)
		if printed < maxPrinted {
			t.Fatalf("iteration %d: child printed rev %d after an earlier run reached %d", iter, printed, maxPrinted)
		}
		maxPrinted = printed

		db, err := Open(path, Options{})
		if err != nil {
			t.Fatalf("iteration %d: reopen after SIGKILL: %v", iter, err)
		}
		rev := db.Rev()
		if rev < maxPrinted {
			t.Fatalf("iteration %d: rev %d after crash, but rev %d was reported durable", iter, rev, maxPrinted)
		}
		db.View(func(tx *ReadTx) error {
			want := strconv.FormatUint(rev, 10)
			if v, _ := tx.Get("counter", "c"); string(v) != want {
				t.Errorf("counter %q, want %s", v, want)
			}
			for _, kind := range []string{"a", "b"} {
				if n := len(tx.Names(kind)); uint64(n) != rev {
					t.Errorf("kind %s has %d objects, want %d", kind, n, rev)
				}
				for r := uint64(1); r <= rev; r++ {
					if v, ok := tx.Get(kind, crashKey(r)); !ok || string(v) != strconv.FormatUint(r, 10) {
						t.Fatalf("object %s/%s = %q, %v", kind, crashKey(r), v, ok)
					}
				}
			}
			return nil
		})
		if h := db.History(1); len(h) != 1 || h[0].Rev != rev || h[0].NumChanges != 3 {
			t.Errorf("newest changelog record %+v, want rev %d", h, rev)
		}
		t.Logf("iteration %d: child reported rev %d durable; reopened at rev %d", iter, maxPrinted, rev)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// runCrashChild starts the child, kills it with SIGKILL once it has reported atLeast durable
// revisions, and returns the highest revision it reported.
func runCrashChild(t *testing.T, path string, atLeast int) uint64 {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperCrashChild$")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(testTimeout, func() { cmd.Process.Kill() })
	defer timer.Stop()

	var last uint64
	n := 0
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "error") {
			t.Errorf("child: %s", line)
		}
		revStr, ok := strings.CutPrefix(line, "rev ")
		if !ok {
			continue
		}
		rev, err := strconv.ParseUint(revStr, 10, 64)
		if err != nil {
			t.Fatalf("child printed %q", line)
		}
		if rev <= last {
			t.Fatalf("child reported rev %d after %d", rev, last)
		}
		last = rev
		if n++; n == atLeast {
			cmd.Process.Kill() // SIGKILL; keep reading what it printed before dying
		}
	}
	err = cmd.Wait()
	if n < atLeast {
		t.Fatalf("child reported only %d revisions (exit %v): %s", n, err, stderr.String())
	}
	return last
}
