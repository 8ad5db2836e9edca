package cgroups

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func i64(v int64) *int64   { return &v }
func u64(v uint64) *uint64 { return &v }
func u16(v uint16) *uint16 { return &v }
func u32(v uint32) *uint32 { return &v }
func boolp(v bool) *bool   { return &v }

// recordWrites replaces writeCgroupFile: each write must go to an existing
// file (as on cgroupfs), is logged as "dir-relative-file=value", and
// replaces the file's contents.
func recordWrites(t *testing.T, root string) *[]string {
	t.Helper()
	var log []string
	old := writeCgroupFile
	writeCgroupFile = func(path string, data []byte) error {
		fd, err := openRetry(path, os.O_WRONLY)
		if err != nil {
			return err
		}
		closeFd(fd)
		rel, _ := filepath.Rel(root, path)
		log = append(log, rel+"="+string(data))
		return os.WriteFile(path, data, 0o644)
	}
	t.Cleanup(func() { writeCgroupFile = old })
	return &log
}

func closeFd(fd int) { _ = os.NewFile(uintptr(fd), "").Close() }

// fakeDir makes dir with the given files (name or name=contents).
func fakeDir(t *testing.T, dir string, files ...string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		name, val, _ := strings.Cut(f, "=")
		if err := os.WriteFile(filepath.Join(dir, name), []byte(val), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func quiet(t *testing.T) *[]string {
	var warns []string
	old := Warn
	Warn = func(m string) { warns = append(warns, m) }
	t.Cleanup(func() { Warn = old })
	return &warns
}

func fakeV1(t *testing.T) (string, Paths) {
	root := t.TempDir()
	p := Paths{
		"memory": fakeDir(t, root+"/memory/c", "memory.limit_in_bytes", "memory.memsw.limit_in_bytes=9223372036854771712",
			"memory.soft_limit_in_bytes", "memory.swappiness", "memory.oom_control", "memory.use_hierarchy",
			"memory.kmem.tcp.limit_in_bytes"),
		"cpu":      fakeDir(t, root+"/cpu/c", "cpu.shares", "cpu.cfs_quota_us", "cpu.cfs_period_us", "cpu.cfs_burst_us", "cpu.idle", "cpu.rt_period_us", "cpu.rt_runtime_us"),
		"cpuset":   fakeDir(t, root+"/cpuset/c", "cpuset.cpus", "cpuset.mems"),
		"pids":     fakeDir(t, root+"/pids/c", "pids.max"),
		"blkio":    fakeDir(t, root+"/blkio/c", "blkio.bfq.weight", "blkio.bfq.weight_device", "blkio.throttle.read_bps_device", "blkio.throttle.write_iops_device"),
		"devices":  fakeDir(t, root+"/devices/c", "devices.allow", "devices.deny"),
		"net_cls":  fakeDir(t, root+"/net_cls/c", "net_cls.classid"),
		"net_prio": fakeDir(t, root+"/net_prio/c", "net_prio.ifpriomap"),
		"":         fakeDir(t, root+"/unified/c", "cgroup.controllers", "cgroup.subtree_control"),
	}
	fakeDir(t, root+"/unified", "cgroup.controllers=hugetlb", "cgroup.subtree_control")
	return root, p
}

func TestSetNil(t *testing.T) {
	if err := (Paths{"memory": "/nonexistent"}).Set(nil); err != nil {
		t.Fatal(err)
	}
	// Unset fields need no controller.
	if err := (Paths{}).Set(&specs.LinuxResources{Memory: &specs.LinuxMemory{}, CPU: &specs.LinuxCPU{}, Pids: &specs.LinuxPids{}}); err != nil {
		t.Fatal(err)
	}
}

func TestSetV1(t *testing.T) {
	root, p := fakeV1(t)
	// The fake's cpu.shares reads back what was written.
	log := recordWrites(t, root)
	warns := quiet(t)
	r := &specs.LinuxResources{
		Devices: []specs.LinuxDeviceCgroup{
			{Allow: false, Access: "rwm"},
			{Allow: true, Type: "c", Major: i64(1), Minor: i64(3), Access: "rw"},
			{Allow: false, Type: "b", Major: i64(8), Access: "m"},
		},
		Memory: &specs.LinuxMemory{Limit: i64(100 << 20), Swap: i64(200 << 20), Reservation: i64(50 << 20),
			Kernel: i64(1 << 20), KernelTCP: i64(2 << 20), Swappiness: u64(10), DisableOOMKiller: boolp(true), UseHierarchy: boolp(true)}, //nolint:staticcheck // deprecated, but configs still carry it: applied or refused knowingly
		CPU:  &specs.LinuxCPU{Shares: u64(512), Quota: i64(50000), Period: u64(100000), Burst: u64(1000), Idle: i64(0), Cpus: "0", Mems: "0"},
		Pids: &specs.LinuxPids{Limit: i64(-1)},
		BlockIO: &specs.LinuxBlockIO{Weight: u16(300),
			WeightDevice:            []specs.LinuxWeightDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Weight: u16(200)}},
			ThrottleReadBpsDevice:   []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 1048576}},
			ThrottleWriteIOPSDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 16}, Rate: 100}}},
		HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4 << 20}},
		Network:        &specs.LinuxNetwork{ClassID: u32(0x100001), Priorities: []specs.LinuxInterfacePriority{{Name: "eth0", Priority: 5}}},
	}
	// hugetlb is only in the (fake) unified hierarchy: the hybrid case.
	fakeDir(t, p[""], "hugetlb.2MB.max")
	if err := p.Set(r); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"devices/c/devices.deny=a",
		"devices/c/devices.allow=c 1:3 rw",
		"devices/c/devices.deny=b 8:* m",
		// memsw is above 200M already: memory first.
		"memory/c/memory.limit_in_bytes=104857600",
		"memory/c/memory.memsw.limit_in_bytes=209715200",
		"memory/c/memory.soft_limit_in_bytes=52428800",
		"memory/c/memory.kmem.tcp.limit_in_bytes=2097152",
		"memory/c/memory.use_hierarchy=1",
		"memory/c/memory.swappiness=10",
		"memory/c/memory.oom_control=1",
		"cpu/c/cpu.shares=512",
		"cpu/c/cpu.cfs_period_us=100000",
		"cpu/c/cpu.cfs_quota_us=50000",
		"cpu/c/cpu.cfs_burst_us=1000",
		"cpu/c/cpu.idle=0",
		"cpuset/c/cpuset.cpus=0",
		"cpuset/c/cpuset.mems=0",
		"pids/c/pids.max=max",
		"blkio/c/blkio.bfq.weight=300",
		"blkio/c/blkio.bfq.weight_device=8:0 200",
		"blkio/c/blkio.throttle.read_bps_device=8:0 1048576",
		"blkio/c/blkio.throttle.write_iops_device=8:16 100",
		"unified/cgroup.subtree_control=+hugetlb",
		"unified/c/hugetlb.2MB.max=4194304",
		"net_cls/c/net_cls.classid=1048577",
		"net_prio/c/net_prio.ifpriomap=eth0 5",
	}
	if !reflect.DeepEqual(*log, want) {
		t.Errorf("writes:\n%s\nwant:\n%s", strings.Join(*log, "\n"), strings.Join(want, "\n"))
	}
	// No kmem file in the fake: kernel is ignored with a warning.
	if len(*warns) != 1 || !strings.Contains((*warns)[0], "memory.kernel") {
		t.Errorf("warnings %q", *warns)
	}
}

func TestSetV1MemswOrder(t *testing.T) {
	root, p := fakeV1(t)
	log := recordWrites(t, root)
	// memsw currently below the new value: memsw first.
	if err := os.WriteFile(p["memory"]+"/memory.memsw.limit_in_bytes", []byte("1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.Set(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(4096), Swap: i64(8192)}}); err != nil {
		t.Fatal(err)
	}
	want := []string{"memory/c/memory.memsw.limit_in_bytes=8192", "memory/c/memory.limit_in_bytes=4096"}
	if !reflect.DeepEqual(*log, want) {
		t.Errorf("writes %q, want %q", *log, want)
	}
	if err := p.Set(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(4096), Swap: i64(100)}}); err == nil ||
		!strings.Contains(err.Error(), "linux.resources.memory.swap") {
		t.Errorf("swap below limit: %v", err)
	}
}

// Errors name the field; a missing controller or file is only an error for
// a set field.
func TestSetV1Errors(t *testing.T) {
	root, p := fakeV1(t)
	recordWrites(t, root)
	quiet(t)
	for _, c := range []struct {
		r    specs.LinuxResources
		want string
	}{
		{specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{LeafWeight: u16(10)}}, "linux.resources.blockIO.leafWeight: not supported by this kernel (no blkio.leaf_weight)"},
		{specs.LinuxResources{Rdma: map[string]specs.LinuxRdma{"mlx": {HcaHandles: u32(1)}}}, "linux.resources.rdma: no rdma cgroup controller"},
		{specs.LinuxResources{Memory: &specs.LinuxMemory{Swappiness: u64(101)}}, "linux.resources.memory.swappiness"},
		{specs.LinuxResources{Unified: map[string]string{"../x": "1"}}, `linux.resources.unified["../x"]: invalid key`},
		{specs.LinuxResources{Unified: map[string]string{"memory.nope": "1"}}, `linux.resources.unified["memory.nope"]: no memory cgroup controller`},
		{specs.LinuxResources{Unified: map[string]string{"cgroup.nope": "1"}}, `linux.resources.unified["cgroup.nope"]: unknown cgroup file`},
		{specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "1GB", Limit: 1}}}, "linux.resources.hugepageLimits[0]: not supported by this kernel (no hugetlb.1GB.max)"},
		{specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: true, Type: "x"}}}, "linux.resources.devices[0]: invalid device type"},
	} {
		err := p.Set(&c.r)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
	delete(p, "net_cls")
	if err := p.Set(&specs.LinuxResources{Network: &specs.LinuxNetwork{ClassID: u32(1)}}); err == nil ||
		!strings.Contains(err.Error(), "linux.resources.network.classID: no net_cls") {
		t.Errorf("classID without net_cls: %v", err)
	}
}

func fakeV2(t *testing.T, files ...string) (string, Paths) {
	root := t.TempDir()
	fakeDir(t, root, "cgroup.controllers=cpuset cpu io memory hugetlb pids rdma", "cgroup.subtree_control")
	fakeDir(t, root+"/rt", "cgroup.controllers", "cgroup.subtree_control")
	dir := fakeDir(t, root+"/rt/c", append([]string{"cgroup.controllers", "cgroup.subtree_control"}, files...)...)
	return root, Paths{"": dir}
}

func TestSetV2(t *testing.T) {
	root, p := fakeV2(t, "memory.max", "memory.low", "memory.swap.max", "cpu.weight", "cpu.max", "cpu.max.burst", "cpu.idle",
		"cpuset.cpus", "cpuset.mems", "pids.max", "io.weight", "io.max", "hugetlb.1GB.max", "rdma.max", "memory.oom.group")
	log := recordWrites(t, root)
	warns := quiet(t)
	var progs []string
	stubLoadDevices(t, func(dir string, insns []byte) error {
		rel, _ := filepath.Rel(root, dir)
		progs = append(progs, fmt.Sprintf("%s: %d insns", rel, len(insns)/insnSize))
		return nil
	})
	r := &specs.LinuxResources{
		Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}, {Allow: true, Type: "c", Major: i64(1), Minor: i64(3), Access: "rwm"}},
		Memory:  &specs.LinuxMemory{Limit: i64(100 << 20), Swap: i64(300 << 20), Reservation: i64(10 << 20), Swappiness: u64(0)},
		CPU:     &specs.LinuxCPU{Shares: u64(1024), Quota: i64(20000), Period: u64(100000), Burst: u64(0), Idle: i64(1), Cpus: "0-1"},
		Pids:    &specs.LinuxPids{Limit: i64(42)},
		BlockIO: &specs.LinuxBlockIO{Weight: u16(500),
			ThrottleWriteBpsDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 253, Minor: 0}, Rate: 4096}}},
		HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "1GB", Limit: 0}},
		Rdma:           map[string]specs.LinuxRdma{"mlx5_1": {HcaHandles: u32(3)}, "mlx5_0": {HcaHandles: u32(2), HcaObjects: u32(10)}},
		Unified:        map[string]string{"memory.oom.group": "1"},
	}
	if err := p.Set(r); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"cgroup.subtree_control=+memory", "rt/cgroup.subtree_control=+memory",
		"rt/c/memory.swap.max=209715200",
		"rt/c/memory.max=104857600",
		"rt/c/memory.low=10485760",
		"cgroup.subtree_control=+cpu", "rt/cgroup.subtree_control=+cpu",
		"rt/c/cpu.weight=39", // 1 + (1022*9999)/262142
		"rt/c/cpu.max=20000 100000",
		"rt/c/cpu.max.burst=0",
		"rt/c/cpu.idle=1",
		"cgroup.subtree_control=+cpuset", "rt/cgroup.subtree_control=+cpuset",
		"rt/c/cpuset.cpus=0-1",
		"cgroup.subtree_control=+pids", "rt/cgroup.subtree_control=+pids",
		"rt/c/pids.max=42",
		"cgroup.subtree_control=+io", "rt/cgroup.subtree_control=+io",
		"rt/c/io.weight=4950", // 1 + (490*9999)/990
		"rt/c/io.max=253:0 wbps=4096",
		"cgroup.subtree_control=+hugetlb", "rt/cgroup.subtree_control=+hugetlb",
		"rt/c/hugetlb.1GB.max=0",
		"cgroup.subtree_control=+rdma", "rt/cgroup.subtree_control=+rdma",
		"rt/c/rdma.max=mlx5_0 hca_handle=2 hca_object=10",
		"rt/c/rdma.max=mlx5_1 hca_handle=3",
		"rt/c/memory.oom.group=1",
	}
	if !reflect.DeepEqual(*log, want) {
		t.Errorf("writes:\n%s\nwant:\n%s", strings.Join(*log, "\n"), strings.Join(want, "\n"))
	}
	if len(*warns) != 1 { // swappiness
		t.Errorf("warnings %q", *warns)
	}
	// Per access bit: 3 (test the bit) + 4 (c 1:3) + 1 (deny-all); then
	// 6 (load the context) + 2 (allow) + 2 (deny).
	if want := []string{"rt/c: 34 insns"}; !reflect.DeepEqual(progs, want) {
		t.Errorf("device programs %q, want %q", progs, want)
	}
}

func TestSetV2Errors(t *testing.T) {
	root, p := fakeV2(t, "memory.max", "cpu.max", "io.weight")
	recordWrites(t, root)
	quiet(t)
	for _, c := range []struct {
		r    specs.LinuxResources
		want string
	}{
		{specs.LinuxResources{CPU: &specs.LinuxCPU{RealtimeRuntime: i64(10)}}, "linux.resources.cpu.realtimeRuntime: not supported on cgroup v2"},
		{specs.LinuxResources{Memory: &specs.LinuxMemory{Swap: i64(100)}}, "linux.resources.memory.swap: a swap limit needs a memory limit"},
		{specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(100), Swap: i64(200)}}, "linux.resources.memory.swap: not supported by this kernel (no memory.swap.max"},
		{specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{WeightDevice: []specs.LinuxWeightDevice{{Weight: u16(10)}}}}, "linux.resources.blockIO.weightDevice[0].weight: not supported by this kernel (no io.bfq.weight"},
		{specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(1)}}, "linux.resources.pids.limit: not supported by this kernel (no pids.max)"},
		{specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}, {Allow: true, Type: "x", Access: "rwm"}}}, `linux.resources.devices[1]: invalid device type "x"`},
		{specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: true, Type: "c", Major: i64(1 << 40), Access: "rwm"}}}, "linux.resources.devices[0]: invalid major"},
		{specs.LinuxResources{Unified: map[string]string{"foo.bar": "1"}}, `linux.resources.unified["foo.bar"]: no foo cgroup controller`},
	} {
		err := p.Set(&c.r)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
}

// On cgroup v2, what v2 has no file for is ignored with a warning, as runc
// ignores it: network classID/priorities, blkio leaf weights. A swap equal
// to the limit disables swap (memory.swap.max 0).
func TestSetV2IgnoredAndSwapOff(t *testing.T) {
	root, p := fakeV2(t, "memory.max", "memory.swap.max", "io.weight")
	log := recordWrites(t, root)
	warns := quiet(t)
	r := &specs.LinuxResources{
		Network: &specs.LinuxNetwork{ClassID: u32(1), Priorities: []specs.LinuxInterfacePriority{{Name: "lo", Priority: 1}}},
		BlockIO: &specs.LinuxBlockIO{Weight: u16(500), LeafWeight: u16(300)},
		Memory:  &specs.LinuxMemory{Limit: i64(1 << 20), Swap: i64(1 << 20)},
	}
	if err := p.Set(r); err != nil {
		t.Fatal(err)
	}
	if len(*warns) != 2 {
		t.Errorf("warnings %q, want one for network and one for leafWeight", *warns)
	}
	got := strings.Join(*log, " ")
	for _, w := range []string{"memory.swap.max=0", "memory.max=1048576", "io.weight=4950"} {
		if !strings.Contains(got, w) {
			t.Errorf("writes %q lack %s", got, w)
		}
	}
}

func TestConversions(t *testing.T) {
	for shares, want := range map[uint64]uint64{0: 0, 2: 1, 1024: 39, 262144: 10000} {
		if got := SharesToWeight(shares); got != want {
			t.Errorf("SharesToWeight(%d) = %d, want %d", shares, got, want)
		}
	}
	for w, want := range map[uint16]uint64{0: 0, 10: 1, 500: 4950, 1000: 10000} {
		if got := BlkioToIOWeight(w); got != want {
			t.Errorf("BlkioToIOWeight(%d) = %d, want %d", w, got, want)
		}
	}
	for _, c := range []struct{ swap, limit, want int64 }{{0, -1, -1}, {-1, 100, -1}, {0, 100, 0}, {300, 100, 200}, {100, 100, 0}} {
		if got, err := SwapToV2(c.swap, c.limit); err != nil || got != c.want {
			t.Errorf("SwapToV2(%d, %d) = %d, %v; want %d", c.swap, c.limit, got, err, c.want)
		}
	}
}

func TestResourcesDefaults(t *testing.T) {
	if Resources(nil) != nil || Resources(&specs.Linux{}) != nil {
		t.Error("no resources: want nil")
	}
	l := &specs.Linux{Resources: &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(5)}}}
	if r := Resources(l); len(r.Devices) != 0 || r.Pids != l.Resources.Pids {
		t.Errorf("no device rules: got %+v", r.Devices)
	}
	l.Resources.Devices = []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}}
	l.Devices = []specs.LinuxDevice{{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}}
	r := Resources(l)
	var lines []string
	for _, d := range r.Devices {
		s, err := deviceRule(d)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, s)
	}
	got := strings.Join(lines, ",")
	if !strings.HasPrefix(got, "a,c *:* m,b *:* m,c 1:3 rwm,") || !strings.Contains(got, "c 136:* rwm") || !strings.HasSuffix(got, ",c 10:229 rwm") {
		t.Errorf("rules %s", got)
	}
	if len(l.Resources.Devices) != 1 {
		t.Error("Resources modified the config")
	}
}

// memory.checkBeforeUpdate refuses a limit below the current usage, on v1
// (memory.usage_in_bytes) and v2 (memory.current), and lets others through.
func TestCheckBeforeUpdate(t *testing.T) {
	root := t.TempDir()
	v1 := fakeDir(t, root+"/v1", "memory.limit_in_bytes", "memory.usage_in_bytes=1048576\n")
	v2 := fakeDir(t, root+"/v2", "memory.max", "memory.current=1048576\n")
	recordWrites(t, root)
	for _, c := range []struct {
		p     Paths
		limit int64
		check bool
		ok    bool
	}{
		{Paths{"memory": v1}, 4096, true, false},
		{Paths{"memory": v1}, 4096, false, true},
		{Paths{"memory": v1}, 2 << 20, true, true},
		{Paths{"": v2}, 4096, true, false},
		{Paths{"": v2}, -1, true, true},
		{Paths{"": v2}, 1 << 20, true, true},
	} {
		r := &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(c.limit), CheckBeforeUpdate: boolp(c.check)}}
		s := setter{p: c.p, enabled: map[string]bool{"memory": true}}
		err := s.memory(r)
		if c.ok && err != nil {
			t.Errorf("%v limit %d check %v: %v", c.p, c.limit, c.check, err)
		}
		if !c.ok && (err == nil || !strings.Contains(err.Error(), "below the current usage 1048576")) {
			t.Errorf("%v limit %d check %v: err = %v, want a refusal", c.p, c.limit, c.check, err)
		}
	}
}
