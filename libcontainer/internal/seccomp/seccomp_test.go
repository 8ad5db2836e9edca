package seccomp

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// goRuntime is what a Go program (the test child) needs to keep running and
// to exit: a docker-like allow list in miniature.
var goRuntime = []string{
	"arch_prctl", "brk", "clock_gettime", "clock_nanosleep", "clone", "clone3", "close",
	"epoll_create1", "epoll_ctl", "epoll_pwait", "epoll_wait", "exit", "exit_group",
	"fcntl", "fstat", "futex", "getpid", "getrandom", "getrlimit", "gettid", "madvise",
	"membarrier", "mmap", "mprotect", "munmap", "nanosleep", "newfstatat", "openat",
	"pipe2", "prctl", "prlimit64", "read", "rseq", "rt_sigaction", "rt_sigprocmask",
	"rt_sigreturn", "sched_getaffinity", "sched_yield", "set_robust_list",
	"set_tid_address", "sigaltstack", "tgkill", "uname", "write",
}

func uptr(v uint) *uint { return &v }

// defaultish is a deny-by-default profile with an allow list, custom errnos
// and argument conditions.
func defaultish() *specs.LinuxSeccomp {
	return &specs.LinuxSeccomp{
		DefaultAction: specs.ActErrno,
		Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32},
		Syscalls: []specs.LinuxSyscall{
			{Names: append(slices.Clone(goRuntime), "no_such_syscall_rt"), Action: specs.ActAllow},
			// Same action as the default: must be skipped, not rejected.
			{Names: []string{"mkdirat"}, Action: specs.ActErrno, ErrnoRet: uptr(uint(unix.EPERM))},
			{Names: []string{"getppid"}, Action: specs.ActErrno, ErrnoRet: uptr(uint(unix.EXDEV))},
			// Two conditions on argument 0: ORed, as runc does.
			{Names: []string{"umask"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{
				{Index: 0, Value: 0o22, Op: specs.OpEqualTo},
				{Index: 0, Value: 0o77, Op: specs.OpEqualTo},
			}},
			// Conditions on distinct arguments: ANDed.
			{Names: []string{"getpriority"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{
				{Index: 0, Value: unix.PRIO_PROCESS, Op: specs.OpEqualTo},
				{Index: 1, Value: 0, Op: specs.OpEqualTo},
			}},
		},
	}
}

func TestDefaultishProfileLoads(t *testing.T) {
	f, err := Build(defaultish())
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Warnings) != 1 || !strings.Contains(f.Warnings[0], `"no_such_syscall_rt"`) {
		t.Errorf("warnings = %q, want one naming no_such_syscall_rt", f.Warnings)
	}
	expect(t, f.Flags, f.BPF, map[string]unix.Errno{
		"getpid":       0,
		"mkdirat":      unix.EPERM,
		"getppid":      unix.EXDEV,
		"umask022":     0,
		"umask077":     0,
		"umask011":     unix.EPERM,
		"getpriority0": 0,
		"getpriority1": unix.EPERM,
	})
}

func TestDefaultErrnoRet(t *testing.T) {
	s := defaultish()
	s.DefaultErrnoRet = uptr(uint(unix.ENOSYS))
	_, bpf, err := Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	// The mkdirat ERRNO(EPERM) rule now differs from the default: it is kept.
	expect(t, 0, bpf, map[string]unix.Errno{
		"getpid": 0, "mkdirat": unix.EPERM, "getpriority1": unix.ENOSYS,
	})
}

func TestDenyList(t *testing.T) {
	s := &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Flags:         []specs.LinuxSeccompFlag{},
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"mkdirat"}, Action: specs.ActErrno},
			{Names: []string{"getpid"}, Action: specs.ActAllow}, // == default, skipped
			{Names: []string{"umask"}, Action: specs.ActErrno, ErrnoRet: uptr(uint(unix.EACCES)),
				Args: []specs.LinuxSeccompArg{{Index: 0, Value: 0o70, ValueTwo: 0o10, Op: specs.OpMaskedEqual}}},
		},
	}
	flags, bpf, err := Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	if flags != 0 {
		t.Errorf("explicit empty flags gave %#x", flags)
	}
	expect(t, flags, bpf, map[string]unix.Errno{
		"getpid": 0, "mkdirat": unix.EPERM, "umask011": unix.EACCES, "umask022": 0,
	})
}

func TestKillProcess(t *testing.T) {
	_, bpf, err := Compile(&specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Syscalls:      []specs.LinuxSyscall{{Names: []string{"mkdirat"}, Action: specs.ActKillProcess}},
	})
	if err != nil {
		t.Fatal(err)
	}
	res := runChild(t, 0, bpf, "getpid", "mkdirat")
	if sig := signaled(res.state); sig != syscall.SIGSYS {
		t.Fatalf("child ended with %v (stderr %q), want killed by SIGSYS", res.state, res.stderr)
	}
}

func TestFlags(t *testing.T) {
	level := apiLevel()
	if level < 4 {
		t.Skipf("libseccomp API level %d: no SPEC_ALLOW/LOG", level)
	}
	base := specs.LinuxSeccomp{DefaultAction: specs.ActAllow,
		Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdirat"}, Action: specs.ActErrno}}}
	cases := []struct {
		flags []specs.LinuxSeccompFlag
		want  uint32
	}{
		{nil, unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW},
		{[]specs.LinuxSeccompFlag{}, 0},
		{[]specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog}, unix.SECCOMP_FILTER_FLAG_LOG},
		{[]specs.LinuxSeccompFlag{flagTsync, specs.LinuxSeccompFlagLog, specs.LinuxSeccompFlagSpecAllow},
			unix.SECCOMP_FILTER_FLAG_LOG | unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW},
	}
	for _, c := range cases {
		s := base
		s.Flags = c.flags
		flags, bpf, err := Compile(&s)
		if err != nil {
			t.Fatalf("%v: %v", c.flags, err)
		}
		if flags != c.want {
			t.Errorf("%v: flags %#x, want %#x", c.flags, flags, c.want)
		}
		// The kernel must accept the flag bits with the program.
		expect(t, flags, bpf, map[string]unix.Errno{"mkdirat": unix.EPERM, "getpid": 0})
	}
}

func TestWaitKillableRecv(t *testing.T) {
	s := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow,
		Flags: []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagWaitKillableRecv}}
	flags, _, err := Compile(s)
	if apiLevel() >= 7 {
		if err != nil || flags != 0 {
			t.Fatalf("supported: flags %#x, err %v; want 0, nil (no listener, no bit)", flags, err)
		}
		return
	}
	if err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Fatalf("API level %d: err = %v, want not supported", apiLevel(), err)
	}
}

func TestDisabled(t *testing.T) {
	for _, s := range []*specs.LinuxSeccomp{nil, {}, {Architectures: []specs.Arch{specs.ArchX86}}} {
		flags, bpf, err := Compile(s)
		if flags != 0 || bpf != nil || err != nil {
			t.Errorf("%+v: (%#x, %d bytes, %v), want no filter", s, flags, len(bpf), err)
		}
	}
}

func TestErrors(t *testing.T) {
	allow := func(mod func(*specs.LinuxSeccomp)) *specs.LinuxSeccomp {
		s := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno,
			Syscalls: []specs.LinuxSyscall{{Names: []string{"getpid"}, Action: specs.ActAllow}}}
		mod(s)
		return s
	}
	cases := []struct {
		name string
		s    *specs.LinuxSeccomp
		want string
	}{
		{"bad default", allow(func(s *specs.LinuxSeccomp) { s.DefaultAction = "SCMP_ACT_NOPE" }),
			"string SCMP_ACT_NOPE is not a valid action for seccomp"},
		{"no default", allow(func(s *specs.LinuxSeccomp) { s.DefaultAction = "" }),
			"is not a valid action"},
		{"bad arch", allow(func(s *specs.LinuxSeccomp) { s.Architectures = []specs.Arch{"SCMP_ARCH_Z80"} }),
			"string SCMP_ARCH_Z80 is not a valid arch for seccomp"},
		{"bad op", allow(func(s *specs.LinuxSeccomp) {
			s.Syscalls[0].Args = []specs.LinuxSeccompArg{{Index: 0, Op: "SCMP_CMP_XX"}}
		}), "string SCMP_CMP_XX is not a valid operator for seccomp"},
		{"bad index", allow(func(s *specs.LinuxSeccomp) {
			s.Syscalls[0].Args = []specs.LinuxSeccompArg{{Index: 6, Op: specs.OpEqualTo}}
		}), "args[0].index: 6"},
		{"empty name", allow(func(s *specs.LinuxSeccomp) { s.Syscalls[0].Names = []string{""} }),
			"empty string is not a valid syscall"},
		{"unknown flag", allow(func(s *specs.LinuxSeccomp) { s.Flags = []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_X"} }),
			"seccomp flag SECCOMP_FILTER_FLAG_X is not known to rt"},
		{"errno range", allow(func(s *specs.LinuxSeccomp) {
			s.Syscalls[0].Action = specs.ActErrno
			s.Syscalls[0].ErrnoRet = uptr(1 << 16)
		}),
			"does not fit in 16 bits"},
	}
	for _, c := range cases {
		_, _, err := Compile(c.s)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to contain %q", c.name, err, c.want)
		}
	}
}

// TestNotifyErrors: runc's rules for SCMP_ACT_NOTIFY, and rt's sendmsg one.
func TestNotifyErrors(t *testing.T) {
	allow := func(mod func(*specs.LinuxSeccomp)) *specs.LinuxSeccomp {
		s := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno,
			Syscalls: []specs.LinuxSyscall{{Names: []string{"getpid"}, Action: specs.ActAllow}}}
		mod(s)
		return s
	}
	cases := []struct {
		name string
		s    *specs.LinuxSeccomp
		want string
	}{
		{"notify default", allow(func(s *specs.LinuxSeccomp) {
			s.DefaultAction = specs.ActNotify
			s.ListenerPath = "/agent.sock"
		}), "SCMP_ACT_NOTIFY cannot be used as default action"},
		{"notify no listener", allow(func(s *specs.LinuxSeccomp) { s.Syscalls[0].Action = specs.ActNotify }),
			"linux.seccomp.listenerPath: required by SCMP_ACT_NOTIFY"},
		{"notify write", allow(func(s *specs.LinuxSeccomp) {
			s.Syscalls[0].Action = specs.ActNotify
			s.Syscalls[0].Names = []string{"mkdir", "write"}
			s.ListenerPath = "/agent.sock"
		}), "SCMP_ACT_NOTIFY cannot be used for the write syscall"},
		{"notify sendmsg", allow(func(s *specs.LinuxSeccomp) {
			s.Syscalls[0].Action = specs.ActNotify
			s.Syscalls[0].Names = []string{"sendmsg"}
			s.ListenerPath = "/agent.sock"
		}), "SCMP_ACT_NOTIFY cannot be used for the sendmsg syscall"},
	}
	for _, c := range cases {
		_, _, err := Compile(c.s)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to contain %q", c.name, err, c.want)
		}
	}
	_, _, err := Compile(allow(func(s *specs.LinuxSeccomp) { s.Syscalls[0].Action = specs.ActNotify }))
	if !errors.Is(err, ErrNoListenerPath) {
		t.Errorf("notify error %v is not ErrNoListenerPath", err)
	}
}

// TestNotify: a profile with SCMP_ACT_NOTIFY and a listenerPath compiles, asks
// for a listener fd, and carries the agent's path and metadata; one without
// notify does not ask for a listener even when a listenerPath is set.
func TestNotify(t *testing.T) {
	s := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerPath: "/run/agent.sock",
		ListenerMetadata: "meta", Flags: []specs.LinuxSeccompFlag{},
		Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdirat"}, Action: specs.ActNotify}}}
	f, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Notify || f.Flags != unix.SECCOMP_FILTER_FLAG_NEW_LISTENER {
		t.Errorf("notify %v, flags %#x: want notify with NEW_LISTENER only", f.Notify, f.Flags)
	}
	if f.ListenerPath != "/run/agent.sock" || f.ListenerMetadata != "meta" {
		t.Errorf("listener %q / %q", f.ListenerPath, f.ListenerMetadata)
	}
	s.Syscalls[0].Action = specs.ActErrno
	if f, err = Build(s); err != nil {
		t.Fatal(err)
	}
	if f.Notify || f.Flags&unix.SECCOMP_FILTER_FLAG_NEW_LISTENER != 0 || f.ListenerPath != "" {
		t.Errorf("without notify: notify %v, flags %#x, listener %q", f.Notify, f.Flags, f.ListenerPath)
	}
}

// A rule equal to the default action must not change the program at all.
func TestRedundantRuleIsSkipped(t *testing.T) {
	base := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno,
		Syscalls: []specs.LinuxSyscall{{Names: []string{"getpid"}, Action: specs.ActAllow}}}
	with := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno,
		Syscalls: append(slices.Clone(base.Syscalls),
			specs.LinuxSyscall{Names: []string{"mkdirat"}, Action: specs.ActErrno, ErrnoRet: uptr(1)})}
	_, a, err := Compile(base)
	if err != nil {
		t.Fatal(err)
	}
	_, b, err := Compile(with)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("redundant rule changed the program (%d vs %d bytes)", len(a), len(b))
	}
}

func TestMemfdExportMatches(t *testing.T) {
	filter, err := libseccomp.NewFilter(libseccomp.ActAllow)
	if err != nil {
		t.Fatal(err)
	}
	defer filter.Release()
	nr, _ := libseccomp.GetSyscallFromName("mkdirat")
	if err := filter.AddRule(nr, libseccomp.ActErrno.SetReturnCode(1)); err != nil {
		t.Fatal(err)
	}
	viaFd, err := exportViaMemfd(filter)
	if err != nil {
		t.Fatal(err)
	}
	got, err := exportBPF(filter)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(viaFd, got) || len(got)%8 != 0 {
		t.Errorf("memfd export (%d bytes) differs from exportBPF (%d bytes)", len(viaFd), len(got))
	}
}

func TestSupported(t *testing.T) {
	s := Supported()
	if s.Enabled == nil || !*s.Enabled {
		t.Error("not enabled")
	}
	for _, want := range []string{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_AARCH64"} {
		if !slices.Contains(s.Archs, want) {
			t.Errorf("archs %v lack %s", s.Archs, want)
		}
	}
	if !slices.Contains(s.Actions, string(specs.ActNotify)) {
		t.Error("SCMP_ACT_NOTIFY accepted but not listed")
	}
	for _, a := range s.Actions {
		if _, err := action(specs.LinuxSeccompAction(a), nil); err != nil {
			t.Errorf("listed action %s: %v", a, err)
		}
	}
	for _, o := range s.Operators {
		if _, err := operator(specs.LinuxSeccompOperator(o)); err != nil {
			t.Errorf("listed operator %s: %v", o, err)
		}
	}
	if !slices.Contains(s.KnownFlags, string(flagTsync)) || !slices.Contains(s.SupportedFlags, string(flagTsync)) {
		t.Errorf("flags %v / %v lack TSYNC", s.KnownFlags, s.SupportedFlags)
	}
}
