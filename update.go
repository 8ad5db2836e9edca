package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/urfave/cli"
)

var updateCommand = cli.Command{
	Name:  "update",
	Usage: "update a running container's resource limits",
	ArgsUsage: `<container-id>

The new limits are merged into the container's current ones: --resources
(a LinuxResources JSON object, from a file or "-" for stdin) first, then
the flags. Sizes take a unit suffix (k, m, g, t); -1 means unlimited.`,
	Flags: []cli.Flag{
		cli.StringFlag{Name: "resources, r", Usage: `LinuxResources JSON file, or "-" for stdin`},
		cli.StringFlag{Name: "blkio-weight", Usage: "block IO weight, 10 to 1000"},
		cli.StringFlag{Name: "cpu-period", Usage: "CPU CFS period in microseconds"},
		cli.StringFlag{Name: "cpu-quota", Usage: "CPU CFS quota in microseconds per period"},
		cli.StringFlag{Name: "cpu-burst", Usage: "CPU CFS burst in microseconds"},
		cli.StringFlag{Name: "cpu-share", Usage: "CPU shares (relative weight)"},
		cli.StringFlag{Name: "cpu-shares", Usage: "alias of --cpu-share"},
		cli.StringFlag{Name: "cpu-rt-period", Usage: "CPU realtime period in microseconds"},
		cli.StringFlag{Name: "cpu-rt-runtime", Usage: "CPU realtime runtime in microseconds"},
		cli.StringFlag{Name: "cpu-idle", Usage: "SCHED_IDLE for the cgroup: 0 or 1"},
		cli.StringFlag{Name: "cpuset-cpus", Usage: "CPUs allowed (e.g. 0-3,5)"},
		cli.StringFlag{Name: "cpuset-mems", Usage: "memory nodes allowed (e.g. 0-1)"},
		cli.StringFlag{Name: "memory", Usage: "memory limit (bytes, or with a unit)"},
		cli.StringFlag{Name: "memory-reservation", Usage: "memory soft limit"},
		cli.StringFlag{Name: "memory-swap", Usage: "memory plus swap limit"},
		cli.StringFlag{Name: "kernel-memory", Usage: "kernel memory limit (deprecated, ignored by recent kernels)"},
		cli.StringFlag{Name: "kernel-memory-tcp", Usage: "kernel TCP buffer limit (deprecated)"},
		cli.StringFlag{Name: "pids-limit", Usage: "maximum number of processes (-1 or 0: unlimited)"},
		cli.StringFlag{Name: "l3-cache-schema", Usage: "Intel RDT L3 schema (not supported)"},
		cli.StringFlag{Name: "mem-bw-schema", Usage: "Intel RDT memory bandwidth schema (not supported)"},
	},
	Action: func(ctx *cli.Context) error {
		for _, f := range []string{"l3-cache-schema", "mem-bw-schema"} {
			if ctx.IsSet(f) {
				return fmt.Errorf("--%s: Intel RDT is not supported", f)
			}
		}
		c, err := load(ctx)
		if err != nil {
			return err
		}
		defer c.Close()
		r, err := mergeResources(ctx, c.State.Resources)
		if err != nil {
			return err
		}
		return c.Update(r)
	},
}

// mergeResources returns a copy of cur with --resources and the flags
// applied. JSON decodes into the copy, so that objects merge field by
// field (lists are replaced).
func mergeResources(ctx *cli.Context, cur *specs.LinuxResources) (*specs.LinuxResources, error) {
	r := &specs.LinuxResources{}
	if cur != nil {
		b, err := json.Marshal(cur)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(b, r); err != nil {
			return nil, err
		}
	}
	if in := ctx.String("resources"); in != "" {
		var data []byte
		var err error
		if in == "-" {
			data, err = io.ReadAll(os.Stdin)
		} else {
			data, err = os.ReadFile(in)
		}
		if err != nil {
			return nil, fmt.Errorf("--resources: %w", err)
		}
		if err := json.Unmarshal(data, r); err != nil {
			return nil, fmt.Errorf("--resources: decode LinuxResources: %w", err)
		}
	}
	return r, applyUpdateFlags(ctx, r)
}

func applyUpdateFlags(ctx *cli.Context, r *specs.LinuxResources) error {
	mem := func() *specs.LinuxMemory {
		if r.Memory == nil {
			r.Memory = &specs.LinuxMemory{}
		}
		return r.Memory
	}
	cpu := func() *specs.LinuxCPU {
		if r.CPU == nil {
			r.CPU = &specs.LinuxCPU{}
		}
		return r.CPU
	}
	for _, f := range []struct {
		name string
		set  func(string) error
	}{
		{"blkio-weight", func(v string) error {
			n, err := strconv.ParseUint(v, 10, 16)
			if err != nil {
				return err
			}
			if r.BlockIO == nil {
				r.BlockIO = &specs.LinuxBlockIO{}
			}
			w := uint16(n)
			r.BlockIO.Weight = &w
			return nil
		}},
		{"cpu-period", uintFlag(func(v uint64) { cpu().Period = &v })},
		{"cpu-quota", intFlag(func(v int64) { cpu().Quota = &v })},
		{"cpu-burst", uintFlag(func(v uint64) { cpu().Burst = &v })},
		{"cpu-share", uintFlag(func(v uint64) { cpu().Shares = &v })},
		{"cpu-shares", uintFlag(func(v uint64) { cpu().Shares = &v })},
		{"cpu-rt-period", uintFlag(func(v uint64) { cpu().RealtimePeriod = &v })},
		{"cpu-rt-runtime", intFlag(func(v int64) { cpu().RealtimeRuntime = &v })},
		{"cpu-idle", intFlag(func(v int64) { cpu().Idle = &v })},
		{"cpuset-cpus", func(v string) error { cpu().Cpus = v; return nil }},
		{"cpuset-mems", func(v string) error { cpu().Mems = v; return nil }},
		{"memory", bytesFlag(func(v int64) { mem().Limit = &v })},
		{"memory-reservation", bytesFlag(func(v int64) { mem().Reservation = &v })},
		{"memory-swap", bytesFlag(func(v int64) { mem().Swap = &v })},
		{"kernel-memory", bytesFlag(func(v int64) { mem().Kernel = &v })}, //nolint:staticcheck // runc's flag
		{"kernel-memory-tcp", bytesFlag(func(v int64) { mem().KernelTCP = &v })},
		{"pids-limit", intFlag(func(v int64) {
			if r.Pids == nil {
				r.Pids = &specs.LinuxPids{}
			}
			r.Pids.Limit = &v
		})},
	} {
		if !ctx.IsSet(f.name) {
			continue
		}
		if err := f.set(ctx.String(f.name)); err != nil {
			return fmt.Errorf("invalid value for --%s: %w", f.name, err)
		}
	}
	return nil
}

func uintFlag(set func(uint64)) func(string) error {
	return func(s string) error {
		v, err := strconv.ParseUint(s, 10, 64)
		if err == nil {
			set(v)
		}
		return err
	}
}

func intFlag(set func(int64)) func(string) error {
	return func(s string) error {
		v, err := strconv.ParseInt(s, 10, 64)
		if err == nil {
			set(v)
		}
		return err
	}
}

func bytesFlag(set func(int64)) func(string) error {
	return func(s string) error {
		v, err := parseBytes(s)
		if err == nil {
			set(v)
		}
		return err
	}
}

// parseBytes reads a size as runc does (docker/go-units RAMInBytes): a
// number with an optional binary unit k, m, g, t, p (with or without "b"
// or "ib", any case); "-1" is unlimited.
func parseBytes(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "-1" {
		return -1, nil
	}
	t = strings.TrimSuffix(strings.TrimSuffix(t, "ib"), "b")
	mult := int64(1)
	if n := len(t); n > 0 {
		if i := strings.IndexByte("kmgtp", t[n-1]); i >= 0 {
			mult = int64(1) << (10 * (i + 1))
			t = t[:n-1]
		}
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	return int64(f * float64(mult)), nil
}
