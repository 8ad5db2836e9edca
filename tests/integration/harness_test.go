package integration

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Set once by TestMain.
var (
	skipReason  string   // non-empty: every test skips with this text
	setupErr    string   // non-empty: every test fails with this text
	rtBinary    string   // absolute path of the runtime under test
	rtName      string   // its base name ("rt", "runc")
	rtGlobal    []string // $RT_GLOBAL_FLAGS: extra global flags (e.g. crun's --cgroup-manager=disabled)
	templateDir string   // a rootfs with busybox and the probe, copied per test
)

const (
	cmdTimeout  = 30 * time.Second // one runtime invocation
	waitTimeout = 10 * time.Second // polling for a state change, a file, ...
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	if os.Geteuid() != 0 {
		skipReason = "integration tests need root: they create namespaces, mounts and cgroups " +
			"(run `sudo go test ./tests/integration/`)"
		return m.Run()
	}
	if runtime.GOOS != "linux" {
		skipReason = "integration tests run on Linux only"
		return m.Run()
	}
	// Containers mostly wait on processes: run more of them than there are cores
	// unless the caller chose -parallel.
	parallelSet := false
	flag.Visit(func(f *flag.Flag) {
		if f.Name == "test.parallel" {
			parallelSet = true
		}
	})
	if !parallelSet {
		flag.Set("test.parallel", "4")
	}

	tmp, err := os.MkdirTemp("", "rt-integration-")
	if err != nil {
		setupErr = err.Error()
		return m.Run()
	}
	defer os.RemoveAll(tmp)
	if err := setup(tmp); err != nil {
		setupErr = "integration setup: " + err.Error()
	}
	return m.Run()
}

func setup(tmp string) error {
	bin := os.Getenv("RT_BINARY")
	if bin == "" {
		bin = "../../rt"
	}
	if !strings.Contains(bin, "/") {
		p, err := exec.LookPath(bin)
		if err != nil {
			return fmt.Errorf("RT_BINARY=%s: %v", bin, err)
		}
		bin = p
	}
	abs, err := filepath.Abs(bin)
	if err != nil {
		return err
	}
	if st, err := os.Stat(abs); err != nil || st.Mode()&0o111 == 0 {
		return fmt.Errorf("runtime binary %s not found or not executable (run `make` at the repository root, or set RT_BINARY): %v", abs, err)
	}
	rtBinary = abs
	rtName = filepath.Base(abs)
	rtGlobal = strings.Fields(os.Getenv("RT_GLOBAL_FLAGS"))

	busybox := "/bin/busybox"
	out, err := exec.Command("file", "-L", busybox).CombinedOutput()
	if err == nil && !bytes.Contains(out, []byte("statically linked")) && !bytes.Contains(out, []byte("static-pie")) {
		return fmt.Errorf("%s is not static (apt-get install busybox-static): %s", busybox, out)
	}
	if _, err := os.Stat(busybox); err != nil {
		return fmt.Errorf("busybox: %v (apt-get install busybox-static)", err)
	}

	goBin, err := exec.LookPath("go") // `go test` puts its GOROOT/bin first in PATH
	if err != nil {
		return fmt.Errorf("building the probe: %v", err)
	}
	probe := filepath.Join(tmp, "probe")
	cmd := exec.Command(goBin, "build", "-trimpath", "-ldflags", "-s -w", "-o", probe, ".")
	cmd.Dir = "../probe"
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building the probe: %v\n%s", err, out)
	}

	templateDir = filepath.Join(tmp, "rootfs")
	return makeTemplate(templateDir, busybox, probe)
}

var busyboxApplets = []string{
	"sh", "true", "false", "sleep", "cat", "ls", "id", "echo", "env", "mkdir", "touch", "rm", "ps",
	"kill", "hostname", "mount", "test", "grep", "stat", "readlink", "wc", "head", "printf", "sync",
}

func makeTemplate(dir, busybox, probe string) error {
	for _, d := range []string{"bin", "dev", "proc", "sys", "etc", "root", "mnt", "var", "home/user"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "tmp"), 0o1777); err != nil {
		return err
	}
	if err := os.Chmod(filepath.Join(dir, "tmp"), 0o1777); err != nil {
		return err
	}
	if err := copyFile(busybox, filepath.Join(dir, "bin/busybox"), 0o755); err != nil {
		return err
	}
	if err := copyFile(probe, filepath.Join(dir, "probe"), 0o755); err != nil {
		return err
	}
	for _, a := range busyboxApplets {
		if err := os.Symlink("busybox", filepath.Join(dir, "bin", a)); err != nil {
			return err
		}
	}
	files := map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
		"etc/group":  "root:x:0:\nwheel:x:10:\nuser:x:1000:\nnogroup:x:65534:\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// copyTree copies a directory of directories, regular files and symlinks.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
			return os.Chmod(target, info.Mode().Perm()|info.Mode()&(os.ModeSticky|os.ModeSetgid))
		case d.Type()&fs.ModeSymlink != 0:
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(l, target)
		default:
			return copyFile(p, target, info.Mode().Perm())
		}
	})
}

// ---------------------------------------------------------------------------
// H: one test's environment.

type H struct {
	t    *testing.T
	Dir  string // private temp dir (mode 0755, so user-namespaced containers can reach their bundle)
	Root string // the runtime's --root
	n    int
}

// newH skips as non-root, marks the test parallel and makes its temp dirs.
func newH(t *testing.T) *H {
	t.Helper()
	if skipReason != "" {
		t.Skip(skipReason)
	}
	if setupErr != "" {
		t.Fatal(setupErr)
	}
	t.Parallel()
	dir := t.TempDir()
	// t.TempDir makes 0700 dirs; a container in a user namespace must be able
	// to traverse the path to its rootfs.
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	h := &H{t: t, Dir: dir, Root: filepath.Join(dir, "state")}
	if err := os.Mkdir(h.Root, 0o700); err != nil {
		t.Fatal(err)
	}
	return h
}

var idSanitizer = regexp.MustCompile(`[^a-z0-9]+`)

// NewID returns an id unique to this test and run.
func (h *H) NewID() string {
	h.n++
	name := strings.ToLower(strings.TrimPrefix(h.t.Name(), "Test"))
	name = strings.Trim(idSanitizer.ReplaceAllString(name, "-"), "-")
	if len(name) > 24 {
		name = name[len(name)-24:]
	}
	b := make([]byte, 3)
	rand.Read(b)
	return fmt.Sprintf("rtit-%s-%d-%s", strings.Trim(name, "-"), h.n, hex.EncodeToString(b))
}

// Res is the result of one runtime invocation.
type Res struct {
	Args   []string
	Code   int // exit code; -1 if the process did not exit normally
	Stdout string
	Stderr string
	Err    error
	Dur    time.Duration
}

// Out is stdout and stderr together, for error text checks.
func (r Res) Out() string { return r.Stdout + r.Stderr }

func (r Res) String() string {
	return fmt.Sprintf("`%s` exit %d (%v)\nstdout: %s\nstderr: %s", strings.Join(r.Args, " "), r.Code, r.Err,
		clip(r.Stdout), clip(r.Stderr))
}

func clip(s string) string {
	if len(s) > 3000 {
		return s[:3000] + fmt.Sprintf("... (%d bytes)", len(s))
	}
	return s
}

// Opts modify one runtime invocation.
type Opts struct {
	NoRoot     bool       // do not pass --root
	Global     []string   // global flags before the verb (after --root)
	Dir        string     // working directory
	Env        []string   // added to the environment
	ExtraFiles []*os.File // fds 3, 4, ...
	Stdin      *os.File   // default /dev/null
	Stdout     string     // a file that gets stdout (appended); default a temp file
	Stderr     string     // a file that gets stderr (appended); default a temp file
	Timeout    time.Duration
	Wrap       []string // run as Wrap... rtBinary args (e.g. sh -c 'exec "$0" "$@"')
}

// RT runs the runtime with --root h.Root.
func (h *H) RT(args ...string) Res {
	h.t.Helper()
	return h.RTOpts(Opts{}, args...)
}

// RTOpts runs the runtime. stdout and stderr always go to files (never pipes):
// a container started by create inherits them and may outlive the runtime.
func (h *H) RTOpts(o Opts, args ...string) Res {
	h.t.Helper()
	full := append([]string{}, rtGlobal...)
	if !o.NoRoot {
		full = append(full, "--root", h.Root)
	}
	full = append(full, o.Global...)
	full = append(full, args...)
	timeout := o.Timeout
	if timeout == 0 {
		timeout = cmdTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	argv := append(append([]string{}, o.Wrap...), rtBinary)
	argv = append(argv, full...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.WaitDelay = 5 * time.Second
	cmd.Dir = o.Dir
	cmd.Env = append(os.Environ(), o.Env...)
	cmd.ExtraFiles = o.ExtraFiles
	if o.Stdin != nil {
		cmd.Stdin = o.Stdin
	}
	outPath, errPath := o.Stdout, o.Stderr
	if outPath == "" {
		outPath = h.tempPath("stdout")
	}
	if errPath == "" {
		errPath = h.tempPath("stderr")
	}
	outF := h.openAppend(outPath)
	errF := h.openAppend(errPath)
	outStart, errStart := fileSize(outPath), fileSize(errPath)
	cmd.Stdout, cmd.Stderr = outF, errF
	start := time.Now()
	err := cmd.Run()
	outF.Close()
	errF.Close()
	r := Res{Args: append([]string{rtName}, full...), Code: -1, Err: err, Dur: time.Since(start)}
	if cmd.ProcessState != nil {
		r.Code = cmd.ProcessState.ExitCode()
		if ws, ok := cmd.ProcessState.Sys().(interface{ Signaled() bool }); ok && ws.Signaled() {
			r.Code = -1
		}
	}
	if ctx.Err() != nil {
		r.Err = fmt.Errorf("timed out after %v: %w", timeout, err)
	}
	r.Stdout = readFrom(outPath, outStart)
	r.Stderr = readFrom(errPath, errStart)
	h.t.Logf("%s", r)
	return r
}

func (h *H) tempPath(kind string) string {
	f, err := os.CreateTemp(h.Dir, "cmd-*."+kind)
	if err != nil {
		h.t.Fatal(err)
	}
	f.Close()
	return f.Name()
}

func (h *H) openAppend(p string) *os.File {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		h.t.Fatal(err)
	}
	return f
}

func fileSize(p string) int64 {
	st, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return st.Size()
}

func readFrom(p string, off int64) string {
	b, err := os.ReadFile(p)
	if err != nil || int64(len(b)) < off {
		return ""
	}
	return string(b[off:])
}

// ---------------------------------------------------------------------------
// Ctr: one bundle and the container made from it.

type Ctr struct {
	h      *H
	ID     string
	Bundle string
	Rootfs string
	Spec   *specs.Spec
	Out    string // file that gets the container's stdout
	Err    string // file that gets the container's stderr
	mu     sync.Mutex
	pids   []int // init pids seen, checked gone at cleanup
}

func (c *Ctr) addPid(pid int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pids = append(c.pids, pid)
}

// NewCtr makes a bundle: a rootfs copied from the template (busybox + /probe)
// and a config.json from `rt spec`, edited: terminal false, args `/probe
// report`, writable root "rootfs", then each mutation in order. Cleanup
// force-deletes the container and fails the test on anything left behind.
func (h *H) NewCtr(mutate ...func(*specs.Spec)) *Ctr {
	h.t.Helper()
	c := h.NewBundle(h.NewID())
	for _, m := range mutate {
		m(c.Spec)
	}
	c.WriteSpec()
	return c
}

// NewBundle makes the bundle for id without writing mutations.
func (h *H) NewBundle(id string) *Ctr {
	h.t.Helper()
	c := &Ctr{h: h, ID: id, Bundle: filepath.Join(h.Dir, id)}
	c.Rootfs = filepath.Join(c.Bundle, "rootfs")
	c.Out = filepath.Join(h.Dir, id+".out")
	c.Err = filepath.Join(h.Dir, id+".err")
	if err := os.Mkdir(c.Bundle, 0o755); err != nil {
		h.t.Fatal(err)
	}
	if err := copyTree(templateDir, c.Rootfs); err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(c.cleanup)
	r := h.RTOpts(Opts{NoRoot: true}, "spec", "-b", c.Bundle)
	if r.Code != 0 {
		h.t.Fatalf("`%s spec -b` failed: %s", rtName, r)
	}
	b, err := os.ReadFile(filepath.Join(c.Bundle, "config.json"))
	if err != nil {
		h.t.Fatalf("`%s spec` wrote no config.json: %v", rtName, err)
	}
	var s specs.Spec
	if err := json.Unmarshal(b, &s); err != nil {
		h.t.Fatalf("`%s spec` wrote an invalid config.json: %v", rtName, err)
	}
	if s.Process == nil || s.Linux == nil {
		h.t.Fatalf("`%s spec`: config.json has no process or linux section", rtName)
	}
	s.Process.Terminal = false
	s.Process.Args = []string{"/probe", "report"}
	s.Root = &specs.Root{Path: "rootfs", Readonly: false}
	c.Spec = &s
	return c
}

// WriteSpec writes c.Spec to config.json.
func (c *Ctr) WriteSpec() {
	c.h.t.Helper()
	b, err := json.MarshalIndent(c.Spec, "", "\t")
	if err != nil {
		c.h.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.Bundle, "config.json"), b, 0o644); err != nil {
		c.h.t.Fatal(err)
	}
}

func (c *Ctr) opts(o Opts) Opts {
	if o.Stdout == "" {
		o.Stdout = c.Out
	}
	if o.Stderr == "" {
		o.Stderr = c.Err
	}
	return o
}

// Create runs `create --bundle B ID` with extra verb flags; the container's
// stdio goes to c.Out / c.Err.
func (c *Ctr) Create(flags ...string) Res {
	c.h.t.Helper()
	return c.CreateOpts(Opts{}, flags...)
}

func (c *Ctr) CreateOpts(o Opts, flags ...string) Res {
	c.h.t.Helper()
	args := append([]string{"create", "--bundle", c.Bundle}, flags...)
	r := c.h.RTOpts(c.opts(o), append(args, c.ID)...)
	if r.Code == 0 {
		if st, _ := c.TryState(); st != nil && st.Pid > 0 {
			c.addPid(st.Pid)
		}
	}
	return r
}

// MustCreate creates the container and fails the test unless it worked.
func (c *Ctr) MustCreate(flags ...string) {
	c.h.t.Helper()
	if r := c.Create(flags...); r.Code != 0 {
		c.h.t.Fatalf("create failed: %s", r)
	}
}

func (c *Ctr) Start() Res {
	c.h.t.Helper()
	return c.h.RT("start", c.ID)
}

func (c *Ctr) MustStart() {
	c.h.t.Helper()
	if r := c.Start(); r.Code != 0 {
		c.h.t.Fatalf("start failed: %s", r)
	}
}

// Run runs `run --bundle B ID` in the foreground; the container's stdout and
// stderr come back in the result (together with the runtime's own).
func (c *Ctr) Run(flags ...string) Res {
	c.h.t.Helper()
	return c.RunOpts(Opts{}, flags...)
}

func (c *Ctr) RunOpts(o Opts, flags ...string) Res {
	c.h.t.Helper()
	args := append([]string{"run", "--bundle", c.Bundle}, flags...)
	if o.Stdout == "" {
		o.Stdout = c.h.tempPath("stdout")
	}
	if o.Stderr == "" {
		o.Stderr = c.h.tempPath("stderr")
	}
	return c.h.RTOpts(o, append(args, c.ID)...)
}

// MustRun runs the container in the foreground and wants exit code 0.
func (c *Ctr) MustRun(flags ...string) Res {
	c.h.t.Helper()
	r := c.Run(flags...)
	if r.Code != 0 {
		c.h.t.Fatalf("run failed: %s", r)
	}
	return r
}

// Report runs the container (its args must be /probe report ...) and decodes
// what the probe printed.
func (c *Ctr) Report(flags ...string) *Report {
	c.h.t.Helper()
	r := c.MustRun(flags...)
	return decodeReport(c.h.t, r.Stdout)
}

func decodeReport(t *testing.T, out string) *Report {
	t.Helper()
	var rep Report
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("decoding the probe report: %v\n%s", err, clip(out))
	}
	if len(rep.Errors) > 0 {
		t.Logf("probe report errors: %v", rep.Errors)
	}
	return &rep
}

// Kill runs `kill [flags] ID [sig]`; sig "" sends the default signal.
func (c *Ctr) Kill(sig string, flags ...string) Res {
	c.h.t.Helper()
	a := append(append([]string{"kill"}, flags...), c.ID)
	if sig != "" {
		a = append(a, sig)
	}
	return c.h.RT(a...)
}

func (c *Ctr) Delete(flags ...string) Res {
	c.h.t.Helper()
	return c.h.RT(append(append([]string{"delete"}, flags...), c.ID)...)
}

// State is what `state` prints.
type State struct {
	OCIVersion  string            `json:"ociVersion"`
	ID          string            `json:"id"`
	Pid         int               `json:"pid"`
	Status      string            `json:"status"`
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	Created     string            `json:"created"`
	Owner       string            `json:"owner"`
	Annotations map[string]string `json:"annotations"`
	Raw         map[string]any    `json:"-"`
}

// TryState runs `state`; nil if it failed.
func (c *Ctr) TryState() (*State, Res) {
	c.h.t.Helper()
	r := c.h.RT("state", c.ID)
	if r.Code != 0 {
		return nil, r
	}
	var st State
	if err := json.Unmarshal([]byte(r.Stdout), &st); err != nil {
		c.h.t.Fatalf("state output is not JSON: %v\n%s", err, r)
	}
	json.Unmarshal([]byte(r.Stdout), &st.Raw)
	return &st, r
}

func (c *Ctr) State() *State {
	c.h.t.Helper()
	st, r := c.TryState()
	if st == nil {
		c.h.t.Fatalf("state failed: %s", r)
	}
	return st
}

// WaitStatus polls `state` until the status is want.
func (c *Ctr) WaitStatus(want string) *State {
	c.h.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	var last *State
	for time.Now().Before(deadline) {
		st, _ := c.TryState()
		if st != nil && st.Status == want {
			return st
		}
		last = st
		time.Sleep(20 * time.Millisecond)
	}
	c.h.t.Fatalf("container %s did not reach status %q within %v (last state %+v)", c.ID, want, waitTimeout, last)
	return nil
}

// cleanup force-deletes the container, then fails the test if anything of it
// is left: state dir, cgroup dir, mount, process.
func (c *Ctr) cleanup() {
	t := c.h.t
	if st, _ := c.quietState(); st != nil && st.Pid > 0 {
		c.addPid(st.Pid)
	}
	r := c.h.runQuiet("delete", "--force", c.ID)
	if r.Code != 0 && !strings.Contains(r.Out(), "does not exist") {
		t.Errorf("cleanup: delete --force %s: %s", c.ID, r)
	}
	c.AssertNoLeftovers()
}

func (c *Ctr) quietState() (*State, Res) {
	r := c.h.runQuiet("state", c.ID)
	if r.Code != 0 {
		return nil, r
	}
	var st State
	if json.Unmarshal([]byte(r.Stdout), &st) != nil {
		return nil, r
	}
	return &st, r
}

// runQuiet runs the runtime without logging (cleanup paths).
func (h *H) runQuiet(args ...string) Res {
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, rtBinary, append(append(append([]string{}, rtGlobal...), "--root", h.Root), args...)...)
	cmd.WaitDelay = 5 * time.Second
	var out, errb bytes.Buffer
	devnull, _ := os.Open(os.DevNull)
	defer devnull.Close()
	cmd.Stdin = devnull
	// a file, not a pipe, in case something inherits it
	of, _ := os.CreateTemp(h.Dir, "quiet-*")
	defer os.Remove(of.Name())
	defer of.Close()
	cmd.Stdout, cmd.Stderr = of, of
	err := cmd.Run()
	b, _ := os.ReadFile(of.Name())
	out.Write(b)
	r := Res{Args: append([]string{rtName, "--root", h.Root}, args...), Code: -1, Err: err, Stdout: out.String(), Stderr: errb.String()}
	if cmd.ProcessState != nil {
		r.Code = cmd.ProcessState.ExitCode()
	}
	return r
}

// AssertNoLeftovers fails the test if the container left a state dir, a
// cgroup dir, a mount or a process behind.
func (c *Ctr) AssertNoLeftovers() {
	t := c.h.t
	t.Helper()
	if _, err := os.Lstat(filepath.Join(c.h.Root, c.ID)); err == nil {
		t.Errorf("leftover: state dir %s", filepath.Join(c.h.Root, c.ID))
	}
	deadline := time.Now().Add(waitTimeout)
	var cg, mnts, procs []string
	for {
		cg = cgroupDirsNamed(c.ID)
		mnts = mountsMatching(c.ID, c.Bundle, c.h.Root)
		c.mu.Lock()
		procs = procsAlive(c.pids)
		c.mu.Unlock()
		if len(cg)+len(mnts)+len(procs) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, d := range cg {
		t.Errorf("leftover: cgroup %s", d)
	}
	for _, m := range mnts {
		t.Errorf("leftover: mount %s", m)
	}
	for _, p := range procs {
		t.Errorf("leftover: process %s", p)
	}
	if len(cg)+len(mnts)+len(procs) > 0 {
		c.reap(cg, mnts)
	}
}

// reap removes what a broken runtime left behind, so that one failing test
// does not pollute the machine: it SIGKILLs (by pid) the processes of this
// container (its recorded init pids and the members of its leftover cgroups),
// detaches its leftover mounts and removes its cgroup directories.
func (c *Ctr) reap(cgDirs, mounts []string) {
	c.mu.Lock()
	pids := append([]int{}, c.pids...)
	c.mu.Unlock()
	for _, d := range cgDirs {
		b, _ := os.ReadFile(filepath.Join(d, "cgroup.procs"))
		for _, f := range strings.Fields(string(b)) {
			pids = append(pids, atoi(f))
		}
	}
	for _, p := range pids {
		if p > 1 && len(procsAlive([]int{p})) > 0 {
			syscall.Kill(p, syscall.SIGKILL)
		}
	}
	for i := len(mounts) - 1; i >= 0; i-- {
		if f := strings.Fields(mounts[i]); len(f) > 4 {
			syscall.Unmount(unescapeMount(f[4]), 2 /* MNT_DETACH */)
		}
	}
	deadline := time.Now().Add(waitTimeout)
	for _, d := range cgDirs {
		// children first
		var all []string
		filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err == nil && e.IsDir() {
				all = append(all, p)
			}
			return nil
		})
		for i := len(all) - 1; i >= 0; i-- {
			for os.Remove(all[i]) != nil && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
		}
	}
	c.h.t.Logf("reaped the leftovers of %s", c.ID)
}

// cgroupDirsNamed lists directories under /sys/fs/cgroup/*/ whose name
// contains id.
func cgroupDirsNamed(id string) []string {
	var found []string
	hier, _ := filepath.Glob("/sys/fs/cgroup/*")
	for _, h := range hier {
		base := strings.Count(h, "/")
		filepath.WalkDir(h, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return nil
			}
			if strings.Contains(d.Name(), id) {
				found = append(found, p)
				return filepath.SkipDir
			}
			if strings.Count(p, "/")-base > 8 {
				return filepath.SkipDir
			}
			return nil
		})
	}
	return found
}

// mountsMatching lists lines of our mountinfo that contain any of subs.
func mountsMatching(subs ...string) []string {
	b, _ := os.ReadFile("/proc/self/mountinfo")
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		for _, s := range subs {
			if s != "" && strings.Contains(l, s) {
				out = append(out, l)
				break
			}
		}
	}
	return out
}

// procsAlive lists the pids that still exist and are not zombies.
func procsAlive(pids []int) []string {
	var out []string
	for _, p := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
		if err != nil {
			continue
		}
		s := string(b)
		if i := strings.LastIndexByte(s, ')'); i > 0 && len(s) > i+2 && s[i+2] == 'Z' {
			continue
		}
		out = append(out, fmt.Sprintf("%d: %s", p, strings.TrimSpace(s)))
	}
	return out
}

// ---------------------------------------------------------------------------
// small helpers

// wantFail checks that a runtime call failed with exit code 1 and that its
// output contains every one of subs (case-insensitive).
func wantFail(t *testing.T, r Res, subs ...string) {
	t.Helper()
	if r.Code != 1 {
		t.Errorf("want exit code 1, got %d: %s", r.Code, r)
	}
	for _, s := range subs {
		if !strings.Contains(strings.ToLower(r.Out()), strings.ToLower(s)) {
			t.Errorf("want the error to contain %q: %s", s, r)
		}
	}
}

func wantOK(t *testing.T, r Res) {
	t.Helper()
	if r.Code != 0 {
		t.Fatalf("want success: %s", r)
	}
}

// waitFor polls f until it returns true.
func waitFor(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", waitTimeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitFileContains polls a file until it contains sub; returns the content.
func waitFileContains(t *testing.T, path, sub string) string {
	t.Helper()
	var s string
	waitFor(t, fmt.Sprintf("%q in %s", sub, path), func() bool {
		b, _ := os.ReadFile(path)
		s = string(b)
		return strings.Contains(s, sub)
	})
	return s
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func args(a ...string) func(*specs.Spec) {
	return func(s *specs.Spec) { s.Process.Args = a }
}

func hasNS(s *specs.Spec, typ specs.LinuxNamespaceType) bool {
	for _, n := range s.Linux.Namespaces {
		if n.Type == typ {
			return true
		}
	}
	return false
}

// setNS adds the namespace (or sets its path) to the config.
func setNS(typ specs.LinuxNamespaceType, path string) func(*specs.Spec) {
	return func(s *specs.Spec) {
		for i, n := range s.Linux.Namespaces {
			if n.Type == typ {
				s.Linux.Namespaces[i].Path = path
				return
			}
		}
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: typ, Path: path})
	}
}

func dropNS(typ specs.LinuxNamespaceType) func(*specs.Spec) {
	return func(s *specs.Spec) {
		var out []specs.LinuxNamespace
		for _, n := range s.Linux.Namespaces {
			if n.Type != typ {
				out = append(out, n)
			}
		}
		s.Linux.Namespaces = out
	}
}

func addMount(m specs.Mount) func(*specs.Spec) {
	return func(s *specs.Spec) { s.Mounts = append(s.Mounts, m) }
}

// hostNS is the test process's own namespace link.
func hostNS(t *testing.T, typ string) string {
	t.Helper()
	l, err := os.Readlink("/proc/self/ns/" + typ)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func atoi(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}

// mountLine finds the mountinfo line whose mount point is dest.
func mountLine(lines []string, dest string) (string, bool) {
	found := ""
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) > 4 && unescapeMount(f[4]) == dest {
			found = l // the last one wins: it is on top
		}
	}
	return found, found != ""
}

func unescapeMount(s string) string {
	return strings.NewReplacer(`\040`, " ", `\011`, "\t", `\012`, "\n", `\134`, `\`).Replace(s)
}

// mountFSType returns the filesystem type of a mountinfo line.
func mountFSType(line string) string {
	_, after, ok := strings.Cut(line, " - ")
	if !ok {
		return ""
	}
	return strings.Fields(after)[0]
}

// mountOpts returns the per-mount options (field 6) of a mountinfo line.
func mountOpts(line string) []string {
	f := strings.Fields(line)
	if len(f) < 6 {
		return nil
	}
	return strings.Split(f[5], ",")
}

// mountSuperOpts returns the super block options of a mountinfo line.
func mountSuperOpts(line string) []string {
	_, after, ok := strings.Cut(line, " - ")
	if !ok {
		return nil
	}
	f := strings.Fields(after)
	if len(f) < 3 {
		return nil
	}
	return strings.Split(f[2], ",")
}

// mountOptional returns the optional fields (shared:N, master:N, ...).
func mountOptional(line string) []string {
	before, _, _ := strings.Cut(line, " - ")
	f := strings.Fields(before)
	if len(f) <= 6 {
		return nil
	}
	return f[6:]
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func hasPrefixIn(list []string, prefix string) bool {
	for _, x := range list {
		if strings.HasPrefix(x, prefix) {
			return true
		}
	}
	return false
}

var errNotFound = errors.New("not found")

func findStat(list []Stat, path string) (Stat, error) {
	for _, s := range list {
		if s.Path == path {
			return s, nil
		}
	}
	return Stat{}, errNotFound
}
