package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// containerd 1.6's CRI plugin with crictl: a pod and a container per
// runtime handler ("runc", the default, validating the test; "rt", the runc
// shim with BinaryName = rt), as kubelet drives them with a RuntimeClass.

var criStateRoot = filepath.Join(ctrShimRoot, criNS)

func TestCRI(t *testing.T) {
	ctrRequire(t, "runc")
	rts := ctrRuntimes(t)
	runc := rts[0].bin
	e := criStart(t, ctrRT(t), runc)
	t.Cleanup(func() {
		ctrRmdirCgroups(criCgroupParent)
		_ = os.Remove(criStateRoot)
	})
	for _, r := range rts {
		t.Run(r.name, func(t *testing.T) { criTestPod(t, e, r) })
	}
}

// criTestPod: runp → create → start → exec → logs → stop → rm → stopp → rmp.
func criTestPod(t *testing.T, e *criEnv, r ctrRuntime) {
	h := r.name
	logDir := filepath.Join(e.d.dir, "logs", h)
	pod := map[string]any{
		"metadata":      map[string]any{"name": "rt-e2e-" + h, "namespace": "rt-e2e", "uid": "rt-e2e-uid-" + h, "attempt": 0},
		"log_directory": logDir,
		"linux": map[string]any{
			"cgroup_parent": criCgroupParent,
			// NODE network (no CNI needed), CONTAINER pid namespace.
			"security_context": map[string]any{"namespace_options": map[string]any{"network": 2, "pid": 1}},
		},
	}
	ctr := map[string]any{
		"metadata": map[string]any{"name": "c1"},
		"image":    map[string]any{"image": ctrBBImage},
		"command":  []string{"sh", "-c", `trap 'echo got-term; exit 0' TERM; echo hello-from-$HANDLER; while :; do sleep 0.1; done`},
		"envs":     []map[string]string{{"key": "HANDLER", "value": h}},
		"log_path": "c1.log",
		// As kubelet does, the container repeats the pod's namespace options.
		"linux": map[string]any{"security_context": map[string]any{"namespace_options": map[string]any{"network": 2, "pid": 1}}},
	}
	podJSON := e.writeJSON(t, "pod-"+h+".json", pod)
	ctrJSON := e.writeJSON(t, "ctr-"+h+".json", ctr)

	podID := e.must(t, "runp", "--runtime", h, podJSON)
	t.Logf("pod %s", podID)
	podRemoved := false
	defer func() {
		if !podRemoved {
			_, _, _, _ = e.run("stopp", podID)
			_, _, _, _ = e.run("rmp", "-f", podID)
		}
	}()
	if st := criInspectState(t, e, "inspectp", podID); st != "SANDBOX_READY" {
		t.Errorf("pod state %q, want SANDBOX_READY", st)
	}
	// The pause container runs under the handler's runtime: its state dir
	// in the shim's --root is readable by that runtime.
	st, podPid := ctrRuntimeState(t, r, criStateRoot, podID)
	if st != "running" {
		t.Errorf("%s state of the sandbox: %q, want running", h, st)
	}
	ctrCheckOwner(t, r, criStateRoot, podID)
	if podPid > 0 {
		if exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", podPid)); !strings.HasSuffix(exe, "/pause") {
			t.Errorf("sandbox pid %d runs %q, want /pause", podPid, exe)
		}
		if cg := ctrCgroupOf(podPid, "memory"); cg != criCgroupParent+"/"+podID {
			t.Errorf("sandbox memory cgroup %q, want %s/%s", cg, criCgroupParent, podID)
		}
	}

	cid := e.must(t, "create", "--no-pull", podID, ctrJSON, podJSON)
	t.Logf("container %s", cid)
	e.must(t, "start", cid)
	if st := criInspectState(t, e, "inspect", cid); st != "CONTAINER_RUNNING" {
		t.Errorf("container state %q, want CONTAINER_RUNNING", st)
	}
	st, cpid := ctrRuntimeState(t, r, criStateRoot, cid)
	if st != "running" {
		t.Errorf("%s state of the container: %q, want running", h, st)
	}
	ctrCheckOwner(t, r, criStateRoot, cid)
	if cpid > 0 {
		if cg := ctrCgroupOf(cpid, "memory"); cg != criCgroupParent+"/"+cid {
			t.Errorf("container memory cgroup %q, want %s/%s", cg, criCgroupParent, cid)
		}
		// Host network and the pod's IPC namespace; its own pid namespace.
		for ns, same := range map[string]bool{"net": true, "ipc": true, "uts": true, "pid": false} {
			a, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", cpid, ns))
			b, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", podPid, ns))
			if (a == b) != same {
				t.Errorf("%s namespace of container %q, of the pause %q: want shared=%v", ns, a, b, same)
			}
		}
		hostNet, _ := os.Readlink("/proc/self/ns/net")
		if a, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", cpid)); a != hostNet {
			t.Errorf("net namespace %q, want the host's %q", a, hostNet)
		}
	}

	// exec: synchronous (ExecSync) and streaming (Exec + the stream server).
	if so := e.must(t, "exec", "-s", cid, "echo", "hi"); so != "hi" {
		t.Errorf("exec -s echo hi: %q", so)
	}
	if so := e.must(t, "exec", cid, "sh", "-c", "echo hi-$HANDLER"); so != "hi-"+h {
		t.Errorf("exec echo: %q", so)
	}
	// crictl 1.34 exits 1 and reports the command's status.
	if so, se, code, _ := e.run("exec", "-s", cid, "sh", "-c", "exit 3"); code == 0 || !strings.Contains(se, "exited with 3") {
		t.Errorf("exec -s exit 3: exit %d, %q %q", code, so, se)
	}
	so, se, code, _ := e.run("exec", "-s", cid, "/nope")
	t.Logf("exec -s /nope: exit %d, %q %q", code, strings.TrimSpace(so), strings.TrimSpace(se))
	if code == 0 {
		t.Errorf("exec -s /nope succeeded")
	}

	// update: UpdateContainerResources → `<runtime> update --resources`.
	if cpid > 0 {
		const limit = 128 << 20
		e.must(t, "update", "--memory", fmt.Sprint(limit), cid)
		p := "/sys/fs/cgroup/memory" + ctrCgroupOf(cpid, "memory") + "/memory.limit_in_bytes"
		if got := ctrReadTrim(p); got != fmt.Sprint(limit) {
			t.Errorf("after crictl update --memory %d: %s = %q", limit, p, got)
		}
	}

	var logs string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if logs = e.must(t, "logs", cid); strings.Contains(logs, "hello-from-"+h) {
			break
		}
	}
	if !strings.Contains(logs, "hello-from-"+h) {
		t.Errorf("crictl logs: %q, want hello-from-%s", logs, h)
	}

	// A second container with a terminal: the shim passes --console-socket
	// and logs what the pty master reads.
	tty := map[string]any{
		"metadata": map[string]any{"name": "ctty"},
		"image":    map[string]any{"image": ctrBBImage},
		"command":  []string{"sh", "-c", `tty; test -t 1 && echo tty-ok; exec sleep 1000`},
		"tty":      true,
		"log_path": "ctty.log",
		"linux":    ctr["linux"],
	}
	ttyID := e.must(t, "create", "--no-pull", podID, e.writeJSON(t, "ctty-"+h+".json", tty), podJSON)
	e.must(t, "start", ttyID)
	var ttyLogs string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if ttyLogs = e.must(t, "logs", ttyID); strings.Contains(ttyLogs, "tty-ok") {
			break
		}
	}
	if !strings.Contains(ttyLogs, "/dev/pts/") || !strings.Contains(ttyLogs, "tty-ok") {
		t.Errorf("tty container logs %q, want a /dev/pts tty and tty-ok", ttyLogs)
	}
	e.must(t, "rm", "-f", ttyID)
	ctrWaitLeftovers(t, criStateRoot, criCgroupParent+"/"+ttyID, ttyID)

	// stop: SIGTERM, which the shell traps and exits 0 on.
	start := time.Now()
	e.must(t, "stop", "-t", "10", cid)
	t.Logf("stop took %v", time.Since(start).Round(time.Millisecond))
	if st := criInspectState(t, e, "inspect", cid); st != "CONTAINER_EXITED" {
		t.Errorf("after stop: %q", st)
	}
	if code := criExitCode(t, e, cid); code != 0 {
		t.Errorf("exit code after stop %d, want 0 (SIGTERM trapped)", code)
	}
	if logs = e.must(t, "logs", cid); !strings.Contains(logs, "got-term") {
		t.Errorf("logs after stop %q, want got-term", logs)
	}
	e.must(t, "rm", cid)
	ctrWaitLeftovers(t, criStateRoot, criCgroupParent+"/"+cid, cid)

	e.must(t, "stopp", podID)
	e.must(t, "rmp", podID)
	podRemoved = true
	ctrWaitLeftovers(t, criStateRoot, criCgroupParent+"/"+podID, podID)
	if podPid > 0 {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", podPid)); err == nil {
			t.Errorf("pause %d still exists", podPid)
		}
	}
}

// criInspectState is .status.state of `crictl inspect[p] id`.
func criInspectState(t *testing.T, e *criEnv, verb, id string) string {
	t.Helper()
	var v struct {
		Status struct {
			State string `json:"state"`
		} `json:"status"`
	}
	if err := json.Unmarshal([]byte(e.must(t, verb, "-o", "json", id)), &v); err != nil {
		t.Fatalf("crictl %s %s: %v", verb, id, err)
	}
	return v.Status.State
}

func criExitCode(t *testing.T, e *criEnv, id string) int {
	t.Helper()
	var v struct {
		Status struct {
			ExitCode int `json:"exitCode"`
		} `json:"status"`
	}
	if err := json.Unmarshal([]byte(e.must(t, "inspect", "-o", "json", id)), &v); err != nil {
		t.Fatalf("crictl inspect %s: %v", id, err)
	}
	return v.Status.ExitCode
}
