package seccomp

import (
	"errors"
	"fmt"

	"github.com/opencontainers/runtime-spec/specs-go"
)

// ErrNotifyDefault refuses SCMP_ACT_NOTIFY as the default action (runc's
// text): every syscall of rt-init after the load, including the one that
// hands the listener fd over, would wait for an agent that cannot have it.
var ErrNotifyDefault = errors.New("SCMP_ACT_NOTIFY cannot be used as default action")

// ErrNoListenerPath is returned for a profile that uses SCMP_ACT_NOTIFY
// without linux.seccomp.listenerPath: nobody would receive the listener fd.
var ErrNoListenerPath = errors.New("linux.seccomp.listenerPath: required by SCMP_ACT_NOTIFY")

// notifyForbidden are the syscalls rt-init needs between loading the filter
// and handing its listener fd to the parent: notifying them would deadlock
// the init (the agent cannot answer before it has the fd). runc refuses
// write, which its init sends the fd with; rt-init sends it with sendmsg,
// and write is refused too so that a profile valid for rt stays valid for
// runc.
var notifyForbidden = map[string]bool{"write": true, "sendmsg": true}

// checkNotify reports whether s uses SCMP_ACT_NOTIFY and checks the rules
// that go with it: not the default action, not for write or sendmsg, and a
// listenerPath.
func checkNotify(s *specs.LinuxSeccomp) (bool, error) {
	if s.DefaultAction == specs.ActNotify {
		return false, ErrNotifyDefault
	}
	notify := false
	for i, call := range s.Syscalls {
		if call.Action != specs.ActNotify {
			continue
		}
		notify = true
		for _, name := range call.Names {
			if notifyForbidden[name] {
				return false, fmt.Errorf("seccomp syscalls[%d]: SCMP_ACT_NOTIFY cannot be used for the %s syscall", i, name)
			}
		}
	}
	if notify && s.ListenerPath == "" {
		return false, ErrNoListenerPath
	}
	return notify, nil
}
