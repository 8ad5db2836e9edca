// Command recvtty is the receiving end of `rt create --console-socket`: it
// listens on a unix socket, takes the pty master that rt's init sends over it
// (SCM_RIGHTS), and connects it to its own terminal (mode copy) or discards
// the container's terminal output (mode null), until the container's side of
// the pty is closed.  podman (conmon) and containerd's shim play this part in
// production; recvtty is for trying rt by hand and for scripts.
//
//	recvtty [-mode copy|null] [-pid-file FILE] SOCKET
//	rt create --console-socket SOCKET ... ID && rt start ID
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

func main() {
	mode := flag.String("mode", "copy", "copy: connect the container's terminal to this one; null: discard its output")
	pidFile := flag.String("pid-file", "", "write recvtty's pid to this file once the socket listens")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: recvtty [-mode copy|null] [-pid-file FILE] SOCKET\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 || (*mode != "copy" && *mode != "null") {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *mode, *pidFile); err != nil {
		fmt.Fprintln(os.Stderr, "recvtty:", err)
		os.Exit(1)
	}
}

func run(path, mode, pidFile string) error {
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return err
	}
	defer ln.Close() // also removes the socket file
	if pidFile != "" {
		if err := os.WriteFile(pidFile, []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
			return err
		}
	}
	master, err := receive(ln)
	if err != nil {
		return err
	}
	defer master.Close()
	if mode == "null" {
		return drain(io.Discard, master)
	}
	if restore, err := makeRaw(os.Stdin); err == nil {
		defer restore()
	}
	go func() { _, _ = io.Copy(master, os.Stdin) }()
	return drain(os.Stdout, master)
}

// receive accepts one connection and reads the single fd it carries.
func receive(ln *net.UnixListener) (*os.File, error) {
	conn, err := ln.AcceptUnix()
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	name := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := conn.ReadMsgUnix(name, oob)
	if err != nil {
		return nil, fmt.Errorf("receive the pty master: %w", err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return nil, errors.New("receive the pty master: the message carries no fd")
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return nil, errors.New("receive the pty master: want exactly one fd")
	}
	unix.CloseOnExec(fds[0])
	return os.NewFile(uintptr(fds[0]), string(name[:n])), nil
}

// drain copies the container's terminal output to w until the container's
// side is closed: a pty master then reads EIO, which is the normal end.
func drain(w io.Writer, master io.Reader) error {
	_, err := io.Copy(w, master)
	if errors.Is(err, unix.EIO) {
		return nil
	}
	return err
}

// makeRaw puts a terminal in raw mode (keys go to the container unprocessed)
// and returns how to restore it; it fails when f is not a terminal.
func makeRaw(f *os.File) (func(), error) {
	fd := int(f.Fd())
	saved, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return nil, err
	}
	t := *saved
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &t); err != nil {
		return nil, err
	}
	return func() { _ = unix.IoctlSetTermios(fd, unix.TCSETS, saved) }, nil
}
