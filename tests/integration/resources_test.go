package integration

// Issue 3: linux.resources applied at create, with real effect.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func withResources(f func(r *specs.LinuxResources)) func(*specs.Spec) {
	return func(s *specs.Spec) {
		if s.Linux.Resources == nil {
			s.Linux.Resources = &specs.LinuxResources{}
		}
		f(s.Linux.Resources)
	}
}

func ptr[T any](v T) *T { return &v }

// ctrlFile returns the path of a cgroup file of pid: file1 in the v1
// hierarchy of ctrl if there is one, else file2 in the cgroup2 hierarchy.
func ctrlFile(t *testing.T, pid int, ctrl, file1, file2 string) string {
	t.Helper()
	cg := procCgroups(t, pid)
	var v2 string
	for _, hier := range cgroupHierarchies(t) {
		if hier.key == "" {
			v2 = filepath.Join(hier.mountpoint, cg[""], file2)
			continue
		}
		if contains(strings.Split(hier.key, ","), ctrl) {
			return filepath.Join(hier.mountpoint, cg[hier.key], file1)
		}
	}
	if v2 == "" {
		t.Fatalf("no %s controller", ctrl)
	}
	return v2
}

func TestResourcesLimitsInCgroupFiles(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(args("/probe", "sleep"), withResources(func(r *specs.LinuxResources) {
		r.Memory = &specs.LinuxMemory{Limit: ptr(int64(64 << 20)), Reservation: ptr(int64(32 << 20))}
		r.Pids = &specs.LinuxPids{Limit: ptr(int64(20))}
		r.CPU = &specs.LinuxCPU{Quota: ptr(int64(25000)), Period: ptr(uint64(100000)), Shares: ptr(uint64(512))}
	}))
	c.MustCreate()
	pid := c.State().Pid
	for _, f := range []struct{ ctrl, v1, v2, want1, want2 string }{
		{"memory", "memory.limit_in_bytes", "memory.max", "67108864", "67108864"},
		{"memory", "memory.soft_limit_in_bytes", "memory.low", "33554432", "33554432"},
		{"pids", "pids.max", "pids.max", "20", "20"},
		{"cpu", "cpu.cfs_quota_us", "cpu.max", "25000", "25000 100000"},
		{"cpu", "cpu.cfs_period_us", "cpu.max", "100000", "25000 100000"},
		{"cpu", "cpu.shares", "cpu.weight", "512", "20"},
	} {
		p := ctrlFile(t, pid, f.ctrl, f.v1, f.v2)
		want := f.want1
		if filepath.Base(p) == f.v2 && f.v1 != f.v2 {
			want = f.want2
		}
		if got := strings.TrimSpace(readString(t, p)); got != want {
			t.Errorf("%s = %q, want %q", p, got, want)
		}
	}
	wantOK(t, c.Delete("--force"))
	c.AssertNoLeftovers()
}

func TestResourcesPidsLimitStopsForks(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(sh(`i=0; while [ $i -lt 30 ]; do sleep 30 >/dev/null 2>&1 & i=$((i+1)); done; echo forked-all`),
		withResources(func(r *specs.LinuxResources) { r.Pids = &specs.LinuxPids{Limit: ptr(int64(8))} }))
	r := c.Run()
	out := r.Out() + readFileQuiet(c.Out) + readFileQuiet(c.Err)
	if r.Code == 0 || strings.Contains(out, "forked-all") || !strings.Contains(strings.ToLower(out), "fork") {
		t.Errorf("30 forks under pids.limit 8: want a fork failure; %s\ncontainer output: %q", r, out)
	}
	c.AssertNoLeftovers()
}

func TestResourcesMemoryLimitOOMKills(t *testing.T) {
	h := newH(t)
	// dd's 256 MiB buffer, filled from /dev/zero, is charged page by page.
	c := h.NewCtr(sh(`exec dd if=/dev/zero of=/dev/null bs=256M count=1`),
		withResources(func(r *specs.LinuxResources) {
			r.Memory = &specs.LinuxMemory{Limit: ptr(int64(32 << 20)), Swap: ptr(int64(32 << 20))}
		}))
	r := c.Run()
	if r.Code != 137 {
		t.Errorf("a 256 MiB dd under a 32 MiB limit: want exit 137 (SIGKILL by the OOM killer); %s", r)
	}
	c.AssertNoLeftovers()
}

// A resource the host cannot apply fails create with the field named, and
// leaves nothing behind.
func TestResourcesUnsupportedFails(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(args("/probe", "sleep"), withResources(func(r *specs.LinuxResources) {
		r.Unified = map[string]string{"../escape": "1"}
	}))
	wantFail(t, c.Create(), "linux.resources.unified[", "escape", "invalid key")
	c.AssertNoLeftovers()
}

func readFileQuiet(p string) string {
	if p == "" {
		return ""
	}
	b, _ := os.ReadFile(p)
	return string(b)
}

// TestUpdateCheckBeforeUpdate: with memory.checkBeforeUpdate, update refuses
// a limit below the container's current usage and keeps the old one.
func TestUpdateCheckBeforeUpdate(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(args("/probe", "sleep"), withResources(func(r *specs.LinuxResources) {
		r.Memory = &specs.LinuxMemory{Limit: ptr(int64(64 << 20))}
	}))
	c.MustCreate()
	c.MustStart()
	limit := ctrlFile(t, c.State().Pid, "memory", "memory.limit_in_bytes", "memory.max")
	update := func(js string) Res {
		f, err := os.CreateTemp(h.Dir, "res")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		f.WriteString(js)
		f.Seek(0, 0)
		return h.RTOpts(Opts{Stdin: f}, "update", "-r", "-", c.ID)
	}
	wantFail(t, update(`{"memory":{"limit":4096,"checkBeforeUpdate":true}}`),
		"linux.resources.memory.limit", "below the current usage")
	if got := strings.TrimSpace(readString(t, limit)); got != "67108864" {
		t.Errorf("%s = %q after a refused update, want 67108864", limit, got)
	}
	wantOK(t, update(`{"memory":{"limit":33554432,"checkBeforeUpdate":true}}`))
	if got := strings.TrimSpace(readString(t, limit)); got != "33554432" {
		t.Errorf("%s = %q, want 33554432", limit, got)
	}
	wantOK(t, c.Delete("--force"))
	c.AssertNoLeftovers()
}

// TestCgroupInUseRefused: a second container given the cgroupsPath of a
// running one is refused (runc's text), and deleting the failed one leaves
// the first container and its cgroup alone.
func TestCgroupInUseRefused(t *testing.T) {
	h := newH(t)
	path := "/rt-test-shared-" + h.NewID()
	a := h.NewCtr(args("/probe", "sleep"), func(s *specs.Spec) { s.Linux.CgroupsPath = path })
	a.MustCreate()
	b := h.NewCtr(args("/probe", "sleep"), func(s *specs.Spec) { s.Linux.CgroupsPath = path })
	wantFail(t, b.Create(), "container's cgroup is not empty")
	if st := a.State(); st.Status != "created" {
		t.Errorf("first container is %q after the refused create, want created", st.Status)
	}
	procs := ctrlFile(t, a.State().Pid, "pids", "cgroup.procs", "cgroup.procs")
	if got := strings.TrimSpace(readString(t, procs)); got == "" {
		t.Errorf("%s is empty: the refused create emptied the shared cgroup", procs)
	}
	b.AssertNoLeftovers()
	wantOK(t, a.Delete("--force"))
	a.AssertNoLeftovers()
}

// TestIntelRdtRefused: linux.intelRdt is refused (runc's text on a host
// without resctrl) rather than silently dropped, with nothing left behind.
func TestIntelRdtRefused(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(args("/probe", "sleep"), func(s *specs.Spec) {
		s.Linux.IntelRdt = &specs.LinuxIntelRdt{ClosID: "rt-test", L3CacheSchema: "L3:0=f"}
	})
	wantFail(t, c.Create(), "intelRdt")
	c.AssertNoLeftovers()
}
