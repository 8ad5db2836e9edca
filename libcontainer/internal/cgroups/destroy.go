package cgroups

import (
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// DestroyTimeout bounds how long Destroy waits for processes to leave.
const DestroyTimeout = 3 * time.Second

// Destroy removes the container's cgroup directory, and any sub-cgroup the
// container made, in every hierarchy. A directory already gone is fine. The
// parents (e.g. /rt) are left alone: other containers share them.
//
// rmdir fails with EBUSY while a process is still in the cgroup; processes
// that were just killed leave it when they exit. Destroy then polls
// cgroup.procs (backing off from 1ms to 16ms) and retries, up to
// DestroyTimeout; the final error keeps EBUSY (errors.Is works).
func (p Paths) Destroy() error {
	return p.destroy(checkCgroupFS, time.Now().Add(DestroyTimeout))
}

func (p Paths) destroy(check func(string) error, deadline time.Time) error {
	var errs []error
	for _, dir := range p.dirs() {
		if err := check(dir); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			errs = append(errs, err)
			continue
		}
		if err := removeTree(dir, deadline); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("cgroups: destroy: %w", err)
	}
	return nil
}

// checkCgroupFS refuses to remove anything that is not a cgroup directory
// (state.json names the directories; a damaged one must not make rt rmdir
// elsewhere).
func checkCgroupFS(dir string) error {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return &os.PathError{Op: "statfs", Path: dir, Err: err}
	}
	if st.Type != unix.CGROUP_SUPER_MAGIC && st.Type != unix.CGROUP2_SUPER_MAGIC {
		return fmt.Errorf("%s is not in a cgroup filesystem (type %#x)", dir, st.Type)
	}
	return nil
}

// maxBackoff caps the pause between two polls.
const maxBackoff = 16 * time.Millisecond

// removeTree removes dir after its sub-cgroups, waiting for its processes to
// leave. It returns nil if dir does not exist.
func removeTree(dir string, deadline time.Time) error {
	backoff := time.Millisecond
	for {
		err := unix.Rmdir(dir)
		switch err {
		case nil, unix.ENOENT:
			return nil
		case unix.EINTR:
			continue
		case unix.EBUSY, unix.ENOTEMPTY:
		default:
			return &os.PathError{Op: "rmdir", Path: dir, Err: err}
		}
		subs, serr := subdirs(dir)
		if serr != nil {
			return serr
		}
		for _, sub := range subs {
			if err := removeTree(sub, deadline); err != nil {
				return err
			}
		}
		if len(subs) > 0 {
			continue // the sub-cgroups may have been all that kept it busy
		}
		if !time.Now().Before(deadline) {
			return &os.PathError{Op: "rmdir", Path: dir, Err: err}
		}
		// Processes are leaving (or the kernel is still releasing the
		// last one): wait until cgroup.procs is empty, then retry.
		for {
			time.Sleep(backoff)
			backoff = min(2*backoff, maxBackoff)
			if pids, _ := readProcs(dir); len(pids) == 0 || !time.Now().Before(deadline) {
				break
			}
		}
	}
}
