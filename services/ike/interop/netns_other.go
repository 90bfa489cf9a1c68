//go:build !linux || !(amd64 || arm64)

package interop

import "errors"

// InNamespace needs setns(2), wired up for linux/amd64 and linux/arm64.
func InNamespace(ns string, fn func() error) error {
	return errors.New("netns " + ns + ": InNamespace is not supported on this platform")
}
