package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// ttyRelay is how `run` in the foreground gives the container a terminal
// without --console-socket: rt receives the pty master over a socketpair,
// puts its own terminal in raw mode and copies both ways.
type ttyRelay struct {
	ours, theirs *os.File
	master       *os.File
	saved        *unix.Termios
	out          sync.WaitGroup
}

func newTTYRelay() (*ttyRelay, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("console socketpair: %w", err)
	}
	return &ttyRelay{ours: os.NewFile(uintptr(fds[0]), "console"), theirs: os.NewFile(uintptr(fds[1]), "console")}, nil
}

// socket is the end handed to the container's init (nil for a nil relay).
func (r *ttyRelay) socket() *os.File {
	if r == nil {
		return nil
	}
	return r.theirs
}

// attach receives the pty master and starts copying.
func (r *ttyRelay) attach() error {
	r.theirs.Close()
	master, err := recvFd(r.ours)
	if err != nil {
		return err
	}
	r.master = master
	if t, err := unix.IoctlGetTermios(int(os.Stdin.Fd()), unix.TCGETS); err == nil {
		r.saved = t
		raw := *t
		makeRaw(&raw)
		_ = unix.IoctlSetTermios(int(os.Stdin.Fd()), unix.TCSETS, &raw)
		r.resize()
	}
	go func() { _, _ = io.Copy(master, os.Stdin) }()
	r.out.Add(1)
	go func() {
		defer r.out.Done()
		_, _ = io.Copy(os.Stdout, master) // ends with EIO once the container's side is closed
	}()
	return nil
}

// resize copies rt's window size to the container's terminal.
func (r *ttyRelay) resize() {
	if r == nil || r.master == nil {
		return
	}
	if ws, err := unix.IoctlGetWinsize(int(os.Stdin.Fd()), unix.TIOCGWINSZ); err == nil {
		_ = unix.IoctlSetWinsize(int(r.master.Fd()), unix.TIOCSWINSZ, ws)
	}
}

// finish waits for the output to drain and restores rt's terminal.
func (r *ttyRelay) finish() {
	if r == nil || r.master == nil {
		return
	}
	r.out.Wait()
	r.restore()
}

// restore puts rt's own terminal back as it was.
func (r *ttyRelay) restore() {
	if r != nil && r.saved != nil {
		_ = unix.IoctlSetTermios(int(os.Stdin.Fd()), unix.TCSETS, r.saved)
	}
}

func (r *ttyRelay) close() {
	r.ours.Close()
	r.theirs.Close()
	if r.master != nil {
		r.master.Close()
	}
}

func makeRaw(t *unix.Termios) {
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
}

// recvFd receives exactly one fd (SCM_RIGHTS) from a unix socket.
func recvFd(sock *os.File) (*os.File, error) {
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := unix.Recvmsg(int(sock.Fd()), buf, oob, unix.MSG_CMSG_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("receive pty master: %w", err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return nil, errors.New("receive pty master: no fd in the message")
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return nil, errors.New("receive pty master: expected exactly one fd")
	}
	return os.NewFile(uintptr(fds[0]), string(buf[:n])), nil
}
