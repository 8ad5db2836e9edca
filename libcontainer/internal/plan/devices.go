package plan

import (
	"fmt"
	"path"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/libcontainer/internal/protocol"
)

// Device is a device node to create in the container.
type Device struct {
	Path         string
	Type         byte // 'c', 'b', 'p'
	Major, Minor int64
	Mode         uint32
	UID, GID     uint32
}

// DefaultDevices are created in every container with a mount namespace, as
// runtime-spec config-linux.md requires.
var DefaultDevices = []Device{
	{Path: "/dev/null", Type: 'c', Major: 1, Minor: 3, Mode: 0o666},
	{Path: "/dev/zero", Type: 'c', Major: 1, Minor: 5, Mode: 0o666},
	{Path: "/dev/full", Type: 'c', Major: 1, Minor: 7, Mode: 0o666},
	{Path: "/dev/random", Type: 'c', Major: 1, Minor: 8, Mode: 0o666},
	{Path: "/dev/urandom", Type: 'c', Major: 1, Minor: 9, Mode: 0o666},
	{Path: "/dev/tty", Type: 'c', Major: 5, Minor: 0, Mode: 0o666},
}

// devSymlinks are the /dev links runtime-spec runtime-linux.md lists, plus
// the ptmx link to the container's own devpts instance.
var devSymlinks = [][2]string{
	{"/proc/self/fd", "/dev/fd"},
	{"/proc/self/fd/0", "/dev/stdin"},
	{"/proc/self/fd/1", "/dev/stdout"},
	{"/proc/self/fd/2", "/dev/stderr"},
	{"pts/ptmx", "/dev/ptmx"},
}

func (d Device) msg() protocol.Msg {
	return protocol.New().Str(d.Path).U32(uint32(d.Type)).U64(uint64(d.Major)).U64(uint64(d.Minor)).
		U32(d.Mode).U32(d.UID).U32(d.GID).Msg(protocol.Device)
}

// devBindMounted reports whether config.json bind-mounts the host's /dev, in
// which case rt creates no nodes of its own there.
func devBindMounted(s *specs.Spec) bool {
	for _, m := range s.Mounts {
		if path.Clean(m.Destination) == "/dev" && IsBind(m) {
			return true
		}
	}
	return false
}

func devices(in *Input, p *Plan) error {
	if !HasNamespace(in.Spec, specs.MountNamespace) || devBindMounted(in.Spec) {
		return nil
	}
	list, err := DeviceList(in.Spec)
	if err != nil {
		return err
	}
	for _, d := range list {
		p.add(d.msg())
	}
	for _, l := range devSymlinks {
		p.add(protocol.New().Str(l[0]).Str(l[1]).Msg(protocol.Symlink))
	}
	return nil
}

// DeviceList merges the default devices with linux.devices (the config wins
// for a path it names).
func DeviceList(s *specs.Spec) ([]Device, error) {
	var cfg []Device
	seen := map[string]bool{}
	if s.Linux != nil {
		for i, d := range s.Linux.Devices {
			dev, err := specDevice(d)
			if err != nil {
				return nil, fmt.Errorf("linux.devices[%d]: %w", i, err)
			}
			seen[dev.Path] = true
			cfg = append(cfg, dev)
		}
	}
	var out []Device
	for _, d := range DefaultDevices {
		if !seen[d.Path] {
			out = append(out, d)
		}
	}
	return append(out, cfg...), nil
}

func specDevice(d specs.LinuxDevice) (Device, error) {
	dev := Device{Path: path.Clean(d.Path), Major: d.Major, Minor: d.Minor, Mode: 0o666}
	if !path.IsAbs(dev.Path) {
		return dev, fmt.Errorf("path %q must be absolute", d.Path)
	}
	switch d.Type {
	case "c", "u":
		dev.Type = 'c'
	case "b":
		dev.Type = 'b'
	case "p":
		dev.Type = 'p'
	default:
		return dev, fmt.Errorf("type: invalid device type %q", d.Type)
	}
	if d.FileMode != nil {
		dev.Mode = uint32(*d.FileMode) & 0o7777
	}
	if d.UID != nil {
		dev.UID = *d.UID
	}
	if d.GID != nil {
		dev.GID = *d.GID
	}
	return dev, nil
}
