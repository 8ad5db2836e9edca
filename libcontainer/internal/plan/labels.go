package plan

import (
	"strings"

	"github.com/rt-runtime/rt/libcontainer/internal/protocol"
)

// labels plans the LSM labels of the process, which rt-init writes for
// its execve: process.apparmorProfile and process.selinuxLabel.
func labels(in *Input, p *Plan) error {
	pr := in.Spec.Process
	if pr.ApparmorProfile != "" {
		p.add(protocol.New().U32(protocol.LabelAppArmor).Str(pr.ApparmorProfile).Msg(protocol.Label))
	}
	if pr.SelinuxLabel != "" {
		p.add(protocol.New().U32(protocol.LabelSELinux).Str(pr.SelinuxLabel).Msg(protocol.Label))
	}
	return nil
}

// noMountLabel are the filesystems that take no SELinux context= option
// (runc leaves them alone too); binds keep their source's labels.
var noMountLabel = map[string]bool{"proc": true, "sysfs": true, "cgroup": true, "cgroup2": true}

// withMountLabel adds linux.mountLabel as the context= option of a new
// filesystem's data.
func withMountLabel(in *Input, fstype, data string) string {
	if in.Spec.Linux == nil || in.Spec.Linux.MountLabel == "" || noMountLabel[fstype] {
		return data
	}
	ctx := `context="` + in.Spec.Linux.MountLabel + `"`
	if data == "" {
		return ctx
	}
	return strings.Join([]string{data, ctx}, ",")
}
