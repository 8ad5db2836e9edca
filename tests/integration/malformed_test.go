package integration

// Malformed configs and container ids: every one must make the runtime exit 1
// with an error that names the offending field (its JSON path) or the id
// rule, and leave nothing behind (no state dir, cgroup, mount or process).

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// malformedCase is one bad config. mutate edits the typed spec; raw, if set,
// edits the config as generic JSON afterwards (for wrong types and values the
// Go types cannot hold); file, if set (with neither), replaces config.json
// entirely; append is added at the end of the written file.
type malformedCase struct {
	name   string
	mutate func(*specs.Spec)
	raw    func(m map[string]any)
	file   string
	append string   // appended to the written config.json
	want   []string // substrings of the error (case-insensitive); the field path first
}

func i64(v int64) *int64 { return &v }
func iptr(v int) *int    { return &v }

// jget walks a generic JSON object along keys, creating objects as needed.
func jget(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	return m
}

func malformedConfigCases() []malformedCase {
	nsWith := func(extra ...specs.LinuxNamespace) func(*specs.Spec) {
		return func(s *specs.Spec) { s.Linux.Namespaces = append(s.Linux.Namespaces, extra...) }
	}
	userNS := func(s *specs.Spec) {
		setNS(specs.UserNamespace, "")(s)
		s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
		s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	}
	mount := func(m specs.Mount) func(*specs.Spec) { return addMount(m) }
	hook := func(h specs.Hook) func(*specs.Spec) {
		return func(s *specs.Spec) {
			if s.Hooks == nil {
				s.Hooks = &specs.Hooks{}
			}
			s.Hooks.CreateRuntime = append(s.Hooks.CreateRuntime, h)
		}
	}
	res := func(f func(r *specs.LinuxResources)) func(*specs.Spec) {
		return func(s *specs.Spec) {
			if s.Linux.Resources == nil {
				s.Linux.Resources = &specs.LinuxResources{}
			}
			f(s.Linux.Resources)
		}
	}

	return []malformedCase{
		// --- JSON
		{name: "json/not-json", file: "this is not json", want: []string{"config.json"}},
		{name: "json/empty-file", file: "", want: []string{"config.json"}},
		{name: "json/truncated", file: `{"ociVersion": "1.0.2", "process": {`, want: []string{"config.json"}},
		{name: "json/trailing-garbage", append: "\n} garbage", want: []string{"config.json"}},
		{name: "json/top-level-array", file: `[{"ociVersion": "1.0.2"}]`, want: []string{"config.json"}},
		{name: "json/top-level-string", file: `"1.0.2"`, want: []string{"config.json"}},
		{name: "json/top-level-null", file: `null`, want: []string{"config.json"}},
		{name: "json/args-string", raw: func(m map[string]any) { jget(m, "process")["args"] = "/probe report" }, want: []string{"process.args"}},
		{name: "json/uid-string", raw: func(m map[string]any) { jget(m, "process", "user")["uid"] = "0" }, want: []string{"process.user.uid"}},
		{name: "json/namespaces-object", raw: func(m map[string]any) { jget(m, "linux")["namespaces"] = map[string]any{"type": "pid"} }, want: []string{"linux.namespaces"}},
		{name: "json/terminal-string", raw: func(m map[string]any) { jget(m, "process")["terminal"] = "false" }, want: []string{"process.terminal"}},
		{name: "json/mounts-string", raw: func(m map[string]any) { m["mounts"] = "/proc" }, want: []string{"mounts"}},
		{name: "json/uid-huge", raw: func(m map[string]any) { jget(m, "process", "user")["uid"] = json.Number("99999999999999999999999") }, want: []string{"process.user.uid"}},
		{name: "json/uid-float", raw: func(m map[string]any) { jget(m, "process", "user")["uid"] = json.Number("1.5") }, want: []string{"process.user.uid"}},
		{name: "json/memory-limit-huge", raw: func(m map[string]any) {
			jget(m, "linux", "resources", "memory")["limit"] = json.Number("1e400")
		}, want: []string{"linux.resources.memory.limit"}},
		{name: "ociVersion/9.9.9", mutate: func(s *specs.Spec) { s.Version = "9.9.9" }, want: []string{"ociVersion", "9.9.9"}},
		{name: "ociVersion/empty", mutate: func(s *specs.Spec) { s.Version = "" }, want: []string{"ociVersion"}},
		{name: "ociVersion/garbage", mutate: func(s *specs.Spec) { s.Version = "not-a-version" }, want: []string{"ociVersion"}},

		// --- process
		{name: "process/missing", mutate: func(s *specs.Spec) { s.Process = nil }, want: []string{"process"}},
		{name: "process/args-empty", mutate: func(s *specs.Spec) { s.Process.Args = []string{} }, want: []string{"process.args"}},
		{name: "process/env-without-equals", mutate: func(s *specs.Spec) { s.Process.Env = append(s.Process.Env, "NOEQUALS") }, want: []string{"process.env[2]"}},
		{name: "process/env-empty-name", mutate: func(s *specs.Spec) { s.Process.Env = []string{"=value"} }, want: []string{"process.env[0]"}},
		{name: "process/cwd-relative", mutate: func(s *specs.Spec) { s.Process.Cwd = "relative/dir" }, want: []string{"process.cwd"}},
		{name: "process/cwd-empty", mutate: func(s *specs.Spec) { s.Process.Cwd = "" }, want: []string{"process.cwd"}},
		{name: "process/rlimit-unknown-type", mutate: func(s *specs.Spec) {
			s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_BOGUS", Hard: 10, Soft: 10}}
		}, want: []string{"process.rlimits[0].type", "RLIMIT_BOGUS"}},
		{name: "process/rlimit-soft-above-hard", mutate: func(s *specs.Spec) {
			s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: 100, Soft: 200}}
		}, want: []string{"process.rlimits[0]"}},
		{name: "process/rlimit-duplicate", mutate: func(s *specs.Spec) {
			s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: 100, Soft: 100}, {Type: "RLIMIT_NOFILE", Hard: 200, Soft: 200}}
		}, want: []string{"process.rlimits[1]"}},
		{name: "process/uid-negative", raw: func(m map[string]any) { jget(m, "process", "user")["uid"] = -1 }, want: []string{"process.user.uid"}},
		{name: "process/uid-2^32", raw: func(m map[string]any) { jget(m, "process", "user")["uid"] = json.Number("4294967296") }, want: []string{"process.user.uid"}},
		{name: "process/gid-2^32", raw: func(m map[string]any) { jget(m, "process", "user")["gid"] = json.Number("4294967296") }, want: []string{"process.user.gid"}},
		{name: "process/additionalGids-negative", raw: func(m map[string]any) { jget(m, "process", "user")["additionalGids"] = []any{10, -1} }, want: []string{"process.user.additionalGids"}},
		{name: "process/terminal-without-console-socket", mutate: func(s *specs.Spec) { s.Process.Terminal = true }, want: []string{"tty", "console socket"}},
		{name: "process/oomScoreAdj-below", mutate: func(s *specs.Spec) { s.Process.OOMScoreAdj = iptr(-1001) }, want: []string{"process.oomScoreAdj"}},
		{name: "process/oomScoreAdj-above", mutate: func(s *specs.Spec) { s.Process.OOMScoreAdj = iptr(1001) }, want: []string{"process.oomScoreAdj"}},
		{name: "process/scheduler-bad-policy", mutate: func(s *specs.Spec) {
			s.Process.Scheduler = &specs.Scheduler{Policy: "SCHED_BOGUS"}
		}, want: []string{"process.scheduler.policy"}},
		{name: "process/scheduler-bad-flag", mutate: func(s *specs.Spec) {
			s.Process.Scheduler = &specs.Scheduler{Policy: "SCHED_OTHER", Flags: []specs.LinuxSchedulerFlag{"SCHED_FLAG_BOGUS"}}
		}, want: []string{"process.scheduler.flags[0]"}},
		{name: "process/ioPriority-bad-class", mutate: func(s *specs.Spec) {
			s.Process.IOPriority = &specs.LinuxIOPriority{Class: "IOPRIO_CLASS_BOGUS"}
		}, want: []string{"process.ioPriority.class"}},
		{name: "process/ioPriority-bad-priority", mutate: func(s *specs.Spec) {
			s.Process.IOPriority = &specs.LinuxIOPriority{Class: "IOPRIO_CLASS_BE", Priority: 8}
		}, want: []string{"process.ioPriority.priority"}},
		{name: "process/apparmorProfile-nul", mutate: func(s *specs.Spec) { s.Process.ApparmorProfile = "prof\x00ile" }, want: []string{"process.apparmorProfile"}},
		{name: "process/arg-nul", mutate: func(s *specs.Spec) { s.Process.Args = []string{"/probe", "re\x00port"} }, want: []string{"process.args[1]"}},

		// --- root
		{name: "root/missing", mutate: func(s *specs.Spec) { s.Root = nil }, want: []string{"root"}},
		{name: "root/path-empty", mutate: func(s *specs.Spec) { s.Root.Path = "" }, want: []string{"root.path"}},
		// BUG: the error is "rootfs: <bundle>/no-such-rootfs: no such file or directory": it does not name root.path.
		{name: "root/path-not-existing", mutate: func(s *specs.Spec) { s.Root.Path = "no-such-rootfs" }, want: []string{"root.path", "no-such-rootfs"}},
		// BUG: the error is "rootfs: <bundle>/rootfs/probe: not a directory": it does not name root.path.
		{name: "root/path-a-file", mutate: func(s *specs.Spec) { s.Root.Path = "rootfs/probe" }, want: []string{"root.path", "not a directory"}},

		// --- mounts (the spec default has 7 mounts: the added one is mounts[7])
		{name: "mounts/destination-relative", mutate: mount(specs.Mount{Destination: "mnt/rel", Type: "tmpfs", Source: "tmpfs"}), want: []string{"mounts[7].destination"}},
		{name: "mounts/destination-empty", mutate: mount(specs.Mount{Destination: "", Type: "tmpfs", Source: "tmpfs"}), want: []string{"mounts[7].destination"}},
		{name: "mounts/destination-nul", mutate: mount(specs.Mount{Destination: "/mnt/a\x00b", Type: "tmpfs", Source: "tmpfs"}), want: []string{"mounts[7].destination"}},
		{name: "mounts/type-missing-not-bind", mutate: mount(specs.Mount{Destination: "/mnt/x", Source: "tmpfs"}), want: []string{"mounts[7]"}},
		{name: "mounts/bind-without-source", mutate: mount(specs.Mount{Destination: "/mnt/x", Type: "bind", Options: []string{"rbind"}}), want: []string{"mounts[7].source"}},
		// BUG: the error is "mount: bind /no/such/bind/source on /mnt/x: no such file or directory": no mounts[7].
		{name: "mounts/bind-source-missing", mutate: mount(specs.Mount{Destination: "/mnt/x", Type: "bind", Source: "/no/such/bind/source", Options: []string{"rbind"}}), want: []string{"mounts[7]", "/no/such/bind/source"}},
		{name: "mounts/idmap-on-tmpfs", mutate: func(s *specs.Spec) {
			userNS(s)
			addMount(specs.Mount{Destination: "/mnt/x", Type: "tmpfs", Source: "tmpfs", Options: []string{"idmap"}})(s)
		}, want: []string{"mounts[7]"}},
		{name: "mounts/uidMappings-on-tmpfs", mutate: func(s *specs.Spec) {
			userNS(s)
			addMount(specs.Mount{Destination: "/mnt/x", Type: "tmpfs", Source: "tmpfs",
				UIDMappings: []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}},
				GIDMappings: []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}})(s)
		}, want: []string{"mounts[7]"}},

		// --- linux.namespaces (the spec default has 5: pid network ipc uts mount)
		{name: "namespaces/unknown-type", mutate: nsWith(specs.LinuxNamespace{Type: "bogusns"}), want: []string{"linux.namespaces[5].type", "bogusns"}},
		{name: "namespaces/duplicate-type", mutate: nsWith(specs.LinuxNamespace{Type: specs.PIDNamespace}), want: []string{"linux.namespaces[5].type", "pid"}},
		// BUG: the error is "open net ns /proc/self/ns/no-such-ns-file: no such file or directory": no linux.namespaces[1].
		{name: "namespaces/path-not-existing", mutate: setNS(specs.NetworkNamespace, "/proc/self/ns/no-such-ns-file"), want: []string{"linux.namespaces[1]", "no-such-ns-file"}},
		// BUG: the error is "setns net /etc/passwd: invalid argument": no linux.namespaces[1], and EINVAL does not say "not a namespace".
		{name: "namespaces/path-not-a-namespace", mutate: setNS(specs.NetworkNamespace, "/etc/passwd"), want: []string{"linux.namespaces[1]", "/etc/passwd"}},
		// BUG: the error is "setns net /proc/self/ns/uts: invalid argument": no linux.namespaces[1], and no "is a uts namespace".
		{name: "namespaces/path-wrong-type", mutate: setNS(specs.NetworkNamespace, "/proc/self/ns/uts"), want: []string{"linux.namespaces[1]"}},
		{name: "namespaces/path-relative", mutate: setNS(specs.NetworkNamespace, "proc/self/ns/net"), want: []string{"linux.namespaces[1].path"}},
		{name: "namespaces/user-without-mappings", mutate: setNS(specs.UserNamespace, ""), want: []string{"linux.namespaces[5]", "mappings"}},
		{name: "namespaces/mappings-without-user", mutate: func(s *specs.Spec) {
			s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
			s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
		}, want: []string{"linux.uidMappings"}},
		{name: "namespaces/uid-mappings-overlap", mutate: func(s *specs.Spec) {
			userNS(s)
			s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 1000}, {ContainerID: 500, HostID: 200000, Size: 1000}}
		}, want: []string{"linux.uidMappings[1]"}},
		{name: "namespaces/gid-mapping-size-0", mutate: func(s *specs.Spec) {
			userNS(s)
			s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 0}}
		}, want: []string{"linux.gidMappings[0].size"}},

		// --- linux
		{name: "linux/device-bad-type", mutate: func(s *specs.Spec) {
			s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/bogus", Type: "x", Major: 1, Minor: 3}}
		}, want: []string{"linux.devices[0].type"}},
		{name: "linux/device-relative-path", mutate: func(s *specs.Spec) {
			s.Linux.Devices = []specs.LinuxDevice{{Path: "dev/null2", Type: "c", Major: 1, Minor: 3}}
		}, want: []string{"linux.devices[0].path"}},
		{name: "linux/device-path-escapes-dev", mutate: func(s *specs.Spec) {
			s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/../etc/evil", Type: "c", Major: 1, Minor: 3}}
		}, want: []string{"linux.devices[0].path"}},
		{name: "linux/sysctl-not-namespaced", mutate: func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"kernel.panic": "10"} }, want: []string{"linux.sysctl", "kernel.panic"}},
		{name: "linux/sysctl-dotdot", mutate: func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"../x": "1"} }, want: []string{"linux.sysctl", "../x"}},
		{name: "linux/sysctl-inner-dotdot", mutate: func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"net/../kernel/panic": "1"} }, want: []string{"linux.sysctl"}},
		{name: "linux/sysctl-net-without-netns", mutate: func(s *specs.Spec) {
			dropNS(specs.NetworkNamespace)(s)
			s.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"}
		}, want: []string{"linux.sysctl", "net.ipv4.ip_forward"}},
		{name: "linux/maskedPaths-relative", mutate: func(s *specs.Spec) { s.Linux.MaskedPaths = []string{"proc/kcore"} }, want: []string{"linux.maskedPaths[0]"}},
		{name: "linux/readonlyPaths-relative", mutate: func(s *specs.Spec) { s.Linux.ReadonlyPaths = []string{"/proc/sys", "proc/bus"} }, want: []string{"linux.readonlyPaths[1]"}},
		{name: "linux/rootfsPropagation-invalid", mutate: func(s *specs.Spec) { s.Linux.RootfsPropagation = "bogus" }, want: []string{"linux.rootfsPropagation"}},
		{name: "linux/cgroupsPath-root", mutate: func(s *specs.Spec) { s.Linux.CgroupsPath = "/" }, want: []string{"cgroupsPath", "root cgroup"}},
		{name: "linux/timeOffsets-without-timens", mutate: func(s *specs.Spec) {
			s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"monotonic": {Secs: 10}}
		}, want: []string{"linux.timeOffsets"}},
		{name: "linux/timeOffsets-bad-clock", mutate: func(s *specs.Spec) {
			setNS(specs.TimeNamespace, "")(s)
			s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"realtime": {Secs: 10}}
		}, want: []string{"linux.timeOffsets", "realtime"}},
		{name: "linux/personality-bad-domain", mutate: func(s *specs.Spec) {
			s.Linux.Personality = &specs.LinuxPersonality{Domain: "LINUX_BOGUS"}
		}, want: []string{"linux.personality.domain"}},
		{name: "linux/intelRdt", mutate: func(s *specs.Spec) {
			s.Linux.IntelRdt = &specs.LinuxIntelRdt{L3CacheSchema: "L3:0=ff"}
		}, want: []string{"intelRdt"}}, // runc's text: "intelRdt is specified in config, but Intel RDT is not supported or enabled"
		{name: "linux/hostname-without-uts", mutate: func(s *specs.Spec) {
			dropNS(specs.UTSNamespace)(s)
			s.Hostname = "myhost"
		}, want: []string{"hostname"}},
		{name: "linux/hostname-too-long", mutate: func(s *specs.Spec) { s.Hostname = strings.Repeat("h", 65) }, want: []string{"hostname", "64"}},
		{name: "linux/domainname-without-uts", mutate: func(s *specs.Spec) {
			dropNS(specs.UTSNamespace)(s)
			s.Hostname = "" // the spec default sets one
			s.Domainname = "example.org"
		}, want: []string{"domainname"}},
		{name: "linux/seccomp-syscall-bad-action", mutate: func(s *specs.Spec) {
			s.Linux.Seccomp = &specs.LinuxSeccomp{DefaultAction: specs.ActAllow,
				Syscalls: []specs.LinuxSyscall{{Names: []string{"getpid"}, Action: "SCMP_ACT_BOGUS"}}}
		}, want: []string{"linux.seccomp.syscalls[0].action"}},
		{name: "json/capabilities-string", raw: func(m map[string]any) { jget(m, "process", "capabilities")["bounding"] = "CAP_KILL" }, want: []string{"process.capabilities.bounding"}},
		{name: "linux/seccomp-bad-default-action", mutate: func(s *specs.Spec) {
			s.Linux.Seccomp = &specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_BOGUS"}
		}, want: []string{"linux.seccomp.defaultAction"}},
		{name: "linux/seccomp-bad-arch", mutate: func(s *specs.Spec) {
			s.Linux.Seccomp = &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: []specs.Arch{"SCMP_ARCH_BOGUS"}}
		}, want: []string{"linux.seccomp.architectures[0]"}},

		// --- linux.resources
		{name: "resources/cpu-shares-negative", raw: func(m map[string]any) { jget(m, "linux", "resources", "cpu")["shares"] = -1 }, want: []string{"linux.resources.cpu.shares"}},
		{name: "resources/unified-dotdot", mutate: res(func(r *specs.LinuxResources) { r.Unified = map[string]string{"../x": "1"} }), want: []string{"linux.resources.unified", "../x"}},
		{name: "resources/unified-no-controller", mutate: res(func(r *specs.LinuxResources) { r.Unified = map[string]string{"nodot": "1"} }), want: []string{"linux.resources.unified", "nodot"}},
		{name: "resources/device-rule-bad-type", mutate: res(func(r *specs.LinuxResources) {
			r.Devices = append(r.Devices, specs.LinuxDeviceCgroup{Allow: true, Type: "z", Access: "rwm"})
		}), want: []string{"linux.resources.devices[1].type"}},
		{name: "resources/device-rule-bad-access", mutate: res(func(r *specs.LinuxResources) {
			r.Devices = append(r.Devices, specs.LinuxDeviceCgroup{Allow: true, Type: "c", Access: "rwq"})
		}), want: []string{"linux.resources.devices[1].access"}},
		{name: "resources/memory-swap-below-limit", mutate: res(func(r *specs.LinuxResources) {
			r.Memory = &specs.LinuxMemory{Limit: i64(64 << 20), Swap: i64(32 << 20)}
		}), want: []string{"linux.resources.memory.swap"}},
		{name: "resources/cpu-quota-without-period-bad", mutate: res(func(r *specs.LinuxResources) {
			p := uint64(100)
			r.CPU = &specs.LinuxCPU{Period: &p}
		}), want: []string{"linux.resources.cpu.period"}},
		{name: "resources/blkio-weight-out-of-range", mutate: res(func(r *specs.LinuxResources) {
			w := uint16(5000)
			r.BlockIO = &specs.LinuxBlockIO{Weight: &w}
		}), want: []string{"linux.resources.blockIO.weight"}},

		// --- hooks
		{name: "hooks/path-relative", mutate: hook(specs.Hook{Path: "bin/true"}), want: []string{"hooks.createRuntime[0].path"}},
		{name: "hooks/timeout-zero", mutate: hook(specs.Hook{Path: "/bin/true", Timeout: iptr(0)}), want: []string{"hooks.createRuntime[0].timeout"}},
		{name: "hooks/timeout-negative", mutate: hook(specs.Hook{Path: "/bin/true", Timeout: iptr(-5)}), want: []string{"hooks.createRuntime[0].timeout"}},
		{name: "hooks/env-without-equals", mutate: hook(specs.Hook{Path: "/bin/true", Env: []string{"NOEQUALS"}}), want: []string{"hooks.createRuntime[0].env[0]"}},
	}
}

// writeMalformed writes the case's config.json for c.
func writeMalformed(t *testing.T, c *Ctr, tc malformedCase) {
	t.Helper()
	cfg := filepath.Join(c.Bundle, "config.json")
	switch {
	case tc.raw != nil:
		b, err := json.Marshal(c.Spec)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		tc.raw(m)
		out, err := json.MarshalIndent(m, "", "\t")
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, cfg, string(out))
	case tc.mutate == nil && tc.append == "":
		writeFile(t, cfg, tc.file)
	}
	if tc.append != "" {
		b, err := os.ReadFile(cfg)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, cfg, string(b)+tc.append)
	}
}

func TestMalformedConfig(t *testing.T) {
	cases := malformedConfigCases()
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("duplicate case name %q", tc.name)
		}
		seen[tc.name] = true
		tc := tc
		t.Run(tc.name, func(t *testing.T) {
			h := newH(t)
			var c *Ctr
			if tc.mutate != nil {
				c = h.NewCtr(tc.mutate)
			} else {
				c = h.NewCtr()
			}
			writeMalformed(t, c, tc)
			wantCreateFails(t, c, tc.want...)
		})
	}
}

// Configs runc accepts (and so must rt): a warning at most, and a container
// that is created.
func TestMalformedAccepted(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*specs.Spec)
		warn   string // a text the runtime's output must contain; "" for none
	}{
		// runc does not check the version; rt accepts any 1.x
		{name: "ociVersion/1.0", mutate: func(s *specs.Spec) { s.Version = "1.0" }},
		{name: "ociVersion/1.2.0", mutate: func(s *specs.Spec) { s.Version = "1.2.0" }},
		{name: "ociVersion/1.0.0-rc5", mutate: func(s *specs.Spec) { s.Version = "1.0.0-rc5" }},
		// runc 1.1 warns about (and ignores) a capability it does not know
		{name: "capability-unknown", mutate: func(s *specs.Spec) {
			s.Process.Capabilities.Bounding = append(s.Process.Capabilities.Bounding, "CAP_BOGUS")
		}, warn: "CAP_BOGUS"},
	}
	for _, tc := range cases {
		tc := tc
		t.Run(tc.name, func(t *testing.T) {
			h := newH(t)
			c := h.NewCtr(args("/probe", "sleep"), tc.mutate)
			r := c.Create()
			wantOK(t, r)
			if tc.warn != "" && !strings.Contains(r.Out(), tc.warn) {
				t.Errorf("want a warning naming %q: %s", tc.warn, r)
			}
		})
	}
}

// Malformed container ids: every verb refuses them with exit 1 (exec: 255) and the id
// rule ([A-Za-z0-9_+.-], not "." or "..", at most 1024 bytes), before it
// touches the root or the bundle.
func TestMalformedID(t *testing.T) {
	const invalid = "invalid container id"
	cases := []struct {
		name string
		id   string
		want string
	}{
		{"empty", "", "container id cannot be empty"},
		{"dot", ".", invalid},
		{"dotdot", "..", invalid},
		{"slash", "a/b", invalid},
		{"dotdot-slash", "../escape", invalid},
		{"absolute", "/abs", invalid},
		{"trailing-slash", "abc/", invalid},
		{"space", "a b", invalid},
		{"newline", "a\nb", invalid},
		{"tab", "a\tb", invalid},
		{"non-ascii", "ä", invalid},
		{"colon", "id:colon", invalid},
		{"star", "id*", invalid},
		{"dollar", "id$x", invalid},
		{"backslash", `id\x`, invalid},
		{"too-long-1025", strings.Repeat("a", 1025), invalid},
		// valid by the rule, but longer than a file name (NAME_MAX 255): refused
		// when the state dir is made or opened, still exit 1 and nothing left
		{"too-long-for-a-file-name", strings.Repeat("a", 1024), "file name too long"},
	}
	for _, tc := range cases {
		tc := tc
		t.Run(tc.name, func(t *testing.T) {
			h := newH(t)
			c := h.NewCtr(args("/probe", "sleep"))
			verbs := [][]string{
				{"create", "--bundle", c.Bundle, tc.id},
				{"run", "--bundle", c.Bundle, tc.id},
				{"state", tc.id},
				{"start", tc.id},
				{"kill", tc.id, "KILL"},
				{"exec", tc.id, "/bin/true"},
				{"pause", tc.id},
				{"delete", tc.id},
				{"delete", "--force", tc.id},
			}
			for _, v := range verbs {
				r := h.RTOpts(c.opts(Opts{}), v...)
				code := 1
				if v[0] == "exec" {
					code = 255 // exec's failures exit 255, as runc's do (engines expect it)
				}
				if r.Code != code || !strings.Contains(strings.ToLower(r.Out()), strings.ToLower(tc.want)) {
					t.Errorf("%s with id %q: want exit %d and %q: %s", v[0], tc.id, code, tc.want, r)
				}
				if ents, _ := os.ReadDir(h.Root); len(ents) != 0 {
					var names []string
					for _, e := range ents {
						names = append(names, e.Name())
					}
					t.Errorf("%s with id %q left %q in the root", v[0], tc.id, names)
				}
			}
			if len(tc.id) >= 3 && !strings.ContainsAny(tc.id, "/.") {
				for _, d := range cgroupDirsNamed(tc.id) {
					t.Errorf("leftover: cgroup %s", d)
				}
			}
			c.AssertNoLeftovers()
		})
	}
}
