package spec

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func addMount(m specs.Mount) func(*specs.Spec) {
	return func(s *specs.Spec) { s.Mounts = append(s.Mounts, m) }
}

func TestValidateMounts(t *testing.T) {
	const p = "mounts[7]" // the example has 7 mounts
	runCases(t, []vcase{
		{name: "bind", mod: addMount(specs.Mount{Destination: "/data", Source: "data", Options: []string{"rbind", "ro"}})},
		{name: "relative destination", mod: addMount(specs.Mount{Destination: "data", Type: "tmpfs"}),
			path: p + ".destination", msg: `must be an absolute path, not "data"`},
		{name: "empty destination", mod: addMount(specs.Mount{Type: "tmpfs"}),
			path: p + ".destination", msg: "must not be empty"},
		{name: "bind type without source", mod: addMount(specs.Mount{Destination: "/x", Type: "bind"}),
			path: p + ".source", msg: "must be specified for a bind mount"},
		{name: "bind option without source", mod: addMount(specs.Mount{Destination: "/x", Options: []string{"bind"}}),
			path: p + ".source", msg: "must be specified for a bind mount"},
		{name: "NUL option", mod: addMount(specs.Mount{Destination: "/x", Type: "tmpfs", Options: []string{"a", "b\x00"}}),
			path: p + ".options[1]", msg: "NUL"},
		{name: "NUL source", mod: addMount(specs.Mount{Destination: "/x", Type: "tmpfs", Source: "\x00"}),
			path: p + ".source", msg: "NUL"},
		{name: "tmpfs on /proc", mod: addMount(specs.Mount{Destination: "/proc/", Type: "tmpfs", Source: "tmpfs"}),
			path: p, msg: `"tmpfs" cannot be mounted to "/proc" because it is not of type proc`},
		{name: "bind on /proc", mod: addMount(specs.Mount{Destination: "/proc", Type: "bind", Source: "/proc"})},
		{name: "inside /proc", mod: addMount(specs.Mount{Destination: "/proc/sys/kernel/core_pattern", Type: "bind", Source: "/x"}),
			path: p + ".destination", msg: `"/proc/sys/kernel/core_pattern" cannot be mounted because it is inside /proc`},
		{name: "inside /proc via ..", mod: addMount(specs.Mount{Destination: "/tmp/../proc/self", Type: "tmpfs"}),
			path: p + ".destination", msg: "inside /proc"},
		{name: "lxcfs meminfo", mod: addMount(specs.Mount{Destination: "/proc/meminfo", Type: "bind", Source: "/var/lib/lxcfs/proc/meminfo"})},
		{name: "/procfoo is not /proc", mod: addMount(specs.Mount{Destination: "/procfoo", Type: "tmpfs"})},
	})
}

func TestValidateIDMappedMounts(t *testing.T) {
	const p = "mounts[7]"
	maps := []specs.LinuxIDMapping{idmap(0, 1000, 10)}
	runCases(t, []vcase{
		{name: "ok", mod: addMount(specs.Mount{Destination: "/x", Source: "/y", Type: "bind", Options: []string{"idmap"},
			UIDMappings: maps, GIDMappings: maps})},
		{name: "not bind", mod: addMount(specs.Mount{Destination: "/x", Type: "tmpfs", UIDMappings: maps, GIDMappings: maps}),
			path: p, msg: "gidMappings/uidMappings is supported only for mounts with the option 'bind'"},
		{name: "uid only", mod: addMount(specs.Mount{Destination: "/x", Source: "/y", Type: "bind", UIDMappings: maps}),
			path: p + ".gidMappings", msg: "must be specified along with uidMappings"},
		{name: "gid only", mod: addMount(specs.Mount{Destination: "/x", Source: "/y", Type: "bind", GIDMappings: maps}),
			path: p + ".uidMappings", msg: "must be specified along with gidMappings"},
		{name: "bad map", mod: addMount(specs.Mount{Destination: "/x", Source: "/y", Type: "bind",
			UIDMappings: maps, GIDMappings: []specs.LinuxIDMapping{idmap(0, 0, 0)}}),
			path: p + ".gidMappings[0].size", msg: "must not be zero"},
		{name: "idmap without maps or userns", mod: addMount(specs.Mount{Destination: "/x", Source: "/y", Type: "bind",
			Options: []string{"ridmap"}}), path: p + ".options", msg: "needs a user namespace"},
		{name: "idmap from userns", mod: func(s *specs.Spec) {
			withUserNS(s)
			addMount(specs.Mount{Destination: "/x", Source: "/y", Type: "bind", Options: []string{"idmap"}})(s)
		}},
	})
}

func TestValidateSeccomp(t *testing.T) {
	errno := uint(1)
	sc := func(f func(*specs.LinuxSeccomp)) func(*specs.Spec) {
		return func(s *specs.Spec) {
			s.Linux.Seccomp = &specs.LinuxSeccomp{
				DefaultAction: specs.ActErrno,
				Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86},
				Flags:         []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog},
				Syscalls: []specs.LinuxSyscall{{Names: []string{"read", "write"}, Action: specs.ActAllow,
					Args: []specs.LinuxSeccompArg{{Index: 5, Value: 1, Op: specs.OpMaskedEqual}}}},
			}
			if f != nil {
				f(s.Linux.Seccomp)
			}
		}
	}
	const p = "linux.seccomp"
	runCases(t, []vcase{
		{name: "ok", mod: sc(nil)},
		{name: "empty means disabled", mod: func(s *specs.Spec) { s.Linux.Seccomp = &specs.LinuxSeccomp{} }},
		{name: "default action", mod: sc(func(l *specs.LinuxSeccomp) { l.DefaultAction = "SCMP_ACT_FOO" }),
			path: p + ".defaultAction", msg: `"SCMP_ACT_FOO" is not a valid action for seccomp`},
		{name: "missing default action", mod: sc(func(l *specs.LinuxSeccomp) { l.DefaultAction = "" }),
			path: p + ".defaultAction", msg: "not a valid action"},
		{name: "default notify", mod: sc(func(l *specs.LinuxSeccomp) { l.DefaultAction = specs.ActNotify; l.ListenerPath = "/s" }),
			path: p + ".defaultAction", msg: "SCMP_ACT_NOTIFY cannot be used as the default action"},
		{name: "default errno with allow", mod: sc(func(l *specs.LinuxSeccomp) { l.DefaultAction = specs.ActAllow; l.DefaultErrnoRet = &errno }),
			path: p + ".defaultErrnoRet", msg: "only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno"},
		{name: "arch", mod: sc(func(l *specs.LinuxSeccomp) { l.Architectures[1] = "SCMP_ARCH_Z80" }),
			path: p + ".architectures[1]", msg: `"SCMP_ARCH_Z80" is not a valid arch for seccomp`},
		{name: "flag", mod: sc(func(l *specs.LinuxSeccomp) { l.Flags = []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_X"} }),
			path: p + ".flags[0]", msg: "not a known seccomp filter flag"},
		{name: "syscall action", mod: sc(func(l *specs.LinuxSeccomp) { l.Syscalls[0].Action = "SCMP_ACT_X" }),
			path: p + ".syscalls[0].action", msg: `"SCMP_ACT_X" is not a valid action for seccomp`},
		{name: "syscall errno with kill", mod: sc(func(l *specs.LinuxSeccomp) {
			l.Syscalls[0].Action = specs.ActKillProcess
			l.Syscalls[0].ErrnoRet = &errno
		}), path: p + ".syscalls[0].errnoRet", msg: "take an errno"},
		{name: "syscall no names", mod: sc(func(l *specs.LinuxSeccomp) { l.Syscalls[0].Names = nil }),
			path: p + ".syscalls[0].names", msg: "at least one entry"},
		{name: "syscall empty name", mod: sc(func(l *specs.LinuxSeccomp) { l.Syscalls[0].Names[1] = "" }),
			path: p + ".syscalls[0].names[1]", msg: "must not be empty"},
		{name: "operator", mod: sc(func(l *specs.LinuxSeccomp) { l.Syscalls[0].Args[0].Op = "SCMP_CMP_X" }),
			path: p + ".syscalls[0].args[0].op", msg: `"SCMP_CMP_X" is not a valid operator for seccomp`},
		{name: "arg index", mod: sc(func(l *specs.LinuxSeccomp) { l.Syscalls[0].Args[0].Index = 6 }),
			path: p + ".syscalls[0].args[0].index", msg: "6 is out of range"},
		{name: "notify without listener", mod: sc(func(l *specs.LinuxSeccomp) { l.Syscalls[0].Action = specs.ActNotify }),
			path: p + ".listenerPath", msg: "must be set when SCMP_ACT_NOTIFY is used"},
		{name: "notify with listener", mod: sc(func(l *specs.LinuxSeccomp) {
			l.Syscalls[0].Action = specs.ActNotify
			l.ListenerPath = "/run/agent.sock"
			l.ListenerMetadata = "x"
		})},
		{name: "metadata without listener", mod: sc(func(l *specs.LinuxSeccomp) { l.ListenerMetadata = "x" }),
			path: p + ".listenerMetadata", msg: "must not be set without listenerPath"},
	})
}

func TestValidateLinuxMisc(t *testing.T) {
	runCases(t, []vcase{
		{name: "personality", mod: func(s *specs.Spec) { s.Linux.Personality = &specs.LinuxPersonality{Domain: specs.PerLinux32} }},
		{name: "personality domain", mod: func(s *specs.Spec) { s.Linux.Personality = &specs.LinuxPersonality{Domain: "BSD"} },
			path: "linux.personality.domain", msg: `invalid personality domain "BSD"`},
		{name: "mempolicy", mod: func(s *specs.Spec) {
			s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "0-1",
				Flags: []specs.MemoryPolicyFlagType{specs.MpolFStaticNodes}}
		}},
		{name: "mempolicy mode", mod: func(s *specs.Spec) { s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: "MPOL_X"} },
			path: "linux.memoryPolicy.mode", msg: `invalid memory policy mode "MPOL_X"`},
		{name: "mempolicy nodes", mod: func(s *specs.Spec) {
			s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "a"}
		}, path: "linux.memoryPolicy.nodes", msg: "invalid memory policy nodes"},
		{name: "mempolicy flag", mod: func(s *specs.Spec) {
			s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolLocal, Flags: []specs.MemoryPolicyFlagType{"F"}}
		}, path: "linux.memoryPolicy.flags[0]", msg: `invalid memory policy flag "F"`},
		{name: "rdt closID", mod: func(s *specs.Spec) { s.Linux.IntelRdt = &specs.LinuxIntelRdt{ClosID: "../x"} },
			path: "linux.intelRdt.closID", msg: `invalid intelRdt.ClosID "../x"`},
		{name: "netdevices", mod: func(s *specs.Spec) {
			s.Linux.NetDevices = map[string]specs.LinuxNetDevice{"eth1": {Name: "ctr0"}}
		}},
		{name: "netdevices without netns", mod: func(s *specs.Spec) {
			s.Linux.Namespaces = ns("uts", "mount")
			s.Linux.NetDevices = map[string]specs.LinuxNetDevice{"eth1": {}}
		}, path: "linux.netDevices", msg: "require a network namespace"},
		{name: "netdevice name", mod: func(s *specs.Spec) {
			s.Linux.NetDevices = map[string]specs.LinuxNetDevice{"eth1": {Name: "a/b"}}
		}, path: `linux.netDevices["eth1"].name`, msg: "invalid network interface name"},
		{name: "netdevice key", mod: func(s *specs.Spec) {
			s.Linux.NetDevices = map[string]specs.LinuxNetDevice{"waytoolonginterface": {}}
		}, path: `linux.netDevices["waytoolonginterface"]`, msg: "invalid network interface name"},
		{name: "cgroupsPath NUL", mod: func(s *specs.Spec) { s.Linux.CgroupsPath = "/a\x00" },
			path: "linux.cgroupsPath", msg: "NUL"},
	})
}

func TestValidateRootless(t *testing.T) {
	rl := ValidateOptions{Rootless: true}
	rootless := func(f func(*specs.Spec)) func(*specs.Spec) {
		return func(s *specs.Spec) {
			toRootless(s, 1000, 1000)
			if f != nil {
				f(s)
			}
		}
	}
	runCases(t, []vcase{
		{name: "ok", opts: rl, mod: rootless(nil)},
		{name: "no userns", opts: rl, path: "linux.namespaces", msg: "rootless container requires user namespaces"},
		{name: "no uid maps", opts: rl, mod: rootless(func(s *specs.Spec) { s.Linux.UIDMappings = nil }),
			path: "linux.uidMappings", msg: "must not be empty when a new user namespace is created"},
		{name: "joined userns", opts: rl, mod: func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "user", Path: "/proc/1/ns/user"})
		}},
		{name: "mapped gid option", opts: rl, mod: rootless(func(s *specs.Spec) { s.Mounts[2].Options = append(s.Mounts[2].Options, "gid=0") })},
		{name: "unmapped gid option", opts: rl, mod: rootless(func(s *specs.Spec) { s.Mounts[2].Options = append(s.Mounts[2].Options, "gid=5") }),
			path: "mounts[2].options[5]", msg: "cannot specify gid= mount options for unmapped gid in rootless containers"},
		{name: "unmapped uid option", opts: rl, mod: rootless(func(s *specs.Spec) { s.Mounts[1].Options = []string{"uid=1"} }),
			path: "mounts[1].options[0]", msg: "unmapped uid"},
		{name: "non-numeric uid option", opts: rl, mod: rootless(func(s *specs.Spec) { s.Mounts[1].Options = []string{"uid=x"} })},
		{name: "rootful example with uid option", mod: func(s *specs.Spec) { s.Mounts[1].Options = []string{"uid=1"} }},
	})
	// runc's own texts for a user namespace whose mappings are missing
	// entirely are reported before the rootless checks.
	s := base()
	toRootless(s, 1, 1)
	s.Linux.UIDMappings, s.Linux.GIDMappings = nil, nil
	_, err := Validate(s, rl)
	checkErr(t, err, "linux.namespaces[4]", "no namespace path to join nor mappings")
}
