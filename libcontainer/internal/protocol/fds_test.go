package protocol

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// pair returns a connected stream socketpair: the reader side as *os.File
// and the raw writer fd; both are closed at the end of the test.
func pair(t *testing.T) (*os.File, int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	r := os.NewFile(uintptr(fds[0]), "reader")
	t.Cleanup(func() { r.Close(); unix.Close(fds[1]) })
	return r, fds[1]
}

// sendFrame writes one frame from w, with fds attached to its first byte;
// split > 0 sends the first split bytes alone first (a short read).
func sendFrame(t *testing.T, w int, m Msg, split int, fds ...int) {
	t.Helper()
	b := Encode(nil, m)
	first := b
	if split > 0 {
		first = b[:split]
	}
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	if err := unix.Sendmsg(w, first, oob, nil, 0); err != nil {
		t.Fatal(err)
	}
	if split > 0 {
		if _, err := unix.Write(w, b[split:]); err != nil {
			t.Fatal(err)
		}
	}
}

func openFds(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

func devNull(t *testing.T) int {
	t.Helper()
	fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

// TestReadMsgFd: a SeccompFd frame brings its fd (close-on-exec), also when
// the header arrives in pieces; frames around it read as usual.
func TestReadMsgFd(t *testing.T) {
	r, w := pair(t)
	sendFrame(t, w, New().U32(5).Msg(ChildPid), 0)
	sendFrame(t, w, Msg{Type: SeccompFd}, 3, devNull(t))
	sendFrame(t, w, Msg{Type: Ready}, 0)
	unix.Close(w)
	m, fd, err := ReadMsgFd(r)
	if err != nil || m.Type != ChildPid || fd != nil || NewReader(m).U32() != 5 {
		t.Fatalf("ChildPid: %v %v %v", m.Type, fd, err)
	}
	m, fd, err = ReadMsgFd(r)
	if err != nil || m.Type != SeccompFd || fd == nil {
		t.Fatalf("SeccompFd: %v %v %v", m.Type, fd, err)
	}
	if fl, err := unix.FcntlInt(fd.Fd(), unix.F_GETFD, 0); err != nil || fl&unix.FD_CLOEXEC == 0 {
		t.Errorf("received fd flags %#x (%v): want close-on-exec", fl, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(fd.Fd()), &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR {
		t.Errorf("received fd is not /dev/null: mode %o %v", st.Mode, err)
	}
	fd.Close()
	if m, _, err = ExpectFd(r, Ready); err != nil || m.Type != Ready {
		t.Fatalf("Ready: %v %v", m.Type, err)
	}
	if _, _, err := ReadMsgFd(r); !errors.Is(err, io.EOF) {
		t.Fatalf("want EOF, got %v", err)
	}
}

// TestReadMsgFdRefuses: an fd on another frame, two fds, a SeccompFd without
// an fd or with a payload: errors, and no received fd stays open.
func TestReadMsgFdRefuses(t *testing.T) {
	null := devNull(t)
	cases := []struct {
		name string
		m    Msg
		fds  []int
		want string
	}{
		{"fd on Ready", Msg{Type: Ready}, []int{null}, "unexpected fd with a Ready frame"},
		{"two fds", Msg{Type: SeccompFd}, []int{null, null}, "carries 2 fds"},
		{"many fds", Msg{Type: SeccompFd}, []int{null, null, null, null, null, null, null, null}, "fds"},
		{"no fd", Msg{Type: SeccompFd}, nil, "without an fd"},
		{"payload", New().U32(1).Msg(SeccompFd), []int{null}, "payload bytes"},
	}
	for _, c := range cases {
		r, w := pair(t)
		before := openFds(t)
		sendFrame(t, w, c.m, 0, c.fds...)
		_, fd, err := ReadMsgFd(r)
		if err == nil || fd != nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: fd %v, err %v; want an error with %q", c.name, fd, err, c.want)
		}
		if after := openFds(t); after != before {
			t.Errorf("%s: %d fds open before, %d after: a received fd leaked", c.name, before, after)
		}
	}
}

// TestExpectFdError: an Error frame is decoded as with Expect.
func TestExpectFdError(t *testing.T) {
	r, w := pair(t)
	sendFrame(t, w, New().Str("seccomp").U32(uint32(unix.EINVAL)).Str("").Msg(Error), 0)
	if _, _, err := ExpectFd(r, Ready); !errors.Is(err, unix.EINVAL) {
		t.Fatalf("want EINVAL, got %v", err)
	}
}
