package integration

// Issue 5: AppArmor and SELinux labels on a host without those LSMs (this
// machine): a requested label is refused with runc's texts, never silently
// dropped, and nothing is left behind. (What rt-init writes where the LSM
// exists is checked by the plan tests and the rt-init scenarios.)

import (
	"os"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func hostHasLSM(t *testing.T) {
	if b, err := os.ReadFile("/sys/module/apparmor/parameters/enabled"); err == nil && strings.HasPrefix(string(b), "Y") {
		t.Skip("AppArmor is enabled on this host: the refusal cannot be tested")
	}
	if _, err := os.Stat("/sys/fs/selinux/enforce"); err == nil {
		t.Skip("SELinux is enabled on this host: the refusal cannot be tested")
	}
}

func TestLSMLabelsRefusedWithoutLSM(t *testing.T) {
	hostHasLSM(t)
	for _, c := range []struct {
		name   string
		mutate func(*specs.Spec)
		want   string
	}{
		{"apparmorProfile", func(s *specs.Spec) { s.Process.ApparmorProfile = "rt-test" },
			"apparmor: config provided but apparmor not supported"},
		{"selinuxLabel", func(s *specs.Spec) { s.Process.SelinuxLabel = "system_u:system_r:container_t:s0" },
			"selinux label is specified in config, but selinux is disabled or not supported"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newH(t)
			ctr := h.NewCtr(args("/probe", "sleep"), c.mutate)
			wantFail(t, ctr.Create(), c.want)
			ctr.AssertNoLeftovers()
		})
	}
}

func TestExecLSMFlagsRefusedWithoutLSM(t *testing.T) {
	hostHasLSM(t)
	h := newH(t)
	c, pid := startedCtr(h)
	wantExecFail(t, execIn(c, Opts{}, []string{"--apparmor", "rt-test"}, "/bin/true"),
		"apparmor: config provided but apparmor not supported")
	wantExecFail(t, execIn(c, Opts{}, []string{"--process-label", "system_u:system_r:container_t:s0"}, "/bin/true"),
		"selinux label is specified in config")
	wantOnlyInit(t, pid)
	wantOK(t, c.Delete("--force"))
	c.AssertNoLeftovers()
}

// TestMountLabelDroppedWithoutSELinux: a mount label without SELinux is
// dropped with a warning (as crun; runc passes it on and the kernel refuses
// the tmpfs), and the container runs.
func TestMountLabelDroppedWithoutSELinux(t *testing.T) {
	hostHasLSM(t)
	h := newH(t)
	c := h.NewCtr(args("/probe", "exit", "0"), func(s *specs.Spec) { s.Linux.MountLabel = "system_u:object_r:container_file_t:s0" })
	r := c.Run()
	wantOK(t, r)
	if !strings.Contains(r.Stderr, "linux.mountLabel ignored") {
		t.Errorf("no warning about the dropped mount label: %s", r)
	}
	c.AssertNoLeftovers()
}
