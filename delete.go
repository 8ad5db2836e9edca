package main

import (
	"errors"

	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/libcontainer"
)

var deleteCommand = cli.Command{
	Name:      "delete",
	Usage:     "delete a container and everything it holds",
	ArgsUsage: "<container-id>",
	Flags: []cli.Flag{
		cli.BoolFlag{Name: "force, f", Usage: "kill the container first if it is still running (SIGKILL)"},
	},
	Action: func(ctx *cli.Context) error {
		force := ctx.Bool("force")
		c, err := load(ctx)
		if errors.Is(err, libcontainer.ErrNotExist) {
			// A create that died before writing state.json leaves only a
			// directory: remove it. "Does not exist" is success with --force.
			if st, serr := store(ctx); serr == nil {
				_ = st.RemoveStale(ctx.Args().First())
			}
			if force {
				return nil
			}
		}
		if err != nil {
			return err
		}
		defer c.Close()
		return c.Delete(force)
	},
}
