package spec

import (
	"sort"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The tables below are the values Validate accepts. They are also what
// `rt features` should report, through the Known* functions, so that the two
// can never disagree.

var namespaceTypes = map[specs.LinuxNamespaceType]bool{
	specs.PIDNamespace: true, specs.NetworkNamespace: true, specs.MountNamespace: true,
	specs.IPCNamespace: true, specs.UTSNamespace: true, specs.UserNamespace: true,
	specs.CgroupNamespace: true, specs.TimeNamespace: true,
}

// capabilities maps capability names to numbers, up to unix.CAP_LAST_CAP
// (tables_test.go checks that none is missing).
var capabilities = map[string]int{
	"CAP_CHOWN": unix.CAP_CHOWN, "CAP_DAC_OVERRIDE": unix.CAP_DAC_OVERRIDE,
	"CAP_DAC_READ_SEARCH": unix.CAP_DAC_READ_SEARCH, "CAP_FOWNER": unix.CAP_FOWNER,
	"CAP_FSETID": unix.CAP_FSETID, "CAP_KILL": unix.CAP_KILL, "CAP_SETGID": unix.CAP_SETGID,
	"CAP_SETUID": unix.CAP_SETUID, "CAP_SETPCAP": unix.CAP_SETPCAP,
	"CAP_LINUX_IMMUTABLE": unix.CAP_LINUX_IMMUTABLE, "CAP_NET_BIND_SERVICE": unix.CAP_NET_BIND_SERVICE,
	"CAP_NET_BROADCAST": unix.CAP_NET_BROADCAST, "CAP_NET_ADMIN": unix.CAP_NET_ADMIN,
	"CAP_NET_RAW": unix.CAP_NET_RAW, "CAP_IPC_LOCK": unix.CAP_IPC_LOCK,
	"CAP_IPC_OWNER": unix.CAP_IPC_OWNER, "CAP_SYS_MODULE": unix.CAP_SYS_MODULE,
	"CAP_SYS_RAWIO": unix.CAP_SYS_RAWIO, "CAP_SYS_CHROOT": unix.CAP_SYS_CHROOT,
	"CAP_SYS_PTRACE": unix.CAP_SYS_PTRACE, "CAP_SYS_PACCT": unix.CAP_SYS_PACCT,
	"CAP_SYS_ADMIN": unix.CAP_SYS_ADMIN, "CAP_SYS_BOOT": unix.CAP_SYS_BOOT,
	"CAP_SYS_NICE": unix.CAP_SYS_NICE, "CAP_SYS_RESOURCE": unix.CAP_SYS_RESOURCE,
	"CAP_SYS_TIME": unix.CAP_SYS_TIME, "CAP_SYS_TTY_CONFIG": unix.CAP_SYS_TTY_CONFIG,
	"CAP_MKNOD": unix.CAP_MKNOD, "CAP_LEASE": unix.CAP_LEASE, "CAP_AUDIT_WRITE": unix.CAP_AUDIT_WRITE,
	"CAP_AUDIT_CONTROL": unix.CAP_AUDIT_CONTROL, "CAP_SETFCAP": unix.CAP_SETFCAP,
	"CAP_MAC_OVERRIDE": unix.CAP_MAC_OVERRIDE, "CAP_MAC_ADMIN": unix.CAP_MAC_ADMIN,
	"CAP_SYSLOG": unix.CAP_SYSLOG, "CAP_WAKE_ALARM": unix.CAP_WAKE_ALARM,
	"CAP_BLOCK_SUSPEND": unix.CAP_BLOCK_SUSPEND, "CAP_AUDIT_READ": unix.CAP_AUDIT_READ,
	"CAP_PERFMON": unix.CAP_PERFMON, "CAP_BPF": unix.CAP_BPF,
	"CAP_CHECKPOINT_RESTORE": unix.CAP_CHECKPOINT_RESTORE,
}

var rlimitTypes = map[string]bool{
	"RLIMIT_AS": true, "RLIMIT_CORE": true, "RLIMIT_CPU": true, "RLIMIT_DATA": true,
	"RLIMIT_FSIZE": true, "RLIMIT_LOCKS": true, "RLIMIT_MEMLOCK": true, "RLIMIT_MSGQUEUE": true,
	"RLIMIT_NICE": true, "RLIMIT_NOFILE": true, "RLIMIT_NPROC": true, "RLIMIT_RSS": true,
	"RLIMIT_RTPRIO": true, "RLIMIT_RTTIME": true, "RLIMIT_SIGPENDING": true, "RLIMIT_STACK": true,
}

var seccompActions = map[specs.LinuxSeccompAction]bool{
	specs.ActKill: true, specs.ActKillProcess: true, specs.ActKillThread: true,
	specs.ActTrap: true, specs.ActErrno: true, specs.ActTrace: true, specs.ActAllow: true,
	specs.ActLog: true, specs.ActNotify: true,
}

// seccompArchs is the runtime-spec 1.3 list (libseccomp 2.6); runc knows a
// subset. Whether the installed libseccomp knows one is the seccomp layer's
// question.
var seccompArchs = map[specs.Arch]bool{
	specs.ArchX86: true, specs.ArchX86_64: true, specs.ArchX32: true, specs.ArchARM: true,
	specs.ArchAARCH64: true, specs.ArchMIPS: true, specs.ArchMIPS64: true,
	specs.ArchMIPS64N32: true, specs.ArchMIPSEL: true, specs.ArchMIPSEL64: true,
	specs.ArchMIPSEL64N32: true, specs.ArchPPC: true, specs.ArchPPC64: true,
	specs.ArchPPC64LE: true, specs.ArchS390: true, specs.ArchS390X: true,
	specs.ArchPARISC: true, specs.ArchPARISC64: true, specs.ArchRISCV64: true,
	specs.ArchLOONGARCH64: true, specs.ArchM68K: true, specs.ArchSH: true, specs.ArchSHEB: true,
}

var seccompOperators = map[specs.LinuxSeccompOperator]bool{
	specs.OpNotEqual: true, specs.OpLessThan: true, specs.OpLessEqual: true,
	specs.OpEqualTo: true, specs.OpGreaterEqual: true, specs.OpGreaterThan: true,
	specs.OpMaskedEqual: true,
}

var seccompFlags = map[specs.LinuxSeccompFlag]bool{
	"SECCOMP_FILTER_FLAG_TSYNC": true, specs.LinuxSeccompFlagLog: true,
	specs.LinuxSeccompFlagSpecAllow: true, specs.LinuxSeccompFlagWaitKillableRecv: true,
}

var rootfsPropagations = map[string]bool{
	"shared": true, "rshared": true, "slave": true, "rslave": true,
	"private": true, "rprivate": true, "unbindable": true, "runbindable": true,
}

var ioPriorityClasses = map[specs.IOPriorityClass]bool{
	specs.IOPRIO_CLASS_RT: true, specs.IOPRIO_CLASS_BE: true, specs.IOPRIO_CLASS_IDLE: true,
}

var schedPolicies = map[specs.LinuxSchedulerPolicy]bool{
	specs.SchedOther: true, specs.SchedFIFO: true, specs.SchedRR: true, specs.SchedBatch: true,
	specs.SchedISO: true, specs.SchedIdle: true, specs.SchedDeadline: true,
}

var schedFlags = map[specs.LinuxSchedulerFlag]bool{
	specs.SchedFlagResetOnFork: true, specs.SchedFlagReclaim: true, specs.SchedFlagDLOverrun: true,
	specs.SchedFlagKeepPolicy: true, specs.SchedFlagKeepParams: true,
	specs.SchedFlagUtilClampMin: true, specs.SchedFlagUtilClampMax: true,
}

var memoryPolicyModes = map[specs.MemoryPolicyModeType]bool{
	specs.MpolDefault: true, specs.MpolBind: true, specs.MpolInterleave: true,
	specs.MpolWeightedInterleave: true, specs.MpolPreferred: true,
	specs.MpolPreferredMany: true, specs.MpolLocal: true,
}

var memoryPolicyFlags = map[specs.MemoryPolicyFlagType]bool{
	specs.MpolFNumaBalancing: true, specs.MpolFRelativeNodes: true, specs.MpolFStaticNodes: true,
}

// procMountAllowed are the only mount destinations below /proc: the files
// lxcfs emulates, and two sysctls some workloads bind over. The list is
// runc's (checkProcMount).
var procMountAllowed = map[string]bool{
	"/proc/cpuinfo": true, "/proc/diskstats": true, "/proc/meminfo": true, "/proc/stat": true,
	"/proc/swaps": true, "/proc/uptime": true, "/proc/loadavg": true, "/proc/slabinfo": true,
	"/proc/sys/kernel/ns_last_pid": true, "/proc/sys/crypto/fips_enabled": true,
}

// CapabilityNumber returns the number of the capability called name (e.g.
// "CAP_KILL"), and whether the name is known at all.
func CapabilityNumber(name string) (int, bool) {
	n, ok := capabilities[name]
	return n, ok
}

// KnownCapabilities returns every capability name Validate accepts, in
// numeric order.
func KnownCapabilities() []string {
	names := sortedKeys(capabilities)
	sort.Slice(names, func(i, j int) bool { return capabilities[names[i]] < capabilities[names[j]] })
	return names
}

// KnownNamespaces returns the namespace types Validate accepts, sorted.
func KnownNamespaces() []string { return sortedKeys(namespaceTypes) }

// KnownSeccompActions returns the seccomp actions Validate accepts, sorted.
func KnownSeccompActions() []string { return sortedKeys(seccompActions) }

// KnownSeccompArchs returns the seccomp architectures Validate accepts, sorted.
func KnownSeccompArchs() []string { return sortedKeys(seccompArchs) }

// KnownSeccompOperators returns the seccomp operators Validate accepts, sorted.
func KnownSeccompOperators() []string { return sortedKeys(seccompOperators) }

// KnownSeccompFlags returns the seccomp filter flags Validate accepts, sorted.
func KnownSeccompFlags() []string { return sortedKeys(seccompFlags) }

// sortedKeys returns m's keys as sorted strings, for deterministic output and
// for walking maps in config.json in a stable order.
func sortedKeys[K ~string, V any](m map[K]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	return keys
}
