package cgroups

import (
	"errors"
	"fmt"
)

// Locate returns the directories Create would use for cgroupsPath in every
// mounted hierarchy, without creating anything. The systemd driver uses it
// for the directories systemd makes for a scope.
func Locate(cgroupsPath, id string) (Paths, error) {
	hs, err := Mounts()
	if err != nil {
		return nil, fmt.Errorf("cgroups: %w", err)
	}
	inner, relative, err := target(hs, cgroupsPath, id)
	if err != nil {
		return nil, err
	}
	paths := Paths{}
	for _, h := range hs {
		dir, err := h.dir(inner, relative)
		if err != nil {
			return nil, fmt.Errorf("cgroups: locate %s: %w", inner, err)
		}
		for _, k := range h.keys() {
			paths[k] = dir
		}
	}
	return paths, nil
}

// target checks that some hierarchy is mounted and resolves cgroupsPath to
// the container's path inside each hierarchy (shared by Create and Locate).
func target(hs []Hierarchy, cgroupsPath, id string) (inner string, relative bool, err error) {
	if len(hs) == 0 {
		return "", false, errors.New("cgroups: no cgroup hierarchy is mounted")
	}
	return innerPath(cgroupsPath, id)
}
