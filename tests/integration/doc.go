// Package integration runs the rt binary against real containers.
//
// Everything is in _test.go files: `go test ./tests/integration/` as root
// builds tests/probe once, gives every test its own --root, bundle and
// container ids under t.TempDir(), runs the probe inside the container and
// checks what it reports. As non-root every test skips.
//
// The binary under test is $RT_BINARY, by default ../../rt (the `make` build at
// the repository root). RT_BINARY=/usr/sbin/runc runs the same tests against
// runc, which shows whether a test itself is right (see README.md for the
// tests that are expected to fail there).
package integration
