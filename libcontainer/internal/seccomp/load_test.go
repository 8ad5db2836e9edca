package seccomp

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The loader half of the tests: the test binary re-executes itself with
// envChild set; the child loads the filter on its (locked) thread the way
// rt-init does, with no_new_privs and a raw seccomp(2), then runs probes and
// prints "probe errno" lines. no_new_privs makes this work without root.
const (
	envChild  = "RT_SECCOMP_TEST_BPF"
	envFlags  = "RT_SECCOMP_TEST_FLAGS"
	envProbes = "RT_SECCOMP_TEST_PROBES"
	envDir    = "RT_SECCOMP_TEST_DIR"
)

func TestMain(m *testing.M) {
	if path := os.Getenv(envChild); path != "" {
		os.Exit(childMain(path))
	}
	os.Exit(m.Run())
}

// probes are the syscalls a child can try. Each returns the raw errno (0 = ok).
// The path for mkdirat is converted before the filter is loaded, so that a
// probe makes exactly one syscall.
var probes = map[string]func(path *byte) unix.Errno{
	"mkdirat": func(p *byte) unix.Errno {
		atFdcwd := unix.AT_FDCWD
		return raw(unix.SYS_MKDIRAT, uintptr(atFdcwd), uintptr(unsafe.Pointer(p)), 0o755)
	},
	"getpid":       func(*byte) unix.Errno { return raw(unix.SYS_GETPID) },
	"getppid":      func(*byte) unix.Errno { return raw(unix.SYS_GETPPID) },
	"umask022":     func(*byte) unix.Errno { return raw(unix.SYS_UMASK, 0o22) },
	"umask077":     func(*byte) unix.Errno { return raw(unix.SYS_UMASK, 0o77) },
	"umask011":     func(*byte) unix.Errno { return raw(unix.SYS_UMASK, 0o11) },
	"getpriority0": func(*byte) unix.Errno { return raw(unix.SYS_GETPRIORITY, unix.PRIO_PROCESS, 0) },
	"getpriority1": func(*byte) unix.Errno { return raw(unix.SYS_GETPRIORITY, unix.PRIO_PGRP, 0) },
}

func raw(nr uintptr, args ...uintptr) unix.Errno {
	var a [3]uintptr
	copy(a[:], args)
	_, _, e := unix.RawSyscall(nr, a[0], a[1], a[2])
	return e
}

func childMain(path string) int {
	bpf, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	flags, _ := strconv.ParseUint(os.Getenv(envFlags), 10, 32)
	names := strings.Split(os.Getenv(envProbes), ",")
	dirPath, err := unix.BytePtrFromString(filepath.Join(os.Getenv(envDir), "d"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	// Allocate the output before the filter is loaded: only write(2) is needed after.
	out := make([]byte, 0, 4096)

	runtime.LockOSThread() // the filter applies to this thread only (no TSYNC)
	if err := load(uint32(flags), bpf); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	for _, name := range names {
		e := probes[name](dirPath)
		out = append(out, name...)
		out = append(out, ' ')
		out = strconv.AppendUint(out, uint64(e), 10)
		out = append(out, '\n')
	}
	_, _, _ = unix.RawSyscall(unix.SYS_WRITE, 1, uintptr(unsafe.Pointer(&out[0])), uintptr(len(out)))
	return 0
}

// load is what rt-init does: no_new_privs, then seccomp(SET_MODE_FILTER).
func load(flags uint32, bpf []byte) error {
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("prctl(PR_SET_NO_NEW_PRIVS): %w", err)
	}
	insns := make([]unix.SockFilter, len(bpf)/8)
	for i := range insns {
		b := bpf[i*8:]
		insns[i] = unix.SockFilter{
			Code: binary.NativeEndian.Uint16(b[0:]), Jt: b[2], Jf: b[3],
			K: binary.NativeEndian.Uint32(b[4:]),
		}
	}
	prog := unix.SockFprog{Len: uint16(len(insns)), Filter: &insns[0]}
	_, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER,
		uintptr(flags), uintptr(unsafe.Pointer(&prog)))
	runtime.KeepAlive(insns)
	if e != 0 {
		return fmt.Errorf("seccomp(SECCOMP_SET_MODE_FILTER, %#x): %w", flags, e)
	}
	return nil
}

// childResult is what a child run reports.
type childResult struct {
	errnos map[string]unix.Errno
	state  *os.ProcessState
	stderr string
}

// runChild loads (flags, bpf) in a fresh child and runs the named probes.
func runChild(t *testing.T, flags uint32, bpf []byte, names ...string) childResult {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "filter.bpf")
	if err := os.WriteFile(path, bpf, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/proc/self/exe", "-test.run=^$")
	cmd.Env = append(os.Environ(), envChild+"="+path, envFlags+"="+strconv.FormatUint(uint64(flags), 10),
		envProbes+"="+strings.Join(names, ","), envDir+"="+dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); cmd.ProcessState == nil {
		t.Fatalf("run the child: %v", err)
	}
	res := childResult{errnos: map[string]unix.Errno{}, state: cmd.ProcessState, stderr: stderr.String()}
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		name, num, _ := strings.Cut(sc.Text(), " ")
		n, _ := strconv.Atoi(num)
		res.errnos[name] = unix.Errno(n)
	}
	return res
}

// expect runs the probes and checks each errno (0 = allowed).
func expect(t *testing.T, flags uint32, bpf []byte, want map[string]unix.Errno) {
	t.Helper()
	names := make([]string, 0, len(want))
	for n := range want {
		names = append(names, n)
	}
	res := runChild(t, flags, bpf, names...)
	if !res.state.Success() {
		t.Fatalf("child: %v, stderr: %s", res.state, res.stderr)
	}
	for n, w := range want {
		got, ok := res.errnos[n]
		if !ok {
			t.Errorf("%s: no result", n)
		} else if got != w {
			t.Errorf("%s: errno %d (%v), want %d (%v)", n, int(got), got, int(w), w)
		}
	}
}

func signaled(st *os.ProcessState) syscall.Signal {
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return ws.Signal()
	}
	return 0
}
