package libcontainer

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libcontainer/internal/protocol"
)

// sleeperContainer records a container whose init is a `sleep 30` child of
// the test.
func sleeperContainer(t *testing.T, id string) (*Container, *exec.Cmd) {
	t.Helper()
	cmd, start := startSleeper(t)
	c := newContainer(t, newTestStore(t), &State{
		OCIVersion: "1.2.0", ID: id, Pid: cmd.Process.Pid, PidStartTime: start, Ready: true,
		Bundle: "/bundles/" + id, Rootfs: "/bundles/" + id + "/rootfs",
		Created:     time.Date(2025, 1, 2, 3, 4, 5, 600000007, time.UTC),
		Annotations: map[string]string{"org.example/k": "v"},
	})
	return c, cmd
}

// markCreated gives c a listening start socket, as a created container has.
func markCreated(t *testing.T, c *Container) *os.File {
	t.Helper()
	l, err := listenStart(c.h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func killAndReap(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
}

func TestStatus(t *testing.T) {
	c, cmd := sleeperContainer(t, "c1")
	// A create that has not finished (or died before it did) is creating.
	c.State.Ready = false
	if got := c.Status(); got != Creating {
		t.Errorf("live init, create not finished: %s, want creating", got)
	}
	c.State.Ready = true
	if got := c.Status(); got != Running {
		t.Errorf("live init, no start.sock: %s, want running", got)
	}
	markCreated(t, c)
	if got := c.Status(); got != Created {
		t.Errorf("live init, start.sock: %s, want created", got)
	}
	// Any file named start.sock counts (the check is an lstat).
	sock := filepath.Join(c.h.dir, "start.sock")
	if err := os.Remove(sock); err != nil {
		t.Fatal(err)
	}
	if got := c.Status(); got != Running {
		t.Errorf("start.sock removed: %s, want running", got)
	}

	// A pid reused by another process is not the container.
	real := c.State.PidStartTime
	c.State.PidStartTime = real + 1
	if got := c.Status(); got != Stopped {
		t.Errorf("wrong start time: %s, want stopped", got)
	}
	c.State.PidStartTime = real

	markCreated(t, c)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	// Killed but not yet reaped (a zombie) already counts as stopped.
	waitFor(t, "the init to exit", func() bool { return statState(cmd.Process.Pid) == 'Z' })
	if got := c.Status(); got != Stopped {
		t.Errorf("dead init with start.sock: %s, want stopped", got)
	}
	_ = cmd.Wait()
	if got := c.Status(); got != Stopped {
		t.Errorf("reaped init: %s, want stopped", got)
	}
}

func TestOutput(t *testing.T) {
	c, cmd := sleeperContainer(t, "c1")
	u, err := user.LookupId(strconv.Itoa(os.Geteuid()))
	if err != nil {
		t.Skipf("no passwd entry for uid %d: %v", os.Geteuid(), err)
	}
	want := Output{
		OCIVersion: "1.2.0", ID: "c1", Pid: cmd.Process.Pid, Status: Running,
		Bundle: "/bundles/c1", Rootfs: "/bundles/c1/rootfs", Created: c.State.Created,
		Owner: u.Username, Annotations: map[string]string{"org.example/k": "v"},
	}
	if got := c.Output(); !reflect.DeepEqual(got, want) {
		t.Errorf("running:\n got %+v\nwant %+v", got, want)
	}
	markCreated(t, c)
	want.Status = Created
	if got := c.Output(); !reflect.DeepEqual(got, want) {
		t.Errorf("created:\n got %+v\nwant %+v", got, want)
	}

	// The JSON has exactly the keys engines parse; created is RFC 3339 with
	// nanoseconds.
	b, err := json.Marshal(c.Output())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	wantKeys := []string{"annotations", "bundle", "created", "id", "ociVersion", "owner", "pid", "rootfs", "status"}
	if !slices.Equal(keys, wantKeys) {
		t.Errorf("state JSON keys %q, want %q", keys, wantKeys)
	}
	if m["created"] != "2025-01-02T03:04:05.600000007Z" || m["status"] != "created" {
		t.Errorf("created %v, status %v", m["created"], m["status"])
	}

	killAndReap(t, cmd)
	want.Status, want.Pid = Stopped, 0
	if got := c.Output(); !reflect.DeepEqual(got, want) {
		t.Errorf("stopped:\n got %+v\nwant %+v", got, want)
	}
	if c.State.Pid == 0 {
		t.Error("Output() modified the stored pid")
	}
}

func TestSpecState(t *testing.T) {
	st := &State{ID: "c1", Pid: 42, Bundle: "/b", Annotations: map[string]string{"a": "b"}, OCIVersion: "1.0.0"}
	for _, s := range []Status{Creating, Created, Running, Paused} {
		want := &specs.State{Version: specs.Version, ID: "c1", Status: specs.ContainerState(s), Pid: 42,
			Bundle: "/b", Annotations: map[string]string{"a": "b"}}
		if got := st.SpecState(s); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %+v, want %+v", s, got, want)
		}
	}
	got := st.SpecState(Stopped)
	if got.Pid != 0 || got.Status != specs.StateStopped || st.Pid != 42 {
		t.Errorf("stopped: pid %d status %s (stored pid %d); want 0, stopped, 42", got.Pid, got.Status, st.Pid)
	}
	b, _ := json.Marshal(got)
	if !strings.Contains(string(b), `"status":"stopped"`) || !strings.Contains(string(b), `"ociVersion":"`+specs.Version+`"`) {
		t.Errorf("spec state JSON %s", b)
	}
}

func TestDeleteStopped(t *testing.T) {
	c, cmd := sleeperContainer(t, "c1")
	killAndReap(t, cmd)
	dir := c.h.dir
	// A poststop hook runs, with the stopped state on stdin.
	out := filepath.Join(t.TempDir(), "poststop.json")
	c.State.Hooks = &specs.Hooks{Poststop: []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", "cat > " + out}}}}
	if err := c.Delete(false); err != nil {
		t.Fatalf("Delete of a stopped container: %v", err)
	}
	if _, err := os.Lstat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state dir still there after Delete: %v", err)
	}
	var st specs.State
	if b, err := os.ReadFile(out); err != nil || json.Unmarshal(b, &st) != nil {
		t.Fatalf("poststop hook input %q: %v", b, err)
	}
	if st.Status != specs.StateStopped || st.Pid != 0 || st.ID != "c1" || st.Bundle != "/bundles/c1" {
		t.Errorf("poststop hook saw %+v", st)
	}
	c.Close()
	if _, err := c.store.Load("c1"); err != ErrNotExist {
		t.Errorf("Load after Delete: %v, want ErrNotExist", err)
	}
}

func TestDeleteRunning(t *testing.T) {
	c, cmd := sleeperContainer(t, "c1")
	err := c.Delete(false)
	if err == nil || err.Error() != "cannot delete container c1 that is not stopped: running" {
		t.Fatalf("Delete of a running container: %v", err)
	}
	if _, err := os.Lstat(c.h.dir); err != nil {
		t.Errorf("refused Delete removed the state dir: %v", err)
	}
	if !alive(c.State.Pid, c.State.PidStartTime) {
		t.Fatal("refused Delete killed the init")
	}
	if err := c.Delete(true); err != nil {
		t.Fatalf("Delete --force: %v", err)
	}
	if _, err := os.Lstat(c.h.dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state dir still there after Delete --force: %v", err)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != unix.SIGKILL {
		t.Errorf("init after Delete --force: %v, want killed by SIGKILL", err)
	}
}

// TestDeleteCreated: a created container is killed without --force.
func TestDeleteCreated(t *testing.T) {
	c, cmd := sleeperContainer(t, "c1")
	markCreated(t, c)
	if err := c.Delete(false); err != nil {
		t.Fatalf("Delete of a created container: %v", err)
	}
	if _, err := os.Lstat(c.h.dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state dir still there: %v", err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != unix.SIGKILL {
		t.Errorf("init after Delete: %v, want killed by SIGKILL", err)
	}
}

func TestSignal(t *testing.T) {
	c, cmd := sleeperContainer(t, "c1")
	if err := c.Signal(unix.SIGKILL, false); err != nil {
		t.Fatalf("Signal of a running container: %v", err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != unix.SIGKILL {
		t.Fatalf("init after SIGKILL: %v", err)
	}
	err = c.Signal(unix.SIGTERM, false)
	if err != ErrNotRunning || err.Error() != "container not running" {
		t.Errorf("Signal of a stopped container: %v, want ErrNotRunning", err)
	}
	// Without a cgroup there is nothing left to signal with --all.
	if err := c.Signal(unix.SIGKILL, true); err != nil {
		t.Errorf("Signal --all of a stopped container without cgroups: %v", err)
	}
}

func TestSignalStaleStartTime(t *testing.T) {
	c, cmd := sleeperContainer(t, "c1")
	c.State.PidStartTime++ // the pid now belongs to "another" process
	if err := c.Signal(unix.SIGKILL, false); err != ErrNotRunning {
		t.Errorf("Signal with a stale start time: %v, want ErrNotRunning", err)
	}
	if !alive(cmd.Process.Pid, c.State.PidStartTime-1) {
		t.Error("the unrelated process was signalled")
	}
}

func TestStart(t *testing.T) {
	c, cmd := sleeperContainer(t, "c1")
	if err := c.Start(); err == nil || err.Error() != "cannot start an already running container" {
		t.Errorf("Start of a running container: %v", err)
	}
	lfd := int(markCreated(t, c).Fd())
	got := make(chan []byte, 1)
	go func() {
		nfd, _, err := unix.Accept(lfd)
		if err != nil {
			got <- nil
			return
		}
		buf := make([]byte, 8)
		n, _ := unix.Read(nfd, buf)
		unix.Close(nfd) // EOF: the user process was exec'd
		got <- buf[:n]
	}()
	if err := c.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if b := <-got; string(b) != "S" {
		t.Errorf("the init received %q, want \"S\"", b)
	}
	if _, err := os.Lstat(filepath.Join(c.h.dir, "start.sock")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("start.sock still there after Start: %v", err)
	}
	if st := c.Status(); st != Running {
		t.Errorf("status after Start: %s", st)
	}
	killAndReap(t, cmd)
	if err := c.Start(); err == nil || err.Error() != "cannot start a container that has stopped" {
		t.Errorf("Start of a stopped container: %v", err)
	}
}

// TestStartInitError: an Error frame from the init is Start's error, errno
// text last.
func TestStartInitError(t *testing.T) {
	c, _ := sleeperContainer(t, "c1")
	lfd := int(markCreated(t, c).Fd())
	done := make(chan struct{})
	defer func() {
		select {
		case <-done:
		case <-time.After(pollTimeout):
			t.Error("the fake init never got its connection")
		}
	}()
	go func() {
		defer close(done)
		nfd, _, err := unix.Accept(lfd)
		if err != nil {
			return
		}
		defer unix.Close(nfd)
		buf := make([]byte, 1)
		_, _ = unix.Read(nfd, buf)
		m := protocol.New().Str("exec").U32(uint32(unix.ENOENT)).Str(`"/nope"`).Msg(protocol.Error)
		_, _ = unix.Write(nfd, protocol.Encode(nil, m))
	}()
	err := c.Start()
	if err == nil || err.Error() != `exec: "/nope": no such file or directory` || !errors.Is(err, unix.ENOENT) {
		t.Errorf("Start with an init error: %v", err)
	}
}

// contractTexts are the error texts ENGINE-CONTRACT.md says engines match
// literally.
var contractTexts = []string{
	"container does not exist",
	"container not running",
	"container with given ID already exists",
	"container paused",
	"container still running",
	"container not paused",
}

func TestErrorTexts(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{ErrNotExist, "container does not exist"},
		{ErrExist, "container with given ID already exists"},
		{ErrNotRunning, "container not running"},
		{ErrRunning, "container still running"},
		{ErrPaused, "container paused"},
		{ErrNotPaused, "container not paused"},
		{unix.ESRCH, "no such process"},
	} {
		if c.err.Error() != c.want {
			t.Errorf("%q, want %q", c.err.Error(), c.want)
		}
	}
	ours := []string{ErrNotExist.Error(), ErrExist.Error(), ErrNotRunning.Error(), ErrRunning.Error(),
		ErrPaused.Error(), ErrNotPaused.Error()}
	slices.Sort(ours)
	want := slices.Clone(contractTexts)
	slices.Sort(want)
	if !slices.Equal(ours, want) {
		t.Errorf("error texts %q, contract %q", ours, want)
	}

	// Check against the contract itself when the shared docs are next to
	// the repository (SHARED in the Makefile).
	path := filepath.Join("..", "..", "shared", "design", "ENGINE-CONTRACT.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Logf("%s not readable (%v): checked against the copied list only", path, err)
		return
	}
	text := strings.Join(strings.Fields(string(b)), " ") // undo line wrapping
	i := strings.Index(text, "Texts that engines match literally")
	if i < 0 {
		t.Fatalf("%s: no list of literal texts", path)
	}
	j := strings.Index(text[i:], "and the errno text")
	if j < 0 {
		t.Fatalf("%s: the list of literal texts has changed shape", path)
	}
	var listed []string
	for _, m := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(text[i:i+j], -1) {
		listed = append(listed, m[1])
	}
	slices.Sort(listed)
	if !slices.Equal(listed, want) {
		t.Errorf("%s lists %q, these tests (and the code) have %q", path, listed, want)
	}
}
