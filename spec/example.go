package spec

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// exampleHost is what Example takes from the host, so that the content
// itself can be tested without depending on it.
type exampleHost struct {
	cgroup2  bool   // /sys/fs/cgroup is cgroup v2: add a cgroup namespace
	uid, gid uint32 // the caller's ids, mapped to root in a rootless example
}

// Example returns the configuration `rt spec` writes: the one runc writes,
// with hostname "rt". With rootless set it is adjusted as `runc spec
// --rootless` does: a user namespace mapping the caller's effective uid and
// gid to 0, no network namespace, the host's /sys bound read-only instead of
// a new sysfs, no uid=/gid= mount options and no cgroup resources. As in
// runc, a cgroup namespace is added when the host runs cgroup v2.
func Example(rootless bool) *specs.Spec {
	var st unix.Statfs_t
	host := exampleHost{
		cgroup2: unix.Statfs("/sys/fs/cgroup", &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC,
		uid:     uint32(os.Geteuid()),
		gid:     uint32(os.Getegid()),
	}
	s := example(host.cgroup2)
	if rootless {
		toRootless(s, host.uid, host.gid)
	}
	return s
}

func example(cgroup2 bool) *specs.Spec {
	caps := func() []string { return []string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"} }
	s := &specs.Spec{
		Version: specs.Version,
		Root:    &specs.Root{Path: "rootfs", Readonly: true},
		Process: &specs.Process{
			Terminal: true,
			Args:     []string{"sh"},
			Env: []string{
				"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
				"TERM=xterm",
			},
			Cwd:             "/",
			NoNewPrivileges: true,
			Capabilities: &specs.LinuxCapabilities{
				Bounding: caps(), Permitted: caps(), Ambient: caps(), Effective: caps(),
			},
			Rlimits: []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: 1024, Soft: 1024}},
		},
		Hostname: "rt",
		Mounts:   exampleMounts(),
		Linux:    exampleLinux(),
	}
	if cgroup2 {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.CgroupNamespace})
	}
	return s
}

func exampleMounts() []specs.Mount {
	return []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc"},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs",
			Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts",
			Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
		{Destination: "/dev/shm", Type: "tmpfs", Source: "shm",
			Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
		{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue",
			Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/sys", Type: "sysfs", Source: "sysfs",
			Options: []string{"nosuid", "noexec", "nodev", "ro"}},
		{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup",
			Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"}},
	}
}

func exampleLinux() *specs.Linux {
	return &specs.Linux{
		MaskedPaths: []string{
			"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
			"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
		},
		ReadonlyPaths: []string{
			"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
		},
		Resources: &specs.LinuxResources{
			Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
		},
		Namespaces: []specs.LinuxNamespace{
			{Type: specs.PIDNamespace}, {Type: specs.NetworkNamespace}, {Type: specs.IPCNamespace},
			{Type: specs.UTSNamespace}, {Type: specs.MountNamespace},
		},
	}
}

// toRootless adjusts s for a container started without privileges.
func toRootless(s *specs.Spec, uid, gid uint32) {
	var ns []specs.LinuxNamespace
	for _, n := range s.Linux.Namespaces {
		// Without privileges there is no way to connect a new network
		// namespace to anything.
		if n.Type != specs.NetworkNamespace && n.Type != specs.UserNamespace {
			ns = append(ns, n)
		}
	}
	s.Linux.Namespaces = append(ns, specs.LinuxNamespace{Type: specs.UserNamespace})
	s.Linux.UIDMappings = []specs.LinuxIDMapping{{HostID: uid, ContainerID: 0, Size: 1}}
	s.Linux.GIDMappings = []specs.LinuxIDMapping{{HostID: gid, ContainerID: 0, Size: 1}}
	var mounts []specs.Mount
	for _, m := range s.Mounts {
		if filepath.Clean(m.Destination) == "/sys" {
			// sysfs can only be mounted by the owner of the network namespace.
			mounts = append(mounts, specs.Mount{
				Destination: "/sys", Type: "none", Source: "/sys",
				Options: []string{"rbind", "nosuid", "noexec", "nodev", "ro"},
			})
			continue
		}
		// Only one uid and gid is mapped: gid=5 (tty) on devpts would fail.
		var opts []string
		for _, o := range m.Options {
			if !strings.HasPrefix(o, "uid=") && !strings.HasPrefix(o, "gid=") {
				opts = append(opts, o)
			}
		}
		m.Options = opts
		mounts = append(mounts, m)
	}
	s.Mounts = mounts
	s.Linux.Resources = nil
}

// WriteExample writes Example(rootless) to dir/config.json, created with mode
// 0666 minus the umask. It refuses to replace an existing file (or symlink),
// with runc's text, and never leaves a partial file behind.
func WriteExample(dir string, rootless bool) error {
	data, err := json.MarshalIndent(Example(rootless), "", "\t")
	if err != nil {
		return fmt.Errorf("encode example spec: %w", err)
	}
	path := filepath.Join(dir, ConfigName)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("File %s exists. Remove it first", ConfigName) //nolint:staticcheck // runc's text, capitalised
	}
	if err != nil {
		return fmt.Errorf("write example spec: %w", err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return fmt.Errorf("write example spec to %s: %w", path, err)
	}
	return nil
}
