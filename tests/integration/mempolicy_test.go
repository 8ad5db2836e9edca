package integration

// linux.memoryPolicy (runtime-spec 1.3): set_mempolicy(2) for the container
// process, seen in /proc/self/numa_maps.

import (
	"os"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestMemoryPolicy(t *testing.T) {
	if _, err := os.Stat("/proc/self/numa_maps"); err != nil {
		t.Skip("kernel without NUMA (no /proc/self/numa_maps)")
	}
	h := newH(t)
	c := h.NewCtr(sh(`head -1 /proc/self/numa_maps`), func(s *specs.Spec) {
		s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "0"}
	})
	r := c.MustRun()
	if out := readFileQuiet(c.Out) + r.Stdout; !strings.Contains(out, " bind:0 ") {
		t.Errorf("numa_maps of the container process: %q, want the bind:0 policy", out)
	}
	c.AssertNoLeftovers()
	// A node the machine does not have is refused by the kernel at create.
	bad := h.NewCtr(args("/probe", "exit", "0"), func(s *specs.Spec) {
		s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "1000"}
	})
	wantFail(t, bad.Create(), "set_mempolicy")
	bad.AssertNoLeftovers()
}
