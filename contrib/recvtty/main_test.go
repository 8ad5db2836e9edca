package main

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPty returns a new pty pair, or skips when the machine has no /dev/ptmx.
func openPty(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	return m, s
}

// send connects to path and sends fd the way rt's init does: the pty name as
// the payload, the fd as SCM_RIGHTS (no fd at all when fd < 0).
func send(path string, name string, fd int) error {
	var c *net.UnixConn
	var err error
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if c, err = net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"}); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		return err
	}
	defer c.Close()
	var oob []byte
	if fd >= 0 {
		oob = unix.UnixRights(fd)
	}
	_, _, err = c.WriteMsgUnix([]byte(name), oob, nil)
	return err
}

// sendAsync runs send in the background; the returned func reports its error.
func sendAsync(t *testing.T, path, name string, fd int) func() {
	errc := make(chan error, 1)
	go func() { errc <- send(path, name, fd) }()
	return func() {
		t.Helper()
		if err := <-errc; err != nil {
			t.Fatalf("send: %v", err)
		}
	}
}

func TestReceiveAndDrain(t *testing.T) {
	master, slave := openPty(t)
	defer master.Close()
	path := filepath.Join(t.TempDir(), "console.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	sent := sendAsync(t, path, "/dev/pts/test", int(master.Fd()))

	got, err := receive(ln)
	if err != nil {
		t.Fatal(err)
	}
	sent()
	defer got.Close()
	if got.Name() != "/dev/pts/test" {
		t.Errorf("name %q, want the payload /dev/pts/test", got.Name())
	}
	if _, err := slave.WriteString("hello from the container\n"); err != nil {
		t.Fatal(err)
	}
	slave.Close() // the container exits: the master then reads EIO

	var out bytes.Buffer
	if err := drain(&out, got); err != nil {
		t.Fatalf("drain: %v (EIO at the end must be the normal end)", err)
	}
	if !strings.Contains(out.String(), "hello from the container") {
		t.Errorf("output %q", out.String())
	}
}

func TestReceiveWithoutFd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "console.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	sent := sendAsync(t, path, "no fd here", -1)
	defer sent()
	if f, err := receive(ln); err == nil {
		f.Close()
		t.Fatal("a message without an fd was accepted")
	}
}

func TestRunNullMode(t *testing.T) {
	master, slave := openPty(t)
	defer master.Close()
	dir := t.TempDir()
	path, pidFile := filepath.Join(dir, "console.sock"), filepath.Join(dir, "pid")
	done := make(chan error, 1)
	go func() { done <- run(path, "null", pidFile) }()
	if err := send(path, "/dev/pts/x", int(master.Fd())); err != nil {
		t.Fatal(err)
	}
	if _, err := slave.WriteString("discarded\n"); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("recvtty did not return once the pty was closed")
	}
	b, err := os.ReadFile(pidFile)
	if err != nil || string(b) != strconv.Itoa(os.Getpid()) {
		t.Errorf("pid file: %q, %v", b, err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the socket file is left behind: %v", err)
	}
}
