package spec

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestExampleValidates(t *testing.T) {
	for _, rootless := range []bool{false, true} {
		for _, s := range []*specs.Spec{Example(rootless), toRootlessIf(example(true), rootless)} {
			w, err := Validate(s, ValidateOptions{Rootless: rootless})
			if err != nil || len(w) != 0 {
				t.Fatalf("rootless=%v: %v, warnings %q", rootless, err, w)
			}
			// And the same after a JSON round trip, as `rt spec` then `rt run` sees it.
			var back specs.Spec
			if err := json.Unmarshal([]byte(mustJSON(t, s)), &back); err != nil {
				t.Fatal(err)
			}
			if _, err := Validate(&back, ValidateOptions{Rootless: rootless}); err != nil {
				t.Fatalf("rootless=%v after round trip: %v", rootless, err)
			}
		}
	}
}

func toRootlessIf(s *specs.Spec, rootless bool) *specs.Spec {
	if rootless {
		toRootless(s, 1000, 100)
	}
	return s
}

// TestExampleContent pins the content that runc's `spec` produces.
func TestExampleContent(t *testing.T) {
	s := example(false)
	caps := []string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}
	pc := s.Process.Capabilities
	switch {
	case s.Version != "1.3.0" || s.Hostname != "rt":
		t.Errorf("version %q hostname %q", s.Version, s.Hostname)
	case *s.Root != specs.Root{Path: "rootfs", Readonly: true}:
		t.Errorf("root %+v", s.Root)
	case !slices.Equal(s.Process.Args, []string{"sh"}) || !s.Process.Terminal || s.Process.Cwd != "/":
		t.Errorf("process %+v", s.Process)
	case !s.Process.NoNewPrivileges || !reflect.DeepEqual(s.Process.User, specs.User{}):
		t.Errorf("process %+v", s.Process)
	case !slices.Equal(pc.Bounding, caps) || !slices.Equal(pc.Effective, caps) ||
		!slices.Equal(pc.Permitted, caps) || !slices.Equal(pc.Ambient, caps) || pc.Inheritable != nil:
		t.Errorf("capabilities %+v", pc)
	case !reflect.DeepEqual(s.Process.Rlimits, []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: 1024, Soft: 1024}}):
		t.Errorf("rlimits %+v", s.Process.Rlimits)
	case len(s.Linux.MaskedPaths) != 10 || len(s.Linux.ReadonlyPaths) != 5:
		t.Errorf("masked %q readonly %q", s.Linux.MaskedPaths, s.Linux.ReadonlyPaths)
	case !reflect.DeepEqual(s.Linux.Resources.Devices, []specs.LinuxDeviceCgroup{{Access: "rwm"}}):
		t.Errorf("device rules %+v", s.Linux.Resources.Devices)
	}
	var dests, types []string
	for _, m := range s.Mounts {
		dests = append(dests, m.Destination)
		types = append(types, m.Type)
	}
	if !slices.Equal(dests, []string{"/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"}) ||
		!slices.Equal(types, []string{"proc", "tmpfs", "devpts", "tmpfs", "mqueue", "sysfs", "cgroup"}) {
		t.Errorf("mounts %q %q", dests, types)
	}
	if got := nsTypes(s); !slices.Equal(got, []string{"pid", "network", "ipc", "uts", "mount"}) {
		t.Errorf("namespaces %q", got)
	}
	if got := nsTypes(example(true)); !slices.Equal(got, []string{"pid", "network", "ipc", "uts", "mount", "cgroup"}) {
		t.Errorf("cgroup v2 namespaces %q", got)
	}
}

func nsTypes(s *specs.Spec) []string {
	var out []string
	for _, n := range s.Linux.Namespaces {
		out = append(out, string(n.Type))
	}
	return out
}

func TestExampleRootless(t *testing.T) {
	s := example(true)
	toRootless(s, 1000, 100)
	if got := nsTypes(s); !slices.Equal(got, []string{"pid", "ipc", "uts", "mount", "cgroup", "user"}) {
		t.Errorf("namespaces %q", got)
	}
	if !reflect.DeepEqual(s.Linux.UIDMappings, []specs.LinuxIDMapping{{HostID: 1000, Size: 1}}) ||
		!reflect.DeepEqual(s.Linux.GIDMappings, []specs.LinuxIDMapping{{HostID: 100, Size: 1}}) {
		t.Errorf("mappings %+v %+v", s.Linux.UIDMappings, s.Linux.GIDMappings)
	}
	if s.Linux.Resources != nil {
		t.Errorf("resources %+v", s.Linux.Resources)
	}
	sys := s.Mounts[5]
	if sys.Destination != "/sys" || sys.Source != "/sys" || sys.Type != "none" ||
		!slices.Equal(sys.Options, []string{"rbind", "nosuid", "noexec", "nodev", "ro"}) {
		t.Errorf("/sys %+v", sys)
	}
	if pts := s.Mounts[2]; slices.Contains(pts.Options, "gid=5") || len(pts.Options) != 5 {
		t.Errorf("devpts options %q", pts.Options)
	}
	if mq := s.Mounts[4]; !slices.Equal(mq.Options, []string{"nosuid", "noexec", "nodev"}) {
		t.Errorf("mqueue options %q", mq.Options)
	}
	// Example(true) maps the caller.
	r := Example(true)
	if r.Linux.UIDMappings[0].HostID != uint32(os.Geteuid()) || r.Linux.GIDMappings[0].HostID != uint32(os.Getegid()) {
		t.Errorf("Example(true) mappings %+v %+v", r.Linux.UIDMappings, r.Linux.GIDMappings)
	}
}

func TestExampleFresh(t *testing.T) {
	a := Example(false)
	a.Process.Capabilities.Bounding[0] = "CAP_SYS_ADMIN"
	a.Mounts[1].Options[0] = "x"
	b := Example(false)
	if b.Process.Capabilities.Bounding[0] != "CAP_AUDIT_WRITE" || b.Process.Capabilities.Effective[0] != "CAP_AUDIT_WRITE" ||
		b.Mounts[1].Options[0] != "nosuid" {
		t.Fatal("Example shares state between calls")
	}
}

func TestWriteExample(t *testing.T) {
	dir := t.TempDir()
	old := unix.Umask(0o027)
	err := WriteExample(dir, false)
	unix.Umask(old)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, ConfigName))
	if err != nil || fi.Mode().Perm() != 0o640 {
		t.Fatalf("mode %v, %v; want 0640 under umask 027", fi.Mode(), err)
	}
	b, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(b.Spec, Example(false)) {
		t.Error("written config differs from Example")
	}
	if _, err := Validate(b.Spec, ValidateOptions{}); err != nil {
		t.Fatal(err)
	}
	err = WriteExample(dir, true)
	if err == nil || err.Error() != "File config.json exists. Remove it first" {
		t.Fatalf("overwrite: %v", err)
	}
}

func TestWriteExampleSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "elsewhere")
	if err := os.Symlink(target, filepath.Join(dir, ConfigName)); err != nil {
		t.Fatal(err)
	}
	if err := WriteExample(dir, false); err == nil || err.Error() != "File config.json exists. Remove it first" {
		t.Fatalf("dangling symlink: %v", err)
	}
	if _, err := os.Lstat(target); !os.IsNotExist(err) {
		t.Fatal("WriteExample followed the symlink")
	}
	if err := WriteExample(filepath.Join(dir, "missing"), false); !os.IsNotExist(unwrapAll(err)) {
		t.Fatalf("missing dir: %v", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}
