package peerkit

import (
	"os"
	"os/exec"
)

// Requirement is one file or command a harness needs and the Debian
// package that provides it.
type Requirement struct {
	Path     string
	Package  string
	LookPath bool // Path is a command name looked up in $PATH
}

// Missing lists the requirements that are not there, one line each:
// "PATH not found: install PACKAGE".
func Missing(reqs []Requirement) []string {
	var missing []string
	for _, r := range reqs {
		var err error
		if r.LookPath {
			_, err = exec.LookPath(r.Path)
		} else {
			_, err = os.Stat(r.Path)
		}
		if err != nil {
			missing = append(missing, r.Path+" not found: install "+r.Package)
		}
	}
	return missing
}
