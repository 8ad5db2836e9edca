package cgroups

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestStatsV1(t *testing.T) {
	root := t.TempDir()
	cpu, mem, pids, blk, huge := filepath.Join(root, "cpu"), filepath.Join(root, "memory"),
		filepath.Join(root, "pids"), filepath.Join(root, "blkio"), filepath.Join(root, "hugetlb")
	fakeFile(t, cpu, "cpuacct.usage", "3000\n")
	fakeFile(t, cpu, "cpuacct.usage_percpu", "1000 2000 \n")
	fakeFile(t, cpu, "cpuacct.stat", "user 2\nsystem 3\n")
	fakeFile(t, cpu, "cpu.stat", "nr_periods 10\nnr_throttled 4\nthrottled_time 5000\n")
	fakeFile(t, mem, "memory.stat", "cache 4096\nrss 8192\n")
	fakeFile(t, mem, "memory.usage_in_bytes", "12288\n")
	fakeFile(t, mem, "memory.max_usage_in_bytes", "20000\n")
	fakeFile(t, mem, "memory.failcnt", "1\n")
	fakeFile(t, mem, "memory.limit_in_bytes", "9223372036854771712\n")
	fakeFile(t, mem, "memory.memsw.usage_in_bytes", "12288\n")
	fakeFile(t, pids, "pids.current", "3\n")
	fakeFile(t, pids, "pids.max", "max\n")
	fakeFile(t, blk, "blkio.io_service_bytes_recursive", "Total 0\n")
	fakeFile(t, blk, "blkio.throttle.io_service_bytes_recursive", "8:0 Read 512\n8:0 Write 1024\nTotal 1536\n")
	fakeFile(t, blk, "blkio.throttle.io_serviced_recursive", "8:0 Read 1\n8:0 Write 2\nTotal 3\n")
	fakeFile(t, huge, "hugetlb.2MB.usage_in_bytes", "2097152\n")
	fakeFile(t, huge, "hugetlb.2MB.max_usage_in_bytes", "4194304\n")
	fakeFile(t, huge, "hugetlb.2MB.failcnt", "0\n")
	fakeFile(t, huge, "hugetlb.2MB.limit_in_bytes", "0\n")
	p := Paths{"cpu": cpu, "cpuacct": cpu, "memory": mem, "pids": pids, "blkio": blk, "hugetlb": huge,
		"": filepath.Join(root, "unified")}
	s, err := p.Stats()
	if err != nil {
		t.Fatal(err)
	}
	want := CPU{
		Usage:      CPUUsage{Total: 3000, Percpu: []uint64{1000, 2000}, User: 20_000_000, Kernel: 30_000_000},
		Throttling: Throttling{Periods: 10, ThrottledPeriods: 4, ThrottledTime: 5000},
	}
	if !reflect.DeepEqual(s.CPU, want) {
		t.Errorf("cpu %+v, want %+v", s.CPU, want)
	}
	if m := s.Memory; m.Cache != 4096 || m.Usage != (MemoryEntry{Usage: 12288, Max: 20000, Failcnt: 1, Limit: 9223372036854771712}) ||
		m.Swap.Usage != 12288 || m.Raw["rss"] != 8192 {
		t.Errorf("memory %+v", m)
	}
	if s.Pids != (Pids{Current: 3}) {
		t.Errorf("pids %+v", s.Pids)
	}
	wantBlk := []BlkioEntry{{Major: 8, Op: "Read", Value: 512}, {Major: 8, Op: "Write", Value: 1024}}
	if !reflect.DeepEqual(s.Blkio.IoServiceBytesRecursive, wantBlk) || len(s.Blkio.IoServicedRecursive) != 2 {
		t.Errorf("blkio %+v", s.Blkio)
	}
	if s.Hugetlb["2MB"] != (Hugetlb{Usage: 2097152, Max: 4194304}) || len(s.Hugetlb) != 1 {
		t.Errorf("hugetlb %+v", s.Hugetlb)
	}
	b, _ := json.Marshal(s)
	for _, k := range []string{`"percpu":[1000,2000]`, `"throttled_periods":4`, `"ioServiceBytesRecursive"`, `"pids":{"current":3}`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("JSON lacks %s: %s", k, b)
		}
	}
}

func TestStatsV2(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rt/x")
	fakeFile(t, dir, "cpu.stat", "usage_usec 100\nuser_usec 60\nsystem_usec 40\nnr_periods 5\nnr_throttled 2\nthrottled_usec 7\n")
	fakeFile(t, dir, "memory.current", "8192\n")
	fakeFile(t, dir, "memory.max", "max\n")
	fakeFile(t, dir, "memory.peak", "16384\n")
	fakeFile(t, dir, "memory.swap.current", "0\n")
	fakeFile(t, dir, "memory.swap.max", "1048576\n")
	fakeFile(t, dir, "memory.stat", "anon 4096\nfile 2048\nkernel 512\n")
	fakeFile(t, dir, "memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n")
	fakeFile(t, dir, "pids.current", "2\n")
	fakeFile(t, dir, "pids.max", "100\n")
	fakeFile(t, dir, "io.stat", "8:16 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n")
	fakeFile(t, dir, "hugetlb.1GB.current", "0\n")
	fakeFile(t, dir, "hugetlb.1GB.events", "max 2\n")
	s, err := Paths{"": dir}.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if u := s.CPU.Usage; u.Total != 100_000 || u.User != 60_000 || u.Kernel != 40_000 {
		t.Errorf("cpu usage %+v", u)
	}
	if s.CPU.Throttling != (Throttling{Periods: 5, ThrottledPeriods: 2, ThrottledTime: 7000}) {
		t.Errorf("throttling %+v", s.CPU.Throttling)
	}
	if m := s.Memory; m.Usage != (MemoryEntry{Usage: 8192, Max: 16384, Failcnt: 3}) || m.Cache != 2048 ||
		m.Swap.Limit != 1048576 || m.Kernel.Usage != 512 {
		t.Errorf("memory %+v", m)
	}
	if s.Pids != (Pids{Current: 2, Limit: 100}) {
		t.Errorf("pids %+v", s.Pids)
	}
	want := []BlkioEntry{{Major: 8, Minor: 16, Op: "Read", Value: 4096}, {Major: 8, Minor: 16, Op: "Write", Value: 8192}}
	if !reflect.DeepEqual(s.Blkio.IoServiceBytesRecursive, want) {
		t.Errorf("io bytes %+v", s.Blkio.IoServiceBytesRecursive)
	}
	if s.Hugetlb["1GB"] != (Hugetlb{Failcnt: 2}) {
		t.Errorf("hugetlb %+v", s.Hugetlb)
	}
}

func TestStatsBadValue(t *testing.T) {
	dir := t.TempDir()
	fakeFile(t, dir, "pids.current", "many\n")
	if _, err := (Paths{"pids": dir}).Stats(); err == nil {
		t.Error("want a parse error")
	}
}

func TestUnderOOM(t *testing.T) {
	dir := t.TempDir()
	fakeFile(t, dir, "memory.oom_control", "oom_kill_disable 0\nunder_oom 1\noom_kill 3\n")
	if u, err := (Paths{"memory": dir}).UnderOOM(); err != nil || !u {
		t.Errorf("UnderOOM() = %v, %v", u, err)
	}
}

func TestStatsCpuset(t *testing.T) {
	root := t.TempDir()
	v1, v2 := filepath.Join(root, "cpuset"), filepath.Join(root, "unified")
	fakeFile(t, v1, "cpuset.effective_cpus", "0-2,5\n")
	fakeFile(t, v1, "cpuset.cpus", "0-7\n")
	fakeFile(t, v1, "cpuset.mems", "0\n")
	fakeFile(t, v1, "cpuset.cpu_exclusive", "1\n")
	fakeFile(t, v1, "cpuset.sched_load_balance", "1\n")
	fakeFile(t, v1, "cpuset.sched_relax_domain_level", "-1\n")
	s, err := Paths{"cpuset": v1}.Stats()
	if err != nil {
		t.Fatal(err)
	}
	want := CPUSet{CPUs: []uint16{0, 1, 2, 5}, Mems: []uint16{0}, CPUExclusive: 1, SchedLoadBalance: 1, SchedRelaxDomainLevel: -1}
	if !reflect.DeepEqual(s.CPUSet, want) {
		t.Errorf("v1 cpuset %+v, want %+v", s.CPUSet, want)
	}
	fakeFile(t, v2, "cpuset.cpus.effective", "1,3-4\n")
	fakeFile(t, v2, "cpuset.mems.effective", "0-1\n")
	s, err = Paths{"": v2}.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if want := (CPUSet{CPUs: []uint16{1, 3, 4}, Mems: []uint16{0, 1}}); !reflect.DeepEqual(s.CPUSet, want) {
		t.Errorf("v2 cpuset %+v, want %+v", s.CPUSet, want)
	}
	for _, bad := range []string{"x", "3-1", "1-", "70000"} {
		if _, err := parseCPUList(bad); err == nil {
			t.Errorf("parseCPUList(%q): no error", bad)
		}
	}
}
