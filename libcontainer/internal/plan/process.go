package plan

import (
	"fmt"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/libcontainer/internal/protocol"
	"github.com/rt-runtime/rt/spec"
)

// Rlimits maps runtime-spec rlimit names to resource numbers.
var Rlimits = map[string]uint32{
	"RLIMIT_CPU": 0, "RLIMIT_FSIZE": 1, "RLIMIT_DATA": 2, "RLIMIT_STACK": 3, "RLIMIT_CORE": 4,
	"RLIMIT_RSS": 5, "RLIMIT_NPROC": 6, "RLIMIT_NOFILE": 7, "RLIMIT_MEMLOCK": 8, "RLIMIT_AS": 9,
	"RLIMIT_LOCKS": 10, "RLIMIT_SIGPENDING": 11, "RLIMIT_MSGQUEUE": 12, "RLIMIT_NICE": 13,
	"RLIMIT_RTPRIO": 14, "RLIMIT_RTTIME": 15,
}

var schedPolicies = map[specs.LinuxSchedulerPolicy]uint32{
	specs.SchedOther: 0, specs.SchedFIFO: 1, specs.SchedRR: 2, specs.SchedBatch: 3,
	specs.SchedISO: 4, specs.SchedIdle: 5, specs.SchedDeadline: 6,
}

var schedFlags = map[specs.LinuxSchedulerFlag]uint64{
	specs.SchedFlagResetOnFork: 0x1, specs.SchedFlagReclaim: 0x2, specs.SchedFlagDLOverrun: 0x4,
	specs.SchedFlagKeepPolicy: 0x8, specs.SchedFlagKeepParams: 0x10, specs.SchedFlagUtilClampMin: 0x20,
	specs.SchedFlagUtilClampMax: 0x40,
}

var ioClasses = map[specs.IOPriorityClass]uint32{
	specs.IOPRIO_CLASS_RT: 1, specs.IOPRIO_CLASS_BE: 2, specs.IOPRIO_CLASS_IDLE: 3,
}

var personalities = map[specs.LinuxPersonalityDomain]uint64{
	specs.PerLinux: 0x0, specs.PerLinux32: 0x8,
}

func process(in *Input, p *Plan) error {
	s := in.Spec
	if s.Hostname != "" {
		p.add(protocol.New().Str(s.Hostname).Msg(protocol.Hostname))
	}
	if s.Domainname != "" {
		p.add(protocol.New().Str(s.Domainname).Msg(protocol.Domainname))
	}
	if s.Linux != nil {
		for _, k := range sortedKeys(s.Linux.Sysctl) {
			key, err := spec.SysctlPath(k)
			if err != nil {
				return fmt.Errorf("linux.sysctl: %w", err)
			}
			p.add(protocol.New().Str(key).Str(s.Linux.Sysctl[k]).Msg(protocol.Sysctl))
		}
	}
	for _, step := range []func(*Input, *Plan) error{rlimits, personality, scheduler, ioPriority, command, terminal, initHooks} {
		if err := step(in, p); err != nil {
			return err
		}
	}
	return nil
}

func rlimits(in *Input, p *Plan) error {
	for i, r := range in.Spec.Process.Rlimits {
		res, ok := Rlimits[r.Type]
		if !ok {
			return fmt.Errorf("process.rlimits[%d].type: unknown rlimit %q", i, r.Type)
		}
		p.add(protocol.New().U32(res).U64(r.Soft).U64(r.Hard).Msg(protocol.Rlimit))
	}
	return nil
}

func personality(in *Input, p *Plan) error {
	if in.Spec.Linux == nil || in.Spec.Linux.Personality == nil {
		return nil
	}
	v, ok := personalities[in.Spec.Linux.Personality.Domain]
	if !ok {
		return fmt.Errorf("linux.personality.domain: invalid value %q", in.Spec.Linux.Personality.Domain)
	}
	p.add(protocol.New().U64(v).Msg(protocol.Personality))
	return nil
}

func scheduler(in *Input, p *Plan) error {
	sc := in.Spec.Process.Scheduler
	if sc == nil {
		return nil
	}
	pol, ok := schedPolicies[sc.Policy]
	if !ok {
		return fmt.Errorf("process.scheduler.policy: invalid value %q", sc.Policy)
	}
	var flags uint64
	for _, f := range sc.Flags {
		v, ok := schedFlags[f]
		if !ok {
			return fmt.Errorf("process.scheduler.flags: invalid value %q", f)
		}
		flags |= v
	}
	p.add(protocol.New().U32(pol).U32(uint32(sc.Nice)).U32(uint32(sc.Priority)).U64(flags).
		U64(sc.Runtime).U64(sc.Deadline).U64(sc.Period).Msg(protocol.Sched))
	return nil
}

func ioPriority(in *Input, p *Plan) error {
	io := in.Spec.Process.IOPriority
	if io == nil {
		return nil
	}
	c, ok := ioClasses[io.Class]
	if !ok {
		return fmt.Errorf("process.ioPriority.class: invalid value %q", io.Class)
	}
	if io.Priority < 0 || io.Priority > 7 {
		return fmt.Errorf("process.ioPriority.priority: %d is not in 0..7", io.Priority)
	}
	p.add(protocol.New().U32(c).U32(uint32(io.Priority)).Msg(protocol.IOPrio))
	return nil
}

func command(in *Input, p *Plan) error {
	pr := in.Spec.Process
	if len(pr.Args) == 0 {
		return fmt.Errorf("process.args: must not be empty")
	}
	for _, a := range pr.Args {
		p.add(protocol.New().Str(a).Msg(protocol.Arg))
	}
	for _, e := range pr.Env {
		p.add(protocol.New().Str(e).Msg(protocol.Env))
	}
	cwd := pr.Cwd
	if cwd == "" {
		cwd = "/"
	}
	p.add(protocol.New().Str(cwd).Msg(protocol.Cwd))
	return nil
}

func terminal(in *Input, p *Plan) error {
	pr := in.Spec.Process
	if !pr.Terminal {
		return nil
	}
	if in.ConsoleFd < 0 {
		return fmt.Errorf("process.terminal: no console socket to send the terminal to")
	}
	var rows, cols uint32
	if pr.ConsoleSize != nil {
		rows, cols = uint32(pr.ConsoleSize.Height), uint32(pr.ConsoleSize.Width)
	}
	p.add(protocol.New().U32(uint32(in.ConsoleFd)).U32(rows).U32(cols).Msg(protocol.Terminal))
	return nil
}

func initHooks(in *Input, p *Plan) error {
	h := in.Spec.Hooks
	if h == nil {
		return nil
	}
	for phase, list := range [][]specs.Hook{protocol.HookCreateCtr: h.CreateContainer, protocol.HookStartCtr: h.StartContainer} {
		for _, hk := range list {
			timeout := uint32(0)
			if hk.Timeout != nil {
				if *hk.Timeout <= 0 {
					return fmt.Errorf("hooks: timeout of %s must be positive", hk.Path)
				}
				timeout = uint32(*hk.Timeout)
			}
			p.add(protocol.New().U32(uint32(phase)).Str(hk.Path).U32(timeout).
				Str(strings.Join(hk.Args, "\x00")).Str(strings.Join(hk.Env, "\x00")).Msg(protocol.Hook))
		}
	}
	return nil
}
