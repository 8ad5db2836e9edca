package cgroups

import (
	"fmt"
	"strconv"
	"strings"
)

// CPUSet is the cpuset part of the stats, as runc prints it: the effective
// cpus and mems lists, and on v1 the cpuset flags.
type CPUSet struct {
	CPUs                  []uint16 `json:"cpus,omitempty"`
	CPUExclusive          uint64   `json:"cpu_exclusive"`
	Mems                  []uint16 `json:"mems,omitempty"`
	MemHardwall           uint64   `json:"mem_hardwall"`
	MemExclusive          uint64   `json:"mem_exclusive"`
	MemoryMigrate         uint64   `json:"memory_migrate"`
	MemorySpreadPage      uint64   `json:"memory_spread_page"`
	MemorySpreadSlab      uint64   `json:"memory_spread_slab"`
	MemoryPressure        uint64   `json:"memory_pressure"`
	SchedLoadBalance      uint64   `json:"sched_load_balance"`
	SchedRelaxDomainLevel int64    `json:"sched_relax_domain_level"`
}

// statCpusetV1 reads a v1 cpuset directory (files without the "cpuset."
// prefix too, for hierarchies mounted with noprefix).
func statCpusetV1(dir string, s *Stats) error {
	var err error
	if s.CPUSet.CPUs, err = statCPUList(dir, "cpuset.effective_cpus", "cpuset.cpus"); err != nil {
		return err
	}
	if s.CPUSet.Mems, err = statCPUList(dir, "cpuset.effective_mems", "cpuset.mems"); err != nil {
		return err
	}
	for name, dst := range map[string]*uint64{
		"cpu_exclusive": &s.CPUSet.CPUExclusive, "mem_exclusive": &s.CPUSet.MemExclusive,
		"mem_hardwall": &s.CPUSet.MemHardwall, "memory_migrate": &s.CPUSet.MemoryMigrate,
		"memory_spread_page": &s.CPUSet.MemorySpreadPage, "memory_spread_slab": &s.CPUSet.MemorySpreadSlab,
		"memory_pressure": &s.CPUSet.MemoryPressure, "sched_load_balance": &s.CPUSet.SchedLoadBalance,
	} {
		if *dst, err = statUint(dir + "/cpuset." + name); err != nil {
			return err
		}
	}
	b, err := readFile(dir + "/cpuset.sched_relax_domain_level")
	if err == nil {
		s.CPUSet.SchedRelaxDomainLevel, _ = strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	}
	return nil
}

// statCpusetV2 reads the effective cpus and mems of a cgroup2 directory.
func statCpusetV2(dir string, s *Stats) error {
	var err error
	if s.CPUSet.CPUs, err = statCPUList(dir, "cpuset.cpus.effective"); err != nil {
		return err
	}
	s.CPUSet.Mems, err = statCPUList(dir, "cpuset.mems.effective")
	return err
}

// statCPUList reads the first of files that exists, a list like "0-3,7".
func statCPUList(dir string, files ...string) ([]uint16, error) {
	for _, f := range files {
		b, err := readFile(dir + "/" + f)
		if err != nil {
			continue
		}
		out, err := parseCPUList(strings.TrimSpace(string(b)))
		if err != nil {
			return nil, fmt.Errorf("%s/%s: %w", dir, f, err)
		}
		return out, nil
	}
	return nil, nil
}

// parseCPUList expands "0-3,7" to [0 1 2 3 7].
func parseCPUList(s string) ([]uint16, error) {
	var out []uint16
	if s == "" {
		return nil, nil
	}
	for part := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseUint(lo, 10, 16)
		if err != nil {
			return nil, fmt.Errorf("parse %q: %w", s, err)
		}
		b := a
		if isRange {
			if b, err = strconv.ParseUint(hi, 10, 16); err != nil || b < a {
				return nil, fmt.Errorf("parse %q: bad range %q", s, part)
			}
		}
		for v := a; v <= b; v++ {
			out = append(out, uint16(v))
		}
	}
	return out, nil
}
