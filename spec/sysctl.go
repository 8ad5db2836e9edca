package spec

import (
	"errors"
	"fmt"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// SysctlPath translates a sysctl key to its file below /proc/sys, e.g.
// "net.ipv4.ip_forward" to "net/ipv4/ip_forward". As in sysctl.d(5), a key
// whose first separator is '/' uses slashes as separators and dots inside
// names ("net/ipv4/conf/eth0.100/rp_filter"). It refuses keys with an empty
// component or one that would resolve to "." or "..", which could otherwise
// name a file outside the intended subtree ("net/../kernel/core_pattern").
func SysctlPath(key string) (string, error) {
	if key == "" {
		return "", errors.New("empty sysctl name")
	}
	if strings.IndexByte(key, 0) >= 0 {
		return "", errors.New("sysctl name contains a NUL byte")
	}
	parts := strings.Split(dotSysctl(key), ".")
	for i, part := range parts {
		// In the dotted form a '/' inside a component stands for a '.'.
		name := strings.ReplaceAll(part, "/", ".")
		if name == "" || name == "." || name == ".." {
			return "", fmt.Errorf("invalid sysctl name %q", key)
		}
		parts[i] = name
	}
	return strings.Join(parts, "/"), nil
}

// dotSysctl returns key in the dotted form, converting a slash-separated key
// by swapping '.' and '/' (runc's convertSysctlVariableToDotsSeparator).
func dotSysctl(key string) string {
	first := strings.IndexAny(key, "./")
	if first < 0 || key[first] == '.' {
		return key
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '.':
			return '/'
		case '/':
			return '.'
		}
		return r
	}, key)
}

// isIPCSysctl reports whether a dotted sysctl belongs to the IPC namespace.
func isIPCSysctl(s string) bool {
	return strings.HasPrefix(s, "kernel.msg") || strings.HasPrefix(s, "kernel.shm") ||
		s == "kernel.sem" || s == "kernel.sem_next_id" || strings.HasPrefix(s, "fs.mqueue.")
}

// sysctls allows only sysctls that are namespaced, and only when the
// container has that namespace: /proc/sys is mostly global, and writing a
// global knob from a container changes the host. The messages are runc's.
func (v *validator) sysctls() error {
	for _, k := range sortedKeys(v.l.Sysctl) {
		p := key("linux.sysctl", k)
		if _, err := SysctlPath(k); err != nil {
			return fieldErr(p, "%v", err)
		}
		if err := checkNUL(p, v.l.Sysctl[k]); err != nil {
			return err
		}
		if err := v.sysctlAllowed(dotSysctl(k)); err != nil {
			return fieldErr(p, "%v", err)
		}
	}
	return nil
}

func (v *validator) sysctlAllowed(s string) error {
	switch {
	case isIPCSysctl(s):
		if v.has(specs.IPCNamespace) {
			return nil
		}
		return fmt.Errorf("sysctl %q is not allowed in the hosts ipc namespace", s)
	case strings.HasPrefix(s, "net."):
		return v.netSysctl(s)
	case s == "kernel.domainname" && v.has(specs.UTSNamespace):
		return nil
	case s == "kernel.hostname" && v.has(specs.UTSNamespace):
		if v.s.Hostname != "" {
			return fmt.Errorf("sysctl %q is not allowed as it conflicts with the OCI %q field", s, "hostname")
		}
		return nil
	}
	return fmt.Errorf("sysctl %q is not in a separate kernel namespace", s)
}

func (v *validator) netSysctl(s string) error {
	ns, ok := v.ns[specs.NetworkNamespace]
	if !ok {
		return fmt.Errorf("sysctl %q not allowed in host network namespace", s)
	}
	if ns.path == "" || v.opts.HostNetNS == nil {
		return nil
	}
	host, err := v.opts.HostNetNS(ns.path)
	if err != nil {
		return fmt.Errorf("invalid netns path: %w", err)
	}
	if host {
		return fmt.Errorf("sysctl %q not allowed in host network namespace", s)
	}
	return nil
}
