package plan

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/libcontainer/internal/protocol"
)

// ExecInput is everything BuildExec needs: the container's spec with the
// process to run in place of its own, and the fds the parent hands over.
type ExecInput struct {
	Spec         *specs.Spec // the container's config, Process = the exec'd process
	PidFd        int         // fd of the container init's pidfd in rt-init
	JoinFlags    uint64      // CLONE_NEW* of the namespaces to join through PidFd
	RootFd       int         // fd of the container's root dir to chroot to, -1: none
	KeepFds      int
	ConsoleFd    int // -1: none
	SeccompFlags uint32
	SeccompBPF   []byte
}

// BuildExec plans a process joining a running container: no namespace,
// rootfs, hostname, sysctl or hook of its own; the process settings as for
// the container's init.
func BuildExec(ex *ExecInput) (*Plan, error) {
	if ex.Spec.Process == nil {
		return nil, fmt.Errorf("process: missing")
	}
	if ex.PidFd < 0 {
		return nil, fmt.Errorf("exec: no pidfd")
	}
	p := &Plan{}
	p.add(protocol.New().U32(uint32(ex.PidFd)).U64(ex.JoinFlags).U32(uint32(int32(ex.RootFd))).Msg(protocol.Exec))
	in := &Input{Spec: ex.Spec, KeepFds: ex.KeepFds, ConsoleFd: ex.ConsoleFd, StartFd: -1,
		SeccompFlags: ex.SeccompFlags, SeccompBPF: ex.SeccompBPF}
	for _, step := range []func(*Input, *Plan) error{rlimits, personality, scheduler, ioPriority, memoryPolicy, command, terminal, labels, credentials} {
		if err := step(in, p); err != nil {
			return nil, err
		}
	}
	p.add(protocol.New().U32(uint32(ex.KeepFds)).Msg(protocol.Fds))
	p.add(protocol.New().U32(^uint32(0)).Msg(protocol.StartFd))
	p.add(protocol.New().U32(protocol.OptNoNewKeyring | protocol.OptExec).Msg(protocol.Options))
	return p, nil
}
