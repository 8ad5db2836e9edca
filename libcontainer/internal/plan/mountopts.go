package plan

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// MountOpts is the parsed form of a spec mount's options.
type MountOpts struct {
	Flags     uint64 // MS_* applied to this mount (and its superblock for new mounts)
	Clear     uint64 // MS_* explicitly cleared (e.g. "rw", "suid"); only informative
	Prop      uint64 // MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE (+MS_REC)
	AttrSet   uint64 // MOUNT_ATTR_* set recursively ("rro", "rnosuid", ...)
	AttrClr   uint64 // MOUNT_ATTR_* cleared recursively ("rrw", "rsuid", ...)
	Bind      bool   // "bind" or "rbind"
	Data      []string
	TmpCopyUp bool
	IDMap     bool // "idmap" or "ridmap": an idmapped bind mount
	IDMapRec  bool // "ridmap": idmapped recursively
}

type flagOpt struct {
	set  bool
	flag uint64
}

// flagOpts maps an option to the MS_* flag it sets or clears.
var flagOpts = map[string]flagOpt{
	"ro": {true, unix.MS_RDONLY}, "rw": {false, unix.MS_RDONLY},
	"nosuid": {true, unix.MS_NOSUID}, "suid": {false, unix.MS_NOSUID},
	"nodev": {true, unix.MS_NODEV}, "dev": {false, unix.MS_NODEV},
	"noexec": {true, unix.MS_NOEXEC}, "exec": {false, unix.MS_NOEXEC},
	"sync": {true, unix.MS_SYNCHRONOUS}, "async": {false, unix.MS_SYNCHRONOUS},
	"dirsync": {true, unix.MS_DIRSYNC},
	"mand":    {true, unix.MS_MANDLOCK}, "nomand": {false, unix.MS_MANDLOCK},
	"noatime": {true, unix.MS_NOATIME}, "atime": {false, unix.MS_NOATIME},
	"nodiratime": {true, unix.MS_NODIRATIME}, "diratime": {false, unix.MS_NODIRATIME},
	"relatime": {true, unix.MS_RELATIME}, "norelatime": {false, unix.MS_RELATIME},
	"strictatime": {true, unix.MS_STRICTATIME}, "nostrictatime": {false, unix.MS_STRICTATIME},
	"lazytime": {true, unix.MS_LAZYTIME}, "nolazytime": {false, unix.MS_LAZYTIME},
	"remount": {true, unix.MS_REMOUNT},
}

var propOpts = map[string]uint64{
	"private": unix.MS_PRIVATE, "rprivate": unix.MS_PRIVATE | unix.MS_REC,
	"shared": unix.MS_SHARED, "rshared": unix.MS_SHARED | unix.MS_REC,
	"slave": unix.MS_SLAVE, "rslave": unix.MS_SLAVE | unix.MS_REC,
	"unbindable": unix.MS_UNBINDABLE, "runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
}

type attrOpt struct {
	set  bool
	attr uint64
}

// recOpts are the recursive mount_setattr options (runtime-spec "r*" options).
var recOpts = map[string]attrOpt{
	"rro": {true, unix.MOUNT_ATTR_RDONLY}, "rrw": {false, unix.MOUNT_ATTR_RDONLY},
	"rnosuid": {true, unix.MOUNT_ATTR_NOSUID}, "rsuid": {false, unix.MOUNT_ATTR_NOSUID},
	"rnodev": {true, unix.MOUNT_ATTR_NODEV}, "rdev": {false, unix.MOUNT_ATTR_NODEV},
	"rnoexec": {true, unix.MOUNT_ATTR_NOEXEC}, "rexec": {false, unix.MOUNT_ATTR_NOEXEC},
	"rnodiratime": {true, unix.MOUNT_ATTR_NODIRATIME}, "rdiratime": {false, unix.MOUNT_ATTR_NODIRATIME},
	"rrelatime": {true, unix.MOUNT_ATTR_RELATIME}, "rnorelatime": {false, unix.MOUNT_ATTR_RELATIME},
	"rnoatime": {true, unix.MOUNT_ATTR_NOATIME}, "ratime": {false, unix.MOUNT_ATTR_NOATIME},
	"rstrictatime": {true, unix.MOUNT_ATTR_STRICTATIME}, "rnostrictatime": {false, unix.MOUNT_ATTR_STRICTATIME},
	"nosymfollow": {true, unix.MOUNT_ATTR_NOSYMFOLLOW}, "rnosymfollow": {true, unix.MOUNT_ATTR_NOSYMFOLLOW},
	"symfollow": {false, unix.MOUNT_ATTR_NOSYMFOLLOW}, "rsymfollow": {false, unix.MOUNT_ATTR_NOSYMFOLLOW},
}

// atimeOpts maps the recursive atime options to the MOUNT_ATTR__ATIME value.
var atimeOpts = map[string]uint64{
	"rrelatime": unix.MOUNT_ATTR_RELATIME, "ratime": unix.MOUNT_ATTR_RELATIME,
	"rnostrictatime": unix.MOUNT_ATTR_RELATIME, "rnoatime": unix.MOUNT_ATTR_NOATIME,
	"rstrictatime": unix.MOUNT_ATTR_STRICTATIME, "rnorelatime": unix.MOUNT_ATTR_STRICTATIME,
}

// MountOptionNames lists every option ParseMountOptions understands (for `features`).
func MountOptionNames() []string {
	var names []string
	for k := range flagOpts {
		names = append(names, k)
	}
	for k := range propOpts {
		names = append(names, k)
	}
	for k := range recOpts {
		names = append(names, k)
	}
	return append(names, "bind", "rbind", "tmpcopyup", "idmap", "ridmap")
}

// ParseMountOptions splits spec mount options into flags, propagation,
// recursive attributes and filesystem data. Unknown options are data for the
// filesystem (the kernel judges them).
func ParseMountOptions(opts []string) (MountOpts, error) {
	var m MountOpts
	for _, o := range opts {
		switch o {
		case "bind":
			m.Bind = true
		case "rbind":
			m.Bind = true
			m.Flags |= unix.MS_REC
		case "tmpcopyup":
			m.TmpCopyUp = true
		case "idmap":
			m.IDMap = true
		case "ridmap":
			m.IDMap, m.IDMapRec = true, true
		default:
			if !m.parseOne(o) {
				if strings.ContainsRune(o, ',') {
					return m, fmt.Errorf("mount option %q contains a comma", o)
				}
				m.Data = append(m.Data, o)
			}
		}
	}
	return m, nil
}

func (m *MountOpts) parseOne(o string) bool {
	if f, ok := flagOpts[o]; ok {
		if f.set {
			m.Flags |= f.flag
			m.Clear &^= f.flag
		} else {
			m.Flags &^= f.flag
			m.Clear |= f.flag
		}
		return true
	}
	if p, ok := propOpts[o]; ok {
		m.Prop = p
		return true
	}
	if a, ok := recOpts[o]; ok {
		if atime, ok := atimeOpts[o]; ok {
			// The atime mode is one field: clear it whole, set one value.
			m.AttrClr |= unix.MOUNT_ATTR__ATIME
			m.AttrSet = m.AttrSet&^unix.MOUNT_ATTR__ATIME | atime
			return true
		}
		if a.set {
			m.AttrSet |= a.attr
			m.AttrClr &^= a.attr
		} else {
			m.AttrClr |= a.attr
			m.AttrSet &^= a.attr
		}
		return true
	}
	return false
}
