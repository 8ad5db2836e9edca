package cgroups

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// Join moves pid (with all its threads) into the cgroup in every hierarchy.
func (p Paths) Join(pid int) error {
	if pid <= 0 {
		return fmt.Errorf("cgroups: join: invalid pid %d", pid)
	}
	val := []byte(strconv.Itoa(pid))
	for _, dir := range p.dirs() {
		if err := writeProcs(dir+"/cgroup.procs", val); err != nil {
			return fmt.Errorf("cgroups: join pid %d: %w", pid, err)
		}
	}
	return nil
}

// writeProcs writes a pid to cgroup.procs. EINVAL can mean the task is still
// being forked (TASK_NEW); it is retried a few times, briefly.
func writeProcs(path string, val []byte) error {
	var err error
	for try := range 5 {
		if err = writeFile(path, val); !errors.Is(err, unix.EINVAL) {
			return err
		}
		time.Sleep(time.Duration(try+1) * time.Millisecond)
	}
	return err
}

// Pids returns the processes in the cgroup and its sub-cgroups, in any
// hierarchy, sorted. A hierarchy whose directory is gone contributes nothing.
func (p Paths) Pids() ([]int, error) {
	set := map[int]struct{}{}
	for _, dir := range p.dirs() {
		if err := collectPids(dir, set); err != nil {
			return nil, fmt.Errorf("cgroups: list processes: %w", err)
		}
	}
	pids := make([]int, 0, len(set))
	for pid := range set {
		pids = append(pids, pid)
	}
	slices.Sort(pids)
	return pids, nil
}

// collectPids adds the pids of dir and of every cgroup below it to set.
func collectPids(dir string, set map[int]struct{}) error {
	pids, err := readProcs(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, pid := range pids {
		set[pid] = struct{}{}
	}
	subs, err := subdirs(dir)
	if err != nil {
		return err
	}
	for _, sub := range subs {
		if err := collectPids(sub, set); err != nil {
			return err
		}
	}
	return nil
}

// readProcs reads dir/cgroup.procs; a threaded cgroup2 refuses that read
// (ENOTSUP), and lists its threads in cgroup.threads instead.
func readProcs(dir string) ([]int, error) {
	data, err := readFile(dir + "/cgroup.procs")
	if errors.Is(err, unix.ENOTSUP) {
		data, err = readFile(dir + "/cgroup.threads")
	}
	if err != nil {
		return nil, err
	}
	var pids []int
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		pid, err := strconv.Atoi(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("%s/cgroup.procs: %w", dir, err)
		}
		pids = append(pids, pid)
	}
	return pids, nil
}

// subdirs lists the sub-cgroups of dir (every directory in cgroupfs is one).
func subdirs(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() {
			out = append(out, dir+"/"+e.Name())
		}
	}
	return out, nil
}

// maxSignalPasses bounds Signal's re-scans for processes forked meanwhile.
const maxSignalPasses = 16

// Signal sends sig to every process in the cgroup (see Pids). A process that
// is already gone is not an error. Without a freezer, a process can fork
// between the listing and the kill: Signal lists again until a pass finds no
// process it has not signalled yet (bounded), so that SIGKILL reaches the
// children too.
func (p Paths) Signal(sig unix.Signal) error {
	done := map[int]bool{}
	var errs []error
	for range maxSignalPasses {
		pids, err := p.Pids()
		if err != nil {
			return err
		}
		fresh := 0
		for _, pid := range pids {
			if done[pid] {
				continue
			}
			done[pid], fresh = true, fresh+1
			if err := unix.Kill(pid, sig); err != nil && err != unix.ESRCH {
				errs = append(errs, fmt.Errorf("cgroups: signal %d: %w", pid, err))
			}
		}
		if fresh == 0 {
			break
		}
	}
	return errors.Join(errs...)
}
