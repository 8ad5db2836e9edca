package spec

import (
	"errors"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// vcase is one Validate table entry: mod turns the valid base spec into the
// case; path is the JSON path the error must name ("" for a valid config) and
// msg a substring of its message.
type vcase struct {
	name string
	opts ValidateOptions
	mod  func(s *specs.Spec)
	path string
	msg  string
}

// base returns a valid spec: runc's example without host dependencies.
func base() *specs.Spec { return example(false) }

func runCases(t *testing.T, cases []vcase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := base()
			if c.mod != nil {
				c.mod(s)
			}
			_, err := Validate(s, c.opts)
			checkErr(t, err, c.path, c.msg)
		})
	}
}

func checkErr(t *testing.T, err error, path, msg string) {
	t.Helper()
	if path == "" && msg == "" {
		if err != nil {
			t.Fatalf("want no error, got %v", err)
		}
		return
	}
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("want a *FieldError at %s, got %v", path, err)
	}
	if !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("error does not wrap ErrInvalidConfig: %v", err)
	}
	if fe.Path != path || !strings.Contains(fe.Msg, msg) {
		t.Fatalf("want %s: ...%s..., got %q", path, msg, err)
	}
	if path != "" && !strings.HasPrefix(err.Error(), path+": ") {
		t.Errorf("Error() does not start with the path: %q", err)
	}
}

func ns(types ...specs.LinuxNamespaceType) []specs.LinuxNamespace {
	var out []specs.LinuxNamespace
	for _, t := range types {
		out = append(out, specs.LinuxNamespace{Type: t})
	}
	return out
}

func TestValidateNil(t *testing.T) {
	_, err := Validate(nil, ValidateOptions{})
	checkErr(t, err, "", "config cannot be null")
}

func TestValidateTop(t *testing.T) {
	runCases(t, []vcase{
		{name: "valid"},
		{name: "version 1.0.0", mod: func(s *specs.Spec) { s.Version = "1.0.0" }},
		{name: "version 1.0.2-dev", mod: func(s *specs.Spec) { s.Version = "1.0.2-dev" }},
		{name: "version missing", mod: func(s *specs.Spec) { s.Version = "" },
			path: "ociVersion", msg: "must be specified"},
		{name: "version 2", mod: func(s *specs.Spec) { s.Version = "2.0.0" },
			path: "ociVersion", msg: `unsupported version "2.0.0"`},
		{name: "version 0.x", mod: func(s *specs.Spec) { s.Version = "0.1.0" },
			path: "ociVersion", msg: "unsupported"},
		{name: "version no dot", mod: func(s *specs.Spec) { s.Version = "1" },
			path: "ociVersion", msg: "unsupported"},
		{name: "root missing", mod: func(s *specs.Spec) { s.Root = nil },
			path: "root", msg: "root must be specified"},
		{name: "root path empty", mod: func(s *specs.Spec) { s.Root.Path = "" },
			path: "root.path", msg: "must not be empty"},
		{name: "root path NUL", mod: func(s *specs.Spec) { s.Root.Path = "a\x00b" },
			path: "root.path", msg: "NUL"},
		{name: "root path absolute", mod: func(s *specs.Spec) { s.Root.Path = "/srv/rootfs" }},
		{name: "hostname without uts", mod: func(s *specs.Spec) { s.Linux.Namespaces = ns(specs.MountNamespace) },
			path: "hostname", msg: "unable to set hostname without a private UTS namespace"},
		{name: "domainname without uts", mod: func(s *specs.Spec) {
			s.Hostname = ""
			s.Domainname = "example.org"
			s.Linux.Namespaces = ns(specs.MountNamespace)
		}, path: "domainname", msg: "unable to set domainname without a private UTS namespace"},
		{name: "hostname with joined uts", mod: func(s *specs.Spec) {
			s.Linux.Namespaces = []specs.LinuxNamespace{{Type: specs.UTSNamespace, Path: "/proc/1/ns/uts"}, {Type: specs.MountNamespace}}
		}},
		{name: "hostname too long", mod: func(s *specs.Spec) { s.Hostname = strings.Repeat("h", 65) },
			path: "hostname", msg: "at most 64"},
		{name: "hostname NUL", mod: func(s *specs.Spec) { s.Hostname = "a\x00" }, path: "hostname", msg: "NUL"},
		{name: "no linux, no hostname", mod: func(s *specs.Spec) { s.Linux = nil; s.Hostname = "" }},
		{name: "no linux, hostname", mod: func(s *specs.Spec) { s.Linux = nil },
			path: "hostname", msg: "without a private UTS namespace"},
	})
}

func TestValidateNamespaces(t *testing.T) {
	runCases(t, []vcase{
		{name: "all types", mod: func(s *specs.Spec) {
			s.Linux.Namespaces = ns("pid", "network", "mount", "ipc", "uts", "cgroup", "time")
		}},
		{name: "unknown", mod: func(s *specs.Spec) { s.Linux.Namespaces[2].Type = "foo" },
			path: "linux.namespaces[2].type", msg: `unknown namespace "foo"`},
		{name: "empty type", mod: func(s *specs.Spec) { s.Linux.Namespaces[0].Type = "" },
			path: "linux.namespaces[0].type", msg: `unknown namespace ""`},
		{name: "duplicated", mod: func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "pid"})
		}, path: "linux.namespaces[5].type", msg: `duplicated namespace "pid" (also linux.namespaces[0])`},
		{name: "relative path", mod: func(s *specs.Spec) { s.Linux.Namespaces[1].Path = "proc/1/ns/net" },
			path: "linux.namespaces[1].path", msg: "must be an absolute path"},
		{name: "absolute path", mod: func(s *specs.Spec) { s.Linux.Namespaces[1].Path = "/proc/1/ns/net" }},
		{name: "path NUL", mod: func(s *specs.Spec) { s.Linux.Namespaces[1].Path = "/x\x00" },
			path: "linux.namespaces[1].path", msg: "NUL"},
	})
}

func TestValidateProcess(t *testing.T) {
	u := uint32(0o1000)
	ok := uint32(0o077)
	runCases(t, []vcase{
		{name: "missing", mod: func(s *specs.Spec) { s.Process = nil },
			path: "process", msg: "process property must not be empty"},
		{name: "missing but optional", opts: ValidateOptions{ProcessOptional: true},
			mod: func(s *specs.Spec) { s.Process = nil }},
		{name: "args empty", mod: func(s *specs.Spec) { s.Process.Args = nil },
			path: "process.args", msg: "args must not be empty"},
		{name: "args[0] empty", mod: func(s *specs.Spec) { s.Process.Args = []string{""} },
			path: "process.args[0]", msg: "must not be empty"},
		{name: "args NUL", mod: func(s *specs.Spec) { s.Process.Args = []string{"sh", "-c\x00"} },
			path: "process.args[1]", msg: "NUL"},
		{name: "cwd empty", mod: func(s *specs.Spec) { s.Process.Cwd = "" },
			path: "process.cwd", msg: "Cwd property must not be empty"},
		{name: "cwd relative", mod: func(s *specs.Spec) { s.Process.Cwd = "home" },
			path: "process.cwd", msg: "Cwd must be an absolute path"},
		{name: "env missing =", mod: func(s *specs.Spec) { s.Process.Env = append(s.Process.Env, "FOO") },
			path: "process.env[2]", msg: "invalid environment variable: missing '='"},
		{name: "env empty name", mod: func(s *specs.Spec) { s.Process.Env = []string{"=x"} },
			path: "process.env[0]", msg: "name cannot be empty"},
		{name: "env NUL", mod: func(s *specs.Spec) { s.Process.Env = []string{"A=x\x00"} },
			path: "process.env[0]", msg: `"A": contains nul byte`},
		{name: "env empty value", mod: func(s *specs.Spec) { s.Process.Env = []string{"A="} }},
		{name: "umask too big", mod: func(s *specs.Spec) { s.Process.User.Umask = &u },
			path: "process.user.umask", msg: "01000 is out of range"},
		{name: "umask ok", mod: func(s *specs.Spec) { s.Process.User.Umask = &ok }},
		{name: "rlimit unknown", mod: func(s *specs.Spec) { s.Process.Rlimits[0].Type = "RLIMIT_FOO" },
			path: "process.rlimits[0].type", msg: `wrong rlimit value: "RLIMIT_FOO"`},
		{name: "rlimit duplicated", mod: func(s *specs.Spec) {
			s.Process.Rlimits = append(s.Process.Rlimits, specs.POSIXRlimit{Type: "RLIMIT_CORE"},
				specs.POSIXRlimit{Type: "RLIMIT_NOFILE", Soft: 1, Hard: 1})
		}, path: "process.rlimits[2].type", msg: `duplicated rlimit "RLIMIT_NOFILE" (also process.rlimits[0])`},
		{name: "rlimit soft > hard", mod: func(s *specs.Spec) { s.Process.Rlimits[0].Soft = 2048 },
			path: "process.rlimits[0]", msg: "soft limit 2048 is greater than hard limit 1024"},
		{name: "rlimit all types", mod: func(s *specs.Spec) {
			s.Process.Rlimits = nil
			for _, name := range sortedKeys(rlimitTypes) {
				s.Process.Rlimits = append(s.Process.Rlimits, specs.POSIXRlimit{Type: name, Soft: 1, Hard: 2})
			}
		}},
	})
}

func TestValidateProcessLinux(t *testing.T) {
	adj := func(n int) *int { return &n }
	runCases(t, []vcase{
		{name: "oom ok", mod: func(s *specs.Spec) { s.Process.OOMScoreAdj = adj(-1000) }},
		{name: "oom too high", mod: func(s *specs.Spec) { s.Process.OOMScoreAdj = adj(1001) },
			path: "process.oomScoreAdj", msg: "1001 is out of range"},
		{name: "ioprio ok", mod: func(s *specs.Spec) {
			s.Process.IOPriority = &specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_BE, Priority: 7}
		}},
		{name: "ioprio class", mod: func(s *specs.Spec) {
			s.Process.IOPriority = &specs.LinuxIOPriority{Class: "IOPRIO_CLASS_X"}
		}, path: "process.ioPriority.class", msg: `unknown class "IOPRIO_CLASS_X"`},
		{name: "ioprio priority", mod: func(s *specs.Spec) {
			s.Process.IOPriority = &specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_RT, Priority: 8}
		}, path: "process.ioPriority.priority", msg: "8 is out of range"},
		{name: "apparmor NUL", mod: func(s *specs.Spec) { s.Process.ApparmorProfile = "p\x00" },
			path: "process.apparmorProfile", msg: "NUL"},
		{name: "selinux NUL", mod: func(s *specs.Spec) { s.Process.SelinuxLabel = "\x00" },
			path: "process.selinuxLabel", msg: "NUL"},
		{name: "affinity ok", mod: func(s *specs.Spec) {
			s.Process.ExecCPUAffinity = &specs.CPUAffinity{Initial: "0-3,7", Final: "1"}
		}},
		{name: "affinity bad", mod: func(s *specs.Spec) {
			s.Process.ExecCPUAffinity = &specs.CPUAffinity{Final: "3-1"}
		}, path: "process.execCPUAffinity.final", msg: `bad element "3-1"`},
	})
}

func TestValidateScheduler(t *testing.T) {
	sched := func(sc specs.Scheduler) func(*specs.Spec) {
		return func(s *specs.Spec) { s.Process.Scheduler = &sc }
	}
	const p = "process.scheduler"
	runCases(t, []vcase{
		{name: "other nice", mod: sched(specs.Scheduler{Policy: specs.SchedOther, Nice: -20})},
		{name: "fifo priority", mod: sched(specs.Scheduler{Policy: specs.SchedFIFO, Priority: 99})},
		{name: "deadline", mod: sched(specs.Scheduler{Policy: specs.SchedDeadline, Runtime: 1, Deadline: 2, Period: 3,
			Flags: []specs.LinuxSchedulerFlag{specs.SchedFlagReclaim}})},
		{name: "no policy", mod: sched(specs.Scheduler{}), path: p + ".policy", msg: "scheduler policy is required"},
		{name: "bad policy", mod: sched(specs.Scheduler{Policy: "SCHED_X"}), path: p + ".policy", msg: `unknown policy "SCHED_X"`},
		{name: "nice", mod: sched(specs.Scheduler{Policy: specs.SchedBatch, Nice: 20}),
			path: p + ".nice", msg: "invalid scheduler.nice: 20"},
		{name: "priority for other", mod: sched(specs.Scheduler{Policy: specs.SchedOther, Priority: 1}),
			path: p + ".priority", msg: "can only be specified for SchedFIFO or SchedRR"},
		{name: "priority range", mod: sched(specs.Scheduler{Policy: specs.SchedRR, Priority: 100}),
			path: p + ".priority", msg: "100 is out of range"},
		{name: "deadline fields", mod: sched(specs.Scheduler{Policy: specs.SchedFIFO, Period: 5}),
			path: p, msg: "can only be specified for SchedDeadline"},
		{name: "flag", mod: sched(specs.Scheduler{Policy: specs.SchedIdle, Flags: []specs.LinuxSchedulerFlag{"X"}}),
			path: p + ".flags[0]", msg: `unknown flag "X"`},
	})
}

func TestValidateHooks(t *testing.T) {
	zero, one := 0, 1
	runCases(t, []vcase{
		{name: "ok", mod: func(s *specs.Spec) {
			s.Hooks = &specs.Hooks{Poststop: []specs.Hook{{Path: "/bin/true", Timeout: &one, Env: []string{"A=b"}}}}
		}},
		{name: "relative path", mod: func(s *specs.Spec) {
			s.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{Path: "/bin/true"}, {Path: "true"}}}
		}, path: "hooks.createRuntime[1].path", msg: "must be an absolute path"},
		{name: "empty path", mod: func(s *specs.Spec) { s.Hooks = &specs.Hooks{StartContainer: []specs.Hook{{}}} },
			path: "hooks.startContainer[0].path", msg: "must not be empty"},
		{name: "zero timeout", mod: func(s *specs.Spec) {
			s.Hooks = &specs.Hooks{Poststart: []specs.Hook{{Path: "/x", Timeout: &zero}}}
		}, path: "hooks.poststart[0].timeout", msg: "must be greater than zero"},
		{name: "bad env", mod: func(s *specs.Spec) {
			s.Hooks = &specs.Hooks{CreateContainer: []specs.Hook{{Path: "/x", Env: []string{"A"}}}}
		}, path: "hooks.createContainer[0].env[0]", msg: "missing '='"},
	})
}

func TestValidateWarnings(t *testing.T) {
	s := base()
	s.Process.Capabilities.Bounding = append(s.Process.Capabilities.Bounding, "CAP_FOO", "bad\nname")
	s.Process.Capabilities.Inheritable = []string{"CAP_BAR"}
	s.Process.Terminal = false
	s.Process.ConsoleSize = &specs.Box{Height: 1, Width: 1}
	s.Linux.Personality = &specs.LinuxPersonality{Domain: specs.PerLinux, Flags: []specs.LinuxPersonalityFlag{"F"}}
	warnings, err := Validate(s, ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`process.consoleSize: ignored because terminal is false`,
		`process.capabilities.bounding: ignoring unknown or unavailable capabilities: [CAP_FOO "bad\nname"]`,
		`process.capabilities.inheritable: ignoring unknown or unavailable capabilities: [CAP_BAR]`,
		`linux.personality.flags: ignoring unsupported personality flags: [F]`,
	}
	if strings.Join(warnings, "\n") != strings.Join(want, "\n") {
		t.Fatalf("warnings:\n%s\nwant:\n%s", strings.Join(warnings, "\n"), strings.Join(want, "\n"))
	}
	if w, _ := Validate(base(), ValidateOptions{}); len(w) != 0 {
		t.Fatalf("example has warnings: %q", w)
	}
}

func TestValidateProcessExec(t *testing.T) {
	p := base().Process
	if _, err := ValidateProcess(p); err != nil {
		t.Fatal(err)
	}
	p.Cwd = "rel"
	_, err := ValidateProcess(p)
	checkErr(t, err, "cwd", "Cwd must be an absolute path")
	_, err = ValidateProcess(nil)
	checkErr(t, err, "", "process cannot be null")
}

func TestValidateDoesNotModify(t *testing.T) {
	s := base()
	before := mustJSON(t, s)
	if _, err := Validate(s, ValidateOptions{Rootless: true}); err == nil {
		t.Fatal("want an error for a rootful spec validated as rootless")
	}
	if after := mustJSON(t, s); after != before {
		t.Fatal("Validate modified the spec")
	}
}
