package integration

// Issue items 2/3: the CLI verbs, their flags and the container lifecycle.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// specVersionLine returns the `spec: X` value of `--version`.
func specVersionLine(t *testing.T, h *H) string {
	r := h.RTOpts(Opts{NoRoot: true}, "--version")
	wantOK(t, r)
	for _, l := range strings.Split(r.Stdout, "\n") {
		if v, ok := strings.CutPrefix(l, "spec: "); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("--version has no `spec:` line: %s", r)
	return ""
}

func TestVersion(t *testing.T) {
	h := newH(t)
	r := h.RTOpts(Opts{NoRoot: true}, "--version")
	wantOK(t, r)
	lines := strings.Split(strings.TrimRight(r.Stdout, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 lines, got %d: %q", len(lines), r.Stdout)
	}
	if !strings.HasPrefix(lines[0], "rt version ") || len(lines[0]) == len("rt version ") {
		t.Errorf("line 1: want `rt version X`, got %q", lines[0])
	}
	if !strings.HasPrefix(lines[1], "commit: ") {
		t.Errorf("line 2: want `commit: ...`, got %q", lines[1])
	}
	if lines[2] != "spec: 1.3.0" {
		t.Errorf("line 3: want `spec: 1.3.0`, got %q", lines[2])
	}
}

func TestSpec(t *testing.T) {
	h := newH(t)
	specVer := specVersionLine(t, h)

	dir := filepath.Join(h.Dir, "plain")
	os.Mkdir(dir, 0o755)
	wantOK(t, h.RTOpts(Opts{NoRoot: true}, "spec", "-b", dir))
	var s specs.Spec
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("config.json is not a spec: %v", err)
	}
	if s.Version != specVer {
		t.Errorf("ociVersion %q, want %q (the `spec:` line of --version)", s.Version, specVer)
	}
	if s.Process == nil || !s.Process.Terminal || len(s.Process.Args) != 1 || s.Process.Args[0] != "sh" {
		t.Errorf("want process.terminal true and args [sh], got %+v", s.Process)
	}
	if s.Root == nil || s.Root.Path != "rootfs" {
		t.Errorf("want root.path rootfs, got %+v", s.Root)
	}
	for _, ns := range []specs.LinuxNamespaceType{specs.PIDNamespace, specs.NetworkNamespace, specs.IPCNamespace, specs.UTSNamespace, specs.MountNamespace} {
		if !hasNS(&s, ns) {
			t.Errorf("default spec lacks the %s namespace", ns)
		}
	}
	dests := map[string]string{}
	for _, m := range s.Mounts {
		dests[m.Destination] = m.Type
	}
	for dest, typ := range map[string]string{"/proc": "proc", "/dev": "tmpfs", "/dev/pts": "devpts", "/dev/shm": "tmpfs", "/dev/mqueue": "mqueue", "/sys": "sysfs"} {
		if dests[dest] != typ {
			t.Errorf("default spec: want a %s mount on %s, got %q", typ, dest, dests[dest])
		}
	}
	if len(s.Linux.MaskedPaths) == 0 || len(s.Linux.ReadonlyPaths) == 0 {
		t.Errorf("default spec has no maskedPaths or readonlyPaths")
	}

	// A second `spec` must not overwrite the file.
	os.WriteFile(filepath.Join(dir, "config.json"), []byte("keep"), 0o644)
	r := h.RTOpts(Opts{NoRoot: true}, "spec", "-b", dir)
	if r.Code == 0 {
		t.Errorf("spec over an existing config.json succeeded: %s", r)
	}
	if got := readString(t, filepath.Join(dir, "config.json")); got != "keep" {
		t.Errorf("spec overwrote an existing config.json")
	}

	// --rootless: a user namespace mapping the caller's ids.
	rl := filepath.Join(h.Dir, "rootless")
	os.Mkdir(rl, 0o755)
	wantOK(t, h.RTOpts(Opts{NoRoot: true}, "spec", "--rootless", "-b", rl))
	var rs specs.Spec
	b, _ = os.ReadFile(filepath.Join(rl, "config.json"))
	if err := json.Unmarshal(b, &rs); err != nil {
		t.Fatalf("rootless config.json: %v", err)
	}
	if !hasNS(&rs, specs.UserNamespace) {
		t.Errorf("rootless spec has no user namespace")
	}
	if len(rs.Linux.UIDMappings) != 1 || rs.Linux.UIDMappings[0].HostID != uint32(os.Geteuid()) || rs.Linux.UIDMappings[0].ContainerID != 0 {
		t.Errorf("rootless spec: want uidMappings [{0 %d 1}], got %+v", os.Geteuid(), rs.Linux.UIDMappings)
	}
	if len(rs.Linux.GIDMappings) != 1 || rs.Linux.GIDMappings[0].HostID != uint32(os.Getegid()) {
		t.Errorf("rootless spec: want gidMappings [{0 %d 1}], got %+v", os.Getegid(), rs.Linux.GIDMappings)
	}
}

func TestLifecycle(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(args("/probe", "sleep"))
	pidFile := filepath.Join(h.Dir, "ctr.pid")
	before := time.Now()
	wantOK(t, c.Create("--pid-file", pidFile))

	st := c.State()
	for _, k := range []string{"ociVersion", "id", "pid", "status", "bundle", "rootfs", "created", "owner"} {
		if _, ok := st.Raw[k]; !ok {
			t.Errorf("state JSON lacks %q: %v", k, st.Raw)
		}
	}
	if st.ID != c.ID || st.Status != "created" || st.Pid <= 0 {
		t.Errorf("after create: want id %s status created pid>0, got %+v", c.ID, st)
	}
	if st.OCIVersion == "" {
		t.Errorf("state: empty ociVersion")
	}
	if st.Bundle != c.Bundle {
		t.Errorf("state: bundle %q, want %q", st.Bundle, c.Bundle)
	}
	if st.Rootfs != c.Rootfs {
		t.Errorf("state: rootfs %q, want %q", st.Rootfs, c.Rootfs)
	}
	created, err := time.Parse(time.RFC3339Nano, st.Created)
	if err != nil {
		t.Errorf("state: created %q is not RFC 3339: %v", st.Created, err)
	} else if created.Before(before.Add(-2*time.Second)) || created.After(time.Now().Add(2*time.Second)) {
		t.Errorf("state: created %v is not the creation time (%v)", created, before)
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", st.Pid)); err != nil {
		t.Errorf("the init pid %d does not exist: %v", st.Pid, err)
	}
	pf, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("pid file: %v", err)
	}
	if atoi(string(pf)) != st.Pid {
		t.Errorf("pid file says %q, state says %d", pf, st.Pid)
	}

	wantOK(t, c.Start())
	st2 := c.State()
	if st2.Status != "running" {
		t.Errorf("right after start: status %q, want running", st2.Status)
	}
	if st2.Pid != st.Pid {
		t.Errorf("pid changed from %d to %d on start", st.Pid, st2.Pid)
	}
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", st.Pid))
	if string(cmdline) != "/probe\x00sleep\x00" {
		t.Errorf("after start the container runs %q, want /probe sleep", cmdline)
	}
	// start twice is an error
	wantFail(t, c.Start())

	wantOK(t, c.Kill("KILL"))
	c.WaitStatus("stopped")
	wantFail(t, c.Kill("KILL"), "container not running")

	wantOK(t, c.Delete())
	_, r := c.TryState()
	wantFail(t, r, "container does not exist")
	c.AssertNoLeftovers()
}

func TestCreateStdioBelongsToContainer(t *testing.T) {
	h := newH(t)
	c := h.NewCtr()
	in, err := os.Open(filepath.Join(c.Rootfs, "etc/passwd"))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	wantOK(t, c.CreateOpts(Opts{Stdin: in}))
	wantOK(t, c.Start())
	c.WaitStatus("stopped")
	rep := decodeReport(t, readString(t, c.Out))
	if len(rep.Stdio) != 3 {
		t.Fatalf("stdio: %+v", rep.Stdio)
	}
	if rep.Stdio[0].Type != "reg" || !strings.HasSuffix(rep.Stdio[0].Link, "/etc/passwd") {
		t.Errorf("stdin: want the file given to create, got %+v", rep.Stdio[0])
	}
	if rep.Stdio[1].Type != "reg" || !strings.HasSuffix(rep.Stdio[1].Link, filepath.Base(c.Out)) {
		t.Errorf("stdout: want the file given to create, got %+v", rep.Stdio[1])
	}
	if rep.Stdio[2].Type != "reg" || !strings.HasSuffix(rep.Stdio[2].Link, filepath.Base(c.Err)) {
		t.Errorf("stderr: want the file given to create, got %+v", rep.Stdio[2])
	}
}

func TestDuplicateID(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(args("/probe", "sleep"))
	c.MustCreate()
	pid := c.State().Pid
	wantFail(t, c.Create(), "container with given ID already exists")
	st := c.State()
	if st.Status != "created" || st.Pid != pid {
		t.Errorf("the first container changed: %+v (pid was %d)", st, pid)
	}
	// also against a different bundle
	other := h.NewBundle(c.ID + "-b")
	other.Spec.Process.Args = []string{"/probe", "sleep"}
	other.WriteSpec()
	r := h.RT("create", "--bundle", other.Bundle, c.ID)
	wantFail(t, r, "container with given ID already exists")
	if st := c.State(); st.Bundle != c.Bundle || st.Pid != pid {
		t.Errorf("the first container changed: %+v", st)
	}
}

func TestInvalidIDs(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(args("/probe", "sleep"))
	for _, id := range []string{"../x", "/", "", strings.Repeat("a", 1025), "..", "a/b", "x/../../y"} {
		r := h.RT("create", "--bundle", c.Bundle, id)
		wantFail(t, r)
		if ents, _ := os.ReadDir(h.Root); len(ents) != 0 {
			t.Errorf("create %q left %v in the root", id, ents)
		}
		for _, p := range []string{filepath.Join(h.Dir, "x"), filepath.Join(h.Dir, "y"), filepath.Join(h.Root, "a")} {
			if _, err := os.Lstat(p); err == nil {
				t.Errorf("create %q made %s", id, p)
			}
		}
	}
	if r := h.RT("list", "-q"); strings.TrimSpace(r.Stdout) != "" {
		t.Errorf("list after invalid creates: %q", r.Stdout)
	}
}

func TestDeleteRunning(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(args("/probe", "sleep"))
	c.MustCreate()
	c.MustStart()
	pid := c.State().Pid
	r := c.Delete()
	wantFail(t, r, "running")
	if st := c.State(); st.Status != "running" || st.Pid != pid {
		t.Errorf("after a refused delete: %+v", st)
	}
	if len(procsAlive([]int{pid})) != 1 {
		t.Errorf("the container process %d died on a refused delete", pid)
	}
	wantOK(t, c.Delete("--force"))
	_, r = c.TryState()
	wantFail(t, r, "container does not exist")
	c.AssertNoLeftovers()
	// delete of a missing container
	wantFail(t, c.Delete(), "container does not exist")
}

func TestDeleteCreated(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(args("/probe", "sleep"))
	c.MustCreate()
	wantOK(t, c.Delete("--force"))
	c.AssertNoLeftovers()
}

func TestRunExitCode(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(args("/probe", "exit", "3"))
	r := c.Run()
	if r.Code != 3 {
		t.Errorf("run: want the container's exit code 3, got %s", r)
	}
	// run without --keep removes the container
	_, sr := c.TryState()
	wantFail(t, sr, "container does not exist")
	c.AssertNoLeftovers()
}

func TestRunKilledExitCode(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(args("/probe", "sleep"))
	done := make(chan Res, 1)
	go func() { done <- c.Run() }()
	c.WaitStatus("running")
	wantOK(t, c.Kill("KILL"))
	select {
	case r := <-done:
		if r.Code != 137 {
			t.Errorf("run of a SIGKILLed container: want exit 137, got %s", r)
		}
	case <-time.After(cmdTimeout + 10*time.Second):
		t.Fatal("run did not return")
	}
}

func TestRunDetach(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(args("/probe", "sleep"))
	pidFile := filepath.Join(h.Dir, "pid")
	r := c.Run("-d", "--pid-file", pidFile)
	wantOK(t, r)
	st := c.State()
	if st.Status != "running" {
		t.Errorf("after run -d: %+v", st)
	}
	if atoi(readString(t, pidFile)) != st.Pid {
		t.Errorf("pid file does not match state pid %d", st.Pid)
	}
	wantOK(t, c.Kill("KILL"))
	c.WaitStatus("stopped")
	wantOK(t, c.Delete())
	c.AssertNoLeftovers()
}

func TestRunKeep(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(args("/probe", "exit", "0"))
	wantOK(t, c.Run("--keep"))
	if st := c.State(); st.Status != "stopped" {
		t.Errorf("after run --keep: status %q, want stopped", st.Status)
	}
	wantOK(t, c.Delete())
	c.AssertNoLeftovers()
}

func TestRunNoSubreaper(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(args("/probe", "exit", "5"))
	if r := c.Run("--no-subreaper"); r.Code != 5 {
		t.Errorf("run --no-subreaper: want exit 5, got %s", r)
	}
}

func TestKillSignals(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(args("/probe", "signal-wait", "/tmp/signals"))
	c.MustCreate()
	c.MustStart()
	log := filepath.Join(c.Rootfs, "tmp/signals")
	waitFileContains(t, log, "ready")
	wantOK(t, c.Kill("USR1"))
	waitFileContains(t, log, "SIGUSR1\n")
	wantOK(t, c.Kill("SIGUSR2"))
	waitFileContains(t, log, "SIGUSR2\n")
	wantOK(t, c.Kill(strconv.Itoa(int(unix.SIGHUP))))
	waitFileContains(t, log, "SIGHUP\n")
	wantOK(t, c.Kill("hup"))
	waitFileContains(t, log, "SIGHUP\nSIGHUP\n")
	if st := c.State(); st.Status != "running" {
		t.Errorf("after non-fatal signals: %+v", st)
	}
	// the default signal is SIGTERM
	wantOK(t, c.Kill(""))
	got := waitFileContains(t, log, "SIGTERM\n")
	c.WaitStatus("stopped")
	want := "ready\nSIGUSR1\nSIGUSR2\nSIGHUP\nSIGHUP\nSIGTERM\n"
	if got != want {
		t.Errorf("signals received: %q, want %q", got, want)
	}
	wantFail(t, c.Kill("BOGUS"))
}

func TestKillSIGKILLSpellings(t *testing.T) {
	h := newH(t)
	for _, sig := range []string{"KILL", "SIGKILL", "9"} {
		c := h.NewCtr(args("/probe", "sleep"))
		c.MustCreate()
		c.MustStart()
		wantOK(t, c.Kill(sig))
		c.WaitStatus("stopped")
	}
}

func TestKillInvalidSignal(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(args("/probe", "sleep"))
	c.MustCreate()
	c.MustStart()
	for _, sig := range []string{"NOPE", "SIGNOPE", "0x9", "-9", "999"} {
		if r := c.Kill(sig); r.Code == 0 {
			t.Errorf("kill %s succeeded", sig)
		}
	}
	if st := c.State(); st.Status != "running" {
		t.Errorf("after invalid kills: %+v", st)
	}
}

func TestList(t *testing.T) {
	h := newH(t)
	a := h.NewCtr(args("/probe", "sleep"))
	b := h.NewCtr(args("/probe", "sleep"))
	a.MustCreate()
	b.MustCreate()
	b.MustStart()

	r := h.RT("list")
	wantOK(t, r)
	lines := strings.Split(strings.TrimRight(r.Stdout, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("list: want a header and 2 rows, got %q", r.Stdout)
	}
	if f := strings.Fields(lines[0]); strings.Join(f, " ") != "ID PID STATUS BUNDLE CREATED OWNER" {
		t.Errorf("list header: %q", lines[0])
	}
	rows := map[string][]string{}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		rows[f[0]] = f
	}
	for _, c := range []struct {
		c      *Ctr
		status string
	}{{a, "created"}, {b, "running"}} {
		f := rows[c.c.ID]
		if len(f) < 5 || f[1] != strconv.Itoa(c.c.State().Pid) || f[2] != c.status || f[3] != c.c.Bundle {
			t.Errorf("list row for %s: %q", c.c.ID, f)
		}
	}

	r = h.RT("list", "-f", "json")
	wantOK(t, r)
	var js []map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &js); err != nil {
		t.Fatalf("list -f json: %v: %q", err, r.Stdout)
	}
	got := map[string]string{}
	for _, e := range js {
		for _, k := range []string{"ociVersion", "id", "pid", "status", "bundle", "rootfs", "created", "owner"} {
			if _, ok := e[k]; !ok {
				t.Errorf("list -f json entry lacks %q: %v", k, e)
			}
		}
		got[fmt.Sprint(e["id"])] = fmt.Sprint(e["status"])
	}
	if got[a.ID] != "created" || got[b.ID] != "running" || len(got) != 2 {
		t.Errorf("list -f json: %v", got)
	}

	r = h.RT("list", "-q")
	wantOK(t, r)
	ids := strings.Fields(r.Stdout)
	sort.Strings(ids)
	want := []string{a.ID, b.ID}
	sort.Strings(want)
	if strings.Join(ids, " ") != strings.Join(want, " ") {
		t.Errorf("list -q: %q, want %q", ids, want)
	}

	r = h.RT("list", "--format", "json", "--quiet")
	wantOK(t, r)
	if ids := strings.Fields(r.Stdout); len(ids) != 2 {
		t.Errorf("list --format json --quiet: %q", r.Stdout)
	}
}

func TestListEmptyRoot(t *testing.T) {
	h := newH(t)
	r := h.RT("list", "-q")
	wantOK(t, r)
	if strings.TrimSpace(r.Stdout) != "" {
		t.Errorf("list -q on an empty root: %q", r.Stdout)
	}
	r = h.RTOpts(Opts{NoRoot: true, Global: []string{"--root", filepath.Join(h.Dir, "never-made")}}, "list")
	wantOK(t, r)
}

func TestSingleDashLongFlags(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(args("/probe", "sleep"))
	pidFile := filepath.Join(h.Dir, "pid")
	o := c.opts(Opts{NoRoot: true})
	wantOK(t, h.RTOpts(o, "-root", h.Root, "create", "-bundle", c.Bundle, "-pid-file", pidFile, c.ID))
	if atoi(readString(t, pidFile)) <= 0 {
		t.Errorf("pid file not written")
	}
	wantOK(t, h.RTOpts(Opts{NoRoot: true}, "-root", h.Root, "start", c.ID))
	r := h.RTOpts(Opts{NoRoot: true}, "-root", h.Root, "list", "-format", "json")
	wantOK(t, r)
	if !strings.Contains(r.Stdout, c.ID) {
		t.Errorf("list -format json: %q", r.Stdout)
	}
	wantOK(t, h.RTOpts(Opts{NoRoot: true}, "-root", h.Root, "delete", "-force", c.ID))

	d := h.NewCtr(args("/probe", "exit", "4"))
	r = h.RTOpts(Opts{NoRoot: true}, "-root", h.Root, "run", "-bundle", d.Bundle, "-no-subreaper", d.ID)
	if r.Code != 4 {
		t.Errorf("run with single-dash flags: %s", r)
	}
}

func TestLogJSON(t *testing.T) {
	h := newH(t)
	logFile := filepath.Join(h.Dir, "log.json")
	old := `{"level":"info","msg":"kept","time":"2020-01-01T00:00:00Z"}` + "\n"
	os.WriteFile(logFile, []byte(old), 0o644)
	r := h.RTOpts(Opts{Global: []string{"--log", logFile, "--log-format", "json"}}, "state", "no-such-ctr")
	wantFail(t, r)
	content := readString(t, logFile)
	if !strings.HasPrefix(content, old) {
		t.Errorf("--log truncated the file: %q", content)
	}
	var lastErr map[string]any
	for _, l := range strings.Split(strings.TrimSpace(content), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Errorf("log line is not JSON: %q", l)
			continue
		}
		if m["level"] == "error" {
			lastErr = m
		}
	}
	if lastErr == nil {
		t.Fatalf(`no {"level":"error"} line in the log: %q`, content)
	}
	if msg, _ := lastErr["msg"].(string); !strings.Contains(msg, "container does not exist") {
		t.Errorf("error msg %q lacks `container does not exist`", msg)
	}
	if _, ok := lastErr["time"]; !ok {
		t.Errorf("error line has no time: %v", lastErr)
	}

	// A create failure (bad config) is logged the same way.
	c := h.NewCtr()
	os.WriteFile(filepath.Join(c.Bundle, "config.json"), []byte("{bad json"), 0o644)
	r = h.RTOpts(c.opts(Opts{Global: []string{"--log", logFile, "--log-format=json"}}), "create", "--bundle", c.Bundle, c.ID)
	wantFail(t, r)
	content = readString(t, logFile)
	lines := strings.Split(strings.TrimSpace(content), "\n")
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil || m["level"] != "error" {
		t.Errorf("the last log line after a failed create is not a JSON error: %q", lines[len(lines)-1])
	}
}

func TestDebugFlag(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(args("/probe", "exit", "0"))
	logFile := filepath.Join(h.Dir, "debug.log")
	r := c.RunOpts(Opts{Global: []string{"--debug", "--log", logFile}})
	wantOK(t, r)
}

func TestConcurrentCreates(t *testing.T) {
	h := newH(t)
	const n = 4
	var cs []*Ctr
	for i := 0; i < n; i++ {
		cs = append(cs, h.NewCtr(args("/probe", "sleep")))
	}
	var wg sync.WaitGroup
	res := make([]Res, n)
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = c.Create()
		}()
	}
	wg.Wait()
	for i, r := range res {
		if r.Code != 0 {
			t.Errorf("concurrent create %d: %s", i, r)
		}
	}
	r := h.RT("list", "-q")
	if got := strings.Fields(r.Stdout); len(got) != n {
		t.Errorf("list -q after %d concurrent creates: %q", n, got)
	}
	for _, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Start()
		}()
	}
	wg.Wait()
	for _, c := range cs {
		if st := c.State(); st.Status != "running" {
			t.Errorf("%s: %+v", c.ID, st)
		}
	}
}

func TestNoNewKeyring(t *testing.T) {
	h := newH(t)
	own, err := unix.KeyctlGetKeyringID(unix.KEY_SPEC_SESSION_KEYRING, false)
	if err != nil {
		t.Fatalf("keyctl: %v", err)
	}
	rep := h.NewCtr().Report()
	if rep.SessionKey == 0 || rep.SessionKey == own {
		t.Errorf("default: want a new session keyring, got %d (%q), ours is %d", rep.SessionKey, rep.SessionKeyDsc, own)
	}
	rep = h.NewCtr().Report("--no-new-keyring")
	if rep.SessionKey != own {
		t.Errorf("--no-new-keyring: want our session keyring %d, got %d (%q)", own, rep.SessionKey, rep.SessionKeyDsc)
	}
}

func TestConcurrentCreatesSameID(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(args("/probe", "sleep"))
	const n = 4
	var wg sync.WaitGroup
	res := make([]Res, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = c.Create()
		}()
	}
	wg.Wait()
	ok := 0
	for _, r := range res {
		switch {
		case r.Code == 0:
			ok++
		case r.Code != 1 || !strings.Contains(r.Out(), "container with given ID already exists"):
			t.Errorf("a losing concurrent create: %s", r)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d concurrent creates of one id succeeded, want 1", ok, n)
	}
	if st := c.State(); st.Status != "created" {
		t.Errorf("%+v", st)
	}
}

// TestFeatures: `rt features` (no global flags, as containerd calls it)
// prints runtime-spec features JSON.
func TestFeatures(t *testing.T) {
	h := newH(t)
	r := h.RTOpts(Opts{NoRoot: true}, "features")
	wantOK(t, r)
	var f struct {
		OCIVersionMax string   `json:"ociVersionMax"`
		MountOptions  []string `json:"mountOptions"`
		Linux         struct {
			Seccomp struct {
				Enabled bool `json:"enabled"`
			} `json:"seccomp"`
		} `json:"linux"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &f); err != nil {
		t.Fatalf("features is not JSON: %v\n%s", err, r.Stdout)
	}
	if f.OCIVersionMax != "1.3.0" || len(f.MountOptions) == 0 || !f.Linux.Seccomp.Enabled {
		t.Errorf("features: %+v", f)
	}
}

// TestLogJSONOneObjectOnFailure: podman reads a failed runtime's whole JSON
// log file as one object: a failure writes only the error object (warnings
// of that invocation are dropped); a success keeps its warnings.
func TestLogJSONOneObjectOnFailure(t *testing.T) {
	h := newH(t)
	bogus := func(s *specs.Spec) {
		s.Process.Capabilities.Bounding = append(s.Process.Capabilities.Bounding, "CAP_BOGUS")
	}
	logFile := filepath.Join(h.Dir, "fail.json")
	c := h.NewCtr(bogus, args("/no/such/binary"))
	wantFail(t, c.RunOpts(Opts{Global: []string{"--log", logFile, "--log-format", "json"}}))
	var m map[string]any
	if err := json.Unmarshal([]byte(readString(t, logFile)), &m); err != nil {
		t.Fatalf("the log of a failed run is not one JSON object: %v: %q", err, readString(t, logFile))
	}
	if m["level"] != "error" || !strings.Contains(fmt.Sprint(m["msg"]), "no such file or directory") {
		t.Errorf("log object %v, want the error", m)
	}
	c.AssertNoLeftovers()

	okLog := filepath.Join(h.Dir, "ok.json")
	c2 := h.NewCtr(bogus, args("/probe", "exit", "0"))
	wantOK(t, c2.RunOpts(Opts{Global: []string{"--log", okLog, "--log-format", "json"}}))
	if got := readString(t, okLog); !strings.Contains(got, `"level":"warning"`) || !strings.Contains(got, "CAP_BOGUS") {
		t.Errorf("the log of a successful run lost its warning: %q", got)
	}
	c2.AssertNoLeftovers()
}
