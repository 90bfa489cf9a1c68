//go:build linux && (amd64 || arm64)

package interop

import (
	"fmt"
	"path/filepath"
	"runtime"
	"syscall"
)

// InNamespace runs fn on an OS thread that has joined network namespace
// ns, and waits for it. Sockets fn opens belong to ns for their whole life
// and may be used from any goroutine afterwards, which is how a test (or
// the load generator) talks from inside a namespace without a helper
// process. fn should only open sockets: it runs with the thread locked.
//
// The thread returns to its original namespace afterwards. That matters:
// the thread may be the process's main thread, whose namespace is the one
// `ip netns pids` reports, and Topology.Close ends those processes. If the
// way back fails, the thread stays locked and the runtime discards it.
func InNamespace(ns string, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		self := fmt.Sprintf("/proc/self/task/%d/ns/net", syscall.Gettid())
		orig, err := syscall.Open(self, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("netns %s: own namespace: %w", ns, err)
			return
		}
		defer syscall.Close(orig)
		target, err := syscall.Open(filepath.Join("/run/netns", ns), syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("netns %s: %w", ns, err)
			return
		}
		err = setns(target)
		syscall.Close(target)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("netns %s: %w", ns, err)
			return
		}
		ferr := fn()
		if err := setns(orig); err != nil {
			// Still in ns: leave the thread locked so that it dies with
			// this goroutine instead of running other code in ns.
			errc <- fmt.Errorf("netns %s: returning to the original namespace: %w", ns, err)
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

func setns(fd int) error {
	if _, _, errno := syscall.RawSyscall(sysSetns, uintptr(fd), syscall.CLONE_NEWNET, 0); errno != 0 {
		return fmt.Errorf("setns: %w", errno)
	}
	return nil
}
