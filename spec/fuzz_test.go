package spec

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// fuzzSeeds are small configs that reach the deeper checks.
var fuzzSeeds = []string{
	minimal, "", "null", "{}", "[]", `{"ociVersion": "1.0.0", "process": null}`,
	`{"linux": {"sysctl": {"net/../kernel/x": "1"}, "namespaces": [{"type": "user"}, {"type": "user"}]}}`,
	`{"ociVersion": "1.1.0", "mounts": [{"destination": "/proc/x", "options": ["bind"]}], "linux": {"seccomp": {"syscalls": [{}]}}}`,
	`{"ociVersion":"1.0.0","root":{"path":"r"},"process":{"args":["a"],"cwd":"/","rlimits":[{"type":"RLIMIT_CPU","soft":9,"hard":1}]}}`,
}

// FuzzLoad feeds arbitrary bytes as config.json to Load and Validate. Either
// may reject the input, with the error types they document, but neither may
// panic, and an accepted spec must still be accepted after a JSON round trip.
func FuzzLoad(f *testing.F) {
	for _, rootless := range []bool{false, true} {
		data, err := json.Marshal(Example(rootless))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, seed := range fuzzSeeds {
		f.Add([]byte(seed))
	}
	dir := fuzzDir(f)
	path := filepath.Join(dir, ConfigName)
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		b, err := Load(dir)
		if err != nil {
			var je *JSONError
			if !errors.As(err, &je) && !isNull(data) {
				t.Fatalf("Load error of unexpected type %T: %v", err, err)
			}
			return
		}
		_, errA := Validate(b.Spec, ValidateOptions{})
		_, _ = Validate(b.Spec, ValidateOptions{Rootless: true, ProcessOptional: true,
			HostNetNS: func(string) (bool, error) { return true, nil }})
		if b.Spec.Process != nil {
			_, _ = ValidateProcess(b.Spec.Process)
		}
		for k := range b.Spec.Annotations {
			_, _ = SysctlPath(k)
		}
		if errA != nil {
			if !errors.Is(errA, ErrInvalidConfig) {
				t.Fatalf("Validate error does not wrap ErrInvalidConfig: %v", errA)
			}
			return
		}
		// An accepted config stays accepted when re-encoded, as it is when
		// rt stores it and reads it back.
		again, err := json.Marshal(b.Spec)
		if err != nil {
			t.Fatal(err)
		}
		s2, err := Parse(again)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if _, err := Validate(s2, ValidateOptions{}); err != nil {
			t.Fatalf("verdict changed after a round trip: %v", err)
		}
	})
}

// fuzzDir returns a scratch directory on tmpfs when there is one. Rewriting
// the same small file thousands of times a second on ext4 mounted with
// "discard" (as on the project's VMs) stalls in synchronous block I/O for
// seconds at a time, and the fuzzer then reports no progress at all.
func fuzzDir(f *testing.F) string {
	dir, err := os.MkdirTemp("/dev/shm", "rt-spec-fuzz-")
	if err != nil {
		return f.TempDir()
	}
	f.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// isNull reports whether data is JSON null with surrounding whitespace.
func isNull(data []byte) bool {
	var v any
	return json.Unmarshal(data, &v) == nil && v == nil
}
