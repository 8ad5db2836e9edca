package integration

// SECURITY.md's attack classes against `exec`: the runtime process that
// joins a running container (rt-init, cloned into the container's pid
// namespace) is attacked by the container's own processes (the attacker and
// the watcher of security_attack_test.go / security_test.go), and the exec
// flags that reach the process's set-up (--cwd, --cap) are abused.

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// ---------------------------------------------------------------------------
// helpers

// heldExec is an `exec` whose runtime process in the container was caught
// and is kept there: the `exec` parent is stopped (SIGSTOP) once its child
// in the container's pid namespace runs the runtime's memfd executable (and
// has the wanted uid), so the child waits for "Go" as long as the test
// wants.
type heldExec struct {
	t      *testing.T
	cmd    *exec.Cmd
	done   chan error
	pid    int // the runtime process in the container (host pid)
	out    string
	err    string
	resume bool
}

// runtimeProcIn finds a process in the pid namespace of initPid (other than
// initPid) whose exe is a memfd (rt-init, runc's cloned binary) and whose
// real uid is uid (any if uid < 0). 0 if none.
func runtimeProcIn(initPid, uid int) int {
	ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", initPid))
	if err != nil {
		return 0
	}
	for _, p := range procPidsHost() {
		if p == initPid {
			continue
		}
		if l, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", p)); err != nil || l != ns {
			continue
		}
		if l, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", p)); err != nil || !strings.HasPrefix(l, "/memfd:") {
			continue
		}
		if uid >= 0 {
			b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p))
			if err != nil || !strings.Contains(string(b), fmt.Sprintf("\nUid:\t%d\t", uid)) {
				continue
			}
		}
		return p
	}
	return 0
}

func procPidsHost() []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range ents {
		if p, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// startHeldExec runs `exec FLAGS ID CMD...` (the extra files on fds 3, ...)
// and holds its runtime process in the container (see heldExec). It tries a
// few times; nil if the runtime process was never caught.
func startHeldExec(t *testing.T, c *Ctr, uid int, extra []*os.File, flags []string, cmd ...string) *heldExec {
	t.Helper()
	initPid := c.State().Pid
	full := append(append([]string{}, rtGlobal...), "--root", c.h.Root, "exec")
	full = append(append(append(full, flags...), c.ID), cmd...)
	for try := 0; try < 5; try++ {
		x := &heldExec{t: t, out: c.h.tempPath("held-stdout"), err: c.h.tempPath("held-stderr"), done: make(chan error, 1)}
		x.cmd = exec.Command(rtBinary, full...)
		x.cmd.ExtraFiles = extra
		outF, errF := c.h.openAppend(x.out), c.h.openAppend(x.err)
		x.cmd.Stdout, x.cmd.Stderr = outF, errF
		if err := x.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		outF.Close()
		errF.Close()
		go func() { x.done <- x.cmd.Wait() }()
		deadline := time.Now().Add(waitTimeout)
		for time.Now().Before(deadline) {
			select {
			case e := <-x.done:
				x.done <- e // for finish: the exec ended before it was caught
				deadline = time.Time{}
				continue
			default:
			}
			if p := runtimeProcIn(initPid, uid); p != 0 {
				// Stop the runtime process itself: stopped, it cannot
				// execve, so every attempt below is made on rt-init, never
				// on the program it would become (stopping rt exec instead
				// raced with a Go already sent).
				syscall.Kill(p, syscall.SIGSTOP)
				x.pid, x.resume = p, true
				waitStopped(p)
				if l, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", p)); err == nil && strings.HasPrefix(l, "/memfd:") {
					t.Logf("held the exec's runtime process: host pid %d, exe %s, stopped (`%s %s`)", p, l, rtName, strings.Join(full, " "))
					return x
				}
				break
			}
		}
		x.finish()
		t.Logf("try %d: the exec's runtime process was not caught in the container; stdout %q stderr %q",
			try, readString(t, x.out), readString(t, x.err))
	}
	return nil
}

// release lets the exec go on.
func (x *heldExec) release() {
	if x.resume {
		syscall.Kill(x.pid, syscall.SIGCONT)
		x.resume = false
	}
}

// waitStopped waits (briefly) until pid's state is T (stopped).
func waitStopped(pid int) {
	for i := 0; i < 200; i++ {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return
		}
		if j := strings.LastIndexByte(string(b), ')'); j > 0 && j+2 < len(b) && b[j+2] == 'T' {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// finish releases the exec and waits for it; its exit code.
func (x *heldExec) finish() int {
	x.release()
	select {
	case <-x.done:
	case <-time.After(cmdTimeout):
		x.cmd.Process.Kill()
		<-x.done
		// The control attack ptrace-attaches the exec'd (dumpable) program
		// and may leave it stopped: the container's own process.
		x.t.Logf("the held exec did not finish within %v (its program left stopped by the attacker?)", cmdTimeout)
	}
	return x.cmd.ProcessState.ExitCode()
}

// procOwner is the owner of /proc/PID/fd: root for a non-dumpable process
// (/proc/PID itself keeps the task's euid).
func procOwner(t *testing.T, pid int) uint32 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(fmt.Sprintf("/proc/%d/fd", pid), &st); err != nil {
		t.Fatal(err)
	}
	return st.Uid
}

// runtimeExe: what the container saw as the exe of a runtime process.
func runtimeExe(exe string) bool { return strings.HasPrefix(exe, "/memfd:") }

// exeIdent is the "dev=D ino=I" prefix of an attempt's Info.
func exeIdent(info string) string {
	f := strings.Fields(info)
	if len(f) < 2 || !strings.HasPrefix(f[0], "dev=") || !strings.HasPrefix(f[1], "ino=") {
		return ""
	}
	return f[0] + " " + f[1]
}

// checkExecExeAttempts is checkExeAttempts for a watcher that also saw the
// exec'd programs: it kept (and rewrote byte 0 of) their exe too, which is
// the container's own file. The records reopened after the processes were
// gone count only if the handle is a runtime executable's (an identity the
// attacker saw as a runtime process's exe) or the host's runtime binary.
func checkExecExeAttempts(t *testing.T, who string, recs []Record) {
	t.Helper()
	rtIDs := map[string]bool{}
	for _, r := range recs {
		if !runtimeExe(r.Exe) {
			continue
		}
		for _, a := range r.Attempts {
			if (a.Op == "open-exe-ro" || a.Op == "open-exe-path") && a.OK {
				rtIDs[exeIdent(a.Info)] = true
			}
		}
	}
	var out []Record
	var own int
	for _, r := range recs {
		if r.Phase == "after" {
			var isRT bool
			for _, a := range r.Attempts {
				isRT = isRT || a.IsRT || rtIDs[exeIdent(a.Info)]
			}
			if !isRT {
				own++
				continue
			}
		}
		out = append(out, r)
	}
	t.Logf("%s: runtime executables seen %v; %d kept handles of the container's own programs left out", who, rtIDs, own)
	checkExeAttempts(t, who, out)
}

// leakFiles opens each dir n times (fds 3, 4, ... of the runtime's caller,
// never passed with --preserve-fds).
func leakFiles(t *testing.T, n int, dirs ...string) []*os.File {
	t.Helper()
	var files []*os.File
	for _, d := range dirs {
		for i := 0; i < n; i++ {
			f, err := os.Open(d)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			files = append(files, f)
		}
	}
	return files
}

// ---------------------------------------------------------------------------
// 1. ptrace of the joining process

// TestSecurityExecPtrace: CVE-2016-9962 for exec. The container's pid 1
// (the attacker, watching for new processes in its pid namespace) attacks
// the rt-init that `exec -u 1000:1000` clones into the container: ptrace,
// its fd table, its exe. Without CAP_SYS_PTRACE nothing may work while it
// is rt-init (it is non-dumpable, also after switching to uid 1000), and
// the same attack must work on the exec'd (dumpable) program: the control.
// With CAP_SYS_PTRACE the kernel lets the attacker in: then the rt-init must
// hold no host fd (a host dir leaked by exec's caller) and run a sealed
// memfd.
func TestSecurityExecPtrace(t *testing.T) {
	secParent(t)
	for _, tc := range []struct {
		name  string
		mut   []func(*specs.Spec)
		privd bool // the attacker has CAP_SYS_PTRACE
	}{
		{"container-uid1000-no-caps", []func(*specs.Spec){asUser(1000, 1000)}, false},
		// a config without capabilities: the held rt-init has no permitted
		// capability left either, so only non-dumpability keeps the
		// attacker (same uid and gid) out
		{"container-uid1000-config-without-caps", []func(*specs.Spec){asUser(1000, 1000),
			func(s *specs.Spec) { s.Process.Capabilities = &specs.LinuxCapabilities{} }}, false},
		{"container-root-CAP_SYS_PTRACE", []func(*specs.Spec){addCaps("CAP_SYS_PTRACE")}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newH(t)
			guardRuntimeBinary(t)
			secret := "HOST-SECRET-" + randHex(6)
			hostDir := filepath.Join(h.Dir, "host-secret")
			writeFile(t, filepath.Join(hostDir, secret), "the host")
			leak := leakFiles(t, 3, hostDir)
			w := startWatcher(t, h, secret, tc.mut...)
			c := w.c

			// checkRec fails on what the attacker achieved against a process
			// it saw as the runtime's.
			checkRec := func(where string, r Record, held bool) {
				t.Helper()
				for _, a := range r.Attempts {
					if a.Secret {
						t.Errorf("SECURITY (CVE-2024-21626): %s: the container listed the host directory %s through %s of the exec's runtime process (pid %d): it holds an fd leaked from exec's caller",
							where, hostDir, a.Path, r.Pid)
					}
					if a.OK && a.Op == "list-fd-dir" && strings.Contains(a.Info, "cgroup.procs") {
						t.Errorf("SECURITY (CVE-2024-21626): %s: the container listed a cgroupfs directory through %s of the exec's runtime process: %s", where, a.Path, a.Info)
					}
				}
				if tc.privd {
					if runtimeExe(r.Exe) && !strings.Contains(r.Exe, "rt-init") && rtName == "rt" {
						t.Errorf("SECURITY: %s: the exec's runtime process runs %q, want /memfd:rt-init", where, r.Exe)
					}
					return
				}
				// no CAP_SYS_PTRACE: a readable exe link already says dumpable
				if runtimeExe(r.Exe) {
					t.Errorf("SECURITY (CVE-2016-9962): %s: the container (uid 1000, no caps) read the exe link %q of the exec's runtime process (pid %d): it is dumpable", where, r.Exe, r.Pid)
				}
				if !held && !runtimeExe(r.Exe) {
					return // the process may have exec'd during the round: only the held round is exact
				}
				for _, op := range []string{"ptrace-attach", "list-fds", "readlink-fd", "readlink-exe", "open-exe-ro", "open-exe-path",
					"readlink-cwd", "list-cwd", "readlink-root", "list-root"} {
					for _, a := range r.find(op) {
						if a.OK {
							t.Errorf("SECURITY (CVE-2016-9962): %s: the container's process (uid 1000, no caps) could %s the exec's runtime process (pid %d, uid 1000): %+v", where, op, r.Pid, a)
						}
					}
				}
			}

			// (a) held: the runtime process waits in the container.
			x := startHeldExec(t, c, 1000, leak, []string{"-u", "1000:1000"}, "/bin/sleep", "2")
			if x == nil {
				t.Fatalf("the exec's runtime process (uid 1000) was never seen in the container: the attack cannot be exercised")
			}
			npid := nsPid(t, x.pid)
			t.Logf("held runtime process: Uid %s, Gid %s, CapPrm %s, CapEff %s", procStatus(t, x.pid, "Uid"), procStatus(t, x.pid, "Gid"),
				procStatus(t, x.pid, "CapPrm"), procStatus(t, x.pid, "CapEff"))
			// the host's view: a non-dumpable process's /proc/PID/fd belongs to
			// root, and uid 1000 on the host (same uid and gid, no
			// capabilities) cannot ptrace it
			if own := procOwner(t, x.pid); own != 0 {
				t.Errorf("SECURITY (CVE-2016-9962): /proc/%d/fd of the exec's runtime process (uid 1000) belongs to uid %d: it is dumpable", x.pid, own)
			}
			atk := filepath.Join(h.Dir, "attack")
			installAttack(t, atk)
			hc := exec.Command(atk, "ptrace", strconv.Itoa(x.pid))
			hc.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 1000, Gid: 1000}}
			var ha Attempt
			if out, err := hc.Output(); err != nil || json.Unmarshal(out, &ha) != nil {
				t.Fatalf("running the attacker as uid 1000 on the host: %v %s", err, out)
			}
			t.Logf("uid 1000 on the host vs the held runtime process: %+v", ha)
			if ha.OK {
				t.Errorf("SECURITY (CVE-2016-9962): uid 1000 on the host ptrace-attached the exec's held runtime process (host pid %d): %+v", x.pid, ha)
			}
			w.trigger("held")
			held := w.recordsFor(npid, "held")
			if len(held) == 0 {
				t.Fatalf("the attacker did not attack the held runtime process (pid %d in the container)", npid)
			}
			for _, r := range w.recordsFor(npid, "") {
				if r.Phase == "live" || strings.HasPrefix(r.Phase, "held") {
					checkRec("held exec", r, strings.HasPrefix(r.Phase, "held"))
				}
			}
			t.Logf("held round: %+v", held[0])
			if tc.privd {
				var ptr bool
				for _, a := range held[0].find("ptrace-attach") {
					ptr = ptr || a.OK
				}
				if !ptr {
					t.Errorf("with CAP_SYS_PTRACE the attacker could not ptrace the held runtime process: the attack was not exercised")
				}
			}
			// control: the exec'd program (same pid, uid 1000, dumpable)
			x.release()
			waitFor(t, "the exec'd program", func() bool {
				l, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", x.pid))
				return err != nil || !runtimeExe(l)
			})
			w.trigger("started")
			var ok bool
			for _, r := range w.recordsFor(npid, "started") {
				for _, a := range r.find("ptrace-attach") {
					ok = ok || a.OK
				}
			}
			if !ok {
				t.Errorf("control: the attacker could not ptrace the exec'd (dumpable, uid 1000) program either: the test proves nothing: %+v", w.recordsFor(npid, "started"))
			}
			if code := x.finish(); code != 0 {
				t.Logf("the held exec exited %d (the control attack stopped its program?): %s %s", code, readString(t, x.out), readString(t, x.err))
			}

			// (b) free running: the attacker races each exec.
			const runs = 8
			before := len(w.records())
			for i := 0; i < runs; i++ {
				r := execIn(c, Opts{ExtraFiles: leak, Timeout: 10 * time.Second}, []string{"-u", "1000:1000"}, "/bin/sleep", "0.2")
				if r.Code == -1 && r.Err != nil && strings.Contains(r.Err.Error(), "timed out") {
					// the attacker (same uid) may stop the exec'd program
					// (ptrace attach/detach race): its own process, not the runtime's
					t.Logf("exec %d hung (killed after 10s): %s", i, r)
				} else if r.Code != 0 {
					// The attacker's ptrace of the container's own programs
					// (and of its own pid 1) can stop or kill them: only
					// an attack on the runtime process counts (below).
					t.Logf("exec %d: %s", i, r)
				}
			}
			var blind, seenRT, seenProg int
			for _, r := range w.records()[before:] {
				switch {
				case runtimeExe(r.Exe):
					seenRT++
					checkRec("racing exec", r, false)
				case r.Exe == "":
					for _, a := range r.find("readlink-exe") {
						if a.Errno == int(unix.EACCES) || a.Errno == int(unix.EPERM) {
							blind++
						}
					}
				default:
					seenProg++
				}
			}
			t.Logf("%d racing execs: the attacker saw %d runtime processes with a readable exe, was refused %d times (non-dumpable), saw %d exec'd programs",
				runs, seenRT, blind, seenProg)
			if seenProg == 0 {
				t.Errorf("the attacker saw none of the %d exec'd programs: the race was not exercised", runs)
			}
			w.stop()
			checkExecExeAttempts(t, "a container process during exec", w.records())
		})
	}
}

// ---------------------------------------------------------------------------
// 2. binary overwrite through the joining process

// TestSecurityExecBinaryOverwrite: CVE-2019-5736 for exec. The container's
// pid 1 with CAP_SYS_PTRACE grabs /proc/<exec's rt-init>/exe, tries to open
// it for writing while rt-init waits, and reopens it for writing once the
// process is gone; an exec of a "#!/proc/self/exe" script makes the kernel
// re-execute the runtime's own executable in the container. The host's
// runtime binary must be unchanged, and the exe must be the sealed memfd.
func TestSecurityExecBinaryOverwrite(t *testing.T) {
	secParent(t)

	t.Run("held-exec-CAP_SYS_PTRACE", func(t *testing.T) {
		h := newH(t)
		guardRuntimeBinary(t)
		w := startWatcher(t, h, "-", addCaps("CAP_SYS_PTRACE"))
		x := startHeldExec(t, w.c, -1, nil, nil, "/bin/sleep", "0.5")
		if x == nil {
			t.Fatalf("the exec's runtime process was never seen in the container: the attack cannot be exercised")
		}
		npid := nsPid(t, x.pid)
		w.trigger("held")
		held := w.recordsFor(npid, "held")
		if len(held) == 0 {
			t.Fatalf("the attacker did not attack the held runtime process (pid %d in the container)", npid)
		}
		r := held[0]
		t.Logf("held record: %+v", r)
		if !strings.HasPrefix(r.Exe, "/memfd:rt-init") {
			t.Errorf("SECURITY (CVE-2019-5736): the exec's runtime process seen from the container runs %q, want /memfd:rt-init", r.Exe)
		}
		for _, a := range r.find("open-exe-ro") {
			if !a.OK {
				t.Errorf("with CAP_SYS_PTRACE the attacker should reach the exe (the attack is not exercised): %+v", a)
			} else if !strings.Contains(a.Info, "seals=15") {
				t.Errorf("SECURITY (CVE-2019-5736): the exec's runtime exe is not a fully sealed memfd: %s", a.Info)
			}
		}
		for _, op := range []string{"open-exe-wronly", "open-exe-rdwr"} {
			for _, a := range r.find(op) {
				if a.OK {
					t.Errorf("SECURITY (CVE-2019-5736): the container opened the exec's runtime exe with %s: %+v", op, a)
				}
			}
		}
		if code := x.finish(); code != 0 {
			// The attacker (root with CAP_SYS_PTRACE) may leave the process
			// it attached to stopped; the attack's outcome is checked below.
			t.Logf("the held exec exited %d: %s %s", code, readString(t, x.out), readString(t, x.err))
		}
		w.stop()
		recs := w.records()
		var kept int
		for _, r := range recs {
			if r.Pid == npid && r.Phase == "after" {
				kept++
				t.Logf("after the exec's process was gone, its kept exe: %+v", r.Attempts)
			}
		}
		if kept == 0 {
			t.Errorf("the attacker kept no exe handle of the exec's runtime process: the attack was not exercised")
		}
		checkExecExeAttempts(t, "a container process with CAP_SYS_PTRACE during exec", recs)
	})

	for _, tc := range []struct {
		name string
		mut  []func(*specs.Spec)
		user []string
	}{
		{"shebang-proc-self-exe-CAP_SYS_PTRACE", []func(*specs.Spec){addCaps("CAP_SYS_PTRACE")}, nil},
		{"shebang-proc-self-exe-uid1000", []func(*specs.Spec){asUser(1000, 1000)}, []string{"-u", "1000:1000"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newH(t)
			guardRuntimeBinary(t)
			w := startWatcher(t, h, "-", tc.mut...)
			evil := filepath.Join(w.c.Rootfs, "bin/evil")
			writeFile(t, evil, "#!/proc/self/exe\n")
			os.Chmod(evil, 0o755)
			for i := 0; i < 5; i++ {
				r := execIn(w.c, Opts{Timeout: 10 * time.Second}, tc.user, "/bin/evil")
				if r.Code == -1 && r.Err != nil && strings.Contains(r.Err.Error(), "timed out") {
					// The watcher (same uid) ptrace-attached the re-executed
					// program in the instant after its execve and left it
					// stopped: its own process, not a runtime hang.
					t.Logf("exec %d stopped by the attacker (killed after 10s): %s", i, r)
					continue
				}
				noCrash(t, Res{Code: min(r.Code, 1), Stdout: r.Stdout, Stderr: r.Stderr, Args: r.Args})
				t.Logf("exec of a #!/proc/self/exe script: exit %d", r.Code)
			}
			w.stop()
			recs := w.records()
			var rt, kept int
			for _, r := range recs {
				if runtimeExe(r.Exe) {
					rt++
					if rtName == "rt" && !strings.Contains(r.Exe, "rt-init") {
						t.Errorf("SECURITY (CVE-2019-5736): a process of the exec runs %q, want /memfd:rt-init", r.Exe)
					}
				}
				if r.Phase == "after" {
					kept++
				}
			}
			t.Logf("%d records, %d of a runtime (memfd) executable, %d exe handles reopened after the processes were gone", len(recs), rt, kept)
			checkExecExeAttempts(t, "a container process during exec of #!/proc/self/exe", recs)
		})
	}
}

// ---------------------------------------------------------------------------
// 3. leaked fds / cwd

// TestSecurityExecLeakedFds: CVE-2024-21626 for exec. `exec` runs with host
// directory fds open (of /sys/fs/cgroup and of the container's state dir,
// fds 3-9, no --preserve-fds): the exec'd process holds 0, 1, 2 only, and
// `exec --cwd /proc/self/fd/N` cannot put a process outside the root.
func TestSecurityExecLeakedFds(t *testing.T) {
	h := newH(t)
	c, _ := startedCtr(h)
	stateDir := filepath.Join(h.Root, c.ID)
	leak := leakFiles(t, 4, "/sys/fs/cgroup")
	leak = append(leak, leakFiles(t, 3, stateDir)...)

	r := execIn(c, Opts{ExtraFiles: leak}, nil, "/probe", "fds")
	wantOK(t, r)
	var fds map[string]string
	if err := json.Unmarshal([]byte(r.Stdout), &fds); err != nil {
		t.Fatalf("probe fds: %v: %s", err, r)
	}
	if len(fds) != 3 || fds["0"] == "" || fds["1"] == "" || fds["2"] == "" {
		t.Errorf("SECURITY (CVE-2024-21626): the exec'd process has fds %v, want only 0, 1, 2 (exec ran with /sys/fs/cgroup and %s open on fds 3-9)", fds, stateDir)
	}
	r = execIn(c, Opts{ExtraFiles: leak}, nil, "/bin/ls", "/proc/self/fd")
	wantOK(t, r)
	if got := strings.Fields(r.Stdout); len(got) != 4 || strings.Join(got[:3], " ") != "0 1 2" {
		t.Errorf("SECURITY (CVE-2024-21626): ls /proc/self/fd in the exec'd process: %q, want 0 1 2 and the listing's own fd", got)
	}

	// --cwd through each leaked fd: the process must not run outside the root.
	const marker = "rtsec-exec-escaped"
	script := "echo escaped > " + marker + " 2>/dev/null; /probe report; /probe ls ."
	var cwds []string
	for n := 3; n <= 9; n++ {
		cwds = append(cwds, fmt.Sprintf("/proc/self/fd/%d", n))
	}
	cwds = append(cwds, "/proc/self/fd/4/..", "/proc/self/fd/8/../../..", "/proc/1/fd/7")
	var refused int
	for _, cwd := range cwds {
		r := execIn(c, Opts{ExtraFiles: leak}, []string{"--cwd", cwd}, "/bin/sh", "-c", script)
		noCrash(t, Res{Code: min(r.Code, 1), Stdout: r.Stdout, Stderr: r.Stderr, Args: r.Args})
		if r.Code != 0 {
			refused++
			if !strings.Contains(r.Out(), cwd) && !strings.Contains(strings.ToLower(r.Out()), "cwd") &&
				!strings.Contains(strings.ToLower(r.Out()), "chdir") {
				t.Logf("--cwd %s: the error does not name the cwd: %s", cwd, r)
			}
			continue
		}
		var rep Report
		var ls []string
		decodeJSONs(t, r.Stdout, &rep, &ls)
		if !strings.HasPrefix(rep.Cwd, "/") || strings.Contains(rep.Cwd, "unreachable") || rep.Errors["cwd"] != "" {
			t.Errorf("SECURITY (CVE-2024-21626): exec --cwd %s: the process runs in %q (%s), outside its root; it sees %v", cwd, rep.Cwd, rep.Errors["cwd"], ls)
		}
		if contains(ls, "memory") || contains(ls, "cgroup.procs") || contains(ls, "state.json") || contains(ls, "init.pid") {
			t.Errorf("SECURITY (CVE-2024-21626): exec --cwd %s: the process lists a host directory: %v", cwd, ls)
		}
		t.Logf("exec --cwd %s ran in %q (inside the root)", cwd, rep.Cwd)
	}
	for _, d := range []string{stateDir, h.Root, "/sys/fs/cgroup"} {
		if _, err := os.Lstat(filepath.Join(d, marker)); err == nil {
			t.Errorf("SECURITY (CVE-2024-21626): an exec'd process wrote %s on the host", filepath.Join(d, marker))
			os.Remove(filepath.Join(d, marker))
		}
	}
	t.Logf("%d of %d --cwd through a leaked fd refused", refused, len(cwds))
	// control: the same fds reach a process that is given them
	r = execIn(c, Opts{ExtraFiles: leak}, []string{"--preserve-fds", "7"}, "/bin/ls", "/proc/self/fd/3")
	if r.Code != 0 || !strings.Contains(r.Stdout, "cgroup") && !strings.Contains(r.Stdout, "memory") && !strings.Contains(r.Stdout, "systemd") {
		t.Errorf("control: with --preserve-fds 7 the exec'd process cannot list the host's /sys/fs/cgroup through fd 3: the leak source is not exercised: %s", r)
	}
	wantOK(t, c.Kill("KILL"))
	c.WaitStatus("stopped")
}

// ---------------------------------------------------------------------------
// 4. inheritable / ambient capabilities

// TestSecurityExecInheritableCaps: CVE-2022-29162. `exec --cap` adds the
// capability to the bounding, effective and permitted sets, never to the
// inheritable set; runc 1.1.5 adds it to the ambient set only when the
// config has an inheritable set (non-nil), and the kernel keeps it there
// only if it is in the inheritable set.
func TestSecurityExecInheritableCaps(t *testing.T) {
	secParent(t)
	base := []string{"CAP_KILL", "CAP_AUDIT_WRITE"}
	for _, tc := range []struct {
		name    string
		inh     []string
		wantAmb []string // with --cap CAP_SYS_ADMIN
	}{
		{"inheritable-nil", nil, nil},
		{"inheritable-empty", []string{}, nil},
		{"inheritable-without-the-cap", []string{"CAP_KILL"}, nil},
		{"inheritable-with-the-cap", []string{"CAP_KILL", "CAP_SYS_ADMIN"}, []string{"CAP_SYS_ADMIN"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newH(t)
			c, _ := startedCtr(h, func(s *specs.Spec) {
				// an inheritable capability must be in the bounding set (capset)
				s.Process.Capabilities = capSets(append(append([]string{}, base...), tc.inh...), base, base, tc.inh, nil)
			})
			for _, flags := range [][]string{
				nil,
				{"--cap", "CAP_SYS_ADMIN"},
				{"-c", "CAP_SYS_ADMIN", "-c", "CAP_NET_RAW"},
				{"-u", "1000:1000", "--cap", "CAP_SYS_ADMIN"},
			} {
				r := execIn(c, Opts{}, flags, "/probe", "report")
				if r.Code != 0 {
					t.Errorf("exec %v: %s (runc 1.1.5 accepts it)", flags, r)
					continue
				}
				rep := decodeReport(t, r.Stdout)
				inh, amb := rep.CapNames["inheritable"], rep.CapNames["ambient"]
				t.Logf("exec %v: inheritable %v (%s), ambient %v (%s), effective %v", flags, inh, rep.Caps["inheritable"], amb, rep.Caps["ambient"], rep.CapNames["effective"])
				for _, cp := range inh {
					if !contains(tc.inh, cp) {
						t.Errorf("SECURITY (CVE-2022-29162): exec %v: %s is in the inheritable set %v, which the config (%v) does not list", flags, cp, inh, tc.inh)
					}
				}
				if sortedCaps(inh) != sortedCaps(tc.inh) {
					t.Errorf("exec %v: inheritable %v, want the config's %v", flags, inh, tc.inh)
				}
				for _, cp := range amb {
					if !contains(tc.inh, cp) {
						t.Errorf("SECURITY (CVE-2022-29162): exec %v: %s is in the ambient set %v but not in the config's inheritable set %v", flags, cp, amb, tc.inh)
					}
				}
				if len(tc.inh) == 0 && (rep.Caps["inheritable"] != "0000000000000000" || rep.Caps["ambient"] != "0000000000000000") {
					t.Errorf("SECURITY (CVE-2022-29162): exec %v in a container without inheritable caps: CapInh %s, CapAmb %s, want 0", flags, rep.Caps["inheritable"], rep.Caps["ambient"])
				}
				want := []string(nil)
				if len(flags) > 0 {
					want = tc.wantAmb
					// the attack is exercised: --cap took effect
					if !contains(rep.CapNames["bounding"], "CAP_SYS_ADMIN") || rep.Uid == 0 && !contains(rep.CapNames["permitted"], "CAP_SYS_ADMIN") {
						t.Errorf("exec %v: CAP_SYS_ADMIN is not in the bounding/permitted set %v/%v: --cap was not applied", flags, rep.CapNames["bounding"], rep.CapNames["permitted"])
					}
				}
				if sortedCaps(amb) != sortedCaps(want) {
					t.Errorf("exec %v: ambient %v, want %v (runc 1.1.5: --cap goes to ambient only if the config has an inheritable set that allows it)", flags, amb, want)
				}
				isUser := len(flags) > 0 && flags[0] == "-u"
				if isUser && rep.Uid == 1000 && contains(rep.CapNames["effective"], "CAP_SYS_ADMIN") != contains(want, "CAP_SYS_ADMIN") {
					t.Errorf("exec %v: uid 1000's effective set %v: CAP_SYS_ADMIN only through ambient %v", flags, rep.CapNames["effective"], want)
				}
			}
		})
	}
}
