package seccomp

import (
	"fmt"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// flagTsync is accepted but not in the runtime-spec constants.
const flagTsync specs.LinuxSeccompFlag = "SECCOMP_FILTER_FLAG_TSYNC"

// Names of the actions, operators and flags, in the order `features` lists them.
var (
	actionNames = []string{
		"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
		"SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP",
	}
	operatorNames = []string{
		"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE",
		"SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE",
	}
	knownFlags = []specs.LinuxSeccompFlag{
		flagTsync, specs.LinuxSeccompFlagSpecAllow, specs.LinuxSeccompFlagLog,
		specs.LinuxSeccompFlagWaitKillableRecv,
	}
	archNames = []specs.Arch{
		specs.ArchX86, specs.ArchX86_64, specs.ArchX32, specs.ArchARM, specs.ArchAARCH64,
		specs.ArchMIPS, specs.ArchMIPS64, specs.ArchMIPS64N32, specs.ArchMIPSEL,
		specs.ArchMIPSEL64, specs.ArchMIPSEL64N32, specs.ArchPPC, specs.ArchPPC64,
		specs.ArchPPC64LE, specs.ArchS390, specs.ArchS390X, specs.ArchPARISC,
		specs.ArchPARISC64, specs.ArchRISCV64, specs.ArchLOONGARCH64, specs.ArchM68K,
		specs.ArchSH, specs.ArchSHEB,
	}
)

// action converts a spec action; errnoRet applies to ERRNO and TRACE only
// (as in runc) and defaults to EPERM.
func action(a specs.LinuxSeccompAction, errnoRet *uint) (libseccomp.ScmpAction, error) {
	ret := int16(unix.EPERM)
	if errnoRet != nil {
		if *errnoRet > 0xffff {
			return libseccomp.ActInvalid, fmt.Errorf("errnoRet %d does not fit in 16 bits", *errnoRet)
		}
		ret = int16(uint16(*errnoRet))
	}
	switch a {
	case specs.ActKill, specs.ActKillThread:
		return libseccomp.ActKillThread, nil
	case specs.ActKillProcess:
		return libseccomp.ActKillProcess, nil
	case specs.ActTrap:
		return libseccomp.ActTrap, nil
	case specs.ActErrno:
		return libseccomp.ActErrno.SetReturnCode(ret), nil
	case specs.ActTrace:
		return libseccomp.ActTrace.SetReturnCode(ret), nil
	case specs.ActAllow:
		return libseccomp.ActAllow, nil
	case specs.ActLog:
		return libseccomp.ActLog, nil
	case specs.ActNotify:
		return libseccomp.ActNotify, nil
	}
	return libseccomp.ActInvalid, fmt.Errorf("string %s is not a valid action for seccomp", a)
}

func operator(op specs.LinuxSeccompOperator) (libseccomp.ScmpCompareOp, error) {
	switch op {
	case specs.OpNotEqual:
		return libseccomp.CompareNotEqual, nil
	case specs.OpLessThan:
		return libseccomp.CompareLess, nil
	case specs.OpLessEqual:
		return libseccomp.CompareLessOrEqual, nil
	case specs.OpEqualTo:
		return libseccomp.CompareEqual, nil
	case specs.OpGreaterEqual:
		return libseccomp.CompareGreaterEqual, nil
	case specs.OpGreaterThan:
		return libseccomp.CompareGreater, nil
	case specs.OpMaskedEqual:
		return libseccomp.CompareMaskedEqual, nil
	}
	return libseccomp.CompareInvalid, fmt.Errorf("string %s is not a valid operator for seccomp", op)
}

// archFromName converts "SCMP_ARCH_X86_64" and friends.
func archFromName(a specs.Arch) (libseccomp.ScmpArch, error) {
	name, ok := strings.CutPrefix(string(a), "SCMP_ARCH_")
	if !ok {
		return libseccomp.ArchInvalid, fmt.Errorf("string %s is not a valid arch for seccomp", a)
	}
	arch, err := libseccomp.GetArchFromString(name)
	if err != nil {
		return libseccomp.ArchInvalid, fmt.Errorf("string %s is not a valid arch for seccomp", a)
	}
	return arch, nil
}

// apiLevel is libseccomp's view of what the kernel supports (0 when unknown).
func apiLevel() uint {
	level, _ := libseccomp.GetAPI()
	return level
}

// flagSupported reports whether the kernel and libseccomp support a known
// flag, by API level: 3 brought the LOG flag, 4 SPEC_ALLOW, 7 WAIT_KILLABLE_RECV.
func flagSupported(f specs.LinuxSeccompFlag, level uint) bool {
	switch f {
	case flagTsync:
		return true
	case specs.LinuxSeccompFlagLog:
		return level >= 3
	case specs.LinuxSeccompFlagSpecAllow:
		return level >= 4
	case specs.LinuxSeccompFlagWaitKillableRecv:
		return level >= 7
	}
	return false
}

// filterFlags turns the spec flags into seccomp(2) flag bits.
//
// TSYNC is accepted and dropped, as runc does: rt-init is single-threaded, and
// with TSYNC seccomp(2) reports a failure as a positive thread id, a
// convention the loader would have to special-case for nothing.
// WAIT_KILLABLE_RECV is accepted when supported and kept only with
// SCMP_ACT_NOTIFY (notify): the kernel takes it only together with
// NEW_LISTENER, which notify adds.
func filterFlags(flags []specs.LinuxSeccompFlag, notify bool) (uint32, error) {
	level := apiLevel()
	if flags == nil { // absent, not empty: runc's and crun's default
		if flagSupported(specs.LinuxSeccompFlagSpecAllow, level) {
			return unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW, nil
		}
		return 0, nil
	}
	var bits uint32
	for _, f := range flags {
		known := false
		for _, k := range knownFlags {
			known = known || f == k
		}
		if !known {
			return 0, fmt.Errorf("seccomp flag %s is not known to rt", f)
		}
		if !flagSupported(f, level) {
			return 0, fmt.Errorf("seccomp flag %s is not supported by this kernel and libseccomp (API level %d)", f, level)
		}
		switch f {
		case specs.LinuxSeccompFlagLog:
			bits |= unix.SECCOMP_FILTER_FLAG_LOG
		case specs.LinuxSeccompFlagSpecAllow:
			bits |= unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW
		case specs.LinuxSeccompFlagWaitKillableRecv:
			if notify {
				bits |= unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
			}
		}
	}
	return bits, nil
}

// Supported describes seccomp support for `rt features` (runtime-spec
// features.md): the actions, operators and architectures rt accepts, and the
// flags it knows and that this kernel and libseccomp support.
func Supported() *features.Seccomp {
	enabled := true
	level := apiLevel()
	s := &features.Seccomp{
		Enabled:   &enabled,
		Actions:   append([]string(nil), actionNames...),
		Operators: append([]string(nil), operatorNames...),
		Archs:     supportedArchs(),
	}
	for _, f := range knownFlags {
		s.KnownFlags = append(s.KnownFlags, string(f))
		if flagSupported(f, level) {
			s.SupportedFlags = append(s.SupportedFlags, string(f))
		}
	}
	return s
}

// supportedArchs lists the spec architectures this libseccomp can add to a
// filter (a build against an older libseccomp lacks some).
func supportedArchs() []string {
	filter, err := libseccomp.NewFilter(libseccomp.ActAllow)
	if err != nil {
		return nil
	}
	defer filter.Release()
	var out []string
	for _, a := range archNames {
		arch, err := archFromName(a)
		if err == nil && filter.AddArch(arch) == nil {
			out = append(out, string(a))
		}
	}
	return out
}
