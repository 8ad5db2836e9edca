package libcontainer

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libcontainer/internal/protocol"
)

// Start releases a created container's init: it execs the user process.
// Start returns once the exec happened (the init's end of the start
// connection is close-on-exec), or with the init's error.
func (c *Container) Start() error {
	_, err := c.StartNotify()
	return err
}

// StartNotify is Start for a container created with NOTIFY_SOCKET: it also
// returns the proxy to Wait on (after releasing the container's lock) for
// the container's READY=1; nil without NOTIFY_SOCKET.
func (c *Container) StartNotify() (*NotifyProxy, error) {
	if err := c.checkStartable(); err != nil {
		return nil, err
	}
	proxy, err := c.listenNotify()
	if err != nil {
		return nil, err
	}
	if err := c.release(); err != nil {
		if proxy != nil {
			proxy.conn.Close()
		}
		return nil, err
	}
	return proxy, nil
}

func (c *Container) checkStartable() error {
	switch st := c.Status(); st {
	case Created:
	case Stopped:
		return errors.New("cannot start a container that has stopped")
	case Creating:
		return errors.New("cannot start a container that is still being created")
	default:
		return errors.New("cannot start an already running container")
	}
	return nil
}

// release tells the waiting init to exec and reads what it reports.
func (c *Container) release() error {
	conn, err := dialStart(c.h)
	if err != nil {
		return err
	}
	defer conn.Close()
	// From here on the container counts as running: unlinked before the
	// init is released, so a start that dies half-way never leaves a running
	// container that `state` calls created (the connection stays usable).
	if err := os.Remove(c.startSock()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove start socket: %w", err)
	}
	if _, err := conn.Write([]byte{'S'}); err != nil {
		return fmt.Errorf("start the container's init: %w", err)
	}
	for {
		m, fd, err := protocol.ReadMsgFd(conn)
		switch {
		case errors.Is(err, io.EOF):
			c.postStart()
			return nil
		case err != nil:
			return fmt.Errorf("start: %w", err)
		case m.Type == protocol.Error:
			return protocol.DecodeError(m)
		case m.Type != protocol.SeccompFd:
			return fmt.Errorf("protocol: unexpected %v from the init at start", m.Type)
		}
		if err := c.sendSeccompFd(fd); err != nil {
			// Not without its agent: the init must not run the process.
			_ = c.signalInit(unix.SIGKILL)
			return err
		}
	}
}

// sendSeccompFd passes the init's notify fd (no_new_privs: the filter is
// loaded just before execve, after start) to the seccomp agent of the
// config saved at create, with the status "running" (the start socket is
// gone already).
func (c *Container) sendSeccompFd(fd *os.File) error {
	s, err := c.Spec()
	if err != nil {
		fd.Close()
		return err
	}
	a, err := agentOf(s)
	if err != nil {
		fd.Close()
		return err
	}
	return a.send(fd, c.State.Pid, c.State.SpecState(Running))
}

func (c *Container) postStart() {
	if h := c.State.Hooks; h != nil && len(h.Poststart) > 0 {
		warnHooks("poststart", h.Poststart, c.State.SpecState(Running))
	}
}
