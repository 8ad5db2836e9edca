package main

import (
	"encoding/json"
	"os"

	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/libcontainer"
)

var stateCommand = cli.Command{
	Name:      "state",
	Usage:     "output the state of a container",
	ArgsUsage: "<container-id>",
	Action: func(ctx *cli.Context) error {
		c, err := peek(ctx)
		if err != nil {
			return err
		}
		defer c.Close()
		return printJSON(c.Output())
	},
}

// load opens the container named by the first argument.
func load(ctx *cli.Context) (*libcontainer.Container, error) {
	st, id, err := storeAndID(ctx)
	if err != nil {
		return nil, err
	}
	return st.Load(id)
}

// peek opens the container named by the first argument without its lock.
func peek(ctx *cli.Context) (*libcontainer.Container, error) {
	st, id, err := storeAndID(ctx)
	if err != nil {
		return nil, err
	}
	return st.Peek(id)
}

// storeAndID returns the state root and the container id argument.
func storeAndID(ctx *cli.Context) (*libcontainer.Store, string, error) {
	id, err := idArg(ctx)
	if err != nil {
		return nil, "", err
	}
	st, err := store(ctx)
	return st, id, err
}

func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
