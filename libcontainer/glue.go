package libcontainer

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libcontainer/internal/cgroups"
	"github.com/rt-runtime/rt/libcontainer/internal/cgroups/systemd"
	"github.com/rt-runtime/rt/libcontainer/internal/hooks"
	"github.com/rt-runtime/rt/libcontainer/internal/plan"
	"github.com/rt-runtime/rt/libcontainer/internal/seccomp"
)

// cgroupSet is the container's cgroup in every hierarchy.
type cgroupSet cgroups.Paths

func newCgroups(s *specs.Spec, id string, rootless bool) (cgroupSet, error) {
	var path string
	if s.Linux != nil {
		path = s.Linux.CgroupsPath
	}
	p, err := cgroups.Create(path, id)
	if err != nil {
		return nil, fmt.Errorf("create cgroup: %w", err)
	}
	r := cgroups.Resources(s.Linux)
	if rootless && r != nil {
		// Device rules need privileges (v1 devices files, v2 a BPF
		// program); a rootless container only has binds of devices its
		// user may open anyway. runc skips them too.
		cp := *r
		cp.Devices = nil
		r = &cp
	}
	if err := p.Set(r); err != nil {
		_ = p.Destroy()
		return nil, err
	}
	return cgroupSet(p), nil
}

// hasResources: linux.resources sets a limit (device rules aside, which a
// rootless container does without).
func hasResources(s *specs.Spec) bool {
	if s.Linux == nil || s.Linux.Resources == nil {
		return false
	}
	r := *s.Linux.Resources
	r.Devices = nil
	return !reflect.DeepEqual(r, specs.LinuxResources{})
}

// deniedCgroups: the cgroup could not be made for lack of rights.
func deniedCgroups(err error) bool {
	return errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) || errors.Is(err, unix.EROFS)
}

func (c cgroupSet) paths() map[string]string { return map[string]string(c) }
func (c cgroupSet) join(pid int) error       { return cgroups.Paths(c).Join(pid) }
func (c cgroupSet) destroy() error           { return cgroups.Paths(c).Destroy() }

// systemdDriver is State.CgroupDriver for a container in a systemd scope.
const systemdDriver = "systemd"

// newSystemdCgroups prepares the container's systemd scope. The scope is
// started with the init's stage-A pid (startScope), so its directories are
// only located here.
func (cr *creation) newSystemdCgroups() error {
	s := cr.bundle.Spec
	var path string
	var r *specs.LinuxResources
	if s.Linux != nil {
		path, r = s.Linux.CgroupsPath, s.Linux.Resources
	}
	m, err := systemd.New(path, cr.opts.ID, s.Annotations, r)
	if err != nil {
		return fmt.Errorf("create cgroup: %w", err)
	}
	cr.sd, cr.cgroups = m, cgroupSet(m.Paths)
	cr.state.CgroupDriver, cr.state.SystemdUnit = systemdDriver, m.Unit.Name
	return nil
}

// startScope is OnInit with the systemd driver: start the scope with pid in
// it, then apply the resources to its directories.
func (cr *creation) startScope(pid int) error {
	if err := cr.sd.Start(pid); err != nil {
		return err
	}
	return cgroups.Paths(cr.sd.Paths).Set(cgroups.Resources(cr.bundle.Spec.Linux))
}

// destroyCgroups removes the container's cgroups with the driver that made
// them.
func (c *Container) destroyCgroups() error {
	if c.State.CgroupDriver == systemdDriver {
		return systemd.Destroy(c.State.SystemdUnit, cgroups.Paths(c.State.CgroupPaths))
	}
	return destroyCgroups(c.State.CgroupPaths)
}

// updateUnit mirrors an update in the scope's unit properties.
func (c *Container) updateUnit(r *specs.LinuxResources) error {
	if c.State.CgroupDriver != systemdDriver {
		return nil
	}
	return systemd.SetResources(c.State.SystemdUnit, r, c.State.Annotations)
}

func destroyCgroups(p map[string]string) error {
	if len(p) == 0 {
		return nil
	}
	return cgroups.Paths(p).Destroy()
}

func (c *Container) signalCgroup(sig unix.Signal) error {
	if len(c.State.CgroupPaths) == 0 {
		// Rootless without a cgroup: every process of its pid namespace.
		pids, err := c.Processes()
		for _, p := range pids {
			if p != c.State.Pid {
				_ = unix.Kill(p, sig)
			}
		}
		if err == nil && len(pids) > 0 {
			err = c.signalInit(sig)
		}
		return err
	}
	return cgroups.Paths(c.State.CgroupPaths).Signal(sig)
}

// fillInput adds the host-dependent inputs of the plan: the cgroup
// hierarchies a "cgroup" mount shows, and the compiled seccomp filter.
func (cr *creation) fillInput(in *plan.Input) error {
	hs, err := cgroups.Mounts()
	if err != nil {
		return err
	}
	for _, h := range hs {
		p, ok := cgroups.Paths(cr.cgroups).Dir(h)
		if !ok {
			continue
		}
		name := filepath.Base(h.Mountpoint)
		if h.Mountpoint == "/sys/fs/cgroup" {
			in.CgroupV2Only = h.Unified()
		}
		in.Cgroups = append(in.Cgroups, plan.CgroupMount{Name: name, HostPath: p, V2: h.Unified()})
	}
	if l := cr.bundle.Spec.Linux; l != nil && l.Seccomp != nil {
		f, err := seccomp.Build(l.Seccomp)
		if err != nil {
			return fmt.Errorf("seccomp: %w", err)
		}
		if f != nil {
			in.SeccompFlags, in.SeccompBPF = f.Flags, f.BPF
			if f.Notify {
				cr.agent = &seccompAgent{path: f.ListenerPath, metadata: f.ListenerMetadata}
			}
			// Debug, as runc: profiles name syscalls newer than libseccomp,
			// and a warning line would spoil podman's one-object error log.
			for _, w := range f.Warnings {
				logrus.Debug(w)
			}
		}
	}
	return nil
}

func runHooks(kind string, list []specs.Hook, st *specs.State) error {
	if len(list) == 0 {
		return nil
	}
	return hooks.Run(kind, list, st)
}

// warnHooks runs hooks whose failures only warn (poststart, poststop).
func warnHooks(kind string, list []specs.Hook, st *specs.State) {
	for _, err := range hooks.RunAll(kind, list, st) {
		logrus.Warn(err)
	}
}
