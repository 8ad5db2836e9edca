// Package plan turns a validated OCI spec into the bootstrap that rt-init
// applies: an ordered list of protocol messages. It is pure: no syscalls, no
// file access, so every decision is table-tested without root.
package plan

import (
	"fmt"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libcontainer/internal/protocol"
)

// CgroupMount is one host cgroup hierarchy as the container should see it
// when config.json mounts a "cgroup" filesystem.
type CgroupMount struct {
	Name     string // directory under the mount destination, e.g. "memory", "unified"
	HostPath string // the container's cgroup directory in that hierarchy on the host
	V2       bool   // the hierarchy is cgroup2
}

// Input is everything Build needs besides the spec.
type Input struct {
	Spec         *specs.Spec
	BundleDir    string // absolute
	Rootfs       string // absolute
	NoPivot      bool
	NoNewKeyring bool
	KeepFds      int // fds 0..KeepFds-1 go to the container process
	ConsoleFd    int // -1: none
	StartFd      int // -1: exec at once
	Cgroups      []CgroupMount
	CgroupV2Only bool // the host is pure cgroup v2
	SeccompFlags uint32
	SeccompBPF   []byte // nil: no filter
	// Privileged: rt runs as root in the host's user namespace, so it can
	// make bind mounts for the init (HostTrees).
	Privileged bool
	TreeFdBase int // the fd number in rt-init of the first Plan.Trees entry
}

// Plan is the result of Build.
type Plan struct {
	Msgs     []protocol.Msg
	Warnings []string
	// Trees are the bind mounts the parent makes (open_tree) and passes to
	// rt-init as fds TreeFdBase, TreeFdBase+1, ...
	Trees []Tree
}

// Build turns in into the bootstrap messages, in the order rt-init applies them.
func Build(in *Input) (*Plan, error) {
	p := &Plan{}
	s := in.Spec
	if s.Process == nil {
		return nil, fmt.Errorf("process: missing")
	}
	steps := []func(*Input, *Plan) error{
		namespaces, rootfs, mounts, devices, paths, process, memoryPolicy, labels, credentials, finish,
	}
	for _, step := range steps {
		if err := step(in, p); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (p *Plan) add(m protocol.Msg) { p.Msgs = append(p.Msgs, m) }

// NamespaceFlags maps runtime-spec namespace types to clone flags.
var NamespaceFlags = map[specs.LinuxNamespaceType]uint64{
	specs.PIDNamespace:     unix.CLONE_NEWPID,
	specs.NetworkNamespace: unix.CLONE_NEWNET,
	specs.MountNamespace:   unix.CLONE_NEWNS,
	specs.IPCNamespace:     unix.CLONE_NEWIPC,
	specs.UTSNamespace:     unix.CLONE_NEWUTS,
	specs.UserNamespace:    unix.CLONE_NEWUSER,
	specs.CgroupNamespace:  unix.CLONE_NEWCGROUP,
	specs.TimeNamespace:    unix.CLONE_NEWTIME,
}

func namespaces(in *Input, p *Plan) error {
	l := in.Spec.Linux
	if l == nil {
		return nil
	}
	var newFlags uint64
	for i, ns := range l.Namespaces {
		f, ok := NamespaceFlags[ns.Type]
		if !ok {
			return fmt.Errorf("linux.namespaces[%d].type: unknown namespace %q", i, ns.Type)
		}
		if ns.Path != "" {
			p.add(protocol.New().U32(uint32(f)).Str(ns.Path).Msg(protocol.NSJoin))
		} else {
			newFlags |= f
		}
	}
	if newFlags != 0 {
		p.add(protocol.New().U64(newFlags).Msg(protocol.NSNew))
	}
	if len(l.TimeOffsets) > 0 {
		p.add(protocol.New().Str(timeOffsets(l.TimeOffsets)).Msg(protocol.TimensOffsets))
	}
	return nil
}

func timeOffsets(t map[string]specs.LinuxTimeOffset) string {
	var b strings.Builder
	for _, clock := range []string{"monotonic", "boottime"} {
		if o, ok := t[clock]; ok {
			fmt.Fprintf(&b, "%s %d %d\n", clock, o.Secs, o.Nanosecs)
		}
	}
	return b.String()
}

// HasNamespace reports whether s asks for namespace t (new or joined).
func HasNamespace(s *specs.Spec, t specs.LinuxNamespaceType) bool {
	if s.Linux == nil {
		return false
	}
	for _, ns := range s.Linux.Namespaces {
		if ns.Type == t {
			return true
		}
	}
	return false
}

// NewNamespace reports whether s creates a new namespace of type t.
func NewNamespace(s *specs.Spec, t specs.LinuxNamespaceType) bool {
	if s.Linux == nil {
		return false
	}
	for _, ns := range s.Linux.Namespaces {
		if ns.Type == t && ns.Path == "" {
			return true
		}
	}
	return false
}

var rootPropagation = map[string]uint64{
	"":            unix.MS_SLAVE | unix.MS_REC,
	"private":     unix.MS_PRIVATE,
	"rprivate":    unix.MS_PRIVATE | unix.MS_REC,
	"slave":       unix.MS_SLAVE,
	"rslave":      unix.MS_SLAVE | unix.MS_REC,
	"shared":      unix.MS_SHARED,
	"rshared":     unix.MS_SHARED | unix.MS_REC,
	"unbindable":  unix.MS_UNBINDABLE,
	"runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
}

func rootfs(in *Input, p *Plan) error {
	if !HasNamespace(in.Spec, specs.MountNamespace) {
		// Sharing the host's mount namespace: only a chroot. (runc mounts
		// the config's mounts into the host's namespace; rt refuses to
		// change the host's mount table.)
		p.add(protocol.New().Str(in.Rootfs).U64(0).U32(0).U32(protocol.RootChroot).Msg(protocol.Rootfs))
		return nil
	}
	var prop string
	if in.Spec.Linux != nil {
		prop = in.Spec.Linux.RootfsPropagation
	}
	flags, ok := rootPropagation[prop]
	if !ok {
		return fmt.Errorf("linux.rootfsPropagation: invalid value %q", prop)
	}
	ro := uint32(0)
	if in.Spec.Root != nil && in.Spec.Root.Readonly {
		ro = 1
	}
	np := uint32(protocol.RootPivot)
	if in.NoPivot {
		np = protocol.RootMove
	}
	p.add(protocol.New().Str(in.Rootfs).U64(flags).U32(ro).U32(np).Msg(protocol.Rootfs))
	return nil
}

func paths(in *Input, p *Plan) error {
	if !HasNamespace(in.Spec, specs.MountNamespace) || in.Spec.Linux == nil {
		return nil
	}
	for _, m := range in.Spec.Linux.MaskedPaths {
		p.add(protocol.New().Str(m).Msg(protocol.Mask))
	}
	for _, r := range in.Spec.Linux.ReadonlyPaths {
		p.add(protocol.New().Str(r).Msg(protocol.Readonly))
	}
	return nil
}

// sortedKeys returns m's keys in order, so that plans are deterministic.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func finish(in *Input, p *Plan) error {
	var opts uint32
	if in.NoNewKeyring {
		opts |= protocol.OptNoNewKeyring
	}
	if h := in.Spec.Hooks; h != nil && len(h.Prestart)+len(h.CreateRuntime)+len(h.CreateContainer)+len(h.StartContainer) > 0 {
		opts |= protocol.OptHooks
	}
	// The round trip also makes the init wait until the parent moved the
	// netDevices in (OnChild): its sysctls may name them.
	if l := in.Spec.Linux; l != nil && len(l.NetDevices) > 0 {
		opts |= protocol.OptHooks
	}
	p.add(protocol.New().U32(uint32(in.KeepFds)).Msg(protocol.Fds))
	p.add(protocol.New().U32(uint32(int32(in.StartFd))).Msg(protocol.StartFd))
	p.add(protocol.New().U32(opts).Msg(protocol.Options))
	return nil
}
