// Package cgroups places a container in its cgroup, in every mounted
// hierarchy, and removes it again: cgroup v1 (controllers and named
// hierarchies such as name=systemd), hybrid (v1 plus cgroup2 at
// /sys/fs/cgroup/unified) and pure cgroup2.
//
// It is a small cgroupfs implementation rather than an adapter over
// github.com/opencontainers/cgroups v0.1.0, whose fs manager only knows a fixed
// list of subsystems (a named hierarchy other than name=systemd gets no
// directory), has no "signal every process", removes with blind sleeps, and
// costs more syscalls; README.md in this directory has the measurements. The
// Paths keys are the ones that library uses ("cpu", "name=systemd", "" for
// cgroup2), so the resource work (limits, stats, freeze) can hand Paths to
// its fs/fs2 managers.
//
// Paths are resolved as runc does: an absolute cgroupsPath is relative to
// each hierarchy's mount, a relative one is relative to the cgroup rt itself
// runs in (in that hierarchy). rt's default, when config.json has none, is
// /rt/<id>.
package cgroups

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// Paths maps each controller of each hierarchy ("cpu", "name=systemd", ""
// for cgroup2) to the container's cgroup directory in that hierarchy. Co-mounted
// controllers share one directory. It is persisted in state.json.
type Paths map[string]string

// DefaultParent is the cgroup, under each hierarchy's root, that holds the
// containers whose config.json has no cgroupsPath.
const DefaultParent = "/rt"

// Create makes the container's cgroup directory in every mounted hierarchy
// and returns them. cgroupsPath is linux.cgroupsPath: "" means
// DefaultParent/<id>, an absolute path is taken from each hierarchy's root,
// a relative one from rt's own cgroup. Missing parents are created too (in a
// v1 cpuset hierarchy, with cpus and mems copied from their parent, without
// which no process could join). An existing directory is reused. On error,
// the container directories Create made are removed again (parents stay).
func Create(cgroupsPath, id string) (Paths, error) {
	hs, err := Mounts()
	if err != nil {
		return nil, fmt.Errorf("cgroups: %w", err)
	}
	return create(hs, cgroupsPath, id, true)
}

// Ensure is Create for a cgroup that may already hold the container's init:
// the systemd driver's scope, which systemd made with the init in it. It
// makes what is missing and reuses the rest without checking it.
func Ensure(cgroupsPath, id string) (Paths, error) {
	hs, err := Mounts()
	if err != nil {
		return nil, fmt.Errorf("cgroups: %w", err)
	}
	return create(hs, cgroupsPath, id, false)
}

func create(hs []Hierarchy, cgroupsPath, id string, check bool) (Paths, error) {
	inner, relative, err := target(hs, cgroupsPath, id)
	if err != nil {
		return nil, err
	}
	paths := Paths{}
	var made []string // the container directories Create made
	for _, h := range hs {
		dir, err := h.dir(inner, relative)
		created := false
		if err == nil {
			created, err = mkdirs(h, dir)
		}
		if created {
			made = append(made, dir)
		} else if err == nil && check {
			err = checkReusable(dir)
		}
		if err != nil {
			removeMade(made)
			return nil, fmt.Errorf("cgroups: create %s: %w", inner, err)
		}
		for _, k := range h.keys() {
			paths[k] = dir
		}
	}
	return paths, nil
}

// checkReusable refuses a cgroup that already existed and is in use: it
// holds processes (another container's, which delete would kill), or it is
// frozen (the container's init could never run). runc refuses both, with
// these texts.
func checkReusable(dir string) error {
	pids, err := readProcs(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) && !errors.Is(err, unix.ENODEV) {
		return fmt.Errorf("unable to get cgroup PIDs: %w", err)
	}
	if len(pids) != 0 {
		return fmt.Errorf("container's cgroup is not empty: %d process(es) found", len(pids))
	}
	if dirFrozen(dir) {
		return errors.New("container's cgroup unexpectedly frozen")
	}
	return nil
}

// dirFrozen reports whether dir, a v1 freezer or a cgroup2 directory (any
// other hierarchy has neither file), is frozen or freezing.
func dirFrozen(dir string) bool {
	if b, err := readFile(dir + "/cgroup.freeze"); err == nil {
		return strings.TrimSpace(string(b)) == "1"
	}
	b, err := readFile(dir + "/freezer.state")
	return err == nil && strings.TrimSpace(string(b)) != "THAWED"
}

// innerPath cleans cgroupsPath (".." cannot climb above the root it is
// relative to) and refuses the root itself: the container would share it,
// and Destroy would try to remove it.
func innerPath(cgroupsPath, id string) (inner string, relative bool, err error) {
	if cgroupsPath == "" {
		if id == "" || id == "." || id == ".." || strings.ContainsRune(id, '/') {
			return "", false, fmt.Errorf("cgroups: invalid container id %q", id)
		}
		return DefaultParent + "/" + id, false, nil
	}
	inner = filepath.Clean("/" + cgroupsPath)
	if inner == "/" {
		return "", false, fmt.Errorf("cgroups: cgroupsPath %q names a root cgroup", cgroupsPath)
	}
	return inner, !strings.HasPrefix(cgroupsPath, "/"), nil
}

// dir returns the container's directory in h.
func (h Hierarchy) dir(inner string, relative bool) (string, error) {
	if !relative {
		return filepath.Join(h.Mountpoint, inner), nil
	}
	base, err := h.base()
	if err != nil {
		return "", err
	}
	return filepath.Join(base, inner), nil
}

// mkdirs creates dir and its missing parents below h's mountpoint, and
// reports whether it created dir itself.
func mkdirs(h Hierarchy, dir string) (created bool, err error) {
	rel, err := filepath.Rel(h.Mountpoint, dir)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return false, fmt.Errorf("%s is not below %s", dir, h.Mountpoint)
	}
	cpuset := slices.Contains(h.Controllers, "cpuset")
	parent := h.Mountpoint
	for part := range strings.SplitSeq(rel, "/") {
		p := parent + "/" + part
		switch err := unix.Mkdir(p, 0o755); err {
		case nil:
			created = p == dir
		case unix.EEXIST:
		default:
			return false, &os.PathError{Op: "mkdir", Path: p, Err: err}
		}
		if cpuset {
			if err := inheritCpuset(p, parent); err != nil {
				return created, err
			}
		}
		parent = p
	}
	return created, nil
}

// inheritCpuset copies cpuset.cpus and cpuset.mems from parent to dir when
// they are empty, as a new v1 cpuset cgroup starts (writing a pid to it then
// fails with ENOSPC).
func inheritCpuset(dir, parent string) error {
	for _, name := range []string{"cpuset.cpus", "cpuset.mems"} {
		cur, err := readFile(dir + "/" + name)
		if errors.Is(err, os.ErrNotExist) {
			continue // mounted with noprefix, or not a real cpuset: nothing to fix
		}
		if err != nil {
			return err
		}
		if len(strings.TrimSpace(string(cur))) > 0 {
			continue
		}
		val, err := readFile(parent + "/" + name)
		if err != nil {
			return err
		}
		if err := writeFile(dir+"/"+name, val); err != nil {
			return err
		}
	}
	return nil
}

// removeMade removes the directories Create made, last first. Parents it
// made stay, as after Destroy: another container may be using them already.
func removeMade(made []string) {
	for _, d := range slices.Backward(made) {
		_ = unix.Rmdir(d)
	}
}

// dirs returns the distinct directories of p, sorted.
func (p Paths) dirs() []string {
	out := slices.Collect(maps.Values(p))
	slices.Sort(out)
	return slices.Compact(out)
}

// Dir returns the container's directory in hierarchy h (for instance to
// bind it at /sys/fs/cgroup/<base of h.Mountpoint> in the container).
func (p Paths) Dir(h Hierarchy) (string, bool) {
	keys := h.keys()
	if len(keys) == 0 {
		return "", false
	}
	dir, ok := p[keys[0]]
	return dir, ok
}
