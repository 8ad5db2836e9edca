package spec

import (
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// rootless adds the checks for a runtime without privileges: it can only act
// inside a user namespace it owns, with mappings of ids it may use. The
// messages are runc's.
func (v *validator) rootless() error {
	if !v.opts.Rootless {
		return nil
	}
	ns, ok := v.ns[specs.UserNamespace]
	if !ok {
		return fieldErr("linux.namespaces", "rootless container requires user namespaces")
	}
	if ns.path != "" {
		// The mappings are the joined namespace's; only the host can say.
		return nil
	}
	// userns has already required uid and gid mappings for a new namespace.
	for i, m := range v.s.Mounts {
		if err := v.rootlessMountIDs(idx("mounts", i)+".options", m.Options); err != nil {
			return err
		}
	}
	return nil
}

// rootlessMountIDs checks that uid= and gid= mount options name ids mapped
// into the container; options whose value is not a number are left to the
// filesystem.
func (v *validator) rootlessMountIDs(p string, opts []string) error {
	for j, opt := range opts {
		for _, kind := range []struct {
			prefix, name string
			maps         []specs.LinuxIDMapping
		}{{"uid=", "uid", v.l.UIDMappings}, {"gid=", "gid", v.l.GIDMappings}} {
			val, ok := strings.CutPrefix(opt, kind.prefix)
			if !ok {
				continue
			}
			id, err := strconv.ParseUint(val, 10, 32)
			if err != nil {
				continue
			}
			if !mapped(uint32(id), kind.maps) {
				return fieldErr(idx(p, j), "cannot specify %s= mount options for unmapped %s in rootless containers",
					kind.name, kind.name)
			}
		}
	}
	return nil
}

// mapped reports whether container id id falls in one of maps.
func mapped(id uint32, maps []specs.LinuxIDMapping) bool {
	for _, m := range maps {
		if uint64(id) >= uint64(m.ContainerID) && uint64(id) < uint64(m.ContainerID)+uint64(m.Size) {
			return true
		}
	}
	return false
}
