package main

import (
	"github.com/urfave/cli"
)

var startCommand = cli.Command{
	Name:      "start",
	Usage:     "start the user process of a created container",
	ArgsUsage: "<container-id>",
	Action: func(ctx *cli.Context) error {
		c, err := load(ctx)
		if err != nil {
			return err
		}
		proxy, err := c.StartNotify()
		c.Close() // waiting for READY=1 must not keep the container locked
		if err != nil {
			return err
		}
		return proxy.Wait()
	},
}
