package spec

import (
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func (v *validator) mounts() error {
	for i := range v.s.Mounts {
		if err := v.mount(idx("mounts", i), &v.s.Mounts[i]); err != nil {
			return err
		}
	}
	return nil
}

func (v *validator) mount(p string, m *specs.Mount) error {
	if err := checkAbs(p+".destination", m.Destination); err != nil {
		return err
	}
	if err := checkNUL(p+".source", m.Source); err != nil {
		return err
	}
	if err := checkNUL(p+".type", m.Type); err != nil {
		return err
	}
	if err := checkNULs(p+".options", m.Options); err != nil {
		return err
	}
	bind := isBind(m)
	if bind && m.Source == "" {
		return fieldErr(p+".source", "must be specified for a bind mount")
	}
	if err := checkProcMount(p, m, bind); err != nil {
		return err
	}
	return v.mountIDMap(p, m, bind)
}

// isBind reports whether m is a bind mount: the runtime-spec says so for the
// bind and rbind options, and type "bind" is the common spelling of it.
func isBind(m *specs.Mount) bool {
	return m.Type == "bind" || hasOption(m, "bind") || hasOption(m, "rbind")
}

func hasOption(m *specs.Mount, opt string) bool {
	for _, o := range m.Options {
		if o == opt {
			return true
		}
	}
	return false
}

// checkProcMount refuses mounts that would hide or replace parts of the
// container's procfs (CVE-2019-16884, CVE-2019-19921): only procfs itself on
// /proc, and below /proc only the files lxcfs emulates. A bind mount onto
// /proc passes here; the rootfs layer must verify that its source is a
// procfs, as it must re-check every destination after resolving it inside
// the root.
func checkProcMount(p string, m *specs.Mount, bind bool) error {
	dest := filepath.Clean(m.Destination)
	switch {
	case dest == "/proc":
		if bind || m.Type == "proc" {
			return nil
		}
		return fieldErr(p, "%q cannot be mounted to %q because it is not of type proc", m.Source, dest)
	case strings.HasPrefix(dest, "/proc/") && !procMountAllowed[dest]:
		return fieldErr(p+".destination", "%q cannot be mounted because it is inside /proc", dest)
	}
	return nil
}

// mountIDMap checks id-mapped mounts; the messages are runc's where it has
// them.
func (v *validator) mountIDMap(p string, m *specs.Mount, bind bool) error {
	hasMaps := len(m.UIDMappings) > 0 || len(m.GIDMappings) > 0
	idmapOpt := hasOption(m, "idmap") || hasOption(m, "ridmap")
	if !hasMaps {
		if idmapOpt && !v.has(specs.UserNamespace) {
			return fieldErr(p+".options", "idmap without uidMappings/gidMappings needs a user namespace to take them from")
		}
		return nil
	}
	if !bind {
		return fieldErr(p, "gidMappings/uidMappings is supported only for mounts with the option 'bind'")
	}
	if len(m.UIDMappings) == 0 {
		return fieldErr(p+".uidMappings", "must be specified along with gidMappings")
	}
	if len(m.GIDMappings) == 0 {
		return fieldErr(p+".gidMappings", "must be specified along with uidMappings")
	}
	if err := checkIDMaps(p+".uidMappings", m.UIDMappings, true); err != nil {
		return err
	}
	return checkIDMaps(p+".gidMappings", m.GIDMappings, true)
}
