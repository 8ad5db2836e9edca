package libcontainer

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// statFields splits /proc/<pid>/stat knowing the process's comm, so it does
// not depend on procStat's parsing: it returns fields 3 onwards.
func statFields(t *testing.T, pid int, comm string) []string {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	prefix := strconv.Itoa(pid) + " (" + comm + ") "
	if !strings.HasPrefix(string(b), prefix) {
		t.Fatalf("/proc/%d/stat = %q, want prefix %q", pid, b, prefix)
	}
	return strings.Fields(string(b)[len(prefix):])
}

func TestProcStatSelf(t *testing.T) {
	st, start, err := procStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	// /proc/<pid>/stat shows the main thread, which need not be the one
	// running this test.
	if !strings.ContainsRune("RSD", rune(st)) {
		t.Errorf("state of the test process %q, want R, S or D", st)
	}
	comm, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Fatal(err)
	}
	f := statFields(t, os.Getpid(), strings.TrimSuffix(string(comm), "\n"))
	if want, _ := strconv.ParseUint(f[19], 10, 64); start != want || start == 0 {
		t.Errorf("start time %d, want field 22 = %d", start, want)
	}
}

// TestProcStatHostileComm runs sleep under names full of ") " so that a
// parser splitting at the first ')' or at spaces gets every field wrong.
func TestProcStatHostileComm(t *testing.T) {
	sleep := sleepBin(t)
	bin, err := os.ReadFile(sleep)
	if err != nil {
		t.Skipf("cannot copy %s: %v", sleep, err)
	}
	for _, name := range []string{"a) b", ") Z 1 ) x 9", "x (y) R 1"} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), name)
			if err := os.WriteFile(p, bin, 0o700); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(p, "30")
			if err := cmd.Start(); err != nil {
				if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) {
					t.Skipf("cannot exec from %s (noexec?): %v", p, err)
				}
				t.Fatal(err)
			}
			defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
			pid := cmd.Process.Pid
			// Until the exec the child still has the test's comm.
			waitFor(t, "comm "+name, func() bool {
				b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
				return string(b) == name+"\n"
			})
			waitFor(t, "sleep to sleep", func() bool { return statState(pid) == 'S' })
			st, start, err := procStat(pid)
			if err != nil {
				t.Fatal(err)
			}
			f := statFields(t, pid, name)
			want, _ := strconv.ParseUint(f[19], 10, 64)
			if st != 'S' || start != want || start == 0 {
				t.Errorf("procStat = %q, %d; want S, %d", st, start, want)
			}
			if !alive(pid, start) {
				t.Error("alive() false for the running process")
			}
		})
	}
}

func TestProcStatMissing(t *testing.T) {
	pid := reapedPid(t)
	if _, _, err := procStat(pid); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("procStat of a dead pid: %v, want ErrNotExist", err)
	}
}

func TestAlive(t *testing.T) {
	cmd, start := startSleeper(t)
	pid := cmd.Process.Pid
	if !alive(pid, start) {
		t.Fatal("alive() false for a running child")
	}
	for _, c := range []struct {
		pid   int
		start uint64
	}{{0, 0}, {-1, 0}, {pid, start + 1}, {pid, start - 1}, {pid, 0}} {
		if alive(c.pid, c.start) {
			t.Errorf("alive(%d, %d) true (live process is %d, %d)", c.pid, c.start, pid, start)
		}
	}
	if p := reapedPid(t); alive(p, start) {
		t.Errorf("alive() true for the reaped pid %d", p)
	}
}

// TestAliveZombie: a child that exited but has not been waited for still has
// its /proc entry and start time, and is not alive.
func TestAliveZombie(t *testing.T) {
	cmd := startChild(t, "true")
	pid := cmd.Process.Pid
	var start uint64
	waitFor(t, "the child to become a zombie", func() bool {
		st, s, err := procStat(pid)
		start = s
		return err == nil && st == 'Z'
	})
	if alive(pid, start) {
		t.Error("alive() true for a zombie")
	}
	// It is still a zombie now (not waited for): the answer was about it.
	if st := statState(pid); st != 'Z' {
		t.Fatalf("child state %q after the check, want Z", st)
	}
	if _, err := pidfdOf(pid, start); err != ErrNotRunning {
		t.Errorf("pidfdOf a zombie: %v, want ErrNotRunning", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("wait: %v", err)
	}
}

func TestPidfdOf(t *testing.T) {
	cmd, start := startSleeper(t)
	pid := cmd.Process.Pid
	fd, err := pidfdOf(pid, start)
	if err != nil {
		t.Fatal(err)
	}
	// The fd is a pidfd for that very process: signal 0 through it works.
	if err := unix.PidfdSendSignal(fd, 0, nil, 0); err != nil {
		t.Errorf("pidfd_send_signal(0): %v", err)
	}
	unix.Close(fd)

	for _, s := range []uint64{start + 1, start - 1} {
		fd, err := pidfdOf(pid, s)
		if err != ErrNotRunning || fd != -1 {
			t.Errorf("pidfdOf with stale start time %d (real %d): %d, %v; want -1, ErrNotRunning", s, start, fd, err)
		}
		if fd >= 0 {
			unix.Close(fd)
		}
	}
	p := reapedPid(t)
	if fd, err := pidfdOf(p, start); err != ErrNotRunning || fd != -1 {
		t.Errorf("pidfdOf a dead pid: %d, %v; want -1, ErrNotRunning", fd, err)
	}
}

func TestWaitExit(t *testing.T) {
	cmd, start := startSleeper(t)
	fd, err := pidfdOf(cmd.Process.Pid, start)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)

	t0 := time.Now()
	err = waitExit(fd, 50)
	if err == nil || err.Error() != "timed out waiting for the container to exit" {
		t.Fatalf("waitExit on a running process: %v, want a timeout", err)
	}
	if d := time.Since(t0); d < 40*time.Millisecond {
		t.Errorf("waitExit(50ms) timed out after only %v", d)
	}
	if err := waitExit(fd, 0); err == nil {
		t.Error("waitExit(0) on a running process returned nil")
	}

	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := waitExit(fd, int(pollTimeout/time.Millisecond)); err != nil {
		t.Fatalf("waitExit after SIGKILL: %v", err)
	}
	// Exited means exited, not reaped: the child is still a zombie, and a
	// second wait returns at once.
	if st := statState(cmd.Process.Pid); st != 'Z' {
		t.Errorf("state after waitExit %q, want Z (not reaped by waitExit)", st)
	}
	if err := waitExit(fd, 0); err != nil {
		t.Errorf("waitExit(0) on an exited process: %v", err)
	}
	_ = cmd.Wait()
}

// TestWaitExitOwnExit: a process exiting by itself (no signal) wakes the
// waiter.
func TestWaitExitOwnExit(t *testing.T) {
	cmd := exec.Command("sh", "-c", "read x")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	_, start, err := procStat(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	fd, err := pidfdOf(cmd.Process.Pid, start)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	done := make(chan error, 1)
	go func() { done <- waitExit(fd, int(pollTimeout/time.Millisecond)) }()
	select {
	case err := <-done:
		t.Fatalf("waitExit returned before the child exited: %v", err)
	default:
	}
	_, _ = io.WriteString(in, "go\n")
	in.Close()
	if err := <-done; err != nil {
		t.Fatalf("waitExit: %v", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("child: %v", err)
	}
}
