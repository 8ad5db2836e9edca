package libcontainer

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/rt-runtime/rt/libcontainer/internal/protocol"
)

// Start releases a created container's init: it execs the user process.
// Start returns once the exec happened (the init's end of the start
// connection is close-on-exec), or with the init's error.
func (c *Container) Start() error {
	switch st := c.Status(); st {
	case Created:
	case Stopped:
		return errors.New("cannot start a container that has stopped")
	case Creating:
		return errors.New("cannot start a container that is still being created")
	default:
		return errors.New("cannot start an already running container")
	}
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
	m, err := protocol.ReadMsg(conn)
	if errors.Is(err, io.EOF) {
		c.postStart()
		return nil
	}
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	if m.Type == protocol.Error {
		return protocol.DecodeError(m)
	}
	return fmt.Errorf("protocol: unexpected %v from the init at start", m.Type)
}

func (c *Container) postStart() {
	if h := c.State.Hooks; h != nil && len(h.Poststart) > 0 {
		warnHooks("poststart", h.Poststart, c.State.SpecState(Running))
	}
}
