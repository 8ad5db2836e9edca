package cgroups

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Root tests with real effect: limits set by Set act on processes placed in
// the cgroup. A process is started held on its stdin, joined, then let go.

// heldCmd starts cmd blocked on reading a line from stdin, joins it to p,
// and returns a function that lets it run and waits for it.
func heldCmd(t *testing.T, p Paths, cmd *exec.Cmd) (run func() error, out *bytes.Buffer) {
	t.Helper()
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out = &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	if err := p.Join(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	return func() error {
		_, _ = io.WriteString(in, "go\n")
		_ = in.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatalf("%v: still running after 30s; output %q", cmd.Args, out)
			return nil
		}
	}, out
}

func readTrim(t *testing.T, path string) string {
	t.Helper()
	b, err := readFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func needCtrl(t *testing.T, p Paths, ctrl string) string {
	t.Helper()
	d, ok := p[ctrl]
	if !ok {
		t.Skipf("no v1 %s hierarchy", ctrl)
	}
	return d
}

func TestRootPidsLimitStopsFork(t *testing.T) {
	rootHierarchies(t)
	p := mustCreate(t, "/"+uniqueName(), "x")
	dir := needCtrl(t, p, "pids")
	if err := p.Set(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(4)}}); err != nil {
		t.Fatal(err)
	}
	if got := readTrim(t, dir+"/pids.max"); got != "4" {
		t.Fatalf("pids.max = %q", got)
	}
	// The shell plus 3 sleeps fit; the 4th fork fails.
	run, out := heldCmd(t, p, exec.Command("/bin/sh", "-c",
		`read x; for i in 1 2 3 4 5 6 7 8; do sleep 30 >/dev/null 2>&1 & done; echo forked-all`))
	err := run()
	if err == nil || strings.Contains(out.String(), "forked-all") || !strings.Contains(strings.ToLower(out.String()), "fork") {
		t.Errorf("over the pids limit: err %v, output %q; want a fork failure", err, out)
	}
	if ev := readTrim(t, dir+"/pids.events"); !strings.HasPrefix(ev, "max ") || ev == "max 0" {
		t.Errorf("pids.events = %q", ev)
	}
	// pids 0 or -1: max.
	if err := p.Set(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(0)}}); err != nil {
		t.Fatal(err)
	}
	if got := readTrim(t, dir+"/pids.max"); got != "max" {
		t.Errorf("pids.max = %q after limit 0", got)
	}
}

// TestHelperMemoryHog is the process of TestRootMemoryLimitOOMKills.
func TestHelperMemoryHog(t *testing.T) {
	if os.Getenv("RT_TEST_MEMORY_HOG") != "1" {
		t.Skip("helper process")
	}
	_, _ = io.ReadAll(io.LimitReader(os.Stdin, 3))
	var keep [][]byte
	for range 64 { // 512 MiB, every page touched
		b := make([]byte, 8<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		keep = append(keep, b)
	}
	fmt.Println("allocated", len(keep))
	os.Exit(0)
}

func TestRootMemoryLimitOOMKills(t *testing.T) {
	rootHierarchies(t)
	p := mustCreate(t, "/"+uniqueName(), "x")
	dir := needCtrl(t, p, "memory")
	limit := int64(64 << 20)
	if err := p.Set(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &limit, Swap: &limit}}); err != nil {
		t.Fatal(err)
	}
	if got := readTrim(t, dir+"/memory.limit_in_bytes"); got != strconv.FormatInt(limit, 10) {
		t.Fatalf("memory.limit_in_bytes = %q", got)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperMemoryHog$", "-test.count=1")
	cmd.Env = append(os.Environ(), "RT_TEST_MEMORY_HOG=1")
	run, out := heldCmd(t, p, cmd)
	err := run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("memory hog: %v, output %q; want it killed", err, out)
	}
	if ws := ee.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Errorf("memory hog: %v, want killed by SIGKILL; output %q", err, out)
	}
	// The OOM is visible in the cgroup: an oom_kill in memory.oom_control
	// (kernels 6.x no longer count v1 memory.failcnt for every charge
	// failure, so it is only logged).
	oc := readTrim(t, dir+"/memory.oom_control")
	if !strings.Contains(oc, "oom_kill ") || strings.Contains(oc, "oom_kill 0") {
		t.Errorf("memory.oom_control = %q, want an oom_kill", oc)
	}
	t.Logf("memory.failcnt %s, memory.memsw.failcnt %s, %s", readTrim(t, dir+"/memory.failcnt"),
		readTrim(t, dir+"/memory.memsw.failcnt"), strings.ReplaceAll(oc, "\n", "; "))
}

func TestRootCPUQuota(t *testing.T) {
	rootHierarchies(t)
	p := mustCreate(t, "/"+uniqueName(), "x")
	dir := needCtrl(t, p, "cpu")
	if err := p.Set(&specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(10000), Period: u64(50000), Shares: u64(256)}}); err != nil {
		t.Fatal(err)
	}
	for f, want := range map[string]string{"cpu.cfs_quota_us": "10000", "cpu.cfs_period_us": "50000", "cpu.shares": "256"} {
		if got := readTrim(t, dir+"/"+f); got != want {
			t.Errorf("%s = %q, want %q", f, got, want)
		}
	}
	// A busy loop gets throttled.
	run, out := heldCmd(t, p, exec.Command("/bin/sh", "-c", `read x; end=$(($(date +%s)+1)); while [ $(date +%s) -le $end ]; do :; done`))
	if err := run(); err != nil {
		t.Fatalf("busy loop: %v %q", err, out)
	}
	st := readTrim(t, dir+"/cpu.stat")
	if !strings.Contains(st, "nr_throttled ") || strings.Contains(st, "nr_throttled 0\n") {
		t.Errorf("cpu.stat shows no throttling:\n%s", st)
	}
	// An out-of-range value is an error naming the field.
	if err := p.Set(&specs.LinuxResources{CPU: &specs.LinuxCPU{Period: u64(1)}}); err == nil || !strings.Contains(err.Error(), "linux.resources.cpu.period") {
		t.Errorf("period 1: %v", err)
	}
}

func TestRootDevicesDeny(t *testing.T) {
	rootHierarchies(t)
	p := mustCreate(t, "/"+uniqueName(), "x")
	dir := needCtrl(t, p, "devices")
	r := Resources(&specs.Linux{Resources: &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{
		{Allow: false, Access: "rwm"},
		{Allow: false, Type: "c", Major: i64(1), Minor: i64(3), Access: "rwm"}, // /dev/null, before the defaults allow it
	}}})
	// The defaults come after and would allow /dev/null again: drop it.
	var rules []specs.LinuxDeviceCgroup
	for _, d := range r.Devices {
		if l, _ := deviceRule(d); l != "c 1:3 rwm" || !d.Allow {
			rules = append(rules, d)
		}
	}
	r.Devices = rules
	if err := p.Set(r); err != nil {
		t.Fatal(err)
	}
	list := readTrim(t, dir+"/devices.list")
	if strings.Contains(list, "a *:* rwm") || strings.Contains(list, "c 1:3") || !strings.Contains(list, "c 1:5 rwm") {
		t.Errorf("devices.list:\n%s", list)
	}
	run, out := heldCmd(t, p, exec.Command("/bin/sh", "-c",
		`read x; head -c 1 /dev/zero | wc -c; if cat /dev/null; then echo null-opened; else echo null-denied; fi`))
	if err := run(); err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	if s := out.String(); !strings.Contains(s, "null-denied") || !strings.Contains(s, "1\n") {
		t.Errorf("output %q: want /dev/zero readable and /dev/null denied", s)
	}
}
