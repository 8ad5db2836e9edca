package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/libcontainer"
)

// event is one line of `events`, as runc prints it.
type event struct {
	Type string              `json:"type"`
	ID   string              `json:"id"`
	Data *libcontainer.Stats `json:"data,omitempty"`
}

var eventsCommand = cli.Command{
	Name:      "events",
	Usage:     "print a container's resource usage and OOM events",
	ArgsUsage: "<container-id>",
	Flags: []cli.Flag{
		cli.BoolFlag{Name: "stats", Usage: "print the statistics once and exit"},
		cli.DurationFlag{Name: "interval", Value: 5 * time.Second, Usage: "interval between two statistics"},
	},
	Action: func(ctx *cli.Context) error {
		interval := ctx.Duration("interval")
		if interval <= 0 {
			return fmt.Errorf("invalid --interval %s: must be positive", interval)
		}
		c, err := peek(ctx)
		if err != nil {
			return err
		}
		defer c.Close()
		if c.Status() == libcontainer.Stopped {
			return libcontainer.ErrNotRunning
		}
		enc := json.NewEncoder(os.Stdout)
		stats := func() error {
			s, err := c.Stats()
			if err != nil {
				return err
			}
			return enc.Encode(event{Type: "stats", ID: c.ID(), Data: s})
		}
		if ctx.Bool("stats") {
			return stats()
		}
		exited, err := c.Exited()
		if err != nil {
			return err
		}
		oom, err := c.NotifyOOM()
		if err != nil {
			logrus.Warnf("events: %v", err)
		}
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-exited:
				// An OOM kill of the init ends it at the same time as
				// the OOM event arrives: report the event still.
				return drainOOM(enc, c.ID(), oom)
			case _, ok := <-oom:
				if !ok {
					oom = nil // the memory cgroup is gone: stop watching it
					continue
				}
				if err := enc.Encode(event{Type: "oom", ID: c.ID()}); err != nil {
					return err
				}
			case <-tick.C:
				if err := stats(); err != nil {
					if c.Status() == libcontainer.Stopped {
						return nil
					}
					logrus.Warnf("events: stats: %v", err)
				}
			}
		}
	},
}

// drainOOM prints the OOM events that arrive within a short grace period.
func drainOOM(enc *json.Encoder, id string, oom <-chan struct{}) error {
	if oom == nil {
		return nil
	}
	grace := time.After(200 * time.Millisecond)
	for {
		select {
		case _, ok := <-oom:
			if !ok {
				return nil
			}
			if err := enc.Encode(event{Type: "oom", ID: id}); err != nil {
				return err
			}
		case <-grace:
			return nil
		}
	}
}
