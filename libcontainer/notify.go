package libcontainer

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// sd_notify proxying (NOTIFY_SOCKET), as runc does it: when rt's caller
// (systemd, podman --sdnotify=container, ...) sets NOTIFY_SOCKET at create,
// the container gets its own socket, <state>/notify/notify.sock bound
// read-only at /run/notify (NOTIFY_SOCKET=/run/notify/notify.sock in its
// environment); `start` listens there and, once the container says
// READY=1, tells the caller's socket READY=1 and MAINPID=<the init's pid>.
// `start` returns only then (or when the container exits first).

// notifyDirIn is where the container sees its notify socket's directory.
const notifyDirIn = "/run/notify"

const notifySockName = "notify.sock"

// notifyDir is the container's notify directory in its state dir.
func (h *handle) notifyDir() string { return filepath.Join(h.dir, "notify") }

// withNotify returns a copy of s that mounts the notify directory and
// points the process at it. The saved config stays without it (exec'd
// processes do not get the socket, as with runc).
func withNotify(s *specs.Spec, dir string) *specs.Spec {
	cp := *s
	cp.Mounts = append(append([]specs.Mount(nil), s.Mounts...), specs.Mount{
		Destination: notifyDirIn, Type: "bind", Source: dir,
		Options: []string{"bind", "nosuid", "noexec", "nodev", "ro"},
	})
	p := *s.Process
	p.Env = append(append([]string(nil), s.Process.Env...), "NOTIFY_SOCKET="+notifyDirIn+"/"+notifySockName)
	cp.Process = &p
	return &cp
}

// NotifyProxy forwards the container's READY=1 to the caller's socket.
type NotifyProxy struct {
	conn *net.UnixConn
	host string // the caller's NOTIFY_SOCKET ("@name": abstract)
	pid  int
}

// listenNotify binds the container's notify socket (before the init is
// released: no datagram may be lost).
func (c *Container) listenNotify() (*NotifyProxy, error) {
	if c.State.NotifySocket == "" {
		return nil, nil
	}
	path := filepath.Join(c.h.notifyDir(), notifySockName)
	_ = os.Remove(path)
	// Bound through /proc/self/fd/<dir fd>: a state dir path may be longer
	// than a socket address allows (108 bytes).
	dir, err := os.OpenFile(c.h.notifyDir(), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("notify socket: %w", err)
	}
	defer dir.Close()
	short := "/proc/self/fd/" + strconv.Itoa(int(dir.Fd())) + "/" + notifySockName
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: short, Net: "unixgram"})
	if err != nil {
		return nil, fmt.Errorf("notify socket %s: %w", path, err)
	}
	// Any container user may send to it.
	if err := os.Chmod(path, 0o777); err != nil { //nolint:forbidigo // host path in rt's state dir
		conn.Close()
		return nil, fmt.Errorf("notify socket: %w", err)
	}
	return &NotifyProxy{conn: conn, host: c.State.NotifySocket, pid: c.State.Pid}, nil
}

// Wait reads the container's notifications until READY=1, then sends
// READY=1 and MAINPID to the caller's socket. It returns early (nil) if
// the container's init exits without saying READY.
func (p *NotifyProxy) Wait() error {
	if p == nil {
		return nil
	}
	defer p.conn.Close()
	buf := make([]byte, 4096)
	for {
		_ = p.conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		n, _, err := p.conn.ReadFrom(buf)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			if unix.Kill(p.pid, 0) != nil {
				return nil // the container is gone: nothing to wait for
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("notify socket: %w", err)
		}
		if hasReady(buf[:n]) {
			return p.forward()
		}
	}
}

func hasReady(msg []byte) bool {
	for _, l := range bytes.Split(msg, []byte("\n")) {
		if string(l) == "READY=1" {
			return true
		}
	}
	return false
}

func (p *NotifyProxy) forward() error {
	name := p.host
	if name != "" && name[0] == '@' {
		name = "\x00" + name[1:]
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("notify: connect to NOTIFY_SOCKET %s: %w", p.host, err)
	}
	defer conn.Close()
	msg := "READY=1\nMAINPID=" + strconv.Itoa(p.pid) + "\n"
	if _, err := conn.Write([]byte(msg)); err != nil {
		return fmt.Errorf("notify: write to NOTIFY_SOCKET %s: %w", p.host, err)
	}
	return nil
}
