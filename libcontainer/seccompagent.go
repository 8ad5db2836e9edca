package libcontainer

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libcontainer/internal/seccomp"
)

// seccompAgent is where a seccomp notify fd goes: linux.seccomp.listenerPath,
// with listenerMetadata for the agent.
type seccompAgent struct {
	path     string
	metadata string
}

// agentOf returns the seccomp agent of s, or nil when s uses no
// SCMP_ACT_NOTIFY (then rt-init never sends a notify fd).
func agentOf(s *specs.Spec) (*seccompAgent, error) {
	if s == nil || s.Linux == nil || s.Linux.Seccomp == nil {
		return nil, nil
	}
	f, err := seccomp.Build(s.Linux.Seccomp)
	if err != nil {
		return nil, fmt.Errorf("seccomp: %w", err)
	}
	if f == nil || !f.Notify {
		return nil, nil
	}
	return &seccompAgent{path: f.ListenerPath, metadata: f.ListenerMetadata}, nil
}

// send passes the notify fd of process pid to the agent, as the
// runtime-spec says: one message on a new connection to listenerPath, the
// JSON of a specs.ContainerProcessState with the fd as SCM_RIGHTS. It
// always closes fd (the agent has its own copy once sent).
func (a *seccompAgent) send(fd *os.File, pid int, st *specs.State) error {
	defer fd.Close()
	if a == nil {
		return errors.New("seccomp notify fd from the init, but the config has no SCMP_ACT_NOTIFY")
	}
	msg, err := json.Marshal(&specs.ContainerProcessState{
		Version: specs.Version, Fds: []string{specs.SeccompFdName},
		Pid: pid, Metadata: a.metadata, State: *st,
	})
	if err != nil {
		return fmt.Errorf("seccomp agent: encode the process state: %w", err)
	}
	conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: a.path, Net: "unix"})
	if err != nil {
		return fmt.Errorf("seccomp agent: connect to listenerPath %s: %w", a.path, err)
	}
	defer conn.Close()
	n, _, err := conn.WriteMsgUnix(msg, unix.UnixRights(int(fd.Fd())), nil)
	if err == nil && n < len(msg) {
		_, err = conn.Write(msg[n:])
	}
	if err != nil {
		return fmt.Errorf("seccomp agent: send the notify fd to %s: %w", a.path, err)
	}
	return nil
}
