package systemd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	sd "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/libcontainer/internal/cgroups"
)

// Timeout bounds each D-Bus call and the wait for its job.
const Timeout = 30 * time.Second

// Manager is one container's scope: where it goes, what it is started
// with, and its directories in every hierarchy.
type Manager struct {
	Unit  Unit
	Props []sd.Property
	Paths cgroups.Paths
}

// New prepares the scope for cgroupsPath (see ParsePath), with the
// org.systemd.property.* annotations and the unit properties that mirror
// resources; nothing is started yet.
func New(cgroupsPath, id string, annotations map[string]string, r *specs.LinuxResources) (*Manager, error) {
	u, err := ParsePath(cgroupsPath, id)
	if err != nil {
		return nil, err
	}
	user, err := Properties(annotations)
	if err != nil {
		return nil, err
	}
	paths, err := cgroups.Locate(u.CgroupPath(), id)
	if err != nil {
		return nil, err
	}
	props := []sd.Property{
		sd.PropSlice(u.Slice),
		sd.PropDescription("rt container " + id),
		{Name: "Delegate", Value: dbus.MakeVariant(true)},
		{Name: "DefaultDependencies", Value: dbus.MakeVariant(false)},
	}
	props = append(props, AccountingProps(isUnified())...)
	props = append(props, resourceProps(r)...)
	// An annotation overrides rt's own value of the same property.
	for _, p := range user {
		props = deleteProp(props, p.Name)
	}
	props = append(props, user...)
	return &Manager{Unit: u, Props: props, Paths: paths}, nil
}

func deleteProp(props []sd.Property, name string) []sd.Property {
	out := props[:0]
	for _, p := range props {
		if p.Name != name {
			out = append(out, p)
		}
	}
	return out
}

// connect opens a connection to the system's systemd (the system bus, or
// systemd's private socket when there is no bus daemon).
func connect(ctx context.Context) (*sd.Conn, error) {
	c, err := sd.NewWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("systemd: connect to D-Bus: %w", err)
	}
	return c, nil
}

// Start starts the scope with pid in it, waits for the job, then makes the
// scope's directory in the hierarchies systemd does not manage (v1 cpuset,
// freezer, ...) and puts pid there too.
func (m *Manager) Start(pid int) error {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	c, err := connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	props := append([]sd.Property{sd.PropPids(uint32(pid))}, m.Props...)
	done := make(chan string, 1)
	if _, err := c.StartTransientUnitContext(ctx, m.Unit.Name, "replace", props, done); err != nil {
		return fmt.Errorf("systemd: start %s: %w", m.Unit.Name, err)
	}
	select {
	case res := <-done:
		if res != "done" {
			_ = c.ResetFailedUnitContext(ctx, m.Unit.Name)
			return fmt.Errorf("systemd: start %s: job %s", m.Unit.Name, res)
		}
	case <-ctx.Done():
		return fmt.Errorf("systemd: start %s: timed out waiting for the job", m.Unit.Name)
	}
	// v2: the directory is systemd's; v1: systemd made it in the
	// hierarchies it knows, the others get it here.
	p, err := cgroups.Ensure(m.Unit.CgroupPath(), "")
	if err != nil {
		return err
	}
	if err := p.Join(pid); err != nil {
		return err
	}
	m.Paths = p
	return nil
}

// Destroy stops the scope (killing what is left in it), clears a failed
// state, and removes the directories systemd did not.
func Destroy(unit string, paths cgroups.Paths) error {
	var errs []error
	if unit != "" {
		if err := stop(unit); err != nil {
			errs = append(errs, err)
		}
	}
	if err := paths.Destroy(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Destroy is Destroy for m.
func (m *Manager) Destroy() error { return Destroy(m.Unit.Name, m.Paths) }

func stop(unit string) error {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	c, err := connect(ctx)
	if err != nil {
		// No systemd (any more): nothing to stop; the directories go below.
		if _, serr := os.Stat("/run/systemd/system"); os.IsNotExist(serr) {
			return nil
		}
		return err
	}
	defer c.Close()
	done := make(chan string, 1)
	if _, err := c.StopUnitContext(ctx, unit, "replace", done); err != nil {
		if !noSuchUnit(err) {
			return fmt.Errorf("systemd: stop %s: %w", unit, err)
		}
	} else {
		select {
		case <-done:
		case <-ctx.Done():
			return fmt.Errorf("systemd: stop %s: timed out waiting for the job", unit)
		}
	}
	if err := c.ResetFailedUnitContext(ctx, unit); err != nil && !noSuchUnit(err) {
		return fmt.Errorf("systemd: reset-failed %s: %w", unit, err)
	}
	return nil
}

func noSuchUnit(err error) bool {
	var de dbus.Error
	if errors.As(err, &de) {
		return strings.HasSuffix(de.Name, ".NoSuchUnit") || strings.HasSuffix(de.Name, ".LoadFailed")
	}
	var dp *dbus.Error
	if errors.As(err, &dp) {
		return strings.HasSuffix(dp.Name, ".NoSuchUnit") || strings.HasSuffix(dp.Name, ".LoadFailed")
	}
	return false
}

// SetResources updates the unit properties that mirror r (after `update`),
// but not those an org.systemd.property.* annotation of the container set.
func SetResources(unit string, r *specs.LinuxResources, annotations map[string]string) error {
	props := resourceProps(r)
	if user, err := Properties(annotations); err == nil {
		for _, p := range user {
			props = deleteProp(props, p.Name)
		}
	}
	if unit == "" || len(props) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	c, err := connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SetUnitPropertiesContext(ctx, unit, true, props...); err != nil {
		return fmt.Errorf("systemd: set properties of %s: %w", unit, err)
	}
	return nil
}
