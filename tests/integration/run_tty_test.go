package integration

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Tests of `rt run` in the foreground: the terminal relay (process.terminal
// without --console-socket), signal forwarding and the exit status.

// bgRun is one `run` started in the background.
type bgRun struct {
	t      *testing.T
	cmd    *exec.Cmd
	done   chan struct{}
	err    error // of cmd.Wait, valid once done is closed
	stdout string
	stderr string
}

// startRunBG starts `run --bundle B [flags] ID` with the given stdio (nil
// stdin: /dev/null; empty stdout/stderr: temp files) and attributes. A
// cleanup, which runs before the container's, SIGKILLs rt if the test left it
// running.
func startRunBG(t *testing.T, c *Ctr, stdin, stdout, stderr *os.File, attr *syscall.SysProcAttr, flags ...string) *bgRun {
	t.Helper()
	h := c.h
	full := append(append([]string{}, rtGlobal...), "--root", h.Root, "run", "--bundle", c.Bundle)
	full = append(append(full, flags...), c.ID)
	cmd := exec.Command(rtBinary, full...)
	b := &bgRun{t: t, cmd: cmd, done: make(chan struct{})}
	if stdin == nil {
		devnull, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		defer devnull.Close()
		stdin = devnull
	}
	if stdout == nil {
		b.stdout = h.tempPath("stdout")
		stdout = h.openAppend(b.stdout)
		defer stdout.Close()
	}
	if stderr == nil {
		b.stderr = h.tempPath("stderr")
		stderr = h.openAppend(b.stderr)
		defer stderr.Close()
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	cmd.SysProcAttr = attr
	t.Logf("starting `%s %s`", rtName, strings.Join(full, " "))
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s run: %v", rtName, err)
	}
	go func() {
		b.err = cmd.Wait()
		close(b.done)
	}()
	t.Cleanup(func() {
		select {
		case <-b.done:
		default:
			t.Errorf("`%s run` (pid %d) still running at the end of the test: killing it", rtName, cmd.Process.Pid)
			_ = cmd.Process.Signal(syscall.SIGKILL)
			<-b.done
		}
	})
	return b
}

// exited reports whether rt has exited (without waiting).
func (b *bgRun) exited() bool {
	select {
	case <-b.done:
		return true
	default:
		return false
	}
}

// wait waits (at most cmdTimeout) for rt to exit and returns its exit code;
// -1 if a signal killed it.
func (b *bgRun) wait() int {
	b.t.Helper()
	select {
	case <-b.done:
	case <-time.After(cmdTimeout):
		b.t.Fatalf("`%s run` did not exit within %v%s", rtName, cmdTimeout, b.output())
	}
	ps := b.cmd.ProcessState
	code := ps.ExitCode()
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		b.t.Logf("`%s run` was killed by %v", rtName, ws.Signal())
		code = -1
	}
	b.t.Logf("`%s run` exited with %d (%v)%s", rtName, code, b.err, b.output())
	return code
}

func (b *bgRun) output() string {
	var s string
	if b.stdout != "" {
		s += "\nstdout: " + clip(readFrom(b.stdout, 0))
	}
	if b.stderr != "" {
		s += "\nstderr: " + clip(readFrom(b.stderr, 0))
	}
	return s
}

// signal sends sig to the rt process itself.
func (b *bgRun) signal(sig syscall.Signal) {
	b.t.Helper()
	b.t.Logf("sending %v to `%s run` (pid %d)", sig, rtName, b.cmd.Process.Pid)
	if err := b.cmd.Process.Signal(sig); err != nil {
		b.t.Fatalf("signal %v to rt: %v", sig, err)
	}
}

// waitRunning waits for the container to be running and records its pid for
// the leftover check.
func waitRunning(c *Ctr) *State {
	c.h.t.Helper()
	st := c.WaitStatus("running")
	if st.Pid > 0 {
		c.addPid(st.Pid)
	}
	return st
}

// wantGone checks that `state` says the container does not exist.
func wantGone(t *testing.T, c *Ctr) {
	t.Helper()
	st, r := c.TryState()
	if st != nil {
		t.Errorf("the container still exists: %+v", st)
		return
	}
	if !strings.Contains(r.Out(), "does not exist") {
		t.Errorf("state of a deleted container: want \"does not exist\": %s", r)
	}
}

// ---------------------------------------------------------------------------
// the terminal relay

// testPty is a pty pair opened by the test: rt gets the peer as its
// controlling terminal, the test reads and writes the master.
type testPty struct {
	master *os.File
	peer   *os.File
	mu     sync.Mutex
	out    bytes.Buffer
	eof    chan struct{}
}

func openTestPty(t *testing.T) *testPty {
	t.Helper()
	mfd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("open /dev/ptmx: %v", err)
	}
	if err := unix.IoctlSetPointerInt(mfd, unix.TIOCSPTLCK, 0); err != nil {
		unix.Close(mfd)
		t.Fatalf("TIOCSPTLCK: %v", err)
	}
	pfd, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(mfd), unix.TIOCGPTPEER, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC)
	if errno != 0 { // kernel < 4.13: by name
		n, err := unix.IoctlGetInt(mfd, unix.TIOCGPTN)
		if err != nil {
			unix.Close(mfd)
			t.Fatalf("TIOCGPTN: %v", err)
		}
		fd, err := unix.Open(fmt.Sprintf("/dev/pts/%d", n), unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
		if err != nil {
			unix.Close(mfd)
			t.Fatalf("open /dev/pts/%d: %v", n, err)
		}
		pfd = uintptr(fd)
	}
	// Non-blocking: the master goes through the poller, so Close ends a
	// pending Read.
	if err := unix.SetNonblock(mfd, true); err != nil {
		t.Fatal(err)
	}
	p := &testPty{master: os.NewFile(uintptr(mfd), "ptmx"), peer: os.NewFile(pfd, "pts"), eof: make(chan struct{})}
	go func() {
		defer close(p.eof)
		buf := make([]byte, 4096)
		for {
			n, err := p.master.Read(buf)
			p.mu.Lock()
			p.out.Write(buf[:n])
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		p.peer.Close()
		p.master.Close()
		<-p.eof
	})
	return p
}

func (p *testPty) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// waitOutput polls what came out of the master until it contains sub, or rt
// exited (then the remaining output is given a moment to arrive).
func (p *testPty) waitOutput(t *testing.T, b *bgRun, sub string) string {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	var exitedAt time.Time
	for {
		s := p.output()
		if strings.Contains(s, sub) {
			return s
		}
		if exitedAt.IsZero() && b.exited() {
			exitedAt = time.Now()
		}
		if time.Now().After(deadline) || (!exitedAt.IsZero() && time.Since(exitedAt) > time.Second) {
			why := fmt.Sprintf("within %v", waitTimeout)
			if !exitedAt.IsZero() {
				why = fmt.Sprintf("before `%s run` exited (%v)", rtName, b.cmd.ProcessState)
			}
			t.Fatalf("%q did not come out of the terminal %s; output so far: %q", sub, why, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ptyLines splits terminal output into lines without their \r.
func ptyLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		out = append(out, strings.TrimRight(l, "\r"))
	}
	return out
}

var ttyNameRE = regexp.MustCompile(`^/dev/(pts/[0-9]+|console)$`)

func TestRunTerminalRelay(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(func(s *specs.Spec) {
		s.Process.Terminal = true
		s.Process.ConsoleSize = nil // the size must come from rt's own terminal
		s.Process.Args = []string{"sh", "-c", "tty; stty size; echo hello-tty; read x; echo got-$x"}
	})
	for _, a := range []string{"tty", "stty"} { // not in the template's applet list
		if err := os.Symlink("busybox", filepath.Join(c.Rootfs, "bin", a)); err != nil {
			t.Fatal(err)
		}
	}
	p := openTestPty(t)
	pfd := int(p.peer.Fd())
	if err := unix.IoctlSetWinsize(pfd, unix.TIOCSWINSZ, &unix.Winsize{Row: 30, Col: 100}); err != nil {
		t.Fatalf("TIOCSWINSZ: %v", err)
	}
	before, err := unix.IoctlGetTermios(pfd, unix.TCGETS)
	if err != nil {
		t.Fatalf("TCGETS: %v", err)
	}
	if before.Lflag&unix.ICANON == 0 || before.Lflag&unix.ECHO == 0 {
		t.Fatalf("a fresh pty should be in canonical mode with echo: lflag %#x", before.Lflag)
	}

	b := startRunBG(t, c, p.peer, p.peer, p.peer, &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0})
	out := p.waitOutput(t, b, "hello-tty")
	if b.exited() {
		t.Fatalf("`%s run` exited before the container read its input: %v; output %q", rtName, b.cmd.ProcessState, out)
	}
	st := waitRunning(c)
	// While the container runs, rt's terminal is raw: input goes through
	// to the container's pty unprocessed.
	if during, err := unix.IoctlGetTermios(pfd, unix.TCGETS); err != nil {
		t.Errorf("TCGETS while running: %v", err)
	} else if during.Lflag&(unix.ICANON|unix.ECHO|unix.ISIG) != 0 || during.Oflag&unix.OPOST != 0 {
		t.Errorf("while the container runs rt's terminal should be raw: lflag %#x oflag %#x", during.Lflag, during.Oflag)
	}

	lines := ptyLines(out)
	var ttyName, size string
	for i, l := range lines {
		if l == "hello-tty" {
			if i >= 2 {
				ttyName, size = lines[i-2], lines[i-1]
			}
			break
		}
	}
	if !ttyNameRE.MatchString(ttyName) {
		t.Errorf("`tty` in the container: want /dev/pts/N or /dev/console, got %q (output %q)", ttyName, out)
	}
	if size != "30 100" {
		t.Errorf("`stty size` in the container: want \"30 100\" (rt's terminal), got %q (output %q)", size, out)
	}

	// SIGWINCH: a new size of rt's terminal reaches the container's pty
	// (read from the host through the init's fd 0) while it waits in `read`.
	if got := containerWinsize(t, st.Pid); got != [2]uint16{30, 100} {
		t.Errorf("the container's pty size is %dx%d, want 30x100", got[0], got[1])
	}
	if err := unix.IoctlSetWinsize(int(p.master.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 40, Col: 120}); err != nil {
		t.Fatalf("TIOCSWINSZ: %v", err) // the kernel sends rt, the foreground process group, SIGWINCH
	}
	var got [2]uint16
	deadline := time.Now().Add(waitTimeout)
	for got = containerWinsize(t, st.Pid); got != [2]uint16{40, 120} && time.Now().Before(deadline); got = containerWinsize(t, st.Pid) {
		time.Sleep(20 * time.Millisecond)
	}
	if got != [2]uint16{40, 120} {
		t.Errorf("after resizing rt's terminal to 40x120 the container's pty is %dx%d", got[0], got[1])
	}

	if _, err := p.master.Write([]byte("abc\n")); err != nil {
		t.Fatalf("write to the pty master: %v", err)
	}
	out = p.waitOutput(t, b, "got-abc")
	if !contains(ptyLines(out), "got-abc") {
		t.Errorf("want a line \"got-abc\", got %q", out)
	}
	if code := b.wait(); code != 0 {
		t.Errorf("`%s run` exit code %d, want 0 (the container's status); terminal output %q", rtName, code, p.output())
	}
	after, err := unix.IoctlGetTermios(pfd, unix.TCGETS)
	if err != nil {
		t.Fatalf("TCGETS after: %v", err)
	}
	if *after != *before {
		t.Errorf("rt did not restore its terminal's termios:\nbefore %+v\nafter  %+v", *before, *after)
	}
	if ws, err := unix.IoctlGetWinsize(pfd, unix.TIOCGWINSZ); err != nil || ws.Row != 40 || ws.Col != 120 {
		t.Errorf("rt's terminal size changed: %+v %v", ws, err)
	}
	wantGone(t, c)
}

// containerWinsize reads the window size of the container's terminal through
// /proc/PID/fd/0 of its init (rows, cols). The fd is closed at once: rt waits
// for every holder of the container's pty to let go before it exits.
func containerWinsize(t *testing.T, pid int) [2]uint16 {
	t.Helper()
	fd, err := unix.Open(fmt.Sprintf("/proc/%d/fd/0", pid), unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("open the container's terminal: %v", err)
	}
	defer unix.Close(fd)
	ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ)
	if err != nil {
		t.Fatalf("TIOCGWINSZ on the container's terminal: %v", err)
	}
	return [2]uint16{ws.Row, ws.Col}
}

// The container's terminal must have rt's window size from its very first
// instruction, not only once rt got round to copying it: a process that
// queries the size at once (here `stty size` is the container's process
// itself, no shell before it) must not see 0x0. A race, so several runs.
func TestRunTerminalRelaySizeAtExec(t *testing.T) {
	h := newH(t)
	const runs = 20
	for i := 0; i < runs; i++ {
		c := h.NewCtr(func(s *specs.Spec) {
			s.Process.Terminal = true
			s.Process.ConsoleSize = nil
			s.Process.Args = []string{"stty", "size"}
		})
		if err := os.Symlink("busybox", filepath.Join(c.Rootfs, "bin", "stty")); err != nil {
			t.Fatal(err)
		}
		p := openTestPty(t)
		if err := unix.IoctlSetWinsize(int(p.peer.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 30, Col: 100}); err != nil {
			t.Fatalf("TIOCSWINSZ: %v", err)
		}
		b := startRunBG(t, c, p.peer, p.peer, p.peer, &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0})
		code := b.wait()
		out := p.waitOutput(t, b, "\n")
		if code != 0 || ptyLines(out)[0] != "30 100" {
			t.Fatalf("run %d of %d: the container's first `stty size` saw %q (exit %d), want \"30 100\": "+
				"the container ran before rt set its terminal's size", i+1, runs, out, code)
		}
		p.peer.Close()
		p.master.Close()
	}
}

// ---------------------------------------------------------------------------
// signals

func TestRunForwardsSignals(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(args("/probe", "signal-wait", "/tmp/signals"))
	file := filepath.Join(c.Rootfs, "tmp", "signals")
	b := startRunBG(t, c, nil, nil, nil, nil)
	waitFileContains(t, file, "ready\n")
	waitRunning(c)

	// The probe handles every catchable signal: it logs each one, and exits
	// 0 after SIGTERM only.
	for _, sig := range []syscall.Signal{syscall.SIGUSR1, syscall.SIGHUP, syscall.SIGINT} {
		b.signal(sig)
		waitFileContains(t, file, unix.SignalName(sig)+"\n")
	}
	if b.exited() {
		t.Fatalf("`%s run` exited although the container handled the signals and still runs (exit %v)%s",
			rtName, b.cmd.ProcessState, b.output())
	}
	if st := c.State(); st.Status != "running" {
		t.Fatalf("the container should still run (its SIGINT handler does not exit): %+v", st)
	}
	b.signal(syscall.SIGTERM)
	got := waitFileContains(t, file, "SIGTERM\n")
	if code := b.wait(); code != 0 {
		t.Errorf("`%s run` exit code %d, want the probe's own status 0 (it exits 0 on SIGTERM)", rtName, code)
	}
	if want := "ready\nSIGUSR1\nSIGHUP\nSIGINT\nSIGTERM\n"; got != want {
		t.Errorf("signals the container saw: got %q, want %q", got, want)
	}
	wantGone(t, c)
}

// A forwarded signal that kills the container: rt exits 128+signal. Without a
// pid namespace, so that the signal's default action applies (the init of a
// pid namespace ignores signals it has no handler for).
func TestRunForwardsSignalsDeath(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(dropNS(specs.PIDNamespace), args("sleep", "1000"))
	b := startRunBG(t, c, nil, nil, nil, nil)
	waitRunning(c) // exec'ed: sleep's SIGINT action is the default one
	b.signal(syscall.SIGINT)
	if code := b.wait(); code != 128+int(syscall.SIGINT) {
		t.Errorf("`%s run` exit code %d, want %d (the container died from SIGINT)", rtName, code, 128+int(syscall.SIGINT))
	}
	wantGone(t, c)
}

// ---------------------------------------------------------------------------
// exit status

func TestRunExitStatusAfterSignal(t *testing.T) {
	for _, keep := range []bool{false, true} {
		name := "delete"
		if keep {
			name = "keep"
		}
		t.Run(name, func(t *testing.T) {
			h := newH(t)
			c := h.NewCtr(args("/probe", "sleep"))
			var flags []string
			if keep {
				flags = append(flags, "--keep")
			}
			b := startRunBG(t, c, nil, nil, nil, nil, flags...)
			st := waitRunning(c)
			wantOK(t, c.Kill("KILL"))
			if code := b.wait(); code != 128+int(syscall.SIGKILL) {
				t.Errorf("`%s run` exit code %d, want 137 (the container was SIGKILLed)", rtName, code)
			}
			if len(procsAlive([]int{st.Pid})) > 0 {
				t.Errorf("the container's init %d is still alive after `run` returned", st.Pid)
			}
			if !keep {
				wantGone(t, c)
				if _, err := os.Lstat(filepath.Join(h.Root, c.ID)); err == nil {
					t.Errorf("the state dir of %s is left after `run`", c.ID)
				}
				return
			}
			st2, r := c.TryState()
			if st2 == nil {
				t.Fatalf("with --keep the container should still exist after `run`: %s", r)
			}
			if st2.Status != "stopped" {
				t.Errorf("with --keep: status %q, want stopped", st2.Status)
			}
			wantOK(t, c.Delete())
			wantGone(t, c)
		})
	}
}
