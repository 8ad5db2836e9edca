// Command rt is an OCI container runtime, a drop-in replacement for runc:
// it runs containers from OCI bundles through create, start, state, kill
// and delete. Each verb lives in its own file and makes one libcontainer call.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/libcontainer"
)

// Set by the Makefile.
var (
	version   = "0.1.0-dev"
	gitCommit = "unknown"
)

func main() {
	libcontainer.SealInheritedFds()
	app := cli.NewApp()
	app.Name = "rt"
	app.Usage = "an OCI container runtime (runc compatible)"
	app.Version = version
	cli.VersionPrinter = func(*cli.Context) {
		fmt.Printf("rt version %s\ncommit: %s\nspec: %s\n", version, gitCommit, specs.Version)
	}
	app.Flags = []cli.Flag{
		cli.StringFlag{Name: "root", Value: "/run/rt", Usage: "root directory for storage of container state (default for an unprivileged user: $XDG_RUNTIME_DIR/rt)"},
		cli.StringFlag{Name: "log", Usage: "append the log to this file (default: stderr)"},
		cli.StringFlag{Name: "log-format", Value: "text", Usage: "log format: text or json"},
		cli.BoolFlag{Name: "debug", Usage: "enable debug logging"},
		cli.BoolFlag{Name: "systemd-cgroup", Usage: "enable systemd cgroup support, expects cgroupsPath to be of form \"slice:prefix:name\" for e.g. \"system.slice:rt:434234\""},
		cli.StringFlag{Name: "rootless", Value: "auto", Usage: "ignore cgroup permission errors: true, false or auto (an unprivileged rt)"},
	}
	app.Commands = []cli.Command{
		createCommand, startCommand, runCommand, stateCommand, killCommand,
		deleteCommand, listCommand, specCommand, featuresCommand, pauseCommand, resumeCommand,
		psCommand, eventsCommand, updateCommand, execCommand,
	}
	app.Before = setupLogging
	cli.ErrWriter = os.Stderr
	if err := app.Run(os.Args); err != nil {
		fatal(err)
	}
	flushLog()
}

// exitError carries a container's exit status out of `run` and `exec`, or
// with err set, an error to report that exits with code instead of 1.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err != nil {
		return e.err.Error()
	}
	return fmt.Sprintf("exit status %d", e.code)
}

// fatal reports err once, at the top, and exits 1 (or the container's status).
func fatal(err error) {
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			report(ee.err)
		} else {
			flushLog() // the container's own status: rt itself succeeded
		}
		os.Exit(ee.code)
	}
	report(err)
	os.Exit(1)
}

// report logs err: like runc, a log line (text to stderr, or the --log
// file), and with a log file also the bare message on stderr for humans.
func report(err error) {
	dropHeldLog()
	logrus.Error(err)
	if logToFile {
		fmt.Fprintln(os.Stderr, err)
	}
}

// store returns the state root from the global --root flag.
func store(ctx *cli.Context) (*libcontainer.Store, error) {
	var rootless bool
	switch r := ctx.GlobalString("rootless"); r {
	case "auto", "":
		rootless = os.Geteuid() != 0
	case "true", "false":
		rootless = r == "true"
	default:
		return nil, fmt.Errorf("invalid --rootless value %q: want true, false or auto", r)
	}
	return &libcontainer.Store{Root: stateRoot(ctx), Systemd: ctx.GlobalBool("systemd-cgroup"), Rootless: rootless}, nil
}

// stateRoot is --root, or for an unprivileged user without one
// $XDG_RUNTIME_DIR/rt (as runc uses $XDG_RUNTIME_DIR/runc).
func stateRoot(ctx *cli.Context) string {
	if !ctx.GlobalIsSet("root") && os.Geteuid() != 0 {
		if xdg := os.Getenv("XDG_RUNTIME_DIR"); xdg != "" {
			return filepath.Join(xdg, "rt")
		}
	}
	return ctx.GlobalString("root")
}

// idArg returns the single container id argument.
func idArg(ctx *cli.Context) (string, error) {
	if ctx.NArg() < 1 {
		return "", errors.New(`"` + ctx.Command.Name + `" requires a container id`)
	}
	return ctx.Args().First(), nil
}
