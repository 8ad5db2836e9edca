package spec

import (
	"fmt"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// maxIDMapLines is the kernel's limit of lines in uid_map/gid_map.
const maxIDMapLines = 340

// userns checks the user namespace and its mappings; the messages are runc's.
func (v *validator) userns() error {
	l := v.l
	mapsPath := "linux.uidMappings"
	if len(l.UIDMappings) == 0 {
		mapsPath = "linux.gidMappings"
	}
	hasMaps := len(l.UIDMappings) > 0 || len(l.GIDMappings) > 0
	ns, ok := v.ns[specs.UserNamespace]
	switch {
	case !ok && hasMaps:
		return fieldErr(mapsPath, "user namespace mappings specified, but user namespace isn't enabled in the config")
	case !ok:
		return nil
	case ns.path != "":
		if hasMaps {
			v.warn(mapsPath + ": ignored: the user namespace is joined by path, its own mappings apply")
		}
		return nil
	case !hasMaps:
		return fieldErr(idx("linux.namespaces", ns.index),
			"user namespaces enabled, but no namespace path to join nor mappings to apply specified")
	}
	if err := checkIDMaps("linux.uidMappings", l.UIDMappings, true); err != nil {
		return err
	}
	return checkIDMaps("linux.gidMappings", l.GIDMappings, true)
}

// checkIDMaps checks mappings as the kernel will when they are written to
// uid_map/gid_map: at most 340 lines, no empty or wrapping range, no overlap.
func checkIDMaps(p string, maps []specs.LinuxIDMapping, required bool) error {
	if len(maps) == 0 && required {
		return fieldErr(p, "must not be empty when a new user namespace is created")
	}
	if len(maps) > maxIDMapLines {
		return fieldErr(p, "%d mappings, the kernel accepts at most %d", len(maps), maxIDMapLines)
	}
	for i, m := range maps {
		mp := idx(p, i)
		if m.Size == 0 {
			return fieldErr(mp+".size", "must not be zero")
		}
		if uint64(m.ContainerID)+uint64(m.Size) > 1<<32 || uint64(m.HostID)+uint64(m.Size) > 1<<32 {
			return fieldErr(mp, "range wraps past 4294967295")
		}
		for j := 0; j < i; j++ {
			if overlap(maps[j].ContainerID, maps[j].Size, m.ContainerID, m.Size) ||
				overlap(maps[j].HostID, maps[j].Size, m.HostID, m.Size) {
				return fieldErr(mp, "overlaps %s", idx(p, j))
			}
		}
	}
	return nil
}

func overlap(a, alen, b, blen uint32) bool {
	return uint64(a) < uint64(b)+uint64(blen) && uint64(b) < uint64(a)+uint64(alen)
}

// timens checks timeOffsets, which can only be written into a new time
// namespace before its first process starts.
func (v *validator) timens() error {
	if len(v.l.TimeOffsets) == 0 {
		return nil
	}
	ns, ok := v.ns[specs.TimeNamespace]
	if !ok {
		return fieldErr("linux.timeOffsets", "time namespace offsets specified, but time namespace isn't enabled in the config")
	}
	if ns.path != "" {
		return fieldErr("linux.timeOffsets", "offsets cannot be applied to a joined time namespace")
	}
	for _, clock := range sortedKeys(v.l.TimeOffsets) {
		p := key("linux.timeOffsets", clock)
		if clock != "boottime" && clock != "monotonic" {
			return fieldErr(p, "unknown clock %q (want boottime or monotonic)", clock)
		}
		if n := v.l.TimeOffsets[clock].Nanosecs; n >= 1e9 {
			return fieldErr(p+".nanosecs", "%d is not less than 1000000000", n)
		}
	}
	return nil
}

// devices checks linux.devices: the device nodes created in the container.
func (v *validator) devices() error {
	seen := make(map[string]int, len(v.l.Devices))
	for i, d := range v.l.Devices {
		p := idx("linux.devices", i)
		if err := checkDevice(p, &d); err != nil {
			return err
		}
		clean := filepath.Clean(d.Path)
		if j, dup := seen[clean]; dup {
			return fieldErr(p+".path", "duplicated device %q (also linux.devices[%d])", d.Path, j)
		}
		seen[clean] = i
	}
	return nil
}

func checkDevice(p string, d *specs.LinuxDevice) error {
	switch d.Type {
	case "c", "b", "u", "p":
	default:
		return fieldErr(p+".type", "invalid device type %q", d.Type)
	}
	if err := checkAbs(p+".path", d.Path); err != nil {
		return err
	}
	for _, part := range strings.Split(d.Path, "/") {
		if part == ".." || part == "." {
			return fieldErr(p+".path", "must not contain %q components: %q", part, d.Path)
		}
	}
	if strings.Trim(d.Path, "/") == "" {
		return fieldErr(p+".path", "must name a file, not %q", d.Path)
	}
	if d.Type != "p" && (d.Major < 0 || d.Major > 0xfff || d.Minor < 0 || d.Minor > 0xfffff) {
		return fieldErr(p, "device number %d:%d is out of range", d.Major, d.Minor)
	}
	if d.FileMode != nil && uint32(*d.FileMode)&^0o170000 > 0o7777 {
		return fieldErr(p+".fileMode", "%d has bits beyond the file type and permissions", uint32(*d.FileMode))
	}
	return nil
}

// cgroupDevices checks linux.resources.devices, the device cgroup rules.
func (v *validator) cgroupDevices() error {
	if v.l.Resources == nil {
		return nil
	}
	for i, d := range v.l.Resources.Devices {
		p := idx("linux.resources.devices", i)
		switch d.Type {
		case "", "a", "b", "c":
		default:
			return fieldErr(p+".type", "invalid cgroup device type %q", d.Type)
		}
		if d.Access == "" {
			return fieldErr(p+".access", "device access at %d field cannot be empty", i)
		}
		if strings.Trim(d.Access, "rwm") != "" {
			return fieldErr(p+".access", "%q is not a combination of r, w and m", d.Access)
		}
		if d.Major != nil && *d.Major < -1 || d.Minor != nil && *d.Minor < -1 {
			return fieldErr(p, "device numbers must be -1 (any) or positive")
		}
	}
	return nil
}

// paths checks maskedPaths, readonlyPaths and rootfsPropagation.
func (v *validator) paths() error {
	for _, list := range []struct {
		name  string
		paths []string
	}{{"linux.maskedPaths", v.l.MaskedPaths}, {"linux.readonlyPaths", v.l.ReadonlyPaths}} {
		if len(list.paths) > 0 && !v.has(specs.MountNamespace) {
			return fieldErr(list.name, "unable to restrict sys entries without a private MNT namespace")
		}
		for i, p := range list.paths {
			if err := checkAbs(idx(list.name, i), p); err != nil {
				return err
			}
		}
	}
	if prop := v.l.RootfsPropagation; prop != "" && !rootfsPropagations[prop] {
		return fieldErr("linux.rootfsPropagation", "rootfsPropagation=%q is not supported", prop)
	}
	return nil
}

// linuxMisc checks the smaller linux objects.
func (v *validator) linuxMisc() error {
	for _, check := range []func() error{v.personality, v.memoryPolicy, v.intelRdt, v.netDevices} {
		if err := check(); err != nil {
			return err
		}
	}
	return checkNUL("linux.cgroupsPath", v.l.CgroupsPath)
}

func (v *validator) personality() error {
	pers := v.l.Personality
	if pers == nil {
		return nil
	}
	if pers.Domain != specs.PerLinux && pers.Domain != specs.PerLinux32 {
		return fieldErr("linux.personality.domain", "invalid personality domain %q", pers.Domain)
	}
	if len(pers.Flags) > 0 {
		v.warn(fmt.Sprintf("linux.personality.flags: ignoring unsupported personality flags: [%s]",
			quoteList(sortedKeys(flagSet(pers.Flags)))))
	}
	return nil
}

func flagSet[T ~string](flags []T) map[T]bool {
	m := make(map[T]bool, len(flags))
	for _, f := range flags {
		m[f] = true
	}
	return m
}

func (v *validator) memoryPolicy() error {
	mp := v.l.MemoryPolicy
	if mp == nil {
		return nil
	}
	if !memoryPolicyModes[mp.Mode] {
		return fieldErr("linux.memoryPolicy.mode", "invalid memory policy mode %q", mp.Mode)
	}
	if err := checkCPUList(mp.Nodes); err != nil {
		return fieldErr("linux.memoryPolicy.nodes", "invalid memory policy nodes: %v", err)
	}
	for i, f := range mp.Flags {
		if !memoryPolicyFlags[f] {
			return fieldErr(idx("linux.memoryPolicy.flags", i), "invalid memory policy flag %q", f)
		}
	}
	return nil
}

func (v *validator) intelRdt() error {
	rdt := v.l.IntelRdt
	if rdt == nil {
		return nil
	}
	if id := rdt.ClosID; id == "." || id == ".." || strings.ContainsAny(id, "/\x00\n") {
		return fieldErr("linux.intelRdt.closID", "invalid intelRdt.ClosID %q", id)
	}
	return nil
}

// netDevices checks the host interfaces moved into the container: they need
// a network namespace to move into, and names the kernel accepts.
func (v *validator) netDevices() error {
	if len(v.l.NetDevices) > 0 && !v.has(specs.NetworkNamespace) {
		return fieldErr("linux.netDevices", "network devices require a network namespace")
	}
	for _, name := range sortedKeys(v.l.NetDevices) {
		p := key("linux.netDevices", name)
		if err := checkIfName(name); err != nil {
			return fieldErr(p, "%v", err)
		}
		if n := v.l.NetDevices[name].Name; n != "" {
			if err := checkIfName(n); err != nil {
				return fieldErr(p+".name", "%v", err)
			}
		}
	}
	return nil
}

// checkIfName applies the kernel's dev_valid_name rules.
func checkIfName(name string) error {
	if name == "" || len(name) > 15 || name == "." || name == ".." ||
		strings.ContainsAny(name, "/: \t\n\x00") {
		return fmt.Errorf("invalid network interface name %q", name)
	}
	return nil
}
