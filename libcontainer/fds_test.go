package libcontainer

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func pidNSSpec(newPidNS bool) *specs.Spec {
	s := &specs.Spec{Process: &specs.Process{}, Linux: &specs.Linux{}}
	if newPidNS {
		s.Linux.Namespaces = []specs.LinuxNamespace{{Type: specs.MountNamespace}, {Type: specs.PIDNamespace}}
	} else {
		s.Linux.Namespaces = []specs.LinuxNamespace{{Type: specs.MountNamespace}, {Type: specs.PIDNamespace, Path: "/proc/1/ns/pid"}}
	}
	return s
}

func TestExtraFilesErrors(t *testing.T) {
	t.Setenv("LISTEN_FDS", "")
	t.Setenv("LISTEN_PID", strconv.Itoa(os.Getpid())) // LISTEN_FDS is for us
	if _, _, err := extraFiles(-1, pidNSSpec(true)); err == nil || err.Error() != "--preserve-fds: must not be negative" {
		t.Errorf("negative preserve: %v", err)
	}
	for _, v := range []string{"abc", "-1", "1x", " 1", "0x1"} {
		t.Setenv("LISTEN_FDS", v)
		files, env, err := extraFiles(0, pidNSSpec(true))
		if want := "LISTEN_FDS=" + strconv.Quote(v) + ": not a count of fds"; err == nil || err.Error() != want {
			t.Errorf("LISTEN_FDS=%q: %v, want %q", v, err, want)
		}
		if files != nil || env != nil {
			t.Errorf("LISTEN_FDS=%q: files %v env %v returned with the error", v, files, env)
		}
	}
}

func TestExtraFilesNone(t *testing.T) {
	t.Setenv("LISTEN_FDS", "")
	t.Setenv("LISTEN_PID", strconv.Itoa(os.Getpid()))
	files, env, err := extraFiles(0, pidNSSpec(true))
	if err != nil || files != nil || env != nil {
		t.Errorf("nothing to pass: %v, %v, %v", files, env, err)
	}
	// Zero fds: nothing to pass (announcing zero, as now, or not at all,
	// as runc, are both fine).
	t.Setenv("LISTEN_FDS", "0")
	files, env, err = extraFiles(0, pidNSSpec(true))
	if err != nil || files != nil || (env != nil && !reflect.DeepEqual(env, []string{"LISTEN_FDS=0", "LISTEN_PID=1"})) {
		t.Errorf("LISTEN_FDS=0: %v, %v, %v", files, env, err)
	}
}

// extraFiles wraps fds 3, 4, ... of the calling process, which in a test
// binary belong to the Go runtime: the cases that return files run in a
// child process that gets known files at those numbers.
const helperEnv = "RT_LIBCONTAINER_TEST_HELPER"

type extraFilesResult struct {
	Fds     []int    `json:"fds"`
	Targets []string `json:"targets"`
	Env     []string `json:"env"`
	Err     string   `json:"err"`
	EBADF   bool     `json:"ebadf"`
}

// TestExtraFilesHelper is the child's side (it does nothing in a normal run).
func TestExtraFilesHelper(t *testing.T) {
	if os.Getenv(helperEnv) != "extrafiles" {
		t.Skip("helper process for TestExtraFilesLayout")
	}
	if c := os.Getenv("HELPER_CLOSE"); c != "" {
		n, _ := strconv.Atoi(c)
		unix.Close(n)
	}
	// HELPER_OWNFD=n: fd n becomes one the process opened itself, as rt's
	// state dir, its start socket or the Go runtime's cgroup files are.
	if c := os.Getenv("HELPER_OWNFD"); c != "" {
		n, _ := strconv.Atoi(c)
		unix.Close(n)
		fd, err := unix.Open(os.TempDir(), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil || fd != n {
			t.Fatalf("setup: own fd at %d, want %d: %v", fd, n, err)
		}
	}
	// The systemd protocol: LISTEN_FDS counts only for the process named by
	// LISTEN_PID.
	if os.Getenv("HELPER_LISTEN_PID") == "self" {
		os.Setenv("LISTEN_PID", strconv.Itoa(os.Getpid()))
	}
	SealInheritedFds() // what main does first
	preserve, _ := strconv.Atoi(os.Getenv("HELPER_PRESERVE"))
	files, env, err := extraFiles(preserve, pidNSSpec(os.Getenv("HELPER_PIDNS") == "1"))
	r := extraFilesResult{Env: env}
	if err != nil {
		r.Err = err.Error()
		r.EBADF = errors.Is(err, unix.EBADF)
	}
	for _, f := range files {
		target, _ := os.Readlink("/proc/self/fd/" + strconv.Itoa(int(f.Fd())))
		r.Fds = append(r.Fds, int(f.Fd()))
		r.Targets = append(r.Targets, target)
	}
	b, _ := json.Marshal(r)
	if err := os.WriteFile(os.Getenv("HELPER_OUT"), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// runExtraFiles runs extraFiles in a child whose fds 3.. are nfiles named
// temporary files.
func runExtraFiles(t *testing.T, nfiles int, env ...string) (extraFilesResult, []string) {
	t.Helper()
	dir := t.TempDir()
	var files []*os.File
	var names []string
	for i := 0; i < nfiles; i++ {
		name := filepath.Join(dir, "file"+strconv.Itoa(i))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		files = append(files, f)
		names = append(names, name)
	}
	out := filepath.Join(dir, "out.json")
	// /proc/self/exe, not os.Args[0]: under `go test -exec setpriv ...` the
	// binary sits in a directory only root can search.
	cmd := exec.Command("/proc/self/exe", "-test.run=^TestExtraFilesHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"=extrafiles", "HELPER_OUT="+out, "LISTEN_FDS=", "LISTEN_PID=")
	cmd.Env = append(cmd.Env, env...)
	cmd.ExtraFiles = files
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("helper: %v\n%s", err, b)
	}
	var r extraFilesResult
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r, names
}

func TestExtraFilesLayout(t *testing.T) {
	for _, c := range []struct {
		name    string
		bug     string // a known bug: run only with RT_TEST_KNOWN_BUGS=1
		nfiles  int
		env     []string
		wantN   int
		wantEnv []string
		wantErr string // "*": any error
	}{
		{name: "preserve only", nfiles: 2, env: []string{"HELPER_PRESERVE=2", "HELPER_PIDNS=1"}, wantN: 2},
		{name: "listen then preserve", nfiles: 3,
			env:   []string{"HELPER_PRESERVE=2", "LISTEN_FDS=1", "HELPER_LISTEN_PID=self", "HELPER_PIDNS=1"},
			wantN: 3, wantEnv: []string{"LISTEN_FDS=1", "LISTEN_PID=1"}},
		{name: "listen, shared pid ns", nfiles: 2, env: []string{"LISTEN_FDS=2", "HELPER_LISTEN_PID=self"},
			wantN: 2, wantEnv: []string{"LISTEN_FDS=2"}},
		{name: "fewer preserved than files", nfiles: 3, env: []string{"HELPER_PRESERVE=1"}, wantN: 1},
		{name: "closed fd", nfiles: 4, env: []string{"HELPER_PRESERVE=4", "HELPER_CLOSE=5"},
			wantErr: "preserved fd 5: not an fd rt inherited: bad file descriptor"},
		{name: "closed listen fd", nfiles: 2, env: []string{"LISTEN_FDS=2", "HELPER_LISTEN_PID=self", "HELPER_CLOSE=4"},
			wantErr: "preserved fd 4: not an fd rt inherited: bad file descriptor"},
		{name: "own fd", nfiles: 2, env: []string{"HELPER_PRESERVE=2", "HELPER_OWNFD=4"}, wantErr: "*"},
		{name: "LISTEN_FDS for another pid", nfiles: 2, env: []string{"LISTEN_FDS=2", "LISTEN_PID=1"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.bug != "" {
				knownBug(t, c.bug)
			}
			r, names := runExtraFiles(t, c.nfiles, c.env...)
			if c.wantErr == "*" {
				if r.Err == "" {
					t.Errorf("no error; files %v %q", r.Fds, r.Targets)
				}
				return
			}
			if c.wantErr != "" {
				if r.Err != c.wantErr || !r.EBADF {
					t.Errorf("error %q (EBADF %v), want %q wrapping EBADF", r.Err, r.EBADF, c.wantErr)
				}
				if r.Fds != nil || r.Env != nil {
					t.Errorf("files %v env %v returned with the error", r.Fds, r.Env)
				}
				return
			}
			if r.Err != "" {
				t.Fatal(r.Err)
			}
			var wantFds []int
			for i := 0; i < c.wantN; i++ {
				wantFds = append(wantFds, 3+i)
			}
			if !slices.Equal(r.Fds, wantFds) || !slices.Equal(r.Targets, names[:c.wantN]) {
				t.Errorf("files %v %q, want %v %q", r.Fds, r.Targets, wantFds, names[:c.wantN])
			}
			if !slices.Equal(r.Env, c.wantEnv) {
				t.Errorf("env %q, want %q", r.Env, c.wantEnv)
			}
		})
	}
}

func TestWithEnv(t *testing.T) {
	env := make([]string, 1, 8) // spare capacity: an append in place would show
	env[0] = "A=1"
	proc := &specs.Process{Env: env, Args: []string{"sh"}, Cwd: "/"}
	s := &specs.Spec{Version: "1.2.0", Process: proc, Hostname: "h"}

	if got := withEnv(s, nil); got != s {
		t.Error("withEnv without env did not return the spec itself")
	}
	got := withEnv(s, []string{"LISTEN_FDS=1", "LISTEN_PID=1"})
	if want := []string{"A=1", "LISTEN_FDS=1", "LISTEN_PID=1"}; !reflect.DeepEqual(got.Process.Env, want) {
		t.Errorf("env %q, want %q", got.Process.Env, want)
	}
	if got.Process.Args[0] != "sh" || got.Process.Cwd != "/" || got.Hostname != "h" || got.Version != "1.2.0" {
		t.Errorf("the rest of the spec was not kept: %+v", got)
	}
	if s.Process != proc || len(proc.Env) != 1 || proc.Env[0] != "A=1" || env[:2][1] != "" {
		t.Errorf("caller's spec changed: process %p (was %p), env %q, spare slot %q", s.Process, proc, proc.Env, env[:2][1])
	}
	if got == s || got.Process == proc {
		t.Error("withEnv returned the caller's spec or process")
	}
	// Changing the result leaves the original alone.
	got.Process.Env[0] = "A=2"
	if proc.Env[0] != "A=1" {
		t.Error("result shares its env array with the caller's spec")
	}
}

func TestFormatIDMap(t *testing.T) {
	for _, c := range []struct {
		in   []specs.LinuxIDMapping
		want string
	}{
		{nil, ""},
		{[]specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}}, "0 1000 1\n"},
		{[]specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}, {ContainerID: 65536, HostID: 0, Size: 1}},
			"0 100000 65536\n65536 0 1\n"},
		{[]specs.LinuxIDMapping{{ContainerID: 4294967294, HostID: 4294967295, Size: 4294967295}}, "4294967294 4294967295 4294967295\n"},
	} {
		if got := formatIDMap(c.in); got != c.want {
			t.Errorf("formatIDMap(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestStartSocketLongRoot: the start socket works under a state root far
// longer than sun_path (108 bytes), where a plain bind would fail.
func TestStartSocketLongRoot(t *testing.T) {
	root := filepath.Join(t.TempDir(), strings.Repeat("r", 100), strings.Repeat("o", 100), "root")
	s := &Store{Root: root}
	h, err := s.create("c1")
	if err != nil {
		t.Fatal(err)
	}
	defer h.close()
	sock := filepath.Join(h.dir, "start.sock")
	if len(sock) <= 108 {
		t.Fatalf("path %q is not longer than sun_path", sock)
	}

	// Proof that the path is too long to use directly.
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	err = unix.Bind(fd, &unix.SockaddrUnix{Name: sock})
	unix.Close(fd)
	if err == nil {
		t.Fatalf("bind to the %d-byte path succeeded directly", len(sock))
	}

	l, err := listenStart(h)
	if err != nil {
		t.Fatalf("listenStart: %v", err)
	}
	defer l.Close()
	fi, err := os.Lstat(sock)
	if err != nil || fi.Mode().Type() != os.ModeSocket {
		t.Fatalf("%s after listenStart: %v, %v", sock, fi, err)
	}
	if flags, err := unix.FcntlInt(l.Fd(), unix.F_GETFD, 0); err != nil || flags&unix.FD_CLOEXEC == 0 {
		t.Errorf("listener is not close-on-exec: %#x, %v", flags, err)
	}
	// A second listener on the same dir fails (EADDRINUSE): one socket per
	// container.
	if l2, err := listenStart(h); err == nil || !errors.Is(err, unix.EADDRINUSE) {
		if l2 != nil {
			l2.Close()
		}
		t.Errorf("second listenStart: %v, want EADDRINUSE", err)
	}

	type accepted struct {
		got []byte
		err error
	}
	ac := make(chan accepted, 1)
	lfd := int(l.Fd())
	go func() {
		nfd, _, err := unix.Accept(lfd)
		if err != nil {
			ac <- accepted{nil, err}
			return
		}
		defer unix.Close(nfd)
		buf := make([]byte, 16)
		n, err := unix.Read(nfd, buf)
		if err == nil {
			_, err = unix.Write(nfd, []byte("ack"))
		}
		ac <- accepted{buf[:max(n, 0)], err}
	}()
	conn, err := dialStart(h)
	if err != nil {
		t.Fatalf("dialStart: %v", err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte{'S'}); err != nil {
		t.Fatal(err)
	}
	reply := make([]byte, 16)
	n, err := conn.Read(reply)
	if err != nil || string(reply[:n]) != "ack" {
		t.Errorf("reply %q, %v", reply[:n], err)
	}
	if a := <-ac; a.err != nil || string(a.got) != "S" {
		t.Errorf("listener got %q, %v", a.got, a.err)
	}

	// Without the socket, dialStart fails with the errno kept.
	if err := os.Remove(sock); err != nil {
		t.Fatal(err)
	}
	if c, err := dialStart(h); err == nil || !errors.Is(err, unix.ENOENT) ||
		!strings.HasPrefix(err.Error(), "connect to the container's init: ") {
		if c != nil {
			c.Close()
		}
		t.Errorf("dialStart without a socket: %v", err)
	}
}
