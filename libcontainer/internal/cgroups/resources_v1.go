package cgroups

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// memoryV1 sets the v1 memory controller as runc's fs manager does.
func memoryV1(dir string, m *specs.LinuxMemory) error {
	var limit, swap int64
	if m.Limit != nil {
		limit = *m.Limit
	}
	if m.Swap != nil {
		swap = *m.Swap
	}
	if err := limitAndSwapV1(dir, limit, swap); err != nil {
		return err
	}
	if m.Reservation != nil {
		if err := write(dir, "memory.soft_limit_in_bytes", itoa(*m.Reservation), "memory.reservation"); err != nil {
			return err
		}
	}
	if m.Kernel != nil { //nolint:staticcheck // deprecated, but configs still carry it: applied or refused knowingly
		// Deprecated, and refused by kernels >= 6.x (the file is gone or
		// writes fail with EOPNOTSUPP): ignored with a warning, as runc.
		err := writeCgroupFile(dir+"/memory.kmem.limit_in_bytes", []byte(itoa(*m.Kernel))) //nolint:staticcheck // deprecated, but configs still carry it: applied or refused knowingly
		if err != nil {
			Warn(fmt.Sprintf("linux.resources.memory.kernel ignored: %v", err))
		}
	}
	if m.KernelTCP != nil {
		if err := write(dir, "memory.kmem.tcp.limit_in_bytes", itoa(*m.KernelTCP), "memory.kernelTCP"); err != nil {
			return err
		}
	}
	if m.UseHierarchy != nil {
		v := "0"
		if *m.UseHierarchy {
			v = "1"
		}
		if err := write(dir, "memory.use_hierarchy", v, "memory.useHierarchy"); err != nil {
			return err
		}
	}
	if m.Swappiness != nil {
		if *m.Swappiness > 100 {
			return resErr("memory.swappiness", "%d is not in 0-100", *m.Swappiness)
		}
		if err := write(dir, "memory.swappiness", utoa(*m.Swappiness), "memory.swappiness"); err != nil {
			return err
		}
	}
	if m.DisableOOMKiller != nil && *m.DisableOOMKiller {
		if err := write(dir, "memory.oom_control", "1", "memory.disableOOMKiller"); err != nil {
			return err
		}
	}
	return nil
}

// limitAndSwapV1 writes memory.limit_in_bytes and memory.memsw.limit_in_bytes
// (spec swap is memory+swap, like memsw). The kernel refuses a memsw limit
// below the memory limit, so the order depends on the current values.
func limitAndSwapV1(dir string, limit, swap int64) error {
	const lim, memsw = "memory.limit_in_bytes", "memory.memsw.limit_in_bytes"
	if limit != 0 && swap != 0 {
		if swap != -1 && limit != -1 && swap < limit {
			return resErr("memory.swap", "memory+swap limit %d is below the memory limit %d", swap, limit)
		}
		cur, err := readInt(dir + "/" + memsw)
		if err != nil {
			return resErr("memory.swap", "not supported by this kernel (no %s: swap accounting off?)", memsw)
		}
		if swap == -1 || cur < swap {
			// Raising memsw: it first, so memory <= memsw holds throughout.
			if err := write(dir, memsw, itoa(swap), "memory.swap"); err != nil {
				return err
			}
			return write(dir, lim, itoa(limit), "memory.limit")
		}
		if err := write(dir, lim, itoa(limit), "memory.limit"); err != nil {
			return err
		}
		return write(dir, memsw, itoa(swap), "memory.swap")
	}
	if limit != 0 {
		if err := write(dir, lim, itoa(limit), "memory.limit"); err != nil {
			return err
		}
	}
	if swap != 0 {
		return write(dir, memsw, itoa(swap), "memory.swap")
	}
	return nil
}

// readInt reads a cgroup file holding one integer.
func readInt(path string) (int64, error) {
	b, err := readFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
}

func cpuV1(dir string, c *specs.LinuxCPU) error {
	if c.Shares != nil && *c.Shares != 0 {
		if err := write(dir, "cpu.shares", utoa(*c.Shares), "cpu.shares"); err != nil {
			return err
		}
		// The kernel clamps shares to [2, 262144]: say so rather than
		// run with another value than asked.
		if got, err := readInt(dir + "/cpu.shares"); err == nil && uint64(got) != *c.Shares {
			return resErr("cpu.shares", "%d is out of the kernel's range (it set %d)", *c.Shares, got)
		}
	}
	if c.RealtimePeriod != nil && *c.RealtimePeriod != 0 {
		if err := write(dir, "cpu.rt_period_us", utoa(*c.RealtimePeriod), "cpu.realtimePeriod"); err != nil {
			return err
		}
	}
	if c.RealtimeRuntime != nil && *c.RealtimeRuntime != 0 {
		if err := write(dir, "cpu.rt_runtime_us", itoa(*c.RealtimeRuntime), "cpu.realtimeRuntime"); err != nil {
			return err
		}
	}
	period := ""
	if c.Period != nil && *c.Period != 0 {
		period = utoa(*c.Period)
	}
	if period != "" {
		// EINVAL when the current quota does not fit the new period: then
		// quota first, period again (runc does the same).
		err := writeCgroupFile(dir+"/cpu.cfs_period_us", []byte(period))
		if err != nil && !(errors.Is(err, unix.EINVAL) && c.Quota != nil) {
			return write(dir, "cpu.cfs_period_us", period, "cpu.period")
		}
		if err == nil {
			period = ""
		}
	}
	if c.Quota != nil && *c.Quota != 0 {
		if err := write(dir, "cpu.cfs_quota_us", itoa(*c.Quota), "cpu.quota"); err != nil {
			return err
		}
	}
	if period != "" {
		if err := write(dir, "cpu.cfs_period_us", period, "cpu.period"); err != nil {
			return err
		}
	}
	if c.Burst != nil {
		if err := write(dir, "cpu.cfs_burst_us", utoa(*c.Burst), "cpu.burst"); err != nil {
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

// bfqV1 reports whether blkio weights go to BFQ's files (blkio.bfq.weight):
// kernels without CFQ have no blkio.weight.
func bfqV1(dir string) bool {
	return !exists(dir, "blkio.weight") && exists(dir, "blkio.bfq.weight")
}

func blockIOV1(dir string, b *specs.LinuxBlockIO) error {
	weight, weightDev := "blkio.weight", "blkio.weight_device"
	if bfqV1(dir) {
		weight, weightDev = "blkio.bfq.weight", "blkio.bfq.weight_device"
	}
	if b.Weight != nil && *b.Weight != 0 {
		if err := write(dir, weight, utoa(uint64(*b.Weight)), "blockIO.weight"); err != nil {
			return err
		}
	}
	if b.LeafWeight != nil && *b.LeafWeight != 0 {
		if err := write(dir, "blkio.leaf_weight", utoa(uint64(*b.LeafWeight)), "blockIO.leafWeight"); err != nil {
			return err
		}
	}
	for i, d := range b.WeightDevice {
		field := fmt.Sprintf("blockIO.weightDevice[%d]", i)
		dev := devNum(d.LinuxBlockIODevice)
		if d.Weight != nil {
			if err := write(dir, weightDev, dev+" "+utoa(uint64(*d.Weight)), field+".weight"); err != nil {
				return err
			}
		}
		if d.LeafWeight != nil {
			if err := write(dir, "blkio.leaf_weight_device", dev+" "+utoa(uint64(*d.LeafWeight)), field+".leafWeight"); err != nil {
				return err
			}
		}
	}
	for _, t := range throttles(b) {
		for i, d := range t.devs {
			field := fmt.Sprintf("blockIO.%s[%d]", t.field, i)
			if err := write(dir, t.v1file, devNum(d.LinuxBlockIODevice)+" "+utoa(d.Rate), field); err != nil {
				return err
			}
		}
	}
	return nil
}

type throttle struct {
	field, v1file, v2key string
	devs                 []specs.LinuxThrottleDevice
}

func throttles(b *specs.LinuxBlockIO) []throttle {
	return []throttle{
		{"throttleReadBpsDevice", "blkio.throttle.read_bps_device", "rbps", b.ThrottleReadBpsDevice},
		{"throttleWriteBpsDevice", "blkio.throttle.write_bps_device", "wbps", b.ThrottleWriteBpsDevice},
		{"throttleReadIOPSDevice", "blkio.throttle.read_iops_device", "riops", b.ThrottleReadIOPSDevice},
		{"throttleWriteIOPSDevice", "blkio.throttle.write_iops_device", "wiops", b.ThrottleWriteIOPSDevice},
	}
}

func devNum(d specs.LinuxBlockIODevice) string {
	return itoa(d.Major) + ":" + itoa(d.Minor)
}

// devicesV1 writes the rules in order to devices.allow / devices.deny. A
// list that starts by denying everything starts from "a" in devices.deny,
// the default-deny the rest of the list adds exceptions to (as runc).
func devicesV1(dir string, rules []specs.LinuxDeviceCgroup) error {
	for i, r := range rules {
		field := fmt.Sprintf("devices[%d]", i)
		line, err := deviceRule(r)
		if err != nil {
			return resErr(field, "%v", err)
		}
		file := "devices.deny"
		if r.Allow {
			file = "devices.allow"
		}
		if err := write(dir, file, line, field); err != nil {
			return err
		}
	}
	return nil
}

// deviceRule is the v1 devices.allow/deny line of r: "c 1:3 rwm", or "a"
// for every device.
func deviceRule(r specs.LinuxDeviceCgroup) (string, error) {
	typ := r.Type
	if typ == "" {
		typ = "a"
	}
	if typ != "a" && typ != "b" && typ != "c" {
		return "", fmt.Errorf("invalid device type %q", r.Type)
	}
	access := r.Access
	if access == "" {
		access = "rwm"
	}
	for _, c := range access {
		if c != 'r' && c != 'w' && c != 'm' {
			return "", fmt.Errorf("invalid access %q", r.Access)
		}
	}
	if typ == "a" && r.Major == nil && r.Minor == nil {
		if len(access) == 3 || (strings.ContainsRune(access, 'r') && strings.ContainsRune(access, 'w') && strings.ContainsRune(access, 'm')) {
			return "a", nil
		}
	}
	num := func(p *int64) string {
		if p == nil || *p < 0 {
			return "*"
		}
		return itoa(*p)
	}
	return typ + " " + num(r.Major) + ":" + num(r.Minor) + " " + access, nil
}

var _ = os.ErrNotExist
