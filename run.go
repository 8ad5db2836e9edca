package main

import (
	"errors"
	"os"
	"os/signal"

	"github.com/sirupsen/logrus"
	"github.com/urfave/cli"
	"golang.org/x/sys/unix"
)

var runCommand = cli.Command{
	Name:      "run",
	Usage:     "create and start a container, and wait for it unless detached",
	ArgsUsage: "<container-id>",
	Flags: append(append([]cli.Flag{}, createFlags...),
		cli.BoolFlag{Name: "detach, d", Usage: "detach from the container's process"},
		cli.BoolFlag{Name: "keep", Usage: "do not delete the container after it exits"},
		cli.BoolFlag{Name: "no-subreaper", Usage: "do not make rt a child subreaper"},
	),
	Action: run,
}

func run(ctx *cli.Context) error {
	detach := ctx.Bool("detach")
	if !detach && !ctx.Bool("no-subreaper") {
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
			return err
		}
	}
	var relay *ttyRelay
	if !detach && ctx.String("console-socket") == "" {
		var err error
		if relay, err = newTTYRelay(); err != nil {
			return err
		}
		defer relay.close()
	}
	// Catch signals before the container starts, so none is lost.
	sigs := make(chan os.Signal, 128)
	if !detach {
		signal.Notify(sigs)
	}
	c, err := create(ctx, relay.socket())
	if err != nil {
		return err
	}
	pid := c.State.Pid
	// The terminal is attached (and sized) before start, so the process
	// never sees a 0x0 terminal.
	if relay != nil && c.State.Terminal {
		if err := relay.attach(); err != nil {
			_ = c.Delete(true)
			c.Close()
			return err
		}
	}
	proxy, err := c.StartNotify()
	if err != nil {
		relay.restore()
		_ = c.Delete(true)
		c.Close()
		return err
	}
	c.Close()
	if err := proxy.Wait(); err != nil {
		logrus.Warn(err)
	}
	if detach {
		return nil
	}
	code := forwardAndWait(pid, sigs, relay)
	if !ctx.Bool("keep") {
		if c, err := load(ctx); err == nil {
			_ = c.Delete(true)
			c.Close()
		}
	}
	return &exitError{code: code}
}

// forwardAndWait forwards every signal rt receives to the container's init
// until it exits, and returns its exit status (128+signal when killed).
func forwardAndWait(pid int, sigs chan os.Signal, relay *ttyRelay) int {
	done := make(chan unix.WaitStatus, 1)
	go func() {
		var ws unix.WaitStatus
		for {
			_, err := unix.Wait4(pid, &ws, 0, nil)
			if !errors.Is(err, unix.EINTR) {
				break
			}
		}
		done <- ws
	}()
	for {
		select {
		case ws := <-done:
			signal.Stop(sigs)
			relay.finish()
			if ws.Signaled() {
				return 128 + int(ws.Signal())
			}
			return ws.ExitStatus()
		case s := <-sigs:
			sig := s.(unix.Signal)
			switch sig {
			case unix.SIGCHLD, unix.SIGURG, unix.SIGPIPE:
			case unix.SIGWINCH:
				relay.resize()
			default:
				_ = unix.Kill(pid, sig)
			}
		}
	}
}
