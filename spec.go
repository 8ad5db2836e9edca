package main

import (
	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/spec"
)

var specCommand = cli.Command{
	Name:  "spec",
	Usage: "write a default config.json to the bundle directory",
	Flags: []cli.Flag{
		cli.StringFlag{Name: "bundle, b", Value: ".", Usage: "the bundle directory"},
		cli.BoolFlag{Name: "rootless", Usage: "a config for a container run by an unprivileged user"},
	},
	Action: func(ctx *cli.Context) error {
		return spec.WriteExample(ctx.String("bundle"), ctx.Bool("rootless"))
	},
}
