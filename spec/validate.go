package spec

import (
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ValidateOptions tunes Validate to the way the container will be run.
type ValidateOptions struct {
	// Rootless adds the checks for a runtime without root privileges (euid
	// != 0 or --rootless): a user namespace with mappings is required, and
	// mount uid=/gid= options must name mapped ids.
	Rootless bool
	// ProcessOptional accepts a config without "process". The runtime-spec
	// makes process optional until start; create and run need it, so the
	// default is to require it.
	ProcessOptional bool
	// HostNetNS, when set, reports whether a network namespace path to be
	// joined is the runtime's own network namespace, in which net.* sysctls
	// are refused as they are without a network namespace. Validate itself
	// never touches the filesystem; without HostNetNS a joined network
	// namespace is assumed to be the container's own.
	HostNetNS func(path string) (bool, error)
}

// nsEntry is one entry of linux.namespaces.
type nsEntry struct {
	index int    // position in linux.namespaces
	path  string // namespace to join; "" for a new one
}

// validator carries what the individual checks share.
type validator struct {
	s        *specs.Spec
	l        *specs.Linux // s.Linux, or an empty one
	opts     ValidateOptions
	ns       map[specs.LinuxNamespaceType]nsEntry
	warnings []string
}

// Validate checks s before a container is created from it. It returns the
// first problem found as a *FieldError naming its JSON path (errors.Is(err,
// ErrInvalidConfig) holds), and warnings for values that are ignored, such
// as capabilities unknown to rt. Validate neither modifies s nor touches the
// filesystem.
func Validate(s *specs.Spec, opts ValidateOptions) (warnings []string, err error) {
	if s == nil {
		return nil, &FieldError{Msg: "config cannot be null"}
	}
	v := &validator{s: s, l: s.Linux, opts: opts}
	if v.l == nil {
		v.l = &specs.Linux{}
	}
	checks := []func() error{
		v.version, v.root, v.namespaces, v.process, v.hooks, v.mounts,
		v.uts, v.userns, v.timens, v.sysctls, v.devices, v.cgroupDevices,
		v.paths, v.seccomp, v.linuxMisc, v.rootless,
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return v.warnings, err
		}
	}
	return v.warnings, nil
}

// ValidateProcess checks a process as given to `exec --process`; paths in
// errors are relative to the process object ("args", "cwd", ...).
func ValidateProcess(p *specs.Process) (warnings []string, err error) {
	if p == nil {
		return nil, &FieldError{Msg: "process cannot be null"}
	}
	return checkProcess("", p)
}

// has reports whether the config lists namespace t, new or joined.
func (v *validator) has(t specs.LinuxNamespaceType) bool {
	_, ok := v.ns[t]
	return ok
}

func (v *validator) warn(msg string) { v.warnings = append(v.warnings, msg) }

// version accepts any 1.x: the runtime-spec keeps compatibility within a
// major version, and runc accepts every 1.x config.
func (v *validator) version() error {
	ver := v.s.Version
	if ver == "" {
		return fieldErr("ociVersion", "must be specified")
	}
	major, rest, ok := strings.Cut(ver, ".")
	if !ok || major != "1" || rest == "" {
		return fieldErr("ociVersion", "unsupported version %q (rt supports 1.x)", ver)
	}
	return nil
}

func (v *validator) root() error {
	if v.s.Root == nil {
		return fieldErr("root", "root must be specified")
	}
	if v.s.Root.Path == "" {
		return fieldErr("root.path", "must not be empty")
	}
	return checkNUL("root.path", v.s.Root.Path)
}

func (v *validator) namespaces() error {
	v.ns = make(map[specs.LinuxNamespaceType]nsEntry, len(v.l.Namespaces))
	for i, ns := range v.l.Namespaces {
		p := idx("linux.namespaces", i)
		if !namespaceTypes[ns.Type] {
			return fieldErr(p+".type", "unknown namespace %q", ns.Type)
		}
		if prev, dup := v.ns[ns.Type]; dup {
			return fieldErr(p+".type", "duplicated namespace %q (also linux.namespaces[%d])", ns.Type, prev.index)
		}
		if ns.Path != "" {
			if err := checkAbs(p+".path", ns.Path); err != nil {
				return err
			}
		}
		v.ns[ns.Type] = nsEntry{index: i, path: ns.Path}
	}
	return nil
}

func (v *validator) process() error {
	if v.s.Process == nil {
		if v.opts.ProcessOptional {
			return nil
		}
		return fieldErr("process", "process property must not be empty")
	}
	warnings, err := checkProcess("process", v.s.Process)
	v.warnings = append(v.warnings, warnings...)
	return err
}

// uts follows runc in accepting a joined UTS namespace: containerd's CRI sets
// the hostname in containers that join their pod's namespace.
func (v *validator) uts() error {
	names := []struct{ field, value string }{
		{"hostname", v.s.Hostname}, {"domainname", v.s.Domainname},
	}
	for _, n := range names {
		if n.value == "" {
			continue
		}
		if !v.has(specs.UTSNamespace) {
			return fieldErr(n.field, "unable to set %s without a private UTS namespace", n.field)
		}
		if len(n.value) > 64 {
			return fieldErr(n.field, "must be at most 64 bytes long")
		}
		if err := checkNUL(n.field, n.value); err != nil {
			return err
		}
	}
	return nil
}

func (v *validator) hooks() error {
	h := v.s.Hooks
	if h == nil {
		return nil
	}
	lists := []struct {
		name  string
		hooks []specs.Hook
	}{
		{"prestart", h.Prestart}, {"createRuntime", h.CreateRuntime},
		{"createContainer", h.CreateContainer}, {"startContainer", h.StartContainer},
		{"poststart", h.Poststart}, {"poststop", h.Poststop},
	}
	for _, list := range lists {
		for i, hook := range list.hooks {
			if err := checkHook(idx("hooks."+list.name, i), &hook); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkHook(p string, h *specs.Hook) error {
	if err := checkAbs(p+".path", h.Path); err != nil {
		return err
	}
	if h.Timeout != nil && *h.Timeout <= 0 {
		return fieldErr(p+".timeout", "must be greater than zero, not %d", *h.Timeout)
	}
	if err := checkNULs(p+".args", h.Args); err != nil {
		return err
	}
	return checkEnv(p+".env", h.Env)
}

// checkEnv requires NAME=VALUE entries; the messages are runc's.
func checkEnv(p string, env []string) error {
	for i, kv := range env {
		n := strings.IndexByte(kv, '=')
		switch {
		case n < 0:
			return fieldErr(idx(p, i), "invalid environment variable: missing '='")
		case n == 0:
			return fieldErr(idx(p, i), "invalid environment variable: name cannot be empty")
		case strings.IndexByte(kv, 0) >= 0:
			return fieldErr(idx(p, i), "invalid environment variable %q: contains nul byte (\\x00)", kv[:n])
		}
	}
	return nil
}
