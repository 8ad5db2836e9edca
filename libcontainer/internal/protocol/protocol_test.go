package protocol

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"regexp"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// cNames maps every message constant of csrc/proto.h to its Go twin.
var cNames = map[string]uint32{
	"RT_NS_JOIN": uint32(NSJoin), "RT_NS_NEW": uint32(NSNew), "RT_TIMENS_OFFSETS": uint32(TimensOffsets),
	"RT_ROOTFS": uint32(Rootfs), "RT_MOUNT": uint32(Mount), "RT_DEVICE": uint32(Device),
	"RT_SYMLINK": uint32(Symlink), "RT_MASK": uint32(Mask), "RT_READONLY": uint32(Readonly),
	"RT_HOSTNAME": uint32(Hostname), "RT_DOMAINNAME": uint32(Domainname), "RT_SYSCTL": uint32(Sysctl),
	"RT_RLIMIT": uint32(Rlimit), "RT_CAPS": uint32(Caps), "RT_USER": uint32(User),
	"RT_NO_NEW_PRIVS": uint32(NoNewPrivs), "RT_SECCOMP": uint32(Seccomp), "RT_PERSONALITY": uint32(Personality),
	"RT_SCHED": uint32(Sched), "RT_IOPRIO": uint32(IOPrio), "RT_ARG": uint32(Arg), "RT_ENV": uint32(Env),
	"RT_CWD": uint32(Cwd), "RT_TERMINAL": uint32(Terminal), "RT_HOOK": uint32(Hook), "RT_FDS": uint32(Fds),
	"RT_START_FD": uint32(StartFd), "RT_OPTIONS": uint32(Options), "RT_EXEC": uint32(Exec), "RT_LABEL": uint32(Label), "RT_MEMPOLICY": uint32(MemPolicy), "RT_LABEL_APPARMOR": LabelAppArmor, "RT_LABEL_SELINUX": LabelSELinux, "RT_END": uint32(End),
	"RT_MAP_REQUEST": uint32(MapRequest), "RT_CHILD_PID": uint32(ChildPid),
	"RT_HOOKS_REQUEST": uint32(HooksRequest), "RT_READY": uint32(Ready), "RT_ERROR": uint32(Error), "RT_SECCOMP_FD": uint32(SeccompFd),
	"RT_MAP_DONE": uint32(MapDone), "RT_HOOKS_DONE": uint32(HooksDone), "RT_GO": uint32(Go),
	"RT_MOUNT_FS": MountKindFS, "RT_MOUNT_BIND": MountKindBind,
	"RT_HOOK_CREATE_CONTAINER": HookCreateCtr, "RT_HOOK_START_CONTAINER": HookStartCtr,
	"RT_OPT_NO_NEW_KEYRING": OptNoNewKeyring, "RT_OPT_HOOKS": OptHooks, "RT_OPT_SETGROUPS_DENY": OptSetgroupsDeny, "RT_OPT_EXEC": OptExec,
	"RT_MAX_MSG": MaxMsg, "RT_ROOT_PIVOT": RootPivot, "RT_ROOT_MOVE": RootMove, "RT_ROOT_CHROOT": RootChroot,
}

// TestCHeaderMatches keeps csrc/proto.h and this package in step.
func TestCHeaderMatches(t *testing.T) {
	f, err := os.Open("../nsexec/csrc/proto.h")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	re := regexp.MustCompile(`^#define\s+(RT_[A-Z0-9_]+)\s+\(?(\d+)u?(?:\s*<<\s*(\d+))?`)
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := re.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		v, _ := strconv.ParseUint(m[2], 10, 32)
		if m[3] != "" {
			sh, _ := strconv.Atoi(m[3])
			v <<= sh
		}
		want, ok := cNames[m[1]]
		if !ok {
			if m[1] == "RT_MAX_BOOTSTRAP" {
				continue
			}
			t.Errorf("%s = %d in proto.h has no Go twin", m[1], v)
			continue
		}
		seen[m[1]] = true
		if uint32(v) != want {
			t.Errorf("%s: C says %d, Go says %d", m[1], v, want)
		}
	}
	for name := range cNames {
		if !seen[name] {
			t.Errorf("%s is missing from proto.h", name)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	m := New().U32(7).U64(1 << 40).Str("/proc").Bytes([]byte{0, 1}).Msg(Mount)
	buf := Encode(nil, m, Msg{Type: End})
	r := bytes.NewReader(buf)
	got, err := ReadMsg(r)
	if err != nil || got.Type != Mount {
		t.Fatalf("ReadMsg: %v %v", got.Type, err)
	}
	d := NewReader(got)
	if d.U32() != 7 || d.U64() != 1<<40 || d.Str() != "/proc" || d.Str() != "\x00\x01" || d.Err() != nil {
		t.Fatalf("decoded values differ: %v", d.Err())
	}
	if d.U32(); d.Err() == nil {
		t.Fatal("reading past the payload must fail")
	}
	if end, err := ReadMsg(r); err != nil || end.Type != End {
		t.Fatalf("End: %v %v", end.Type, err)
	}
	if _, err := ReadMsg(r); !errors.Is(err, io.EOF) {
		t.Fatalf("want EOF, got %v", err)
	}
}

func TestBoundedLength(t *testing.T) {
	hdr := []byte{1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}
	if _, err := ReadMsg(bytes.NewReader(hdr)); err == nil {
		t.Fatal("a 4 GiB frame must be refused")
	}
	short := Encode(nil, Msg{Type: Arg, Payload: []byte{5, 0, 0, 0, 'a'}})
	m, err := ReadMsg(bytes.NewReader(short))
	if err != nil {
		t.Fatal(err)
	}
	if r := NewReader(m); r.Str() != "" || r.Err() == nil {
		t.Fatal("a string longer than its payload must fail")
	}
}

func TestInitError(t *testing.T) {
	m := New().Str("exec").U32(uint32(unix.ENOENT)).Str(`"/nope": stat /nope`).Msg(Error)
	_, err := Expect(bytes.NewReader(Encode(nil, m)), Ready)
	if !errors.Is(err, unix.ENOENT) {
		t.Fatalf("errors.Is(ENOENT) failed for %v", err)
	}
	if want := `exec: "/nope": stat /nope: no such file or directory`; err.Error() != want {
		t.Fatalf("got %q, want %q", err, want)
	}
	_, err = Expect(bytes.NewReader(Encode(nil, Msg{Type: ChildPid})), Ready)
	if err == nil || err.Error() != "protocol: expected [Ready], got ChildPid" {
		t.Fatalf("unexpected message error: %v", err)
	}
}

// FuzzReadMsg: no input may panic the decoder or make it allocate more
// than MaxMsg.
func FuzzReadMsg(f *testing.F) {
	f.Add(Encode(nil, New().Str("x").U32(1).Msg(Error)))
	f.Add([]byte{1, 0, 0, 0, 4, 0, 0, 0, 1, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		for {
			m, err := ReadMsg(r)
			if err != nil {
				return
			}
			if len(m.Payload) > MaxMsg {
				t.Fatalf("payload of %d bytes", len(m.Payload))
			}
			_ = DecodeError(m)
			d := NewReader(m)
			_, _, _ = d.Str(), d.U64(), d.U32()
		}
	})
}
