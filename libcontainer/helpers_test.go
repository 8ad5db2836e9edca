package libcontainer

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// pollTimeout bounds every wait for a condition in these tests.
const pollTimeout = 10 * time.Second

// waitFor polls cond until it holds (bounded: fails the test after
// pollTimeout).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(pollTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", pollTimeout, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// startChild starts path with args as a child of the test; cleanup kills and
// reaps it unless the test already waited for it.
func startChild(t *testing.T, path string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(path, args...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd
}

// startSleeper starts `sleep 30` and returns it with its start time.
func startSleeper(t *testing.T) (*exec.Cmd, uint64) {
	t.Helper()
	cmd := startChild(t, sleepBin(t), "30")
	_, start, err := procStat(cmd.Process.Pid)
	if err != nil {
		t.Fatalf("procStat(%d): %v", cmd.Process.Pid, err)
	}
	return cmd, start
}

func sleepBin(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("sleep")
	if err != nil {
		t.Skipf("no sleep binary: %v", err)
	}
	return p
}

// statState returns the state letter of pid, or 0 if it can't be read.
func statState(pid int) byte {
	st, _, err := procStat(pid)
	if err != nil {
		return 0
	}
	return st
}

// reapedPid returns the pid of a child that has exited and been reaped.
func reapedPid(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatalf("run true: %v", err)
	}
	pid := cmd.Process.Pid
	if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); !errors.Is(err, os.ErrNotExist) {
		t.Skipf("pid %d was reused already: %v", pid, err)
	}
	return pid
}

// newTestStore returns a store whose root does not exist yet.
func newTestStore(t *testing.T) *Store {
	t.Helper()
	return &Store{Root: filepath.Join(t.TempDir(), "root")}
}

// newContainer records st in s (as a finished create would) and loads it.
func newContainer(t *testing.T, s *Store, st *State) *Container {
	t.Helper()
	h, err := s.create(st.ID)
	if err != nil {
		t.Fatalf("create %s: %v", st.ID, err)
	}
	err = h.writeState(st)
	h.close()
	if err != nil {
		t.Fatalf("writeState: %v", err)
	}
	c, err := s.Load(st.ID)
	if err != nil {
		t.Fatalf("Load(%s): %v", st.ID, err)
	}
	t.Cleanup(c.Close)
	return c
}

// tryLock reports whether an exclusive flock on dir could be taken right now
// through a separate open file description (without blocking).
func tryLock(t *testing.T, dir string) bool {
	t.Helper()
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	defer unix.Close(fd)
	err = unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
	if err == nil {
		return true
	}
	if !errors.Is(err, unix.EWOULDBLOCK) {
		t.Fatalf("flock %s: %v", dir, err)
	}
	return false
}

// inSyscall reports whether thread tid of this process is blocked in
// syscall nr (/proc/self/task/<tid>/syscall starts with the number). ok is
// false if the kernel doesn't expose the file.
func inSyscall(tid int, nr uintptr) (in, ok bool) {
	b, err := os.ReadFile("/proc/self/task/" + strconv.Itoa(tid) + "/syscall")
	if err != nil {
		return false, false
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return false, false
	}
	n, err := strconv.ParseUint(f[0], 10, 64)
	if err != nil {
		return false, true // "running"
	}
	return uintptr(n) == nr, true
}
