package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// containerd 1.6 with ctr: `ctr run --runc-binary B` makes the runc shim v2
// call B with `--root /run/containerd/runc/<ns> --log <bundle>/log.json
// --log-format json`. Each scenario runs with runc (validating the test)
// and then with rt.

var ctrStateRoot = filepath.Join(ctrShimRoot, ctrNS)

func TestCtr(t *testing.T) {
	ctrRequire(t)
	rts := ctrRuntimes(t)
	d := ctrStartDaemon(t, false, nil, ctrNS)
	t.Cleanup(func() {
		ctrRmdirCgroups("/" + ctrNS)
		_ = os.Remove(ctrStateRoot)
	})
	ctrImportBusybox(t, d, ctrNS)
	for _, r := range rts {
		t.Run(r.name, func(t *testing.T) {
			t.Run("exit", func(t *testing.T) { ctrTestExit(t, d, r) })
			t.Run("execfail", func(t *testing.T) { ctrTestExecFail(t, d, r) })
			t.Run("env", func(t *testing.T) { ctrTestEnv(t, d, r) })
			t.Run("tty", func(t *testing.T) { ctrTestTTY(t, d, r) })
			t.Run("options", func(t *testing.T) { ctrTestOptions(t, d, r) })
			t.Run("lifecycle", func(t *testing.T) { ctrTestLifecycle(t, d, r) })
		})
	}
}

// ctrRun is `ctr run --rm --runc-binary B IMAGE id args...`.
func ctrRun(d *ctrDaemon, r ctrRuntime, flags []string, id string, args ...string) (string, string, int, error) {
	a := append([]string{"run", "--rm", "--runc-binary", r.bin}, flags...)
	a = append(a, ctrBBImage, id)
	return d.ctrRaw(ctrNS, append(a, args...)...)
}

func ctrTestExit(t *testing.T, d *ctrDaemon, r ctrRuntime) {
	for _, c := range []struct {
		cmd         string
		code        int
		out, errout string
	}{
		{"true", 0, "", ""},
		{"false", 1, "", ""},
		{"echo out; echo err >&2; exit 3", 3, "out\n", "err\n"},
		{"exit 255", 255, "", ""},
	} {
		id := r.name + "-exit"
		so, se, code, err := ctrRun(d, r, nil, id, "sh", "-c", c.cmd)
		if code != c.code || so != c.out || (c.errout != "" && se != c.errout) {
			t.Errorf("%q: exit %d (%v), stdout %q, stderr %q; want exit %d, stdout %q, stderr %q",
				c.cmd, code, err, so, se, c.code, c.out, c.errout)
		}
		ctrWaitLeftovers(t, ctrStateRoot, "/"+ctrNS+"/"+id, id)
	}
}

// ctrTestExecFail: a missing or non-executable command fails the create;
// ctr reports the runtime's last error-level log line.
func ctrTestExecFail(t *testing.T, d *ctrDaemon, r ctrRuntime) {
	for _, c := range []struct{ cmd, want string }{
		{"/nope", "no such file or directory"},
		{"nope-not-in-path", "not found"},
		{"/bin/noexec", "permission denied"},
		{"/etc", "permission denied"},
	} {
		id := r.name + "-execfail"
		so, se, code, err := ctrRun(d, r, nil, id, c.cmd)
		t.Logf("%s: exit %d, stderr %q", c.cmd, code, strings.TrimSpace(se))
		if code == 0 || code == -1 || !strings.Contains(se, c.want) {
			t.Errorf("%s: exit %d (%v), stdout %q, stderr %q; want a failure mentioning %q", c.cmd, code, err, so, se, c.want)
		}
		ctrWaitLeftovers(t, ctrStateRoot, "/"+ctrNS+"/"+id, id)
		// ctr run --rm removes the container even when the task failed.
		if out, _, _, _ := d.ctrRaw(ctrNS, "container", "ls", "-q"); strings.Contains(out, id) {
			t.Errorf("container %s still listed after failed run --rm", id)
			_, _, _, _ = d.ctrRaw(ctrNS, "container", "rm", id)
		}
	}
}

func ctrTestEnv(t *testing.T, d *ctrDaemon, r ctrRuntime) {
	id := r.name + "-env"
	so, se, code, err := ctrRun(d, r, []string{"--env", "FOO=bar baz", "--cwd", "/tmp"}, id,
		"sh", "-c", `echo "$FOO|$PATH|$(pwd)|$(id -u)|$(hostname)"`)
	want := "bar baz|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin|/tmp|0|"
	if code != 0 || !strings.HasPrefix(so, want) {
		t.Errorf("exit %d (%v), stdout %q, stderr %q; want prefix %q", code, err, so, se, want)
	}
	ctrWaitLeftovers(t, ctrStateRoot, "/"+ctrNS+"/"+id, id)
}

// ctrTestOptions: ctr's read-only rootfs and default seccomp profile.
func ctrTestOptions(t *testing.T, d *ctrDaemon, r ctrRuntime) {
	id := r.name + "-opts"
	so, se, code, err := ctrRun(d, r, []string{"--read-only", "--seccomp"}, id,
		"sh", "-c", `touch /x 2>/dev/null && echo rw || echo ro; grep '^Seccomp:' /proc/self/status`)
	if want := "ro\nSeccomp:\t2\n"; code != 0 || so != want {
		t.Errorf("exit %d (%v), stdout %q, stderr %q; want %q", code, err, so, se, want)
	}
	ctrWaitLeftovers(t, ctrStateRoot, "/"+ctrNS+"/"+id, id)
}

// ctrTestTTY: `ctr run -t` needs a terminal on stdin: script(1) gives it one.
func ctrTestTTY(t *testing.T, d *ctrDaemon, r ctrRuntime) {
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("script (util-linux) not installed")
	}
	id := r.name + "-tty"
	inner := fmt.Sprintf("ctr --address %s -n %s run --rm -t --runc-binary %s %s %s sh -c 'tty; test -t 0 && test -t 1 && echo both-tty; exit 5'",
		d.sock, ctrNS, r.bin, ctrBBImage, id)
	so, se, code, err := ctrExec(ctrCmdTimeout, "script", "-qec", inner, "/dev/null")
	out := strings.ReplaceAll(so, "\r", "")
	t.Logf("tty output: %q", out)
	if code != 5 || !strings.Contains(out, "/dev/pts/") || !strings.Contains(out, "both-tty") {
		t.Errorf("exit %d (%v), output %q, stderr %q; want exit 5, a /dev/pts tty on stdin and stdout", code, err, out, se)
	}
	ctrWaitLeftovers(t, ctrStateRoot, "/"+ctrNS+"/"+id, id)
}

// ctrTask is one row of `ctr task ls`.
func ctrTaskRow(t *testing.T, d *ctrDaemon, id string) (pid int, status string) {
	t.Helper()
	for _, l := range strings.Split(d.ctr(t, "task", "ls"), "\n") {
		f := strings.Fields(l)
		if len(f) == 3 && f[0] == id {
			pid, _ = strconv.Atoi(f[1])
			return pid, f[2]
		}
	}
	return 0, ""
}

func ctrWaitStatus(t *testing.T, d *ctrDaemon, id, want string) int {
	t.Helper()
	var pid int
	var st string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if pid, st = ctrTaskRow(t, d, id); st == want {
			return pid
		}
	}
	t.Fatalf("task %s: status %q, want %s", id, st, want)
	return 0
}

// ctrRuntimeState is `<runtime> --root <shim root> state id`: it also proves
// which runtime made the container (rt and runc state dirs differ).
func ctrRuntimeState(t *testing.T, r ctrRuntime, root, id string) (status string, pid int) {
	t.Helper()
	so, se, code, err := ctrExec(ctrCmdTimeout, r.bin, "--root", root, "state", id)
	if code != 0 {
		t.Errorf("%s --root %s state %s: exit %d (%v): %s", r.name, root, id, code, err, se)
		return "", 0
	}
	var st struct {
		Status string `json:"status"`
		Pid    int    `json:"pid"`
	}
	if err := json.Unmarshal([]byte(so), &st); err != nil {
		t.Errorf("state %s: %v: %q", id, err, so)
	}
	return st.Status, st.Pid
}

// ctrCheckOwner checks that the state dir of id was made by r: rt keeps the
// container's config.json in it, runc does not. (rt can read runc's
// state dirs, runc cannot read rt's: `state` alone does not tell.)
func ctrCheckOwner(t *testing.T, r ctrRuntime, root, id string) {
	t.Helper()
	_, err := os.Stat(filepath.Join(root, id, "config.json"))
	if owner := map[bool]string{true: "rt", false: "runc"}[err == nil]; owner != r.name {
		ents, _ := os.ReadDir(filepath.Join(root, id))
		names := []string{}
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("state dir %s/%s %v looks made by %s, want %s", root, id, names, owner, r.name)
	}
}

func ctrReadTrim(p string) string {
	b, _ := os.ReadFile(p)
	return strings.TrimSpace(string(b))
}

// ctrCgroupOf is the path of pid's cgroup in the v1 hierarchy named ctl.
func ctrCgroupOf(pid int, ctl string) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.SplitN(l, ":", 3)
		if len(f) == 3 {
			for _, c := range strings.Split(f[1], ",") {
				if c == ctl {
					return f[2]
				}
			}
		}
	}
	return ""
}

// ctrTestLifecycle: a detached task through exec, ps, pause/resume, signals,
// delete, with a memory limit.
func ctrTestLifecycle(t *testing.T, d *ctrDaemon, r ctrRuntime) {
	id := r.name + "-life"
	cgRel := "/" + ctrNS + "/" + id
	const limit = 64 << 20
	script := `trap 'echo usr1 >> /tmp/sig' USR1; echo ready > /tmp/ready; while :; do sleep 0.1; done`
	d.ctr(t, "run", "-d", "--null-io", "--runc-binary", r.bin, "--memory-limit", strconv.Itoa(limit), ctrBBImage, id, "sh", "-c", script)
	defer func() {
		_, _, _, _ = d.ctrRaw(ctrNS, "task", "kill", "-s", "SIGKILL", id)
		_, _, _, _ = d.ctrRaw(ctrNS, "task", "delete", "-f", id)
		_, _, _, _ = d.ctrRaw(ctrNS, "container", "rm", id)
	}()
	pid := ctrWaitStatus(t, d, id, "RUNNING")

	n := 0
	execIn := func(args ...string) (string, string, int) {
		n++
		so, se, code, _ := d.ctrRaw(ctrNS, append([]string{"task", "exec", "--exec-id", fmt.Sprintf("e%d", n), id}, args...)...)
		return so, se, code
	}
	var so, se string
	var code int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if so, se, code = execIn("cat", "/tmp/ready"); code == 0 {
			break
		}
	}
	if code != 0 || so != "ready\n" {
		t.Errorf("exec cat /tmp/ready: exit %d, stdout %q, stderr %q", code, so, se)
	}
	if so, se, code = execIn("sh", "-c", "echo $$ >/dev/null; exit 7"); code != 7 {
		t.Errorf("exec exit 7: exit %d, %q %q", code, so, se)
	}
	so, se, code = execIn("/nope")
	t.Logf("exec /nope: exit %d, stderr %q", code, strings.TrimSpace(se))
	if code == 0 || !strings.Contains(se, "no such file or directory") {
		t.Errorf("exec /nope: exit %d, stderr %q; want a failure with ENOENT", code, se)
	}

	// Which runtime runs it, and its state.
	if st, spid := ctrRuntimeState(t, r, ctrStateRoot, id); st != "running" || spid != pid {
		t.Errorf("%s state: %s pid %d; want running pid %d", r.name, st, spid, pid)
	}

	ctrCheckOwner(t, r, ctrStateRoot, id)

	// ps: the init shell and its sleep.
	ps := d.ctr(t, "task", "ps", id)
	pids := 0
	for _, l := range strings.Split(ps, "\n")[1:] {
		if f := strings.Fields(l); len(f) > 0 {
			if _, err := strconv.Atoi(f[0]); err == nil {
				pids++
			}
		}
	}
	if pids < 1 || !strings.Contains(ps, strconv.Itoa(pid)) {
		t.Errorf("task ps: %q; want the init pid %d", ps, pid)
	}

	// Memory limit, in the host's view of the container's cgroup.
	memCg := ctrCgroupOf(pid, "memory")
	if memCg != cgRel {
		t.Errorf("memory cgroup of %d: %q, want %q", pid, memCg, cgRel)
	}
	if got := ctrReadTrim("/sys/fs/cgroup/memory" + memCg + "/memory.limit_in_bytes"); got != strconv.Itoa(limit) {
		t.Errorf("memory.limit_in_bytes %q, want %d", got, limit)
	}

	// Pause and resume.
	d.ctr(t, "task", "pause", id)
	ctrWaitStatus(t, d, id, "PAUSED")
	freezer := "/sys/fs/cgroup/freezer" + ctrCgroupOf(pid, "freezer") + "/freezer.state"
	if got := ctrReadTrim(freezer); got != "FROZEN" {
		t.Errorf("paused: %s = %q", freezer, got)
	}
	if st, _ := ctrRuntimeState(t, r, ctrStateRoot, id); st != "paused" {
		t.Errorf("paused: %s state %q", r.name, st)
	}
	d.ctr(t, "task", "resume", id)
	ctrWaitStatus(t, d, id, "RUNNING")
	if got := ctrReadTrim(freezer); got != "THAWED" {
		t.Errorf("resumed: %s = %q", freezer, got)
	}

	// A signal the init traps.
	d.ctr(t, "task", "kill", "-s", "SIGUSR1", id)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if so, _, _ = execIn("cat", "/tmp/sig"); so == "usr1\n" {
			break
		}
	}
	if so != "usr1\n" {
		t.Errorf("after kill -s SIGUSR1: /tmp/sig %q", so)
	}

	// exec with a terminal (ctr needs one on stdin: script(1)).
	if _, err := exec.LookPath("script"); err == nil {
		inner := fmt.Sprintf("ctr --address %s -n %s task exec -t --exec-id etty %s sh -c 'tty; test -t 0 && echo exec-tty; exit 4'", d.sock, ctrNS, id)
		so, se, code, err := ctrExec(ctrCmdTimeout, "script", "-qec", inner, "/dev/null")
		out := strings.ReplaceAll(so, "\r", "")
		if code != 4 || !strings.Contains(out, "/dev/pts/") || !strings.Contains(out, "exec-tty") {
			t.Errorf("exec -t: exit %d (%v), output %q, stderr %q; want exit 4 on a /dev/pts tty", code, err, out, se)
		}
	}

	// SIGKILL to every process (kill --all), delete, rm.
	d.ctr(t, "task", "kill", "-a", "-s", "SIGKILL", id)
	ctrWaitStatus(t, d, id, "STOPPED")
	out := d.ctr(t, "task", "delete", id)
	t.Logf("task delete: %q", strings.TrimSpace(out))
	d.ctr(t, "container", "rm", id)
	ctrWaitLeftovers(t, ctrStateRoot, cgRel, id)
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
		t.Errorf("init %d still exists", pid)
	}
}

// TestCtrTiming: wall time of `ctr run --rm IMAGE id true`, interleaved
// runs with runc, rt and crun (when crun runs on this host).
func TestCtrTiming(t *testing.T) {
	ctrRequire(t)
	rts := ctrRuntimes(t)
	d := ctrStartDaemon(t, false, nil, ctrNS)
	t.Cleanup(func() {
		ctrRmdirCgroups("/" + ctrNS)
		_ = os.Remove(ctrStateRoot)
	})
	ctrImportBusybox(t, d, ctrNS)
	if p, err := exec.LookPath("crun"); err == nil {
		c := ctrRuntime{"crun", p}
		if so, se, code, _ := ctrRun(d, c, nil, "crun-probe", "true"); code != 0 {
			t.Logf("crun left out: `ctr run --runc-binary %s` fails on this host: exit %d %s %s", p, code, strings.TrimSpace(so), strings.TrimSpace(se))
		} else {
			rts = append(rts, c)
		}
		ctrWaitLeftovers(t, ctrStateRoot, "/"+ctrNS+"/crun-probe", "crun-probe")
	}
	const runs = 10
	times := map[string][]time.Duration{}
	// One warm-up each (page cache, shim binary).
	for _, r := range rts {
		if _, se, code, _ := ctrRun(d, r, nil, r.name+"-warm", "true"); code != 0 {
			t.Fatalf("%s warm-up: exit %d %s", r.name, code, se)
		}
	}
	for i := 0; i < runs; i++ {
		for _, r := range rts {
			id := fmt.Sprintf("%s-time-%d", r.name, i)
			start := time.Now()
			_, se, code, _ := ctrRun(d, r, nil, id, "true")
			el := time.Since(start)
			if code != 0 {
				t.Fatalf("%s: exit %d %s", id, code, se)
			}
			times[r.name] = append(times[r.name], el)
		}
	}
	med := map[string]time.Duration{}
	for _, r := range rts {
		med[r.name] = ctrMedian(times[r.name])
		t.Logf("ctr run --rm true with %-4s: median %v over %d runs (all: %v)", r.name, med[r.name].Round(time.Millisecond), runs, times[r.name])
	}
	if m, ok := med["runc"]; ok && med["rt"] > m {
		t.Logf("NOTE: rt median %v > runc median %v (target rt <= runc)", med["rt"], m)
	}
	for _, r := range rts {
		ctrWaitLeftovers(t, ctrStateRoot, "/"+ctrNS+"/"+r.name+"-time-0", r.name+"-time-0")
	}
}
