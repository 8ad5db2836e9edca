package cgroups

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Stats is what `events --stats` prints under "data", with runc's JSON
// names (runc's libcontainer/types), so that tools reading runc's output
// read rt's.
type Stats struct {
	CPU     CPU                `json:"cpu"`
	CPUSet  CPUSet             `json:"cpuset"`
	Memory  Memory             `json:"memory"`
	Pids    Pids               `json:"pids"`
	Blkio   Blkio              `json:"blkio"`
	Hugetlb map[string]Hugetlb `json:"hugetlb,omitempty"`
}

// CPU usage and throttling; all times in nanoseconds.
type CPU struct {
	Usage      CPUUsage   `json:"usage"`
	Throttling Throttling `json:"throttling"`
}

type CPUUsage struct {
	Total  uint64   `json:"total,omitempty"`
	Percpu []uint64 `json:"percpu,omitempty"`
	// v1 only, where the kernel has cpuacct.usage_percpu_{sys,user}.
	PercpuKernel []uint64 `json:"percpu_kernel,omitempty"`
	PercpuUser   []uint64 `json:"percpu_user,omitempty"`
	Kernel       uint64   `json:"kernel"`
	User         uint64   `json:"user"`
}

type Throttling struct {
	Periods          uint64 `json:"periods,omitempty"`
	ThrottledPeriods uint64 `json:"throttled_periods,omitempty"`
	ThrottledTime    uint64 `json:"throttled_time,omitempty"`
}

type MemoryEntry struct {
	Limit   uint64 `json:"limit"`
	Usage   uint64 `json:"usage,omitempty"`
	Max     uint64 `json:"max,omitempty"`
	Failcnt uint64 `json:"failcnt"`
}

type Memory struct {
	Cache     uint64            `json:"cache,omitempty"`
	Usage     MemoryEntry       `json:"usage,omitempty"`
	Swap      MemoryEntry       `json:"swap,omitempty"`
	Kernel    MemoryEntry       `json:"kernel,omitempty"`
	KernelTCP MemoryEntry       `json:"kernelTCP,omitempty"`
	Raw       map[string]uint64 `json:"raw,omitempty"`
}

type Pids struct {
	Current uint64 `json:"current,omitempty"`
	Limit   uint64 `json:"limit,omitempty"`
}

type BlkioEntry struct {
	Major uint64 `json:"major,omitempty"`
	Minor uint64 `json:"minor,omitempty"`
	Op    string `json:"op,omitempty"`
	Value uint64 `json:"value,omitempty"`
}

type Blkio struct {
	IoServiceBytesRecursive []BlkioEntry `json:"ioServiceBytesRecursive,omitempty"`
	IoServicedRecursive     []BlkioEntry `json:"ioServicedRecursive,omitempty"`
	IoQueuedRecursive       []BlkioEntry `json:"ioQueueRecursive,omitempty"`
	IoServiceTimeRecursive  []BlkioEntry `json:"ioServiceTimeRecursive,omitempty"`
	IoWaitTimeRecursive     []BlkioEntry `json:"ioWaitTimeRecursive,omitempty"`
	IoMergedRecursive       []BlkioEntry `json:"ioMergedRecursive,omitempty"`
	IoTimeRecursive         []BlkioEntry `json:"ioTimeRecursive,omitempty"`
	SectorsRecursive        []BlkioEntry `json:"sectorsRecursive,omitempty"`
}

type Hugetlb struct {
	Usage   uint64 `json:"usage,omitempty"`
	Max     uint64 `json:"max,omitempty"`
	Failcnt uint64 `json:"failcnt"`
}

// statUserHZ is the unit of cpuacct.stat (USER_HZ is 100 on every Linux ABI).
const statUserHZ = 100

// Stats reads the container's accounting. Each controller is read from its
// v1 hierarchy when there is one, else from cgroup2 (hybrid hosts mix
// both). A controller that is not mounted at all is left zero.
func (p Paths) Stats() (*Stats, error) {
	s := &Stats{}
	v2 := p[""]
	steps := []struct {
		v1key  string
		v1     func(string, *Stats) error
		v2file string
		v2     func(string, *Stats) error
	}{
		{"cpuacct", statCpuacctV1, "cpu.stat", statCpuV2},
		{"cpu", statCpuV1, "", nil},
		{"cpuset", statCpusetV1, "cpuset.cpus.effective", statCpusetV2},
		{"memory", statMemoryV1, "memory.current", statMemoryV2},
		{"pids", statPidsV1, "pids.current", statPidsV2},
		{"blkio", statBlkioV1, "io.stat", statIoV2},
		{"hugetlb", statHugetlbV1, "", statHugetlbV2},
	}
	for _, st := range steps {
		var err error
		if d, ok := p[st.v1key]; ok && d != "" {
			err = st.v1(d, s)
		} else if v2 != "" && st.v2 != nil && (st.v2file == "" || pathExists(v2+"/"+st.v2file)) {
			err = st.v2(v2, s)
		}
		if err != nil {
			return nil, fmt.Errorf("cgroups: stats: %w", err)
		}
	}
	return s, nil
}

func pathExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// statUint reads a file holding one number; "max" reads as 0 (no limit),
// as runc reports it. A missing file is 0.
func statUint(path string) (uint64, error) {
	b, err := readFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return statParseUint(strings.TrimSpace(string(b)), path)
}

func statParseUint(s, path string) (uint64, error) {
	if s == "max" {
		return 0, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		// Negative values (e.g. -1 for "unlimited" in a few v1 files).
		if i, ierr := strconv.ParseInt(s, 10, 64); ierr == nil && i < 0 {
			return 0, nil
		}
		return 0, fmt.Errorf("%s: parse %q: %w", path, s, err)
	}
	return v, nil
}

// statKV reads a "key value" per line file (cpu.stat, memory.stat,
// memory.events, cpuacct.stat). A missing file is an empty map.
func statKV(path string) (map[string]uint64, error) {
	b, err := readFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]uint64{}, nil
	}
	if err != nil {
		return nil, err
	}
	m := map[string]uint64{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			continue
		}
		v, err := statParseUint(f[1], path)
		if err != nil {
			return nil, err
		}
		m[f[0]] = v
	}
	return m, nil
}

// statUints reads a space-separated list of numbers (cpuacct.usage_percpu).
func statUints(path string) ([]uint64, error) {
	b, err := readFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []uint64
	for _, f := range strings.Fields(string(b)) {
		v, err := statParseUint(f, path)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func statCpuacctV1(dir string, s *Stats) error {
	var err error
	u := &s.CPU.Usage
	if u.Total, err = statUint(dir + "/cpuacct.usage"); err != nil {
		return err
	}
	if u.Percpu, err = statUints(dir + "/cpuacct.usage_percpu"); err != nil {
		return err
	}
	if u.PercpuKernel, err = statUints(dir + "/cpuacct.usage_percpu_sys"); err != nil {
		return err
	}
	if u.PercpuUser, err = statUints(dir + "/cpuacct.usage_percpu_user"); err != nil {
		return err
	}
	st, err := statKV(dir + "/cpuacct.stat")
	if err != nil {
		return err
	}
	u.User = st["user"] * (1e9 / statUserHZ)
	u.Kernel = st["system"] * (1e9 / statUserHZ)
	return nil
}

func statCpuV1(dir string, s *Stats) error {
	st, err := statKV(dir + "/cpu.stat")
	if err != nil {
		return err
	}
	s.CPU.Throttling = Throttling{Periods: st["nr_periods"], ThrottledPeriods: st["nr_throttled"],
		ThrottledTime: st["throttled_time"]}
	return nil
}

func statCpuV2(dir string, s *Stats) error {
	st, err := statKV(dir + "/cpu.stat")
	if err != nil {
		return err
	}
	s.CPU.Usage.Total = st["usage_usec"] * 1000
	s.CPU.Usage.User = st["user_usec"] * 1000
	s.CPU.Usage.Kernel = st["system_usec"] * 1000
	s.CPU.Throttling = Throttling{Periods: st["nr_periods"], ThrottledPeriods: st["nr_throttled"],
		ThrottledTime: st["throttled_usec"] * 1000}
	return nil
}

// statMemEntryV1 reads memory.<prefix>{usage_in_bytes,max_usage_in_bytes,failcnt,limit_in_bytes}.
func statMemEntryV1(dir, prefix string) (MemoryEntry, error) {
	var e MemoryEntry
	for _, f := range []struct {
		name string
		dst  *uint64
	}{{"usage_in_bytes", &e.Usage}, {"max_usage_in_bytes", &e.Max}, {"failcnt", &e.Failcnt}, {"limit_in_bytes", &e.Limit}} {
		v, err := statUint(dir + "/memory." + prefix + f.name)
		if err != nil {
			return e, err
		}
		*f.dst = v
	}
	return e, nil
}

func statMemoryV1(dir string, s *Stats) error {
	raw, err := statKV(dir + "/memory.stat")
	if err != nil {
		return err
	}
	m := &s.Memory
	m.Raw, m.Cache = raw, raw["cache"]
	if m.Usage, err = statMemEntryV1(dir, ""); err != nil {
		return err
	}
	if m.Swap, err = statMemEntryV1(dir, "memsw."); err != nil {
		return err
	}
	if m.Kernel, err = statMemEntryV1(dir, "kmem."); err != nil {
		return err
	}
	m.KernelTCP, err = statMemEntryV1(dir, "kmem.tcp.")
	return err
}

func statMemoryV2(dir string, s *Stats) error {
	raw, err := statKV(dir + "/memory.stat")
	if err != nil {
		return err
	}
	m := &s.Memory
	m.Raw, m.Cache = raw, raw["file"]
	ev, err := statKV(dir + "/memory.events")
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		dst  *uint64
	}{
		{"memory.current", &m.Usage.Usage}, {"memory.peak", &m.Usage.Max}, {"memory.max", &m.Usage.Limit},
		{"memory.swap.current", &m.Swap.Usage}, {"memory.swap.peak", &m.Swap.Max}, {"memory.swap.max", &m.Swap.Limit},
	} {
		if *f.dst, err = statUint(dir + "/" + f.name); err != nil {
			return err
		}
	}
	m.Usage.Failcnt = ev["max"]
	m.Kernel.Usage = raw["kernel"]
	if m.Kernel.Usage == 0 {
		m.Kernel.Usage = raw["kernel_stack"] + raw["slab"] + raw["pagetables"]
	}
	return nil
}

func statPidsV1(dir string, s *Stats) error { return statPidsV2(dir, s) } // same files in v1 and v2

func statPidsV2(dir string, s *Stats) error {
	var err error
	if s.Pids.Current, err = statUint(dir + "/pids.current"); err != nil {
		return err
	}
	s.Pids.Limit, err = statUint(dir + "/pids.max")
	return err
}

// statReadBlkioV1 parses "MAJ:MIN Op value" lines (the "Total" line is skipped;
// blkio.sectors_recursive and io_time_recursive have no op).
func statReadBlkioV1(path string) ([]BlkioEntry, error) {
	b, err := readFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []BlkioEntry
	for l := range strings.SplitSeq(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 || f[0] == "Total" {
			continue
		}
		var e BlkioEntry
		if _, err := fmt.Sscanf(f[0], "%d:%d", &e.Major, &e.Minor); err != nil {
			continue
		}
		val := f[1]
		if len(f) >= 3 {
			e.Op, val = f[1], f[2]
		}
		if e.Value, err = statParseUint(val, path); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func statBlkioV1(dir string, s *Stats) error {
	// The CFQ/BFQ files when the I/O scheduler provides them, else the
	// throttle ones (which every kernel has), as runc.
	prefix := "blkio."
	if ents, _ := statReadBlkioV1(dir + "/blkio.io_service_bytes_recursive"); len(ents) == 0 {
		prefix = "blkio.throttle."
	}
	b := &s.Blkio
	files := []struct {
		name string
		dst  *[]BlkioEntry
	}{
		{"io_service_bytes_recursive", &b.IoServiceBytesRecursive},
		{"io_serviced_recursive", &b.IoServicedRecursive},
	}
	if prefix == "blkio." {
		files = append(files, []struct {
			name string
			dst  *[]BlkioEntry
		}{
			{"io_queued_recursive", &b.IoQueuedRecursive},
			{"io_service_time_recursive", &b.IoServiceTimeRecursive},
			{"io_wait_time_recursive", &b.IoWaitTimeRecursive},
			{"io_merged_recursive", &b.IoMergedRecursive},
			{"time_recursive", &b.IoTimeRecursive},
			{"sectors_recursive", &b.SectorsRecursive},
		}...)
	}
	for _, f := range files {
		ents, err := statReadBlkioV1(dir + "/" + prefix + f.name)
		if err != nil {
			return err
		}
		*f.dst = ents
	}
	return nil
}

// statIoV2 turns io.stat ("MAJ:MIN rbytes=N wbytes=N rios=N wios=N ...") into
// runc's v1-shaped entries, as runc does.
func statIoV2(dir string, s *Stats) error {
	path := dir + "/io.stat"
	b, err := readFile(path)
	if err != nil {
		return err
	}
	for l := range strings.SplitSeq(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		var maj, mnr uint64
		if _, err := fmt.Sscanf(f[0], "%d:%d", &maj, &mnr); err != nil {
			continue
		}
		for _, kv := range f[1:] {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				continue
			}
			n, err := statParseUint(v, path)
			if err != nil {
				return err
			}
			e := BlkioEntry{Major: maj, Minor: mnr, Value: n}
			switch k {
			case "rbytes":
				e.Op = "Read"
				s.Blkio.IoServiceBytesRecursive = append(s.Blkio.IoServiceBytesRecursive, e)
			case "wbytes":
				e.Op = "Write"
				s.Blkio.IoServiceBytesRecursive = append(s.Blkio.IoServiceBytesRecursive, e)
			case "rios":
				e.Op = "Read"
				s.Blkio.IoServicedRecursive = append(s.Blkio.IoServicedRecursive, e)
			case "wios":
				e.Op = "Write"
				s.Blkio.IoServicedRecursive = append(s.Blkio.IoServicedRecursive, e)
			}
		}
	}
	return nil
}

// statHugeSizes lists the page sizes ("2MB", "1GB") that dir has files for,
// from the names hugetlb.<size>.<suffix>.
func statHugeSizes(dir, suffix string) ([]string, error) {
	m, err := filepath.Glob(dir + "/hugetlb.*." + suffix)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range m {
		base := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "hugetlb."), "."+suffix)
		if base != "" && !strings.Contains(base, ".") {
			out = append(out, base)
		}
	}
	return out, nil
}

func statHugetlbV1(dir string, s *Stats) error {
	sizes, err := statHugeSizes(dir, "usage_in_bytes")
	if err != nil {
		return err
	}
	for _, sz := range sizes {
		var h Hugetlb
		pre := dir + "/hugetlb." + sz + "."
		if h.Usage, err = statUint(pre + "usage_in_bytes"); err != nil {
			return err
		}
		if h.Max, err = statUint(pre + "max_usage_in_bytes"); err != nil {
			return err
		}
		if h.Failcnt, err = statUint(pre + "failcnt"); err != nil {
			return err
		}
		if s.Hugetlb == nil {
			s.Hugetlb = map[string]Hugetlb{}
		}
		s.Hugetlb[sz] = h
	}
	return nil
}

func statHugetlbV2(dir string, s *Stats) error {
	sizes, err := statHugeSizes(dir, "current")
	if err != nil {
		return err
	}
	for _, sz := range sizes {
		var h Hugetlb
		pre := dir + "/hugetlb." + sz + "."
		if h.Usage, err = statUint(pre + "current"); err != nil {
			return err
		}
		ev, err := statKV(pre + "events")
		if err != nil {
			return err
		}
		h.Failcnt = ev["max"]
		if s.Hugetlb == nil {
			s.Hugetlb = map[string]Hugetlb{}
		}
		s.Hugetlb[sz] = h
	}
	return nil
}
