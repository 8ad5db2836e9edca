package integration

// `exec`: a new process in a running (or created) container.
//
// Exit codes follow runc 1.1.5: the exec'd process's own status (128+N when a
// signal killed it); every failure of exec itself (unknown id, stopped or
// paused container, missing executable, empty args) exits execFailCode (255),
// so that it cannot be mistaken for a process that exited 1. Only the CLI's
// argument count check (`exec` without an id) is a usage error with exit 1.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// execFailCode is the exit code of a failed `exec` (runc: fatalWithCode(err, 255)).
const execFailCode = 255

// execIn runs `exec FLAGS... ID CMD...`; the exec'd process's stdout and
// stderr come back in the result (with the runtime's own).
func execIn(c *Ctr, o Opts, flags []string, cmd ...string) Res {
	c.h.t.Helper()
	a := append(append([]string{"exec"}, flags...), c.ID)
	return c.h.RTOpts(o, append(a, cmd...)...)
}

// wantExecFail checks that exec failed with execFailCode and that its output
// contains every one of subs (case-insensitive).
func wantExecFail(t *testing.T, r Res, subs ...string) {
	t.Helper()
	if r.Code != execFailCode {
		t.Errorf("want exit code %d, got %d: %s", execFailCode, r.Code, r)
	}
	for _, s := range subs {
		if !strings.Contains(strings.ToLower(r.Out()), strings.ToLower(s)) {
			t.Errorf("want the error to contain %q: %s", s, r)
		}
	}
}

// startedCtr makes a container running `/probe sleep` (the mutations come
// after, so they may change the args), creates and starts it, and returns it
// with its init pid.
func startedCtr(h *H, mutate ...func(*specs.Spec)) (*Ctr, int) {
	h.t.Helper()
	c := h.NewCtr(append([]func(*specs.Spec){args("/probe", "sleep")}, mutate...)...)
	c.MustCreate()
	c.MustStart()
	return c, c.State().Pid
}

// execDetached runs `exec -d --pid-file F FLAGS... ID CMD...`, wants success,
// records the pid for the leftover check and returns it (the host pid).
func execDetached(t *testing.T, c *Ctr, flags []string, cmd ...string) int {
	t.Helper()
	pidFile := c.h.tempPath("exec-pid")
	os.Remove(pidFile)
	r := execIn(c, Opts{}, append([]string{"-d", "--pid-file", pidFile}, flags...), cmd...)
	wantOK(t, r)
	pid := atoi(readString(t, pidFile))
	if pid <= 0 {
		t.Fatalf("exec -d --pid-file: no pid in the pid file (%q)", readString(t, pidFile))
	}
	c.addPid(pid)
	return pid
}

// ctrProcs lists the pids in the container's cgroup (found from its init).
func ctrProcs(t *testing.T, initPid int) []int {
	t.Helper()
	cg := procCgroups(t, initPid)
	var file string
	if p, ok := cg["pids"]; ok {
		file = filepath.Join("/sys/fs/cgroup/pids", p, "cgroup.procs")
	} else if p, ok := cg[""]; ok {
		file = filepath.Join("/sys/fs/cgroup", p, "cgroup.procs")
	} else {
		t.Fatalf("no pids or v2 cgroup for pid %d: %v", initPid, cg)
	}
	var out []int
	for _, f := range strings.Fields(readString(t, file)) {
		out = append(out, atoi(f))
	}
	return out
}

// wantOnlyInit waits until the container's cgroup holds nothing but its init:
// a failed (or finished) exec left no process behind.
func wantOnlyInit(t *testing.T, initPid int) {
	t.Helper()
	var procs []int
	deadline := time.Now().Add(waitTimeout)
	for {
		procs = ctrProcs(t, initPid)
		if len(procs) == 1 && procs[0] == initPid || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(procs) != 1 || procs[0] != initPid {
		var desc []string
		for _, p := range procs {
			cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p))
			desc = append(desc, fmt.Sprintf("%d %q", p, strings.ReplaceAll(string(cmd), "\x00", " ")))
		}
		t.Errorf("leftover: the container's cgroup holds %v, want only the init %d", desc, initPid)
	}
}

// stateDirNames lists the container's state dir.
func stateDirNames(t *testing.T, c *Ctr) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(c.h.Root, c.ID))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// hostNSLinks reads /proc/PID/ns/* from the host.
func hostNSLinks(t *testing.T, pid int) map[string]string {
	t.Helper()
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/ns", pid))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range ents {
		l, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = l
	}
	return out
}

// procStatus returns one field of /proc/PID/status.
func procStatus(t *testing.T, pid int, key string) string {
	t.Helper()
	for _, l := range strings.Split(readString(t, fmt.Sprintf("/proc/%d/status", pid)), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && k == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func sortedInts(l []int) string {
	l = append([]int{}, l...)
	sort.Ints(l)
	return fmt.Sprint(l)
}

// ---------------------------------------------------------------------------

// TestExecExitCodeAndOutput: stdout and stderr are relayed, the process's
// exit status is exec's, a missing executable is an exec failure.
func TestExecExitCodeAndOutput(t *testing.T) {
	h := newH(t)
	c, pid := startedCtr(h)
	r := execIn(c, Opts{}, nil, "/bin/sh", "-c", "echo to-stdout; echo to-stderr >&2")
	wantOK(t, r)
	if r.Stdout != "to-stdout\n" || !strings.Contains(r.Stderr, "to-stderr\n") || strings.Contains(r.Stdout, "to-stderr") {
		t.Errorf("exec: stdout and stderr not relayed apart: %s", r)
	}
	if r := execIn(c, Opts{}, nil, "/probe", "exit", "3"); r.Code != 3 {
		t.Errorf("exec of a process that exits 3: want exit 3: %s", r)
	}
	if r := execIn(c, Opts{}, nil, "sh", "-c", "kill -9 $$"); r.Code != 128+9 {
		t.Errorf("exec of a process killed by SIGKILL: want exit 137: %s", r)
	}
	for _, tc := range []struct{ arg, want string }{
		{"no-such-binary", "executable file not found"},
		{"/no/such/binary", "no such file or directory"},
	} {
		r := execIn(c, Opts{}, nil, tc.arg)
		wantExecFail(t, r, tc.want, tc.arg)
	}
	wantOnlyInit(t, pid)
	if st := c.State(); st.Status != "running" || st.Pid != pid {
		t.Errorf("after the execs: state %+v, want running with pid %d", st, pid)
	}
}

// TestExecNamespacesCgroupRootfs: the exec'd process is in every namespace
// and the cgroup of the container's init, sees its rootfs and hostname.
func TestExecNamespacesCgroupRootfs(t *testing.T) {
	h := newH(t)
	c, pid := startedCtr(h, func(s *specs.Spec) { s.Hostname = "rt-exec-host" })
	marker := "only-in-" + c.ID
	writeFile(t, filepath.Join(c.Rootfs, marker), "rootfs-marker")
	initNS := hostNSLinks(t, pid)

	// seen from inside
	r := execIn(c, Opts{}, nil, "/probe", "report")
	wantOK(t, r)
	rep := decodeReport(t, r.Stdout)
	if len(rep.Namespaces) == 0 {
		t.Fatalf("the probe saw no namespaces: %v", rep.Errors)
	}
	for n, l := range initNS {
		if rep.Namespaces[n] != l {
			t.Errorf("namespace %s: exec'd process %q, init %q", n, rep.Namespaces[n], l)
		}
	}
	if rep.Pid == 1 || rep.Pid > 1000 {
		t.Errorf("exec'd process has pid %d inside: want a small pid other than the init's 1", rep.Pid)
	}
	if rep.Hostname != "rt-exec-host" {
		t.Errorf("hostname %q, want rt-exec-host", rep.Hostname)
	}
	if r := execIn(c, Opts{}, nil, "/probe", "read", "/"+marker); r.Code != 0 || r.Stdout != "rootfs-marker" {
		t.Errorf("the exec'd process does not see the container's rootfs: %s", r)
	}
	if r := execIn(c, Opts{}, nil, "/bin/sh", "-c", "cat /proc/1/cgroup; echo ---; cat /proc/self/cgroup"); r.Code == 0 {
		initCg, selfCg, _ := strings.Cut(r.Stdout, "---\n")
		if initCg != selfCg {
			t.Errorf("cgroup inside: init %q, exec'd %q", initCg, selfCg)
		}
	} else {
		t.Errorf("exec cat: %s", r)
	}

	// seen from the host
	epid := execDetached(t, c, nil, "/probe", "sleep")
	for n, l := range hostNSLinks(t, epid) {
		if initNS[n] != l {
			t.Errorf("namespace %s of the exec'd process (host pid %d): %q, init %q", n, epid, l, initNS[n])
		}
	}
	if got, want := readString(t, fmt.Sprintf("/proc/%d/cgroup", epid)), readString(t, fmt.Sprintf("/proc/%d/cgroup", pid)); got != want {
		t.Errorf("/proc/%d/cgroup of the exec'd process:\n%s\nwant the init's:\n%s", epid, got, want)
	}
	if !contains(ctrProcs(t, pid), epid) {
		t.Errorf("the exec'd pid %d is not in the container's cgroup.procs %v", epid, ctrProcs(t, pid))
	}
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/root/%s", epid, marker)); err != nil || string(b) != "rootfs-marker" {
		t.Errorf("the root of the exec'd process (host pid %d) is not the container's rootfs: %q %v", epid, b, err)
	}
}

// TestExecEnv: -e / --env add to the config's environment.
func TestExecEnv(t *testing.T) {
	h := newH(t)
	c, _ := startedCtr(h, func(s *specs.Spec) { s.Process.Env = append(s.Process.Env, "FROM_CONFIG=yes") })
	// (runc's CLI refuses -e and --env mixed in one call: each form separately)
	r := execIn(c, Opts{}, []string{"-e", "FOO=bar", "-e", "WITH_SPACE=a b=c"}, "/probe", "report")
	wantOK(t, r)
	rep := decodeReport(t, r.Stdout)
	for k, want := range map[string]string{"FOO": "bar", "WITH_SPACE": "a b=c", "FROM_CONFIG": "yes"} {
		if v, ok := rep.Getenv(k); !ok || v != want {
			t.Errorf("env %s=%q (set %v), want %q; env %q", k, v, ok, want, rep.Env)
		}
	}
	if v, _ := rep.Getenv("PATH"); !strings.Contains(v, "/bin") {
		t.Errorf("PATH from the config lost: %q", rep.Env)
	}
	r = execIn(c, Opts{}, []string{"--env", "LONG=1", "--env", "LONG2=2"}, "/probe", "report")
	wantOK(t, r)
	rep = decodeReport(t, r.Stdout)
	if a, _ := rep.Getenv("LONG"); a != "1" {
		t.Errorf("--env LONG=1: env %q", rep.Env)
	}
	if b, _ := rep.Getenv("LONG2"); b != "2" {
		t.Errorf("--env LONG2=2: env %q", rep.Env)
	}
	// without flags: the config's environment only
	r = execIn(c, Opts{}, nil, "/probe", "report")
	wantOK(t, r)
	rep = decodeReport(t, r.Stdout)
	if _, ok := rep.Getenv("FOO"); ok {
		t.Errorf("FOO leaked into a later exec: %q", rep.Env)
	}
	if v, _ := rep.Getenv("FROM_CONFIG"); v != "yes" {
		t.Errorf("exec without -e: FROM_CONFIG %q, want yes", v)
	}
}

// TestExecCwd: --cwd; without it the config's cwd.
func TestExecCwd(t *testing.T) {
	h := newH(t)
	c, _ := startedCtr(h, func(s *specs.Spec) { s.Process.Cwd = "/home/user" })
	r := execIn(c, Opts{}, []string{"--cwd", "/tmp"}, "/probe", "report")
	wantOK(t, r)
	if rep := decodeReport(t, r.Stdout); rep.Cwd != "/tmp" {
		t.Errorf("--cwd /tmp: cwd %q", rep.Cwd)
	}
	r = execIn(c, Opts{}, nil, "/probe", "report")
	wantOK(t, r)
	if rep := decodeReport(t, r.Stdout); rep.Cwd != "/home/user" {
		t.Errorf("without --cwd: cwd %q, want the config's /home/user", rep.Cwd)
	}
}

// TestExecUser: -u/--user UID[:GID]; without it the config's user.
func TestExecUser(t *testing.T) {
	h := newH(t)
	c, _ := startedCtr(h)
	r := execIn(c, Opts{}, []string{"-u", "1000:1000"}, "/bin/sh", "-c", "id -u; id -g")
	wantOK(t, r)
	if r.Stdout != "1000\n1000\n" {
		t.Errorf("-u 1000:1000: id -u, id -g printed %q", r.Stdout)
	}
	r = execIn(c, Opts{}, []string{"--user", "1000:1001"}, "/probe", "report")
	wantOK(t, r)
	if rep := decodeReport(t, r.Stdout); rep.Uid != 1000 || rep.Euid != 1000 || rep.Gid != 1001 || rep.Egid != 1001 {
		t.Errorf("--user 1000:1001: uid %d euid %d gid %d egid %d", rep.Uid, rep.Euid, rep.Gid, rep.Egid)
	}
	r = execIn(c, Opts{}, nil, "/bin/sh", "-c", "id -u; id -g")
	wantOK(t, r)
	if r.Stdout != "0\n0\n" {
		t.Errorf("without -u: id -u, id -g printed %q, want the config's 0 0", r.Stdout)
	}
}

// TestExecAdditionalGids: -g/--additional-gids, repeated.
func TestExecAdditionalGids(t *testing.T) {
	h := newH(t)
	c, _ := startedCtr(h)
	// (runc's CLI refuses -g and --additional-gids mixed in one call)
	r := execIn(c, Opts{}, []string{"-u", "1000:1000", "-g", "10", "-g", "20"}, "/probe", "report")
	wantOK(t, r)
	rep := decodeReport(t, r.Stdout)
	if g := sortedInts(rep.Groups); g != "[10 20]" && g != "[10 20 1000]" {
		t.Errorf("-g 10 -g 20: supplementary groups %s, want [10 20]", g)
	}
	r = execIn(c, Opts{}, []string{"--additional-gids", "65534"}, "/probe", "report")
	wantOK(t, r)
	if g := sortedInts(decodeReport(t, r.Stdout).Groups); g != "[65534]" && g != "[0 65534]" {
		t.Errorf("--additional-gids 65534 (as root): supplementary groups %s, want [65534]", g)
	}
	r = execIn(c, Opts{}, []string{"-u", "1000:1000"}, "/probe", "report")
	wantOK(t, r)
	if g := sortedInts(decodeReport(t, r.Stdout).Groups); g != "[]" && g != "[1000]" {
		t.Errorf("without -g: supplementary groups %s, want none", g)
	}
}

// TestExecCap: -c/--cap adds a capability the config lacks.
func TestExecCap(t *testing.T) {
	h := newH(t)
	base := []string{"CAP_KILL", "CAP_AUDIT_WRITE"}
	c, _ := startedCtr(h, func(s *specs.Spec) { s.Process.Capabilities = capSets(base, base, base, nil, nil) })
	// (runc's CLI refuses -c and --cap mixed in one call)
	for _, flags := range [][]string{
		{"-c", "CAP_SYS_ADMIN", "-c", "CAP_NET_RAW"},
		{"--cap", "CAP_SYS_ADMIN", "--cap", "CAP_NET_RAW"},
	} {
		r := execIn(c, Opts{}, flags, "/probe", "report")
		wantOK(t, r)
		rep := decodeReport(t, r.Stdout)
		for _, set := range []string{"effective", "bounding", "permitted"} {
			for _, cp := range append([]string{"CAP_SYS_ADMIN", "CAP_NET_RAW"}, base...) {
				if !contains(rep.CapNames[set], cp) {
					t.Errorf("%v: %s lacks %s: %v", flags, set, cp, rep.CapNames[set])
				}
			}
		}
	}
	r := execIn(c, Opts{}, nil, "/probe", "report")
	wantOK(t, r)
	rep := decodeReport(t, r.Stdout)
	for _, set := range []string{"effective", "bounding"} {
		if got := sortedCaps(rep.CapNames[set]); got != sortedCaps(base) {
			t.Errorf("without --cap: %s %s, want the config's %s", set, got, sortedCaps(base))
		}
	}
}

// TestExecNoNewPrivs: --no-new-privs on a container whose config has
// noNewPrivileges false.
func TestExecNoNewPrivs(t *testing.T) {
	h := newH(t)
	c, _ := startedCtr(h, func(s *specs.Spec) { s.Process.NoNewPrivileges = false })
	r := execIn(c, Opts{}, nil, "/probe", "report")
	wantOK(t, r)
	if rep := decodeReport(t, r.Stdout); rep.NoNewPrivs != 0 {
		t.Errorf("without --no-new-privs: NoNewPrivs %d, want the config's 0", rep.NoNewPrivs)
	}
	r = execIn(c, Opts{}, []string{"--no-new-privs"}, "/probe", "report")
	wantOK(t, r)
	if rep := decodeReport(t, r.Stdout); rep.NoNewPrivs != 1 {
		t.Errorf("--no-new-privs: NoNewPrivs %d, want 1", rep.NoNewPrivs)
	}
}

// TestExecProcessFile: -p/--process takes a whole spec.Process.
func TestExecProcessFile(t *testing.T) {
	h := newH(t)
	c, _ := startedCtr(h, func(s *specs.Spec) { s.Process.NoNewPrivileges = false })
	kn := []string{"CAP_KILL", "CAP_NET_BIND_SERVICE"}
	bnd := []string{"CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_CHOWN"}
	p := specs.Process{
		Terminal: false,
		Args:     []string{"/bin/sh", "-c", "echo $(ulimit -Sn) $(ulimit -Hn); exec /probe report from-json"},
		Env:      []string{"PATH=/bin", "FROM_JSON=1"},
		Cwd:      "/tmp",
		User:     specs.User{UID: 1000, GID: 1000, AdditionalGids: []uint32{10}},
		Capabilities: &specs.LinuxCapabilities{
			Bounding: bnd, Effective: kn, Permitted: kn, Inheritable: kn, Ambient: kn,
		},
		Rlimits:         []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: 1000, Soft: 1000}},
		NoNewPrivileges: true,
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	pf := filepath.Join(h.Dir, "process.json")
	writeFile(t, pf, string(b))
	r := execIn(c, Opts{}, []string{"-p", pf})
	wantOK(t, r)
	first, rest, _ := strings.Cut(r.Stdout, "\n")
	if first != "1000 1000" {
		t.Errorf("RLIMIT_NOFILE: ulimit -Sn -Hn %q, want 1000 1000", first)
	}
	rep := decodeReport(t, rest)
	if strings.Join(rep.Args, " ") != "/probe report from-json" {
		t.Errorf("args %q", rep.Args)
	}
	if v, _ := rep.Getenv("FROM_JSON"); v != "1" {
		t.Errorf("env %q, want FROM_JSON=1", rep.Env)
	}
	if _, ok := rep.Getenv("TERM"); ok {
		t.Errorf("the config's env (TERM) was added to the process.json env: %q", rep.Env)
	}
	if rep.Cwd != "/tmp" {
		t.Errorf("cwd %q, want /tmp", rep.Cwd)
	}
	if rep.Uid != 1000 || rep.Gid != 1000 || sortedInts(rep.Groups) != "[10]" {
		t.Errorf("uid %d gid %d groups %v, want 1000 1000 [10]", rep.Uid, rep.Gid, rep.Groups)
	}
	for set, want := range map[string][]string{"bounding": bnd, "effective": kn, "permitted": kn, "inheritable": kn, "ambient": kn} {
		if got := sortedCaps(rep.CapNames[set]); got != sortedCaps(want) {
			t.Errorf("%s: %s, want %s", set, got, sortedCaps(want))
		}
	}
	if got := rep.Rlimits["RLIMIT_NOFILE"]; got.Hard != 1000 {
		t.Errorf("RLIMIT_NOFILE in the probe %+v, want hard 1000", got)
	}
	if rep.NoNewPrivs != 1 {
		t.Errorf("NoNewPrivs %d, want 1", rep.NoNewPrivs)
	}
	for _, s := range rep.Stdio {
		if s.Tty {
			t.Errorf("terminal false: fd %d is a tty", s.Fd)
		}
	}
}

// TestExecPreserveFds: --preserve-fds N passes fds 3..3+N-1 and no more.
func TestExecPreserveFds(t *testing.T) {
	h := newH(t)
	c, _ := startedCtr(h)
	var files []*os.File
	for _, n := range []string{"preserved-3", "not-preserved-4"} {
		p := filepath.Join(h.Dir, n)
		writeFile(t, p, n)
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		files = append(files, f)
	}
	r := execIn(c, Opts{ExtraFiles: files}, []string{"--preserve-fds", "1"}, "/probe", "fds")
	wantOK(t, r)
	var fds map[string]string
	if err := json.Unmarshal([]byte(r.Stdout), &fds); err != nil {
		t.Fatalf("probe fds: %v: %s", err, r)
	}
	if len(fds) != 4 || !strings.HasSuffix(fds["3"], "preserved-3") {
		t.Errorf("--preserve-fds 1: want fds 0-3 with 3 = preserved-3, got %v", fds)
	}
	// the preserved fd is usable from inside
	r = execIn(c, Opts{ExtraFiles: files}, []string{"--preserve-fds", "1"}, "/bin/sh", "-c", "cat <&3")
	if r.Code != 0 || r.Stdout != "preserved-3" {
		t.Errorf("reading the preserved fd 3: %s", r)
	}
}

// TestExecNoLeakedFds: the exec'd process holds 0, 1, 2 and nothing else: no
// fd of the caller (without --preserve-fds), of the runtime or of its init.
func TestExecNoLeakedFds(t *testing.T) {
	h := newH(t)
	// a busybox init: the probe's Go runtime opens an epoll and an eventfd
	// of its own at some point, which would look like a change
	c, pid := startedCtr(h, args("/bin/sleep", "100000"))
	initFds := fdLinks(t, pid)
	p := filepath.Join(h.Dir, "host-secret")
	writeFile(t, p, "x")
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := execIn(c, Opts{ExtraFiles: []*os.File{f}}, nil, "/probe", "fds")
	wantOK(t, r)
	var fds map[string]string
	if err := json.Unmarshal([]byte(r.Stdout), &fds); err != nil {
		t.Fatalf("probe fds: %v: %s", err, r)
	}
	if len(fds) != 3 || fds["0"] == "" || fds["1"] == "" || fds["2"] == "" {
		t.Errorf("exec without --preserve-fds: want exactly fds 0, 1, 2, got %v", fds)
	}
	// busybox ls, as a user would look: 0 1 2 and the listing's own dir fd
	r = execIn(c, Opts{ExtraFiles: []*os.File{f}}, nil, "/bin/ls", "/proc/self/fd")
	wantOK(t, r)
	if got := strings.Fields(r.Stdout); len(got) != 4 || strings.Join(got[:3], " ") != "0 1 2" {
		t.Errorf("ls /proc/self/fd: %q, want 0 1 2 and the directory fd", got)
	}
	// a long-running exec'd process, seen from the host (busybox sleep: the
	// probe's Go runtime would open an epoll and an eventfd of its own)
	epid := execDetached(t, c, nil, "/bin/sleep", "1000")
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", epid))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		l, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", epid, e.Name()))
		if n := atoi(e.Name()); n > 2 {
			t.Errorf("the detached exec'd process holds fd %s -> %s", e.Name(), l)
		}
		if strings.Contains(l, "host-secret") || strings.Contains(l, h.Root) {
			t.Errorf("the exec'd process holds a host file: fd %s -> %s", e.Name(), l)
		}
	}
	// nor did the init gain anything (the probe's Go runtime holds an
	// epoll and an eventfd of its own)
	if got := fdLinks(t, pid); fmt.Sprint(got) != fmt.Sprint(initFds) {
		t.Errorf("the init's fds changed with the execs: %v -> %v", initFds, got)
	}
}

// fdLinks lists /proc/PID/fd as fd -> link.
func fdLinks(t *testing.T, pid int) map[string]string {
	t.Helper()
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range ents {
		out[e.Name()], _ = os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, e.Name()))
	}
	return out
}

// TestExecDetachPidFile: -d returns at once, the process runs on in the
// container; --pid-file holds its host pid; kill --all reaches it.
func TestExecDetachPidFile(t *testing.T) {
	h := newH(t)
	c, pid := startedCtr(h)
	sigFile := "/tmp/sig-" + c.ID
	pidFile := filepath.Join(h.Dir, "exec.pid")
	r := execIn(c, Opts{Timeout: waitTimeout}, []string{"-d", "--pid-file", pidFile}, "/probe", "signal-wait", sigFile)
	wantOK(t, r)
	content := readString(t, pidFile)
	epid := atoi(content)
	if epid <= 0 || strconv.Itoa(epid) != strings.TrimSpace(content) {
		t.Fatalf("pid file %q: want a pid", content)
	}
	c.addPid(epid)
	waitFileContains(t, filepath.Join(c.Rootfs, sigFile), "ready")
	if len(procsAlive([]int{epid})) == 0 {
		t.Fatalf("the exec'd process (pid %d from the pid file) is not alive", epid)
	}
	if cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", epid)); !strings.HasPrefix(string(cmd), "/probe\x00signal-wait\x00") {
		t.Errorf("pid %d from the pid file is %q, not the exec'd process", epid, cmd)
	}
	if got, want := hostNSLinks(t, epid)["pid"], hostNSLinks(t, pid)["pid"]; got != want {
		t.Errorf("the exec'd process's pid namespace %q, want the container's %q", got, want)
	}
	nspid := strings.Fields(procStatus(t, epid, "NSpid"))
	if len(nspid) != 2 || nspid[0] != strconv.Itoa(epid) {
		t.Fatalf("NSpid of the exec'd process: %q, want host pid %d and a container pid", nspid, epid)
	}
	if st := c.State(); st.Pid != pid || st.Status != "running" {
		t.Errorf("state after exec -d: %+v, want the init pid %d running", st, pid)
	}
	// kill --all reaches it; a kill from another exec ends it
	wantOK(t, c.Kill("USR1", "--all"))
	waitFileContains(t, filepath.Join(c.Rootfs, sigFile), "SIGUSR1")
	wantOK(t, execIn(c, Opts{}, nil, "kill", "-TERM", nspid[1]))
	waitFileContains(t, filepath.Join(c.Rootfs, sigFile), "SIGTERM")
	waitFor(t, "the exec'd process to exit", func() bool { return len(procsAlive([]int{epid})) == 0 })
	if st := c.State(); st.Status != "running" {
		t.Errorf("the container stopped with its exec'd process: %+v", st)
	}
}

// TestExecTTY: -t with --console-socket and -d: the pty master arrives on the
// socket and the process's stdio is the pty.
func TestExecTTY(t *testing.T) {
	h := newH(t)
	c, _ := startedCtr(h)
	cr := newConsoleReceiver(t, h.Dir)
	r := execIn(c, Opts{}, []string{"-t", "-d", "--console-socket", cr.path},
		"/bin/sh", "-c", "test -t 0 && test -t 1 && test -t 2 && echo is-a-tty; exec /probe report")
	wantOK(t, r)
	out, err := ptyOutput(t, cr)
	if err != nil {
		t.Fatalf("reading the pty: %v (%q)", err, out)
	}
	if !strings.Contains(out, "is-a-tty") {
		t.Errorf("test -t 0/1/2 failed under exec -t: %q", out)
	}
	i := strings.Index(out, "{")
	if i < 0 {
		t.Fatalf("no report on the pty: %q", out)
	}
	rep := decodeReport(t, out[i:])
	for _, s := range rep.Stdio {
		if !s.Tty || !strings.HasPrefix(s.Link, "/dev/pts/") {
			t.Errorf("fd %d: want the pty, got %+v", s.Fd, s)
		}
	}
}

// ptyOutput receives the pty master on the console socket and reads what
// the process writes to its terminal.
func ptyOutput(t *testing.T, cr *consoleReceiver) (string, error) {
	t.Helper()
	var msg consoleMsg
	select {
	case msg = <-cr.got:
	case <-time.After(cmdTimeout):
		t.Fatal("no message on the console socket")
	}
	if msg.err != nil {
		t.Fatalf("console socket: %v", msg.err)
	}
	defer msg.master.Close()
	return readPty(msg.master, waitTimeout)
}

// TestExecTTYOwner: the pty of a non-root exec process belongs to that user
// (as login does), so it can use its terminal fully.
func TestExecTTYOwner(t *testing.T) {
	h := newH(t)
	c, _ := startedCtr(h)
	cr := newConsoleReceiver(t, h.Dir)
	wantOK(t, execIn(c, Opts{}, []string{"-t", "-d", "-u", "1000:1000", "--console-socket", cr.path},
		"/bin/sh", "-c", `echo "owner=$(stat -c %u $(tty))"`))
	out, _ := ptyOutput(t, cr)
	if !strings.Contains(out, "owner=1000") {
		t.Errorf("the pty of a uid 1000 exec: %q, want owner=1000", out)
	}
}

// TestExecPaused: exec into a paused container fails unless
// --ignore-paused; then the process runs once the container is resumed.
func TestExecPaused(t *testing.T) {
	h := newH(t)
	c, pid := startedCtr(h)
	wantOK(t, h.RT("pause", c.ID))
	c.WaitStatus("paused")
	before := stateDirNames(t, c)
	r := execIn(c, Opts{}, nil, "/bin/sh", "-c", "echo ran > /tmp/ran-plain")
	wantExecFail(t, r, "cannot exec in a paused container", "--ignore-paused")
	wantOnlyInit(t, pid)
	if got := stateDirNames(t, c); strings.Join(got, " ") != strings.Join(before, " ") {
		t.Errorf("the failed exec changed the state dir: %v -> %v", before, got)
	}

	// --ignore-paused -d: accepted. runc 1.1.5 blocks until resume (its init
	// is frozen in the container's cgroup); returning at once is fine too.
	ranFile := filepath.Join(c.Rootfs, "tmp/ran")
	done := make(chan Res, 1)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		done <- execIn(c, Opts{}, []string{"--ignore-paused", "-d"}, "/bin/sh", "-c", "echo ran > /tmp/ran")
	}()
	t.Cleanup(func() { // before the container's cleanup: no log after the test's end
		select {
		case <-finished:
		default:
			h.runQuiet("resume", c.ID)
			<-finished
		}
	})
	var res *Res
	waitFor(t, "exec --ignore-paused to return or join the cgroup", func() bool {
		select {
		case r := <-done:
			res = &r
			return true
		default:
		}
		return len(ctrProcs(t, pid)) > 1
	})
	if res != nil && res.Code != 0 {
		t.Fatalf("exec --ignore-paused -d into a paused container: %s", *res)
	}
	if _, err := os.Stat(ranFile); err == nil {
		t.Errorf("the exec'd process ran while the container was paused")
	}
	if st := c.State(); st.Status != "paused" {
		t.Errorf("exec --ignore-paused changed the status to %q", st.Status)
	}
	wantOK(t, h.RT("resume", c.ID))
	if res == nil {
		select {
		case r := <-done:
			res = &r
		case <-time.After(cmdTimeout + 10*time.Second):
			t.Fatal("exec --ignore-paused did not return after resume")
		}
	}
	if res.Code != 0 {
		t.Fatalf("exec --ignore-paused -d: %s", *res)
	}
	waitFileContains(t, ranFile, "ran")
	wantOnlyInit(t, pid)
	if _, err := os.Stat(filepath.Join(c.Rootfs, "tmp/ran-plain")); err == nil {
		t.Errorf("the refused exec ran")
	}
}

// TestExecStoppedContainer: exec into a stopped container fails and leaves
// the container as it was.
func TestExecStoppedContainer(t *testing.T) {
	h := newH(t)
	c, _ := startedCtr(h)
	wantOK(t, c.Kill("KILL"))
	c.WaitStatus("stopped")
	before := stateDirNames(t, c)
	r := execIn(c, Opts{}, nil, "/bin/sh", "-c", "echo ran > /tmp/ran")
	wantExecFail(t, r, "cannot exec in a stopped container")
	if got := stateDirNames(t, c); strings.Join(got, " ") != strings.Join(before, " ") {
		t.Errorf("the failed exec changed the state dir: %v -> %v", before, got)
	}
	if _, err := os.Stat(filepath.Join(c.Rootfs, "tmp/ran")); err == nil {
		t.Errorf("the exec ran in a stopped container")
	}
	if st := c.State(); st.Status != "stopped" {
		t.Errorf("status %q after the failed exec", st.Status)
	}
	wantOK(t, c.Delete())
	c.AssertNoLeftovers()
}

// TestExecCreatedContainer: runc 1.1.5 allows exec into a created (not yet
// started) container: the process joins the waiting init's namespaces and the
// container stays created until start.
func TestExecCreatedContainer(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(args("/probe", "sleep"))
	c.MustCreate()
	pid := c.State().Pid
	r := execIn(c, Opts{}, nil, "/probe", "report")
	wantOK(t, r)
	rep := decodeReport(t, r.Stdout)
	for n, l := range hostNSLinks(t, pid) {
		if rep.Namespaces[n] != l {
			t.Errorf("namespace %s: exec'd process %q, init %q", n, rep.Namespaces[n], l)
		}
	}
	if st := c.State(); st.Status != "created" || st.Pid != pid {
		t.Errorf("after exec into a created container: %+v, want created with pid %d", st, pid)
	}
	wantOnlyInit(t, pid)
	c.MustStart()
	c.WaitStatus("running")
}

// TestExecErrors: unknown id, no command, no id; nothing left behind.
func TestExecErrors(t *testing.T) {
	h := newH(t)
	c, pid := startedCtr(h)
	before := stateDirNames(t, c)

	r := h.RT("exec", "rtit-no-such-container", "true")
	wantExecFail(t, r, "container does not exist")
	if _, err := os.Stat(filepath.Join(h.Root, "rtit-no-such-container")); err == nil {
		t.Errorf("exec of an unknown id created its state dir")
	}

	// an id without a command: runc checks the args after loading the
	// container ("exec failed: process args cannot be empty")
	r = execIn(c, Opts{}, nil)
	wantExecFail(t, r, "args", "empty")

	// no id at all: a usage error
	r = h.RT("exec")
	wantFail(t, r, "exec")

	wantOnlyInit(t, pid)
	if got := stateDirNames(t, c); strings.Join(got, " ") != strings.Join(before, " ") {
		t.Errorf("the failed execs changed the state dir: %v -> %v", before, got)
	}
	if st := c.State(); st.Status != "running" || st.Pid != pid {
		t.Errorf("after the failed execs: %+v", st)
	}
}

// TestExecSeccomp: the container's seccomp filter applies to exec'd processes.
func TestExecSeccomp(t *testing.T) {
	h := newH(t)
	errno := uint(95) // EOPNOTSUPP: distinctive
	c, _ := startedCtr(h, func(s *specs.Spec) {
		s.Linux.Seccomp = &specs.LinuxSeccomp{
			DefaultAction: specs.ActAllow,
			Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32},
			Syscalls: []specs.LinuxSyscall{{
				Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno, ErrnoRet: &errno,
			}},
		}
	})
	r := execIn(c, Opts{}, nil, "/probe", "mkdir", "/tmp/blocked")
	if r.Code != 1 || !strings.Contains(r.Stderr, "(errno=95)") {
		t.Errorf("mkdir in an exec'd process under seccomp: want exit 1 with errno 95: %s", r)
	}
	if _, err := os.Stat(filepath.Join(c.Rootfs, "tmp/blocked")); err == nil {
		t.Errorf("the blocked mkdir happened")
	}
	if r := execIn(c, Opts{}, nil, "mkdir", "/tmp/blocked-busybox"); r.Code == 0 {
		t.Errorf("busybox mkdir succeeded under seccomp: %s", r)
	}
	r = execIn(c, Opts{}, nil, "/probe", "report")
	wantOK(t, r)
	if rep := decodeReport(t, r.Stdout); rep.Seccomp != 2 {
		t.Errorf("Seccomp mode %d in the exec'd process, want 2 (filter)", rep.Seccomp)
	}
}

// TestExecInheritsConfig: without flags the exec'd process gets the config's
// capabilities, rlimits, user and noNewPrivileges.
func TestExecInheritsConfig(t *testing.T) {
	h := newH(t)
	three := []string{"CAP_KILL", "CAP_CHOWN", "CAP_AUDIT_WRITE"}
	bnd := append([]string{"CAP_SETUID"}, three...)
	c, _ := startedCtr(h, func(s *specs.Spec) {
		s.Process.Capabilities = capSets(bnd, three, three, nil, nil)
		s.Process.Rlimits = []specs.POSIXRlimit{
			{Type: "RLIMIT_NOFILE", Hard: 512, Soft: 256},
			{Type: "RLIMIT_CORE", Hard: 4096, Soft: 1024},
		}
		s.Process.NoNewPrivileges = true
	})
	r := execIn(c, Opts{}, nil, "/bin/sh", "-c", "echo $(ulimit -Sn) $(ulimit -Hn); exec /probe report")
	wantOK(t, r)
	first, rest, _ := strings.Cut(r.Stdout, "\n")
	if first != "256 512" {
		t.Errorf("RLIMIT_NOFILE of the exec'd process: %q, want the config's 256 512", first)
	}
	rep := decodeReport(t, rest)
	if got := rep.Rlimits["RLIMIT_CORE"]; got != (Rlimit{1024, 4096}) {
		t.Errorf("RLIMIT_CORE %+v, want the config's 1024/4096", got)
	}
	for set, want := range map[string][]string{"effective": three, "permitted": three, "bounding": bnd, "inheritable": nil, "ambient": nil} {
		if got := sortedCaps(rep.CapNames[set]); got != sortedCaps(want) {
			t.Errorf("%s: %s, want the config's %s", set, got, sortedCaps(want))
		}
	}
	if rep.NoNewPrivs != 1 {
		t.Errorf("NoNewPrivs %d, want the config's 1", rep.NoNewPrivs)
	}
	if rep.Uid != 0 || rep.Gid != 0 {
		t.Errorf("uid %d gid %d, want the config's 0 0", rep.Uid, rep.Gid)
	}
}

// TestExecKillAllAndDeleteForce: kill --all and delete --force end the
// detached exec'd processes too, also without a pid namespace (where killing
// the init does not take the others with it).
func TestExecKillAllAndDeleteForce(t *testing.T) {
	h := newH(t)
	for _, pidNS := range []bool{true, false} {
		for _, how := range []string{"kill --all", "delete --force"} {
			t.Logf("--- %s, own pid namespace %v", how, pidNS)
			var mut []func(*specs.Spec)
			if !pidNS {
				mut = append(mut, dropNS(specs.PIDNamespace))
			}
			c, pid := startedCtr(h, mut...)
			e1 := execDetached(t, c, nil, "/probe", "sleep")
			e2 := execDetached(t, c, nil, "/bin/sh", "-c", "/probe sleep & exec /probe sleep")
			waitFor(t, "the exec'd processes in the cgroup", func() bool { return len(ctrProcs(t, pid)) >= 4 })
			all := ctrProcs(t, pid)
			for _, p := range all {
				c.addPid(p)
			}
			if !contains(all, e1) || !contains(all, e2) {
				t.Errorf("cgroup.procs %v lacks the exec'd pids %d %d", all, e1, e2)
			}
			if how == "kill --all" {
				wantOK(t, c.Kill("KILL", "--all"))
				c.WaitStatus("stopped")
				wantOK(t, c.Delete())
			} else {
				wantOK(t, c.Delete("--force"))
			}
			c.AssertNoLeftovers()
			if alive := procsAlive(all); len(alive) > 0 {
				t.Errorf("%s (pid ns %v): processes survive: %v", how, pidNS, alive)
			}
		}
	}
}

// TestExecSubCgroup: --cgroup puts the process in an existing sub-cgroup of
// the container's, in one hierarchy ("pids:sub") or all ("sub"); a missing
// one is an error and nothing runs.
func TestExecSubCgroup(t *testing.T) {
	h := newH(t)
	c, pid := startedCtr(h)
	cg := procCgroups(t, pid)
	var pidsDir string
	for _, hier := range cgroupHierarchies(t) {
		if hier.key == "pids" {
			pidsDir = filepath.Join(hier.mountpoint, cg["pids"])
		}
	}
	if pidsDir == "" {
		t.Skip("no v1 pids hierarchy")
	}
	if err := os.Mkdir(filepath.Join(pidsDir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	epid := execDetached(t, c, []string{"--cgroup", "pids:sub"}, "/bin/sleep", "100")
	got := procCgroups(t, epid)
	if got["pids"] != cg["pids"]+"/sub" {
		t.Errorf("pids cgroup of the exec'd process %q, want %q", got["pids"], cg["pids"]+"/sub")
	}
	if got["memory"] != cg["memory"] {
		t.Errorf("memory cgroup %q, want the container's %q", got["memory"], cg["memory"])
	}
	wantExecFail(t, execIn(c, Opts{}, []string{"--cgroup", "nosuch"}, "/bin/true"), "sub-cgroup", "does not exist")
	wantExecFail(t, execIn(c, Opts{}, []string{"--cgroup", "pids:../../escape"}, "/bin/true"), "invalid sub-cgroup")
	wantOK(t, c.Delete("--force"))
	c.AssertNoLeftovers()
}
