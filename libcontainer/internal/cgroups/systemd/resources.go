package systemd

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	sd "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/libcontainer/internal/cgroups"
)

// infinity is systemd's "infinity" (UINT64_MAX) for limits and USEC_INFINITY.
const infinity = uint64(math.MaxUint64)

// Minimum systemd versions of the properties that older ones refuse (as runc).
const (
	minVersionQuotaPeriod = 242 // CPUQuotaPeriodUSec
	minVersionCpuset      = 244 // AllowedCPUs, AllowedMemoryNodes
	minVersionCPUIdle     = 252 // CPUWeight=idle (0)
)

// defaultCPUPeriod is the kernel's CFS period (µs) when the spec gives none.
const defaultCPUPeriod = 100000

func prop(name string, v any) sd.Property {
	return sd.Property{Name: name, Value: dbus.MakeVariant(v)}
}

// AccountingProps are the accounting properties runc starts its scopes
// with: v2 MemoryAccounting, CPUAccounting, IOAccounting, TasksAccounting;
// v1 the same with BlockIOAccounting for IOAccounting.
func AccountingProps(unified bool) []sd.Property {
	io := "BlockIOAccounting"
	if unified {
		io = "IOAccounting"
	}
	return []sd.Property{
		prop("MemoryAccounting", true),
		prop("CPUAccounting", true),
		prop(io, true),
		prop("TasksAccounting", true),
	}
}

// unitResources maps r to the unit properties runc's systemd driver sets:
// its v2 driver's when unified, its v1 driver's otherwise. version is
// systemd's (0 if unknown): properties newer than it are left out (the
// cgroup files still get those values). Values that are invalid are left
// out too, for the cgroup file code to report.
func unitResources(r *specs.LinuxResources, unified bool, version int) []sd.Property {
	if r == nil {
		return nil
	}
	var out []sd.Property
	if unified {
		out = append(out, memoryV2(r.Memory)...)
	} else {
		out = append(out, memoryV1(r.Memory)...)
	}
	if c := r.CPU; c != nil {
		if unified {
			out = append(out, cpuWeightV2(c, version)...)
		} else if c.Shares != nil && *c.Shares != 0 {
			out = append(out, prop("CPUShares", *c.Shares))
		}
		out = append(out, cpuQuota(c.Quota, c.Period, version)...)
		out = append(out, cpuset(c.Cpus, c.Mems, version)...)
	}
	out = append(out, blockIO(r.BlockIO, unified)...)
	return append(out, tasksMax(r.Pids)...)
}

// limitValue: -1 is infinity, 0 (or any other negative) unset.
func limitValue(p *int64) (uint64, bool) {
	switch {
	case p == nil || *p == 0 || *p < -1:
		return 0, false
	case *p == -1:
		return infinity, true
	}
	return uint64(*p), true
}

// memoryV2: MemoryMax, MemoryLow and MemorySwapMax (swap only: the spec's
// memory+swap minus the limit, cgroups.SwapToV2's rules).
func memoryV2(m *specs.LinuxMemory) []sd.Property {
	if m == nil {
		return nil
	}
	var out []sd.Property
	if v, ok := limitValue(m.Limit); ok {
		out = append(out, prop("MemoryMax", v))
	}
	if v, ok := limitValue(m.Reservation); ok {
		out = append(out, prop("MemoryLow", v))
	}
	var limit, swap int64
	if m.Limit != nil {
		limit = *m.Limit
	}
	if m.Swap != nil {
		swap = *m.Swap
	}
	if s, err := cgroups.SwapToV2(swap, limit); err == nil && s != 0 {
		if v, ok := limitValue(&s); ok {
			out = append(out, prop("MemorySwapMax", v))
		}
	}
	return out
}

// memoryV1: MemoryLimit (runc's v1 driver sets nothing else).
func memoryV1(m *specs.LinuxMemory) []sd.Property {
	if m == nil {
		return nil
	}
	if v, ok := limitValue(m.Limit); ok {
		return []sd.Property{prop("MemoryLimit", v)}
	}
	return nil
}

// cpuWeightV2: CPUWeight 0 ("idle") for idle 1 on systemd >= 252, else
// CPUWeight from the shares (cgroups.SharesToWeight); out of systemd's
// [1, 10000] is left out.
func cpuWeightV2(c *specs.LinuxCPU, version int) []sd.Property {
	if c.Idle != nil && *c.Idle == 1 && version >= minVersionCPUIdle {
		return []sd.Property{prop("CPUWeight", uint64(0))}
	}
	if c.Shares == nil || *c.Shares == 0 {
		return nil
	}
	if w := cgroups.SharesToWeight(*c.Shares); w >= 1 && w <= 10000 {
		return []sd.Property{prop("CPUWeight", w)}
	}
	return nil
}

// cpuQuota: CPUQuotaPeriodUSec (systemd >= 242) for a period, and
// CPUQuotaPerSecUSec = quota/period in µs per second, rounded up to a
// multiple of 10 ms as runc does (systemd keeps it as a whole percentage);
// a quota <= 0 with a period, or -1, is infinity.
func cpuQuota(quotaP *int64, periodP *uint64, version int) []sd.Property {
	var quota int64
	var period uint64
	if quotaP != nil {
		quota = *quotaP
	}
	if periodP != nil {
		period = *periodP
	}
	var out []sd.Property
	if period != 0 && version >= minVersionQuotaPeriod {
		out = append(out, prop("CPUQuotaPeriodUSec", period))
	}
	if quota == 0 && period == 0 {
		return out
	}
	perSec := infinity
	if quota > 0 {
		if period == 0 {
			period = defaultCPUPeriod
		}
		perSec = uint64(quota) * 1000000 / period
		if perSec%10000 != 0 {
			perSec = (perSec/10000 + 1) * 10000
		}
	}
	return append(out, prop("CPUQuotaPerSecUSec", perSec))
}

// cpuset: AllowedCPUs and AllowedMemoryNodes (systemd >= 244) as bitmasks;
// a list that does not parse is left out.
func cpuset(cpus, mems string, version int) []sd.Property {
	if version < minVersionCpuset {
		return nil
	}
	var out []sd.Property
	if b, err := RangeToBits(cpus); cpus != "" && err == nil {
		out = append(out, prop("AllowedCPUs", b))
	}
	if b, err := RangeToBits(mems); mems != "" && err == nil {
		out = append(out, prop("AllowedMemoryNodes", b))
	}
	return out
}

// blockIO: IOWeight (cgroups.BlkioToIOWeight) on v2, BlockIOWeight on v1;
// per-device entries are left to the cgroup files.
func blockIO(b *specs.LinuxBlockIO, unified bool) []sd.Property {
	if b == nil || b.Weight == nil || *b.Weight == 0 {
		return nil
	}
	if !unified {
		if w := uint64(*b.Weight); w >= 10 && w <= 1000 {
			return []sd.Property{prop("BlockIOWeight", w)}
		}
		return nil
	}
	if w := cgroups.BlkioToIOWeight(*b.Weight); w >= 1 && w <= 10000 {
		return []sd.Property{prop("IOWeight", w)}
	}
	return nil
}

// tasksMax: TasksMax for the pids limit; a negative limit is infinity.
func tasksMax(p *specs.LinuxPids) []sd.Property {
	if p == nil || p.Limit == nil || *p.Limit == 0 {
		return nil
	}
	limit := infinity
	if l := *p.Limit; l > 0 {
		limit = uint64(l)
	}
	return []sd.Property{prop("TasksMax", limit)}
}

// RangeToBits converts a cpuset list ("0-2,7") to the bitmask systemd takes
// for AllowedCPUs/AllowedMemoryNodes: bit n%8 of byte n/8 for CPU n
// ("0-2,7" is {0x87}, "8" is {0x00, 0x01}); an empty list is {0x00}.
func RangeToBits(s string) ([]byte, error) {
	var bits big.Int
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lo, hi, err := parseRange(part)
		if err != nil {
			return nil, fmt.Errorf("cpuset list %q: %w", s, err)
		}
		for n := lo; n <= hi; n++ {
			bits.SetBit(&bits, int(n), 1)
		}
	}
	b := bits.Bytes() // big-endian; systemd reads byte 0 as CPUs 0-7
	if len(b) == 0 {
		return []byte{0}, nil
	}
	for l, r := 0, len(b)-1; l < r; l, r = l+1, r-1 {
		b[l], b[r] = b[r], b[l]
	}
	return b, nil
}

// maxCPU bounds a cpuset entry (the kernel's NR_CPUS limit is 8192).
const maxCPU = 1 << 16

func parseRange(part string) (lo, hi uint64, err error) {
	a, b, isRange := strings.Cut(part, "-")
	if lo, err = strconv.ParseUint(a, 10, 32); err != nil {
		return 0, 0, fmt.Errorf("bad entry %q", part)
	}
	hi = lo
	if isRange {
		if hi, err = strconv.ParseUint(b, 10, 32); err != nil {
			return 0, 0, fmt.Errorf("bad entry %q", part)
		}
	}
	if hi < lo {
		return 0, 0, fmt.Errorf("bad range %q", part)
	}
	if hi >= maxCPU {
		return 0, 0, fmt.Errorf("%q: above %d", part, maxCPU-1)
	}
	return lo, hi, nil
}

// parseVersion takes systemd's Version ("252.22-1~deb12u1", "v245.4-4") as
// GetManagerProperty quotes it, and returns its major number.
func parseVersion(s string) (int, error) {
	s = strings.TrimLeft(s, `"v`)
	end := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if end >= 0 {
		s = s[:end]
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("systemd version %q: %w", s, err)
	}
	return n, nil
}
