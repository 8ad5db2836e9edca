// Package protocol defines every message between the rt parent process and
// the rt-init process (C, libcontainer/internal/nsexec/csrc), and the framing
// they travel in.
//
// A frame is a header {type uint32, len uint32} (little endian) followed by len
// payload bytes. A payload is a sequence of values: u32, u64 and str (u32
// length + bytes). The layout of each message is documented next to its
// constant, here and in csrc/proto.h; protocol_test.go keeps the two in step.
// Every length read from the peer is bounded (MaxMsg).
//
// The sequence, for create:
//
//	parent                                  init stage A (exec'd rt-init)
//	  -- bootstrap frames ... End ------------>
//	                                         join / unshare user ns
//	  <---------------------------- MapRequest   (only with a new user ns)
//	  write uid_map/gid_map
//	  -- MapDone ----------------------------->
//	                                         join / unshare the other ns,
//	                                         clone stage B (pid 1), exit
//	  <---------------------------- ChildPid
//	                                         stage B: mounts, devices (rootfs)
//	  <---------------------------- HooksRequest (only with RT_OPT_HOOKS)
//	  run prestart + createRuntime hooks
//	  -- HooksDone{state JSON} --------------->
//	                                         createContainer hooks, pivot_root,
//	                                         masks, sysctl, caps, user, ...
//	  <---------------------------- SeccompFd (SCMP_ACT_NOTIFY, no no_new_privs)
//	  pass the fd to the seccomp agent
//	  <---------------------------- Ready
//	  write state.json, exit                  wait on the start socket
//
// With no_new_privs the filter is loaded just before execve, and SeccompFd
// goes to whoever holds the report connection then: `rt start`, or `rt exec`
// after Go. Frames that may carry an fd are read with ReadMsgFd.
//
// At any point the init may send Error{step, errno, detail} instead and exit.
package protocol

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Type is a message type. The values match csrc/proto.h.
type Type uint32

// Message types: parent -> init bootstrap.
const (
	NSJoin           Type = 1  // u32 clone flag, str path
	NSNew            Type = 2  // u64 clone flags
	TimensOffsets    Type = 3  // str
	Rootfs           Type = 4  // str path, u64 propagation, u32 readonly, u32 no_pivot
	Mount            Type = 5  // u32 kind, str src, str dst, str fstype, u64 flags, u64 prop, u64 attr_set, u64 attr_clr, str data
	Device           Type = 6  // str path, u32 type, u64 major, u64 minor, u32 mode, u32 uid, u32 gid
	Symlink          Type = 7  // str target, str linkpath
	Mask             Type = 8  // str path
	Readonly         Type = 9  // str path
	Hostname         Type = 10 // str
	Domainname       Type = 11 // str
	Sysctl           Type = 12 // str key, str value
	Rlimit           Type = 13 // u32 resource, u64 soft, u64 hard
	Caps             Type = 14 // u64 bounding, effective, permitted, inheritable, ambient
	User             Type = 15 // u32 uid, u32 gid, u32 has_umask, u32 umask, str groups
	NoNewPrivs       Type = 16 // empty
	Seccomp          Type = 17 // u32 flags, str bpf
	Personality      Type = 18 // u64
	Sched            Type = 19 // u32 policy, u32 nice, u32 prio, u64 flags, u64 runtime, u64 deadline, u64 period
	IOPrio           Type = 20 // u32 class, u32 prio
	Arg              Type = 21 // str
	Env              Type = 22 // str
	Cwd              Type = 23 // str
	Terminal         Type = 24 // u32 socket fd, u32 rows, u32 cols
	Hook             Type = 25 // u32 phase, str path, u32 timeout, str args, str env
	Fds              Type = 26 // u32 keep
	StartFd          Type = 27 // u32 fd
	Options          Type = 28 // u32 flags
	Exec             Type = 29 // u32 pidfd, u64 clone flags to join through it, u32 root dir fd (-1: none)
	Label            Type = 30 // u32 kind (LabelAppArmor, LabelSELinux), str value
	MemPolicy        Type = 31 // u32 mode|flags (set_mempolicy), str nodemask (u64 LE words)
	End              Type = 32 // empty
	MapRequest       Type = 40 // init -> parent: empty
	ChildPid         Type = 41 // init -> parent: u32 pid
	HooksRequest     Type = 42 // init -> parent: empty
	Ready            Type = 43 // init -> parent: empty
	Error            Type = 44 // init -> parent: str step, u32 errno, str detail
	SeccompFd        Type = 45 // init -> parent: empty, the seccomp notify fd as SCM_RIGHTS (ReadMsgFd)
	MapDone          Type = 50 // parent -> init: empty
	HooksDone        Type = 51 // parent -> init: str state JSON
	Go               Type = 52 // parent -> init (exec): empty, the process is in its cgroup
	MountKindFS           = 0
	MountKindBind         = 1
	HookCreateCtr         = 0
	HookStartCtr          = 1
	RootPivot             = 0 // Rootfs no_pivot: pivot_root
	RootMove              = 1 // --no-pivot: move the rootfs onto / and chroot
	RootChroot            = 2 // no mount namespace: chroot only, no mounts
	OptNoNewKeyring       = 1
	OptHooks              = 2
	OptSetgroupsDeny      = 4
	LabelAppArmor         = 0
	LabelSELinux          = 1
	OptExec               = 8 // exec into a running container: after Ready, wait for Go, then execve
)

// MaxMsg bounds the payload of one frame read from the peer.
const MaxMsg = 4 << 20

var names = map[Type]string{
	NSJoin: "NSJoin", NSNew: "NSNew", TimensOffsets: "TimensOffsets", Rootfs: "Rootfs",
	Mount: "Mount", Device: "Device", Symlink: "Symlink", Mask: "Mask", Readonly: "Readonly",
	Hostname: "Hostname", Domainname: "Domainname", Sysctl: "Sysctl", Rlimit: "Rlimit",
	Caps: "Caps", User: "User", NoNewPrivs: "NoNewPrivs", Seccomp: "Seccomp",
	Personality: "Personality", Sched: "Sched", IOPrio: "IOPrio", Arg: "Arg", Env: "Env",
	Cwd: "Cwd", Terminal: "Terminal", Hook: "Hook", Fds: "Fds", StartFd: "StartFd",
	Options: "Options", Exec: "Exec", Label: "Label", MemPolicy: "MemPolicy", End: "End", MapRequest: "MapRequest", ChildPid: "ChildPid",
	HooksRequest: "HooksRequest", Ready: "Ready", Error: "Error", SeccompFd: "SeccompFd", MapDone: "MapDone",
	HooksDone: "HooksDone", Go: "Go",
}

func (t Type) String() string {
	if n, ok := names[t]; ok {
		return n
	}
	return fmt.Sprintf("Type(%d)", uint32(t))
}

// Msg is one frame: a type and its encoded payload.
type Msg struct {
	Type    Type
	Payload []byte
}

// Builder encodes a payload value by value.
type Builder struct{ buf []byte }

// U32 appends a u32.
func (b *Builder) U32(v uint32) *Builder {
	b.buf = binary.LittleEndian.AppendUint32(b.buf, v)
	return b
}

// U64 appends a u64.
func (b *Builder) U64(v uint64) *Builder {
	b.buf = binary.LittleEndian.AppendUint64(b.buf, v)
	return b
}

// Str appends a length-prefixed string.
func (b *Builder) Str(s string) *Builder {
	b.U32(uint32(len(s)))
	b.buf = append(b.buf, s...)
	return b
}

// Bytes appends a length-prefixed byte string.
func (b *Builder) Bytes(p []byte) *Builder {
	b.U32(uint32(len(p)))
	b.buf = append(b.buf, p...)
	return b
}

// Msg finishes the payload as a message of type t.
func (b *Builder) Msg(t Type) Msg { return Msg{Type: t, Payload: b.buf} }

// New starts a payload.
func New() *Builder { return &Builder{} }

// Reader decodes a payload value by value; the first error sticks.
type Reader struct {
	p   []byte
	err error
}

// NewReader reads the payload of m.
func NewReader(m Msg) *Reader { return &Reader{p: m.Payload} }

var errShort = errors.New("protocol: payload too short")

// U32 reads a u32.
func (r *Reader) U32() uint32 {
	if r.err != nil || len(r.p) < 4 {
		r.err = errShort
		return 0
	}
	v := binary.LittleEndian.Uint32(r.p)
	r.p = r.p[4:]
	return v
}

// U64 reads a u64.
func (r *Reader) U64() uint64 {
	if r.err != nil || len(r.p) < 8 {
		r.err = errShort
		return 0
	}
	v := binary.LittleEndian.Uint64(r.p)
	r.p = r.p[8:]
	return v
}

// Str reads a length-prefixed string.
func (r *Reader) Str() string {
	n := r.U32()
	if r.err != nil || uint64(n) > uint64(len(r.p)) {
		r.err = errShort
		return ""
	}
	s := string(r.p[:n])
	r.p = r.p[n:]
	return s
}

// Err reports the first decoding error.
func (r *Reader) Err() error { return r.err }

// Encode appends the frames of msgs to buf.
func Encode(buf []byte, msgs ...Msg) []byte {
	for _, m := range msgs {
		buf = binary.LittleEndian.AppendUint32(buf, uint32(m.Type))
		buf = binary.LittleEndian.AppendUint32(buf, uint32(len(m.Payload)))
		buf = append(buf, m.Payload...)
	}
	return buf
}

// ReadMsg reads one frame from r, refusing payloads over MaxMsg.
func ReadMsg(r io.Reader) (Msg, error) {
	var hdr [8]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return Msg{}, err
	}
	t := Type(binary.LittleEndian.Uint32(hdr[:4]))
	n := binary.LittleEndian.Uint32(hdr[4:])
	if n > MaxMsg {
		return Msg{}, fmt.Errorf("protocol: %v frame of %d bytes exceeds %d", t, n, MaxMsg)
	}
	m := Msg{Type: t, Payload: make([]byte, n)}
	if _, err := io.ReadFull(r, m.Payload); err != nil {
		return Msg{}, fmt.Errorf("protocol: read %v payload: %w", t, io.ErrUnexpectedEOF)
	}
	return m, nil
}
