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
	if v := os.Getenv("LISTEN_FDS"); v != "" {
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
	var files []*os.File
	for fd := 3; fd < 3+listen+preserve; fd++ {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
			return nil, nil, fmt.Errorf("preserved fd %d: %w", fd, err)
		}
		files = append(files, os.NewFile(uintptr(fd), "fd"+strconv.Itoa(fd)))
	}
	return files, env, nil
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
}

func formatIDMap(m []specs.LinuxIDMapping) string {
	var b []byte
	for _, e := range m {
		b = fmt.Appendf(b, "%d %d %d\n", e.ContainerID, e.HostID, e.Size)
	}
	return string(b)
}
