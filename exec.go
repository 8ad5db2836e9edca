package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"github.com/urfave/cli"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libcontainer"
	"github.com/rt-runtime/rt/spec"
)

var execCommand = cli.Command{
	Name:  "exec",
	Usage: "execute a new process inside a running container",
	ArgsUsage: `<container-id> <command> [command options]  || -p process.json <container-id>

Where "<container-id>" is the name of the container and "<command>" the
command to run in it (unless --process gives the whole process).`,
	Flags: []cli.Flag{
		cli.StringFlag{Name: "console-socket", Usage: "path to an AF_UNIX socket that receives the pty master of the process's terminal"},
		cli.StringFlag{Name: "cwd", Usage: "current working directory in the container"},
		cli.StringSliceFlag{Name: "env, e", Usage: "set environment variables (K=V)"},
		cli.BoolFlag{Name: "tty, t", Usage: "allocate a pseudo-TTY"},
		cli.StringFlag{Name: "user, u", Usage: "UID (format: <uid>[:<gid>])"},
		cli.Int64SliceFlag{Name: "additional-gids, g", Usage: "additional gids"},
		cli.StringFlag{Name: "process, p", Usage: "path to the process.json"},
		cli.BoolFlag{Name: "detach, d", Usage: "detach from the container's process"},
		cli.StringFlag{Name: "pid-file", Usage: "file to write the process id to"},
		cli.StringFlag{Name: "process-label", Usage: "set the asm process label for the process commonly used with selinux"},
		cli.StringFlag{Name: "apparmor", Usage: "set the apparmor profile for the process"},
		cli.BoolFlag{Name: "no-new-privs", Usage: "set the no new privileges value for the process"},
		cli.StringSliceFlag{Name: "cap, c", Usage: "add a capability to the bounding set for the process"},
		cli.IntFlag{Name: "preserve-fds", Usage: "pass N additional file descriptors to the process (stdio + N in total)"},
		cli.StringSliceFlag{Name: "cgroup", Usage: "run the process in an (existing) sub-cgroup(s): [controller:]path"},
		cli.BoolFlag{Name: "ignore-paused", Usage: "allow exec in a paused container"},
	},
	SkipArgReorder: true,
	Action:         execAction,
}

// execFailed is runc's exit status when exec itself fails (as opposed to
// the process's own status): engines tell the two apart by it.
const execFailed = 255

func execAction(ctx *cli.Context) error {
	if ctx.NArg() < 1 {
		return errors.New(`"exec" requires a container id`)
	}
	if err := execContainer(ctx); err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			return err
		}
		return &exitError{code: execFailed, err: err}
	}
	return nil
}

func execContainer(ctx *cli.Context) error {
	c, err := peek(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	p, err := execProcess(ctx, c)
	if err != nil {
		return err
	}
	detach, sock := ctx.Bool("detach"), ctx.String("console-socket")
	if p.Terminal && detach && sock == "" {
		return errors.New("cannot allocate tty if rt will detach without setting console socket")
	}
	if (!p.Terminal || !detach) && sock != "" {
		return errors.New("cannot use console socket if rt will not detach or allocate tty")
	}
	cgroup, err := parseCgroupFlag(ctx.StringSlice("cgroup"))
	if err != nil {
		return err
	}
	opts := &libcontainer.ExecOpts{Process: p, PreserveFds: ctx.Int("preserve-fds"),
		IgnorePaused: ctx.Bool("ignore-paused"), Cgroup: cgroup}
	return execRun(ctx, c, opts, detach)
}

// execRun starts the process and, unless detached, relays signals and the
// terminal to it and exits with its status.
func execRun(ctx *cli.Context, c *libcontainer.Container, opts *libcontainer.ExecOpts, detach bool) error {
	var relay *ttyRelay
	if opts.Process.Terminal {
		if detach {
			sock, err := dialConsole(ctx.String("console-socket"))
			if err != nil {
				return err
			}
			defer sock.Close()
			opts.ConsoleSocket = sock
		} else {
			var err error
			if relay, err = newTTYRelay(); err != nil {
				return err
			}
			defer relay.close()
			opts.ConsoleSocket = relay.socket()
		}
	}
	sigs := make(chan os.Signal, 128)
	if !detach {
		signal.Notify(sigs)
	}
	pid, err := c.Exec(opts)
	if err != nil {
		return err
	}
	if relay != nil {
		if err := relay.attach(); err != nil {
			_ = unix.Kill(pid, unix.SIGKILL)
			return err
		}
	}
	if f := ctx.String("pid-file"); f != "" {
		if err := writePidFile(f, pid); err != nil {
			_ = unix.Kill(pid, unix.SIGKILL)
			return err
		}
	}
	if detach {
		return nil
	}
	return &exitError{code: forwardAndWait(pid, sigs, relay)}
}

// writePidFile writes pid to path through a temporary file and a rename, so
// a reader never sees a partial file.
func writePidFile(path string, pid int) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(pid)), 0o644); err != nil {
		return fmt.Errorf("pid file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("pid file: %w", err)
	}
	return nil
}

// execProcess returns the process to exec: the --process file, or the
// container's own process with the command line and the flags applied
// (as runc does).
func execProcess(ctx *cli.Context, c *libcontainer.Container) (*specs.Process, error) {
	var p *specs.Process
	if path := ctx.String("process"); path != "" {
		var err error
		if p, err = spec.LoadProcess(path); err != nil {
			return nil, err
		}
	} else {
		s, err := c.Spec()
		if err != nil {
			return nil, err
		}
		if s.Process == nil {
			return nil, errors.New("the container's config has no process")
		}
		p = s.Process
		p.Args = ctx.Args().Tail()
		if err := applyExecFlags(ctx, p); err != nil {
			return nil, err
		}
	}
	if len(p.Args) == 0 {
		return nil, errors.New("exec: no command given (args must not be empty)")
	}
	warnings, err := spec.ValidateProcess(p)
	for _, w := range warnings {
		logrus.Warn(w)
	}
	return p, err
}

// applyExecFlags applies exec's flags to the config's process.
func applyExecFlags(ctx *cli.Context, p *specs.Process) error {
	if v := ctx.String("cwd"); v != "" {
		p.Cwd = v
	}
	if v := ctx.String("apparmor"); v != "" {
		p.ApparmorProfile = v
	}
	if v := ctx.String("process-label"); v != "" {
		p.SelinuxLabel = v
	}
	if caps := ctx.StringSlice("cap"); len(caps) > 0 {
		if p.Capabilities == nil {
			p.Capabilities = &specs.LinuxCapabilities{}
		}
		pc := p.Capabilities
		for _, c := range caps {
			pc.Bounding = append(pc.Bounding, c)
			pc.Effective = append(pc.Effective, c)
			pc.Permitted = append(pc.Permitted, c)
			// Ambient needs inheritable, which --cap does not add: only
			// when the config already has inheritable caps (as runc).
			if pc.Inheritable != nil {
				pc.Ambient = append(pc.Ambient, c)
			}
		}
	}
	p.Env = append(p.Env, ctx.StringSlice("env")...)
	p.Terminal = ctx.Bool("tty")
	if ctx.IsSet("no-new-privs") {
		p.NoNewPrivileges = ctx.Bool("no-new-privs")
	}
	if u := ctx.String("user"); u != "" {
		uid, gid, err := parseUser(u)
		if err != nil {
			return err
		}
		p.User.UID, p.User.GID = uid, gid
	}
	for _, g := range ctx.Int64Slice("additional-gids") {
		if g < 0 || g > 1<<32-1 {
			return fmt.Errorf("--additional-gids: %d out of range", g)
		}
		// urfave/cli repeats a slice flag's values when given by its long
		// name: each gid once.
		if !slices.Contains(p.User.AdditionalGids, uint32(g)) {
			p.User.AdditionalGids = append(p.User.AdditionalGids, uint32(g))
		}
	}
	return nil
}

// parseUser parses --user uid[:gid] (numeric; gid defaults to 0 as runc).
func parseUser(s string) (uid, gid uint32, err error) {
	us, gs, hasGid := strings.Cut(s, ":")
	u, err := strconv.ParseUint(us, 10, 32)
	if err != nil {
		return 0, 0, fmt.Errorf("parsing %s as int for uid failed: %w", us, err)
	}
	if hasGid {
		g, err := strconv.ParseUint(gs, 10, 32)
		if err != nil {
			return 0, 0, fmt.Errorf("parsing %s as int for gid failed: %w", gs, err)
		}
		gid = uint32(g)
	}
	return uint32(u), gid, nil
}

// parseCgroupFlag parses --cgroup values: "path" (every hierarchy) or
// "controller:path"; a plain path may be given once only.
func parseCgroupFlag(vals []string) (map[string]string, error) {
	if len(vals) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, v := range vals {
		ctrl, path, ok := strings.Cut(v, ":")
		if !ok {
			ctrl, path = "", v
		}
		if path == "" {
			return nil, fmt.Errorf("invalid --cgroup argument: %s", v)
		}
		if _, dup := out[ctrl]; dup {
			return nil, fmt.Errorf("invalid --cgroup argument: %s (duplicate)", v)
		}
		for _, c := range strings.Split(ctrl, ",") {
			out[c] = path
		}
	}
	return out, nil
}
