package systemd

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	sd "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// AnnotationPrefix marks the annotations that are unit properties:
// "org.systemd.property.TimeoutStopUSec": "uint64 123456789".
const AnnotationPrefix = "org.systemd.property."

// Properties returns the unit properties the annotations name, sorted by
// annotation. Values are in GVariant text form (godbus ParseVariant, as
// runc): `true`, `uint64 42`, `"text"`, `@t 42`, `[1, 2]`... A name ending in
// lower-case + "Sec" takes seconds (a number) and becomes "...USec", as in
// runc.
func Properties(annotations map[string]string) ([]sd.Property, error) {
	keys := make([]string, 0, len(annotations))
	for k := range annotations {
		if strings.HasPrefix(k, AnnotationPrefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []sd.Property
	for _, k := range keys {
		name, v := strings.TrimPrefix(k, AnnotationPrefix), annotations[k]
		if err := checkPropertyName(name); err != nil {
			return nil, fmt.Errorf("annotation %s name incorrect: %w", k, err)
		}
		value, err := dbus.ParseVariant(v, dbus.Signature{})
		if err != nil {
			return nil, fmt.Errorf("annotation %s=%s value parse error: %w", k, v, err)
		}
		if trim := strings.TrimSuffix(name, "Sec"); len(trim) < len(name) {
			if ch := trim[len(trim)-1]; ch >= 'a' && ch <= 'z' {
				usec, err := secToUSec(value)
				if err != nil {
					return nil, fmt.Errorf("annotation %s=%s value parse error: %w", k, v, err)
				}
				name, value = trim+"USec", dbus.MakeVariant(usec)
			}
		}
		out = append(out, sd.Property{Name: name, Value: value})
	}
	return out, nil
}

// checkPropertyName: an upper-case letter, then letters only, 3 or more.
func checkPropertyName(s string) error {
	if len(s) < 3 {
		return fmt.Errorf("too short")
	}
	if s[0] < 'A' || s[0] > 'Z' {
		return fmt.Errorf("must start with an upper-case letter")
	}
	for _, c := range s[1:] {
		if (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') {
			return fmt.Errorf("can only contain letters")
		}
	}
	return nil
}

func secToUSec(v dbus.Variant) (uint64, error) {
	const m = 1e6
	switch x := v.Value().(type) {
	case uint8:
		return uint64(x) * m, nil
	case uint16:
		return uint64(x) * m, nil
	case uint32:
		return uint64(x) * m, nil
	case uint64:
		return x * m, nil
	case int16, int32, int64:
		n := toInt64(x)
		if n < 0 {
			return 0, fmt.Errorf("negative seconds %d", n)
		}
		return uint64(n) * m, nil
	case float64:
		if x < 0 || math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, fmt.Errorf("invalid seconds %v", x)
		}
		return uint64(math.Round(x * m)), nil
	}
	return 0, fmt.Errorf("seconds must be a number, got %s", v.Signature())
}

func toInt64(x any) int64 {
	switch n := x.(type) {
	case int16:
		return int64(n)
	case int32:
		return int64(n)
	case int64:
		return n
	}
	return 0
}

// resourceProps are the unit properties that keep systemd from undoing
// limits rt writes to the scope's cgroup files (it rewrites them from the
// unit on a reload): unitResources for this host's cgroup mode, asking
// systemd its version only when r has a property that depends on it.
func resourceProps(r *specs.LinuxResources) []sd.Property {
	version := 0
	if needsVersion(r) {
		version = systemdVersion()
	}
	return unitResources(r, isUnified(), version)
}

// needsVersion: r has a value whose property older systemd refuses.
func needsVersion(r *specs.LinuxResources) bool {
	if r == nil || r.CPU == nil {
		return false
	}
	c := r.CPU
	return (c.Period != nil && *c.Period != 0) || c.Cpus != "" || c.Mems != "" ||
		(c.Idle != nil && *c.Idle == 1)
}

// isUnified reports whether /sys/fs/cgroup is cgroup2 (systemd's unified
// mode; on a hybrid host systemd drives the v1 controllers).
func isUnified() bool {
	var st unix.Statfs_t
	return unix.Statfs("/sys/fs/cgroup", &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC
}

var (
	versionMu     sync.Mutex
	cachedVersion int
)

// systemdVersion is the running systemd's major version, asked once over
// D-Bus (Manager.Version); 0 if it cannot be had (then tried again later).
func systemdVersion() int {
	versionMu.Lock()
	defer versionMu.Unlock()
	if cachedVersion > 0 {
		return cachedVersion
	}
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	c, err := connect(ctx)
	if err != nil {
		return 0
	}
	defer c.Close()
	s, err := c.GetManagerProperty("Version")
	if err != nil {
		return 0
	}
	if v, err := parseVersion(s); err == nil {
		cachedVersion = v
	}
	return cachedVersion
}
