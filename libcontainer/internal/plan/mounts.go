package plan

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libcontainer/internal/protocol"
)

// readonlyAfter marks a mountMsg that is really a readonly path.
const readonlyAfter = 99

// mountMsg is one RT_MOUNT message before encoding.
type mountMsg struct {
	kind                  uint32
	src, dst, fstype      string
	flags, prop, set, clr uint64
	data                  string
	tree                  *Tree // a bind the parent prepares, or nil
}

func (m mountMsg) msg() protocol.Msg {
	fd := ^uint32(0)
	if m.tree != nil {
		fd = uint32(m.tree.Fd)
	}
	return protocol.New().U32(m.kind).Str(m.src).Str(m.dst).Str(m.fstype).
		U64(m.flags).U64(m.prop).U64(m.set).U64(m.clr).Str(m.data).U32(fd).Msg(protocol.Mount)
}

func mounts(in *Input, p *Plan) error {
	if !HasNamespace(in.Spec, specs.MountNamespace) {
		return nil
	}
	for i, m := range in.Spec.Mounts {
		msgs, err := planMount(in, m)
		if err != nil {
			return fmt.Errorf("mounts[%d] (%s): %w", i, m.Destination, err)
		}
		for _, mm := range msgs {
			if mm.tree != nil {
				mm.tree.Fd = in.TreeFdBase + len(p.Trees)
				p.Trees = append(p.Trees, *mm.tree)
			}
			if mm.kind == readonlyAfter {
				p.add(protocol.New().Str(mm.dst).Msg(protocol.Readonly))
				continue
			}
			p.add(mm.msg())
		}
	}
	return nil
}

// IsBind reports whether a spec mount is a bind mount.
func IsBind(m specs.Mount) bool {
	if m.Type == "bind" {
		return true
	}
	for _, o := range m.Options {
		if o == "bind" || o == "rbind" {
			return true
		}
	}
	return false
}

func planMount(in *Input, m specs.Mount) ([]mountMsg, error) {
	opts, err := ParseMountOptions(m.Options)
	if err != nil {
		return nil, err
	}
	dst := path.Clean(m.Destination)
	if !path.IsAbs(dst) {
		return nil, fmt.Errorf("destination must be an absolute path")
	}
	mm := mountMsg{dst: dst, flags: opts.Flags &^ unix.MS_REMOUNT, prop: opts.Prop,
		set: opts.AttrSet, clr: opts.AttrClr, data: strings.Join(opts.Data, ",")}
	if m.Type == "cgroup" || m.Type == "cgroup2" {
		return cgroupMounts(in, mm)
	}
	if IsBind(m) || m.Type == "bind" {
		mm.kind = protocol.MountKindBind
		mm.flags |= unix.MS_BIND
		mm.src = m.Source
		if !filepath.IsAbs(mm.src) {
			mm.src = filepath.Join(in.BundleDir, mm.src)
		}
		mm.data = "" // bind mounts take no filesystem data
		tree, err := hostTree(in, m, opts, mm)
		if err != nil {
			return nil, err
		}
		mm.tree = tree
		return []mountMsg{mm}, nil
	}
	if opts.IDMap || len(m.UIDMappings) > 0 || len(m.GIDMappings) > 0 {
		return nil, fmt.Errorf("idmap: only bind mounts can be idmapped")
	}
	mm.kind = protocol.MountKindFS
	mm.fstype = m.Type
	if mm.fstype == "" {
		return nil, fmt.Errorf("type: missing for a non-bind mount")
	}
	mm.data = withMountLabel(in, mm.fstype, mm.data)
	mm.src = m.Source
	if mm.src == "" {
		mm.src = mm.fstype
	}
	return []mountMsg{mm}, nil
}

// cgroupMounts expands a "cgroup" mount: on a pure v2 host one cgroup2
// mount (or a bind of the container's cgroup without a cgroup namespace);
// on v1 and hybrid hosts a tmpfs with a bind of the container's directory of
// every hierarchy, read-only unless the options say "rw".
func cgroupMounts(in *Input, mm mountMsg) ([]mountMsg, error) {
	cgns := NewNamespace(in.Spec, specs.CgroupNamespace)
	attrs := mm.flags & (unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC)
	if in.CgroupV2Only {
		if cgns {
			mm.kind, mm.fstype, mm.src, mm.data = protocol.MountKindFS, "cgroup2", "cgroup", ""
			return []mountMsg{mm}, nil
		}
		for _, c := range in.Cgroups {
			return []mountMsg{{kind: protocol.MountKindBind, src: c.HostPath, dst: mm.dst,
				flags: unix.MS_BIND | attrs}}, nil
		}
		return nil, nil
	}
	out := []mountMsg{{kind: protocol.MountKindFS, src: "tmpfs", dst: mm.dst, fstype: "tmpfs",
		flags: unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, data: "mode=755", prop: mm.prop}}
	for _, c := range in.Cgroups {
		out = append(out, mountMsg{kind: protocol.MountKindBind, src: c.HostPath,
			dst: path.Join(mm.dst, c.Name), flags: unix.MS_BIND | attrs})
	}
	if attrs&unix.MS_RDONLY != 0 {
		// The tmpfs itself becomes read-only after pivot_root, once the
		// binds are in place (a readonly path, applied recursively).
		out = append(out, mountMsg{kind: readonlyAfter, dst: mm.dst})
	}
	return out, nil
}
