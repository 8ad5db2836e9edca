package cgroups

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
)

// Hierarchy is one mounted cgroup hierarchy.
type Hierarchy struct {
	// Mountpoint is where it is mounted, e.g. /sys/fs/cgroup/cpu,cpuacct.
	Mountpoint string
	// Root is the cgroup shown at Mountpoint (mountinfo's root field): "/"
	// for a full mount, another cgroup for a bind mount of a sub-tree.
	Root string
	// FSType is "cgroup" (v1) or "cgroup2".
	FSType string
	// Controllers are the v1 controllers and names ("name=systemd") of the
	// hierarchy, as /proc/self/cgroup lists them. Empty for cgroup2, whose
	// controllers are not a property of the mount (see cgroup.controllers).
	Controllers []string
	// own is this process's cgroup in the hierarchy (/proc/self/cgroup).
	own string
}

// Unified reports whether h is a cgroup2 hierarchy.
func (h Hierarchy) Unified() bool { return h.FSType == "cgroup2" }

// keys are the Paths keys of h: its controllers, or "" for cgroup2. They are
// the keys github.com/opencontainers/cgroups uses for its paths map.
func (h Hierarchy) keys() []string {
	if h.Unified() {
		return []string{""}
	}
	return h.Controllers
}

// Mounts returns the cgroup hierarchies mounted in rt's mount namespace, from
// /proc/self/mountinfo, one entry per hierarchy (the first mount of each),
// in mount order. /proc/self/cgroup tells which mount options are
// controllers, and where rt itself sits in each hierarchy.
func Mounts() ([]Hierarchy, error) {
	own, err := readFile("/proc/self/cgroup")
	if err != nil {
		return nil, err
	}
	mi, err := readFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	return parseMounts(bytes.NewReader(mi), own)
}

// procCgroup is one line of /proc/<pid>/cgroup.
type procCgroup struct {
	controllers []string // nil for the cgroup2 line "0::<path>"
	path        string
}

func parseProcCgroup(data []byte) ([]procCgroup, error) {
	var out []procCgroup
	for line := range strings.SplitSeq(strings.TrimSpace(string(data)), "\n") {
		if line == "" {
			continue
		}
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("/proc/self/cgroup: malformed line %q", line)
		}
		pc := procCgroup{path: parts[2]}
		if parts[1] != "" {
			pc.controllers = strings.Split(parts[1], ",")
		}
		out = append(out, pc)
	}
	return out, nil
}

// parseMounts reads mountinfo from r and matches each cgroup mount with its
// line in own (the contents of /proc/self/cgroup).
func parseMounts(r io.Reader, own []byte) ([]Hierarchy, error) {
	procs, err := parseProcCgroup(own)
	if err != nil {
		return nil, err
	}
	var out []Hierarchy
	seen := map[string]bool{} // major:minor of each superblock = one hierarchy
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.Contains(line, []byte(" - cgroup")) {
			continue // fast path: most mounts are not cgroupfs
		}
		dev, h, ok, err := parseMountLine(string(line))
		if err != nil {
			return nil, err
		}
		if !ok || seen[dev] || !matchOwn(&h, procs) {
			continue
		}
		seen[dev] = true
		out = append(out, h)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read mountinfo: %w", err)
	}
	return out, nil
}

// parseMountLine parses one mountinfo line (proc(5)):
//
//	36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
//
// The controllers are left in Controllers as raw super options; matchOwn
// narrows them down.
func parseMountLine(line string) (dev string, h Hierarchy, ok bool, err error) {
	fields := strings.Split(line, " ")
	sep := slices.Index(fields, "-")
	if sep < 6 || len(fields) < sep+4 {
		return "", h, false, fmt.Errorf("mountinfo: malformed line %q", line)
	}
	h.FSType = fields[sep+1]
	if h.FSType != "cgroup" && h.FSType != "cgroup2" {
		return "", h, false, nil
	}
	h.Root = unescape(fields[3])
	h.Mountpoint = unescape(fields[4])
	if !h.Unified() {
		h.Controllers = strings.Split(fields[sep+3], ",")
	}
	return fields[2], h, true, nil
}

// matchOwn finds h's line in /proc/self/cgroup: the cgroup2 line for a
// cgroup2 mount, for v1 the line whose controllers are all mount options.
func matchOwn(h *Hierarchy, procs []procCgroup) bool {
	for _, p := range procs {
		if h.Unified() {
			if p.controllers == nil {
				h.own = p.path
				return true
			}
			continue
		}
		if p.controllers != nil && containsAll(h.Controllers, p.controllers) {
			h.Controllers, h.own = p.controllers, p.path
			return true
		}
	}
	return false
}

func containsAll(set, items []string) bool {
	for _, it := range items {
		if !slices.Contains(set, it) {
			return false
		}
	}
	return true
}

// unescape undoes mountinfo's octal escapes (\040 for a space, etc.).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1:i+4]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '7' {
			return false
		}
	}
	return len(s) == 3
}

// base returns the directory of the cgroup rt runs in, seen through h's
// mount: the parent for relative cgroupsPaths.
func (h Hierarchy) base() (string, error) {
	rel, err := filepath.Rel(h.Root, h.own)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", fmt.Errorf("rt's cgroup %s is not visible through %s (mounted from %s)", h.own, h.Mountpoint, h.Root)
	}
	return filepath.Join(h.Mountpoint, rel), nil
}
