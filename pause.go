package main

import (
	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/libcontainer"
)

var pauseCommand = cli.Command{
	Name:      "pause",
	Usage:     "suspend every process in a container (cgroup freezer)",
	ArgsUsage: "<container-id>",
	Action:    onLocked((*libcontainer.Container).Pause),
}

// onLocked is the action of a verb that makes one call on a container held
// under its lock.
func onLocked(call func(*libcontainer.Container) error) cli.ActionFunc {
	return func(ctx *cli.Context) error {
		c, err := load(ctx)
		if err != nil {
			return err
		}
		defer c.Close()
		return call(c)
	}
}
