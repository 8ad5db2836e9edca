package integration

// Issue 3: pause, resume, ps, events (cgroup freezer and accounting).

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// counterScript bumps /tmp/count ten times a second.
const counterScript = `i=0; while :; do i=$((i+1)); echo $i > /tmp/count.new; mv /tmp/count.new /tmp/count; sleep 0.1; done`

// readCount reads the counter a counterScript container writes.
func readCount(t *testing.T, c *Ctr) int {
	t.Helper()
	var n int
	waitFor(t, "the counter file", func() bool {
		b, err := os.ReadFile(filepath.Join(c.Rootfs, "tmp/count"))
		if err != nil {
			return false
		}
		v, err := strconv.Atoi(strings.TrimSpace(string(b)))
		n = v
		return err == nil
	})
	return n
}

// waitCountAbove waits until the counter exceeds n.
func waitCountAbove(t *testing.T, c *Ctr, n int) int {
	t.Helper()
	var cur int
	waitFor(t, fmt.Sprintf("the counter to pass %d", n), func() bool {
		cur = readCount(t, c)
		return cur > n
	})
	return cur
}

// freezerState returns the v1 freezer.state of pid's cgroup, or "" when
// the freezer hierarchy is not mounted.
func freezerState(t *testing.T, pid int) string {
	t.Helper()
	cg, ok := procCgroups(t, pid)["freezer"]
	if !ok {
		return ""
	}
	b, err := os.ReadFile(filepath.Join("/sys/fs/cgroup/freezer", cg, "freezer.state"))
	if err != nil {
		t.Fatalf("freezer.state: %v", err)
	}
	return strings.TrimSpace(string(b))
}

func listStatus(t *testing.T, h *H, id string) string {
	t.Helper()
	r := h.RT("list", "-f", "json")
	wantOK(t, r)
	var out []State
	if err := json.Unmarshal([]byte(r.Stdout), &out); err != nil {
		t.Fatalf("list -f json: %v\n%s", err, r)
	}
	for _, o := range out {
		if o.ID == id {
			return o.Status
		}
	}
	t.Fatalf("list does not show %s: %s", id, r)
	return ""
}

func TestPauseResume(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(sh(counterScript))
	c.MustCreate()
	c.MustStart()
	pid := c.State().Pid
	waitCountAbove(t, c, 2)

	wantOK(t, h.RT("pause", c.ID))
	if st := c.State(); st.Status != "paused" {
		t.Fatalf("after pause: status %q, want paused", st.Status)
	}
	if st := listStatus(t, h, c.ID); st != "paused" {
		t.Errorf("list: status %q, want paused", st)
	}
	if fs := freezerState(t, pid); fs != "" && fs != "FROZEN" {
		t.Errorf("freezer.state %q, want FROZEN", fs)
	}
	// the processes do not run: the counter stands still
	before := readCount(t, c)
	time.Sleep(600 * time.Millisecond)
	if after := readCount(t, c); after != before {
		t.Errorf("the counter advanced while paused: %d -> %d", before, after)
	}
	wantFail(t, h.RT("pause", c.ID), "container paused")

	wantOK(t, h.RT("resume", c.ID))
	if st := c.State(); st.Status != "running" {
		t.Fatalf("after resume: status %q, want running", st.Status)
	}
	if fs := freezerState(t, pid); fs != "" && fs != "THAWED" {
		t.Errorf("freezer.state %q, want THAWED", fs)
	}
	waitCountAbove(t, c, before+2)
	wantFail(t, h.RT("resume", c.ID), "container not paused")

	wantOK(t, c.Delete("--force"))
	c.AssertNoLeftovers()
}

func TestPausedKillAndDelete(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(sh("/probe sleep & " + counterScript))
	c.MustCreate()
	c.MustStart()
	waitCountAbove(t, c, 1)
	wantOK(t, h.RT("pause", c.ID))
	c.WaitStatus("paused")
	// a paused container is not deleted without --force
	wantFail(t, c.Delete(), "paused")
	wantOK(t, c.Kill("KILL"))
	c.WaitStatus("stopped")
	wantOK(t, c.Delete())
	c.AssertNoLeftovers()
}

func TestPausedDeleteForce(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(sh("/probe sleep & " + counterScript))
	c.MustCreate()
	c.MustStart()
	waitCountAbove(t, c, 1)
	wantOK(t, h.RT("pause", c.ID))
	c.WaitStatus("paused")
	start := time.Now()
	wantOK(t, c.Delete("--force"))
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("delete --force of a paused container took %v", d)
	}
	c.AssertNoLeftovers()
}

func TestPauseResumeErrors(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(args("/probe", "sleep"))
	c.MustCreate()
	c.MustStart()
	wantFail(t, h.RT("resume", c.ID), "container not paused")
	wantOK(t, c.Kill("KILL"))
	c.WaitStatus("stopped")
	wantFail(t, h.RT("pause", c.ID), "container not running")
	wantFail(t, h.RT("resume", c.ID), "container not paused")
	wantOK(t, c.Delete())
	wantFail(t, h.RT("pause", c.ID), "does not exist")
}

func TestPs(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(sh("/probe sleep & exec /probe sleep"))
	c.MustCreate()
	c.MustStart()
	pid := c.State().Pid
	var pids []int
	waitFor(t, "two processes in ps -f json", func() bool {
		r := h.RT("ps", "-f", "json", c.ID)
		wantOK(t, r)
		pids = nil
		if err := json.Unmarshal([]byte(r.Stdout), &pids); err != nil {
			t.Fatalf("ps -f json is not a JSON array of pids: %v\n%s", err, r)
		}
		return len(pids) >= 2
	})
	if !contains(pids, pid) {
		t.Errorf("ps -f json %v lacks the init pid %d", pids, pid)
	}
	for _, p := range pids {
		if cg := procCgroups(t, p); cg["pids"] != procCgroups(t, pid)["pids"] {
			t.Errorf("pid %d is not in the container's cgroup", p)
		}
	}
	wantFail(t, h.RT("ps", "-f", "json", c.ID, "-ef"))

	r := h.RT("ps", c.ID)
	wantOK(t, r)
	lines := strings.Split(strings.TrimSpace(r.Stdout), "\n")
	if !strings.Contains(lines[0], "PID") {
		t.Errorf("ps: no header: %s", r)
	}
	if len(lines) != len(pids)+1 {
		t.Errorf("ps: want the header and %d lines: %s", len(pids), r)
	}
	found := false
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			found = true
		}
	}
	if !found {
		t.Errorf("ps: no line for the init pid %d: %s", pid, r)
	}
	// ps options pass through; the PID column is found wherever it is
	r = h.RT("ps", c.ID, "-o", "comm,pid")
	wantOK(t, r)
	if !strings.Contains(r.Stdout, "PID") || !strings.Contains(r.Stdout, strconv.Itoa(pid)) {
		t.Errorf("ps -o comm,pid: %s", r)
	}
	wantOK(t, c.Delete("--force"))
}

type eventLine struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Data struct {
		CPU struct {
			Usage struct {
				Total uint64 `json:"total"`
			} `json:"usage"`
		} `json:"cpu"`
		Memory struct {
			Usage struct {
				Usage uint64 `json:"usage"`
			} `json:"usage"`
		} `json:"memory"`
		Pids struct {
			Current uint64 `json:"current"`
		} `json:"pids"`
	} `json:"data"`
}

func TestEventsStats(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(sh("/probe sleep & exec /probe sleep"))
	c.MustCreate()
	c.MustStart()
	r := h.RT("events", "--stats", c.ID)
	wantOK(t, r)
	var ev eventLine
	if err := json.Unmarshal([]byte(r.Stdout), &ev); err != nil {
		t.Fatalf("events --stats: not one JSON object: %v\n%s", err, r)
	}
	if ev.Type != "stats" || ev.ID != c.ID {
		t.Errorf("events --stats: type %q id %q: %s", ev.Type, ev.ID, r)
	}
	if ev.Data.Pids.Current < 1 {
		t.Errorf("events --stats: pids.current %d, want >= 1: %s", ev.Data.Pids.Current, r)
	}
	if ev.Data.CPU.Usage.Total == 0 || ev.Data.Memory.Usage.Usage == 0 {
		t.Errorf("events --stats: no cpu or memory usage: %s", r)
	}

	// without --stats: a stats line per interval until the container stops
	var wg sync.WaitGroup
	var er Res
	wg.Add(1)
	go func() {
		defer wg.Done()
		er = h.RTOpts(Opts{Timeout: 15 * time.Second}, "events", "--interval", "100ms", c.ID)
	}()
	time.Sleep(700 * time.Millisecond)
	wantOK(t, c.Kill("KILL"))
	wg.Wait()
	if er.Code != 0 {
		t.Fatalf("events: %s", er)
	}
	n := 0
	for _, l := range strings.Split(strings.TrimSpace(er.Stdout), "\n") {
		var ev eventLine
		if err := json.Unmarshal([]byte(l), &ev); err != nil || ev.Type != "stats" {
			t.Errorf("events: bad line %q (%v)", l, err)
		}
		n++
	}
	if n < 2 {
		t.Errorf("events --interval 100ms: %d lines in 0.7s: %s", n, er)
	}
	wantFail(t, h.RT("events", "--stats", c.ID), "container not running")
	wantOK(t, c.Delete())
}

// TestEventsOOM: a process over its memory limit (set live with update) is
// OOM-killed, and events reports it.
func TestEventsOOM(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(sh(`while [ ! -e /tmp/go ]; do sleep 0.05; done; a=xxxxxxxxxxxxxxxx; while :; do a="$a$a"; done`))
	c.MustCreate()
	c.MustStart()
	wantOK(t, h.RT("update", "--memory", "32m", "--memory-swap", "32m", c.ID))
	var wg sync.WaitGroup
	var er Res
	wg.Add(1)
	go func() {
		defer wg.Done()
		er = h.RTOpts(Opts{Timeout: 20 * time.Second}, "events", "--interval", "10s", c.ID)
	}()
	time.Sleep(300 * time.Millisecond) // events registers its OOM watch
	if err := os.WriteFile(filepath.Join(c.Rootfs, "tmp/go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	c.WaitStatus("stopped")
	wg.Wait()
	if er.Code != 0 || !strings.Contains(er.Stdout, `{"type":"oom","id":"`+c.ID+`"}`) {
		t.Errorf("events: want an oom event: %s", er)
	}
	wantOK(t, c.Delete())
	c.AssertNoLeftovers()
}

// TestUpdatePids: update changes a live limit (flags and -r -), and the
// change is kept in the state for the next update.
func TestUpdatePids(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(args("/probe", "sleep"))
	c.MustCreate()
	c.MustStart()
	pid := c.State().Pid
	cg, ok := procCgroups(t, pid)["pids"]
	if !ok {
		t.Skip("no v1 pids hierarchy")
	}
	pidsMax := filepath.Join("/sys/fs/cgroup/pids", cg, "pids.max")
	wantOK(t, h.RT("update", "--pids-limit", "42", c.ID))
	if got := strings.TrimSpace(readString(t, pidsMax)); got != "42" {
		t.Errorf("pids.max %q after --pids-limit 42", got)
	}
	stdin, err := os.CreateTemp(h.Dir, "res")
	if err != nil {
		t.Fatal(err)
	}
	stdin.WriteString(`{"pids":{"limit":7}}`)
	stdin.Seek(0, 0)
	defer stdin.Close()
	wantOK(t, h.RTOpts(Opts{Stdin: stdin}, "update", "-r", "-", c.ID))
	if got := strings.TrimSpace(readString(t, pidsMax)); got != "7" {
		t.Errorf("pids.max %q after -r - {pids:{limit:7}}", got)
	}
	r := h.RT("events", "--stats", c.ID)
	wantOK(t, r)
	if !strings.Contains(r.Stdout, `"limit":7`) {
		t.Errorf("events --stats does not show the pids limit: %s", r)
	}
	wantFail(t, h.RT("update", "--memory", "lots", c.ID), "invalid value for --memory")
	wantOK(t, c.Delete("--force"))
}
