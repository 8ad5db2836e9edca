package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// agentErrno is what the test seccomp agent answers mkdir/mkdirat with:
// ENOANO, which nothing else in these containers returns.
const agentErrno = 55

var (
	agentOnce sync.Once
	agentBin  string
	agentErr  error
)

// buildAgent builds tests/seccompagent (cgo: libseccomp) once, next to the
// probe in TestMain's temp dir.
func buildAgent(t *testing.T) string {
	t.Helper()
	agentOnce.Do(func() {
		goBin, err := exec.LookPath("go")
		if err != nil {
			agentErr = err
			return
		}
		agentBin = filepath.Join(filepath.Dir(templateDir), "seccompagent")
		cmd := exec.Command(goBin, "build", "-trimpath", "-o", agentBin, ".")
		cmd.Dir = "../seccompagent"
		if out, err := cmd.CombinedOutput(); err != nil {
			agentErr = fmt.Errorf("building the seccomp agent: %v\n%s", err, out)
		}
	})
	if agentErr != nil {
		t.Fatal(agentErr)
	}
	return agentBin
}

// agent is one running test seccomp agent.
type agent struct {
	t    *testing.T
	Sock string
	Log  string
}

// startAgent runs the agent on a socket in the test's temp dir until the
// test ends (then it is killed and reaped; its files go with the temp dir).
func startAgent(h *H) *agent {
	t := h.t
	t.Helper()
	a := &agent{t: t, Sock: filepath.Join(h.Dir, "agent.sock"), Log: filepath.Join(h.Dir, "agent.log")}
	cmd := exec.Command(buildAgent(t), "-socket", a.Sock, "-log", a.Log, "-errno", strconv.Itoa(agentErrno))
	cmd.Stderr = h.openAppend(h.tempPath("agent-stderr"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		os.Remove(a.Sock)
	})
	waitFor(t, "the seccomp agent's socket", func() bool {
		st, err := os.Stat(a.Sock)
		return err == nil && st.Mode()&os.ModeSocket != 0
	})
	return a
}

// lines returns the agent's log lines that start with prefix.
func (a *agent) lines(prefix string) []string {
	b, _ := os.ReadFile(a.Log)
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, strings.TrimPrefix(l, prefix))
		}
	}
	return out
}

// States waits for n process states and decodes them.
func (a *agent) States(n int) []specs.ContainerProcessState {
	a.t.Helper()
	waitFor(a.t, fmt.Sprintf("%d state(s) at the seccomp agent", n), func() bool { return len(a.lines("state ")) >= n })
	var out []specs.ContainerProcessState
	for _, l := range a.lines("state ") {
		var st specs.ContainerProcessState
		if err := json.Unmarshal([]byte(l), &st); err != nil {
			a.t.Fatalf("agent got bad state JSON %q: %v", l, err)
		}
		out = append(out, st)
	}
	return out
}

// wantState checks one state the agent got.
func (a *agent) wantState(st specs.ContainerProcessState, c *Ctr, pid int, status specs.ContainerState) {
	a.t.Helper()
	if st.Version != specs.Version || len(st.Fds) != 1 || st.Fds[0] != "seccompFd" || st.Metadata != "meta-xyz" {
		a.t.Errorf("agent state: version %q, fds %v, metadata %q; want %s, [seccompFd], meta-xyz",
			st.Version, st.Fds, st.Metadata, specs.Version)
	}
	if st.Pid != pid || st.State.ID != c.ID || st.State.Status != status || st.State.Bundle != c.Bundle {
		a.t.Errorf("agent state: pid %d, state %+v; want pid %d, id %s, status %s, bundle %s",
			st.Pid, st.State, pid, c.ID, status, c.Bundle)
	}
}

// notifyProfile: mkdir/mkdirat and unlink/unlinkat go to the agent at sock
// (errno and continue), with metadata "meta-xyz".
func notifyProfile(sock string, nnp bool) func(*specs.Spec) {
	return func(s *specs.Spec) {
		s.Process.NoNewPrivileges = nnp
		s.Linux.Seccomp = &specs.LinuxSeccomp{
			DefaultAction:    specs.ActAllow,
			Architectures:    []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32},
			ListenerPath:     sock,
			ListenerMetadata: "meta-xyz",
			Syscalls: []specs.LinuxSyscall{{
				Names: []string{"mkdir", "mkdirat", "unlink", "unlinkat"}, Action: specs.ActNotify,
			}},
		}
	}
}

// TestSeccompNotify: with SCMP_ACT_NOTIFY the agent at listenerPath gets the
// process state and the notify fd, from create (filter loaded before Ready)
// or from start (noNewPrivileges: loaded just before execve), and answers
// the container's syscalls: an errno for mkdir, "continue" for unlink.
func TestSeccompNotify(t *testing.T) {
	for _, nnp := range []bool{false, true} {
		t.Run(fmt.Sprintf("noNewPrivileges=%v", nnp), func(t *testing.T) {
			h := newH(t)
			ag := startAgent(h)
			c := h.NewCtr(notifyProfile(ag.Sock, nnp),
				sh("/probe mkdir /tmp/x; echo rc=$?; touch /tmp/f && rm /tmp/f; test -e /tmp/f; echo gone=$?"))
			c.MustCreate()
			pid := c.State().Pid
			status := specs.StateRunning
			if !nnp { // the fd came at create already
				status = specs.StateCreating
				ag.wantState(ag.States(1)[0], c, pid, status)
			}
			c.MustStart()
			c.WaitStatus("stopped")
			out, errOut := readString(t, c.Out), readString(t, c.Err)
			if !strings.Contains(out, "rc=1\n") || !strings.Contains(errOut, fmt.Sprintf("(errno=%d)", agentErrno)) {
				t.Errorf("mkdir under the agent: want rc=1 and errno %d; stdout %q, stderr %q", agentErrno, out, errOut)
			}
			if !strings.Contains(out, "gone=1\n") {
				t.Errorf("unlink continued by the agent did not remove the file: stdout %q", out)
			}
			if _, err := os.Stat(filepath.Join(c.Rootfs, "tmp/x")); err == nil {
				t.Error("the mkdir the agent refused happened")
			}
			states := ag.States(1)
			if len(states) != 1 {
				t.Fatalf("agent got %d states, want 1", len(states))
			}
			ag.wantState(states[0], c, pid, status)
			notes := strings.Join(ag.lines("notify "), "\n")
			if !strings.Contains(notes, "errno") || !strings.Contains(notes, "unlink") || !strings.Contains(notes, "continue") {
				t.Errorf("agent notifications: want mkdir (errno) and unlink (continue): %q", notes)
			}
		})
	}
}

// TestSeccompNotifyExec: a process exec'd into the container gets its own
// filter and its notify fd reaches the agent too, with its own pid, in both
// load points (the config's noNewPrivileges false, then --no-new-privs).
func TestSeccompNotifyExec(t *testing.T) {
	h := newH(t)
	ag := startAgent(h)
	c, initPid := startedCtr(h, notifyProfile(ag.Sock, false))
	ag.wantState(ag.States(1)[0], c, initPid, specs.StateCreating)
	for i, flags := range [][]string{nil, {"--no-new-privs"}} {
		pidFile := h.tempPath("exec-pid")
		r := execIn(c, Opts{}, append([]string{"--pid-file", pidFile}, flags...), "/probe", "mkdir", "/tmp/y")
		if r.Code != 1 || !strings.Contains(r.Stderr, fmt.Sprintf("(errno=%d)", agentErrno)) {
			t.Errorf("exec %v mkdir: want exit 1 with errno %d: %s", flags, agentErrno, r)
		}
		pid := atoi(readString(t, pidFile))
		states := ag.States(i + 2)
		if len(states) != i+2 {
			t.Fatalf("agent got %d states, want %d", len(states), i+2)
		}
		if pid == initPid {
			t.Errorf("exec %v: pid file names the init", flags)
		}
		ag.wantState(states[i+1], c, pid, specs.StateRunning)
	}
	if _, err := os.Stat(filepath.Join(c.Rootfs, "tmp/y")); err == nil {
		t.Error("the mkdir the agent refused happened")
	}
}

// TestSeccompNotifyErrors: SCMP_ACT_NOTIFY without listenerPath, or with a
// listenerPath nobody listens on, fails the create and leaves nothing.
func TestSeccompNotifyErrors(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(notifyProfile("", false))
	wantFail(t, c.Create(), "listenerPath")
	c.AssertNoLeftovers()

	sock := filepath.Join(h.Dir, "nobody.sock")
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	// bound but not listening: connect is refused
	if err := syscall.Bind(fd, &syscall.SockaddrUnix{Name: sock}); err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	for _, nnp := range []bool{false, true} {
		c = h.NewCtr(notifyProfile(sock, nnp))
		r := c.Create()
		if nnp { // the filter loads after start: start fails, the init is killed
			wantOK(t, r)
			wantFail(t, c.Start(), "seccomp agent", sock)
			c.WaitStatus("stopped")
			continue
		}
		wantFail(t, r, "seccomp agent", sock)
		c.AssertNoLeftovers()
	}
}
