// Package hooks runs the OCI lifecycle hooks that execute in the runtime's
// namespaces, from the rt parent: prestart, createRuntime, poststart and
// poststop. (createContainer and startContainer run in the container's
// namespaces; rt-init execs them itself.)
//
// A hook is run like runc runs it: path exec'd directly (no PATH search),
// args as argv (args[0] is argv[0]; no args means argv = {path}), the
// container state JSON on stdin, stdout and stderr captured for the error
// message, the process killed when its timeout expires. Two deliberate
// differences:
//
//   - env is exactly the hook's env; runc passes its own environment to a
//     hook that has no env (Go's exec.Cmd treats a nil Env that way);
//   - the hook runs in its own process group and the whole group is killed on
//     timeout, so a shell script's children do not outlive it; captured
//     output is bounded, and a hook that exits but leaves a background child
//     holding its stdout is not waited for beyond a short grace period.
package hooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The hook kinds, spelled as in config.json and in runc's error messages.
const (
	Prestart        = "prestart"
	CreateRuntime   = "createRuntime"
	CreateContainer = "createContainer"
	StartContainer  = "startContainer"
	Poststart       = "poststart"
	Poststop        = "poststop"
)

// OutputLimit is how many bytes of a hook's stdout, and of its stderr, are
// kept for the error message; the rest is read and dropped.
const OutputLimit = 16 << 10

// outputGrace is how long to wait for a hook's output pipes to close after
// the hook itself exited (a background child may hold them open forever).
const outputGrace = time.Second

// Run runs hooks in order and stops at the first failure, returning
// "error running <kind> hook #<i>: <cause>" as runc does; for a hook that
// exits non-zero the cause reads "error running hook: exit status 1, stdout:
// ..., stderr: ...". An exec failure keeps its errno (errors.Is works).
func Run(kind string, hooks []specs.Hook, state *specs.State) error {
	if len(hooks) == 0 {
		return nil
	}
	input, err := json.Marshal(state)
	if err != nil {
		return fmt.Errorf("error running %s hooks: encode state: %w", kind, err)
	}
	for i, h := range hooks {
		if err := runHook(h, input); err != nil {
			return fmt.Errorf("error running %s hook #%d: %w", kind, i, err)
		}
	}
	return nil
}

// RunAll runs every hook, whatever the others do, and returns one error per
// failed hook (nil if all succeeded). It is for poststart and poststop, whose
// failures the runtime-spec says must only be logged as warnings.
func RunAll(kind string, hooks []specs.Hook, state *specs.State) []error {
	if len(hooks) == 0 {
		return nil
	}
	input, err := json.Marshal(state)
	if err != nil {
		return []error{fmt.Errorf("error running %s hooks: encode state: %w", kind, err)}
	}
	var errs []error
	for i, h := range hooks {
		if err := runHook(h, input); err != nil {
			errs = append(errs, fmt.Errorf("error running %s hook #%d: %w", kind, i, err))
		}
	}
	return errs
}

// runHook runs one hook with input on its stdin.
func runHook(h specs.Hook, input []byte) error {
	if !filepath.IsAbs(h.Path) {
		return fmt.Errorf("hook path %q is not absolute", h.Path)
	}
	var timeout time.Duration
	if h.Timeout != nil {
		if *h.Timeout <= 0 {
			return fmt.Errorf("hook timeout %d is not a positive number of seconds", *h.Timeout)
		}
		timeout = time.Duration(*h.Timeout) * time.Second
	}
	args := h.Args
	if len(args) == 0 {
		args = []string{h.Path}
	}
	env := h.Env
	if env == nil {
		env = []string{} // nil would mean "inherit rt's environment" to exec.Cmd
	}
	stdout, stderr := &capped{}, &capped{}
	cmd := &exec.Cmd{
		Path:        h.Path,
		Args:        args,
		Env:         env,
		Stdin:       bytes.NewReader(input),
		Stdout:      stdout,
		Stderr:      stderr,
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true},
		WaitDelay:   outputGrace,
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	var expired <-chan time.Time
	if timeout > 0 {
		timer := time.NewTimer(timeout)
		defer timer.Stop()
		expired = timer.C
	}
	select {
	case err := <-done:
		return exitError(err, stdout, stderr)
	case <-expired:
		// The hook leads its own group: kill it and whatever it started.
		_ = unix.Kill(-cmd.Process.Pid, unix.SIGKILL)
		<-done //nolint:errcheck // only reaps the hook: Wait reports our SIGKILL; the timeout is the error (`_ =` trips S1005)
		return fmt.Errorf("hook ran past specified timeout of %.1fs", timeout.Seconds())
	}
}

// exitError turns the result of Wait into the error runc reports.
func exitError(err error, stdout, stderr *capped) error {
	if err == nil || errors.Is(err, exec.ErrWaitDelay) {
		// ErrWaitDelay: the hook exited 0, a child of it still holds the output.
		return nil
	}
	return fmt.Errorf("error running hook: %w, stdout: %s, stderr: %s", err, stdout, stderr)
}

// capped keeps the first OutputLimit bytes written to it and counts the rest.
// It never fails a write, so a chatty hook is not blocked or killed by EPIPE.
type capped struct {
	buf     bytes.Buffer
	dropped int
}

func (c *capped) Write(p []byte) (int, error) {
	room := OutputLimit - c.buf.Len()
	if room >= len(p) {
		c.buf.Write(p)
		return len(p), nil
	}
	c.buf.Write(p[:max(room, 0)])
	c.dropped += len(p) - max(room, 0)
	return len(p), nil
}

func (c *capped) String() string {
	if c.dropped == 0 {
		return c.buf.String()
	}
	return fmt.Sprintf("%s... [%d more bytes]", c.buf.Bytes(), c.dropped)
}
