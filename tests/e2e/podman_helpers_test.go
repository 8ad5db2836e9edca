package e2e

// Helpers of the podman end-to-end tests (podman_test.go): a private podman
// (containers.conf, storage.conf, graphroot, runroot, tmpdir, the runtime's
// own --root) under one temporary directory, an image imported from a
// busybox rootfs, and a teardown that checks for leftovers.
//
// Environment:
//
//	RT_BINARY              the rt binary (default ../../rt)
//	RT_E2E_PODMAN_RUNTIME  the runtime under test: "rt" (default), or "runc",
//	                       "crun" or a path, to check the tests themselves
//	RT_E2E_PODMAN_TIMING   number of timed runs per runtime (default 10; 0 skips)

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	pmImage      = "localhost/rt-e2e-bb"
	pmCmdTimeout = 60 * time.Second
	pmDirPrefix  = "rt-e2e-podman-"
)

// pmProbe is what pmSetup finds out once per test binary.
type pmProbe struct {
	skip    string // non-empty: why the podman tests skip
	podman  string
	rtPath  string // absolute path of rt
	runtime string // value of --runtime for the runtime under test
}

var (
	pmProbeOnce sync.Once
	pmProbed    pmProbe
)

// pmEnv is one private podman installation.
type pmEnv struct {
	t       *testing.T
	dir     string // everything lives under here
	graph   string
	run     string
	tmp     string
	conf    string
	storage string
	runtime string
	rtPath  string
	helper  string // the helper inside the image ("" if none)
	base    []string
	envv    []string

	mu  sync.Mutex
	ids map[string]bool // container ids created (for the leftover checks)
}

// pmResult is the outcome of one command.
type pmResult struct {
	args   []string
	stdout string
	stderr string
	code   int // exit status; -1 if it did not run or timed out
	err    error
}

func (r pmResult) String() string {
	return fmt.Sprintf("podman %s: exit %d (err %v)\nstdout: %q\nstderr: %q",
		strings.Join(r.args, " "), r.code, r.err, r.stdout, r.stderr)
}

// pmSetup skips the test when podman cannot be driven here, else returns
// the probe results (found once per test binary).
func pmSetup(t *testing.T) pmProbe {
	t.Helper()
	pmProbeOnce.Do(func() { pmProbed = pmDoProbe() })
	if pmProbed.skip != "" {
		t.Skip(pmProbed.skip)
	}
	return pmProbed
}

func pmDoProbe() pmProbe {
	var p pmProbe
	if os.Geteuid() != 0 {
		p.skip = "podman e2e tests need root (rootful podman, cgroups, mounts)"
		return p
	}
	var err error
	if p.podman, err = exec.LookPath("podman"); err != nil {
		p.skip = "podman not installed (apt-get install podman): " + err.Error()
		return p
	}
	if _, err := exec.LookPath("conmon"); err != nil {
		p.skip = "conmon not installed (apt-get install conmon): " + err.Error()
		return p
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		p.skip = "busybox-static is needed for the image: " + err.Error()
		return p
	}
	bin := os.Getenv("RT_BINARY")
	if bin == "" {
		bin = "../../rt"
	}
	if !strings.Contains(bin, "/") {
		if lp, err := exec.LookPath(bin); err == nil {
			bin = lp
		}
	}
	if p.rtPath, err = filepath.Abs(bin); err != nil {
		p.skip = err.Error()
		return p
	}
	if st, err := os.Stat(p.rtPath); err != nil || st.Mode()&0o111 == 0 {
		p.skip = fmt.Sprintf("rt binary %s not found or not executable (run `make rt` or set RT_BINARY): %v", p.rtPath, err)
		return p
	}
	p.runtime = "rt"
	if r := os.Getenv("RT_E2E_PODMAN_RUNTIME"); r != "" {
		p.runtime = r
	}
	return p
}

// pmNewEnv creates the private podman installation, the image, and
// registers the teardown (with the leftover checks) on t.
func pmNewEnv(t *testing.T, p pmProbe) *pmEnv {
	t.Helper()
	pmRemoveStale(t)
	dir, err := os.MkdirTemp("", pmDirPrefix)
	if err != nil {
		t.Fatal(err)
	}
	e := &pmEnv{
		t:       t,
		dir:     dir,
		graph:   filepath.Join(dir, "graph"),
		run:     filepath.Join(dir, "run"),
		tmp:     filepath.Join(dir, "tmp"),
		conf:    filepath.Join(dir, "containers.conf"),
		storage: filepath.Join(dir, "storage.conf"),
		runtime: p.runtime,
		rtPath:  p.rtPath,
		ids:     map[string]bool{},
	}
	hadParent := pmLibpodParentExists()
	t.Cleanup(func() {
		e.teardown()
		if !hadParent {
			pmRemoveLibpodParent(t)
		}
	})
	for _, d := range []string{e.graph, e.run, e.tmp} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	conf := fmt.Sprintf(`[containers]
# podman 4.3 asks for 1048576 open files and processes by default: above
# this machine's hard limits.
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = %q
tmp_dir = %q
runtime_supports_json = ["crun", "runc", "kata", "runsc", "youki", "krun", "rt"]

[engine.runtimes]
rt = [%q]
`, filepath.Join(e.tmp, "events.log"), e.tmp, e.rtPath)
	storage := fmt.Sprintf("[storage]\ndriver = \"overlay\"\ngraphroot = %q\nrunroot = %q\n", e.graph, e.run)
	if err := os.WriteFile(e.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(e.storage, []byte(storage), 0o644); err != nil {
		t.Fatal(err)
	}
	e.envv = append(pmFilterEnv(os.Environ()),
		"CONTAINERS_CONF="+e.conf, "CONTAINERS_STORAGE_CONF="+e.storage)
	e.base = []string{"--root", e.graph, "--runroot", e.run, "--tmpdir", e.tmp,
		"--cgroup-manager", "cgroupfs", "--events-backend", "file"}

	rootfs := filepath.Join(dir, "rootfs")
	if err := pmMakeRootfs(rootfs); err != nil {
		t.Fatal("rootfs: ", err)
	}
	if h, err := pmBuildHelper(filepath.Join(dir, "helper-src"), filepath.Join(rootfs, "bin", "pmhelper")); err != nil {
		t.Logf("static helper not built (the seccomp checks will skip): %v", err)
	} else {
		e.helper = h
	}
	tarc := exec.Command("tar", "-C", rootfs, "-c", ".")
	tarOut, err := tarc.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := tarc.Start(); err != nil {
		t.Fatal("tar: ", err)
	}
	r := e.podmanIn(tarOut, pmCmdTimeout, "import", "-q", "--change", "ENV=PATH=/bin",
		"--change", `CMD=["/bin/sh"]`, "-", pmImage)
	_ = tarc.Wait()
	if r.code != 0 {
		t.Fatalf("import of the image: %v", r)
	}
	os.RemoveAll(rootfs)
	return e
}

// pmFilterEnv drops the caller's container configuration variables.
func pmFilterEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		if strings.HasPrefix(kv, "CONTAINERS_") || strings.HasPrefix(kv, "CONTAINER_HOST=") {
			continue
		}
		out = append(out, kv)
	}
	if os.Getenv("PATH") == "" {
		out = append(out, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
	}
	return out
}

// pmMakeRootfs lays out a busybox root: /bin with every applet, /etc/passwd
// with root and a uid 1000, and the usual empty directories.
func pmMakeRootfs(root string) error {
	for _, d := range []string{"bin", "etc", "tmp", "proc", "sys", "dev", "root", "data", "var/tmp", "run"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return err
		}
	}
	if err := os.Chmod(filepath.Join(root, "tmp"), 0o1777); err != nil {
		return err
	}
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(root, "bin", "busybox"), bb, 0o755); err != nil {
		return err
	}
	out, err := exec.Command("/bin/busybox", "--list").Output()
	if err != nil {
		return fmt.Errorf("busybox --list: %v", err)
	}
	for _, a := range strings.Fields(string(out)) {
		if a == "busybox" || strings.Contains(a, "/") {
			continue
		}
		if err := os.Symlink("busybox", filepath.Join(root, "bin", a)); err != nil && !os.IsExist(err) {
			return err
		}
	}
	files := map[string]string{
		"etc/passwd":   "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/tmp:/bin/sh\n",
		"etc/group":    "root:x:0:\nuser:x:1000:\n",
		"etc/hostname": "rt-e2e\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// pmHelperSrc is a static helper put into the image for what busybox cannot
// do: personality(ADDR_NO_RANDOMIZE), a call the default seccomp profile
// blocks whatever the capabilities.
const pmHelperSrc = `package main

import (
	"fmt"
	"os"
	"syscall"
)

func main() {
	if len(os.Args) < 2 {
		os.Exit(2)
	}
	switch os.Args[1] {
	case "personality":
		// ADDR_NO_RANDOMIZE (what setarch -R asks for): the default
		// profiles allow personality(2) only for a few other values.
		_, _, e := syscall.RawSyscall(syscall.SYS_PERSONALITY, 0x0040000, 0, 0)
		if e != 0 {
			fmt.Printf("personality: errno %d (%v)\n", int(e), e)
			os.Exit(1)
		}
		fmt.Println("personality: ok")
	default:
		os.Exit(2)
	}
}
`

func pmBuildHelper(srcDir, out string) (string, error) {
	goBin, err := exec.LookPath("go") // `go test` puts its own go first in PATH
	if err != nil {
		return "", errors.New("no go toolchain to build it")
	}
	if err := os.MkdirAll(srcDir, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(srcDir, "main.go"), []byte(pmHelperSrc), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(srcDir, "go.mod"), []byte("module pmhelper\n\ngo 1.21\n"), 0o644); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "build", "-trimpath", "-o", out, ".")
	cmd.Dir = srcDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=", "GOWORK=off", "GOTOOLCHAIN=local")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v: %s", err, b)
	}
	return "/bin/pmhelper", nil
}

// podman runs podman with the private configuration and the runtime under
// test (unless args name one with --runtime already).
func (e *pmEnv) podman(args ...string) pmResult {
	return e.podmanIn(nil, pmCmdTimeout, args...)
}

func (e *pmEnv) podmanIn(stdin io.Reader, timeout time.Duration, args ...string) pmResult {
	return e.podmanRuntime(e.runtime, stdin, timeout, args...)
}

// podmanRuntime runs podman with --runtime rtName ("" for none).
func (e *pmEnv) podmanRuntime(rtName string, stdin io.Reader, timeout time.Duration, args ...string) pmResult {
	full := append([]string{}, e.base...)
	if rtName != "" {
		// No --runtime-flag root=: conmon's exit command (podman container
		// cleanup) does not pass runtime flags on, so the runtime's state
		// must be where podman finds it without them, its default root.
		full = append(full, "--runtime", rtName)
	}
	full = append(full, args...)
	return e.exec(stdin, timeout, nil, "podman", full...)
}

func (e *pmEnv) exec(stdin io.Reader, timeout time.Duration, wrap []string, name string, args ...string) pmResult {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	argv := append(append(append([]string{}, wrap...), name), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = e.envv
	cmd.Stdin = stdin
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	res := pmResult{args: args, stdout: so.String(), stderr: se.String(), code: -1, err: err}
	if cmd.ProcessState != nil {
		res.code = cmd.ProcessState.ExitCode()
	}
	if ctx.Err() != nil {
		res.err = fmt.Errorf("timed out after %v", timeout)
		res.code = -1
	}
	e.noteIDs(res.stdout)
	return res
}

var pmIDRe = regexp.MustCompile(`\b[0-9a-f]{64}\b`)

func (e *pmEnv) noteIDs(out string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, id := range pmIDRe.FindAllString(out, -1) {
		e.ids[id] = true
	}
}

// must runs podman and fails the test unless it exits 0; returns stdout.
func (e *pmEnv) must(t *testing.T, args ...string) string {
	t.Helper()
	r := e.podman(args...)
	if r.code != 0 {
		t.Fatalf("%v", r)
	}
	return r.stdout
}

// runArgs is `podman run --network none` (unless args pick a network) plus args.
func pmRunArgs(args ...string) []string {
	out := []string{"run"}
	hasNet := false
	for _, a := range args {
		if strings.HasPrefix(a, "--network") || a == "--net" {
			hasNet = true
		}
	}
	if !hasNet {
		out = append(out, "--network", "none")
	}
	return append(out, args...)
}

// runOut runs `podman run --rm` with opts, the image, and cmd; fails unless exit 0.
func (e *pmEnv) runOut(t *testing.T, opts []string, cmd ...string) string {
	t.Helper()
	args := pmRunArgs(append(append([]string{"--rm"}, opts...), pmImage)...)
	return strings.TrimSpace(e.must(t, append(args, cmd...)...))
}

// runSh is runOut with `sh -c script`.
func (e *pmEnv) runSh(t *testing.T, opts []string, script string) string {
	t.Helper()
	return e.runOut(t, opts, "sh", "-c", script)
}

// detach starts a detached container running script; returns its id and
// removes it at the end of t.
func (e *pmEnv) detach(t *testing.T, opts []string, script string) string {
	t.Helper()
	args := pmRunArgs(append(append([]string{"-d"}, opts...), pmImage, "sh", "-c", script)...)
	id := strings.TrimSpace(e.must(t, args...))
	if !pmIDRe.MatchString(id) {
		t.Fatalf("podman run -d printed %q, not an id", id)
	}
	t.Cleanup(func() {
		// A container being created at this moment (the subtests run in
		// parallel) holds copies of every host mount until its pivot_root
		// drops them, locked if it has a user namespace: the kernel then
		// refuses to remove this one's shm mountpoint (EBUSY) for that
		// instant, whatever the runtime. Retry briefly.
		var r pmResult
		for i := 0; i < 10; i++ {
			if r = e.podman("rm", "-f", "-i", "-t", "0", id); r.code == 0 || !strings.Contains(r.stderr, "resource busy") {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if r.code != 0 {
			t.Errorf("cleanup: %v", r)
		}
	})
	return id
}

func (e *pmEnv) inspect(t *testing.T, id, format string) string {
	t.Helper()
	return strings.TrimSpace(e.must(t, "inspect", "--format", format, id))
}

func (e *pmEnv) pid(t *testing.T, id string) int {
	t.Helper()
	s := e.inspect(t, id, "{{.State.Pid}}")
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		t.Fatalf("pid of %s: %q", id, s)
	}
	return n
}

// pmCgroupPath is the path of pid's cgroup in the v1 hierarchy of controller
// (or the unified one for "").
func pmCgroupPath(pid int, controller string) (string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			if c == controller {
				return parts[2], nil
			}
		}
	}
	return "", fmt.Errorf("no %q line in /proc/%d/cgroup: %s", controller, pid, b)
}

// pmHostCgroupFile reads file of the container's cgroup on the host.
func pmHostCgroupFile(t *testing.T, pid int, controller, file string) string {
	t.Helper()
	p, err := pmCgroupPath(pid, controller)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join("/sys/fs/cgroup", controller, p, file))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// pmPoll retries f until it returns true or d passes.
func pmPoll(d time.Duration, f func() bool) bool {
	end := time.Now().Add(d)
	for {
		if f() {
			return true
		}
		if time.Now().After(end) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// pmCapEff returns the CapEff mask of a /proc/<pid>/status text.
func pmStatusField(status, field string) string {
	sc := bufio.NewScanner(strings.NewReader(status))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// pmMedian of durations.
func pmMedian(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration{}, d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// eventIDs are the container ids in the private events log.
func (e *pmEnv) eventIDs() []string {
	b, err := os.ReadFile(filepath.Join(e.tmp, "events.log"))
	if err != nil {
		return nil
	}
	seen := map[string]bool{}
	var ids []string
	for _, line := range strings.Split(string(b), "\n") {
		var ev struct{ ID, Type string }
		if json.Unmarshal([]byte(line), &ev) == nil && ev.Type == "container" && pmIDRe.MatchString(ev.ID) && !seen[ev.ID] {
			seen[ev.ID] = true
			ids = append(ids, ev.ID)
		}
	}
	return ids
}

// teardown removes every container and image, checks for leftovers
// (runtime state, cgroups, mounts, processes) and removes the private
// directory (unmounting what storage left mounted there).
func (e *pmEnv) teardown() {
	t := e.t
	e.removeAll(t)
	ids := e.eventIDs()
	e.mu.Lock()
	for id := range e.ids {
		ids = append(ids, id)
	}
	e.mu.Unlock()
	for _, l := range e.leftovers(ids) {
		t.Errorf("leftover after podman rm -af: %s", l)
	}
	if r := e.podmanRuntime("", nil, time.Minute, "rmi", "-af"); r.code != 0 {
		t.Logf("teardown: %v", r)
	}
	if mnts := pmMountsUnder(e.dir); len(mnts) > 0 {
		// c/storage's overlay driver keeps graph/overlay bind-mounted
		// (private) for the life of the store; nothing else may remain.
		for _, m := range mnts {
			if m != filepath.Join(e.graph, "overlay") {
				t.Errorf("leftover mount after podman rmi -af: %s", m)
			}
		}
	}
	pmUnmountAll(e.dir)
	if mnts := pmMountsUnder(e.dir); len(mnts) > 0 {
		t.Errorf("mounts under %s could not be removed: %v", e.dir, mnts)
	}
	if err := os.RemoveAll(e.dir); err != nil {
		t.Errorf("teardown: %v", err)
	}
}

// removeAll removes every container left.
func (e *pmEnv) removeAll(t *testing.T) {
	if r := e.podmanRuntime("", nil, 2*time.Minute, "rm", "-af", "-t", "0"); r.code != 0 {
		t.Errorf("teardown: %v", r)
	}
}

// leftovers lists what remains of the containers ids: runtime state, cgroup
// directories, mounts, processes.
func (e *pmEnv) leftovers(ids []string) []string {
	var out []string
	// Runtime state in the runtimes' default roots (podman passes no --root).
	for _, root := range []string{"/run/rt", "/run/runc", "/run/crun"} {
		for _, id := range ids {
			if _, err := os.Stat(filepath.Join(root, id)); err == nil {
				out = append(out, "runtime state "+filepath.Join(root, id))
			}
		}
	}
	// Cgroups: any directory in any hierarchy named after one of the ids.
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	hier, _ := filepath.Glob("/sys/fs/cgroup/*")
	for _, h := range hier {
		_ = filepath.WalkDir(h, func(p string, d os.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return nil
			}
			if strings.Count(strings.TrimPrefix(p, h), "/") > 4 {
				return filepath.SkipDir
			}
			for id := range want {
				if strings.Contains(d.Name(), id) {
					out = append(out, "cgroup "+p)
					return filepath.SkipDir
				}
			}
			return nil
		})
	}
	// Mounts: container rootfs/shm mounts under the private directory.
	for _, m := range pmMountsUnder(e.dir) {
		if m != filepath.Join(e.graph, "overlay") {
			out = append(out, "mount "+m)
		}
	}
	// Processes: conmon and containers name the private directory or an id.
	procs, _ := filepath.Glob("/proc/[0-9]*")
	self := os.Getpid()
	for _, p := range procs {
		pid, _ := strconv.Atoi(filepath.Base(p))
		if pid == self {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join(p, "cmdline"))
		if err != nil || len(cmdline) == 0 {
			continue
		}
		cl := strings.ReplaceAll(string(cmdline), "\x00", " ")
		hit := strings.Contains(cl, e.dir)
		if cg, err := os.ReadFile(filepath.Join(p, "cgroup")); err == nil {
			for id := range want {
				if strings.Contains(string(cg), id) {
					hit = true
				}
			}
		}
		if hit {
			out = append(out, fmt.Sprintf("process %d: %s", pid, cl))
		}
	}
	return out
}

// pmMountsUnder lists the mount points at or below dir (mountinfo order).
func pmMountsUnder(dir string) []string {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		mp := pmUnescape(f[4])
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			out = append(out, mp)
		}
	}
	return out
}

func pmUnescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// pmUnmountAll detaches every mount under dir, deepest first.
func pmUnmountAll(dir string) {
	for i := 0; i < 5; i++ {
		mnts := pmMountsUnder(dir)
		if len(mnts) == 0 {
			return
		}
		sort.Slice(mnts, func(a, b int) bool { return len(mnts[a]) > len(mnts[b]) })
		for _, m := range mnts {
			_ = syscall.Unmount(m, syscall.MNT_DETACH)
		}
	}
}

// pmRemoveStale removes the private directories of earlier runs that were
// interrupted before their teardown (their mounts first).
func pmRemoveStale(t *testing.T) {
	old, _ := filepath.Glob(filepath.Join(os.TempDir(), pmDirPrefix+"*"))
	for _, d := range old {
		st, err := os.Stat(d)
		if err != nil || time.Since(st.ModTime()) < 30*time.Minute {
			continue
		}
		t.Logf("removing the stale %s of an interrupted run", d)
		pmUnmountAll(d)
		_ = os.RemoveAll(d)
	}
}

// pmLibpodParentExists: podman's cgroupfs parent (it puts conmon in
// libpod_parent/conmon) exists in some hierarchy.
func pmLibpodParentExists() bool {
	m, _ := filepath.Glob("/sys/fs/cgroup/*/libpod_parent")
	u, _ := filepath.Glob("/sys/fs/cgroup/libpod_parent")
	return len(m)+len(u) > 0
}

// pmRemoveLibpodParent removes the (empty) libpod_parent/conmon cgroups
// podman made during the tests, when there were none before.
func pmRemoveLibpodParent(t *testing.T) {
	dirs, _ := filepath.Glob("/sys/fs/cgroup/*/libpod_parent")
	if u, _ := filepath.Glob("/sys/fs/cgroup/libpod_parent"); len(u) > 0 {
		dirs = append(dirs, u...)
	}
	for _, d := range dirs {
		_ = os.Remove(filepath.Join(d, "conmon"))
		if err := os.Remove(d); err != nil && !os.IsNotExist(err) {
			t.Errorf("podman's cgroup %s left behind: %v", d, err)
		}
	}
}
