package cgroups

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

var testSeq atomic.Int32

// rootHierarchies skips the test unless it runs as root with cgroups mounted.
func rootHierarchies(t *testing.T) []Hierarchy {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	hs, err := Mounts()
	if err != nil || len(hs) == 0 {
		t.Skipf("no cgroup hierarchy: %v", err)
	}
	return hs
}

// uniqueName is a cgroup name no other test run uses.
func uniqueName() string {
	return fmt.Sprintf("rt-test-%d-%d", os.Getpid(), testSeq.Add(1))
}

// mustCreate creates a cgroup and registers its removal.
func mustCreate(t *testing.T, cgroupsPath, id string) Paths {
	t.Helper()
	p, err := Create(cgroupsPath, id)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = p.Signal(unix.SIGKILL)
		_ = p.Destroy()
	})
	return p
}

// startSleep starts a sleep child, killed and reaped at cleanup.
func startSleep(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("/bin/sleep", "100")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}

// assertGone fails if any directory of p still exists.
func assertGone(t *testing.T, p Paths) {
	t.Helper()
	for _, d := range p.dirs() {
		if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind (%v)", d, err)
		}
	}
}

// procCgroups returns pid's cgroup path per /proc/<pid>/cgroup line.
func procCgroups(t *testing.T, pid int) []procCgroup {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		t.Fatal(err)
	}
	pcs, err := parseProcCgroup(data)
	if err != nil {
		t.Fatal(err)
	}
	return pcs
}

func TestRootLifecycle(t *testing.T) {
	hs := rootHierarchies(t)
	name := "/" + uniqueName()
	p := mustCreate(t, name, "x")
	for _, h := range hs {
		for _, k := range h.keys() {
			if want := filepath.Join(h.Mountpoint, name); p[k] != want {
				t.Errorf("paths[%q] = %q, want %q", k, p[k], want)
			}
		}
	}
	if len(p.dirs()) != len(hs) {
		t.Errorf("%d dirs for %d hierarchies", len(p.dirs()), len(hs))
	}
	cmd := startSleep(t)
	pid := cmd.Process.Pid
	if err := p.Join(pid); err != nil {
		t.Fatal(err)
	}
	for _, pc := range procCgroups(t, pid) {
		if pc.path != name {
			t.Errorf("/proc/%d/cgroup: %v in %s, want %s", pid, pc.controllers, pc.path, name)
		}
	}
	if pids, err := p.Pids(); err != nil || !slices.Equal(pids, []int{pid}) {
		t.Errorf("Pids = %v, %v; want [%d]", pids, err, pid)
	}
	if err := p.Signal(unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if err := p.Destroy(); err != nil {
		t.Fatal(err)
	}
	assertGone(t, p)
	if err := p.Destroy(); err != nil {
		t.Errorf("second Destroy: %v", err)
	}
}

// Relative paths sit under rt's own cgroup, hierarchy by hierarchy.
func TestRootRelative(t *testing.T) {
	hs := rootHierarchies(t)
	name := uniqueName()
	p := mustCreate(t, name, "x")
	for _, h := range hs {
		base, err := h.base()
		if err != nil {
			t.Fatal(err)
		}
		if want := filepath.Join(base, name); p[h.keys()[0]] != want {
			t.Errorf("%s: %s, want %s", h.Mountpoint, p[h.keys()[0]], want)
		}
	}
	cmd := startSleep(t)
	if err := p.Join(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	for _, pc := range procCgroups(t, cmd.Process.Pid) {
		if filepath.Base(pc.path) != name {
			t.Errorf("%v: in %s", pc.controllers, pc.path)
		}
	}
	_ = p.Signal(unix.SIGKILL)
	_ = cmd.Wait()
	if err := p.Destroy(); err != nil {
		t.Fatal(err)
	}
	assertGone(t, p)
}

// The default path is /rt/<id>; /rt stays for other containers (the test
// removes it if it made it).
func TestRootDefaultPath(t *testing.T) {
	hs := rootHierarchies(t)
	var madeRT []string
	for _, h := range hs {
		if _, err := os.Stat(h.Mountpoint + DefaultParent); errors.Is(err, os.ErrNotExist) {
			madeRT = append(madeRT, h.Mountpoint+DefaultParent)
		}
	}
	t.Cleanup(func() { removeMade(madeRT) })
	id := uniqueName()
	p := mustCreate(t, "", id)
	for _, h := range hs {
		if want := h.Mountpoint + DefaultParent + "/" + id; p[h.keys()[0]] != want {
			t.Errorf("%s, want %s", p[h.keys()[0]], want)
		}
	}
	if err := p.Destroy(); err != nil {
		t.Fatal(err)
	}
	assertGone(t, p)
	for _, h := range hs {
		if _, err := os.Stat(h.Mountpoint + DefaultParent); err != nil {
			t.Errorf("Destroy removed the shared parent: %v", err)
		}
	}
}

// Destroy waits for processes that are exiting, and removes sub-cgroups the
// container made; children forked after Join are signalled too.
func TestRootDestroyWhileExiting(t *testing.T) {
	rootHierarchies(t)
	p := mustCreate(t, "/"+uniqueName(), "x")
	sh := exec.Command("/bin/sh", "-c", "read x; /bin/sleep 100 & /bin/sleep 100 & wait")
	stdin, err := sh.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	wait := sync.OnceValue(sh.Wait) // reaped once, by whoever comes first
	t.Cleanup(func() { _ = sh.Process.Kill(); _ = wait() })
	if err := p.Join(sh.Process.Pid); err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(stdin, "go\n")
	waitFor(t, func() bool { pids, _ := p.Pids(); return len(pids) == 3 })
	for _, d := range p.dirs() {
		if err := os.Mkdir(d+"/nested", 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Signal(unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	go func() { time.Sleep(50 * time.Millisecond); _ = wait() }()
	start := time.Now()
	if err := p.Destroy(); err != nil {
		t.Fatalf("Destroy after %v: %v", time.Since(start), err)
	}
	t.Logf("Destroy took %v", time.Since(start))
	assertGone(t, p)
}

// A live process keeps the cgroup: Destroy gives up at its deadline, with EBUSY.
func TestRootDestroyBusy(t *testing.T) {
	rootHierarchies(t)
	p := mustCreate(t, "/"+uniqueName(), "x")
	cmd := startSleep(t)
	if err := p.Join(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err := p.destroy(checkCgroupFS, time.Now().Add(150*time.Millisecond))
	if !errors.Is(err, unix.EBUSY) {
		t.Fatalf("err = %v, want EBUSY", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("gave up after %v", d)
	}
	if !strings.Contains(err.Error(), "device or resource busy") {
		t.Errorf("err = %q", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not reached in 5s")
}

// BenchmarkCreateJoinDestroy is the cgroup work of one container's life:
// create in every hierarchy, join a process, (move it out), destroy.
func BenchmarkCreateJoinDestroy(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	hs, err := Mounts()
	if err != nil || len(hs) == 0 {
		b.Skip("no cgroup hierarchy")
	}
	cmd := exec.Command("/bin/sleep", "100")
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	pid := []byte(fmt.Sprint(cmd.Process.Pid))
	name := "/" + uniqueName()
	for b.Loop() {
		p, err := Create(name, "x")
		if err != nil {
			b.Fatal(err)
		}
		if err := p.Join(cmd.Process.Pid); err != nil {
			b.Fatal(err)
		}
		for _, h := range hs { // back to the root cgroups, so that Destroy can work
			if err := writeFile(h.Mountpoint+"/cgroup.procs", pid); err != nil {
				b.Fatal(err)
			}
		}
		if err := p.Destroy(); err != nil {
			b.Fatal(err)
		}
	}
}
