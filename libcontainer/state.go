// Package libcontainer is rt's public API: create a container from a bundle,
// load it by id, and run its lifecycle (start, signal, state, delete). The
// CLI in package main calls exactly one function here per verb.
package libcontainer

import (
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Status is a container's lifecycle state (runtime-spec runtime.md).
type Status string

// The statuses a container goes through.
const (
	Creating Status = "creating"
	Created  Status = "created"
	Running  Status = "running"
	Paused   Status = "paused"
	Stopped  Status = "stopped"
)

// State is what rt persists in <root>/<id>/state.json. Status is not stored:
// it is derived from the init process (pid + start time) and the start
// socket each time the state is loaded.
type State struct {
	OCIVersion   string            `json:"ociVersion"`
	ID           string            `json:"id"`
	Pid          int               `json:"pid"`
	PidStartTime uint64            `json:"pidStartTime"`
	Bundle       string            `json:"bundle"`
	Rootfs       string            `json:"rootfs"`
	Created      time.Time         `json:"created"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	CgroupPaths  map[string]string `json:"cgroupPaths,omitempty"`
	// SharedPidNS: the container has no pid namespace of its own, so its
	// processes must be killed one by one through the cgroup.
	SharedPidNS bool         `json:"sharedPidNS,omitempty"`
	Hooks       *specs.Hooks `json:"hooks,omitempty"`
	// Ready: the create finished. state.json is written as soon as the
	// cgroups exist and again with the init's pid, so that a create killed
	// half-way leaves a record `delete --force` can clean up after; until
	// Ready, a live container is "creating".
	Ready bool `json:"ready,omitempty"`
	// Terminal: process.terminal was set.
	Terminal bool `json:"terminal,omitempty"`
	// NotifySocket: the caller's NOTIFY_SOCKET at create; `start` then
	// proxies the container's READY=1 to it (notify.go).
	NotifySocket string `json:"notifySocket,omitempty"`
	// Resources: linux.resources as created, then as `update` changed it.
	Resources *specs.LinuxResources `json:"resources,omitempty"`
	// CgroupDriver is "systemd" when the cgroups are a systemd scope
	// (--systemd-cgroup), "" for cgroupfs; SystemdUnit names the scope.
	CgroupDriver string `json:"cgroupDriver,omitempty"`
	SystemdUnit  string `json:"systemdUnit,omitempty"`
}

// SpecState renders the runtime-spec state (what `rt state` prints and what
// hooks read on stdin).
func (s *State) SpecState(st Status) *specs.State {
	pid := s.Pid
	if st == Stopped {
		pid = 0
	}
	return &specs.State{
		Version:     specs.Version,
		ID:          s.ID,
		Status:      specs.ContainerState(st),
		Pid:         pid,
		Bundle:      s.Bundle,
		Annotations: s.Annotations,
	}
}

// Output is the JSON `rt state` and `rt list -f json` print, as runc prints it.
type Output struct {
	OCIVersion  string            `json:"ociVersion"`
	ID          string            `json:"id"`
	Pid         int               `json:"pid"`
	Status      Status            `json:"status"`
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	Created     time.Time         `json:"created"`
	Owner       string            `json:"owner"`
	Annotations map[string]string `json:"annotations,omitempty"`
}
