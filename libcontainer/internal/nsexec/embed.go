// Package nsexec starts rt-init, the C program that turns a bootstrap
// (libcontainer/internal/protocol) into a container process, and drives the
// parent side of the protocol.
//
// rt-init is built from csrc/ by `make` and embedded here. It is executed
// from a sealed memfd (never from the rt binary on disk), so no process in
// the container can reach a writable host runtime binary through
// /proc/<pid>/exe (CVE-2019-5736), and the waiting init holds no Go runtime.
package nsexec

import "embed"

//go:embed all:bin
var binFS embed.FS

// initBinary returns the embedded rt-init, or nil when rt was built without
// it (plain `go build` instead of `make`).
func initBinary() []byte {
	b, err := binFS.ReadFile("bin/rt-init")
	if err != nil {
		return nil
	}
	return b
}
