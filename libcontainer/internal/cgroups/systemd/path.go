// Package systemd is rt's systemd cgroup driver (`rt --systemd-cgroup`): the
// container's cgroup is a transient scope that systemd makes over D-Bus, in
// the slice linux.cgroupsPath names ("slice:prefix:name", as runc reads it),
// with Delegate=yes so that rt (and the container) may manage the cgroup
// below it. Limits, freezing, stats and removal of leftovers then work on the
// scope's directories with the cgroupfs code (package cgroups), as runc's
// systemd driver does.
package systemd

import (
	"fmt"
	"strings"
)

// DefaultSlice is the slice of a container whose cgroupsPath has none, and
// DefaultPrefix the scope prefix when cgroupsPath is empty (runc: "runc").
const (
	DefaultSlice  = "system.slice"
	DefaultPrefix = "rt"
)

// Unit is where a container's scope goes.
type Unit struct {
	Slice string // e.g. "system.slice"; "-.slice" is the root slice
	Name  string // the scope unit, e.g. "rt-c1.scope"
}

// ParsePath reads linux.cgroupsPath as runc's systemd driver does:
// "slice:prefix:name" makes the scope "<prefix>-<name>.scope" in slice (an
// empty slice is DefaultSlice); an empty cgroupsPath means
// "system.slice:rt:<id>".
func ParsePath(cgroupsPath, id string) (Unit, error) {
	var slice, prefix, name string
	if cgroupsPath == "" {
		prefix, name = DefaultPrefix, id
	} else {
		parts := strings.Split(cgroupsPath, ":")
		if len(parts) != 3 {
			return Unit{}, fmt.Errorf("expected cgroupsPath to be of format \"slice:prefix:name\" for systemd cgroups, got %q instead", cgroupsPath)
		}
		slice, prefix, name = parts[0], parts[1], parts[2]
	}
	if slice == "" {
		slice = DefaultSlice
	}
	if _, err := ExpandSlice(slice); err != nil {
		return Unit{}, err
	}
	if name == "" {
		return Unit{}, fmt.Errorf("cgroupsPath %q: empty name", cgroupsPath)
	}
	if strings.HasSuffix(name, ".slice") {
		return Unit{}, fmt.Errorf("cgroupsPath %q: a slice as the container's unit is not supported", cgroupsPath)
	}
	unit := name
	if prefix != "" {
		unit = prefix + "-" + name
	}
	if !strings.HasSuffix(unit, ".scope") {
		unit += ".scope"
	}
	if strings.ContainsAny(unit, "/\x00") || unit == ".scope" {
		return Unit{}, fmt.Errorf("cgroupsPath %q: invalid unit name %q", cgroupsPath, unit)
	}
	return Unit{Slice: slice, Name: unit}, nil
}

// ExpandSlice returns the cgroup path of a slice unit, as systemd makes it:
// "a-b-c.slice" is "/a.slice/a-b.slice/a-b-c.slice", "-.slice" is "/".
// It refuses what runc's ExpandSlice refuses, with its error text.
func ExpandSlice(slice string) (string, error) {
	const suffix = ".slice"
	if len(slice) < len(suffix) || !strings.HasSuffix(slice, suffix) || strings.Contains(slice, "/") {
		return "", fmt.Errorf("invalid slice name: %s", slice)
	}
	base := strings.TrimSuffix(slice, suffix)
	if base == "-" {
		return "/", nil
	}
	var path, prefix string
	for c := range strings.SplitSeq(base, "-") {
		if c == "" { // "a--b.slice", "-a.slice", "a-.slice", ".slice"
			return "", fmt.Errorf("invalid slice name: %s", slice)
		}
		path += "/" + prefix + c + suffix
		prefix += c + "-"
	}
	return path, nil
}

// CgroupPath is the scope's cgroup below each hierarchy's root.
func (u Unit) CgroupPath() string {
	p, _ := ExpandSlice(u.Slice)
	return strings.TrimSuffix(p, "/") + "/" + u.Name
}
