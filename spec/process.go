package spec

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// procCheck validates one process object; base is its JSON path ("process"
// in config.json, "" in an exec process.json).
type procCheck struct {
	base     string
	p        *specs.Process
	warnings []string
}

func checkProcess(base string, p *specs.Process) ([]string, error) {
	c := &procCheck{base: base, p: p}
	checks := []func() error{
		c.args, c.cwd, c.env, c.console, c.user, c.rlimits, c.caps,
		c.oomScoreAdj, c.ioPriority, c.scheduler, c.cpuAffinity, c.labels,
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return c.warnings, err
		}
	}
	return c.warnings, nil
}

func (c *procCheck) path(field string) string { return join(c.base, field) }

func (c *procCheck) args() error {
	if len(c.p.Args) == 0 {
		return fieldErr(c.path("args"), "args must not be empty")
	}
	if c.p.Args[0] == "" {
		return fieldErr(idx(c.path("args"), 0), "must not be empty")
	}
	return checkNULs(c.path("args"), c.p.Args)
}

// cwd uses runc's texts.
func (c *procCheck) cwd() error {
	p := c.path("cwd")
	if c.p.Cwd == "" {
		return fieldErr(p, "Cwd property must not be empty")
	}
	if err := checkNUL(p, c.p.Cwd); err != nil {
		return err
	}
	if !filepath.IsAbs(c.p.Cwd) {
		return fieldErr(p, "Cwd must be an absolute path, not %q", c.p.Cwd)
	}
	return nil
}

func (c *procCheck) env() error { return checkEnv(c.path("env"), c.p.Env) }

// console warns instead of failing: the runtime-spec says runtimes MUST
// ignore consoleSize when terminal is false.
func (c *procCheck) console() error {
	if c.p.ConsoleSize != nil && !c.p.Terminal {
		c.warnings = append(c.warnings, c.path("consoleSize")+": ignored because terminal is false")
	}
	return nil
}

func (c *procCheck) user() error {
	if u := c.p.User.Umask; u != nil && *u > 0o777 {
		return fieldErr(c.path("user.umask"), "%#o is out of range (at most 0777)", *u)
	}
	return nil
}

func (c *procCheck) rlimits() error {
	seen := make(map[string]int, len(c.p.Rlimits))
	for i, r := range c.p.Rlimits {
		p := idx(c.path("rlimits"), i)
		if !rlimitTypes[r.Type] {
			return fieldErr(p+".type", "wrong rlimit value: %q", r.Type)
		}
		if j, dup := seen[r.Type]; dup {
			return fieldErr(p+".type", "duplicated rlimit %q (also %s)", r.Type, idx(c.path("rlimits"), j))
		}
		seen[r.Type] = i
		if r.Soft > r.Hard {
			return fieldErr(p, "soft limit %d is greater than hard limit %d", r.Soft, r.Hard)
		}
	}
	return nil
}

// caps warns about unknown names as runc does, with runc's text: the
// runtime-spec says such capabilities MUST be logged as a warning and SHOULD
// NOT fail the container.
func (c *procCheck) caps() error {
	pc := c.p.Capabilities
	if pc == nil {
		return nil
	}
	sets := []struct {
		name  string
		names []string
	}{
		{"bounding", pc.Bounding}, {"effective", pc.Effective}, {"inheritable", pc.Inheritable},
		{"permitted", pc.Permitted}, {"ambient", pc.Ambient},
	}
	for _, set := range sets {
		var unknown []string
		for _, name := range set.names {
			if _, ok := capabilities[name]; !ok {
				unknown = append(unknown, name)
			}
		}
		if len(unknown) > 0 {
			c.warnings = append(c.warnings, fmt.Sprintf("%s: ignoring unknown or unavailable capabilities: [%s]",
				c.path("capabilities."+set.name), quoteList(unknown)))
		}
	}
	return nil
}

// labels rejects LSM labels that the kernel would truncate at a NUL.
func (c *procCheck) labels() error {
	if err := checkNUL(c.path("apparmorProfile"), c.p.ApparmorProfile); err != nil {
		return err
	}
	return checkNUL(c.path("selinuxLabel"), c.p.SelinuxLabel)
}

func (c *procCheck) oomScoreAdj() error {
	if o := c.p.OOMScoreAdj; o != nil && (*o < -1000 || *o > 1000) {
		return fieldErr(c.path("oomScoreAdj"), "%d is out of range [-1000, 1000]", *o)
	}
	return nil
}

func (c *procCheck) ioPriority() error {
	io := c.p.IOPriority
	if io == nil {
		return nil
	}
	if !ioPriorityClasses[io.Class] {
		return fieldErr(c.path("ioPriority.class"), "unknown class %q", io.Class)
	}
	if io.Priority < 0 || io.Priority > 7 {
		return fieldErr(c.path("ioPriority.priority"), "%d is out of range [0, 7]", io.Priority)
	}
	return nil
}

// scheduler follows sched_setattr(2), with runc's texts where it has them.
func (c *procCheck) scheduler() error {
	s := c.p.Scheduler
	if s == nil {
		return nil
	}
	p := c.path("scheduler")
	switch {
	case s.Policy == "":
		return fieldErr(p+".policy", "scheduler policy is required")
	case !schedPolicies[s.Policy]:
		return fieldErr(p+".policy", "unknown policy %q", s.Policy)
	case s.Nice < -20 || s.Nice > 19:
		return fieldErr(p+".nice", "invalid scheduler.nice: %d", s.Nice)
	case s.Priority != 0 && s.Policy != specs.SchedFIFO && s.Policy != specs.SchedRR:
		return fieldErr(p+".priority", "scheduler.priority can only be specified for SchedFIFO or SchedRR policy")
	case s.Priority < 0 || s.Priority > 99:
		return fieldErr(p+".priority", "%d is out of range [1, 99]", s.Priority)
	case s.Policy != specs.SchedDeadline && (s.Runtime != 0 || s.Deadline != 0 || s.Period != 0):
		return fieldErr(p, "scheduler runtime/deadline/period can only be specified for SchedDeadline policy")
	}
	for i, f := range s.Flags {
		if !schedFlags[f] {
			return fieldErr(idx(p+".flags", i), "unknown flag %q", f)
		}
	}
	return nil
}

func (c *procCheck) cpuAffinity() error {
	a := c.p.ExecCPUAffinity
	if a == nil {
		return nil
	}
	if err := checkCPUList(a.Initial); err != nil {
		return fieldErr(c.path("execCPUAffinity.initial"), "%v", err)
	}
	if err := checkCPUList(a.Final); err != nil {
		return fieldErr(c.path("execCPUAffinity.final"), "%v", err)
	}
	return nil
}

// checkCPUList checks the kernel's list format ("0-3,7,9-11"); "" is allowed.
func checkCPUList(s string) error {
	if s == "" {
		return nil
	}
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, errA := parseSmallUint(lo)
		b, errB := a, error(nil)
		if isRange {
			b, errB = parseSmallUint(hi)
		}
		if errA != nil || errB != nil || b < a {
			return fmt.Errorf("invalid list %q: bad element %q", s, part)
		}
	}
	return nil
}

// parseSmallUint parses a CPU or node number; they are far below 1<<20.
func parseSmallUint(s string) (int, error) {
	if s == "" || len(s) > 7 {
		return 0, fmt.Errorf("bad number %q", s)
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("bad number %q", s)
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, nil
}

// quoteList joins names with spaces as runc prints them ("[CAP_A CAP_B]"),
// quoting only names that are not plain identifiers, so that a hostile name
// cannot put a newline or a fake entry into the log.
func quoteList(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n
		if n == "" || strings.IndexFunc(n, notIdentRune) >= 0 {
			out[i] = strconv.Quote(n)
		}
	}
	return strings.Join(out, " ")
}

func notIdentRune(r rune) bool {
	return !(r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
}
