package libcontainer

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// procStat returns the state letter and start time (field 22 of
// /proc/<pid>/stat) of pid. Together, pid and start time name one process
// for its whole life, so a reused pid is never mistaken for the container.
func procStat(pid int) (state byte, start uint64, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return 0, 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	fields := bytes.Fields(b[i+2:])
	// fields[0] is field 3 (state); field 22 is fields[19].
	if len(fields) < 20 {
		return 0, 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	start, err = strconv.ParseUint(string(fields[19]), 10, 64)
	return fields[0][0], start, err
}

// alive reports whether the process pid with the given start time still
// exists and is not a zombie.
func alive(pid int, start uint64) bool {
	if pid <= 0 {
		return false
	}
	st, s, err := procStat(pid)
	return err == nil && s == start && st != 'Z' && st != 'X'
}

// pidfdOf opens a pidfd for the process pid with the given start time,
// checking the start time after opening so the fd can't name a newer
// process that reused the pid.
func pidfdOf(pid int, start uint64) (int, error) {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		if errors.Is(err, unix.ESRCH) {
			return -1, ErrNotRunning
		}
		return -1, fmt.Errorf("pidfd_open %d: %w", pid, err)
	}
	if !alive(pid, start) {
		unix.Close(fd)
		return -1, ErrNotRunning
	}
	return fd, nil
}

// waitExit blocks until the process behind pidfd has exited (not
// necessarily been reaped): a pidfd polls readable then. No fixed sleeps.
func waitExit(pidfd int, timeoutMs int) error {
	fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, timeoutMs)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("poll pidfd: %w", err)
		}
		if n == 0 {
			return errors.New("timed out waiting for the container to exit")
		}
		if fds[0].Revents&unix.POLLNVAL != 0 {
			return fmt.Errorf("poll pidfd: %w", unix.EBADF)
		}
		return nil
	}
}

// pidNSMembers lists the host pids of the processes in the pid namespace of
// pid (a container's init), by comparing /proc/<n>/ns/pid links.
func pidNSMembers(pid int) ([]int, error) {
	want, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/pid")
	if err != nil {
		return nil, fmt.Errorf("read the container's pid namespace: %w", err)
	}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var out []int
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ns, err := os.Readlink("/proc/" + e.Name() + "/ns/pid"); err == nil && ns == want {
			out = append(out, n)
		}
	}
	return out, nil
}
