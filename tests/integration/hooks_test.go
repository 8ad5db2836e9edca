package integration

// Issue item 7: hooks.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// hookScript is a host shell script that records what a hook got: its state
// on stdin, its environment and arguments, and its name in a shared order file.
const hookScript = `#!/bin/sh
name=$1
dir=$2
cat > "$dir/$name.state"
env > "$dir/$name.env"
echo "$@" > "$dir/$name.args"
echo "$name" >> "$dir/order"
`

type hookState struct {
	OCIVersion  string            `json:"ociVersion"`
	ID          string            `json:"id"`
	Status      string            `json:"status"`
	Pid         int               `json:"pid"`
	Bundle      string            `json:"bundle"`
	Annotations map[string]string `json:"annotations"`
}

func writeHookScript(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "hook.sh")
	if err := os.WriteFile(p, []byte(hookScript), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func recHook(script, name, dir string) specs.Hook {
	return specs.Hook{
		Path: "/bin/sh",
		Args: []string{"sh", script, name, dir},
		Env:  []string{"RTIT_HOOK=" + name, "PATH=/usr/sbin:/usr/bin:/sbin:/bin"},
	}
}

func readHookState(t *testing.T, path string) hookState {
	t.Helper()
	var st hookState
	b, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("hook did not run: %v", err)
		return st
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Errorf("hook stdin is not the state JSON: %v: %q", err, b)
	}
	return st
}

func TestHooks(t *testing.T) {
	h := newH(t)
	dir := filepath.Join(h.Dir, "hooks")
	mkdirs(t, dir)
	script := writeHookScript(t, h.Dir)
	c := h.NewCtr(args("/probe", "sleep"), func(s *specs.Spec) {
		s.Hooks = &specs.Hooks{
			Prestart:        []specs.Hook{recHook(script, "prestart", dir)},
			CreateRuntime:   []specs.Hook{recHook(script, "createRuntime", dir)},
			CreateContainer: []specs.Hook{recHook(script, "createContainer", dir)},
			StartContainer: []specs.Hook{{
				// runs in the container: a busybox script in the rootfs
				Path: "/bin/sh",
				Args: []string{"sh", "-c", `cat > /startContainer.state; env > /startContainer.env; echo ok > /startContainer.marker`},
				Env:  []string{"RTIT_HOOK=startContainer"},
			}},
			Poststart: []specs.Hook{recHook(script, "poststart", dir)},
			Poststop:  []specs.Hook{recHook(script, "poststop", dir)},
		}
	})
	// a variable in the runtime's environment must not reach the hooks
	leak := Opts{Env: []string{"RTIT_LEAK=1"}}
	wantOK(t, c.CreateOpts(leak))
	pid := c.State().Pid
	order := func() string {
		b, _ := os.ReadFile(filepath.Join(dir, "order"))
		return strings.Join(strings.Fields(string(b)), ",")
	}
	// (poststart is checked in TestHookPoststartAfterStart: runc 1.1 runs it in create)
	if got := strings.TrimSuffix(order(), ",poststart"); got != "prestart,createRuntime,createContainer" {
		t.Errorf("hooks run by create: %q, want prestart,createRuntime,createContainer", got)
	}
	if _, err := os.Stat(filepath.Join(c.Rootfs, "startContainer.marker")); err == nil {
		t.Errorf("startContainer ran before start")
	}
	wantOK(t, h.RTOpts(leak, "start", c.ID))
	if got := readString(t, filepath.Join(c.Rootfs, "startContainer.marker")); got != "ok\n" {
		t.Errorf("startContainer marker: %q", got)
	}
	wantOK(t, h.RTOpts(leak, "kill", c.ID, "KILL"))
	c.WaitStatus("stopped")
	wantOK(t, h.RTOpts(leak, "delete", c.ID))
	if got := order(); got != "prestart,createRuntime,createContainer,poststart,poststop" {
		t.Errorf("hooks after delete: %q", got)
	}

	for _, name := range []string{"prestart", "createRuntime", "createContainer", "poststart", "poststop"} {
		st := readHookState(t, filepath.Join(dir, name+".state"))
		if st.ID != c.ID || st.Bundle != c.Bundle || st.OCIVersion == "" {
			t.Errorf("%s: state %+v, want id %s bundle %s", name, st, c.ID, c.Bundle)
		}
		// runc 1.1 gives createContainer the pid seen inside the container (1)
		if name != "poststop" && st.Pid != pid && !(name == "createContainer" && st.Pid == 1) {
			t.Errorf("%s: state pid %d, want the container's %d", name, st.Pid, pid)
		}
		env := readString(t, filepath.Join(dir, name+".env"))
		if !strings.Contains(env, "RTIT_HOOK="+name+"\n") {
			t.Errorf("%s: hook env lacks RTIT_HOOK: %q", name, env)
		}
		if strings.Contains(env, "RTIT_LEAK") {
			t.Errorf("%s: the runtime's environment leaked into the hook: %q", name, env)
		}
		if got := strings.TrimSpace(readString(t, filepath.Join(dir, name+".args"))); got != name+" "+dir {
			t.Errorf("%s: args %q", name, got)
		}
	}
	wantStatus := map[string][]string{
		"prestart": {"creating", "created"}, "createRuntime": {"creating", "created"},
		"createContainer": {"creating", "created"}, "poststop": {"stopped"},
	}
	for name, ok := range wantStatus {
		st := readHookState(t, filepath.Join(dir, name+".state"))
		if !contains(ok, st.Status) {
			t.Errorf("%s: state status %q, want one of %v", name, st.Status, ok)
		}
	}
	st := readHookState(t, filepath.Join(c.Rootfs, "startContainer.state"))
	if st.ID != c.ID || (st.Pid != pid && st.Pid != 1) {
		t.Errorf("startContainer: state %+v", st)
	}
	if env := readString(t, filepath.Join(c.Rootfs, "startContainer.env")); !strings.Contains(env, "RTIT_HOOK=startContainer") {
		t.Errorf("startContainer env: %q", env)
	}
	c.AssertNoLeftovers()
}

// Poststart hooks run after the user process started, in `start` (runtime-spec
// lifecycle step 7-8), with the status running.
func TestHookPoststartAfterStart(t *testing.T) {
	h := newH(t)
	dir := filepath.Join(h.Dir, "hooks")
	mkdirs(t, dir)
	script := writeHookScript(t, h.Dir)
	c := h.NewCtr(args("/probe", "sleep"), func(s *specs.Spec) {
		s.Hooks = &specs.Hooks{
			CreateRuntime: []specs.Hook{recHook(script, "createRuntime", dir)},
			Poststart:     []specs.Hook{recHook(script, "poststart", dir)},
		}
	})
	c.MustCreate()
	if _, err := os.Stat(filepath.Join(dir, "poststart.state")); err == nil {
		t.Errorf("poststart ran in create, before the user process started")
	}
	c.MustStart()
	// poststart hooks have run when start returns
	st := readHookState(t, filepath.Join(dir, "poststart.state"))
	if st.Status != "running" || st.Pid != c.State().Pid {
		t.Errorf("poststart: state %+v, want running with the container pid", st)
	}
}

func TestHookPrestartFails(t *testing.T) {
	h := newH(t)
	dir := filepath.Join(h.Dir, "hooks")
	mkdirs(t, dir)
	script := writeHookScript(t, h.Dir)
	c := h.NewCtr(args("/probe", "sleep"), func(s *specs.Spec) {
		s.Hooks = &specs.Hooks{
			Prestart: []specs.Hook{
				{Path: "/bin/sh", Args: []string{"sh", "-c", "echo prestart-broke >&2; exit 3"}},
				recHook(script, "prestart2", dir),
			},
			Poststop: []specs.Hook{recHook(script, "poststop", dir)},
		}
	})
	r := c.Create()
	wantFail(t, r)
	if _, err := os.Stat(filepath.Join(dir, "prestart2.state")); err == nil {
		t.Errorf("the hook after the failing one ran")
	}
	c.AssertNoLeftovers()
	if _, sr := c.TryState(); !strings.Contains(sr.Out(), "does not exist") {
		t.Errorf("state after a failed create: %s", sr)
	}
	if ents, _ := os.ReadDir(h.Root); len(ents) != 0 {
		t.Errorf("the failed create left %v in the root", ents)
	}
}

func TestHookTimeout(t *testing.T) {
	h := newH(t)
	marker := fmt.Sprintf("31.%d", time.Now().UnixNano()%1000000)
	one := 1
	c := h.NewCtr(args("/probe", "sleep"), func(s *specs.Spec) {
		s.Hooks = &specs.Hooks{
			CreateRuntime: []specs.Hook{{Path: "/bin/sleep", Args: []string{"sleep", marker}, Timeout: &one}},
		}
	})
	r := c.Create()
	wantFail(t, r)
	if r.Dur > 15*time.Second {
		t.Errorf("create with a 1s hook timeout took %v", r.Dur)
	}
	low := strings.ToLower(r.Out())
	if !strings.Contains(low, "timeout") && !strings.Contains(low, "timed out") {
		t.Errorf("the error does not mention the timeout: %s", r)
	}
	c.AssertNoLeftovers()
	// the hook process is gone
	waitFor(t, "the timed-out hook to be killed", func() bool { return len(procsWithArg(marker)) == 0 })
}

// procsWithArg lists pids whose command line contains arg.
func procsWithArg(arg string) []string {
	ents, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(b), arg) {
			out = append(out, e.Name())
		}
	}
	return out
}
