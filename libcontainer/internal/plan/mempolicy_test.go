package plan

import (
	"bytes"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/libcontainer/internal/protocol"
)

func TestNodeMask(t *testing.T) {
	for s, want := range map[string][]byte{
		"":      nil,
		"0":     {1, 0, 0, 0, 0, 0, 0, 0},
		"0-2,5": {0x27, 0, 0, 0, 0, 0, 0, 0},
		"64":    {0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0},
	} {
		got, err := nodeMask(s)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("nodeMask(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, bad := range []string{"x", "3-1", "1024", "1-", ","} {
		if _, err := nodeMask(bad); err == nil {
			t.Errorf("nodeMask(%q): no error", bad)
		}
	}
}

func TestMemoryPolicyPlan(t *testing.T) {
	s := &specs.Spec{Process: &specs.Process{Args: []string{"sh"}}, Linux: &specs.Linux{
		MemoryPolicy: &specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "0", Flags: []specs.MemoryPolicyFlagType{specs.MpolFStaticNodes}}}}
	p, err := Build(&Input{Spec: s, Rootfs: "/r", ConsoleFd: -1, StartFd: -1})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range p.Msgs {
		if m.Type != protocol.MemPolicy {
			continue
		}
		n++
		r := protocol.NewReader(m)
		if mode := r.U32(); mode != 2|1<<15 {
			t.Errorf("mode %#x, want MPOL_BIND|MPOL_F_STATIC_NODES", mode)
		}
	}
	if n != 1 {
		t.Errorf("%d MemPolicy messages", n)
	}
	s.Linux.MemoryPolicy.Mode = "MPOL_NOPE"
	if _, err := Build(&Input{Spec: s, Rootfs: "/r", ConsoleFd: -1, StartFd: -1}); err == nil {
		t.Error("an unknown mode: no error")
	}
}
