package libcontainer

import (
	"errors"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/libcontainer/internal/cgroups"
)

// Stats is the container's cgroup accounting, as `events --stats` prints it.
type Stats = cgroups.Stats

func (c *Container) cgroups() cgroups.Paths { return cgroups.Paths(c.State.CgroupPaths) }

// frozen reports whether the container's freezer holds it.
func (c *Container) frozen() bool {
	if len(c.State.CgroupPaths) == 0 {
		return false
	}
	f, err := c.cgroups().Frozen()
	return err == nil && f
}

// Pause freezes every process of a created or running container.
func (c *Container) Pause() error {
	switch c.Status() {
	case Paused:
		return ErrPaused
	case Created, Running:
	default:
		return ErrNotRunning
	}
	if len(c.State.CgroupPaths) == 0 {
		return errors.New("pause: the container has no cgroup")
	}
	return c.cgroups().Freeze()
}

// Resume thaws a paused container.
func (c *Container) Resume() error {
	if c.Status() != Paused {
		return ErrNotPaused
	}
	return c.cgroups().Thaw()
}

// thawIfFrozen lets a frozen container's processes run, so that a SIGKILL
// sent to them takes effect (a v1-frozen task keeps it pending).
func (c *Container) thawIfFrozen() error {
	if !c.frozen() {
		return nil
	}
	return c.cgroups().Thaw()
}

// Processes returns the host pids of every process in the container's
// cgroup, sorted.
func (c *Container) Processes() ([]int, error) {
	if len(c.State.CgroupPaths) == 0 {
		// A rootless container without a cgroup: the processes of its
		// pid namespace, if it has one of its own.
		if c.State.SharedPidNS || !alive(c.State.Pid, c.State.PidStartTime) {
			return nil, nil
		}
		return pidNSMembers(c.State.Pid)
	}
	return c.cgroups().Pids()
}

// Stats reads the container's cgroup accounting.
func (c *Container) Stats() (*Stats, error) {
	if c.Status() == Stopped {
		return nil, ErrNotRunning
	}
	return c.cgroups().Stats()
}

// NotifyOOM returns a channel that gets a value per OOM event of the
// container's memory cgroup, closed when the cgroup goes away.
func (c *Container) NotifyOOM() (<-chan struct{}, error) {
	return c.cgroups().NotifyOOM()
}

// Exited returns a channel closed when the container's init exits.
func (c *Container) Exited() (<-chan struct{}, error) {
	ch := make(chan struct{})
	fd, err := pidfdOf(c.State.Pid, c.State.PidStartTime)
	if errors.Is(err, ErrNotRunning) {
		close(ch)
		return ch, nil
	}
	if err != nil {
		return nil, err
	}
	go func() {
		defer close(ch)
		_ = waitExit(fd, -1)
	}()
	return ch, nil
}

// setter is what cgroups.Paths offers once resource limits can be set.
type setter interface {
	Set(*specs.LinuxResources) error
}

// Update applies r, the new complete resources of the container, to its
// cgroups and records it in state.json.
func (c *Container) Update(r *specs.LinuxResources) error {
	if c.Status() == Stopped {
		return ErrNotRunning
	}
	s, ok := any(c.cgroups()).(setter)
	if !ok {
		return errors.New("update: setting resource limits is not supported yet")
	}
	if err := s.Set(r); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	if err := c.updateUnit(r); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	c.State.Resources = r
	return c.h.writeState(c.State)
}
