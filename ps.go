package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/urfave/cli"
)

var psCommand = cli.Command{
	Name:      "ps",
	Usage:     "list the processes of a container (host pids)",
	ArgsUsage: "<container-id> [ps options]",
	Flags: []cli.Flag{
		cli.StringFlag{Name: "format, f", Value: "table", Usage: "table (ps output) or json (an array of pids)"},
	},
	SkipArgReorder: true,
	Action: func(ctx *cli.Context) error {
		c, err := peek(ctx)
		if err != nil {
			return err
		}
		defer c.Close()
		pids, err := c.Processes()
		if err != nil {
			return err
		}
		switch ctx.String("format") {
		case "json":
			if ctx.NArg() > 1 {
				return errors.New("ps options cannot be used with the json format")
			}
			if pids == nil {
				pids = []int{}
			}
			return json.NewEncoder(os.Stdout).Encode(pids)
		case "table":
		default:
			return fmt.Errorf("invalid format option %q", ctx.String("format"))
		}
		psArgs := []string(ctx.Args().Tail())
		if len(psArgs) == 0 {
			psArgs = []string{"-ef"}
		}
		out, err := exec.Command("ps", psArgs...).Output()
		if err != nil {
			return fmt.Errorf("ps %s: %w", strings.Join(psArgs, " "), err)
		}
		return filterPs(os.Stdout, string(out), pids)
	},
}

// filterPs keeps ps's header and the lines whose PID column is one of pids.
func filterPs(w io.Writer, out string, pids []int) error {
	lines := strings.Split(out, "\n")
	col := -1
	for i, name := range strings.Fields(lines[0]) {
		if name == "PID" {
			col = i
			break
		}
	}
	if col < 0 {
		return errors.New("ps: no PID column in the output")
	}
	want := map[int]bool{}
	for _, p := range pids {
		want[p] = true
	}
	fmt.Fprintln(w, lines[0])
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) <= col {
			continue
		}
		if p, err := strconv.Atoi(f[col]); err == nil && want[p] {
			fmt.Fprintln(w, l)
		}
	}
	return nil
}
