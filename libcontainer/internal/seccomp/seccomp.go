// Package seccomp compiles a runtime-spec seccomp profile into a raw BPF
// program, in the parent, with libseccomp.
//
// rt-init (C, no libseccomp) only loads what this package produces:
//
//	struct sock_fprog prog = { .len = len / 8, .filter = bpf };
//	seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog);
//
// so the compilation cost and the library stay out of the container. The
// semantics follow runc's libcontainer/seccomp (checked against its source):
//
//   - the native architecture is always in the filter; "architectures" adds more;
//   - SCMP_ACT_ERRNO and SCMP_ACT_TRACE return EPERM unless errnoRet (or
//     defaultErrnoRet for the default action) says otherwise;
//   - a rule whose action equals the default action is skipped (libseccomp
//     refuses it, and it could not change the outcome);
//   - a syscall name libseccomp does not know is skipped with a warning
//     (a profile written for a newer kernel must still start);
//   - when several conditions of one rule compare the same argument index,
//     every condition becomes a rule of its own (so they are ORed, not ANDed),
//     exactly as runc does, since libseccomp cannot AND two checks of one
//     argument;
//   - flags absent (nil) means SECCOMP_FILTER_FLAG_SPEC_ALLOW when the kernel
//     and libseccomp support it; an explicit empty list means no flags;
//   - no_new_privs is not requested from libseccomp: rt-init sets it itself,
//     before loading the filter, when the config asks for it.
//
// SCMP_ACT_NOTIFY (seccomp agents, see notify.go) makes the filter load with
// SECCOMP_FILTER_FLAG_NEW_LISTENER (Filter.Notify); rt-init then hands the
// listener fd to the parent, which passes it to linux.seccomp.listenerPath.
//
// Not done (yet): runc prepends an "-ENOSYS stub" to the filter so that
// syscalls newer than the profile fail with ENOSYS instead of the default
// errno.
package seccomp

import (
	"fmt"

	"github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// maxArgs is the number of syscall arguments seccomp can inspect.
const maxArgs = 6

// optimizeAbove is the rule count from which the binary-tree layout is used
// (as runc: libseccomp <= 2.5.4 misbehaves with the tree and zero rules).
const optimizeAbove = 32

// Filter is a compiled seccomp program.
type Filter struct {
	// Flags are the SECCOMP_FILTER_FLAG_* bits to pass to seccomp(2).
	Flags uint32
	// Notify is set when the profile uses SCMP_ACT_NOTIFY: Flags then has
	// SECCOMP_FILTER_FLAG_NEW_LISTENER, seccomp(2) returns a listener fd,
	// and ListenerPath is the agent socket that must receive it.
	Notify bool
	// ListenerPath and ListenerMetadata are linux.seccomp's, for the agent.
	ListenerPath     string
	ListenerMetadata string
	// BPF is an array of struct sock_filter (8 bytes each, host byte order).
	BPF []byte
	// Warnings lists what was ignored, e.g. syscall names unknown to
	// libseccomp, in the words runc logs them.
	Warnings []string
}

// Compile builds the filter for s and returns the seccomp(2) flags and the BPF
// program. A nil bpf with a nil error means "no filter": s is nil, or it has
// neither a default action nor syscalls (runc treats that as seccomp
// disabled). Warnings are dropped; use Build to get them.
func Compile(s *specs.LinuxSeccomp) (flags uint32, bpf []byte, err error) {
	f, err := Build(s)
	if err != nil || f == nil {
		return 0, nil, err
	}
	return f.Flags, f.BPF, nil
}

// Build is Compile with the warnings. It returns nil, nil when there is no
// filter to load.
func Build(s *specs.LinuxSeccomp) (*Filter, error) {
	if s == nil || (s.DefaultAction == "" && len(s.Syscalls) == 0) {
		return nil, nil
	}
	defAct, err := action(s.DefaultAction, s.DefaultErrnoRet)
	if err != nil {
		return nil, fmt.Errorf("seccomp defaultAction: %w", err)
	}
	notify, err := checkNotify(s)
	if err != nil {
		return nil, err
	}
	flags, err := filterFlags(s.Flags, notify)
	if err != nil {
		return nil, err
	}
	if notify {
		flags |= unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
	}
	filter, err := libseccomp.NewFilter(defAct)
	if err != nil {
		return nil, fmt.Errorf("seccomp: create filter: %w", err)
	}
	defer filter.Release()

	if err := configure(filter, s, flags); err != nil {
		return nil, err
	}
	out := &Filter{Flags: flags, Notify: notify}
	if notify {
		out.ListenerPath, out.ListenerMetadata = s.ListenerPath, s.ListenerMetadata
	}
	if out.Warnings, err = addRules(filter, s.Syscalls, defAct); err != nil {
		return nil, err
	}
	if out.BPF, err = exportBPF(filter); err != nil {
		return nil, fmt.Errorf("seccomp: export bpf: %w", err)
	}
	return out, nil
}

// configure sets the filter attributes: architectures, no_new_privs off, the
// flags (to check libseccomp and the kernel support them) and the layout.
func configure(filter *libseccomp.ScmpFilter, s *specs.LinuxSeccomp, flags uint32) error {
	for i, a := range s.Architectures {
		arch, err := archFromName(a)
		if err != nil {
			return fmt.Errorf("seccomp architectures[%d]: %w", i, err)
		}
		if err := filter.AddArch(arch); err != nil {
			return fmt.Errorf("seccomp: add architecture %s: %w", a, err)
		}
	}
	if err := filter.SetNoNewPrivsBit(false); err != nil {
		return fmt.Errorf("seccomp: unset no_new_privs attribute: %w", err)
	}
	if err := checkFlags(filter, flags); err != nil {
		return err
	}
	if countNames(s.Syscalls) > optimizeAbove {
		// Not fatal: older libseccomp has no binary tree (runc ignores it too).
		_ = filter.SetOptimize(2)
	}
	return nil
}

func countNames(calls []specs.LinuxSyscall) int {
	n := 0
	for _, c := range calls {
		n += len(c.Names)
	}
	return n
}

// addRules adds one rule per (syscall block, name) and returns the warnings.
func addRules(filter *libseccomp.ScmpFilter, calls []specs.LinuxSyscall, defAct libseccomp.ScmpAction) ([]string, error) {
	var warnings []string
	for i, call := range calls {
		act, err := action(call.Action, call.ErrnoRet)
		if err != nil {
			return nil, fmt.Errorf("seccomp syscalls[%d].action: %w", i, err)
		}
		conds, err := conditions(call.Args)
		if err != nil {
			return nil, fmt.Errorf("seccomp syscalls[%d]: %w", i, err)
		}
		if act == defAct {
			continue // redundant: libseccomp refuses it, runc skips it silently
		}
		for _, name := range call.Names {
			if name == "" {
				return nil, fmt.Errorf("seccomp syscalls[%d]: empty string is not a valid syscall", i)
			}
			nr, err := libseccomp.GetSyscallFromName(name)
			if err != nil {
				warnings = append(warnings, fmt.Sprintf("unknown seccomp syscall %q ignored", name))
				continue
			}
			if err := addRule(filter, nr, act, conds); err != nil {
				return nil, fmt.Errorf("seccomp: add rule for syscall %s: %w", name, err)
			}
		}
	}
	return warnings, nil
}

// addRule adds one syscall rule. Conditions on distinct arguments are ANDed in
// one rule; if two conditions test the same argument, each condition becomes a
// rule of its own, which ORs all of them (runc's behaviour, kept for
// compatibility with existing profiles).
func addRule(filter *libseccomp.ScmpFilter, nr libseccomp.ScmpSyscall, act libseccomp.ScmpAction, conds []libseccomp.ScmpCondition) error {
	if len(conds) == 0 {
		return filter.AddRule(nr, act)
	}
	if !sameArgTwice(conds) {
		return filter.AddRuleConditional(nr, act, conds)
	}
	for _, c := range conds {
		if err := filter.AddRuleConditional(nr, act, []libseccomp.ScmpCondition{c}); err != nil {
			return err
		}
	}
	return nil
}

func sameArgTwice(conds []libseccomp.ScmpCondition) bool {
	var seen [maxArgs]bool
	for _, c := range conds {
		if seen[c.Argument] {
			return true
		}
		seen[c.Argument] = true
	}
	return false
}

// conditions converts the argument comparisons of one syscall block.
func conditions(args []specs.LinuxSeccompArg) ([]libseccomp.ScmpCondition, error) {
	conds := make([]libseccomp.ScmpCondition, 0, len(args))
	for i, a := range args {
		if a.Index >= maxArgs {
			return nil, fmt.Errorf("args[%d].index: %d is not a syscall argument index (0-%d)", i, a.Index, maxArgs-1)
		}
		op, err := operator(a.Op)
		if err != nil {
			return nil, fmt.Errorf("args[%d].op: %w", i, err)
		}
		c, err := libseccomp.MakeCondition(a.Index, op, a.Value, a.ValueTwo)
		if err != nil {
			return nil, fmt.Errorf("args[%d]: %w", i, err)
		}
		conds = append(conds, c)
	}
	return conds, nil
}

// checkFlags asks libseccomp to set the attribute behind each requested flag:
// it fails with a VersionError when libseccomp or the kernel lacks it. The
// attributes do not change the exported program; the flags travel separately.
func checkFlags(filter *libseccomp.ScmpFilter, flags uint32) error {
	if flags&unix.SECCOMP_FILTER_FLAG_LOG != 0 {
		if err := filter.SetLogBit(true); err != nil {
			return fmt.Errorf("seccomp flag %s: %w", specs.LinuxSeccompFlagLog, err)
		}
	}
	if flags&unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW != 0 {
		if err := filter.SetSSB(true); err != nil {
			return fmt.Errorf("seccomp flag %s: %w", specs.LinuxSeccompFlagSpecAllow, err)
		}
	}
	return nil
}
