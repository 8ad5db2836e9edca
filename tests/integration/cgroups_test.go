package integration

// Issue item 8: cgroups.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// hierarchy is one mounted cgroup hierarchy.
type hierarchy struct {
	mountpoint string
	key        string // the controllers field of /proc/PID/cgroup ("cpu", "name=systemd", "" for v2)
}

// cgroupHierarchies lists the cgroup hierarchies mounted under /sys/fs/cgroup.
func cgroupHierarchies(t *testing.T) []hierarchy {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	var out []hierarchy
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 5 || !strings.HasPrefix(f[4], "/sys/fs/cgroup") {
			continue
		}
		switch mountFSType(l) {
		case "cgroup2":
			out = append(out, hierarchy{mountpoint: f[4], key: ""})
		case "cgroup":
			var ctrls []string
			for _, o := range mountSuperOpts(l) {
				if o != "rw" && o != "ro" && !strings.HasPrefix(o, "release_agent") && o != "clone_children" &&
					o != "noprefix" && o != "xattr" && o != "cpuset_v2_mode" && o != "nsdelegate" {
					ctrls = append(ctrls, o)
				}
			}
			out = append(out, hierarchy{mountpoint: f[4], key: strings.Join(ctrls, ",")})
		}
	}
	if len(out) == 0 {
		t.Fatalf("no cgroup hierarchy mounted under /sys/fs/cgroup")
	}
	return out
}

// procCgroups parses /proc/PID/cgroup into controllers -> path.
func procCgroups(t *testing.T, pid int) map[string]string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		parts := strings.SplitN(l, ":", 3)
		if len(parts) == 3 {
			out[parts[1]] = parts[2]
		}
	}
	return out
}

func TestCgroupMembership(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(args("/probe", "sleep"))
	c.MustCreate()
	pid := c.State().Pid
	own := procCgroups(t, os.Getpid())
	ctr := procCgroups(t, pid)
	var dirs []string
	for _, hier := range cgroupHierarchies(t) {
		p, ok := ctr[hier.key]
		if !ok {
			t.Errorf("hierarchy %s (%q): the container is in no cgroup of it", hier.mountpoint, hier.key)
			continue
		}
		if p == own[hier.key] {
			t.Errorf("hierarchy %s: the container is in the runtime caller's cgroup %q", hier.mountpoint, p)
			continue
		}
		dir := filepath.Join(hier.mountpoint, p)
		procs, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
		if err != nil {
			t.Errorf("hierarchy %s: %v", hier.mountpoint, err)
			continue
		}
		if !contains(strings.Fields(string(procs)), fmt.Sprint(pid)) {
			t.Errorf("%s/cgroup.procs lacks the init pid %d", dir, pid)
		}
		dirs = append(dirs, dir)
	}
	// the cgroup holds from create on; start and delete
	c.MustStart()
	wantOK(t, c.Delete("--force"))
	for _, d := range dirs {
		if _, err := os.Stat(d); err == nil {
			t.Errorf("delete left the cgroup %s", d)
		}
	}
}

// TestCgroupsPath: linux.cgroupsPath places the container in every
// hierarchy. (Resource limits come with the cgroup issue and its tests.)
func TestCgroupsPath(t *testing.T) {
	h := newH(t)
	id := h.NewID()
	c := h.NewBundle(id)
	cgPath := "/rtit-cgpath-" + id
	c.Spec.Process.Args = []string{"/probe", "sleep"}
	c.Spec.Linux.CgroupsPath = cgPath
	c.WriteSpec()
	c.MustCreate()
	pid := c.State().Pid
	cg := procCgroups(t, pid)
	for _, hier := range cgroupHierarchies(t) {
		if cg[hier.key] != cgPath {
			t.Errorf("hierarchy %s: cgroup %q, want %q", hier.mountpoint, cg[hier.key], cgPath)
		}
	}
	wantOK(t, c.Delete("--force"))
	c.AssertNoLeftovers()
	for _, hier := range cgroupHierarchies(t) {
		if _, err := os.Stat(filepath.Join(hier.mountpoint, cgPath)); err == nil {
			t.Errorf("%s%s survived delete", hier.mountpoint, cgPath)
		}
	}
}

func TestKillAll(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(sh("/probe signal-wait /tmp/second & exec /probe signal-wait /tmp/first"))
	c.MustCreate()
	c.MustStart()
	first, second := filepath.Join(c.Rootfs, "tmp/first"), filepath.Join(c.Rootfs, "tmp/second")
	waitFileContains(t, first, "ready")
	waitFileContains(t, second, "ready")
	wantOK(t, c.Kill("USR1", "--all"))
	waitFileContains(t, first, "SIGUSR1")
	waitFileContains(t, second, "SIGUSR1")
	// a plain kill reaches only the init
	wantOK(t, c.Kill("USR2"))
	waitFileContains(t, first, "SIGUSR2")
	if strings.Contains(readString(t, second), "SIGUSR2") {
		t.Errorf("kill without --all reached the second process")
	}
	// every process got each signal once
	if got := readString(t, first); got != "ready\nSIGUSR1\nSIGUSR2\n" {
		t.Errorf("signals received by the init: %q, want each once", got)
	}
	if got := readString(t, second); got != "ready\nSIGUSR1\n" {
		t.Errorf("signals received by the second process: %q, want each once", got)
	}
	wantOK(t, c.Kill("KILL", "--all"))
	c.WaitStatus("stopped")
}

func TestKillAllSharedPidNamespace(t *testing.T) {
	h := newH(t)
	// no pid namespace: SIGKILL to the init does not take the others with it,
	// so kill --all must find them in the cgroup
	id := h.NewID()
	c := h.NewBundle(id)
	dropNS(specs.PIDNamespace)(c.Spec)
	second := "/tmp/second-" + id
	sh("/probe signal-wait " + second + " & exec /probe signal-wait /tmp/first")(c.Spec)
	c.WriteSpec()
	c.MustCreate()
	c.MustStart()
	waitFileContains(t, filepath.Join(c.Rootfs, "tmp/first"), "ready")
	waitFileContains(t, filepath.Join(c.Rootfs, second), "ready")
	var pids []string
	for _, p := range procsWithArg(second) {
		if cmd, _ := os.ReadFile("/proc/" + p + "/cmdline"); strings.HasPrefix(string(cmd), "/probe\x00") {
			pids = append(pids, p)
		}
	}
	if len(pids) != 1 {
		t.Fatalf("want one second process, found %v", pids)
	}
	wantOK(t, c.Kill("KILL", "--all"))
	c.WaitStatus("stopped")
	waitFor(t, "the second process to die", func() bool {
		return len(procsAlive([]int{atoi(pids[0])})) == 0
	})
}
