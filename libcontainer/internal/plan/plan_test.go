package plan

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libcontainer/internal/protocol"
)

func TestParseMountOptions(t *testing.T) {
	cases := []struct {
		opts        []string
		flags, prop uint64
		set, clr    uint64
		bind        bool
		data        int
	}{
		{opts: []string{"nosuid", "noexec", "nodev", "ro"}, flags: unix.MS_NOSUID | unix.MS_NOEXEC | unix.MS_NODEV | unix.MS_RDONLY},
		{opts: []string{"ro", "rw"}, flags: 0},
		{opts: []string{"rbind", "rprivate"}, flags: unix.MS_REC, prop: unix.MS_PRIVATE | unix.MS_REC, bind: true},
		{opts: []string{"bind", "rro"}, bind: true, set: unix.MOUNT_ATTR_RDONLY},
		{opts: []string{"rro", "rrw"}, clr: unix.MOUNT_ATTR_RDONLY},
		{opts: []string{"rnoatime"}, set: unix.MOUNT_ATTR_NOATIME, clr: unix.MOUNT_ATTR__ATIME},
		{opts: []string{"mode=755", "size=65536k", "strictatime"}, flags: unix.MS_STRICTATIME, data: 2},
	}
	for _, c := range cases {
		m, err := ParseMountOptions(c.opts)
		if err != nil {
			t.Fatalf("%v: %v", c.opts, err)
		}
		if m.Flags != c.flags || m.Prop != c.prop || m.AttrSet != c.set || m.AttrClr != c.clr || m.Bind != c.bind || len(m.Data) != c.data {
			t.Errorf("%v: got %+v", c.opts, m)
		}
	}
	if _, err := ParseMountOptions([]string{"a,b"}); err == nil {
		t.Error("an option with a comma must be refused")
	}
}

func baseSpec() *specs.Spec {
	return &specs.Spec{
		Version: specs.Version,
		Root:    &specs.Root{Path: "rootfs"},
		Process: &specs.Process{Args: []string{"/bin/true"}, Cwd: "/"},
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/data", Type: "bind", Source: "data", Options: []string{"rbind", "ro"}},
			{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"ro"}},
		},
		Linux: &specs.Linux{
			Namespaces: []specs.LinuxNamespace{{Type: "pid"}, {Type: "mount"}, {Type: "network", Path: "/run/netns/x"}},
			Devices:    []specs.LinuxDevice{{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}},
			Sysctl:     map[string]string{"net.ipv4.ip_forward": "1"},
		},
	}
}

func input(s *specs.Spec) *Input {
	return &Input{Spec: s, BundleDir: "/b", Rootfs: "/b/rootfs", KeepFds: 3, ConsoleFd: -1, StartFd: 5,
		Cgroups: []CgroupMount{{Name: "memory", HostPath: "/sys/fs/cgroup/memory/rt/x"}, {Name: "unified", HostPath: "/sys/fs/cgroup/unified/rt/x", V2: true}}}
}

func count(p *Plan) map[protocol.Type]int {
	n := map[protocol.Type]int{}
	for _, m := range p.Msgs {
		n[m.Type]++
	}
	return n
}

func TestBuild(t *testing.T) {
	p, err := Build(input(baseSpec()))
	if err != nil {
		t.Fatal(err)
	}
	n := count(p)
	// proc, bind, and the cgroup mount expanded into tmpfs + 2 binds.
	if n[protocol.Mount] != 5 {
		t.Errorf("mounts: %d", n[protocol.Mount])
	}
	if n[protocol.Readonly] != 1 { // the read-only cgroup tmpfs
		t.Errorf("readonly: %d", n[protocol.Readonly])
	}
	if n[protocol.Device] != len(DefaultDevices)+1 || n[protocol.NSJoin] != 1 || n[protocol.NSNew] != 1 {
		t.Errorf("counts: %v", n)
	}
	if n[protocol.Sysctl] != 1 || n[protocol.Arg] != 1 || n[protocol.Caps] != 1 || n[protocol.User] != 1 {
		t.Errorf("counts: %v", n)
	}
	// The bind source is made absolute against the bundle.
	for _, m := range p.Msgs {
		if m.Type != protocol.Mount {
			continue
		}
		r := protocol.NewReader(m)
		kind, src, dst := r.U32(), r.Str(), r.Str()
		if dst == "/data" && (kind != protocol.MountKindBind || src != "/b/data") {
			t.Errorf("bind: kind %d src %q", kind, src)
		}
	}
	if last := p.Msgs[len(p.Msgs)-1]; last.Type != protocol.Options {
		t.Errorf("last message %v", last.Type)
	}
}

func TestBuildErrors(t *testing.T) {
	bad := []func(*specs.Spec){
		func(s *specs.Spec) { s.Process.Args = nil },
		func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "foo"})
		},
		func(s *specs.Spec) { s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_FOO"}} },
		func(s *specs.Spec) { s.Linux.Devices[0].Type = "x" },
		func(s *specs.Spec) { s.Mounts[0].Destination = "proc" },
		func(s *specs.Spec) { s.Process.Terminal = true }, // no console fd
		func(s *specs.Spec) { s.Linux.RootfsPropagation = "sideways" },
	}
	for i, f := range bad {
		s := baseSpec()
		f(s)
		if _, err := Build(input(s)); err == nil {
			t.Errorf("case %d: want an error", i)
		}
	}
}

func TestNoMountNamespace(t *testing.T) {
	s := baseSpec()
	s.Linux.Namespaces = []specs.LinuxNamespace{{Type: "pid"}}
	p, err := Build(input(s))
	if err != nil {
		t.Fatal(err)
	}
	n := count(p)
	if n[protocol.Mount]+n[protocol.Device] != 0 || n[protocol.Rootfs] != 1 {
		t.Errorf("no mount namespace: only a chroot expected, got %v", n)
	}
	for _, m := range p.Msgs {
		if m.Type == protocol.Rootfs {
			r := protocol.NewReader(m)
			_, _, _ = r.Str(), r.U64(), r.U32()
			if mode := r.U32(); mode != protocol.RootChroot {
				t.Errorf("rootfs mode %d, want chroot", mode)
			}
		}
	}
}

func TestDevBindSkipsDevices(t *testing.T) {
	s := baseSpec()
	s.Mounts = append(s.Mounts, specs.Mount{Destination: "/dev", Type: "bind", Source: "/dev", Options: []string{"rbind"}})
	p, err := Build(input(s))
	if err != nil {
		t.Fatal(err)
	}
	if n := count(p); n[protocol.Device] != 0 {
		t.Errorf("devices with /dev bound from the host: %d", n[protocol.Device])
	}
}

func TestTimeOffsets(t *testing.T) {
	got := timeOffsets(map[string]specs.LinuxTimeOffset{"boottime": {Secs: 1}, "monotonic": {Secs: -2, Nanosecs: 3}})
	if want := "monotonic -2 3\nboottime 1 0\n"; got != want {
		t.Errorf("got %q want %q", got, want)
	}
}
