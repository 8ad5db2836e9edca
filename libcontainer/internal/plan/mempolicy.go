package plan

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/libcontainer/internal/protocol"
)

// MemoryPolicyModes and MemoryPolicyFlags are the kernel's values of the
// runtime-spec names (linux/mempolicy.h).
var (
	MemoryPolicyModes = map[specs.MemoryPolicyModeType]uint32{
		specs.MpolDefault: 0, specs.MpolPreferred: 1, specs.MpolBind: 2, specs.MpolInterleave: 3,
		specs.MpolLocal: 4, specs.MpolPreferredMany: 5, specs.MpolWeightedInterleave: 6,
	}
	MemoryPolicyFlags = map[specs.MemoryPolicyFlagType]uint32{
		specs.MpolFNumaBalancing: 1 << 13, specs.MpolFRelativeNodes: 1 << 14, specs.MpolFStaticNodes: 1 << 15,
	}
)

// maxNUMANode bounds the nodemask (the kernel's MAX_NUMNODES is at most 1024).
const maxNUMANode = 1023

// memoryPolicy plans linux.memoryPolicy: set_mempolicy(2) in the init.
func memoryPolicy(in *Input, p *Plan) error {
	l := in.Spec.Linux
	if l == nil || l.MemoryPolicy == nil {
		return nil
	}
	mp := l.MemoryPolicy
	mode, ok := MemoryPolicyModes[mp.Mode]
	if !ok {
		return fmt.Errorf("linux.memoryPolicy.mode: invalid value %q", mp.Mode)
	}
	for i, f := range mp.Flags {
		v, ok := MemoryPolicyFlags[f]
		if !ok {
			return fmt.Errorf("linux.memoryPolicy.flags[%d]: invalid value %q", i, f)
		}
		mode |= v
	}
	mask, err := nodeMask(mp.Nodes)
	if err != nil {
		return fmt.Errorf("linux.memoryPolicy.nodes: %w", err)
	}
	p.add(protocol.New().U32(mode).Bytes(mask).Msg(protocol.MemPolicy))
	return nil
}

// nodeMask turns "0-2,5" into the u64 words of a bitmask (little endian).
func nodeMask(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	var words []uint64
	for part := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseUint(lo, 10, 16)
		b := a
		if err == nil && isRange {
			b, err = strconv.ParseUint(hi, 10, 16)
		}
		if err != nil || b < a || b > maxNUMANode {
			return nil, fmt.Errorf("invalid node range %q", part)
		}
		for n := a; n <= b; n++ {
			for uint64(len(words)) <= n/64 {
				words = append(words, 0)
			}
			words[n/64] |= 1 << (n % 64)
		}
	}
	out := make([]byte, 0, 8*len(words))
	for _, w := range words {
		out = binary.LittleEndian.AppendUint64(out, w)
	}
	return out, nil
}
