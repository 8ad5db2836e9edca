package libcontainer

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
)

// TestFeaturesTruthful: features claims what works and nothing else.
func TestFeaturesTruthful(t *testing.T) {
	f := Features(map[string]string{"k": "v"})
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"ociVersionMin", "ociVersionMax", "hooks", "mountOptions", "linux", "annotations", "potentiallyUnsafeConfigAnnotations"} {
		if _, ok := back[k]; !ok {
			t.Errorf("features JSON lacks %q", k)
		}
	}
	if !slices.Contains(f.MountOptions, "rro") || !slices.Contains(f.MountOptions, "idmap") {
		t.Errorf("mount options: rro and idmap must be claimed: %v", f.MountOptions)
	}
	if *f.Linux.MountExtensions.IDMap.Enabled != idmapWorks() {
		t.Error("mountExtensions.idmap.enabled is not what idmapWorks says")
	}
	if os.Geteuid() != 0 && *f.Linux.MountExtensions.IDMap.Enabled {
		t.Error("idmapped mounts claimed for a non-root rt, which cannot make them")
	}
	if !slices.Contains(f.Linux.Seccomp.Actions, "SCMP_ACT_NOTIFY") {
		t.Error("seccomp notify (SCMP_ACT_NOTIFY) works but is not claimed")
	}
	if len(f.Linux.Namespaces) != 8 || !slices.Contains(f.Linux.Namespaces, "time") {
		t.Errorf("namespaces: %v", f.Linux.Namespaces)
	}
	if *f.Linux.Apparmor.Enabled != appArmorEnabled() || *f.Linux.Selinux.Enabled != selinuxEnabled() {
		t.Error("apparmor/selinux enabled must say what the host has (rt applies them where it does)")
	}
	if *f.Linux.Cgroup.SystemdUser {
		t.Error("the user systemd instance is not supported yet, yet claimed")
	}
	if f.Linux.NetDevices == nil || !*f.Linux.NetDevices.Enabled {
		t.Error("linux.netDevices are moved into the container but not claimed")
	}
	if f.Annotations["k"] != "v" {
		t.Errorf("annotations: %v", f.Annotations)
	}
}
