package main

import (
	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/libcontainer"
)

var startCommand = cli.Command{
	Name:      "start",
	Usage:     "start the user process of a created container",
	ArgsUsage: "<container-id>",
	Action:    onLocked((*libcontainer.Container).Start),
}
