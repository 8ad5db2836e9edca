package libcontainer

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libcontainer/internal/cgroups"
	"github.com/rt-runtime/rt/libcontainer/internal/nsexec"
	"github.com/rt-runtime/rt/libcontainer/internal/plan"
	"github.com/rt-runtime/rt/libcontainer/internal/protocol"
	"github.com/rt-runtime/rt/libcontainer/internal/seccomp"
)

// ExecOpts describes a process to start in a running container.
type ExecOpts struct {
	Process       *specs.Process // checked by the caller (spec.ValidateProcess)
	Stdio         [3]*os.File    // nil entries: rt's own
	PreserveFds   int            // fds 3..3+N-1 of rt also go to the process
	ConsoleSocket *os.File       // receives the pty master when Process.Terminal
	IgnorePaused  bool
	// Cgroup names a sub-cgroup of the container's to put the process in:
	// by controller ("memory"), or "" for every hierarchy (--cgroup).
	Cgroup map[string]string
}

// Spec returns the config the container was created from.
func (c *Container) Spec() (*specs.Spec, error) { return c.h.readSpec() }

// Exec starts o.Process in the container: in every namespace, the cgroup,
// the rootfs and under the seccomp filter of the container, with the
// process's own user, capabilities, rlimits and environment. It returns the
// process's host pid once it has exec'd (it is rt's child: the caller may
// wait for it), or an error with nothing left running.
func (c *Container) Exec(o *ExecOpts) (int, error) {
	st := c.Status()
	switch {
	case st == Stopped:
		return 0, errors.New("cannot exec in a stopped container")
	case st == Paused && !o.IgnorePaused:
		return 0, errors.New("cannot exec in a paused container (use --ignore-paused to override)")
	case st == Creating:
		return 0, errors.New("cannot exec in a container that is still being created")
	}
	s, err := c.Spec()
	if err != nil {
		return 0, err
	}
	if err := checkLabels(o.Process); err != nil {
		return 0, err
	}
	ex := &execution{c: c, opts: o, spec: withProcess(s, o.Process), paused: st == Paused}
	defer ex.close()
	return ex.run()
}

// withProcess returns a copy of s running p.
func withProcess(s *specs.Spec, p *specs.Process) *specs.Spec {
	cp := *s
	cp.Process = p
	return &cp
}

// execution is one Exec in progress.
type execution struct {
	c       *Container
	opts    *ExecOpts
	spec    *specs.Spec
	paused  bool
	pidfd   *os.File
	rootDir *os.File
	cgroups cgroups.Paths
	agent   *seccompAgent // SCMP_ACT_NOTIFY: where the notify fd goes
}

func (ex *execution) close() {
	if ex.pidfd != nil {
		ex.pidfd.Close()
	}
	if ex.rootDir != nil {
		ex.rootDir.Close()
	}
}

func (ex *execution) run() (int, error) {
	st := ex.c.State
	fd, err := pidfdOf(st.Pid, st.PidStartTime)
	if err != nil {
		return 0, err
	}
	ex.pidfd = os.NewFile(uintptr(fd), "container pidfd")
	flags, err := joinFlags(ex.spec, st.Pid)
	if err != nil {
		return 0, err
	}
	if !plan.HasNamespace(ex.spec, specs.MountNamespace) {
		if err := ex.openRoot(); err != nil {
			return 0, err
		}
	}
	if ex.cgroups, err = subCgroups(st.CgroupPaths, ex.opts.Cgroup); err != nil {
		return 0, err
	}
	l, err := ex.launch(flags)
	if err != nil {
		return 0, err
	}
	return l.Run()
}

// openRoot opens the root of a container without a mount namespace (its
// init chrooted), checking that the pidfd's process is still the one the
// /proc path named after opening it.
func (ex *execution) openRoot() error {
	f, err := os.OpenFile("/proc/"+strconv.Itoa(ex.c.State.Pid)+"/root", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open the container's root: %w", err)
	}
	if err := unix.PidfdSendSignal(int(ex.pidfd.Fd()), 0, nil, 0); err != nil {
		f.Close()
		return ErrNotRunning
	}
	ex.rootDir = f
	return nil
}

// joinFlags returns the namespaces of the container's init to join: every
// type in the config that differs from rt's own (joining one's own user
// namespace is EINVAL).
func joinFlags(s *specs.Spec, pid int) (uint64, error) {
	if s.Linux == nil {
		return 0, nil
	}
	var flags uint64
	for _, ns := range s.Linux.Namespaces {
		name := nsProcName(ns.Type)
		var theirs, ours unix.Stat_t
		if err := unix.Stat("/proc/"+strconv.Itoa(pid)+"/ns/"+name, &theirs); err != nil {
			return 0, fmt.Errorf("stat the container's %s namespace: %w", ns.Type, err)
		}
		if err := unix.Stat("/proc/self/ns/"+name, &ours); err == nil && ours.Ino == theirs.Ino && ours.Dev == theirs.Dev {
			continue
		}
		flags |= plan.NamespaceFlags[ns.Type]
	}
	return flags, nil
}

// nsProcName is the name of a namespace type under /proc/<pid>/ns.
func nsProcName(t specs.LinuxNamespaceType) string {
	switch t {
	case specs.NetworkNamespace:
		return "net"
	case specs.MountNamespace:
		return "mnt"
	}
	return string(t)
}

// subCgroups resolves --cgroup: a sub-cgroup (which must exist) of the
// container's cgroup, in one hierarchy ("memory:sub") or all ("sub").
func subCgroups(paths map[string]string, sub map[string]string) (cgroups.Paths, error) {
	out := cgroups.Paths{}
	for k, v := range paths {
		out[k] = v
	}
	for ctrl, rel := range sub {
		clean := filepath.Clean("/" + rel)
		if clean == "/" || strings.Contains(rel, "..") {
			return nil, fmt.Errorf("--cgroup: invalid sub-cgroup %q", rel)
		}
		found := false
		for k, dir := range paths {
			if ctrl != "" && !strings.EqualFold(k, ctrl) {
				continue
			}
			found = true
			d := dir + clean
			if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
				return nil, fmt.Errorf("--cgroup: sub-cgroup %s does not exist", d)
			}
			out[k] = d
		}
		if !found {
			return nil, fmt.Errorf("--cgroup: the container has no %q controller", ctrl)
		}
	}
	return out, nil
}

// launch builds the bootstrap and the fds rt-init gets.
func (ex *execution) launch(flags uint64) (*nsexec.Launch, error) {
	extra, err := preservedFiles(ex.opts.PreserveFds)
	if err != nil {
		return nil, err
	}
	l := &nsexec.Launch{Stdio: ex.opts.Stdio, Extra: extra, ConsoleSocket: ex.opts.ConsoleSocket,
		PidFd: ex.pidfd, RootFd: ex.rootDir}
	_, _, consoleFd := l.Fds()
	pidFd, rootFd := l.ExecFds()
	in := &plan.ExecInput{Spec: ex.spec, PidFd: pidFd, JoinFlags: flags, RootFd: rootFd,
		KeepFds: 3 + len(extra), ConsoleFd: consoleFd}
	if sc := ex.spec.Linux; sc != nil && sc.Seccomp != nil {
		f, err := seccomp.Build(sc.Seccomp)
		if err != nil {
			return nil, fmt.Errorf("seccomp: %w", err)
		}
		if f != nil {
			in.SeccompFlags, in.SeccompBPF = f.Flags, f.BPF
		}
		if f != nil && f.Notify {
			ex.agent = &seccompAgent{path: f.ListenerPath, metadata: f.ListenerMetadata}
			// The process would load its filter, and send the fd, only
			// once thawed, long after rt returned.
			if ex.paused && ex.spec.Process.NoNewPrivileges {
				return nil, errors.New("cannot exec into a paused container with SCMP_ACT_NOTIFY and noNewPrivileges")
			}
		}
	}
	p, err := plan.BuildExec(in)
	if err != nil {
		return nil, err
	}
	l.Bootstrap = p.Msgs
	l.OnReady = ex.release
	l.OnSeccompFd = ex.sendSeccompFd
	return l, nil
}

// sendSeccompFd passes the exec'd process's notify fd to the seccomp agent,
// with the container's state ("running") and the process's own pid.
func (ex *execution) sendSeccompFd(pid int, fd *os.File) error {
	return ex.agent.send(fd, pid, ex.c.State.SpecState(Running))
}

// release puts the ready process in the container's cgroup, lets it execve
// and waits until it has (its end of conn is close-on-exec) or failed. In a
// paused container the process freezes as it joins: rt does not wait then.
func (ex *execution) release(pid int, conn *os.File) error {
	if err := ex.cgroups.Join(pid); err != nil {
		return fmt.Errorf("join the container's cgroup: %w", err)
	}
	if _, err := conn.Write(protocol.Encode(nil, protocol.Msg{Type: protocol.Go})); err != nil {
		return fmt.Errorf("send Go: %w", err)
	}
	if ex.paused {
		return nil
	}
	for {
		m, fd, err := protocol.ReadMsgFd(conn)
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return fmt.Errorf("exec: %w", err)
		case m.Type == protocol.Error:
			return protocol.DecodeError(m)
		case m.Type != protocol.SeccompFd:
			return fmt.Errorf("protocol: unexpected %v from the init at exec", m.Type)
		}
		// With no_new_privs the filter is loaded just before execve.
		if err := ex.sendSeccompFd(pid, fd); err != nil {
			return err
		}
	}
}
