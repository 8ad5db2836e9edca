package cgroups

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Warn reports a resource that was ignored (e.g. memory.kernel on a kernel
// without kmem limits). It writes to stderr unless replaced.
var Warn = func(msg string) { fmt.Fprintln(os.Stderr, "rt: warning: "+msg) }

// writeCgroupFile writes one value to a cgroup file (tests record the writes).
var writeCgroupFile = writeFile

// Set applies linux.resources to the container's cgroups, controller by
// controller: through the v1 hierarchy of a controller when one is in p,
// otherwise through the cgroup2 directory (p[""]) when that controller is
// available there (it is then enabled in the parents' cgroup.subtree_control,
// as runc does). A nil r sets nothing; a field that is not set never needs
// its controller. A set field that cannot apply gives an error naming it,
// "linux.resources.<field>: ...".
//
// Conversions follow runc: memory.swap is memory+swap (v1 memsw; v2 swap.max
// = swap - limit), cpu.shares becomes cpu.weight on v2, blockIO.weight
// becomes io.weight (or io.bfq.weight / blkio.bfq.weight under BFQ), pids
// 0 or -1 is "max". Devices are applied on v1 (devices.allow/deny, in
// order); see DeviceRules for the runtime's default rules.
func (p Paths) Set(r *specs.LinuxResources) error {
	if r == nil {
		return nil
	}
	s := setter{p: p}
	for _, f := range []func(*specs.LinuxResources) error{
		s.devices, s.memory, s.cpu, s.cpuset, s.pids, s.blockIO,
		s.hugetlb, s.network, s.rdma, s.unified,
	} {
		if err := f(r); err != nil {
			return err
		}
	}
	return nil
}

// setter resolves each controller to its directory.
type setter struct {
	p       Paths
	enabled map[string]bool // v2 controllers enabled in this Set
}

// pureV2: the container's cgroups are all in cgroup2 (no v1 hierarchy).
func (s *setter) pureV2() bool {
	for k := range s.p {
		if k != "" {
			return false
		}
	}
	return s.p[""] != ""
}

// resErr is an error about one field of linux.resources.
func resErr(field, format string, args ...any) error {
	return fmt.Errorf("linux.resources.%s: %s", field, fmt.Sprintf(format, args...))
}

// ctrl returns the directory that controls ctrl, and whether it is cgroup2.
// field names the resource for the error when ctrl is nowhere.
func (s *setter) ctrl(ctrl, field string) (dir string, v2 bool, err error) {
	if d, ok := s.p[ctrl]; ok {
		return d, false, nil
	}
	d, ok := s.p[""]
	if !ok {
		return "", false, resErr(field, "no %s cgroup controller is mounted", ctrl)
	}
	if err := s.enableV2(d, ctrl); err != nil {
		return "", true, resErr(field, "%v", err)
	}
	return d, true, nil
}

// enableV2 makes ctrl available in the cgroup2 directory dir: it must be
// in the controllers of the hierarchy's root, and is enabled in
// cgroup.subtree_control from the root down to dir's parent.
func (s *setter) enableV2(dir, ctrl string) error {
	if s.enabled[ctrl] {
		return nil
	}
	if has, _ := hasWord(dir+"/cgroup.controllers", ctrl); has {
		s.markEnabled(ctrl)
		return nil
	}
	// The ancestors up to the hierarchy root: the highest directory that
	// still has cgroup.controllers.
	var chain []string
	for d := filepath.Dir(dir); d != "/" && d != "."; d = filepath.Dir(d) {
		if _, err := os.Stat(d + "/cgroup.controllers"); err != nil {
			break
		}
		chain = append(chain, d)
	}
	if len(chain) == 0 {
		return fmt.Errorf("no %s controller in cgroup v2 (%s)", ctrl, dir)
	}
	root := chain[len(chain)-1]
	if has, _ := hasWord(root+"/cgroup.controllers", ctrl); !has {
		return fmt.Errorf("no %s cgroup controller (not in %s/cgroup.controllers, nor a v1 hierarchy)", ctrl, root)
	}
	for _, d := range slices.Backward(chain) {
		if has, _ := hasWord(d+"/cgroup.subtree_control", ctrl); has {
			continue
		}
		if err := writeCgroupFile(d+"/cgroup.subtree_control", []byte("+"+ctrl)); err != nil {
			return fmt.Errorf("enable the %s controller: %w", ctrl, err)
		}
	}
	s.markEnabled(ctrl)
	return nil
}

func (s *setter) markEnabled(ctrl string) {
	if s.enabled == nil {
		s.enabled = map[string]bool{}
	}
	s.enabled[ctrl] = true
}

// hasWord reports whether the space-separated file contains w.
func hasWord(path, w string) (bool, error) {
	b, err := readFile(path)
	if err != nil {
		return false, err
	}
	return slices.Contains(strings.Fields(string(b)), w), nil
}

// write writes val to dir/file for field. A missing file means the kernel
// (or the hierarchy) does not have it.
func write(dir, file, val, field string) error {
	err := writeCgroupFile(dir+"/"+file, []byte(val))
	if err == nil {
		return nil
	}
	if errors.Is(err, os.ErrNotExist) {
		return resErr(field, "not supported by this kernel (no %s)", file)
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return resErr(field, "write %q to %s: %v", val, filepath.Join(dir, file), err)
}

func exists(dir, file string) bool {
	return unix.Access(dir+"/"+file, unix.F_OK) == nil
}

func itoa(v int64) string  { return strconv.FormatInt(v, 10) }
func utoa(v uint64) string { return strconv.FormatUint(v, 10) }

// maxOr is "max" for a negative value (unlimited), the value otherwise.
func maxOr(v int64) string {
	if v < 0 {
		return "max"
	}
	return itoa(v)
}

func (s *setter) memory(r *specs.LinuxResources) error {
	m := r.Memory
	if m == nil || (m.Limit == nil && m.Reservation == nil && m.Swap == nil && m.Kernel == nil && //nolint:staticcheck // deprecated, but configs still carry it: applied or refused knowingly
		m.KernelTCP == nil && m.Swappiness == nil && m.DisableOOMKiller == nil && m.UseHierarchy == nil) {
		return nil
	}
	dir, v2, err := s.ctrl("memory", "memory")
	if err != nil {
		return err
	}
	if err := checkBeforeUpdate(dir, v2, m); err != nil {
		return err
	}
	if v2 {
		return memoryV2(dir, m)
	}
	return memoryV1(dir, m)
}

// checkBeforeUpdate refuses, when memory.checkBeforeUpdate is set, a
// memory limit below what the cgroup uses now (rather than have the kernel
// reclaim or OOM-kill to get there).
func checkBeforeUpdate(dir string, v2 bool, m *specs.LinuxMemory) error {
	if m.CheckBeforeUpdate == nil || !*m.CheckBeforeUpdate || m.Limit == nil || *m.Limit <= 0 {
		return nil
	}
	file := "memory.usage_in_bytes"
	if v2 {
		file = "memory.current"
	}
	b, err := readFile(dir + "/" + file)
	if err != nil {
		return resErr("memory.checkBeforeUpdate", "%v", err)
	}
	usage, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return resErr("memory.checkBeforeUpdate", "%s/%s: %v", dir, file, err)
	}
	if *m.Limit < usage {
		return resErr("memory.limit", "%d is below the current usage %d (checkBeforeUpdate)", *m.Limit, usage)
	}
	return nil
}

func (s *setter) cpu(r *specs.LinuxResources) error {
	c := r.CPU
	if c == nil || (c.Shares == nil && c.Quota == nil && c.Period == nil && c.Burst == nil &&
		c.RealtimeRuntime == nil && c.RealtimePeriod == nil && c.Idle == nil) {
		return nil
	}
	dir, v2, err := s.ctrl("cpu", "cpu")
	if err != nil {
		return err
	}
	if v2 {
		return cpuV2(dir, c)
	}
	return cpuV1(dir, c)
}

func (s *setter) cpuset(r *specs.LinuxResources) error {
	c := r.CPU
	if c == nil || (c.Cpus == "" && c.Mems == "") {
		return nil
	}
	field := "cpu.cpus"
	if c.Cpus == "" {
		field = "cpu.mems"
	}
	dir, _, err := s.ctrl("cpuset", field)
	if err != nil {
		return err
	}
	// Same file names on v1 and v2.
	if c.Cpus != "" {
		if err := write(dir, "cpuset.cpus", c.Cpus, "cpu.cpus"); err != nil {
			return err
		}
	}
	if c.Mems != "" {
		if err := write(dir, "cpuset.mems", c.Mems, "cpu.mems"); err != nil {
			return err
		}
	}
	return nil
}

func (s *setter) pids(r *specs.LinuxResources) error {
	if r.Pids == nil || r.Pids.Limit == nil {
		return nil
	}
	dir, _, err := s.ctrl("pids", "pids.limit")
	if err != nil {
		return err
	}
	val := "max"
	if l := *r.Pids.Limit; l > 0 {
		val = itoa(l)
	}
	return write(dir, "pids.max", val, "pids.limit")
}

func (s *setter) blockIO(r *specs.LinuxResources) error {
	b := r.BlockIO
	if b == nil || (b.Weight == nil && b.LeafWeight == nil && len(b.WeightDevice) == 0 &&
		len(b.ThrottleReadBpsDevice) == 0 && len(b.ThrottleWriteBpsDevice) == 0 &&
		len(b.ThrottleReadIOPSDevice) == 0 && len(b.ThrottleWriteIOPSDevice) == 0) {
		return nil
	}
	ctrl := "io" // the v2 name
	if _, ok := s.p["blkio"]; ok || s.p[""] == "" {
		ctrl = "blkio"
	}
	dir, v2, err := s.ctrl(ctrl, "blockIO")
	if err != nil {
		return err
	}
	if v2 {
		return blockIOV2(dir, b)
	}
	return blockIOV1(dir, b)
}

func (s *setter) hugetlb(r *specs.LinuxResources) error {
	if len(r.HugepageLimits) == 0 {
		return nil
	}
	dir, v2, err := s.ctrl("hugetlb", "hugepageLimits")
	if err != nil {
		return err
	}
	for i, h := range r.HugepageLimits {
		field := fmt.Sprintf("hugepageLimits[%d]", i)
		if h.Pagesize == "" || strings.ContainsAny(h.Pagesize, "/.") {
			return resErr(field, "invalid pageSize %q", h.Pagesize)
		}
		file := "hugetlb." + h.Pagesize + ".limit_in_bytes"
		if v2 {
			file = "hugetlb." + h.Pagesize + ".max"
		}
		if err := write(dir, file, utoa(h.Limit), field); err != nil {
			return err
		}
	}
	return nil
}

func (s *setter) network(r *specs.LinuxResources) error {
	n := r.Network
	if n == nil {
		return nil
	}
	if _, v1 := s.p["net_cls"]; !v1 && s.pureV2() {
		// No net_cls/net_prio in cgroup v2 (an eBPF program does their
		// job): ignored, as runc ignores them there.
		Warn("linux.resources.network ignored: cgroup v2 has no net_cls or net_prio controller")
		return nil
	}
	if n.ClassID != nil {
		dir, ok := s.p["net_cls"]
		if !ok {
			return resErr("network.classID", "no net_cls cgroup controller is mounted")
		}
		if err := write(dir, "net_cls.classid", utoa(uint64(*n.ClassID)), "network.classID"); err != nil {
			return err
		}
	}
	for i, pr := range n.Priorities {
		field := fmt.Sprintf("network.priorities[%d]", i)
		dir, ok := s.p["net_prio"]
		if !ok {
			return resErr(field, "no net_prio cgroup controller is mounted")
		}
		if pr.Name == "" || strings.ContainsAny(pr.Name, " \n") {
			return resErr(field, "invalid interface name %q", pr.Name)
		}
		if err := write(dir, "net_prio.ifpriomap", pr.Name+" "+utoa(uint64(pr.Priority)), field); err != nil {
			return err
		}
	}
	return nil
}

func (s *setter) rdma(r *specs.LinuxResources) error {
	if len(r.Rdma) == 0 {
		return nil
	}
	dir, _, err := s.ctrl("rdma", "rdma")
	if err != nil {
		return err
	}
	devs := make([]string, 0, len(r.Rdma))
	for d := range r.Rdma {
		devs = append(devs, d)
	}
	slices.Sort(devs)
	for _, d := range devs {
		line, ok := rdmaLine(d, r.Rdma[d])
		if !ok {
			continue
		}
		if strings.ContainsAny(d, " \n") || d == "" {
			return resErr("rdma", "invalid device name %q", d)
		}
		if err := write(dir, "rdma.max", line, fmt.Sprintf("rdma[%q]", d)); err != nil {
			return err
		}
	}
	return nil
}

// rdmaLine is the rdma.max line for device d (same format on v1 and v2).
func rdmaLine(d string, l specs.LinuxRdma) (string, bool) {
	if l.HcaHandles == nil && l.HcaObjects == nil {
		return "", false
	}
	line := d
	if l.HcaHandles != nil {
		line += " hca_handle=" + utoa(uint64(*l.HcaHandles))
	}
	if l.HcaObjects != nil {
		line += " hca_object=" + utoa(uint64(*l.HcaObjects))
	}
	return line, true
}

// unified writes linux.resources.unified into the cgroup2 directory, key
// by key in sorted order, values verbatim.
func (s *setter) unified(r *specs.LinuxResources) error {
	if len(r.Unified) == 0 {
		return nil
	}
	keys := make([]string, 0, len(r.Unified))
	for k := range r.Unified {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dir, ok := s.p[""]
	if !ok {
		return resErr(fmt.Sprintf("unified[%q]", keys[0]), "needs cgroup v2, and no cgroup2 hierarchy is mounted")
	}
	for _, k := range keys {
		field := fmt.Sprintf("unified[%q]", k)
		if k == "" || strings.Contains(k, "/") || strings.Contains(k, "..") || strings.HasPrefix(k, ".") {
			return resErr(field, "invalid key: must be a file name in the cgroup directory")
		}
		if ctrl, _, ok := strings.Cut(k, "."); ok && ctrl != "cgroup" {
			if err := s.enableV2(dir, ctrl); err != nil {
				return resErr(field, "%v", err)
			}
		}
		if !exists(dir, k) {
			return resErr(field, "unknown cgroup file %s (not in %s)", k, dir)
		}
		if err := write(dir, k, r.Unified[k], field); err != nil {
			return err
		}
	}
	return nil
}

// defaultDevices are the device rules every container gets after its own
// (runc's AllowedDevices): mknod of any device, and the devices rt creates
// in /dev.
var defaultDevices = func() []specs.LinuxDeviceCgroup {
	i := func(v int64) *int64 { return &v }
	rules := []specs.LinuxDeviceCgroup{
		{Allow: true, Type: "c", Access: "m"},
		{Allow: true, Type: "b", Access: "m"},
	}
	for _, d := range [][2]int64{{1, 3}, {1, 8}, {1, 7}, {5, 0}, {1, 5}, {1, 9}, {5, 1}, {5, 2}} {
		rules = append(rules, specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: i(d[0]), Minor: i(d[1]), Access: "rwm"})
	}
	return append(rules, specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: i(136), Access: "rwm"}) // /dev/pts/*
}()

// Resources returns l's resources with the device rules completed as runc
// does: the config's rules, then the default devices (/dev/null, /dev/tty,
// ptys, ...), then one allow rule per linux.devices entry. A config without
// device rules keeps none (a new cgroup allows every device already).
func Resources(l *specs.Linux) *specs.LinuxResources {
	if l == nil || l.Resources == nil {
		return nil
	}
	r := *l.Resources
	if len(r.Devices) == 0 {
		return &r
	}
	rules := slices.Clone(r.Devices)
	rules = append(rules, defaultDevices...)
	for _, d := range l.Devices {
		if d.Type != "c" && d.Type != "b" && d.Type != "u" {
			continue
		}
		typ := d.Type
		if typ == "u" {
			typ = "c"
		}
		major, minor := d.Major, d.Minor
		rules = append(rules, specs.LinuxDeviceCgroup{Allow: true, Type: typ, Major: &major, Minor: &minor, Access: "rwm"})
	}
	r.Devices = rules
	return &r
}

func (s *setter) devices(r *specs.LinuxResources) error {
	if len(r.Devices) == 0 {
		return nil
	}
	if dir, ok := s.p["devices"]; ok {
		return devicesV1(dir, r.Devices)
	}
	dir, ok := s.p[""]
	if !ok {
		return resErr("devices", "no devices cgroup controller is mounted")
	}
	return devicesV2(dir, r.Devices)
}
