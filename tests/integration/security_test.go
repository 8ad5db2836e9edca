package integration

// SECURITY.md: one regression test per attack class, each of which tries
// the attack against real containers and checks that the host is untouched
// and the runtime failed safely or neutralised the trap. The attacker
// program is in security_attack_test.go.

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// ---------------------------------------------------------------------------
// helpers

// secParent makes a test that only runs subtests (each with its own H from
// newH) parallel to the other tests.
func secParent(t *testing.T) {
	t.Helper()
	if skipReason != "" {
		t.Skip(skipReason)
	}
	t.Parallel()
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func asUser(uid, gid uint32) func(*specs.Spec) {
	return func(s *specs.Spec) { s.Process.User = specs.User{UID: uid, GID: gid} }
}

// addCaps adds capabilities to the bounding, effective and permitted sets.
func addCaps(names ...string) func(*specs.Spec) {
	return func(s *specs.Spec) {
		if s.Process.Capabilities == nil {
			s.Process.Capabilities = &specs.LinuxCapabilities{}
		}
		c := s.Process.Capabilities
		c.Bounding = append(c.Bounding, names...)
		c.Effective = append(c.Effective, names...)
		c.Permitted = append(c.Permitted, names...)
	}
}

// dropMounts removes the config's mounts with these destinations.
func dropMounts(dests ...string) func(*specs.Spec) {
	return func(s *specs.Spec) {
		var out []specs.Mount
		for _, m := range s.Mounts {
			if !contains(dests, filepath.Clean(m.Destination)) {
				out = append(out, m)
			}
		}
		s.Mounts = out
	}
}

func startHook(hk specs.Hook) func(*specs.Spec) {
	return func(s *specs.Spec) {
		if s.Hooks == nil {
			s.Hooks = &specs.Hooks{}
		}
		s.Hooks.StartContainer = append(s.Hooks.StartContainer, hk)
	}
}

// createContainerHook runs a host shell script in the container's mount
// namespace after the rootfs mounts and devices are made and before
// pivot_root, masks and the console: exactly the window of the races that
// CVE-2025-31133 and CVE-2025-52565 exploit. $R is the rootfs.
func createContainerHook(rootfs, script string) func(*specs.Spec) {
	return func(s *specs.Spec) {
		if s.Hooks == nil {
			s.Hooks = &specs.Hooks{}
		}
		timeout := 20
		s.Hooks.CreateContainer = append(s.Hooks.CreateContainer, specs.Hook{
			Path:    "/bin/sh",
			Args:    []string{"sh", "-ec", script},
			Env:     []string{"R=" + rootfs, "PATH=/usr/sbin:/usr/bin:/sbin:/bin"},
			Timeout: &timeout,
		})
	}
}

func mkdirMode(t *testing.T, p string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(p, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	os.RemoveAll(link)
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// dirNames lists a directory (sorted); nil if it cannot be read.
func dirNames(p string) []string {
	ents, err := os.ReadDir(p)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

// noCrash fails on output that says the runtime (or rt-init) crashed rather
// than failed.
func noCrash(t *testing.T, r Res) {
	t.Helper()
	for _, s := range []string{"panic:", "goroutine ", "SIGSEGV", "segmentation fault", "fatal error:", "core dumped", "signal: "} {
		if strings.Contains(r.Out(), s) {
			t.Errorf("the runtime crashed (%q in its output): %s", s, r)
		}
	}
	if r.Code < 0 || r.Code > 1 && r.Code != 127 {
		t.Errorf("exit code %d: want 0 or a clean failure (1): %s", r.Code, r)
	}
	if r.Err != nil && strings.Contains(r.Err.Error(), "timed out") {
		t.Errorf("the runtime hung: %s", r)
	}
}

// wantCleanFailure: exit code 1, no crash, nothing left behind.
func wantCleanFailure(t *testing.T, c *Ctr, r Res, texts ...string) {
	t.Helper()
	noCrash(t, r)
	wantFail(t, r, texts...)
	if ents, _ := os.ReadDir(c.h.Root); len(ents) != 0 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("the failed create left %v in the state root", names)
	}
	c.AssertNoLeftovers()
}

var (
	corePatternMu   sync.Mutex
	corePatternOnce sync.Once
	corePatternOrig []byte
)

// corePatternGuard serialises the tests that attack the host's
// kernel.core_pattern (so that a change is blamed on the right one) and at
// the test's end fails it, and puts back the value the host had before any
// test ran, if the value changed.
func corePatternGuard(t *testing.T) {
	t.Helper()
	const p = "/proc/sys/kernel/core_pattern"
	corePatternOnce.Do(func() { corePatternOrig, _ = os.ReadFile(p) })
	if corePatternOrig == nil {
		t.Fatalf("cannot read %s", p)
	}
	corePatternMu.Lock()
	t.Cleanup(func() {
		defer corePatternMu.Unlock()
		after, _ := os.ReadFile(p)
		if string(after) != string(corePatternOrig) {
			t.Errorf("SECURITY (CVE-2025-31133): the host's %s changed from %q to %q: the container wrote it", p, corePatternOrig, after)
			os.WriteFile(p, corePatternOrig, 0o644)
		}
	})
}

// quietRun runs the runtime without logging every call (loops of many runs).
func quietRun(h *H, args ...string) Res {
	start := time.Now()
	outF, _ := os.CreateTemp(h.Dir, "q-out-*")
	errF, _ := os.CreateTemp(h.Dir, "q-err-*")
	defer os.Remove(outF.Name())
	defer os.Remove(errF.Name())
	defer outF.Close()
	defer errF.Close()
	full := append(append(append([]string{}, rtGlobal...), "--root", h.Root), args...)
	cmd := exec.Command(rtBinary, full...)
	cmd.Stdout, cmd.Stderr = outF, errF
	cmd.WaitDelay = 5 * time.Second
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		return Res{Args: full, Code: -1, Err: err}
	}
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(cmdTimeout):
		cmd.Process.Kill()
		err = fmt.Errorf("timed out after %v: %w", cmdTimeout, <-done)
	}
	r := Res{Args: append([]string{rtName}, full...), Code: -1, Err: err, Dur: time.Since(start)}
	if cmd.ProcessState != nil {
		r.Code = cmd.ProcessState.ExitCode()
	}
	b, _ := os.ReadFile(outF.Name())
	r.Stdout = string(b)
	b, _ = os.ReadFile(errF.Name())
	r.Stderr = string(b)
	return r
}

// ---------------------------------------------------------------------------
// the watcher: container A runs the attacker, container B joins A's pid
// namespace (as `runc exec` joins a container), so A's process sees B's
// rt-init from inside, exactly as a container sees a runtime process that
// enters it.

type watcher struct {
	t   *testing.T
	c   *Ctr
	dir string // the shared dir on the host
	n   int
}

func startWatcher(t *testing.T, h *H, secret string, mut ...func(*specs.Spec)) *watcher {
	t.Helper()
	all := append([]func(*specs.Spec){args("/attack", "watch", "/shared", rtIdent(t), secret)}, mut...)
	c := h.NewCtr(all...)
	installAttack(t, filepath.Join(c.Rootfs, "attack"))
	w := &watcher{t: t, c: c, dir: filepath.Join(c.Rootfs, "shared")}
	mkdirMode(t, w.dir, 0o777)
	c.MustCreate()
	c.MustStart()
	waitFileContains(t, filepath.Join(w.dir, "ready"), "ready")
	t.Cleanup(w.stop)
	return w
}

// pidns is the path of the watcher's pid namespace.
func (w *watcher) pidns() string {
	return fmt.Sprintf("/proc/%d/ns/pid", w.c.State().Pid)
}

// trigger makes the attacker attack every process once more now; the
// records of that round carry the phase name.
func (w *watcher) trigger(phase string) {
	w.t.Helper()
	w.n++
	phase = fmt.Sprintf("%s-%d", phase, w.n)
	tmp := filepath.Join(w.dir, "trigger.tmp")
	if err := os.WriteFile(tmp, []byte(phase), 0o666); err != nil {
		w.t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(w.dir, "trigger")); err != nil {
		w.t.Fatal(err)
	}
	waitFileContains(w.t, filepath.Join(w.dir, "fired"), phase)
}

func (w *watcher) records() []Record {
	return readRecords(w.t, filepath.Join(w.dir, "records.jsonl"))
}

// recordsFor returns the records of pid (in the watcher's pid namespace)
// whose phase starts with prefix.
func (w *watcher) recordsFor(pid int, prefix string) []Record {
	var out []Record
	for _, r := range w.records() {
		if r.Pid == pid && strings.HasPrefix(r.Phase, prefix) {
			out = append(out, r)
		}
	}
	return out
}

// stop ends the attacker: it reopens the exe files it kept, then exits.
func (w *watcher) stop() {
	if _, err := os.Stat(filepath.Join(w.dir, "done")); err == nil {
		return
	}
	os.WriteFile(filepath.Join(w.dir, "stop"), nil, 0o666)
	deadline := time.Now().Add(waitTimeout)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(filepath.Join(w.dir, "done")); err == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	w.t.Errorf("the attacker did not finish within %v", waitTimeout)
}

// checkExeAttempts fails on every attempt that reached the host's runtime
// binary, opened a live runtime executable for writing, or changed one.
func checkExeAttempts(t *testing.T, who string, recs []Record) {
	t.Helper()
	for _, r := range recs {
		for _, a := range r.Attempts {
			if a.IsRT {
				t.Errorf("SECURITY (CVE-2019-5736): %s: pid %d (%s): %s %s reached the host runtime binary %s (%s)",
					who, r.Pid, r.Phase, a.Op, a.Path, rtBinary, a.Info)
			}
			switch {
			case strings.HasSuffix(a.Op, "-write") && a.OK:
				t.Errorf("SECURITY (CVE-2019-5736): %s: pid %d (%s, exe %q): wrote to the runtime executable through %s: it is not sealed",
					who, r.Pid, r.Phase, r.Exe, a.Op)
			case (a.Op == "open-exe-wronly" || a.Op == "open-exe-rdwr") && a.OK && strings.Contains(r.Exe, "rt-init"):
				t.Errorf("SECURITY (CVE-2019-5736): %s: pid %d (%s): %s succeeded on the running rt-init (%s)",
					who, r.Pid, r.Phase, a.Op, a.Info)
			}
		}
	}
}

// ---------------------------------------------------------------------------
// 1. binary overwrite

// TestSecurityBinaryOverwrite: CVE-2019-5736. A process in the container
// opens /proc/<runtime pid>/exe for writing to overwrite the host's runtime
// binary. rt's init must run from a sealed memfd copy of rt-init (never the
// rt binary) and be non-dumpable until execve; the host's ./rt must be
// unchanged whatever the container does.
func TestSecurityBinaryOverwrite(t *testing.T) {
	secParent(t)

	// The waiting init seen from the host: its exe is the sealed memfd, and
	// even root cannot open it for writing.
	t.Run("host-view-of-waiting-init", func(t *testing.T) {
		h := newH(t)
		guardRuntimeBinary(t)
		c := h.NewCtr(args("/probe", "exit", "0"))
		c.MustCreate()
		pid := c.State().Pid
		exe := fmt.Sprintf("/proc/%d/exe", pid)
		link, err := os.Readlink(exe)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(link, "/memfd:rt-init") {
			t.Errorf("SECURITY: the waiting init's exe is %q, want the memfd \"/memfd:rt-init (deleted)\"", link)
		}
		var rtSt, exeSt unix.Stat_t
		if err := unix.Stat(rtBinary, &rtSt); err != nil {
			t.Fatal(err)
		}
		if err := unix.Stat(exe, &exeSt); err != nil {
			t.Fatal(err)
		}
		if rtSt.Dev == exeSt.Dev && rtSt.Ino == exeSt.Ino {
			t.Errorf("SECURITY: the waiting init executes the host's %s itself", rtBinary)
		}
		// The seals, read through a read-only reopen of the exe.
		fd, err := unix.Open(exe, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		seals, err := unix.FcntlInt(uintptr(fd), unix.F_GET_SEALS, 0)
		unix.Close(fd)
		want := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
		if err != nil || seals&want != want {
			t.Errorf("SECURITY: the init's memfd seals are %#x (%v), want at least %#x (seal, shrink, grow, write)", seals, err, want)
		}
		for _, fl := range []int{unix.O_RDWR, unix.O_WRONLY, unix.O_WRONLY | unix.O_TRUNC} {
			fd, err := unix.Open(exe, fl|unix.O_CLOEXEC, 0)
			if err == nil {
				unix.Close(fd)
				t.Errorf("SECURITY: root on the host opened the waiting init's exe with flags %#x", fl)
				continue
			}
			if !errors.Is(err, unix.ETXTBSY) && !errors.Is(err, unix.EPERM) && !errors.Is(err, unix.EACCES) {
				t.Errorf("opening the init's exe with flags %#x: %v, want ETXTBSY, EPERM or EACCES", fl, err)
			}
		}
		wantOK(t, c.Start())
		c.WaitStatus("stopped")
	})

	// A startContainer hook runs in the container while its pid 1 is still
	// rt-init: the hook attacks /proc/1/exe. Without CAP_SYS_PTRACE the
	// non-dumpable init hides it; with it, the exe is the sealed memfd.
	for _, tc := range []struct {
		name    string
		mut     []func(*specs.Spec)
		ptraced bool
	}{
		{"hook-as-root", nil, false},
		{"hook-as-user", []func(*specs.Spec){asUser(1000, 1000)}, false},
		{"hook-with-CAP_SYS_PTRACE", []func(*specs.Spec){addCaps("CAP_SYS_PTRACE")}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newH(t)
			guardRuntimeBinary(t)
			timeout := 20
			mut := append([]func(*specs.Spec){args("/probe", "exit", "0"), startHook(specs.Hook{
				Path: "/attack", Args: []string{"attack", "hook", "/out/hook.json", "1", rtIdent(t), "-"}, Timeout: &timeout,
			})}, tc.mut...)
			c := h.NewCtr(mut...)
			installAttack(t, filepath.Join(c.Rootfs, "attack"))
			mkdirMode(t, filepath.Join(c.Rootfs, "out"), 0o777)
			c.MustCreate()
			wantOK(t, c.Start())
			c.WaitStatus("stopped")
			recs := readRecords(t, filepath.Join(c.Rootfs, "out/hook.json"))
			if len(recs) != 1 {
				t.Fatalf("the hook wrote no record: %s / %s", readString(t, c.Out), readString(t, c.Err))
			}
			r := recs[0]
			t.Logf("hook record: %+v", r)
			checkExeAttempts(t, "startContainer hook", recs)
			for _, op := range []string{"open-exe-wronly", "open-exe-rdwr"} {
				for _, a := range r.find(op) {
					if a.OK {
						t.Errorf("SECURITY (CVE-2019-5736): the hook opened /proc/1/exe (the waiting init) with %s", op)
					}
				}
			}
			if !tc.ptraced {
				// non-dumpable: not even the links are readable (the fd
				// numbers are: /proc/1/fd belongs to root, as the hook may be)
				for _, op := range []string{"readlink-exe", "open-exe-ro", "ptrace-attach", "readlink-fd", "list-fd-dir",
					"readlink-cwd", "list-cwd", "readlink-root", "list-root"} {
					for _, a := range r.find(op) {
						if a.OK {
							t.Errorf("SECURITY (CVE-2016-9962): the hook could %s the waiting init (pid 1): it is dumpable (%s)", op, a.Info)
						}
					}
				}
				return
			}
			// With CAP_SYS_PTRACE the kernel lets the hook in: what it finds
			// must be the sealed memfd.
			for _, a := range r.find("open-exe-ro") {
				if !a.OK {
					t.Errorf("with CAP_SYS_PTRACE the hook should reach /proc/1/exe (the attack is not exercised): %+v", a)
				} else if !strings.Contains(a.Info, "seals=15") {
					t.Errorf("SECURITY: /proc/1/exe of the waiting init is not a fully sealed memfd: %s", a.Info)
				}
			}
			if !strings.HasPrefix(r.Exe, "/memfd:rt-init") {
				t.Errorf("SECURITY: the waiting init's exe seen from the container is %q, want /memfd:rt-init", r.Exe)
			}
		})
	}

	// The classic attack: a container process with CAP_SYS_PTRACE watches
	// for the runtime process that joins its pid namespace, grabs its exe,
	// and, once that process is gone, reopens the exe for writing. The
	// joining container's process is a "#!/proc/self/exe" script, so the
	// kernel re-executes the runtime's own executable as the interpreter.
	t.Run("joining-process-shebang-proc-self-exe", func(t *testing.T) {
		h := newH(t)
		guardRuntimeBinary(t)
		w := startWatcher(t, h, "-", addCaps("CAP_SYS_PTRACE"))
		b := h.NewCtr(setNS(specs.PIDNamespace, w.pidns()), args("/bin/evil"))
		writeFile(t, filepath.Join(b.Rootfs, "bin/evil"), "#!/proc/self/exe\n")
		os.Chmod(filepath.Join(b.Rootfs, "bin/evil"), 0o755)
		b.MustCreate()
		binit := nsPid(t, b.State().Pid)
		w.trigger("created")
		created := w.recordsFor(binit, "created")
		if len(created) == 0 {
			t.Fatalf("the attacker did not see the joining init (pid %d in its namespace)", binit)
		}
		if !strings.HasPrefix(created[0].Exe, "/memfd:rt-init") {
			t.Errorf("SECURITY: the joining init's exe seen from the container is %q, want /memfd:rt-init", created[0].Exe)
		}
		b.Start() // the evil interpreter fails: rt-init refuses to run without its protocol
		b.WaitStatus("stopped")
		t.Logf("the joining container's output: %q", readString(t, b.Out)+readString(t, b.Err))
		wantOK(t, b.Delete())
		w.stop()
		recs := w.records()
		var kept int
		for _, r := range recs {
			if r.Phase == "after" {
				kept++
				t.Logf("after the joining processes were gone, pid %d's exe: %+v", r.Pid, r.Attempts)
			}
		}
		t.Logf("%d records, %d exe handles kept and reopened after the processes were gone", len(recs), kept)
		if kept == 0 {
			t.Errorf("the attacker kept no exe handle of the joining process: the attack was not exercised")
		}
		checkExeAttempts(t, "a container process with CAP_SYS_PTRACE", recs)
	})
}

// ---------------------------------------------------------------------------
// 2. ptrace of init

// TestSecurityInitPtrace: CVE-2016-9962. The container's processes ptrace
// the runtime process in the container (the waiting init, a joining
// process) to steal its fds. The init must stay non-dumpable until execve,
// also after it switched to the container's user.
func TestSecurityInitPtrace(t *testing.T) {
	secParent(t)

	// From the host, as the same unprivileged uid as the container's user.
	t.Run("host-same-uid", func(t *testing.T) {
		h := newH(t)
		atk := filepath.Join(h.Dir, "attack")
		installAttack(t, atk)
		c := h.NewCtr(asUser(1000, 1000), args("/probe", "sleep"))
		c.MustCreate()
		pid := c.State().Pid
		status := readString(t, fmt.Sprintf("/proc/%d/status", pid))
		if !strings.Contains(status, "\nUid:\t1000\t1000\t1000") {
			t.Fatalf("the waiting init is not uid 1000 yet: %s", status)
		}
		// /proc/<pid> of a non-dumpable process belongs to root
		var st unix.Stat_t
		if err := unix.Stat(fmt.Sprintf("/proc/%d/fd", pid), &st); err != nil {
			t.Fatal(err)
		}
		if st.Uid != 0 {
			t.Errorf("SECURITY (CVE-2016-9962): /proc/%d/fd of the waiting init (uid 1000) belongs to uid %d: the init is dumpable", pid, st.Uid)
		}
		ptrace := func() Attempt {
			cmd := exec.Command(atk, "ptrace", strconv.Itoa(pid))
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 1000, Gid: 1000}}
			out, err := cmd.Output()
			var a Attempt
			if err != nil || json.Unmarshal(out, &a) != nil {
				t.Fatalf("running the attacker as uid 1000: %v %s", err, out)
			}
			return a
		}
		if a := ptrace(); a.OK {
			t.Errorf("SECURITY (CVE-2016-9962): uid 1000 on the host ptrace-attached the waiting init: %+v", a)
		} else if a.Errno != int(unix.EPERM) {
			t.Errorf("ptrace of the waiting init: %+v, want EPERM", a)
		}
		// control: once the user process runs (dumpable), the same attack works
		wantOK(t, c.Start())
		c.WaitStatus("running")
		if a := ptrace(); !a.OK {
			t.Errorf("control: uid 1000 could not ptrace the container's own (dumpable) process either: %+v: the test proves nothing", a)
		}
	})

	// From a startContainer hook in the container, as the container's user.
	t.Run("hook-same-uid", func(t *testing.T) {
		h := newH(t)
		timeout := 20
		c := h.NewCtr(asUser(1000, 1000), args("/probe", "exit", "0"), startHook(specs.Hook{
			Path: "/attack", Args: []string{"attack", "hook", "/out/hook.json", "1", rtIdent(t), "-"}, Timeout: &timeout,
		}))
		installAttack(t, filepath.Join(c.Rootfs, "attack"))
		mkdirMode(t, filepath.Join(c.Rootfs, "out"), 0o777)
		c.MustCreate()
		wantOK(t, c.Start())
		c.WaitStatus("stopped")
		recs := readRecords(t, filepath.Join(c.Rootfs, "out/hook.json"))
		if len(recs) != 1 {
			t.Fatalf("the hook wrote no record: %s", readString(t, c.Err))
		}
		for _, op := range []string{"ptrace-attach", "list-fds", "readlink-exe", "readlink-cwd", "readlink-root"} {
			for _, a := range recs[0].find(op) {
				if a.OK {
					t.Errorf("SECURITY (CVE-2016-9962): a uid-1000 hook could %s the waiting init (uid 1000): %+v", op, a)
				}
			}
		}
	})

	// The container's pid 1 (uid 1000, no capabilities) watches for the
	// runtime process that joins its pid namespace with the same uid.
	t.Run("container-process-vs-joining-init", func(t *testing.T) {
		h := newH(t)
		w := startWatcher(t, h, "-", asUser(1000, 1000))
		b := h.NewCtr(setNS(specs.PIDNamespace, w.pidns()), asUser(1000, 1000), args("/probe", "sleep"))
		b.MustCreate()
		binit := nsPid(t, b.State().Pid)
		w.trigger("created")
		recs := w.recordsFor(binit, "created")
		if len(recs) == 0 {
			t.Fatalf("the attacker did not see the joining init (pid %d in its namespace)", binit)
		}
		for _, op := range []string{"ptrace-attach", "list-fds", "readlink-exe", "open-exe-ro"} {
			for _, a := range recs[0].find(op) {
				if a.OK {
					t.Errorf("SECURITY (CVE-2016-9962): the container's process could %s the joining init: %+v", op, a)
				}
			}
		}
		// control: after execve the same process is the container's own
		// (dumpable) process, and the same attack works
		wantOK(t, b.Start())
		b.WaitStatus("running")
		w.trigger("started")
		var ok bool
		for _, r := range w.recordsFor(binit, "started") {
			for _, a := range r.find("ptrace-attach") {
				ok = ok || a.OK
			}
		}
		if !ok {
			t.Errorf("control: the attacker could not ptrace the container's own process either: the test proves nothing")
		}
		wantOK(t, b.Kill("KILL"))
		b.WaitStatus("stopped")
	})
}

// ---------------------------------------------------------------------------
// 3. leaked fds / cwd

// leakedDirFds opens dir once per fd 3..9 for a runtime invocation that
// does NOT pass --preserve-fds: the runtime must not let any of them reach
// the container.
func leakedDirFds(t *testing.T, dir string) []*os.File {
	t.Helper()
	var files []*os.File
	for i := 0; i < 7; i++ {
		f, err := os.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		files = append(files, f)
	}
	return files
}

// TestSecurityLeakedFds: CVE-2024-21626. A host directory fd (here of
// /sys/fs/cgroup) that reaches the init lets process.cwd
// "/proc/self/fd/N" put the container process outside its root, and lets
// anything that can read the init's fds reach the host.
func TestSecurityLeakedFds(t *testing.T) {
	secParent(t)

	t.Run("cwd-proc-self-fd", func(t *testing.T) {
		h := newH(t)
		leak := leakedDirFds(t, "/sys/fs/cgroup")
		for _, cwd := range []string{"/proc/self/fd/5", "/proc/self/fd/7", "/proc/self/fd/9",
			"/proc/self/fd/7/..", "/proc/self/fd/8/../../..", "/proc/1/fd/7"} {
			c := h.NewCtr(func(s *specs.Spec) { s.Process.Cwd = cwd }, sh("/probe report; /probe ls ."))
			r := c.RunOpts(Opts{ExtraFiles: leak})
			noCrash(t, r)
			if r.Code != 0 {
				if r.Code != 1 {
					t.Errorf("cwd %s: want exit 1, got %s", cwd, r)
				}
				c.AssertNoLeftovers()
				continue
			}
			var rep Report
			var ls []string
			decodeJSONs(t, r.Stdout, &rep, &ls)
			if !strings.HasPrefix(rep.Cwd, "/") || strings.Contains(rep.Cwd, "unreachable") || rep.Errors["cwd"] != "" {
				t.Errorf("SECURITY (CVE-2024-21626): cwd %s: the container process runs in %q (%s), outside its root; it sees %v", cwd, rep.Cwd, rep.Errors["cwd"], ls)
			}
			if contains(ls, "memory") || contains(ls, "systemd") || contains(ls, "unified") {
				t.Errorf("SECURITY (CVE-2024-21626): cwd %s: the container process lists the host's cgroupfs: %v", cwd, ls)
			}
		}
	})

	// The waiting init holds exactly stdio and the start socket.
	t.Run("waiting-init-fds", func(t *testing.T) {
		h := newH(t)
		leak := leakedDirFds(t, "/sys/fs/cgroup")
		c := h.NewCtr(args("/probe", "fds"))
		wantOK(t, c.CreateOpts(Opts{ExtraFiles: leak}))
		pid := c.State().Pid
		ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
		if err != nil {
			t.Fatal(err)
		}
		var extra, sockets []string
		for _, e := range ents {
			l, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, e.Name()))
			switch {
			case e.Name() == "0" || e.Name() == "1" || e.Name() == "2":
			case strings.HasPrefix(l, "socket:") && len(sockets) == 0:
				sockets = append(sockets, e.Name()+" -> "+l)
			default:
				extra = append(extra, e.Name()+" -> "+l)
			}
		}
		if len(extra) > 0 {
			t.Errorf("SECURITY (CVE-2024-21626): the waiting init (pid %d) holds fds beyond stdio and the start socket %v: %v "+
				"(the runtime was started with /sys/fs/cgroup open on fds 3-9 and no --preserve-fds)", pid, sockets, extra)
		}
		if len(sockets) != 1 {
			t.Errorf("the waiting init has no start socket: %v", ents)
		}
		wantOK(t, c.Start())
		c.WaitStatus("stopped")
		var fds map[string]string
		decodeJSONs(t, readString(t, c.Out), &fds)
		if len(fds) != 3 {
			t.Errorf("SECURITY (CVE-2024-21626): the container process has fds %v, want only 0, 1, 2", fds)
		}
	})

	// What a leak gives away: the container's process (with CAP_SYS_PTRACE)
	// reads the fds of the runtime process that joins its pid namespace.
	t.Run("container-process-reads-joining-init-fds", func(t *testing.T) {
		h := newH(t)
		secret := "HOST-SECRET-" + randHex(6)
		hostDir := filepath.Join(h.Dir, "host-secret")
		writeFile(t, filepath.Join(hostDir, secret), "the host")
		leak := leakedDirFds(t, hostDir)
		w := startWatcher(t, h, secret, addCaps("CAP_SYS_PTRACE"))
		b := h.NewCtr(setNS(specs.PIDNamespace, w.pidns()), args("/probe", "exit", "0"))
		if r := b.CreateOpts(Opts{ExtraFiles: leak}); r.Code != 0 {
			t.Fatalf("create: %s", r)
		}
		binit := nsPid(t, b.State().Pid)
		w.trigger("created")
		recs := w.recordsFor(binit, "")
		if len(w.recordsFor(binit, "created")) == 0 {
			t.Fatalf("the attacker did not see the joining init (pid %d in its namespace)", binit)
		}
		for _, r := range recs {
			for _, a := range r.Attempts {
				if a.Secret {
					t.Errorf("SECURITY (CVE-2024-21626): a container process with CAP_SYS_PTRACE listed the host directory %s "+
						"through %s of the joining init (%s phase): the init holds an fd leaked from the runtime's caller",
						hostDir, a.Path, r.Phase)
				}
			}
		}
		// Start must still work. (Not waited for: once B runs a dumpable
		// program, the attacker with CAP_SYS_PTRACE may attach to it and
		// keep it stopped; the cleanup force-deletes it.)
		wantOK(t, b.Start())
	})
}

// ---------------------------------------------------------------------------
// 4. symlink races on mount targets

// TestSecuritySymlinkRaceMountTarget: CVE-2021-30465 (and CVE-2024-45310,
// CVE-2026-41579): a component of a mount destination is swapped, in a tight
// loop, between a directory and a symlink to a host directory while the
// runtime runs the container 100 times. Nothing may ever be created in or
// mounted on the host directory, no mount may reach the host's table, and
// every successful run has its mounts inside the container.
func TestSecuritySymlinkRaceMountTarget(t *testing.T) {
	h := newH(t)
	victim := filepath.Join(h.Dir, "victim")
	writeFile(t, filepath.Join(victim, "canary"), "canary")
	var victimSt unix.Stat_t
	if err := unix.Stat(victim, &victimSt); err != nil {
		t.Fatal(err)
	}
	srcName := "rtsec-src-" + randHex(4)
	src := filepath.Join(h.Dir, srcName)
	writeFile(t, filepath.Join(src, "marker"), "marker")
	c := h.NewCtr(
		addMount(specs.Mount{Destination: "/race/mnt", Type: "bind", Source: src, Options: []string{"bind"}}),
		addMount(specs.Mount{Destination: "/race2/deep/mnt", Type: "bind", Source: src, Options: []string{"rbind", "ro"}}),
		addMount(specs.Mount{Destination: "/race/tmpfs", Type: "tmpfs", Source: "tmpfs", Options: []string{"size=16k"}}),
	)
	// A run that hung or crashed leaves its container: remove every one of
	// them (before the harness checks for leftovers named after c.ID).
	t.Cleanup(func() {
		for _, id := range dirNames(h.Root) {
			h.runQuiet("delete", "--force", id)
		}
	})
	// race: a directory; race.alt: an absolute symlink to the victim.
	// race2: a directory; race2.alt: a relative symlink climbing to /.
	mkdirs(t, filepath.Join(c.Rootfs, "race"), filepath.Join(c.Rootfs, "race2"))
	symlink(t, victim, filepath.Join(c.Rootfs, "race.alt"))
	symlink(t, strings.Repeat("../", 24)+strings.TrimPrefix(victim, "/"), filepath.Join(c.Rootfs, "race2.alt"))

	stop := make(chan struct{})
	var swaps atomic.Int64
	var wg sync.WaitGroup
	for _, pair := range [][2]string{{"race", "race.alt"}, {"race2", "race2.alt"}} {
		a, b := filepath.Join(c.Rootfs, pair[0]), filepath.Join(c.Rootfs, pair[1])
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE); err == nil {
					swaps.Add(1)
				}
			}
		}()
	}
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		wg.Wait()
	}()

	const runs, workers = 100, 4
	var mu sync.Mutex
	var ok, failed int
	errs := map[string]int{}
	var next atomic.Int64
	var rwg sync.WaitGroup
	for w := 0; w < workers; w++ {
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			for {
				i := next.Add(1)
				if i > runs {
					return
				}
				id := fmt.Sprintf("%s-r%d", c.ID, i)
				r := quietRun(h, "run", "--bundle", c.Bundle, id)
				mu.Lock()
				if _, err := os.Lstat(filepath.Join(h.Root, id)); err == nil {
					t.Errorf("run %d left its state dir behind: %s", i, r)
				}
				if r.Code != 0 {
					failed++
					line := strings.TrimSpace(r.Stderr)
					if j := strings.LastIndex(line, "\n"); j >= 0 {
						line = line[j+1:]
					}
					errs[line]++
					if r.Code != 1 || strings.Contains(r.Out(), "panic") {
						t.Errorf("run %d did not fail cleanly: %s", i, r)
					}
					mu.Unlock()
					continue
				}
				ok++
				mu.Unlock()
				var rep Report
				if err := json.Unmarshal([]byte(r.Stdout), &rep); err != nil {
					t.Errorf("run %d: bad report: %v", i, err)
					continue
				}
				var seen []string
				for _, l := range rep.Mountinfo {
					if f := strings.Fields(l); len(f) > 4 && strings.Contains(f[3], srcName) {
						seen = append(seen, f[4])
					}
				}
				if len(seen) != 2 {
					t.Errorf("SECURITY (CVE-2021-30465): run %d: the container has %d of the 2 bind mounts of %s (at %v): "+
						"a mount went somewhere outside the container", i, len(seen), src, seen)
				}
			}
		}()
	}
	rwg.Wait()
	close(stop)
	wg.Wait()
	t.Logf("%d runs: %d succeeded, %d failed; %d swaps; errors: %v", runs, ok, failed, swaps.Load(), errs)
	if swaps.Load() < runs {
		t.Errorf("only %d swaps during %d runs: the race was not exercised", swaps.Load(), runs)
	}
	if got := dirNames(victim); strings.Join(got, ",") != "canary" {
		t.Errorf("SECURITY (CVE-2021-30465): the host directory %s now holds %v: the runtime created files on the host", victim, got)
	}
	var after unix.Stat_t
	if err := unix.Stat(victim, &after); err != nil || after.Dev != victimSt.Dev || after.Ino != victimSt.Ino {
		t.Errorf("SECURITY (CVE-2021-30465): something is mounted on the host directory %s", victim)
	}
	if m := mountsMatching(victim, c.Bundle, c.ID); len(m) > 0 {
		t.Errorf("SECURITY: host mounts left behind: %v", m)
	}
	if cg := cgroupDirsNamed(c.ID); len(cg) > 0 {
		t.Errorf("cgroups left behind: %v", cg)
	}
}

// TestSecuritySymlinkMountTargetStatic: CVE-2021-30465 class, without the
// race: mount destinations through symlinks in the image to "/", to
// "../../..", through a chain, through a dangling symlink the runtime has to
// create, and a symlink as the last component. Resolved on the host, each
// lands in a host directory; resolved inside the root, each stays in it.
func TestSecuritySymlinkMountTargetStatic(t *testing.T) {
	h := newH(t)
	victim := filepath.Join(h.Dir, "victim")
	writeFile(t, filepath.Join(victim, "canary"), "canary")
	writeFile(t, filepath.Join(victim, "target-file"), "VICTIM")
	srcName := "rtsec-src-" + randHex(4)
	src := filepath.Join(h.Dir, srcName)
	writeFile(t, filepath.Join(src, "marker"), "marker")
	srcFile := filepath.Join(h.Dir, srcName+"-file")
	writeFile(t, srcFile, "FROM-SOURCE")
	c := h.NewBundle(h.NewID())
	v := strings.TrimPrefix(victim, "/")
	anc := filepath.Join(c.Rootfs, "../../..")
	relFromAnc, err := filepath.Rel(anc, victim)
	if err != nil {
		t.Fatal(err)
	}
	symlink(t, "/", filepath.Join(c.Rootfs, "toroot"))
	symlink(t, "../../..", filepath.Join(c.Rootfs, "updots"))
	symlink(t, strings.Repeat("../", 24), filepath.Join(c.Rootfs, "updeep"))
	symlink(t, "chain2", filepath.Join(c.Rootfs, "chain1"))
	symlink(t, "/", filepath.Join(c.Rootfs, "chain2"))
	symlink(t, victim+"/dangling-created", filepath.Join(c.Rootfs, "dangling"))
	symlink(t, victim+"/target-file", filepath.Join(c.Rootfs, "lastfile"))
	dests := []string{
		"/toroot/" + v + "/a",
		"/updots/" + relFromAnc + "/b",
		"/updeep/" + v + "/c",
		"/chain1/" + v + "/d",
		"/dangling/e",
	}
	for _, d := range dests {
		addMount(specs.Mount{Destination: d, Type: "bind", Source: src, Options: []string{"bind"}})(c.Spec)
	}
	addMount(specs.Mount{Destination: "/lastfile", Type: "bind", Source: srcFile, Options: []string{"bind"}})(c.Spec)
	sh("/probe report; /probe read /lastfile")(c.Spec)
	c.WriteSpec()
	r := c.Run()
	noCrash(t, r)
	if got := dirNames(victim); strings.Join(got, ",") != "canary,target-file" {
		t.Errorf("SECURITY (CVE-2021-30465): the host directory %s now holds %v", victim, got)
	}
	if b, _ := os.ReadFile(filepath.Join(victim, "target-file")); string(b) != "VICTIM" {
		t.Errorf("SECURITY: the host file %s/target-file now reads %q", victim, b)
	}
	if m := mountsMatching(victim, c.Bundle); len(m) > 0 {
		t.Errorf("SECURITY: host mounts: %v", m)
	}
	if r.Code != 0 {
		t.Logf("the runtime refused the config (safe): %s", r)
		c.AssertNoLeftovers()
	} else {
		rep := decodeReport(t, r.Stdout)
		n := 0
		for _, l := range rep.Mountinfo {
			if f := strings.Fields(l); len(f) > 4 && strings.Contains(f[3], srcName) {
				n++
			}
		}
		if n != len(dests)+1 {
			t.Errorf("SECURITY: the container has %d of the %d mounts of %s: some went outside the container", n, len(dests)+1, srcName)
		}
		if !strings.HasSuffix(r.Stdout, "FROM-SOURCE") {
			t.Errorf("/lastfile in the container does not read the bound file: %q", r.Stdout[max(0, len(r.Stdout)-100):])
		}
	}

	// A destination that resolves to the container root itself.
	c2 := h.NewCtr(addMount(specs.Mount{Destination: "/rootlink", Type: "bind", Source: src, Options: []string{"bind"}}))
	symlink(t, "/", filepath.Join(c2.Rootfs, "rootlink"))
	r = c2.Run()
	noCrash(t, r)
	if r.Code == 0 {
		rep := decodeReport(t, r.Stdout)
		if l, ok := rep.Mount("/"); ok && strings.Contains(strings.Fields(l)[3], srcName) {
			t.Errorf("SECURITY: the bind through a symlink to / replaced the container's root: %s", l)
		}
	} else {
		wantFail(t, r, "root")
		c2.AssertNoLeftovers()
	}
}

// ---------------------------------------------------------------------------
// 5. fake /proc

// TestSecurityFakeProc: CVE-2019-16884, CVE-2019-19921, CVE-2023-27561,
// CVE-2023-28642, CVE-2025-52881. /proc is a symlink, or something is
// mounted on or over it, so that the runtime's /proc writes go elsewhere.
func TestSecurityFakeProc(t *testing.T) {
	secParent(t)

	for name, target := range map[string]string{
		"proc-symlink-absolute": "/tmp/fakeproc", "proc-symlink-relative": "tmp/fakeproc",
		"proc-symlink-climbing": "../../../../../../../../tmp/fakeproc",
	} {
		t.Run(name, func(t *testing.T) {
			h := newH(t)
			c := h.NewCtr()
			fake := filepath.Join(c.Rootfs, "tmp/fakeproc")
			mkdirs(t, fake)
			os.Remove(filepath.Join(c.Rootfs, "proc"))
			symlink(t, target, filepath.Join(c.Rootfs, "proc"))
			r := c.Create()
			if r.Code == 0 {
				t.Errorf("SECURITY: create with /proc a symlink to %s succeeded", target)
				if m := mountsMatching("fakeproc"); len(m) > 0 {
					t.Errorf("SECURITY: procfs mounted through the symlink: %v", m)
				}
				return
			}
			wantCleanFailure(t, c, r, "/proc")
			if got := dirNames(fake); len(got) != 0 {
				t.Errorf("SECURITY: the fake /proc now holds %v", got)
			}
		})
	}

	hostFake := func(t *testing.T, dir string) {
		writeFile(t, filepath.Join(dir, "sys/kernel/core_pattern"), "FAKE")
		writeFile(t, filepath.Join(dir, "self/attr/exec"), "FAKE")
	}
	refused := []struct {
		name  string
		setup func(t *testing.T, h *H, c *Ctr)
		text  string
	}{
		{"tmpfs-over-proc-sys", func(t *testing.T, h *H, c *Ctr) {
			addMount(specs.Mount{Destination: "/proc/sys", Type: "tmpfs", Source: "tmpfs"})(c.Spec)
		}, "/proc/sys"},
		{"tmpfs-over-proc-self-attr", func(t *testing.T, h *H, c *Ctr) {
			addMount(specs.Mount{Destination: "/proc/self/attr", Type: "tmpfs", Source: "tmpfs"})(c.Spec)
		}, "/proc"},
		{"bind-onto-proc", func(t *testing.T, h *H, c *Ctr) {
			fake := filepath.Join(h.Dir, "fake-proc")
			hostFake(t, fake)
			addMount(specs.Mount{Destination: "/proc", Type: "bind", Source: fake, Options: []string{"rbind"}})(c.Spec)
		}, "/proc"},
		{"bind-into-proc-through-symlink", func(t *testing.T, h *H, c *Ctr) {
			fake := filepath.Join(h.Dir, "fake-kernel")
			writeFile(t, filepath.Join(fake, "core_pattern"), "FAKE")
			symlink(t, "/proc/sys", filepath.Join(c.Rootfs, "x"))
			addMount(specs.Mount{Destination: "/x/kernel", Type: "bind", Source: fake, Options: []string{"bind"}})(c.Spec)
		}, "/proc"},
		{"file-bind-onto-procfs-file-through-symlink", func(t *testing.T, h *H, c *Ctr) {
			f := filepath.Join(h.Dir, "fake-core-pattern")
			writeFile(t, f, "|/bin/false")
			symlink(t, "/proc/sys/kernel/core_pattern", filepath.Join(c.Rootfs, "etc/cp"))
			addMount(specs.Mount{Destination: "/etc/cp", Type: "bind", Source: f, Options: []string{"bind"}})(c.Spec)
		}, "/proc"},
		{"tmpfs-over-proc-through-relative-symlink", func(t *testing.T, h *H, c *Ctr) {
			symlink(t, "../../proc/self", filepath.Join(c.Rootfs, "etc/me"))
			addMount(specs.Mount{Destination: "/etc/me/attr", Type: "tmpfs", Source: "tmpfs"})(c.Spec)
		}, "/proc"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			h := newH(t)
			c := h.NewBundle(h.NewID())
			tc.setup(t, h, c)
			c.WriteSpec()
			r := c.Create()
			if r.Code == 0 {
				t.Errorf("SECURITY: create with %s succeeded; want it refused", tc.name)
				return
			}
			wantCleanFailure(t, c, r, tc.text)
		})
	}

	// sysctls are written through a private procfs: never into files the
	// image put where /proc would be.
	for _, withProc := range []bool{true, false} {
		name := "sysctl-fake-files-under-procfs"
		if !withProc {
			name = "sysctl-no-procfs-proc-sys-symlink"
		}
		t.Run(name, func(t *testing.T) {
			h := newH(t)
			domain := "rtsec-" + randHex(4)
			hostFwd, _ := os.ReadFile("/proc/sys/net/ipv4/ip_forward")
			hostUTS := unix.Utsname{}
			unix.Uname(&hostUTS)
			c := h.NewCtr(func(s *specs.Spec) {
				s.Linux.Sysctl = map[string]string{"kernel.domainname": domain, "net.ipv4.ip_forward": "1"}
			}, args("/probe", "report", "net.ipv4.ip_forward"))
			fakes := map[string]string{}
			if withProc {
				fakes["proc/sys/kernel/domainname"] = "FAKE-domainname"
				fakes["proc/sys/net/ipv4/ip_forward"] = "FAKE-ip_forward"
			} else {
				dropMounts("/proc")(c.Spec)
				c.WriteSpec()
				os.RemoveAll(filepath.Join(c.Rootfs, "proc"))
				mkdirs(t, filepath.Join(c.Rootfs, "proc"))
				symlink(t, "/fakesys", filepath.Join(c.Rootfs, "proc/sys"))
				fakes["fakesys/kernel/domainname"] = "FAKE-domainname"
				fakes["fakesys/net/ipv4/ip_forward"] = "FAKE-ip_forward"
			}
			for p, v := range fakes {
				writeFile(t, filepath.Join(c.Rootfs, p), v)
			}
			r := c.Run()
			noCrash(t, r)
			for p, v := range fakes {
				if b, _ := os.ReadFile(filepath.Join(c.Rootfs, p)); string(b) != v {
					t.Errorf("SECURITY: the sysctl write went into the image's /%s: now %q", p, b)
				}
			}
			if r.Code != 0 {
				t.Errorf("the container with sysctls did not run: %s", r)
				return
			}
			rep := decodeReport(t, r.Stdout)
			if rep.Domainname != domain {
				t.Errorf("kernel.domainname in the container is %q, want %q: the sysctl did not reach the real procfs", rep.Domainname, domain)
			}
			if withProc && rep.Sysctls["net.ipv4.ip_forward"] != "1" {
				t.Errorf("net.ipv4.ip_forward in the container: %q, want 1", rep.Sysctls["net.ipv4.ip_forward"])
			}
			if b, _ := os.ReadFile("/proc/sys/net/ipv4/ip_forward"); string(b) != string(hostFwd) {
				t.Errorf("SECURITY: the host's net.ipv4.ip_forward changed from %q to %q", hostFwd, b)
				os.WriteFile("/proc/sys/net/ipv4/ip_forward", hostFwd, 0o644)
			}
			now := unix.Utsname{}
			unix.Uname(&now)
			if now.Domainname != hostUTS.Domainname {
				t.Errorf("SECURITY: the host's domainname changed to %q", unix.ByteSliceToString(now.Domainname[:]))
			}
		})
	}
}

// ---------------------------------------------------------------------------
// 6. fake /dev/null

// TestSecurityFakeDevNull: CVE-2025-31133. The image's /dev/null is a
// symlink to (or, in the race, a bind of) a procfs file; a runtime that
// binds "/dev/null" over the masked paths binds that file instead, writable,
// and the container writes the host's kernel.core_pattern through a masked
// path. The config has no /dev tmpfs, so the image's /dev is used. The
// runtime must fail safely or mask with a real 1:3 device, and the host's
// core_pattern must not change.
func TestSecurityFakeDevNull(t *testing.T) {
	secParent(t)
	// /proc/keys and /proc/timer_list are masked by the default config
	// (/proc/kcore is not on every kernel); /secret-file is added.
	const script = "/probe stat /proc/keys /proc/timer_list /proc/kcore /secret-file /dev/null; " +
		"/probe write /proc/keys core-rtsec-pwned; /probe write /proc/timer_list core-rtsec-pwned; " +
		"/probe write /proc/kcore core-rtsec-pwned; /probe read /secret-file; true"
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, c *Ctr)
	}{
		{"image-symlink-absolute", func(t *testing.T, c *Ctr) {
			symlink(t, "/proc/sys/kernel/core_pattern", filepath.Join(c.Rootfs, "dev/null"))
		}},
		{"image-symlink-relative", func(t *testing.T, c *Ctr) {
			symlink(t, "../proc/sys/kernel/core_pattern", filepath.Join(c.Rootfs, "dev/null"))
		}},
		{"image-dev-symlink", func(t *testing.T, c *Ctr) {
			mkdirs(t, filepath.Join(c.Rootfs, "fakedev"))
			symlink(t, "/proc/sys/kernel/core_pattern", filepath.Join(c.Rootfs, "fakedev/null"))
			os.RemoveAll(filepath.Join(c.Rootfs, "dev"))
			symlink(t, "/fakedev", filepath.Join(c.Rootfs, "dev"))
		}},
		{"raced-symlink", func(t *testing.T, c *Ctr) {
			createContainerHook(c.Rootfs, `rm -f "$R/dev/null"; ln -s /proc/sys/kernel/core_pattern "$R/dev/null"`)(c.Spec)
		}},
		{"raced-procfs-bind", func(t *testing.T, c *Ctr) {
			createContainerHook(c.Rootfs, `mount --bind /proc/sys/kernel/core_pattern "$R/dev/null"`)(c.Spec)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newH(t)
			corePatternGuard(t)
			c := h.NewBundle(h.NewID())
			dropMounts("/dev")(c.Spec)
			c.Spec.Linux.MaskedPaths = append(c.Spec.Linux.MaskedPaths, "/secret-file")
			sh(script)(c.Spec)
			writeFile(t, filepath.Join(c.Rootfs, "secret-file"), "TOPSECRET")
			tc.setup(t, c)
			c.WriteSpec()
			r := c.Run()
			noCrash(t, r)
			if r.Code != 0 {
				t.Logf("refused (safe): %s", r.Stderr)
				wantFail(t, r)
				c.AssertNoLeftovers()
				return
			}
			var st []Stat
			decodeJSONs(t, r.Stdout, &st)
			for _, s := range st {
				if s.Errno == int(unix.ENOENT) && strings.HasPrefix(s.Path, "/proc/") {
					continue // not on this kernel: nothing to mask
				}
				if s.Type != "chr" || s.Major != 1 || s.Minor != 3 {
					t.Errorf("SECURITY (CVE-2025-31133): %s in the container is %+v, want the null device (chr 1:3)", s.Path, s)
				}
			}
			if strings.Contains(r.Stdout, "TOPSECRET") {
				t.Errorf("SECURITY: the masked /secret-file is readable: %q", r.Stdout)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// 7. fake console

// TestSecurityFakeConsole: CVE-2025-52565. With terminal: true the runtime
// allocates a pty and binds it onto /dev/console; an image (or a race) that
// makes /dev/pts/ptmx, /dev/pts or /dev/console something else must make
// create fail safely, never bind a wrong file over /dev/console nor touch
// what the symlinks point to.
func TestSecurityFakeConsole(t *testing.T) {
	secParent(t)
	const victimText = "CONSOLE-VICTIM"
	failing := []struct {
		name  string
		drop  []string // mounts removed from the config
		setup func(t *testing.T, c *Ctr)
	}{
		{"ptmx-symlink-no-devpts", []string{"/dev", "/dev/pts"}, func(t *testing.T, c *Ctr) {
			symlink(t, "/etc/console-victim", filepath.Join(c.Rootfs, "dev/pts/ptmx"))
		}},
		{"ptmx-symlink-to-host-ptmx-no-devpts", []string{"/dev", "/dev/pts"}, func(t *testing.T, c *Ctr) {
			symlink(t, strings.Repeat("../", 24)+"dev/ptmx", filepath.Join(c.Rootfs, "dev/pts/ptmx"))
		}},
		{"pts-dir-symlink-no-devpts", []string{"/dev", "/dev/pts"}, func(t *testing.T, c *Ctr) {
			writeFile(t, filepath.Join(c.Rootfs, "fakepts/ptmx"), victimText)
			os.RemoveAll(filepath.Join(c.Rootfs, "dev/pts"))
			symlink(t, "/fakepts", filepath.Join(c.Rootfs, "dev/pts"))
		}},
		{"ptmx-regular-file-no-devpts", []string{"/dev", "/dev/pts"}, func(t *testing.T, c *Ctr) {
			writeFile(t, filepath.Join(c.Rootfs, "dev/pts/ptmx"), victimText)
		}},
		{"ptmx-host-char-device-no-devpts", []string{"/dev", "/dev/pts"}, func(t *testing.T, c *Ctr) {
			mkdirs(t, filepath.Join(c.Rootfs, "dev/pts"))
			if err := unix.Mknod(filepath.Join(c.Rootfs, "dev/pts/ptmx"), unix.S_IFCHR|0o666, int(unix.Mkdev(5, 2))); err != nil {
				t.Fatal(err)
			}
		}},
		{"raced-bind-over-devpts-ptmx", nil, func(t *testing.T, c *Ctr) {
			createContainerHook(c.Rootfs, `mount --bind /dev/null "$R/dev/pts/ptmx"`)(c.Spec)
		}},
		{"raced-symlink-over-devpts", nil, func(t *testing.T, c *Ctr) {
			createContainerHook(c.Rootfs, `umount -l "$R/dev/pts"; rmdir "$R/dev/pts"; ln -s /etc "$R/dev/pts"`)(c.Spec)
			symlink(t, "/etc/console-victim", filepath.Join(c.Rootfs, "etc/ptmx"))
		}},
	}
	for _, tc := range failing {
		t.Run(tc.name, func(t *testing.T) {
			h := newH(t)
			cr := newConsoleReceiver(t, h.Dir)
			c := h.NewBundle(h.NewID())
			c.Spec.Process.Terminal = true
			dropMounts(tc.drop...)(c.Spec)
			victim := filepath.Join(c.Rootfs, "etc/console-victim")
			writeFile(t, victim, victimText)
			tc.setup(t, c)
			c.WriteSpec()
			r := c.Create("--console-socket", cr.path)
			if r.Code == 0 {
				t.Errorf("SECURITY (CVE-2025-52565): create with %s succeeded; want a safe failure", tc.name)
				st := c.State()
				t.Logf("state: %+v", st)
			} else {
				wantCleanFailure(t, c, r, "console")
			}
			select {
			case m := <-cr.got:
				if m.master != nil {
					m.master.Close()
					if r.Code != 0 {
						t.Errorf("the failed create sent a pty master (%s) to the console socket", m.name)
					}
				}
			default:
			}
			if b, _ := os.ReadFile(victim); string(b) != victimText {
				t.Errorf("SECURITY: the symlink target /etc/console-victim now reads %q", b)
			}
			var st unix.Stat_t
			if err := unix.Lstat(victim, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
				t.Errorf("SECURITY: /etc/console-victim is no longer a regular file: %v", err)
			}
		})
	}

	// /dev/console a symlink in the image (devpts mounted, no /dev tmpfs):
	// the pty must be bound onto /dev/console itself, never onto the target.
	t.Run("console-symlink-in-image", func(t *testing.T) {
		h := newH(t)
		cr := newConsoleReceiver(t, h.Dir)
		c := h.NewBundle(h.NewID())
		c.Spec.Process.Terminal = true
		dropMounts("/dev")(c.Spec)
		sh("/probe stat /dev/console /etc/console-victim > /result 2>&1; /probe read /etc/console-victim >> /result 2>&1")(c.Spec)
		victim := filepath.Join(c.Rootfs, "etc/console-victim")
		writeFile(t, victim, victimText)
		symlink(t, "/etc/console-victim", filepath.Join(c.Rootfs, "dev/console"))
		c.WriteSpec()
		r := c.Create("--console-socket", cr.path)
		noCrash(t, r)
		if r.Code != 0 {
			t.Logf("refused (safe): %s", r.Stderr)
			wantCleanFailure(t, c, r)
		} else {
			var m consoleMsg
			select {
			case m = <-cr.got:
			case <-time.After(cmdTimeout):
				t.Fatal("no message on the console socket")
			}
			if m.err != nil {
				t.Fatalf("console socket: %v", m.err)
			}
			defer m.master.Close()
			go readPty(m.master, waitTimeout)
			wantOK(t, c.Start())
			c.WaitStatus("stopped")
			out := readString(t, filepath.Join(c.Rootfs, "result"))
			t.Logf("in the container: %s", out)
			var st []Stat
			decodeJSONs(t, out, &st)
			if len(st) == 2 {
				if st[1].Type != "reg" {
					t.Errorf("SECURITY (CVE-2025-52565): /etc/console-victim in the container is %+v: the pty was bound over the symlink's target", st[1])
				}
				if st[0].Type == "chr" && st[0].Major != 136 {
					t.Errorf("/dev/console in the container is %+v, want the pty (chr 136:N)", st[0])
				}
			}
			if !strings.HasSuffix(out, victimText) {
				t.Errorf("SECURITY: /etc/console-victim reads differently in the container: %q", out)
			}
		}
		if b, _ := os.ReadFile(victim); string(b) != victimText {
			t.Errorf("SECURITY: /etc/console-victim now reads %q", b)
		}
	})
}

// ---------------------------------------------------------------------------
// 8. inheritable capabilities

// fileCapsAllInheritable gives path file capabilities (VFS_CAP_REVISION_2)
// with every capability inheritable and the effective bit: whoever execs it
// gains pI & fI, so an inheritable set the config did not ask for turns
// into real capabilities, even for a non-root user.
func fileCapsAllInheritable(t *testing.T, path string) {
	t.Helper()
	b := make([]byte, 20)
	binary.LittleEndian.PutUint32(b[0:], 0x02000000|0x000001) // revision 2, effective
	binary.LittleEndian.PutUint32(b[4:], 0)                   // permitted[0]
	binary.LittleEndian.PutUint32(b[8:], 0xffffffff)          // inheritable[0]
	binary.LittleEndian.PutUint32(b[12:], 0)                  // permitted[1]
	binary.LittleEndian.PutUint32(b[16:], 0x000001ff)         // inheritable[1]
	if err := unix.Setxattr(path, "security.capability", b, 0); err != nil {
		t.Skipf("cannot set file capabilities on %s: %v", path, err)
	}
}

// TestSecurityInheritableCaps: CVE-2022-29162. A runtime that leaves
// capabilities in the inheritable set lets a non-root process gain them by
// executing a file with inheritable file capabilities. With no inheritable
// in the config, the container has none, and none ambient.
func TestSecurityInheritableCaps(t *testing.T) {
	secParent(t)
	many := []string{"CAP_SYS_ADMIN", "CAP_NET_RAW", "CAP_DAC_OVERRIDE", "CAP_SYS_PTRACE", "CAP_SETUID", "CAP_SETGID"}

	t.Run("default-config", func(t *testing.T) {
		h := newH(t)
		c := h.NewCtr()
		if c.Spec.Process.Capabilities != nil && len(c.Spec.Process.Capabilities.Inheritable) != 0 {
			t.Fatalf("the default config has inheritable capabilities: %v", c.Spec.Process.Capabilities.Inheritable)
		}
		rep := c.Report()
		if rep.Caps["inheritable"] != "0000000000000000" || rep.Caps["ambient"] != "0000000000000000" {
			t.Errorf("SECURITY (CVE-2022-29162): no inheritable in the config, but CapInh %s CapAmb %s (%v / %v)",
				rep.Caps["inheritable"], rep.Caps["ambient"], rep.CapNames["inheritable"], rep.CapNames["ambient"])
		}
	})

	for _, tc := range []struct {
		name string
		inh  []string
	}{{"file-caps-attack", nil}, {"file-caps-control-with-inheritable-NET_RAW", []string{"CAP_NET_RAW"}}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newH(t)
			c := h.NewCtr(asUser(1000, 1000), addCaps(many...), args("/probe-fcaps", "report"), func(s *specs.Spec) {
				s.Process.NoNewPrivileges = false // file capabilities count only without no_new_privs
				s.Process.Capabilities.Inheritable = tc.inh
			})
			if err := copyFile(filepath.Join(c.Rootfs, "probe"), filepath.Join(c.Rootfs, "probe-fcaps"), 0o755); err != nil {
				t.Fatal(err)
			}
			fileCapsAllInheritable(t, filepath.Join(c.Rootfs, "probe-fcaps"))
			rep := c.Report()
			t.Logf("caps after exec of a file with all inheritable file caps: %v", rep.CapNames)
			if tc.inh == nil {
				for _, set := range []string{"inheritable", "ambient", "permitted", "effective"} {
					if rep.Caps[set] != "0000000000000000" {
						t.Errorf("SECURITY (CVE-2022-29162): uid 1000 gained %s capabilities %v by executing a file with inheritable file capabilities",
							set, rep.CapNames[set])
					}
				}
				return
			}
			if strings.Join(rep.CapNames["inheritable"], ",") != "CAP_NET_RAW" {
				t.Errorf("inheritable: %v, want exactly the configured CAP_NET_RAW", rep.CapNames["inheritable"])
			}
			if strings.Join(rep.CapNames["permitted"], ",") != "CAP_NET_RAW" {
				t.Errorf("control: want exactly CAP_NET_RAW permitted through the file capabilities, got %v (the attack vector is not live)", rep.CapNames["permitted"])
			}
		})
	}
}

// ---------------------------------------------------------------------------
// 9. writable cgroupfs

// TestSecurityCgroupfsReadonly: CVE-2023-25809. The default config's
// /sys/fs/cgroup must be read-only inside the container: every attempt to
// create a cgroup or write a control file fails with EROFS, and nothing
// appears in the host's hierarchies.
func TestSecurityCgroupfsReadonly(t *testing.T) {
	secParent(t)
	for _, userns := range []bool{false, true} {
		name := "default"
		if userns {
			name = "user-namespace"
		}
		t.Run(name, func(t *testing.T) {
			h := newH(t)
			probeName := "rtsec-cg-" + randHex(4)
			// every directory gets a mkdir, every control file a write of
			// "0" (to cgroup.procs: "move myself where I am", harmless)
			script := `n=0; for d in /sys/fs/cgroup /sys/fs/cgroup/*/ /sys/fs/cgroup/*/*/; do [ -d "$d" ] || continue; n=$((n+1)); ` +
				`/probe mkdir "$d/` + probeName + `" && echo "WROTE $d/` + probeName + `"; done; ` +
				`for f in /sys/fs/cgroup/*/cgroup.procs /sys/fs/cgroup/cgroup.procs /sys/fs/cgroup/*/notify_on_release /sys/fs/cgroup/*/cgroup.subtree_control; do ` +
				`[ -f "$f" ] || continue; n=$((n+1)); /probe write "$f" 0 && echo "WROTE $f"; done; ` +
				`echo "attempts=$n"`
			mut := []func(*specs.Spec){sh(script)}
			if userns {
				mut = append(mut, setNS(specs.UserNamespace, ""), func(s *specs.Spec) {
					s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
					s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
				})
			}
			c := h.NewCtr(mut...)
			r := c.Run()
			noCrash(t, r)
			m := strings.TrimSpace(r.Stdout)
			n := atoi(strings.TrimPrefix(m[strings.LastIndex(m, "attempts="):], "attempts="))
			if n < 2 {
				t.Fatalf("the container sees nothing to attack under /sys/fs/cgroup: %s", r)
			}
			if strings.Contains(r.Stdout, "WROTE") {
				t.Errorf("SECURITY (CVE-2023-25809): the container wrote to its cgroupfs: %s", r.Stdout)
			}
			if erofs := strings.Count(r.Stderr, "(errno=30)"); erofs != n {
				t.Errorf("%d write attempts on /sys/fs/cgroup, %d failed with EROFS (want all): %s", n, erofs, r.Stderr)
			}
			if cg := cgroupDirsNamed(probeName); len(cg) > 0 {
				t.Errorf("SECURITY (CVE-2023-25809): the container created cgroups on the host: %v", cg)
				for _, d := range cg {
					os.Remove(d)
				}
			}
		})
	}
}

// ---------------------------------------------------------------------------
// 10. protocol overflow

// TestSecurityProtocolOverflow: CVE-2021-43784. Configs with values past
// every bound of the parent -> rt-init bootstrap (4 MB a frame, 16 MB in
// all, 4096 masks or mounts, 65536 env entries or args, 1024 hooks) fail
// with exit 1 and a clear error, crash nothing and leave nothing behind.
func TestSecurityProtocolOverflow(t *testing.T) {
	secParent(t)
	big := func(n int) string { return strings.Repeat("x", n) }
	for _, tc := range []struct {
		name string
		mut  func(s *specs.Spec)
		text string // the error must name the cause
	}{
		{"5000-masked-paths", func(s *specs.Spec) {
			for i := 0; i < 5000; i++ {
				s.Linux.MaskedPaths = append(s.Linux.MaskedPaths, fmt.Sprintf("/rtsec-mask-%d", i))
			}
		}, "mask"},
		{"5000-readonly-paths", func(s *specs.Spec) {
			for i := 0; i < 5000; i++ {
				s.Linux.ReadonlyPaths = append(s.Linux.ReadonlyPaths, fmt.Sprintf("/rtsec-ro-%d", i))
			}
		}, "readonly"},
		{"5MB-env-var", func(s *specs.Spec) { s.Process.Env = append(s.Process.Env, "BIG="+big(5<<20)) }, "env"},
		{"5MB-arg", func(s *specs.Spec) { s.Process.Args = append(s.Process.Args, big(5<<20)) }, "arg"},
		{"5MB-hostname", func(s *specs.Spec) { s.Hostname = big(5 << 20) }, "hostname"},
		{"17MB-config-in-3MB-env-vars", func(s *specs.Spec) {
			for i := 0; i < 6; i++ {
				s.Process.Env = append(s.Process.Env, fmt.Sprintf("BIG%d=%s", i, big(3<<20)))
			}
		}, "config.json"},
		{"70000-env-vars", func(s *specs.Spec) {
			for i := 0; i < 70000; i++ {
				s.Process.Env = append(s.Process.Env, fmt.Sprintf("E%d=1", i))
			}
		}, "env"},
		{"70000-args", func(s *specs.Spec) {
			for i := 0; i < 70000; i++ {
				s.Process.Args = append(s.Process.Args, "a")
			}
		}, "arg"},
		{"5000-mounts", func(s *specs.Spec) {
			for i := 0; i < 5000; i++ {
				s.Mounts = append(s.Mounts, specs.Mount{Destination: fmt.Sprintf("/m/%d", i), Type: "tmpfs", Source: "tmpfs"})
			}
		}, "mount"},
		{"2000-createContainer-hooks", func(s *specs.Spec) {
			if s.Hooks == nil {
				s.Hooks = &specs.Hooks{}
			}
			for i := 0; i < 2000; i++ {
				s.Hooks.CreateContainer = append(s.Hooks.CreateContainer, specs.Hook{Path: "/bin/true"})
			}
		}, "hook"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newH(t)
			c := h.NewCtr(tc.mut)
			start := time.Now()
			r := c.Create()
			if r.Code == 0 {
				t.Errorf("create with %s succeeded; want a clean failure at the protocol's bounds", tc.name)
				return
			}
			wantCleanFailure(t, c, r)
			if !strings.Contains(strings.ToLower(r.Stderr), tc.text) {
				t.Errorf("the error does not name the cause (want %q in it): %s", tc.text, clip(r.Stderr))
			}
			t.Logf("failed in %v: %s", time.Since(start).Round(time.Millisecond), clip(strings.TrimSpace(r.Stderr)))
		})
	}
}
