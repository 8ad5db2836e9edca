package libcontainer

import (
	"fmt"
	"os"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libcontainer/internal/nsexec"
	"github.com/rt-runtime/rt/libcontainer/internal/plan"
)

// extraFiles returns the fds the container process gets after stdio: first
// the socket-activation fds ($LISTEN_FDS), then --preserve-fds, and the
// environment that announces the former.
func extraFiles(preserve int, s *specs.Spec) ([]*os.File, []string, error) {
	if preserve < 0 {
		return nil, nil, fmt.Errorf("--preserve-fds: must not be negative")
	}
	listen := 0
	var env []string
	// Socket activation fds are ours only when LISTEN_PID names rt itself
	// (sd_listen_fds(3)); a stale LISTEN_FDS from an ancestor is ignored.
	if v := os.Getenv("LISTEN_FDS"); v != "" && os.Getenv("LISTEN_PID") == strconv.Itoa(os.Getpid()) {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, nil, fmt.Errorf("LISTEN_FDS=%q: not a count of fds", v)
		}
		listen = n
		env = append(env, "LISTEN_FDS="+v)
		if plan.NewNamespace(s, specs.PIDNamespace) {
			env = append(env, "LISTEN_PID=1")
		}
	}
	files, err := preservedFiles(listen + preserve)
	if err != nil {
		return nil, nil, err
	}
	return files, env, nil
}

// preservedFiles returns fds 3..3+n-1 for --preserve-fds: only fds rt
// inherited: never one of its own (a state dir or cgroup fd would be a way
// out).
func preservedFiles(n int) ([]*os.File, error) {
	if n < 0 {
		return nil, fmt.Errorf("--preserve-fds: must not be negative")
	}
	for fd := 3; fd < 3+n; fd++ {
		if !inheritedFds[fd] {
			return nil, fmt.Errorf("preserved fd %d: not an fd rt inherited: %w", fd, unix.EBADF)
		}
	}
	// Only after the check: an *os.File closes its fd when collected.
	var files []*os.File
	for fd := 3; fd < 3+n; fd++ {
		files = append(files, os.NewFile(uintptr(fd), "fd"+strconv.Itoa(fd)))
	}
	return files, nil
}

// inheritedFds are the fds above stdio that rt was started with.
var inheritedFds = map[int]bool{}

// SealInheritedFds records the fds rt inherited (open, not close-on-exec)
// and then marks every fd above stdio close-on-exec, so that nothing reaches
// a container or a hook by accident (CVE-2024-21626). Fds handed on on
// purpose (--preserve-fds, $LISTEN_FDS) are passed explicitly, which clears
// the flag in the child. Call it first thing in main.
func SealInheritedFds() {
	ents, err := os.ReadDir("/proc/self/fd")
	if err == nil {
		for _, e := range ents {
			fd, err := strconv.Atoi(e.Name())
			if err != nil || fd < 3 {
				continue
			}
			if fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil && fl&unix.FD_CLOEXEC == 0 {
				inheritedFds[fd] = true
			}
		}
	}
	_ = unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC)
}

// withEnv returns s with env appended to the process environment (a shallow
// copy: the caller's spec is left alone).
func withEnv(s *specs.Spec, env []string) *specs.Spec {
	if len(env) == 0 {
		return s
	}
	c := *s
	p := *s.Process
	p.Env = append(append([]string{}, p.Env...), env...)
	c.Process = &p
	return &c
}

// listenStart creates the listening start socket in the state dir. The path
// is reached through /proc/self/fd/<dirfd> so its length never exceeds
// sun_path, however long --root is.
func listenStart(h *handle) (*os.File, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("start socket: %w", err)
	}
	addr := &unix.SockaddrUnix{Name: "/proc/self/fd/" + strconv.Itoa(h.fd) + "/start.sock"}
	if err := unix.Bind(fd, addr); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("bind start socket: %w", err)
	}
	if err := unix.Listen(fd, 4); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("listen on start socket: %w", err)
	}
	return os.NewFile(uintptr(fd), "start.sock"), nil
}

// dialStart connects to the start socket of a created container.
func dialStart(h *handle) (*os.File, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("start socket: %w", err)
	}
	addr := &unix.SockaddrUnix{Name: "/proc/self/fd/" + strconv.Itoa(h.fd) + "/start.sock"}
	if err := unix.Connect(fd, addr); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("connect to the container's init: %w", err)
	}
	return os.NewFile(uintptr(fd), "start.sock"), nil
}

// idMaps fills the user namespace maps the parent writes for the init.
func (cr *creation) idMaps(l *nsexec.Launch) {
	lx := cr.bundle.Spec.Linux
	if lx == nil {
		return
	}
	l.UIDMap = formatIDMap(lx.UIDMappings)
	l.GIDMap = formatIDMap(lx.GIDMappings)
	// Without CAP_SETGID, gid_map can only be written once setgroups is
	// denied in the new namespace.
	l.SetgroupsDeny = os.Geteuid() != 0
}

func formatIDMap(m []specs.LinuxIDMapping) string {
	var b []byte
	for _, e := range m {
		b = fmt.Appendf(b, "%d %d %d\n", e.ContainerID, e.HostID, e.Size)
	}
	return string(b)
}
