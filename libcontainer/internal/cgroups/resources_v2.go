package cgroups

import (
	"errors"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// SharesToWeight converts v1 cpu.shares ([2, 262144]) to v2 cpu.weight
// ([1, 10000]) with runc's formula; 0 stays 0 (unset).
func SharesToWeight(shares uint64) uint64 {
	if shares == 0 {
		return 0
	}
	if shares < 2 {
		shares = 2
	}
	return 1 + ((shares-2)*9999)/262142
}

// BlkioToIOWeight converts a v1 blkio weight ([10, 1000]) to v2 io.weight
// ([1, 10000]) as runc does; 0 stays 0 (unset).
func BlkioToIOWeight(w uint16) uint64 {
	if w == 0 {
		return 0
	}
	if w < 10 {
		w = 10
	}
	return 1 + (uint64(w)-10)*9999/990
}

// SwapToV2 converts the spec's memory+swap to memory.swap.max (swap only),
// as runc: -1 is "max"; 0 is unset, except that an unlimited memory with
// no swap given means unlimited swap too.
func SwapToV2(swap, limit int64) (int64, error) {
	if limit == -1 && swap == 0 {
		return -1, nil
	}
	if swap == -1 || swap == 0 {
		return swap, nil
	}
	if limit == 0 || limit == -1 {
		return 0, errors.New("a swap limit needs a memory limit")
	}
	if limit < 0 {
		return 0, fmt.Errorf("invalid memory limit %d", limit)
	}
	if swap < limit {
		return 0, fmt.Errorf("memory+swap limit %d is below the memory limit %d", swap, limit)
	}
	return swap - limit, nil
}

func memoryV2(dir string, m *specs.LinuxMemory) error {
	var limit, swap int64
	if m.Limit != nil {
		limit = *m.Limit
	}
	if m.Swap != nil {
		swap = *m.Swap
	}
	swapMax, err := SwapToV2(swap, limit)
	if err != nil {
		return resErr("memory.swap", "%v", err)
	}
	// swap.max first: memory.max alone must not leave swap unbounded
	// (runc's order). A swap equal to the limit means no swap at all: "0".
	if swapMax != 0 || (swap > 0 && swap == limit) {
		if !exists(dir, "memory.swap.max") {
			if m.Swap != nil {
				return resErr("memory.swap", "not supported by this kernel (no memory.swap.max: swap accounting off?)")
			}
		} else if err := write(dir, "memory.swap.max", maxOr(swapMax), "memory.swap"); err != nil {
			return err
		}
	}
	if limit != 0 {
		if err := write(dir, "memory.max", maxOr(limit), "memory.limit"); err != nil {
			return err
		}
	}
	if m.Reservation != nil && *m.Reservation != 0 {
		if err := write(dir, "memory.low", maxOr(*m.Reservation), "memory.reservation"); err != nil {
			return err
		}
	}
	// No v2 equivalent: ignored as runc ignores them.
	if m.Kernel != nil || m.KernelTCP != nil { //nolint:staticcheck // deprecated, but configs still carry it: applied or refused knowingly
		Warn("linux.resources.memory.kernel/kernelTCP ignored: no kernel memory limit in cgroup v2")
	}
	if m.Swappiness != nil {
		Warn("linux.resources.memory.swappiness ignored: no per-cgroup swappiness in cgroup v2")
	}
	if m.DisableOOMKiller != nil && *m.DisableOOMKiller {
		Warn("linux.resources.memory.disableOOMKiller ignored: the OOM killer cannot be disabled in cgroup v2")
	}
	if m.UseHierarchy != nil && !*m.UseHierarchy {
		Warn("linux.resources.memory.useHierarchy=false ignored: cgroup v2 is always hierarchical")
	}
	return nil
}

func cpuV2(dir string, c *specs.LinuxCPU) error {
	if c.RealtimeRuntime != nil && *c.RealtimeRuntime != 0 {
		return resErr("cpu.realtimeRuntime", "not supported on cgroup v2")
	}
	if c.RealtimePeriod != nil && *c.RealtimePeriod != 0 {
		return resErr("cpu.realtimePeriod", "not supported on cgroup v2")
	}
	if c.Shares != nil && *c.Shares != 0 {
		if err := write(dir, "cpu.weight", utoa(SharesToWeight(*c.Shares)), "cpu.shares"); err != nil {
			return err
		}
	}
	var quota int64
	var period uint64
	if c.Quota != nil {
		quota = *c.Quota
	}
	if c.Period != nil {
		period = *c.Period
	}
	if quota != 0 || period != 0 {
		val := "max"
		if quota > 0 {
			val = itoa(quota)
		}
		if period != 0 {
			val += " " + utoa(period)
		}
		field := "cpu.quota"
		if quota == 0 {
			field = "cpu.period"
		}
		if err := write(dir, "cpu.max", val, field); err != nil {
			return err
		}
	}
	if c.Burst != nil {
		if err := write(dir, "cpu.max.burst", utoa(*c.Burst), "cpu.burst"); err != nil {
			return err
		}
	}
	if c.Idle != nil {
		if err := write(dir, "cpu.idle", itoa(*c.Idle), "cpu.idle"); err != nil {
			return err
		}
	}
	return nil
}

func blockIOV2(dir string, b *specs.LinuxBlockIO) error {
	bfq := exists(dir, "io.bfq.weight")
	if b.Weight != nil && *b.Weight != 0 {
		if bfq {
			// BFQ takes the v1 range [1, 1000] as is.
			if err := write(dir, "io.bfq.weight", utoa(uint64(*b.Weight)), "blockIO.weight"); err != nil {
				return err
			}
		} else if err := write(dir, "io.weight", utoa(BlkioToIOWeight(*b.Weight)), "blockIO.weight"); err != nil {
			return err
		}
	}
	if b.LeafWeight != nil && *b.LeafWeight != 0 {
		Warn("linux.resources.blockIO.leafWeight ignored: no leaf weight in cgroup v2")
	}
	for i, d := range b.WeightDevice {
		field := fmt.Sprintf("blockIO.weightDevice[%d]", i)
		if d.LeafWeight != nil {
			Warn("linux.resources." + field + ".leafWeight ignored: no leaf weight in cgroup v2")
		}
		if d.Weight == nil {
			continue
		}
		if !bfq {
			return resErr(field+".weight", "not supported by this kernel (no io.bfq.weight: per-device weights need the BFQ scheduler)")
		}
		if err := write(dir, "io.bfq.weight", devNum(d.LinuxBlockIODevice)+" "+utoa(uint64(*d.Weight)), field+".weight"); err != nil {
			return err
		}
	}
	for _, t := range throttles(b) {
		for i, d := range t.devs {
			field := fmt.Sprintf("blockIO.%s[%d]", t.field, i)
			rate := utoa(d.Rate)
			if d.Rate == 0 {
				rate = "max"
			}
			if err := write(dir, "io.max", devNum(d.LinuxBlockIODevice)+" "+t.v2key+"="+rate, field); err != nil {
				return err
			}
		}
	}
	return nil
}

// devicesV2 enforces the device rules with an eBPF program attached to dir
// (devices_v2.go). In a user namespace, where bpf(2) is refused, the rules
// are not enforced, with a warning (as runc: such a container cannot create
// device nodes, and sees only the devices bound into it).
func devicesV2(dir string, rules []specs.LinuxDeviceCgroup) error {
	drs, err := devRules(rules)
	if err != nil {
		return err
	}
	prog, err := devicesProgram(drs)
	if err != nil {
		return err
	}
	if err := loadDevices(dir, encodeInsns(prog)); err != nil {
		if inUserNS() {
			Warn("linux.resources.devices not enforced: no eBPF device program in a user namespace: " + err.Error())
			return nil
		}
		return resErr("devices", "cgroup v2 device program: %v", err)
	}
	return nil
}
