package main

import "github.com/urfave/cli"

var pauseCommand = cli.Command{
	Name:      "pause",
	Usage:     "suspend every process in a container (cgroup freezer)",
	ArgsUsage: "<container-id>",
	Action: func(ctx *cli.Context) error {
		c, err := load(ctx)
		if err != nil {
			return err
		}
		defer c.Close()
		return c.Pause()
	},
}
