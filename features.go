package main

import (
	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/libcontainer"
)

var featuresCommand = cli.Command{
	Name:  "features",
	Usage: "print the features this rt supports (runtime-spec features.md JSON)",
	Action: func(*cli.Context) error {
		return printJSON(libcontainer.Features(map[string]string{
			"io.github.rt-runtime.rt.version": version,
			"io.github.rt-runtime.rt.commit":  gitCommit,
		}))
	},
}
