package main

import "github.com/urfave/cli"

var resumeCommand = cli.Command{
	Name:      "resume",
	Usage:     "resume every process of a paused container",
	ArgsUsage: "<container-id>",
	Action: func(ctx *cli.Context) error {
		c, err := load(ctx)
		if err != nil {
			return err
		}
		defer c.Close()
		return c.Resume()
	},
}
