package libcontainer

import (
	"errors"
	"os"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The errors runc gives for a label the host cannot apply.
var (
	ErrAppArmorNotSupported = errors.New("apparmor: config provided but apparmor not supported")
	ErrSELinuxNotSupported  = errors.New("selinux label is specified in config, but selinux is disabled or not supported")
)

// lsmProbe reports which LSMs the host has (a variable for tests).
var lsmProbe = func() (apparmor, selinux bool) { return appArmorEnabled(), selinuxEnabled() }

// appArmorEnabled: the AppArmor module is loaded and enabled, with its
// securityfs interface (runc's test).
func appArmorEnabled() bool {
	b, err := os.ReadFile("/sys/module/apparmor/parameters/enabled")
	if err != nil || !strings.HasPrefix(string(b), "Y") {
		return false
	}
	_, err = os.Stat("/sys/kernel/security/apparmor")
	return err == nil
}

// selinuxEnabled: selinuxfs is mounted (where libselinux looks for it).
func selinuxEnabled() bool {
	var st unix.Statfs_t
	return unix.Statfs("/sys/fs/selinux", &st) == nil && st.Type == unix.SELINUX_MAGIC
}

// checkLabels refuses a process label the host cannot apply, with runc's
// texts: silently running a container unconfined would be worse.
func checkLabels(p *specs.Process) error {
	if p == nil || (p.ApparmorProfile == "" && p.SelinuxLabel == "") {
		return nil // the common case: no probe of the host at all
	}
	apparmor, selinux := lsmProbe()
	if p.ApparmorProfile != "" && !apparmor {
		return ErrAppArmorNotSupported
	}
	if p.SelinuxLabel != "" && !selinux {
		return ErrSELinuxNotSupported
	}
	return nil
}

// mountLabelApplies: linux.mountLabel labels files, which only means
// something under SELinux; without it the label is dropped (with a
// warning), as crun does, rather than passed to the kernel as a context=
// option it refuses (runc).
func mountLabelApplies(l *specs.Linux) (bool, string) {
	if l == nil || l.MountLabel == "" {
		return false, ""
	}
	if _, selinux := lsmProbe(); !selinux {
		return false, "linux.mountLabel ignored: SELinux is not enabled on this host"
	}
	return true, ""
}
