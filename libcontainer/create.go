package libcontainer

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libcontainer/internal/cgroups/systemd"
	"github.com/rt-runtime/rt/libcontainer/internal/nsexec"
	"github.com/rt-runtime/rt/libcontainer/internal/plan"
	"github.com/rt-runtime/rt/spec"
)

// CreateOpts are the options of `rt create` (and of `rt run`).
type CreateOpts struct {
	ID           string
	Bundle       string
	PidFile      string
	NoPivot      bool
	NoNewKeyring bool
	PreserveFds  int
	// ConsoleSocket is the connected --console-socket (or the socket `run`
	// relays a terminal through); required when process.terminal is true.
	ConsoleSocket *os.File
	// RelaySocket stands in for ConsoleSocket when process.terminal is set
	// and no console socket was given (`run` in the foreground).
	RelaySocket *os.File
	Stdio       [3]*os.File
	// Systemd: use the systemd cgroup driver (also when Store.Systemd).
	Systemd bool
	// NotifySocket is the caller's NOTIFY_SOCKET (sd_notify proxying), or "".
	NotifySocket string
}

// creation carries what one create builds up, so that a failure at any
// step can undo exactly what was done.
type creation struct {
	store    *Store
	opts     *CreateOpts
	bundle   *spec.Bundle
	h        *handle
	state    *State
	cgroups  cgroupSet
	sd       *systemd.Manager // the scope, with the systemd driver
	listener *os.File
	trees    []*os.File    // the parent's bind mounts for the init (plan.Tree)
	agent    *seccompAgent // SCMP_ACT_NOTIFY: where the notify fd goes
	pid      int
	warnings []string
}

// Create creates a container and returns once its init waits for start.
// On any error nothing is left behind: no state dir, cgroup or process.
func (s *Store) Create(o *CreateOpts) (*Container, []string, error) {
	if err := checkID(o.ID); err != nil {
		return nil, nil, err
	}
	b, err := spec.Load(o.Bundle)
	if err != nil {
		return nil, nil, err
	}
	warn, err := spec.Validate(b.Spec, spec.ValidateOptions{Rootless: os.Geteuid() != 0})
	if err != nil {
		return nil, nil, err
	}
	if o.ConsoleSocket == nil && b.Spec.Process.Terminal {
		o.ConsoleSocket = o.RelaySocket
	}
	if err := checkTerminal(b.Spec, o); err != nil {
		return nil, nil, err
	}
	if err := checkIntelRdt(b.Spec); err != nil {
		return nil, nil, err
	}
	if err := checkHost(b); err != nil {
		return nil, nil, err
	}
	if ok, why := mountLabelApplies(b.Spec.Linux); !ok && why != "" {
		warn = append(warn, why)
		b.Spec.Linux.MountLabel = ""
	}
	cr := &creation{store: s, opts: o, bundle: b, warnings: warn}
	if err := cr.run(); err != nil {
		cr.undo()
		return nil, cr.warnings, err
	}
	return &Container{store: s, h: cr.h, State: cr.state}, cr.warnings, nil
}

func checkID(id string) error { return spec.ValidateID(id) }

func checkTerminal(s *specs.Spec, o *CreateOpts) error {
	if s.Process.Terminal && o.ConsoleSocket == nil {
		return errors.New("cannot allocate tty if rt will detach without setting console socket")
	}
	if !s.Process.Terminal && o.ConsoleSocket != nil {
		return errors.New("cannot use console socket if rt will not detach or allocate tty")
	}
	return nil
}

// checkIntelRdt refuses linux.intelRdt: rt does not manage resctrl groups
// yet, and a limit silently dropped is worse than an error. The text is
// runc's when the host has no resctrl.
func checkIntelRdt(s *specs.Spec) error {
	if s.Linux == nil || s.Linux.IntelRdt == nil {
		return nil
	}
	var st unix.Statfs_t
	if err := unix.Statfs("/sys/fs/resctrl", &st); err != nil || st.Type != unix.RDTGROUP_SUPER_MAGIC {
		return errors.New("intelRdt is specified in config, but Intel RDT is not supported or enabled")
	}
	return errors.New("linux.intelRdt: not supported by rt yet (resctrl groups are not managed)")
}

func (cr *creation) run() error {
	var err error
	if cr.h, err = cr.store.create(cr.opts.ID); err != nil {
		return err
	}
	s := cr.bundle.Spec
	cr.state = &State{
		OCIVersion: s.Version, ID: cr.opts.ID, Bundle: cr.bundle.Dir, Rootfs: cr.bundle.Rootfs,
		Created: time.Now().UTC(), Annotations: s.Annotations, Hooks: s.Hooks,
		SharedPidNS: !plan.NewNamespace(s, specs.PIDNamespace), Terminal: s.Process.Terminal,
		NotifySocket: cr.opts.NotifySocket,
	}
	if cr.opts.Systemd || cr.store.Systemd {
		if err := cr.newSystemdCgroups(); err != nil {
			return err
		}
	} else if cr.cgroups, err = newCgroups(s, cr.opts.ID, cr.store.Rootless); err != nil {
		if !cr.store.Rootless || !deniedCgroups(err) || hasResources(s) {
			return err
		}
		logrus.Debugf("rootless: no cgroup of its own for %s: %v", cr.opts.ID, err)
		cr.cgroups = cgroupSet{}
	}
	cr.state.CgroupPaths = cr.cgroups.paths()
	if s.Linux != nil {
		cr.state.Resources = s.Linux.Resources
	}
	if err := cr.h.writeState(cr.state); err != nil {
		return err
	}
	if err := cr.h.writeSpec(s); err != nil {
		return err
	}
	if cr.opts.NotifySocket != "" {
		if err := os.Mkdir(cr.h.notifyDir(), 0o755); err != nil {
			return fmt.Errorf("notify socket directory: %w", err)
		}
	}
	if cr.listener, err = listenStart(cr.h); err != nil {
		return err
	}
	l, err := cr.launch()
	if err != nil {
		return err
	}
	cr.pid, err = l.Run()
	for _, f := range cr.trees {
		f.Close()
	}
	if err != nil {
		return err
	}
	return cr.commit()
}

// commit records the state and the pid file once the init is ready.
func (cr *creation) commit() error {
	cr.listener.Close()
	cr.state.Ready = true
	if err := cr.h.writeState(cr.state); err != nil {
		return err
	}
	if cr.opts.PidFile != "" {
		if err := writeFileAtomic(cr.opts.PidFile, []byte(strconv.Itoa(cr.pid)), 0o644); err != nil {
			return fmt.Errorf("pid file: %w", err)
		}
	}
	return nil
}

func (cr *creation) undo() {
	if cr.listener != nil {
		cr.listener.Close()
	}
	if cr.pid > 0 {
		_ = unix.Kill(cr.pid, unix.SIGKILL)
		_, _ = unix.Wait4(cr.pid, nil, 0, nil)
	}
	if cr.sd != nil {
		_ = cr.sd.Destroy()
	} else if cr.cgroups != nil {
		_ = cr.cgroups.destroy()
	}
	if cr.h != nil {
		_ = cr.h.remove()
		cr.h.close()
	}
}

// launch builds the bootstrap and the fds rt-init gets.
func (cr *creation) launch() (*nsexec.Launch, error) {
	o := cr.opts
	extra, env, err := extraFiles(o.PreserveFds, cr.bundle.Spec)
	if err != nil {
		return nil, err
	}
	l := &nsexec.Launch{Stdio: o.Stdio, Extra: extra, StartListener: cr.listener, ConsoleSocket: o.ConsoleSocket}
	_, startFd, consoleFd := l.Fds()
	s := withEnv(cr.bundle.Spec, env)
	if o.NotifySocket != "" {
		s = withNotify(s, cr.h.notifyDir())
	}
	in := &plan.Input{
		Spec: s, BundleDir: cr.bundle.Dir, Rootfs: cr.bundle.Rootfs,
		NoPivot: o.NoPivot, NoNewKeyring: o.NoNewKeyring, KeepFds: 3 + len(extra),
		ConsoleFd: consoleFd, StartFd: startFd, Privileged: os.Geteuid() == 0, TreeFdBase: l.TreeFdBase(),
	}
	if err := cr.fillInput(in); err != nil {
		return nil, err
	}
	p, err := plan.Build(in)
	if err != nil {
		return nil, err
	}
	cr.warnings = append(cr.warnings, p.Warnings...)
	if l.Trees, err = openTrees(p.Trees); err != nil {
		return nil, err
	}
	cr.trees = l.Trees
	l.Bootstrap = p.Msgs
	cr.idMaps(l)
	l.OnInit = cr.cgroups.join
	if cr.sd != nil {
		l.OnInit = cr.startScope
	}
	l.OnChild = cr.onChild
	l.OnHooks = cr.runCreateHooks
	l.OnSeccompFd = cr.sendSeccompFd
	return l, nil
}

// sendSeccompFd passes the init's notify fd (filter loaded before Ready,
// without no_new_privs) to the seccomp agent, with the status "creating".
func (cr *creation) sendSeccompFd(pid int, fd *os.File) error {
	return cr.agent.send(fd, pid, cr.state.SpecState(Creating))
}

// onChild applies what the parent sets on the container's init from the
// outside: linux.netDevices, oom_score_adj.
func (cr *creation) onChild(pid int) error {
	cr.pid = pid
	_, start, err := procStat(pid)
	if err != nil {
		return fmt.Errorf("read init start time: %w", err)
	}
	cr.state.Pid, cr.state.PidStartTime = pid, start
	if err := cr.h.writeState(cr.state); err != nil {
		return err
	}
	if err := moveNetDevices(cr.bundle.Spec, pid, start); err != nil {
		return err
	}
	if adj := cr.bundle.Spec.Process.OOMScoreAdj; adj != nil {
		f := "/proc/" + strconv.Itoa(pid) + "/oom_score_adj"
		if err := os.WriteFile(f, []byte(strconv.Itoa(*adj)), 0); err != nil {
			return fmt.Errorf("set oom_score_adj: %w", err)
		}
	}
	return nil
}

// runCreateHooks runs prestart and createRuntime hooks and returns the
// state JSON for the hooks rt-init runs.
func (cr *creation) runCreateHooks(pid int) ([]byte, error) {
	cr.state.Pid = pid
	// runtime-tools expects "created" here (crun too; runc says "creating").
	st := cr.state.SpecState(Created)
	h := cr.bundle.Spec.Hooks
	if h == nil { // the round trip can be for netDevices alone
		h = &specs.Hooks{}
	}
	if err := runHooks("prestart", h.Prestart, st); err != nil {
		return nil, err
	}
	if err := runHooks("createRuntime", h.CreateRuntime, st); err != nil {
		return nil, err
	}
	return json.Marshal(st)
}
