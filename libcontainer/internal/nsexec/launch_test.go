package nsexec

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestFds(t *testing.T) {
	f := os.Stdin // any non-nil file: Fds only looks at presence
	for _, c := range []struct {
		extra                    int
		start, console           bool
		sync, startFd, consoleFd int
	}{
		{0, false, false, 3, -1, -1},
		{0, true, false, 3, 4, -1},
		{0, false, true, 3, -1, 4},
		{0, true, true, 3, 4, 5},
		{1, false, false, 4, -1, -1},
		{2, true, false, 5, 6, -1},
		{2, false, true, 5, -1, 6},
		{2, true, true, 5, 6, 7},
		{10, true, true, 13, 14, 15},
	} {
		l := &Launch{Extra: make([]*os.File, c.extra)}
		if c.start {
			l.StartListener = f
		}
		if c.console {
			l.ConsoleSocket = f
		}
		s, st, co := l.Fds()
		if s != c.sync || st != c.startFd || co != c.consoleFd {
			t.Errorf("extra %d start %v console %v: Fds() = %d, %d, %d; want %d, %d, %d",
				c.extra, c.start, c.console, s, st, co, c.sync, c.startFd, c.consoleFd)
		}
	}
}

// ident names an open file the way /proc/<pid>/fd shows it.
func ident(t *testing.T, f *os.File) string {
	t.Helper()
	s, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(int(f.Fd())))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestStartFdLayout runs start() with a shell script in place of rt-init and
// checks that the fds the child really gets are the ones Fds() announces,
// and that argv[1] is the sync fd.
func TestStartFdLayout(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh")
	}
	// The child gets an empty environment (no PATH): name readlink fully.
	readlink, err := exec.LookPath("readlink")
	if err != nil {
		t.Skipf("no readlink binary: %v", err)
	}
	dir := t.TempDir()
	script := fmt.Sprintf("#!/bin/sh\necho \"argv1 $1\"\nfor n in 0 1 2 3 4 5 6 7 8 9; do\n"+
		"  if [ -e /proc/$$/fd/$n ]; then echo \"$n $(%s /proc/$$/fd/$n)\"; fi\ndone\n", readlink)
	sp := filepath.Join(dir, "fake-init")
	if err := os.WriteFile(sp, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	// The interpreter reopens /proc/self/fd/N: the fd must survive the exec
	// (rt-init, a binary, needs no such thing).
	sf, err := os.Open(sp)
	if err != nil {
		t.Fatal(err)
	}
	defer sf.Close()
	hi, err := unix.FcntlInt(sf.Fd(), unix.F_DUPFD, 256)
	if err != nil {
		t.Fatal(err)
	}
	exe := os.NewFile(uintptr(hi), "fake-init")
	defer exe.Close()

	open := func(name string) *os.File {
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	pair := func() (*os.File, *os.File) {
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		a, b := os.NewFile(uintptr(fds[0]), "a"), os.NewFile(uintptr(fds[1]), "b")
		t.Cleanup(func() { a.Close(); b.Close() })
		return a, b
	}

	for _, c := range []struct {
		extra          int
		start, console bool
	}{{0, false, false}, {0, true, true}, {2, true, false}, {2, false, true}, {3, true, true}} {
		name := fmt.Sprintf("extra%d-start%v-console%v", c.extra, c.start, c.console)
		t.Run(name, func(t *testing.T) {
			out := open(name + ".out")
			l := &Launch{Stdio: [3]*os.File{open(name + ".in"), out, out}}
			want := map[int]string{0: ident(t, l.Stdio[0]), 1: ident(t, out), 2: ident(t, out)}
			for i := 0; i < c.extra; i++ {
				l.Extra = append(l.Extra, open(name+".extra"+strconv.Itoa(i)))
				want[3+i] = ident(t, l.Extra[i])
			}
			if c.start {
				l.StartListener, _ = pair()
			}
			if c.console {
				l.ConsoleSocket, _ = pair()
			}
			syncFd, startFd, consoleFd := l.Fds()
			if c.start {
				want[startFd] = ident(t, l.StartListener)
			}
			if c.console {
				want[consoleFd] = ident(t, l.ConsoleSocket)
			}
			_, sync := pair()
			want[syncFd] = ident(t, sync)

			p, err := l.start(exe, sync)
			if err != nil {
				t.Fatal(err)
			}
			st, err := p.Wait()
			if err != nil || !st.Success() {
				t.Fatalf("fake init: %v %v", st, err)
			}
			b, err := os.ReadFile(out.Name())
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			if len(lines) == 0 || lines[0] != "argv1 "+strconv.Itoa(syncFd) {
				t.Fatalf("fake init output %q, want argv1 %d first", b, syncFd)
			}
			got := map[int]string{}
			for _, ln := range lines[1:] {
				n, target, ok := strings.Cut(ln, " ")
				fd, err := strconv.Atoi(n)
				if !ok || err != nil {
					t.Fatalf("bad line %q", ln)
				}
				got[fd] = target
			}
			// The layout is contiguous from 0; above it the shell may
			// have fds of its own (the script it reads).
			for fd := 0; fd < len(want); fd++ {
				if got[fd] != want[fd] {
					t.Errorf("fd %d in the child: %q, want %q", fd, got[fd], want[fd])
				}
			}
		})
	}
}

// TestSealedInit: rt-init is handed out as a sealed, read-only memfd.
func TestSealedInit(t *testing.T) {
	bin := initBinary()
	if len(bin) == 0 {
		t.Skip("rt-init is not embedded (bin/rt-init missing): run `make init` first")
	}
	f, err := sealedInit()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fd := f.Fd()

	if fd < 256 {
		t.Errorf("memfd at fd %d, want >= 256 (above the fds dup2'ed into the child)", fd)
	}
	if fl, err := unix.FcntlInt(fd, unix.F_GETFD, 0); err != nil || fl&unix.FD_CLOEXEC == 0 {
		t.Errorf("memfd not close-on-exec: %#x, %v", fl, err)
	}
	if link, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(int(fd))); err != nil || !strings.HasPrefix(link, "/memfd:rt-init") {
		t.Errorf("fd %d is %q (%v), want a memfd named rt-init", fd, link, err)
	}
	seals, err := unix.FcntlInt(fd, unix.F_GET_SEALS, 0)
	if err != nil {
		t.Fatalf("F_GET_SEALS: %v", err)
	}
	for _, s := range []struct {
		bit  int
		name string
	}{{unix.F_SEAL_WRITE, "F_SEAL_WRITE"}, {unix.F_SEAL_SEAL, "F_SEAL_SEAL"},
		{unix.F_SEAL_SHRINK, "F_SEAL_SHRINK"}, {unix.F_SEAL_GROW, "F_SEAL_GROW"}} {
		if seals&s.bit == 0 {
			t.Errorf("seals %#x lack %s", seals, s.name)
		}
	}

	// Contents: exactly the embedded binary, an ELF executable.
	var st unix.Stat_t
	if err := unix.Fstat(int(fd), &st); err != nil {
		t.Fatal(err)
	}
	if st.Size != int64(len(bin)) {
		t.Errorf("memfd size %d, embedded binary %d", st.Size, len(bin))
	}
	got := make([]byte, len(bin))
	if n, err := f.ReadAt(got, 0); n != len(bin) || (err != nil && n != len(bin)) {
		t.Fatalf("read memfd: %d bytes, %v", n, err)
	}
	if !bytes.Equal(got, bin) || !bytes.HasPrefix(got, []byte("\x7fELF")) {
		t.Error("memfd contents differ from the embedded ELF binary")
	}

	// Nothing can change it.
	if _, err := f.WriteAt([]byte("x"), 0); !errors.Is(err, unix.EPERM) {
		t.Errorf("write to the sealed memfd: %v, want EPERM", err)
	}
	if _, err := unix.Pwrite(int(fd), []byte("x"), int64(len(bin))); !errors.Is(err, unix.EPERM) {
		t.Errorf("append to the sealed memfd: %v, want EPERM", err)
	}
	if err := unix.Ftruncate(int(fd), 1); !errors.Is(err, unix.EPERM) {
		t.Errorf("shrink: %v, want EPERM", err)
	}
	if err := unix.Ftruncate(int(fd), int64(len(bin))+4096); !errors.Is(err, unix.EPERM) {
		t.Errorf("grow: %v, want EPERM", err)
	}
	if _, err := unix.FcntlInt(fd, unix.F_ADD_SEALS, unix.F_SEAL_EXEC); !errors.Is(err, unix.EPERM) {
		t.Errorf("adding a seal: %v, want EPERM (F_SEAL_SEAL)", err)
	}
	if m, err := unix.Mmap(int(fd), 0, len(bin), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED); !errors.Is(err, unix.EPERM) {
		if err == nil {
			_ = unix.Munmap(m)
		}
		t.Errorf("writable shared mapping: %v, want EPERM", err)
	}
	// Reopening it through /proc for writing gives no way around the seals.
	if w, err := os.OpenFile("/proc/self/fd/"+strconv.Itoa(int(fd)), os.O_WRONLY, 0); err == nil {
		_, werr := w.Write([]byte("x"))
		w.Close()
		if !errors.Is(werr, unix.EPERM) {
			t.Errorf("write through a reopened fd: %v, want EPERM", werr)
		}
	}
	// Each call makes a fresh memfd.
	g, err := sealedInit()
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	var st2 unix.Stat_t
	if err := unix.Fstat(int(g.Fd()), &st2); err != nil {
		t.Fatal(err)
	}
	if st2.Ino == st.Ino {
		t.Error("two sealedInit calls returned the same memfd")
	}
}

// TestStartManyExtra: with more preserved fds than the memfd's number (256),
// the child's dup2s must not replace the file exec'd as rt-init.
func TestStartManyExtra(t *testing.T) {
	truePath, err := exec.LookPath("true")
	if err != nil {
		t.Skipf("no true binary: %v", err)
	}
	bin, err := os.ReadFile(truePath)
	if err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	exePath := filepath.Join(dir, "init")
	if err := os.WriteFile(exePath, bin, 0o700); err != nil {
		t.Fatal(err)
	}
	ef, err := os.Open(exePath)
	if err != nil {
		t.Fatal(err)
	}
	defer ef.Close()
	hi, err := unix.FcntlInt(ef.Fd(), unix.F_DUPFD_CLOEXEC, 256) // where sealedInit puts it
	if err != nil {
		t.Fatal(err)
	}
	exe := os.NewFile(uintptr(hi), "init")
	defer exe.Close()

	for _, n := range []int{252, 253, 300} {
		l := &Launch{}
		for i := 0; i < n; i++ {
			f, err := os.OpenFile(filepath.Join(dir, "extra"+strconv.Itoa(i)), os.O_RDWR|os.O_CREATE, 0o600)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			l.Extra = append(l.Extra, f)
		}
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		p, err := l.start(exe, w)
		r.Close()
		w.Close()
		if err != nil {
			t.Errorf("%d extra fds: %v", n, err)
			continue
		}
		if st, err := p.Wait(); err != nil || !st.Success() {
			t.Errorf("%d extra fds: the wrong program ran: %v %v", n, st, err)
		}
	}
}
