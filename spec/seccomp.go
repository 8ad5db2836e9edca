package spec

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// maxSyscallArgs is the number of syscall arguments seccomp can inspect.
const maxSyscallArgs = 6

// seccomp checks linux.seccomp. Like runc, a seccomp object with neither a
// default action nor rules means "no filter".
func (v *validator) seccomp() error {
	sc := v.l.Seccomp
	if sc == nil || (sc.DefaultAction == "" && len(sc.Syscalls) == 0) {
		return nil
	}
	const p = "linux.seccomp"
	if err := checkSeccompAction(p+".defaultAction", sc.DefaultAction, sc.DefaultErrnoRet, p+".defaultErrnoRet"); err != nil {
		return err
	}
	if sc.DefaultAction == specs.ActNotify {
		return fieldErr(p+".defaultAction", "SCMP_ACT_NOTIFY cannot be used as the default action")
	}
	for i, a := range sc.Architectures {
		if !seccompArchs[a] {
			return fieldErr(idx(p+".architectures", i), "%q is not a valid arch for seccomp", a)
		}
	}
	for i, f := range sc.Flags {
		if !seccompFlags[f] {
			return fieldErr(idx(p+".flags", i), "%q is not a known seccomp filter flag", f)
		}
	}
	if sc.ListenerMetadata != "" && sc.ListenerPath == "" {
		return fieldErr(p+".listenerMetadata", "must not be set without listenerPath")
	}
	if err := checkNUL(p+".listenerPath", sc.ListenerPath); err != nil {
		return err
	}
	notify := false
	for i := range sc.Syscalls {
		if err := checkSyscallRule(idx(p+".syscalls", i), &sc.Syscalls[i]); err != nil {
			return err
		}
		notify = notify || sc.Syscalls[i].Action == specs.ActNotify
	}
	if notify && sc.ListenerPath == "" {
		return fieldErr(p+".listenerPath", "must be set when SCMP_ACT_NOTIFY is used")
	}
	return nil
}

// checkSeccompAction validates an action and its errno: the runtime-spec
// says an errno for an action that cannot return one MUST fail.
func checkSeccompAction(p string, act specs.LinuxSeccompAction, errno *uint, errnoPath string) error {
	if !seccompActions[act] {
		return fieldErr(p, "%q is not a valid action for seccomp", act)
	}
	if errno != nil && act != specs.ActErrno && act != specs.ActTrace {
		return fieldErr(errnoPath, "only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno, not %s", act)
	}
	return nil
}

func checkSyscallRule(p string, sc *specs.LinuxSyscall) error {
	if len(sc.Names) == 0 {
		return fieldErr(p+".names", "must contain at least one entry")
	}
	for i, n := range sc.Names {
		if n == "" {
			return fieldErr(idx(p+".names", i), "must not be empty")
		}
		if err := checkNUL(idx(p+".names", i), n); err != nil {
			return err
		}
	}
	if err := checkSeccompAction(p+".action", sc.Action, sc.ErrnoRet, p+".errnoRet"); err != nil {
		return err
	}
	for i, a := range sc.Args {
		ap := idx(p+".args", i)
		if a.Index >= maxSyscallArgs {
			return fieldErr(ap+".index", "%d is out of range [0, %d]", a.Index, maxSyscallArgs-1)
		}
		if !seccompOperators[a.Op] {
			return fieldErr(ap+".op", "%q is not a valid operator for seccomp", a.Op)
		}
	}
	return nil
}
