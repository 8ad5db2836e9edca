package integration

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestKillCreatedTerm: the waiting init is pid 1 of its pid namespace, yet
// `kill ID TERM` of a created container ends it, as with runc (engines stop
// containers that never started with SIGTERM first).
func TestKillCreatedTerm(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(args("/probe", "sleep"))
	c.MustCreate()
	wantOK(t, c.Kill("TERM"))
	c.WaitStatus("stopped")
	wantOK(t, c.Delete())
	c.AssertNoLeftovers()
}

// TestDeleteStoppedSharedPidNS: without a pid namespace of its own, a
// container's init may exit and leave processes behind in its cgroup;
// delete ends them and removes every cgroup directory.
func TestDeleteStoppedSharedPidNS(t *testing.T) {
	h := newH(t)
	marker := fmt.Sprintf("4%d", time.Now().UnixNano()%1000000)
	c := h.NewCtr(dropNS(specs.PIDNamespace), args("/bin/sh", "-c", "sleep "+marker+" & exit 0"))
	c.MustCreate()
	c.MustStart()
	c.WaitStatus("stopped")
	waitFor(t, "the background sleep to exist", func() bool { return len(procsWithArg(marker)) > 0 })
	wantOK(t, c.Delete())
	waitFor(t, "the leftover process to be killed", func() bool { return len(procsWithArg(marker)) == 0 })
	c.AssertNoLeftovers()
}

// TestCreateKilledMidway: rt SIGKILLed in the middle of create (here while
// a createRuntime hook runs) leaves a record: `state` answers at once
// (creating, without waiting for the dead create's lock), and `delete
// --force` removes the container and its cgroups.
func TestCreateKilledMidway(t *testing.T) {
	h := newH(t)
	marker := fmt.Sprintf("5%d", time.Now().UnixNano()%1000000)
	c := h.NewCtr(args("/probe", "sleep"), func(s *specs.Spec) {
		s.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{Path: "/bin/sleep", Args: []string{"sleep", marker}}}}
	})
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	cmd := exec.Command(rtBinary, append(append([]string{}, rtGlobal...), "--root", h.Root, "create", "--bundle", c.Bundle, c.ID)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = devnull, devnull, devnull
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, p := range procsWithArg(marker) {
			if pid, err := strconv.Atoi(p); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	waitFor(t, "the createRuntime hook to run", func() bool { return len(procsWithArg(marker)) > 0 })
	// While the create holds its lock, state and list still answer.
	r := h.RTOpts(Opts{Timeout: 5 * time.Second}, "state", c.ID)
	wantOK(t, r)
	if !strings.Contains(r.Stdout, `"creating"`) {
		t.Errorf("state during create: %s", r.Stdout)
	}
	wantOK(t, h.RTOpts(Opts{Timeout: 5 * time.Second}, "list"))
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	wantOK(t, c.Delete("--force"))
	if r := h.RT("state", c.ID); r.Code == 0 {
		t.Errorf("state after delete --force: %s", r)
	}
	c.AssertNoLeftovers()
}
