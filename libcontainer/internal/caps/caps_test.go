package caps

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestNamesAreCompleteAndUnique(t *testing.T) {
	all := Names()
	if len(all) != unix.CAP_LAST_CAP+1 {
		t.Fatalf("%d names, x/sys/unix knows %d capabilities", len(all), unix.CAP_LAST_CAP+1)
	}
	for n, name := range all {
		if !strings.HasPrefix(name, "CAP_") {
			t.Errorf("capability %d has name %q", n, name)
		}
		if got, ok := Parse(name); !ok || got != n {
			t.Errorf("Parse(%q) = %d, %v; want %d", name, got, ok, n)
		}
	}
	all[0] = "changed"
	if Names()[0] != "CAP_CHOWN" {
		t.Error("Names returns the package's own array")
	}
}

func TestParse(t *testing.T) {
	cases := []struct {
		name string
		n    int
		ok   bool
	}{
		{"CAP_CHOWN", 0, true},
		{"CAP_SYS_ADMIN", 21, true},
		{"CAP_CHECKPOINT_RESTORE", 40, true},
		{"cap_sys_admin", 0, false}, // runc matches exactly; so do we
		{"SYS_ADMIN", 0, false},
		{"CAP_NOPE", 0, false},
		{"", 0, false},
	}
	for _, c := range cases {
		n, ok := Parse(c.name)
		if ok != c.ok || (ok && n != c.n) {
			t.Errorf("Parse(%q) = %d, %v; want %d, %v", c.name, n, ok, c.n, c.ok)
		}
	}
}

func TestLast(t *testing.T) {
	data, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err != nil {
		t.Skip(err)
	}
	if got, want := Last(), strings.TrimSpace(string(data)); want != strconv.Itoa(got) {
		t.Errorf("Last() = %d, cap_last_cap says %s", got, want)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad")
	_ = os.WriteFile(bad, []byte("garbage\n"), 0o644)
	small := filepath.Join(dir, "small")
	_ = os.WriteFile(small, []byte("37\n"), 0o644)
	for path, want := range map[string]int{bad: 40, small: 37, filepath.Join(dir, "missing"): 40} {
		if got := readLast(path); got != want {
			t.Errorf("readLast(%s) = %d, want %d", filepath.Base(path), got, want)
		}
	}
}

func TestSets(t *testing.T) {
	c := &specs.LinuxCapabilities{
		Bounding:    []string{"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_PERFMON"},
		Effective:   []string{"CAP_KILL", "CAP_KILL"},
		Permitted:   []string{"CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_UNKNOWN"},
		Inheritable: []string{"CAP_NET_BIND_SERVICE"},
		Ambient:     []string{"CAP_NET_BIND_SERVICE", "CAP_KILL", "CAP_UNKNOWN", "CAP_ALSO_UNKNOWN"},
	}
	// A kernel whose last capability is 37: CAP_PERFMON (38) is unavailable.
	b, warnings := sets(c, 37)
	want := Bits{
		Bounding:    1<<unix.CAP_CHOWN | 1<<unix.CAP_KILL | 1<<unix.CAP_NET_BIND_SERVICE,
		Effective:   1 << unix.CAP_KILL,
		Permitted:   1<<unix.CAP_KILL | 1<<unix.CAP_NET_BIND_SERVICE,
		Inheritable: 1 << unix.CAP_NET_BIND_SERVICE,
		Ambient:     1 << unix.CAP_NET_BIND_SERVICE, // CAP_KILL is not inheritable
	}
	if b != want {
		t.Errorf("sets = %+v\nwant   %+v", b, want)
	}
	wantWarn := []string{
		"ignoring unknown or unavailable capabilities: [CAP_ALSO_UNKNOWN CAP_PERFMON CAP_UNKNOWN]",
	}
	if !slices.Equal(warnings, wantWarn) {
		t.Errorf("warnings = %q\nwant       %q", warnings, wantWarn)
	}
}

func TestSetsClean(t *testing.T) {
	if b, w := Sets(nil); b != (Bits{}) || w != nil {
		t.Errorf("Sets(nil) = %+v, %q", b, w)
	}
	all := Names()[:Last()+1]
	b, w := Sets(&specs.LinuxCapabilities{Bounding: all, Permitted: all, Effective: all})
	if w != nil {
		t.Errorf("warnings for known names: %q", w)
	}
	full := uint64(1)<<(Last()+1) - 1
	if b.Bounding != full || b.Permitted != full || b.Effective != full || b.Inheritable != 0 || b.Ambient != 0 {
		t.Errorf("all capabilities: %+v, want %#x in B/P/E only", b, full)
	}
}

func TestList(t *testing.T) {
	got := List(1<<unix.CAP_CHOWN | 1<<unix.CAP_SYS_ADMIN | 1<<63)
	want := []string{"CAP_CHOWN", "CAP_SYS_ADMIN", "CAP_63"}
	if !slices.Equal(got, want) {
		t.Errorf("List = %q, want %q", got, want)
	}
	if List(0) != nil {
		t.Error("List(0) is not nil")
	}
}
