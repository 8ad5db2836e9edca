package libcontainer

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// Container is a loaded container, held under its lock until Close.
type Container struct {
	store *Store
	h     *handle
	State *State
}

// Load opens the container id and locks it.
func (s *Store) Load(id string) (*Container, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	h, err := s.lock(id)
	if err != nil {
		return nil, err
	}
	st, err := h.readState()
	if err != nil {
		h.close()
		return nil, err
	}
	return &Container{store: s, h: h, State: st}, nil
}

// Peek opens the container id without taking its lock, for the verbs that
// only read its state or signal it (state, list, kill): state.json is
// replaced atomically, and signals go through a pidfd checked against the
// init's start time, so neither needs to wait for a create or start of the
// same id to finish.
func (s *Store) Peek(id string) (*Container, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	dir := s.path(id)
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil, ErrNotExist
		}
		return nil, fmt.Errorf("open state dir %s: %w", dir, err)
	}
	h := &handle{dir: dir, fd: fd}
	st, err := h.readState()
	if err != nil {
		h.close()
		return nil, err
	}
	return &Container{store: s, h: h, State: st}, nil
}

// Close releases the container's lock.
func (c *Container) Close() {
	if c.h != nil {
		c.h.close()
		c.h = nil
	}
}

// ID returns the container's id.
func (c *Container) ID() string { return c.State.ID }

func (c *Container) startSock() string { return filepath.Join(c.h.dir, "start.sock") }

// Status derives the current status: stopped once the init is gone, paused
// while the freezer holds it, created while the start socket exists,
// running otherwise.
func (c *Container) Status() Status {
	if !alive(c.State.Pid, c.State.PidStartTime) {
		return Stopped
	}
	if !c.State.Ready {
		return Creating
	}
	if c.frozen() {
		return Paused
	}
	if _, err := os.Lstat(c.startSock()); err == nil {
		return Created
	}
	return Running
}

// Output is the state as `rt state` prints it.
func (c *Container) Output() Output {
	st := c.Status()
	s := c.State
	pid := s.Pid
	if st == Stopped {
		pid = 0
	}
	return Output{OCIVersion: s.OCIVersion, ID: s.ID, Pid: pid, Status: st, Bundle: s.Bundle,
		Rootfs: s.Rootfs, Created: s.Created, Owner: c.owner(), Annotations: s.Annotations}
}

// owner names the user owning the state dir (looked up only for output,
// never on the create path).
func (c *Container) owner() string {
	var st unix.Stat_t
	if err := unix.Fstat(c.h.fd, &st); err != nil {
		return ""
	}
	u, err := user.LookupId(strconv.Itoa(int(st.Uid)))
	if err != nil {
		return ""
	}
	return u.Username
}

// Signal sends sig to the container's init, or with all (or without a pid
// namespace of its own, for SIGKILL) to every process in its cgroup.
func (c *Container) Signal(sig unix.Signal, all bool) error {
	if c.Status() == Stopped {
		if all {
			return c.signalCgroup(sig)
		}
		return ErrNotRunning
	}
	// The init is in the cgroup too: with --all it gets the signal once.
	var err error
	if all || (c.State.SharedPidNS && sig == unix.SIGKILL) {
		err = c.signalCgroup(sig)
	} else {
		err = c.signalInit(sig)
	}
	// A frozen process keeps a SIGKILL pending: thaw so that it dies.
	if err == nil && sig == unix.SIGKILL {
		err = c.thawIfFrozen()
	}
	return err
}

func (c *Container) signalInit(sig unix.Signal) error {
	fd, err := pidfdOf(c.State.Pid, c.State.PidStartTime)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := unix.PidfdSendSignal(fd, sig, nil, 0); err != nil {
		if errors.Is(err, unix.ESRCH) {
			return ErrNotRunning
		}
		return fmt.Errorf("signal init: %w", err)
	}
	return nil
}

// Delete removes a stopped container. A created container is killed first;
// a running or paused one only with force.
func (c *Container) Delete(force bool) error {
	switch st := c.Status(); st {
	case Stopped:
		// Without a pid namespace of its own, the init's exit does not end
		// the processes it left in the cgroup: end them, as runc does.
		if c.State.SharedPidNS {
			if err := c.signalCgroup(unix.SIGKILL); err != nil {
				return err
			}
			// Left-behind processes may be frozen (paused, then the
			// init died): thaw so that the SIGKILL takes effect.
			if err := c.thawIfFrozen(); err != nil {
				return err
			}
		}
	case Created:
		if err := c.killAndWait(); err != nil {
			return err
		}
	default:
		if !force {
			return fmt.Errorf("cannot delete container %s that is not stopped: %s", c.ID(), st)
		}
		if err := c.killAndWait(); err != nil {
			return err
		}
	}
	return c.destroy()
}

// killAndWait SIGKILLs the container and waits for its init to exit.
func (c *Container) killAndWait() error {
	fd, err := pidfdOf(c.State.Pid, c.State.PidStartTime)
	if errors.Is(err, ErrNotRunning) {
		return c.signalCgroup(unix.SIGKILL)
	}
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0); err != nil && !errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("kill init: %w", err)
	}
	if c.State.SharedPidNS {
		if err := c.signalCgroup(unix.SIGKILL); err != nil {
			return err
		}
	}
	if err := c.thawIfFrozen(); err != nil {
		return err
	}
	return waitExit(fd, 10000)
}

// destroy runs the poststop hooks and removes the cgroups and state dir.
func (c *Container) destroy() error {
	// A cgroup that cannot be removed keeps the state, so that a retry
	// can still find it.
	if err := c.destroyCgroups(); err != nil {
		return err
	}
	if h := c.State.Hooks; h != nil && len(h.Poststop) > 0 {
		warnHooks("poststop", h.Poststop, c.State.SpecState(Stopped))
	}
	return c.h.remove()
}
