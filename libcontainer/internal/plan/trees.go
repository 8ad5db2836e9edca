package plan

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Tree is a bind mount the parent makes on the host and hands to rt-init as
// a detached mount fd, with its flags already set:
//   - in a container with a new user namespace, so that the source is
//     reached with the host root's rights, not the container root's (which
//     may not even traverse its parent directories);
//   - for an idmapped mount (mount_setattr MOUNT_ATTR_IDMAP with a user
//     namespace that has the mount's mappings).
type Tree struct {
	Source    string
	Recursive bool   // rbind
	AttrSet   uint64 // MOUNT_ATTR_* from the mount's flags (ro, nosuid, ...)
	AttrClr   uint64
	IDMap     bool
	IDMapRec  bool // ridmap: the idmap applies to the submounts too
	UIDMap    []specs.LinuxIDMapping
	GIDMap    []specs.LinuxIDMapping
	Fd        int // its fd number in rt-init
}

// hostTree decides whether the bind mm is made by the parent, and how.
func hostTree(in *Input, m specs.Mount, opts MountOpts, mm mountMsg) (*Tree, error) {
	idmap := opts.IDMap || len(m.UIDMappings) > 0 || len(m.GIDMappings) > 0
	if !idmap && !(in.Privileged && NewNamespace(in.Spec, specs.UserNamespace)) {
		return nil, nil
	}
	t := &Tree{Source: mm.src, Recursive: mm.flags&unix.MS_REC != 0, AttrSet: MSToAttr(mm.flags)}
	if mm.flags&unix.MS_RELATIME != 0 {
		t.AttrClr = unix.MOUNT_ATTR__ATIME
	}
	if !idmap {
		return t, nil
	}
	if !in.Privileged {
		return nil, fmt.Errorf("idmap: idmapped mounts need rt to run as root")
	}
	t.IDMap, t.IDMapRec = true, opts.IDMapRec
	t.UIDMap, t.GIDMap = m.UIDMappings, m.GIDMappings
	if len(t.UIDMap) == 0 && len(t.GIDMap) == 0 && in.Spec.Linux != nil {
		// No mappings of its own: the container's user namespace's.
		t.UIDMap, t.GIDMap = in.Spec.Linux.UIDMappings, in.Spec.Linux.GIDMappings
	}
	if len(t.UIDMap) == 0 || len(t.GIDMap) == 0 {
		return nil, fmt.Errorf("idmap: needs uidMappings and gidMappings (of the mount, or of the container's user namespace)")
	}
	return t, nil
}

// MSToAttr converts the MS_* flags of a bind to MOUNT_ATTR_* values (as
// rt-init's rfs_ms_to_attr does).
func MSToAttr(ms uint64) uint64 {
	var a uint64
	for _, f := range [][2]uint64{
		{unix.MS_RDONLY, unix.MOUNT_ATTR_RDONLY}, {unix.MS_NOSUID, unix.MOUNT_ATTR_NOSUID},
		{unix.MS_NODEV, unix.MOUNT_ATTR_NODEV}, {unix.MS_NOEXEC, unix.MOUNT_ATTR_NOEXEC},
		{unix.MS_NODIRATIME, unix.MOUNT_ATTR_NODIRATIME}, {unix.MS_NOSYMFOLLOW, unix.MOUNT_ATTR_NOSYMFOLLOW},
	} {
		if ms&f[0] != 0 {
			a |= f[1]
		}
	}
	switch {
	case ms&unix.MS_STRICTATIME != 0:
		a |= unix.MOUNT_ATTR_STRICTATIME
	case ms&unix.MS_NOATIME != 0:
		a |= unix.MOUNT_ATTR_NOATIME
	}
	return a
}
