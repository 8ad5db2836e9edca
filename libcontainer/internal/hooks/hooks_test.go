package hooks

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

var testState = &specs.State{
	Version: specs.Version, ID: "ctr-1", Status: specs.StateCreated, Pid: 4242,
	Bundle: "/bundles/ctr-1", Annotations: map[string]string{"a": "b"},
}

// script writes an executable /bin/sh script into dir and returns its path.
func script(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func read(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func seconds(n int) *int { return &n }

func TestStdinIsState(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "stdin")
	h := specs.Hook{Path: script(t, dir, "h", "/bin/cat > "+out)}
	if err := Run(CreateRuntime, []specs.Hook{h}, testState); err != nil {
		t.Fatal(err)
	}
	var got specs.State
	if err := json.Unmarshal([]byte(read(t, out)), &got); err != nil {
		t.Fatalf("stdin is not state JSON: %v", err)
	}
	if got.ID != "ctr-1" || got.Pid != 4242 || got.Status != specs.StateCreated ||
		got.Bundle != "/bundles/ctr-1" || got.Annotations["a"] != "b" || got.Version != specs.Version {
		t.Errorf("state on stdin = %+v", got)
	}
}

// The environment is exactly the hook's env: nothing inherited, nothing added.
func TestEnvExactlyAsGiven(t *testing.T) {
	t.Setenv("RT_HOOK_TEST_LEAK", "must-not-appear")
	dir := t.TempDir()
	out := filepath.Join(dir, "env")
	path := script(t, dir, "h", "/bin/cat /proc/$$/environ > "+out)
	for _, env := range [][]string{{"A=1", "B=two words", "PATH=/nowhere"}, nil} {
		if err := Run(Prestart, []specs.Hook{{Path: path, Env: env}}, testState); err != nil {
			t.Fatal(err)
		}
		got := strings.Split(strings.TrimSuffix(read(t, out), "\x00"), "\x00")
		if len(env) == 0 {
			env = []string{""} // an empty environ reads as one empty string
		}
		if !slices.Equal(got, env) {
			t.Errorf("environment = %q, want %q", got, env)
		}
	}
}

func TestArgs(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "cmdline")
	// argv[0] is args[0], not path: /proc/self/cmdline of sh shows it.
	h := specs.Hook{Path: "/bin/sh", Args: []string{"my-argv0", "-c", "/bin/cat /proc/$$/cmdline > " + out, "x", "a b"}}
	if err := Run(Poststart, []specs.Hook{h}, testState); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(read(t, out), "\x00"), "\x00")
	if !slices.Equal(got, h.Args) {
		t.Errorf("argv = %q, want %q", got, h.Args)
	}
	// No args: argv is {path}; the kernel hands path to the interpreter as $0.
	noArgs := specs.Hook{Path: script(t, dir, "noargs", `printf '%s|%s' "$0" "$#" > `+out)}
	if err := Run(Poststart, []specs.Hook{noArgs}, testState); err != nil {
		t.Fatal(err)
	}
	if got, want := read(t, out), noArgs.Path+"|0"; got != want {
		t.Errorf("no args: $0|$# = %q, want %q", got, want)
	}
}

func TestNonZeroExit(t *testing.T) {
	dir := t.TempDir()
	ran := filepath.Join(dir, "ran")
	hooks := []specs.Hook{
		{Path: script(t, dir, "ok", "exit 0")},
		{Path: script(t, dir, "bad", "echo to-out; echo to-err >&2; exit 3")},
		{Path: script(t, dir, "after", "/bin/cat >/dev/null; : > "+ran)},
	}
	err := Run(CreateRuntime, hooks, testState)
	want := "error running createRuntime hook #1: error running hook: exit status 3, stdout: to-out\n, stderr: to-err\n"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %q\nwant  %q", err, want)
	}
	if _, err := os.Stat(ran); !os.IsNotExist(err) {
		t.Error("Run went on after a failed hook")
	}
	// RunAll runs them all and reports the failure alone.
	errs := RunAll(Poststop, hooks, testState)
	if len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), "error running poststop hook #1: ") {
		t.Errorf("RunAll errors = %v", errs)
	}
	if _, err := os.Stat(ran); err != nil {
		t.Error("RunAll did not run the hook after the failed one")
	}
	if errs := RunAll(Poststop, hooks[:1], testState); errs != nil {
		t.Errorf("RunAll of a good hook = %v", errs)
	}
}

func TestExecErrorKeepsErrno(t *testing.T) {
	err := Run(Prestart, []specs.Hook{{Path: "/nonexistent/hook"}}, testState)
	if !errors.Is(err, unix.ENOENT) {
		t.Fatalf("err = %v, want ENOENT in the chain", err)
	}
	if !strings.HasPrefix(err.Error(), "error running prestart hook #0: ") ||
		!strings.HasSuffix(err.Error(), "no such file or directory") {
		t.Errorf("err = %q", err)
	}
}

func TestInvalidHook(t *testing.T) {
	for _, h := range []specs.Hook{{Path: "relative/hook"}, {Path: "/bin/true", Timeout: seconds(0)}} {
		if err := Run(Prestart, []specs.Hook{h}, testState); err == nil {
			t.Errorf("%+v: no error", h)
		}
	}
}

// On timeout the hook and the children it started are killed.
func TestTimeoutKillsTheGroup(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "child")
	h := specs.Hook{Path: script(t, dir, "slow", "/bin/sleep 60 & echo $! > "+pidFile+"; wait"), Timeout: seconds(1)}
	start := time.Now()
	err := Run(Poststart, []specs.Hook{h}, testState)
	if want := "error running poststart hook #0: hook ran past specified timeout of 1.0s"; err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
	if d := time.Since(start); d < time.Second || d > 5*time.Second {
		t.Errorf("returned after %v", d)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(read(t, pidFile)))
	if err != nil {
		t.Fatal(err)
	}
	if !gone(pid, 3*time.Second) {
		_ = unix.Kill(pid, unix.SIGKILL)
		t.Errorf("the hook's child %d survived the timeout", pid)
	}
}

// gone waits until pid no longer runs (exited, or a zombie awaiting its reaper).
func gone(pid int, within time.Duration) bool {
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return true
		}
		if i := strings.LastIndexByte(string(stat), ')'); i > 0 && strings.HasPrefix(string(stat[i:]), ") Z") {
			return true
		}
	}
	return false
}

// A hook that exits 0 but leaves a daemon holding its stdout succeeds promptly.
func TestBackgroundChildDoesNotBlock(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "daemon")
	h := specs.Hook{Path: script(t, dir, "daemonize", "/bin/sleep 30 & echo $! > "+pidFile+"; exit 0")}
	start := time.Now()
	if err := Run(CreateRuntime, []specs.Hook{h}, testState); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > outputGrace+2*time.Second {
		t.Errorf("took %v", d)
	}
	if pid, err := strconv.Atoi(strings.TrimSpace(read(t, pidFile))); err == nil {
		_ = unix.Kill(pid, unix.SIGKILL)
	}
}

func TestOutputIsBounded(t *testing.T) {
	dir := t.TempDir()
	// 64 KiB on stdout, then fail.
	h := specs.Hook{Path: script(t, dir, "chatty",
		"i=0; while [ $i -lt 1024 ]; do printf '%063d\\n' $i; i=$((i+1)); done; exit 1")}
	err := Run(Prestart, []specs.Hook{h}, testState)
	if err == nil {
		t.Fatal("no error")
	}
	if len(err.Error()) > OutputLimit+200 {
		t.Errorf("error is %d bytes long", len(err.Error()))
	}
	if !strings.Contains(err.Error(), "... [49152 more bytes], stderr: ") {
		t.Errorf("no truncation marker in %q", err.Error()[len(err.Error())-80:])
	}
}

func TestCapped(t *testing.T) {
	var c capped
	for range 3 {
		if n, err := c.Write(make([]byte, OutputLimit/2+1)); n != OutputLimit/2+1 || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if c.buf.Len() != OutputLimit || c.dropped != OutputLimit/2+3 {
		t.Errorf("kept %d, dropped %d", c.buf.Len(), c.dropped)
	}
}
