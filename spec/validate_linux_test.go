package spec

import (
	"encoding/json"
	"errors"
	"os"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func idmap(c, h, n uint32) specs.LinuxIDMapping {
	return specs.LinuxIDMapping{ContainerID: c, HostID: h, Size: n}
}

func withUserNS(s *specs.Spec) {
	s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
	s.Linux.UIDMappings = []specs.LinuxIDMapping{idmap(0, 1000, 1)}
	s.Linux.GIDMappings = []specs.LinuxIDMapping{idmap(0, 1000, 1)}
}

func TestValidateUserNS(t *testing.T) {
	runCases(t, []vcase{
		{name: "ok", mod: withUserNS},
		{name: "maps without userns", mod: func(s *specs.Spec) { s.Linux.UIDMappings = []specs.LinuxIDMapping{idmap(0, 0, 1)} },
			path: "linux.uidMappings", msg: "user namespace mappings specified, but user namespace isn't enabled in the config"},
		{name: "gid maps without userns", mod: func(s *specs.Spec) { s.Linux.GIDMappings = []specs.LinuxIDMapping{idmap(0, 0, 1)} },
			path: "linux.gidMappings", msg: "user namespace isn't enabled"},
		{name: "userns without maps", mod: func(s *specs.Spec) { withUserNS(s); s.Linux.UIDMappings, s.Linux.GIDMappings = nil, nil },
			path: "linux.namespaces[5]", msg: "user namespaces enabled, but no namespace path to join nor mappings to apply specified"},
		{name: "userns without gid maps", mod: func(s *specs.Spec) { withUserNS(s); s.Linux.GIDMappings = nil },
			path: "linux.gidMappings", msg: "must not be empty"},
		{name: "joined userns", mod: func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "user", Path: "/proc/1/ns/user"})
		}},
		{name: "size zero", mod: func(s *specs.Spec) { withUserNS(s); s.Linux.UIDMappings[0].Size = 0 },
			path: "linux.uidMappings[0].size", msg: "must not be zero"},
		{name: "wraps", mod: func(s *specs.Spec) { withUserNS(s); s.Linux.GIDMappings[0] = idmap(0, 1<<32-1, 2) },
			path: "linux.gidMappings[0]", msg: "wraps"},
		{name: "overlap", mod: func(s *specs.Spec) {
			withUserNS(s)
			s.Linux.UIDMappings = []specs.LinuxIDMapping{idmap(0, 1000, 10), idmap(10, 2000, 5), idmap(12, 3000, 1)}
		}, path: "linux.uidMappings[2]", msg: "overlaps linux.uidMappings[1]"},
		{name: "host overlap", mod: func(s *specs.Spec) {
			withUserNS(s)
			s.Linux.UIDMappings = []specs.LinuxIDMapping{idmap(0, 1000, 10), idmap(100, 1005, 1)}
		}, path: "linux.uidMappings[1]", msg: "overlaps"},
		{name: "too many", mod: func(s *specs.Spec) {
			withUserNS(s)
			s.Linux.UIDMappings = nil
			for i := uint32(0); i < 341; i++ {
				s.Linux.UIDMappings = append(s.Linux.UIDMappings, idmap(i, i, 1))
			}
		}, path: "linux.uidMappings", msg: "at most 340"},
	})
	s := base()
	s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "user", Path: "/proc/1/ns/user"})
	s.Linux.UIDMappings = []specs.LinuxIDMapping{idmap(0, 0, 1)}
	if w, err := Validate(s, ValidateOptions{}); err != nil || len(w) != 1 {
		t.Fatalf("joined userns with mappings: want one warning, got %q, %v", w, err)
	}
}

func TestValidateTimeNS(t *testing.T) {
	offsets := func(m map[string]specs.LinuxTimeOffset) func(*specs.Spec) {
		return func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.TimeNamespace})
			s.Linux.TimeOffsets = m
		}
	}
	runCases(t, []vcase{
		{name: "ok", mod: offsets(map[string]specs.LinuxTimeOffset{"boottime": {Secs: -5}, "monotonic": {Nanosecs: 999999999}})},
		{name: "no time ns", mod: func(s *specs.Spec) { s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"boottime": {}} },
			path: "linux.timeOffsets", msg: "time namespace offsets specified, but time namespace isn't enabled in the config"},
		{name: "joined time ns", mod: func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "time", Path: "/proc/1/ns/time"})
			s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"boottime": {}}
		}, path: "linux.timeOffsets", msg: "joined time namespace"},
		{name: "unknown clock", mod: offsets(map[string]specs.LinuxTimeOffset{"realtime": {}}),
			path: `linux.timeOffsets["realtime"]`, msg: `unknown clock "realtime"`},
		{name: "nanosecs", mod: offsets(map[string]specs.LinuxTimeOffset{"monotonic": {Nanosecs: 1e9}}),
			path: `linux.timeOffsets["monotonic"].nanosecs`, msg: "not less than"},
	})
}

func TestValidateSysctl(t *testing.T) {
	sysctl := func(k string, types ...specs.LinuxNamespaceType) func(*specs.Spec) {
		return func(s *specs.Spec) {
			if types != nil {
				s.Linux.Namespaces = ns(append(types, specs.MountNamespace)...)
				s.Hostname = ""
			}
			s.Linux.Sysctl = map[string]string{k: "1"}
		}
	}
	p := func(k string) string { return `linux.sysctl["` + k + `"]` }
	runCases(t, []vcase{
		{name: "net with netns", mod: sysctl("net.ipv4.ip_forward")},
		{name: "net slash form", mod: sysctl("net/ipv4/conf/eth0.100/rp_filter")},
		{name: "net without netns", mod: sysctl("net.ipv4.ip_forward", "ipc"),
			path: p("net.ipv4.ip_forward"), msg: `sysctl "net.ipv4.ip_forward" not allowed in host network namespace`},
		{name: "ipc with ipcns", mod: sysctl("kernel.shmmax")},
		{name: "msg with ipcns", mod: sysctl("kernel.msgmnb")},
		{name: "sem with ipcns", mod: sysctl("kernel.sem")},
		{name: "mqueue with ipcns", mod: sysctl("fs.mqueue.msg_max")},
		{name: "ipc without ipcns", mod: sysctl("kernel.shmmax", "network"),
			path: p("kernel.shmmax"), msg: `sysctl "kernel.shmmax" is not allowed in the hosts ipc namespace`},
		{name: "mqueue without ipcns", mod: sysctl("fs.mqueue.queues_max", "network"),
			path: p("fs.mqueue.queues_max"), msg: "hosts ipc namespace"},
		{name: "domainname with uts", mod: sysctl("kernel.domainname", "uts")},
		{name: "hostname sysctl with uts", mod: sysctl("kernel.hostname", "uts")},
		{name: "hostname sysctl and field", mod: func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"kernel.hostname": "x"} },
			path: p("kernel.hostname"), msg: `conflicts with the OCI "hostname" field`},
		{name: "domainname without uts", mod: sysctl("kernel.domainname", "ipc"),
			path: p("kernel.domainname"), msg: `sysctl "kernel.domainname" is not in a separate kernel namespace`},
		{name: "global kernel", mod: sysctl("kernel.core_pattern"),
			path: p("kernel.core_pattern"), msg: "is not in a separate kernel namespace"},
		{name: "vm", mod: sysctl("vm.overcommit_memory"),
			path: p("vm.overcommit_memory"), msg: "is not in a separate kernel namespace"},
		{name: "slash traversal", mod: sysctl("net/../kernel/core_pattern"),
			path: p("net/../kernel/core_pattern"), msg: "invalid sysctl name"},
		{name: "empty component", mod: sysctl("net..ipv4"), path: p("net..ipv4"), msg: "invalid sysctl name"},
		{name: "empty key", mod: sysctl(""), path: p(""), msg: "empty sysctl name"},
		{name: "value NUL", mod: func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"net.x": "1\x00"} },
			path: p("net.x"), msg: "NUL"},
	})
}

func TestValidateSysctlHostNetNS(t *testing.T) {
	s := base()
	s.Linux.Namespaces[1].Path = "/run/netns/x"
	s.Linux.Sysctl = map[string]string{"net.core.somaxconn": "1"}
	cases := []struct {
		host bool
		err  error
		msg  string
	}{
		{false, nil, ""},
		{true, nil, "not allowed in host network namespace"},
		{false, os.ErrNotExist, "invalid netns path"},
	}
	for _, c := range cases {
		opts := ValidateOptions{HostNetNS: func(string) (bool, error) { return c.host, c.err }}
		_, err := Validate(s, opts)
		if c.msg == "" {
			checkErr(t, err, "", "")
		} else {
			checkErr(t, err, `linux.sysctl["net.core.somaxconn"]`, c.msg)
		}
	}
	_, err := Validate(s, ValidateOptions{HostNetNS: func(string) (bool, error) { return false, os.ErrNotExist }})
	if !errors.Is(err, ErrInvalidConfig) {
		t.Fatal(err)
	}
}

func TestValidateDevices(t *testing.T) {
	dev := func(d specs.LinuxDevice) func(*specs.Spec) {
		return func(s *specs.Spec) { s.Linux.Devices = []specs.LinuxDevice{d} }
	}
	mode := func(m uint32) *os.FileMode { fm := os.FileMode(m); return &fm }
	runCases(t, []vcase{
		{name: "char", mod: dev(specs.LinuxDevice{Type: "c", Path: "/dev/fuse", Major: 10, Minor: 229, FileMode: mode(0o666)})},
		{name: "unbuffered", mod: dev(specs.LinuxDevice{Type: "u", Path: "/dev/x", Major: 1, Minor: 1})},
		{name: "fifo outside /dev", mod: dev(specs.LinuxDevice{Type: "p", Path: "/run/fifo"})},
		{name: "mode with S_IFCHR", mod: dev(specs.LinuxDevice{Type: "c", Path: "/dev/y", FileMode: mode(0o20666)})},
		{name: "bad type", mod: dev(specs.LinuxDevice{Type: "x", Path: "/dev/x"}),
			path: "linux.devices[0].type", msg: `invalid device type "x"`},
		{name: "relative", mod: dev(specs.LinuxDevice{Type: "c", Path: "dev/x"}),
			path: "linux.devices[0].path", msg: "must be an absolute path"},
		{name: "dotdot", mod: dev(specs.LinuxDevice{Type: "c", Path: "/dev/../etc/shadow"}),
			path: "linux.devices[0].path", msg: `must not contain ".." components`},
		{name: "root", mod: dev(specs.LinuxDevice{Type: "c", Path: "//"}),
			path: "linux.devices[0].path", msg: "must name a file"},
		{name: "negative", mod: dev(specs.LinuxDevice{Type: "b", Path: "/dev/sda", Major: -1}),
			path: "linux.devices[0]", msg: "out of range"},
		{name: "mode bits", mod: dev(specs.LinuxDevice{Type: "c", Path: "/dev/x", FileMode: mode(0o200000)}),
			path: "linux.devices[0].fileMode", msg: "bits beyond"},
		{name: "duplicated", mod: func(s *specs.Spec) {
			s.Linux.Devices = []specs.LinuxDevice{{Type: "c", Path: "/dev/x"}, {Type: "c", Path: "/dev//x"}}
		}, path: "linux.devices[1].path", msg: "duplicated device"},
	})
}

func TestValidateCgroupDevices(t *testing.T) {
	n := int64(-2)
	rule := func(r specs.LinuxDeviceCgroup) func(*specs.Spec) {
		return func(s *specs.Spec) { s.Linux.Resources.Devices = append(s.Linux.Resources.Devices, r) }
	}
	runCases(t, []vcase{
		{name: "allow c rw", mod: rule(specs.LinuxDeviceCgroup{Allow: true, Type: "c", Access: "rw"})},
		{name: "type", mod: rule(specs.LinuxDeviceCgroup{Type: "p", Access: "r"}),
			path: "linux.resources.devices[1].type", msg: `invalid cgroup device type "p"`},
		{name: "no access", mod: rule(specs.LinuxDeviceCgroup{Type: "a"}),
			path: "linux.resources.devices[1].access", msg: "device access at 1 field cannot be empty"},
		{name: "bad access", mod: rule(specs.LinuxDeviceCgroup{Access: "rx"}),
			path: "linux.resources.devices[1].access", msg: "not a combination"},
		{name: "bad major", mod: rule(specs.LinuxDeviceCgroup{Access: "r", Major: &n}),
			path: "linux.resources.devices[1]", msg: "device numbers"},
	})
}

func TestValidatePaths(t *testing.T) {
	runCases(t, []vcase{
		{name: "masked relative", mod: func(s *specs.Spec) { s.Linux.MaskedPaths[3] = "proc/keys" },
			path: "linux.maskedPaths[3]", msg: "must be an absolute path"},
		{name: "readonly empty", mod: func(s *specs.Spec) { s.Linux.ReadonlyPaths[0] = "" },
			path: "linux.readonlyPaths[0]", msg: "must not be empty"},
		{name: "no mount ns", mod: func(s *specs.Spec) { s.Linux.Namespaces = ns("uts") },
			path: "linux.maskedPaths", msg: "unable to restrict sys entries without a private MNT namespace"},
		{name: "propagation ok", mod: func(s *specs.Spec) { s.Linux.RootfsPropagation = "rslave" }},
		{name: "propagation bad", mod: func(s *specs.Spec) { s.Linux.RootfsPropagation = "rfoo" },
			path: "linux.rootfsPropagation", msg: `rootfsPropagation="rfoo" is not supported`},
	})
}
