package main

import (
	"errors"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/libcontainer"
)

var listCommand = cli.Command{
	Name:  "list",
	Usage: "list the containers in the state root",
	Flags: []cli.Flag{
		cli.StringFlag{Name: "format, f", Value: "table", Usage: "table or json"},
		cli.BoolFlag{Name: "quiet, q", Usage: "print only the ids"},
	},
	Action: func(ctx *cli.Context) error {
		st, err := store(ctx)
		if err != nil {
			return err
		}
		out, err := listStates(st)
		if err != nil {
			return err
		}
		switch {
		case ctx.Bool("quiet"):
			for _, o := range out {
				fmt.Println(o.ID)
			}
			return nil
		case ctx.String("format") == "json":
			if out == nil {
				out = []libcontainer.Output{}
			}
			return printJSON(out)
		case ctx.String("format") == "table":
			return printTable(out)
		}
		return fmt.Errorf("invalid format option %q", ctx.String("format"))
	},
}

func listStates(st *libcontainer.Store) ([]libcontainer.Output, error) {
	ids, err := st.IDs()
	if err != nil {
		return nil, err
	}
	var out []libcontainer.Output
	for _, id := range ids {
		c, err := st.Peek(id)
		if errors.Is(err, libcontainer.ErrNotExist) {
			continue // being created, or a leftover of a failed create
		}
		if err != nil {
			return nil, err
		}
		out = append(out, c.Output())
		c.Close()
	}
	return out, nil
}

func printTable(out []libcontainer.Output) error {
	w := tabwriter.NewWriter(os.Stdout, 12, 1, 3, ' ', 0)
	fmt.Fprint(w, "ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER\n")
	for _, o := range out {
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\n", o.ID, o.Pid, o.Status, o.Bundle,
			o.Created.Format(time.RFC3339Nano), o.Owner)
	}
	return w.Flush()
}
