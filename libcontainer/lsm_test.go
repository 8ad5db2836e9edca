package libcontainer

import (
	"errors"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// A label the host cannot apply is refused with runc's texts; one it can
// passes; no label needs no LSM.
func TestCheckLabels(t *testing.T) {
	old := lsmProbe
	t.Cleanup(func() { lsmProbe = old })
	aa := &specs.Process{ApparmorProfile: "p"}
	se := &specs.Process{SelinuxLabel: "system_u:system_r:container_t:s0"}
	for _, c := range []struct {
		name          string
		apparmor, sel bool
		p             *specs.Process
		want          error
	}{
		{"no label, no LSM", false, false, &specs.Process{}, nil},
		{"apparmor without AppArmor", false, true, aa, ErrAppArmorNotSupported},
		{"apparmor with AppArmor", true, false, aa, nil},
		{"selinux without SELinux", true, false, se, ErrSELinuxNotSupported},
		{"selinux with SELinux", false, true, se, nil},
		{"nil process", false, false, nil, nil},
	} {
		lsmProbe = func() (bool, bool) { return c.apparmor, c.sel }
		if err := checkLabels(c.p); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

// Without SELinux a mount label is dropped with a warning (crun), with it
// it applies.
func TestMountLabelApplies(t *testing.T) {
	old := lsmProbe
	t.Cleanup(func() { lsmProbe = old })
	l := &specs.Linux{MountLabel: "system_u:object_r:container_file_t:s0"}
	lsmProbe = func() (bool, bool) { return false, false }
	if ok, why := mountLabelApplies(l); ok || why == "" {
		t.Errorf("without SELinux: %v %q, want dropped with a warning", ok, why)
	}
	lsmProbe = func() (bool, bool) { return false, true }
	if ok, why := mountLabelApplies(l); !ok || why != "" {
		t.Errorf("with SELinux: %v %q, want applied", ok, why)
	}
	if ok, why := mountLabelApplies(&specs.Linux{}); ok || why != "" {
		t.Errorf("no label: %v %q", ok, why)
	}
}
