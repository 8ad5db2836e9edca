package integration

// Issue item 4: namespaces.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestNamespacePID(t *testing.T) {
	h := newH(t)
	rep := h.NewCtr(setNS(specs.PIDNamespace, "")).Report()
	if rep.Pid != 1 {
		t.Errorf("in a new pid namespace the probe is pid %d, want 1", rep.Pid)
	}
	if rep.Ppid != 0 {
		t.Errorf("pid 1's parent is %d, want 0", rep.Ppid)
	}
	if rep.Namespaces["pid"] == hostNS(t, "pid") {
		t.Errorf("pid namespace is the host's")
	}
}

func TestNamespaceUTS(t *testing.T) {
	h := newH(t)
	rep := h.NewCtr(setNS(specs.UTSNamespace, ""), func(s *specs.Spec) { s.Hostname = "rt-uts-test" }).Report()
	if rep.Hostname != "rt-uts-test" {
		t.Errorf("hostname %q, want rt-uts-test", rep.Hostname)
	}
	if rep.Namespaces["uts"] == hostNS(t, "uts") {
		t.Errorf("uts namespace is the host's")
	}
	if hn, _ := os.Hostname(); hn == "rt-uts-test" {
		t.Errorf("the host's hostname changed")
	}
}

func TestNamespaceIPC(t *testing.T) {
	h := newH(t)
	rep := h.NewCtr(setNS(specs.IPCNamespace, "")).Report()
	if rep.Namespaces["ipc"] == "" || rep.Namespaces["ipc"] == hostNS(t, "ipc") {
		t.Errorf("ipc namespace %q is the host's", rep.Namespaces["ipc"])
	}
}

func TestNamespaceNet(t *testing.T) {
	h := newH(t)
	rep := h.NewCtr(setNS(specs.NetworkNamespace, "")).Report()
	if strings.Join(rep.Interfaces, ",") != "lo" {
		t.Errorf("a new network namespace has interfaces %v, want only lo", rep.Interfaces)
	}
	if rep.Namespaces["net"] == hostNS(t, "net") {
		t.Errorf("net namespace is the host's")
	}
}

func TestNamespaceMount(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(setNS(specs.MountNamespace, ""))
	rep := c.Report()
	if rep.Namespaces["mnt"] == hostNS(t, "mnt") {
		t.Errorf("mount namespace is the host's")
	}
	root, ok := rep.Mount("/")
	if !ok {
		t.Fatalf("no / in the container's mountinfo")
	}
	// field 4 is the root of the mount within its filesystem: the rootfs dir
	if f := strings.Fields(root); f[3] != c.Rootfs {
		t.Errorf("/ in the container is %q, want the bundle rootfs %q", f[3], c.Rootfs)
	}
	for _, l := range rep.Mountinfo {
		if strings.Contains(l, " /work") || strings.Contains(l, " /run ") {
			t.Errorf("a host mount is visible in the container: %s", l)
		}
	}
}

func TestNamespaceCgroup(t *testing.T) {
	h := newH(t)
	rep := h.NewCtr(setNS(specs.CgroupNamespace, "")).Report()
	if rep.Namespaces["cgroup"] == hostNS(t, "cgroup") {
		t.Errorf("cgroup namespace is the host's")
	}
	if len(rep.Cgroup) == 0 {
		t.Fatalf("no /proc/self/cgroup in the container")
	}
	for _, l := range rep.Cgroup {
		if !strings.HasSuffix(l, ":/") {
			t.Errorf("in a private cgroup namespace every path is /, got %q", l)
		}
	}
}

func TestNamespaceTime(t *testing.T) {
	h := newH(t)
	const monoOff, bootOff = 7 * 86400, 3 * 86400
	c := h.NewCtr(setNS(specs.TimeNamespace, ""), func(s *specs.Spec) {
		s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{
			"monotonic": {Secs: monoOff},
			"boottime":  {Secs: bootOff, Nanosecs: 500},
		}
	})
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	hostMono := float64(ts.Sec) + float64(ts.Nsec)/1e9
	unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts)
	hostBoot := float64(ts.Sec) + float64(ts.Nsec)/1e9
	rep := c.Report()
	if rep.Namespaces["time"] == hostNS(t, "time") {
		t.Errorf("time namespace is the host's")
	}
	if d := rep.Clocks["monotonic"] - hostMono; d < monoOff || d > monoOff+60 {
		t.Errorf("CLOCK_MONOTONIC in the container is %.0fs ahead of the host, want %d", d, monoOff)
	}
	if d := rep.Clocks["boottime"] - hostBoot; d < bootOff || d > bootOff+60 {
		t.Errorf("CLOCK_BOOTTIME in the container is %.0fs ahead of the host, want %d", d, bootOff)
	}
	if d := rep.Clocks["uptime"] - hostBoot; d < bootOff-1 || d > bootOff+60 {
		t.Errorf("/proc/uptime in the container is %.0fs ahead of the host, want %d", d, bootOff)
	}
	offs := map[string]string{}
	for _, l := range strings.Split(rep.TimensOffsets, "\n") {
		if f := strings.Fields(l); len(f) == 3 {
			offs[f[0]] = f[1] + " " + f[2]
		}
	}
	if offs["monotonic"] != fmt.Sprintf("%d 0", monoOff) || offs["boottime"] != fmt.Sprintf("%d 500", bootOff) {
		t.Errorf("timens_offsets: %q", rep.TimensOffsets)
	}
}

func TestNamespaceJoinNetnsPath(t *testing.T) {
	h := newH(t)
	if _, err := exec.LookPath("ip"); err != nil {
		t.Fatalf("this test needs iproute2 (`ip netns add`): %v", err)
	}
	name := "rtit-netns-" + filepath.Base(h.Dir) + fmt.Sprint(time.Now().UnixNano()%100000)
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
	if out, err := exec.Command("ip", "-n", name, "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Fatalf("ip link set lo up: %v %s", err, out)
	}
	path := "/run/netns/" + name
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	rep := h.NewCtr(setNS(specs.NetworkNamespace, path)).Report()
	if want := fmt.Sprintf("net:[%d]", st.Ino); rep.Namespaces["net"] != want {
		t.Errorf("joined net namespace: got %q, want %q", rep.Namespaces["net"], want)
	}
	// the namespace outlives the container
	if err := unix.Stat(path, &st); err != nil {
		t.Errorf("the joined netns is gone: %v", err)
	}
}

// sleeper starts a process in new namespaces (unshare(1)), waits until it is
// set up and kills it at cleanup.
func sleeper(t *testing.T, dir string, unshareFlags []string, script string) int {
	t.Helper()
	ready := filepath.Join(dir, fmt.Sprintf("sleeper-%d.ready", time.Now().UnixNano()))
	args := append(unshareFlags, "/bin/busybox", "sh", "-c", script+" && echo ok > "+ready+" && exec /bin/busybox sleep 600")
	cmd := exec.Command("unshare", args...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("unshare: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	waitFileContains(t, ready, "ok")
	return cmd.Process.Pid
}

func TestNamespaceJoinProcPath(t *testing.T) {
	h := newH(t)
	pid := sleeper(t, h.Dir, []string{"--uts", "--ipc"}, "/bin/busybox hostname rt-joined-uts")
	uts := fmt.Sprintf("/proc/%d/ns/uts", pid)
	ipc := fmt.Sprintf("/proc/%d/ns/ipc", pid)
	wantUTS, _ := os.Readlink(uts)
	wantIPC, _ := os.Readlink(ipc)
	rep := h.NewCtr(setNS(specs.UTSNamespace, uts), setNS(specs.IPCNamespace, ipc), func(s *specs.Spec) {
		s.Hostname = ""
	}).Report()
	if rep.Namespaces["uts"] != wantUTS || rep.Namespaces["ipc"] != wantIPC {
		t.Errorf("joined uts %q ipc %q, want %q %q", rep.Namespaces["uts"], rep.Namespaces["ipc"], wantUTS, wantIPC)
	}
	if rep.Hostname != "rt-joined-uts" {
		t.Errorf("hostname in the joined uts namespace: %q", rep.Hostname)
	}
}

func TestNamespaceUser(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(setNS(specs.UserNamespace, ""), func(s *specs.Spec) {
		s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
		s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 200000, Size: 1000}}
	})
	st := c.Report()
	if st.Namespaces["user"] == hostNS(t, "user") {
		t.Errorf("user namespace is the host's")
	}
	if f := strings.Fields(st.UidMap); strings.Join(f, " ") != "0 100000 65536" {
		t.Errorf("uid_map %q, want `0 100000 65536`", st.UidMap)
	}
	if f := strings.Fields(st.GidMap); strings.Join(f, " ") != "0 200000 1000" {
		t.Errorf("gid_map %q, want `0 200000 1000`", st.GidMap)
	}
	if st.Uid != 0 || st.Gid != 0 || st.Euid != 0 {
		t.Errorf("in the user namespace: uid %d gid %d euid %d, want 0", st.Uid, st.Gid, st.Euid)
	}
	// the probe runs as host uid 100000: check from outside too
	c2 := h.NewCtr(setNS(specs.UserNamespace, ""), args("/probe", "sleep"), func(s *specs.Spec) {
		s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
		s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 200000, Size: 1000}}
	})
	c2.MustCreate()
	c2.MustStart()
	pid := c2.State().Pid
	var pst unix.Stat_t
	if err := unix.Stat(fmt.Sprintf("/proc/%d", pid), &pst); err != nil {
		t.Fatal(err)
	}
	if pst.Uid != 100000 || pst.Gid != 200000 {
		t.Errorf("the container process is uid %d gid %d on the host, want 100000 200000", pst.Uid, pst.Gid)
	}
}

// TestNoMountNamespaceChroot: without a mount namespace of its own the
// container is only chrooted into its rootfs; rt mounts nothing into the
// host's mount namespace (runc would).
func TestNoMountNamespaceChroot(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(dropNS(specs.MountNamespace), args("/probe", "ls", "/"), func(s *specs.Spec) {
		s.Linux.MaskedPaths, s.Linux.ReadonlyPaths = nil, nil
	})
	r := c.Run()
	wantOK(t, r)
	if !strings.Contains(r.Stdout, "probe") {
		t.Errorf("the container does not see its rootfs at /: %s", r.Stdout)
	}
	if strings.Contains(r.Stdout, "usr") {
		t.Errorf("the container sees the host's root: %s", r.Stdout)
	}
	if m := mountsMatching(c.Rootfs); len(m) != 0 {
		t.Errorf("mounts in the host's namespace: %v", m)
	}
}
