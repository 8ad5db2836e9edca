package libcontainer

import (
	"fmt"
	"os"
	"sort"

	"golang.org/x/sys/unix"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"

	"github.com/rt-runtime/rt/libcontainer/internal/caps"
	"github.com/rt-runtime/rt/libcontainer/internal/plan"
	"github.com/rt-runtime/rt/libcontainer/internal/seccomp"
)

// Features reports what this rt supports, per runtime-spec features.md.
// Only what works is claimed: engines derive behaviour from it (containerd
// enables Kubernetes user namespaces from mountExtensions.idmap, and
// recursive read-only mounts from "rro").
func Features(annotations map[string]string) *features.Features {
	yes, no := true, false
	opts := plan.MountOptionNames()
	sort.Strings(opts)
	var ns []string
	for t := range plan.NamespaceFlags {
		ns = append(ns, string(t))
	}
	sort.Strings(ns)
	return &features.Features{
		OCIVersionMin: "1.0.0",
		OCIVersionMax: specs.Version,
		Hooks:         []string{"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"},
		MountOptions:  opts,
		Linux: &features.Linux{
			Namespaces:      ns,
			Capabilities:    caps.Names(),
			Cgroup:          &features.Cgroup{V1: &yes, V2: &yes, Systemd: &yes, SystemdUser: &no, Rdma: &yes},
			Seccomp:         seccomp.Supported(),
			Apparmor:        &features.Apparmor{Enabled: ptr(appArmorEnabled())},
			Selinux:         &features.Selinux{Enabled: ptr(selinuxEnabled())},
			IntelRdt:        &features.IntelRdt{Enabled: &no},
			MountExtensions: &features.MountExtensions{IDMap: &features.IDMap{Enabled: ptr(idmapWorks())}},
			NetDevices:      &features.NetDevices{Enabled: &yes},
			MemoryPolicy:    memoryPolicyFeatures(),
		},
		Annotations: annotations,
		// Annotations that change what the container may do on the host.
		PotentiallyUnsafeConfigAnnotations: []string{"org.systemd.property."},
	}
}

func ptr[T any](v T) *T { return &v }

// idmapWorks: rt makes idmapped mounts as root (mount_setattr with
// MOUNT_ATTR_IDMAP), which needs Linux 5.12, and 5.19 for overlayfs (the
// filesystem engines idmap container roots on).
func idmapWorks() bool {
	if os.Geteuid() != 0 {
		return false
	}
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return false
	}
	var major, minor int
	if _, err := fmt.Sscanf(unix.ByteSliceToString(u.Release[:]), "%d.%d", &major, &minor); err != nil {
		return false
	}
	return major > 5 || (major == 5 && minor >= 19)
}

// memoryPolicyFeatures lists the linux.memoryPolicy modes and flags rt
// applies (set_mempolicy in rt-init).
func memoryPolicyFeatures() *features.MemoryPolicy {
	mp := &features.MemoryPolicy{}
	for m := range plan.MemoryPolicyModes {
		mp.Modes = append(mp.Modes, string(m))
	}
	for f := range plan.MemoryPolicyFlags {
		mp.Flags = append(mp.Flags, string(f))
	}
	sort.Strings(mp.Modes)
	sort.Strings(mp.Flags)
	return mp
}
