package plan

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/libcontainer/internal/protocol"
)

// What rt-init is told to write: the AppArmor profile and the SELinux
// label as Label messages, and the mount label as the context= option of
// new filesystems other than proc, sysfs and cgroup, never of binds.
func TestLabels(t *testing.T) {
	s := &specs.Spec{
		Process: &specs.Process{Args: []string{"sh"}, ApparmorProfile: "rt-profile", SelinuxLabel: "system_u:system_r:container_t:s0:c1,c2"},
		Root:    &specs.Root{Path: "rootfs"},
		Linux: &specs.Linux{Namespaces: []specs.LinuxNamespace{{Type: specs.MountNamespace}},
			MountLabel: "system_u:object_r:container_file_t:s0:c1,c2"},
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"mode=755"}},
			{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue"},
			{Destination: "/sys", Type: "sysfs", Source: "sysfs"},
			{Destination: "/data", Type: "bind", Source: "/src", Options: []string{"rbind"}},
		},
	}
	p, err := Build(&Input{Spec: s, Rootfs: "/r", BundleDir: "/b", ConsoleFd: -1, StartFd: -1})
	if err != nil {
		t.Fatal(err)
	}
	labels := map[uint32]string{}
	data := map[string]string{}
	for _, m := range p.Msgs {
		r := protocol.NewReader(m)
		switch m.Type {
		case protocol.Label:
			k := r.U32()
			labels[k] = r.Str()
		case protocol.Mount:
			r.U32()
			r.Str()
			dst := r.Str()
			r.Str()
			r.U64()
			r.U64()
			r.U64()
			r.U64()
			data[dst] = r.Str()
		}
	}
	if labels[protocol.LabelAppArmor] != "rt-profile" || labels[protocol.LabelSELinux] != "system_u:system_r:container_t:s0:c1,c2" {
		t.Errorf("labels %v", labels)
	}
	ctx := `context="system_u:object_r:container_file_t:s0:c1,c2"`
	for dst, want := range map[string]string{"/dev": "mode=755," + ctx, "/dev/mqueue": ctx, "/proc": "", "/sys": "", "/data": ""} {
		if data[dst] != want {
			t.Errorf("%s data %q, want %q", dst, data[dst], want)
		}
	}
	// exec carries the labels too.
	ep, err := BuildExec(&ExecInput{Spec: s, PidFd: 3, RootFd: -1, ConsoleFd: -1})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range ep.Msgs {
		if m.Type == protocol.Label {
			n++
		}
	}
	if n != 2 {
		t.Errorf("exec plan: %d Label messages, want 2", n)
	}
	s.Process.ApparmorProfile, s.Process.SelinuxLabel, s.Linux.MountLabel = "", "", ""
	p, _ = Build(&Input{Spec: s, Rootfs: "/r", BundleDir: "/b", ConsoleFd: -1, StartFd: -1})
	for _, m := range p.Msgs {
		if m.Type == protocol.Label || (m.Type == protocol.Mount && strings.Contains(string(m.Payload), "context=")) {
			t.Errorf("no labels configured, yet %v planned", m.Type)
		}
	}
}
