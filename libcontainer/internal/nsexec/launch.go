package nsexec

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libcontainer/internal/protocol"
)

// Launch describes one start of rt-init.
type Launch struct {
	Bootstrap     []protocol.Msg // without the final End
	Stdio         [3]*os.File    // nil entries: rt's own
	Extra         []*os.File     // preserved fds: 3, 4, ... in the container
	StartListener *os.File       // the listening start socket, or nil
	ConsoleSocket *os.File       // the --console-socket connection, or nil
	PidFd         *os.File       // exec: pidfd of the container's init, or nil
	RootFd        *os.File       // exec: the container's root dir to chroot to, or nil
	Trees         []*os.File     // detached bind mounts (plan.Tree), from TreeFdBase on
	UIDMap        string         // written when the init asks (new user ns)
	GIDMap        string
	SetgroupsDeny bool
	// OnInit runs once stage A exists, before the bootstrap is sent: the
	// place to put it in its cgroups, so everything it forks is there too.
	OnInit func(pid int) error
	// OnChild runs when the container's pid 1 is known.
	OnChild func(pid int) error
	// OnHooks runs prestart and createRuntime hooks and returns the state
	// JSON that rt-init hands to createContainer and startContainer hooks.
	OnHooks func(pid int) ([]byte, error)
	// OnSeccompFd gets the seccomp notify fd (SCMP_ACT_NOTIFY) of the
	// container process pid, when rt-init loads its filter before Ready; it
	// owns the fd. Without it such an fd is an error.
	OnSeccompFd func(pid int, fd *os.File) error
	// OnReady runs when the init reports Ready, with the sync connection
	// (exec: put the process in its cgroup, send Go, wait for the execve).
	OnReady func(pid int, conn *os.File) error
}

// Fds returns the fd numbers rt-init will have for its sync socket, the start
// listener and the console socket (-1 when absent).
func (l *Launch) Fds() (syncFd, startFd, consoleFd int) {
	fds := l.layout()
	return fds[0], fds[1], fds[2]
}

// ExecFds returns the fd numbers rt-init will have for the pidfd and the
// root fd (-1 when absent).
func (l *Launch) ExecFds() (pidFd, rootFd int) {
	fds := l.layout()
	return fds[3], fds[4]
}

// TreeFdBase returns the fd number rt-init will have for Trees[0]: the
// trees come last, so this is known before they are made.
func (l *Launch) TreeFdBase() int {
	next := 4 + len(l.Extra)
	for _, f := range []*os.File{l.StartListener, l.ConsoleSocket, l.PidFd, l.RootFd} {
		if f != nil {
			next++
		}
	}
	return next
}

// layout numbers the fds after 0..2 and the extra ones: sync, start,
// console, pidfd, root (-1 for each one absent), in the order of files().
func (l *Launch) layout() [5]int {
	next := 3 + len(l.Extra)
	out := [5]int{next, -1, -1, -1, -1}
	next++
	for i, f := range []*os.File{l.StartListener, l.ConsoleSocket, l.PidFd, l.RootFd} {
		if f != nil {
			out[i+1] = next
			next++
		}
	}
	return out
}

// Run starts rt-init, drives the protocol until the container is ready and
// returns the host pid of the container's init. On error nothing it started
// is left running.
func (l *Launch) Run() (pid int, err error) {
	exe, err := sealedInit()
	if err != nil {
		return 0, err
	}
	defer exe.Close()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, fmt.Errorf("socketpair: %w", err)
	}
	parent := os.NewFile(uintptr(fds[0]), "rt-init sync")
	child := os.NewFile(uintptr(fds[1]), "rt-init sync (child)")
	defer parent.Close()
	stageA, err := l.start(exe, child)
	child.Close()
	if err != nil {
		return 0, err
	}
	pid, err = l.drive(stageA, parent)
	if err != nil {
		if pid > 0 {
			_ = unix.Kill(pid, unix.SIGKILL)
			_, _ = unix.Wait4(pid, nil, 0, nil)
		}
		_ = stageA.Kill()
		_, _ = stageA.Wait()
		return 0, err
	}
	return pid, nil
}

func (l *Launch) start(exe *os.File, sync *os.File) (*os.Process, error) {
	files := make([]*os.File, 0, 6+len(l.Extra))
	for i, f := range l.Stdio {
		if f == nil {
			f = []*os.File{os.Stdin, os.Stdout, os.Stderr}[i]
		}
		files = append(files, f)
	}
	files = append(files, l.Extra...)
	syncFd, _, _ := l.Fds()
	files = append(files, sync)
	for _, f := range []*os.File{l.StartListener, l.ConsoleSocket, l.PidFd, l.RootFd} {
		if f != nil {
			files = append(files, f)
		}
	}
	files = append(files, l.Trees...)
	// The child dup2()s files onto 0..len(files)-1: the executable's fd
	// must lie above them to still be itself when the child execs it.
	exeFd := int(exe.Fd())
	if exeFd < len(files) {
		hi, err := unix.FcntlInt(exe.Fd(), unix.F_DUPFD_CLOEXEC, len(files))
		if err != nil {
			return nil, fmt.Errorf("dup rt-init fd: %w", err)
		}
		defer unix.Close(hi)
		exeFd = hi
	}
	path := "/proc/self/fd/" + strconv.Itoa(exeFd)
	p, err := os.StartProcess(path, []string{"rt-init", strconv.Itoa(syncFd)},
		&os.ProcAttr{Files: files, Env: []string{}})
	if err != nil {
		return nil, fmt.Errorf("start rt-init: %w", err)
	}
	return p, nil
}

// drive plays the parent side of the protocol (see package protocol).
func (l *Launch) drive(stageA *os.Process, conn *os.File) (int, error) {
	if l.OnInit != nil {
		if err := l.OnInit(stageA.Pid); err != nil {
			return 0, err
		}
	}
	boot := protocol.Encode(nil, l.Bootstrap...)
	boot = protocol.Encode(boot, protocol.Msg{Type: protocol.End})
	if _, err := conn.Write(boot); err != nil {
		// rt-init may have refused the bootstrap before reading it all:
		// its Error frame says why, better than our EPIPE.
		if m, rerr := protocol.ReadMsg(conn); rerr == nil && m.Type == protocol.Error {
			return 0, l.initFailed(stageA, protocol.DecodeError(m))
		}
		return 0, l.initFailed(stageA, fmt.Errorf("send bootstrap: %w", err))
	}
	pid := 0
	for {
		m, fd, err := protocol.ExpectFd(conn, protocol.MapRequest, protocol.ChildPid, protocol.HooksRequest, protocol.Ready)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				err = l.initFailed(stageA, err)
			}
			return pid, err
		}
		switch m.Type {
		case protocol.MapRequest:
			err = l.writeMaps(stageA.Pid, conn)
		case protocol.ChildPid:
			pid, err = l.childPid(stageA, m)
		case protocol.HooksRequest:
			err = l.hooks(pid, conn)
		case protocol.SeccompFd:
			err = l.seccompFd(pid, fd)
		case protocol.Ready:
			if l.OnReady != nil {
				err = l.OnReady(pid, conn)
			}
			return pid, err
		}
		if err != nil {
			return pid, err
		}
	}
}

func (l *Launch) childPid(stageA *os.Process, m protocol.Msg) (int, error) {
	r := protocol.NewReader(m)
	pid := int(r.U32())
	if r.Err() != nil || pid <= 0 {
		return 0, fmt.Errorf("protocol: bad ChildPid message")
	}
	// Stage A exits right after reporting; reap it.
	if st, err := stageA.Wait(); err == nil && !st.Success() {
		return pid, fmt.Errorf("rt-init stage A: %v", st)
	}
	if l.OnChild != nil {
		if err := l.OnChild(pid); err != nil {
			return pid, err
		}
	}
	return pid, nil
}

// seccompFd hands the notify fd to OnSeccompFd (which closes it).
func (l *Launch) seccompFd(pid int, fd *os.File) error {
	if l.OnSeccompFd == nil || pid <= 0 {
		fd.Close()
		return errors.New("protocol: unexpected SeccompFd from the init")
	}
	return l.OnSeccompFd(pid, fd)
}

func (l *Launch) hooks(pid int, conn *os.File) error {
	var state []byte
	if l.OnHooks != nil {
		var err error
		if state, err = l.OnHooks(pid); err != nil {
			return err
		}
	}
	msg := protocol.New().Bytes(state).Msg(protocol.HooksDone)
	if _, err := conn.Write(protocol.Encode(nil, msg)); err != nil {
		return fmt.Errorf("send HooksDone: %w", err)
	}
	return nil
}

func (l *Launch) writeMaps(pid int, conn *os.File) error {
	dir := "/proc/" + strconv.Itoa(pid) + "/"
	if helpers := needIDMapHelpers(l.UIDMap, l.GIDMap); helpers {
		if err := runIDMapHelper("newuidmap", pid, l.UIDMap); err != nil {
			return err
		}
		if err := runIDMapHelper("newgidmap", pid, l.GIDMap); err != nil {
			return err
		}
		_, err := conn.Write(protocol.Encode(nil, protocol.Msg{Type: protocol.MapDone}))
		return err
	}
	if l.SetgroupsDeny {
		if err := writeProcFile(dir+"setgroups", "deny"); err != nil {
			return err
		}
	}
	if err := writeProcFile(dir+"uid_map", l.UIDMap); err != nil {
		return err
	}
	if err := writeProcFile(dir+"gid_map", l.GIDMap); err != nil {
		return err
	}
	_, err := conn.Write(protocol.Encode(nil, protocol.Msg{Type: protocol.MapDone}))
	return err
}

func writeProcFile(path, content string) error {
	if content == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	if _, err := f.Write([]byte(content)); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// initFailed turns an unexpected EOF from the init into an error with its
// exit status.
func (l *Launch) initFailed(stageA *os.Process, cause error) error {
	st, err := stageA.Wait()
	if err != nil {
		return fmt.Errorf("rt-init: %w", cause)
	}
	return fmt.Errorf("rt-init exited unexpectedly (%v): %w", st, cause)
}

// sealedInit copies the embedded rt-init into a sealed memfd (CVE-2019-5736:
// the container can never write to, or even see, a host runtime binary).
func sealedInit() (*os.File, error) {
	bin := initBinary()
	if len(bin) == 0 {
		return nil, errors.New("rt was built without rt-init: build it with make")
	}
	// MFD_EXEC: with vm.memfd_noexec=1 a memfd is not executable without it
	// (older kernels refuse the flag: retry without).
	fd, err := unix.MemfdCreate("rt-init", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING|unix.MFD_EXEC)
	if errors.Is(err, unix.EINVAL) {
		fd, err = unix.MemfdCreate("rt-init", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	}
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	// Keep the fd above the ones usually dup2'ed into the child (start
	// moves it higher still when there are more).
	hi, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 256)
	unix.Close(fd)
	if err != nil {
		return nil, fmt.Errorf("dup memfd: %w", err)
	}
	f := os.NewFile(uintptr(hi), "rt-init")
	if _, err := f.Write(bin); err != nil {
		f.Close()
		return nil, fmt.Errorf("write memfd: %w", err)
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(f.Fd(), unix.F_ADD_SEALS, seals); err != nil {
		f.Close()
		return nil, fmt.Errorf("seal memfd: %w", err)
	}
	return f, nil
}

// needIDMapHelpers: an unprivileged rt can only map its own uid and gid,
// one id each; anything more goes through the setuid newuidmap/newgidmap
// (shadow's uidmap, checked against /etc/subuid and /etc/subgid), as runc.
func needIDMapHelpers(uidMap, gidMap string) bool {
	if os.Geteuid() == 0 {
		return false
	}
	own := func(m string, id int) bool {
		f := strings.Fields(m)
		return m == "" || (len(f) == 3 && f[1] == strconv.Itoa(id) && f[2] == "1")
	}
	return !own(uidMap, os.Geteuid()) || !own(gidMap, os.Getegid())
}

// runIDMapHelper runs newuidmap/newgidmap PID (container host size)...
func runIDMapHelper(name string, pid int, m string) error {
	if m == "" {
		return nil
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return fmt.Errorf("mapping more than the caller's own id needs %s (package uidmap): %w", name, err)
	}
	args := append([]string{strconv.Itoa(pid)}, strings.Fields(m)...)
	out, err := exec.Command(path, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
