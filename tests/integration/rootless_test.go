package integration

// Rootless: the runtime run by an unprivileged user (uid/gid 65534 through
// setpriv), with a config from `spec --rootless`.

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

const rlID = 65534 // the unprivileged user (nobody/nogroup)

// rlEnv is one rootless test's environment: a world-traversable dir under
// /tmp (the harness's temp dirs are reachable, but a rootless runtime must
// also write its bundle's config.json and its state), and an
// XDG_RUNTIME_DIR owned by the user.
type rlEnv struct {
	t   *testing.T
	rh  *H     // Dir: the world-traversable dir; Root: the default rootless state root
	dir string // world-traversable (0755, root)
	xdg string // $XDG_RUNTIME_DIR (0700, the user)
}

func newRootless(t *testing.T) *rlEnv {
	t.Helper()
	newH(t) // skips as non-root, marks the test parallel
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Fatalf("rootless tests need setpriv (util-linux): %v", err)
	}
	dir, err := os.MkdirTemp("", "rtit-rootless-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) }) // registered first: runs after the containers' cleanups
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	xdg := filepath.Join(dir, "xdg")
	if err := os.Mkdir(xdg, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(xdg, rlID, rlID); err != nil {
		t.Fatal(err)
	}
	// the runtime's default root for an unprivileged user: $XDG_RUNTIME_DIR/<name>
	// (rt: .../rt, runc: .../runc)
	return &rlEnv{t: t, rh: &H{t: t, Dir: dir, Root: filepath.Join(xdg, rtName)}, dir: dir, xdg: xdg}
}

// rt runs the runtime as the user, with XDG_RUNTIME_DIR set and no --root
// (unless o.Global gives one).
func (e *rlEnv) rt(o Opts, args ...string) Res {
	e.t.Helper()
	o.Wrap = []string{"setpriv", "--reuid", fmt.Sprint(rlID), "--regid", fmt.Sprint(rlID), "--clear-groups"}
	o.NoRoot = true
	o.Env = append(o.Env, "XDG_RUNTIME_DIR="+e.xdg, "HOME=/nonexistent", "USER=nobody", "LOGNAME=nobody")
	return e.rh.RTOpts(o, args...)
}

// bundle makes a bundle the user owns, with a config.json written by `spec
// --rootless` run as the user (c.Spec is what it wrote, then terminal
// false); cleanup force-deletes (as root) and checks for leftovers.
func (e *rlEnv) bundle() *Ctr {
	t := e.t
	t.Helper()
	id := e.rh.NewID()
	c := &Ctr{h: e.rh, ID: id, Bundle: filepath.Join(e.dir, id)}
	c.Rootfs = filepath.Join(c.Bundle, "rootfs")
	c.Out = filepath.Join(e.dir, id+".out")
	c.Err = filepath.Join(e.dir, id+".err")
	if err := os.Mkdir(c.Bundle, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(c.Bundle, rlID, rlID); err != nil {
		t.Fatal(err)
	}
	if err := copyTree(templateDir, c.Rootfs); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.cleanup)
	wantOK(t, e.rt(Opts{}, "spec", "--rootless", "-b", c.Bundle))
	b, err := os.ReadFile(filepath.Join(c.Bundle, "config.json"))
	if err != nil {
		t.Fatalf("spec --rootless wrote no config.json: %v", err)
	}
	var s specs.Spec
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("spec --rootless wrote an invalid config.json: %v", err)
	}
	if s.Process == nil || s.Linux == nil {
		t.Fatalf("spec --rootless: no process or linux section")
	}
	s.Process.Terminal = false
	c.Spec = &s
	return c
}

// state runs `state` as the user.
func (e *rlEnv) state(c *Ctr) (*State, Res) {
	e.t.Helper()
	r := e.rt(Opts{}, "state", c.ID)
	if r.Code != 0 {
		return nil, r
	}
	var st State
	if err := json.Unmarshal([]byte(r.Stdout), &st); err != nil {
		e.t.Fatalf("state output is not JSON: %v\n%s", err, r)
	}
	return &st, r
}

func rlWantSingleMap(t *testing.T, what string, m []specs.LinuxIDMapping) {
	t.Helper()
	if len(m) != 1 || m[0].ContainerID != 0 || m[0].HostID != rlID || m[0].Size != 1 {
		t.Errorf("%s: %+v, want one mapping 0 → %d size 1", what, m, rlID)
	}
}

// TestRootlessSpecRun: `spec --rootless` maps the caller to root in a user
// namespace, with no network namespace and no resources; `run` as the user
// runs it (uid 0 inside), relays the exit code and keeps its state under
// $XDG_RUNTIME_DIR.
func TestRootlessSpecRun(t *testing.T) {
	e := newRootless(t)
	c := e.bundle()
	s := c.Spec
	if !hasNS(s, specs.UserNamespace) {
		t.Errorf("spec --rootless: no user namespace: %+v", s.Linux.Namespaces)
	}
	if hasNS(s, specs.NetworkNamespace) {
		t.Errorf("spec --rootless: a network namespace (a rootless runtime cannot set one up): %+v", s.Linux.Namespaces)
	}
	rlWantSingleMap(t, "uidMappings", s.Linux.UIDMappings)
	rlWantSingleMap(t, "gidMappings", s.Linux.GIDMappings)
	if r := s.Linux.Resources; r != nil && (r.Memory != nil || r.CPU != nil || r.Pids != nil || len(r.Devices) > 0) {
		t.Errorf("spec --rootless sets resources: %+v", r)
	}
	for _, m := range s.Mounts {
		if m.Destination == "/sys" && !contains(m.Options, "rbind") {
			t.Errorf("spec --rootless: /sys is not an rbind: %+v", m)
		}
	}

	s.Process.Args = []string{"/bin/sh", "-c", "id; cat /proc/self/uid_map; exit 7"}
	c.WriteSpec()
	r := e.rt(Opts{}, "run", "--bundle", c.Bundle, c.ID)
	if r.Code != 7 {
		t.Errorf("run: want the container's exit code 7: %s", r)
	}
	if !strings.Contains(r.Stdout, "uid=0(root) gid=0(root)") {
		t.Errorf("id inside a rootless container: %q, want uid=0(root) gid=0(root)", r.Stdout)
	}
	if !strings.Contains(unsMapLines(r.Stdout), fmt.Sprintf("0 %d 1", rlID)) {
		t.Errorf("uid_map inside: %q, want `0 %d 1`", r.Stdout, rlID)
	}
	// the default root was used, and the container is gone from it
	if st, err := os.Stat(e.rh.Root); err != nil {
		t.Errorf("no state root %s under $XDG_RUNTIME_DIR: %v", e.rh.Root, err)
	} else if u, _ := unsHostOwner(t, e.rh.Root); u != rlID || !st.IsDir() {
		t.Errorf("state root %s is owned by %d, want the user %d", e.rh.Root, u, rlID)
	}
	if _, err := os.Lstat(filepath.Join(e.rh.Root, c.ID)); err == nil {
		t.Errorf("the state dir of a finished `run` is left in %s", e.rh.Root)
	}
	if _, err := os.Lstat(filepath.Join("/run", rtName, c.ID)); err == nil {
		t.Errorf("a rootless run wrote its state to /run/%s", rtName)
	}
}

// TestRootlessDetachedExecKill: run -d, exec (uid 0 inside, the user's uid on
// the host), ps, kill --all, delete, all as the user.
func TestRootlessDetachedExecKill(t *testing.T) {
	e := newRootless(t)
	c := e.bundle()
	c.Spec.Process.Args = []string{"/probe", "sleep"}
	c.WriteSpec()
	wantOK(t, e.rt(Opts{Stdout: c.Out, Stderr: c.Err}, "run", "-d", "--bundle", c.Bundle, c.ID))
	st, r := e.state(c)
	if st == nil {
		t.Fatalf("state as the user: %s", r)
	}
	c.addPid(st.Pid)
	if st.Status != "running" || st.Pid <= 0 {
		t.Fatalf("after run -d: %+v", st)
	}
	if _, err := os.Stat(filepath.Join(e.rh.Root, c.ID)); err != nil {
		t.Errorf("no state dir under $XDG_RUNTIME_DIR/%s: %v", rtName, err)
	}
	if got := unsStatusIDs(t, st.Pid, "Uid"); got != "65534 65534 65534 65534" {
		t.Errorf("the init's Uid on the host: %q, want the user's", got)
	}
	// the user cannot create a cgroup and the config sets no resources: none
	if cg := cgroupDirsNamed(c.ID); len(cg) != 0 {
		t.Errorf("a rootless container without resources has cgroups %v", cg)
	}

	r = e.rt(Opts{}, "exec", c.ID, "/bin/id", "-u")
	wantOK(t, r)
	if strings.TrimSpace(r.Stdout) != "0" {
		t.Errorf("exec id -u: %q, want 0", r.Stdout)
	}
	pidFile := filepath.Join(e.xdg, "exec.pid")
	wantOK(t, e.rt(Opts{}, "exec", "-d", "--pid-file", pidFile, c.ID, "/probe", "sleep"))
	epid := atoi(readString(t, pidFile))
	if epid <= 0 {
		t.Fatalf("exec pid file: %q", readString(t, pidFile))
	}
	c.addPid(epid)
	if got := unsStatusIDs(t, epid, "Uid"); got != "65534 65534 65534 65534" {
		t.Errorf("the exec'd process's Uid on the host: %q, want the user's", got)
	}
	l1, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/user", st.Pid))
	l2, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/user", epid))
	if l1 == "" || l1 != l2 || l1 == hostNS(t, "user") {
		t.Errorf("user ns: init %q, exec'd %q, host %q", l1, l2, hostNS(t, "user"))
	}

	r = e.rt(Opts{}, "ps", "-f", "json", c.ID)
	wantOK(t, r)
	var pids []int
	if err := json.Unmarshal([]byte(r.Stdout), &pids); err != nil {
		t.Fatalf("ps -f json: %v: %s", err, r)
	}
	if !contains(pids, st.Pid) || !contains(pids, epid) {
		t.Errorf("ps -f json: %v, want the init %d and the exec'd %d", pids, st.Pid, epid)
	}

	wantOK(t, e.rt(Opts{}, "kill", "--all", c.ID, "KILL"))
	waitFor(t, "the container's processes to die", func() bool {
		return len(procsAlive([]int{st.Pid, epid})) == 0
	})
	waitFor(t, "status stopped", func() bool {
		s, _ := e.state(c)
		return s != nil && s.Status == "stopped"
	})
	wantOK(t, e.rt(Opts{}, "delete", c.ID))
	if _, err := os.Lstat(filepath.Join(e.rh.Root, c.ID)); err == nil {
		t.Errorf("state dir left after delete")
	}
	if s, _ := e.state(c); s != nil {
		t.Errorf("state after delete: %+v", s)
	}
	c.AssertNoLeftovers()
}

// TestRootlessResourcesFail: a rootless container with resources cannot get
// its cgroup: the runtime fails with a permission error and leaves nothing.
func TestRootlessResourcesFail(t *testing.T) {
	e := newRootless(t)
	c := e.bundle()
	c.Spec.Process.Args = []string{"/probe", "sleep"}
	limit := int64(20)
	if c.Spec.Linux.Resources == nil {
		c.Spec.Linux.Resources = &specs.LinuxResources{}
	}
	c.Spec.Linux.Resources.Pids = &specs.LinuxPids{Limit: &limit}
	c.WriteSpec()
	r := e.rt(Opts{Stdout: c.Out, Stderr: c.Err}, "run", "-d", "--bundle", c.Bundle, c.ID)
	wantFail(t, r, "permission denied")
	c.AssertNoLeftovers()
}

// TestRootlessRootNotWritable: a state root the user cannot create or write
// is a clear error, and nothing is created there.
func TestRootlessRootNotWritable(t *testing.T) {
	e := newRootless(t)
	c := e.bundle()
	c.Spec.Process.Args = []string{"/probe", "exit", "0"}
	c.WriteSpec()
	existing := filepath.Join(e.dir, "root-owned") // 0755 root: not writable by the user
	if err := os.Mkdir(existing, 0o755); err != nil {
		t.Fatal(err)
	}
	missing := fmt.Sprintf("/run/rtit-notwritable-%s", filepath.Base(e.dir))
	t.Cleanup(func() { os.RemoveAll(missing) })
	for _, root := range []string{missing, existing} {
		r := e.rt(Opts{Global: []string{"--root", root}}, "run", "--bundle", c.Bundle, c.ID)
		wantFail(t, r, "permission denied", root)
		if root == missing {
			if _, err := os.Lstat(missing); err == nil {
				t.Errorf("%s was created", missing)
			}
		} else if names, _ := os.ReadDir(existing); len(names) != 0 {
			t.Errorf("something was created in %s: %v", existing, names)
		}
	}
	c.AssertNoLeftovers()
}
