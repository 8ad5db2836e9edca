package plan

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libcontainer/internal/protocol"
)

// An exec plan joins through the pidfd and carries the process settings,
// but nothing that builds a container (namespaces, rootfs, hostname,
// sysctls, hooks, a start socket).
func TestBuildExec(t *testing.T) {
	s := &specs.Spec{
		Hostname: "h",
		Process: &specs.Process{Args: []string{"sh"}, Env: []string{"A=1"}, Cwd: "/tmp",
			Rlimits: []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 10, Hard: 20}}, NoNewPrivileges: true},
		Linux: &specs.Linux{
			Namespaces: []specs.LinuxNamespace{{Type: specs.PIDNamespace}, {Type: specs.MountNamespace}},
			Sysctl:     map[string]string{"net.ipv4.ip_forward": "1"},
		},
		Hooks: &specs.Hooks{StartContainer: []specs.Hook{{Path: "/h"}}},
	}
	p, err := BuildExec(&ExecInput{Spec: s, PidFd: 5, JoinFlags: unix.CLONE_NEWPID | unix.CLONE_NEWNS,
		RootFd: -1, KeepFds: 4, ConsoleFd: -1, SeccompBPF: []byte{1, 2, 3, 4, 5, 6, 7, 8}})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[protocol.Type]protocol.Msg{}
	for _, m := range p.Msgs {
		seen[m.Type] = m
	}
	for _, banned := range []protocol.Type{protocol.NSJoin, protocol.NSNew, protocol.Rootfs, protocol.Hostname,
		protocol.Sysctl, protocol.Hook, protocol.Mount, protocol.Mask} {
		if _, ok := seen[banned]; ok {
			t.Errorf("exec plan has %v", banned)
		}
	}
	for _, want := range []protocol.Type{protocol.Exec, protocol.Rlimit, protocol.Arg, protocol.Env, protocol.Cwd,
		protocol.Caps, protocol.User, protocol.NoNewPrivs, protocol.Seccomp, protocol.Fds, protocol.StartFd, protocol.Options} {
		if _, ok := seen[want]; !ok {
			t.Errorf("exec plan lacks %v", want)
		}
	}
	r := protocol.NewReader(seen[protocol.Exec])
	if fd, flags, root := r.U32(), r.U64(), int32(r.U32()); fd != 5 || flags != unix.CLONE_NEWPID|unix.CLONE_NEWNS || root != -1 {
		t.Errorf("Exec message: fd %d flags %#x root %d", fd, flags, root)
	}
	r = protocol.NewReader(seen[protocol.Options])
	if o := r.U32(); o != protocol.OptExec|protocol.OptNoNewKeyring {
		t.Errorf("options %#x", o)
	}
	r = protocol.NewReader(seen[protocol.StartFd])
	if fd := int32(r.U32()); fd != -1 {
		t.Errorf("start fd %d", fd)
	}
	if _, err := BuildExec(&ExecInput{Spec: &specs.Spec{}, PidFd: 3}); err == nil {
		t.Error("no process: no error")
	}
	if _, err := BuildExec(&ExecInput{Spec: s, PidFd: -1}); err == nil {
		t.Error("no pidfd: no error")
	}
}

// Binds of a container with a new user namespace, and idmapped ones, are
// made by the parent (Plan.Trees) and referenced by fd in the Mount message.
func TestHostTrees(t *testing.T) {
	maps := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	spec := func(userns bool, m specs.Mount) *specs.Spec {
		s := &specs.Spec{Process: &specs.Process{Args: []string{"sh"}}, Root: &specs.Root{Path: "rootfs"},
			Linux: &specs.Linux{Namespaces: []specs.LinuxNamespace{{Type: specs.MountNamespace}}}, Mounts: []specs.Mount{m}}
		if userns {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
			s.Linux.UIDMappings, s.Linux.GIDMappings = maps, maps
		}
		return s
	}
	bind := specs.Mount{Destination: "/d", Type: "bind", Source: "/src", Options: []string{"rbind", "ro", "nosuid"}}
	idm := specs.Mount{Destination: "/i", Type: "bind", Source: "/src", Options: []string{"bind", "ridmap"}}
	cases := []struct {
		name       string
		s          *specs.Spec
		privileged bool
		trees      int
		err        bool
	}{
		{"plain bind, no userns", spec(false, bind), true, 0, false},
		{"bind in a userns", spec(true, bind), true, 1, false},
		{"bind in a userns, rootless", spec(true, bind), false, 0, false},
		{"idmap, container mappings", spec(true, idm), true, 1, false},
		{"idmap without any mappings", spec(false, idm), true, 0, true},
		{"idmap rootless", spec(true, idm), false, 0, true},
		{"idmap on a tmpfs", spec(true, specs.Mount{Destination: "/t", Type: "tmpfs", Options: []string{"idmap"}}), true, 0, true},
	}
	for _, c := range cases {
		p, err := Build(&Input{Spec: c.s, Rootfs: "/r", BundleDir: "/b", ConsoleFd: -1, StartFd: -1,
			Privileged: c.privileged, TreeFdBase: 7})
		if (err != nil) != c.err {
			t.Errorf("%s: err = %v", c.name, err)
			continue
		}
		if err != nil {
			continue
		}
		if len(p.Trees) != c.trees {
			t.Errorf("%s: %d trees, want %d", c.name, len(p.Trees), c.trees)
			continue
		}
		if c.trees == 1 {
			tr := p.Trees[0]
			if tr.Fd != 7 || tr.Source != "/src" {
				t.Errorf("%s: tree %+v", c.name, tr)
			}
			if c.s.Mounts[0].Destination == "/d" && (!tr.Recursive || tr.AttrSet != unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NOSUID || tr.IDMap) {
				t.Errorf("%s: tree %+v", c.name, tr)
			}
			if c.s.Mounts[0].Destination == "/i" && (!tr.IDMap || !tr.IDMapRec || len(tr.UIDMap) != 1 || tr.UIDMap[0].HostID != 100000) {
				t.Errorf("%s: tree %+v", c.name, tr)
			}
		}
	}
}
