package integration

// Issue 5: every seccomp action and every argument operator, checked from
// inside a container on chmod(2) (busybox chmod calls chmod(path, mode):
// the mode is argument 1).

import (
	"fmt"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// chmodRule blocks or acts on chmod (and fchmodat, should a libc use it).
func chmodRule(act specs.LinuxSeccompAction, errno *uint, args ...specs.LinuxSeccompArg) func(*specs.Spec) {
	return func(s *specs.Spec) {
		var atArgs []specs.LinuxSeccompArg
		for _, a := range args {
			a.Index++ // fchmodat(dirfd, path, mode): the mode is argument 2
			atArgs = append(atArgs, a)
		}
		s.Linux.Seccomp = &specs.LinuxSeccomp{
			DefaultAction: specs.ActAllow,
			Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32},
			Syscalls: []specs.LinuxSyscall{
				{Names: []string{"chmod"}, Action: act, ErrnoRet: errno, Args: args},
				{Names: []string{"fchmodat"}, Action: act, ErrnoRet: errno, Args: atArgs},
			},
		}
	}
}

// chmodScript: chmod 700 then 777; prints each exit status.
const chmodScript = `touch /tmp/f; /bin/busybox chmod 700 /tmp/f; echo a=$?; /bin/busybox chmod 777 /tmp/f; echo b=$?`

func TestSeccompActions(t *testing.T) {
	e95 := uint(95)
	for _, c := range []struct {
		name   string
		act    specs.LinuxSeccompAction
		errno  *uint
		a, b   string // exit statuses of the two chmods
		stderr string
	}{
		{"errno-with-errnoRet", specs.ActErrno, &e95, "1", "1", "Operation not supported"},
		{"errno-default-EPERM", specs.ActErrno, nil, "1", "1", "Operation not permitted"},
		{"kill", specs.ActKill, nil, "159", "159", ""},
		{"kill-thread", specs.ActKillThread, nil, "159", "159", ""},
		{"kill-process", specs.ActKillProcess, nil, "159", "159", ""},
		{"trap", specs.ActTrap, nil, "159", "159", ""},
		{"trace-without-tracer", specs.ActTrace, nil, "1", "1", "Function not implemented"},
		{"log", specs.ActLog, nil, "0", "0", ""},
		{"allow", specs.ActAllow, nil, "0", "0", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newH(t)
			ctr := h.NewCtr(chmodRule(c.act, c.errno), sh(chmodScript))
			r := ctr.Run()
			out := readFileQuiet(ctr.Out) + r.Stdout
			want := fmt.Sprintf("a=%s\nb=%s\n", c.a, c.b)
			if !strings.Contains(out, want) {
				t.Errorf("%s: output %q, want %q (%s)", c.act, out, want, r)
			}
			if c.stderr != "" && !strings.Contains(readFileQuiet(ctr.Err)+r.Stderr, c.stderr) {
				t.Errorf("%s: stderr lacks %q: %s", c.act, c.stderr, r)
			}
			ctr.AssertNoLeftovers()
		})
	}
}

// TestSeccompOperators: each comparison operator on chmod's mode, 0700
// (448) and 0777 (511): which of the two chmods is refused (EPERM).
func TestSeccompOperators(t *testing.T) {
	for _, c := range []struct {
		op        specs.LinuxSeccompOperator
		value, v2 uint64
		a, b      string
	}{
		{specs.OpEqualTo, 0o700, 0, "1", "0"},
		{specs.OpNotEqual, 0o700, 0, "0", "1"},
		{specs.OpLessThan, 500, 0, "1", "0"},
		{specs.OpLessEqual, 0o700, 0, "1", "0"},
		{specs.OpGreaterThan, 500, 0, "0", "1"},
		{specs.OpGreaterEqual, 0o777, 0, "0", "1"},
		{specs.OpMaskedEqual, 0o077, 0, "1", "0"}, // mode & 077 == 0: only 0700
	} {
		t.Run(string(c.op), func(t *testing.T) {
			h := newH(t)
			ctr := h.NewCtr(chmodRule(specs.ActErrno, nil, specs.LinuxSeccompArg{Index: 1, Value: c.value, ValueTwo: c.v2, Op: c.op}),
				sh(chmodScript))
			r := ctr.Run()
			out := readFileQuiet(ctr.Out) + r.Stdout
			if want := fmt.Sprintf("a=%s\nb=%s\n", c.a, c.b); !strings.Contains(out, want) {
				t.Errorf("%s %#o: output %q, want %q (%s)", c.op, c.value, out, want, r)
			}
			ctr.AssertNoLeftovers()
		})
	}
}
