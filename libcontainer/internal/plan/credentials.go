package plan

import (
	"encoding/binary"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/libcontainer/internal/caps"
	"github.com/rt-runtime/rt/libcontainer/internal/protocol"
)

// credentials plans capabilities, user and groups, no_new_privs and seccomp.
// A process without a capabilities object gets no capabilities at all.
func credentials(in *Input, p *Plan) error {
	pr := in.Spec.Process
	var bits caps.Bits
	if pr.Capabilities != nil {
		// Unknown names were already reported by spec.Validate.
		bits, _ = caps.Sets(pr.Capabilities)
	}
	p.add(protocol.New().U64(bits.Bounding).U64(bits.Effective).U64(bits.Permitted).
		U64(bits.Inheritable).U64(bits.Ambient).Msg(protocol.Caps))
	p.add(userMsg(pr.User))
	if pr.NoNewPrivileges {
		p.add(protocol.New().Msg(protocol.NoNewPrivs))
	}
	if in.SeccompBPF != nil {
		p.add(protocol.New().U32(in.SeccompFlags).Bytes(in.SeccompBPF).Msg(protocol.Seccomp))
	}
	return nil
}

func userMsg(u specs.User) protocol.Msg {
	groups := make([]byte, 0, 4*len(u.AdditionalGids))
	for _, g := range u.AdditionalGids {
		groups = binary.LittleEndian.AppendUint32(groups, g)
	}
	var hasUmask, umask uint32
	if u.Umask != nil {
		hasUmask, umask = 1, *u.Umask
	}
	return protocol.New().U32(u.UID).U32(u.GID).U32(hasUmask).U32(umask).Bytes(groups).Msg(protocol.User)
}
