package protocol

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// maxFdsPerMsg is how many fds one frame may carry: the seccomp notify fd.
const maxFdsPerMsg = 1

// ReadMsgFd reads one frame from the unix socket conn like ReadMsg, and the
// fd that rides on it (SCM_RIGHTS on the header bytes, received
// close-on-exec). Only SeccompFd carries an fd, and it must: any other fd,
// or more than one, is closed and is an error. fd is nil unless m is
// SeccompFd; the caller owns it.
func ReadMsgFd(conn *os.File) (m Msg, fd *os.File, err error) {
	var hdr [8]byte
	fds, err := recvHeader(conn, hdr[:])
	defer func() {
		for _, f := range fds {
			unix.Close(f)
		}
	}()
	if err != nil {
		return Msg{}, nil, err
	}
	t := Type(binary.LittleEndian.Uint32(hdr[:4]))
	n := binary.LittleEndian.Uint32(hdr[4:])
	if n > MaxMsg {
		return Msg{}, nil, fmt.Errorf("protocol: %v frame of %d bytes exceeds %d", t, n, MaxMsg)
	}
	m = Msg{Type: t, Payload: make([]byte, n)}
	if _, err := io.ReadFull(conn, m.Payload); err != nil {
		return Msg{}, nil, fmt.Errorf("protocol: read %v payload: %w", t, io.ErrUnexpectedEOF)
	}
	switch {
	case len(fds) > maxFdsPerMsg:
		return Msg{}, nil, fmt.Errorf("protocol: %v frame carries %d fds, at most %d allowed", t, len(fds), maxFdsPerMsg)
	case t == SeccompFd && n != 0:
		return Msg{}, nil, fmt.Errorf("protocol: SeccompFd frame with %d payload bytes, want none", n)
	case t == SeccompFd && len(fds) == 0:
		return Msg{}, nil, errors.New("protocol: SeccompFd frame without an fd")
	case t != SeccompFd && len(fds) > 0:
		return Msg{}, nil, fmt.Errorf("protocol: unexpected fd with a %v frame", t)
	case t == SeccompFd:
		fd = os.NewFile(uintptr(fds[0]), "seccomp notify fd")
		fds = nil
	}
	return m, fd, nil
}

// recvHeader fills hdr with recvmsg(2), looping on short reads, and returns
// every fd that came with those bytes (close-on-exec). On error the fds
// received so far are still returned, for the caller to close.
func recvHeader(conn *os.File, hdr []byte) ([]int, error) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("protocol: %w", err)
	}
	var fds []int
	// Room for a few more than allowed, so that extras are seen (and
	// closed) rather than silently truncated.
	oob := make([]byte, unix.CmsgSpace(4*(maxFdsPerMsg+3)))
	for got := 0; got < len(hdr); {
		var n, oobn, flags int
		var rerr error
		err := rc.Read(func(fd uintptr) bool {
			n, oobn, flags, _, rerr = unix.Recvmsg(int(fd), hdr[got:], oob, unix.MSG_CMSG_CLOEXEC)
			return !errors.Is(rerr, unix.EAGAIN) // EAGAIN: wait (pollable fds only)
		})
		if err == nil && errors.Is(rerr, unix.EINTR) {
			continue
		}
		if err == nil {
			err = rerr
		}
		more, perr := parseRights(oob[:oobn])
		fds = append(fds, more...)
		switch {
		case err != nil:
			return fds, fmt.Errorf("protocol: recvmsg: %w", err)
		case perr != nil:
			return fds, perr
		case flags&unix.MSG_CTRUNC != 0:
			return fds, errors.New("protocol: too many fds on one frame (control data truncated)")
		case n == 0 && got == 0:
			return fds, io.EOF
		case n == 0:
			return fds, io.ErrUnexpectedEOF
		}
		got += n
	}
	return fds, nil
}

// parseRights returns the fds of the SCM_RIGHTS messages in oob.
func parseRights(oob []byte) ([]int, error) {
	if len(oob) == 0 {
		return nil, nil
	}
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, fmt.Errorf("protocol: parse control data: %w", err)
	}
	var fds []int
	for _, cm := range msgs {
		if cm.Header.Level != unix.SOL_SOCKET || cm.Header.Type != unix.SCM_RIGHTS {
			continue
		}
		rights, err := unix.ParseUnixRights(&cm)
		if err != nil {
			return fds, fmt.Errorf("protocol: parse SCM_RIGHTS: %w", err)
		}
		fds = append(fds, rights...)
	}
	return fds, nil
}

// ExpectFd is Expect for a connection on which the init may send an fd
// (SeccompFd, which is always accepted besides want): it reads with ReadMsgFd.
func ExpectFd(conn *os.File, want ...Type) (Msg, *os.File, error) {
	m, fd, err := ReadMsgFd(conn)
	if err != nil {
		return m, nil, err
	}
	if m.Type == Error {
		return m, nil, DecodeError(m)
	}
	if m.Type == SeccompFd {
		return m, fd, nil
	}
	for _, w := range want {
		if m.Type == w {
			return m, nil, nil
		}
	}
	return m, nil, fmt.Errorf("protocol: expected %v, got %v", want, m.Type)
}
