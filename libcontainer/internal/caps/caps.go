// Package caps turns the capability names of a runtime-spec process into the
// five 64-bit sets that rt-init applies with capset(2) and prctl(2).
//
// Names are matched exactly ("CAP_SYS_ADMIN"), as runc does. A name that is
// unknown, or known but beyond what the running kernel supports
// (/proc/sys/kernel/cap_last_cap), is ignored with a warning rather than
// failing the container, again as runc does, so a config written for a newer
// kernel still runs.
package caps

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Bits holds one bit per capability number (bit n = capability n) for each set.
type Bits struct {
	Bounding    uint64
	Effective   uint64
	Permitted   uint64
	Inheritable uint64
	Ambient     uint64
}

// names maps capability numbers to names; the index is the number.
var names = [...]string{
	unix.CAP_CHOWN:              "CAP_CHOWN",
	unix.CAP_DAC_OVERRIDE:       "CAP_DAC_OVERRIDE",
	unix.CAP_DAC_READ_SEARCH:    "CAP_DAC_READ_SEARCH",
	unix.CAP_FOWNER:             "CAP_FOWNER",
	unix.CAP_FSETID:             "CAP_FSETID",
	unix.CAP_KILL:               "CAP_KILL",
	unix.CAP_SETGID:             "CAP_SETGID",
	unix.CAP_SETUID:             "CAP_SETUID",
	unix.CAP_SETPCAP:            "CAP_SETPCAP",
	unix.CAP_LINUX_IMMUTABLE:    "CAP_LINUX_IMMUTABLE",
	unix.CAP_NET_BIND_SERVICE:   "CAP_NET_BIND_SERVICE",
	unix.CAP_NET_BROADCAST:      "CAP_NET_BROADCAST",
	unix.CAP_NET_ADMIN:          "CAP_NET_ADMIN",
	unix.CAP_NET_RAW:            "CAP_NET_RAW",
	unix.CAP_IPC_LOCK:           "CAP_IPC_LOCK",
	unix.CAP_IPC_OWNER:          "CAP_IPC_OWNER",
	unix.CAP_SYS_MODULE:         "CAP_SYS_MODULE",
	unix.CAP_SYS_RAWIO:          "CAP_SYS_RAWIO",
	unix.CAP_SYS_CHROOT:         "CAP_SYS_CHROOT",
	unix.CAP_SYS_PTRACE:         "CAP_SYS_PTRACE",
	unix.CAP_SYS_PACCT:          "CAP_SYS_PACCT",
	unix.CAP_SYS_ADMIN:          "CAP_SYS_ADMIN",
	unix.CAP_SYS_BOOT:           "CAP_SYS_BOOT",
	unix.CAP_SYS_NICE:           "CAP_SYS_NICE",
	unix.CAP_SYS_RESOURCE:       "CAP_SYS_RESOURCE",
	unix.CAP_SYS_TIME:           "CAP_SYS_TIME",
	unix.CAP_SYS_TTY_CONFIG:     "CAP_SYS_TTY_CONFIG",
	unix.CAP_MKNOD:              "CAP_MKNOD",
	unix.CAP_LEASE:              "CAP_LEASE",
	unix.CAP_AUDIT_WRITE:        "CAP_AUDIT_WRITE",
	unix.CAP_AUDIT_CONTROL:      "CAP_AUDIT_CONTROL",
	unix.CAP_SETFCAP:            "CAP_SETFCAP",
	unix.CAP_MAC_OVERRIDE:       "CAP_MAC_OVERRIDE",
	unix.CAP_MAC_ADMIN:          "CAP_MAC_ADMIN",
	unix.CAP_SYSLOG:             "CAP_SYSLOG",
	unix.CAP_WAKE_ALARM:         "CAP_WAKE_ALARM",
	unix.CAP_BLOCK_SUSPEND:      "CAP_BLOCK_SUSPEND",
	unix.CAP_AUDIT_READ:         "CAP_AUDIT_READ",
	unix.CAP_PERFMON:            "CAP_PERFMON",
	unix.CAP_BPF:                "CAP_BPF",
	unix.CAP_CHECKPOINT_RESTORE: "CAP_CHECKPOINT_RESTORE",
}

// byName is the reverse of names.
var byName = func() map[string]int {
	m := make(map[string]int, len(names))
	for n, s := range names {
		m[s] = n
	}
	return m
}()

// Names returns every capability name rt knows, in number order (for
// `rt features`). Some may be beyond what the running kernel supports.
func Names() []string {
	return slices.Clone(names[:])
}

// Parse returns the number of a capability name such as "CAP_KILL". The match
// is exact. It does not check the running kernel; see Last.
func Parse(name string) (int, bool) {
	n, ok := byName[name]
	return n, ok
}

// lastCap is read once per process.
var lastCap = sync.OnceValue(func() int {
	return readLast("/proc/sys/kernel/cap_last_cap")
})

// Last returns the highest capability number the running kernel supports,
// from /proc/sys/kernel/cap_last_cap (cached). If that file cannot be read,
// it assumes the highest capability rt knows.
func Last() int {
	return lastCap()
}

func readLast(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return len(names) - 1
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || n < 0 || n > 63 {
		return len(names) - 1
	}
	return n
}

// Sets converts c into bit sets, ignoring unknown or unavailable names. The
// returned warnings are ready to log (runc logs the same texts); they are nil
// when nothing was ignored. A nil c gives empty sets.
//
// Ambient capabilities can only be raised when they are also permitted and
// inheritable (prctl(PR_CAP_AMBIENT_RAISE) fails otherwise): such names are
// dropped from Ambient with a warning, so that rt-init can treat any failure
// to raise an ambient capability as an error.
func Sets(c *specs.LinuxCapabilities) (Bits, []string) {
	if c == nil {
		return Bits{}, nil
	}
	return sets(c, Last())
}

func sets(c *specs.LinuxCapabilities, last int) (Bits, []string) {
	var unknown []string
	conv := func(list []string) uint64 {
		var bits uint64
		for _, name := range list {
			n, ok := byName[name]
			if !ok || n > last {
				if !slices.Contains(unknown, name) {
					unknown = append(unknown, name)
				}
				continue
			}
			bits |= 1 << n
		}
		return bits
	}
	b := Bits{
		Bounding:    conv(c.Bounding),
		Effective:   conv(c.Effective),
		Permitted:   conv(c.Permitted),
		Inheritable: conv(c.Inheritable),
		Ambient:     conv(c.Ambient),
	}
	var warnings []string
	if len(unknown) > 0 {
		slices.Sort(unknown)
		warnings = append(warnings, fmt.Sprintf("ignoring unknown or unavailable capabilities: %v", unknown))
	}
	// The kernel refuses ambient capabilities that are not both permitted
	// and inheritable; runc's own default spec asks for such, so they are
	// dropped silently, as runc does.
	b.Ambient &= b.Permitted & b.Inheritable
	return b, warnings
}

// List returns the names of the capabilities in bits, in number order; a bit
// without a known name is shown as "CAP_<n>".
func List(bits uint64) []string {
	var out []string
	for n := range 64 {
		if bits&(1<<n) == 0 {
			continue
		}
		if n < len(names) {
			out = append(out, names[n])
		} else {
			out = append(out, "CAP_"+strconv.Itoa(n))
		}
	}
	return out
}
