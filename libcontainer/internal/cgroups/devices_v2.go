package cgroups

import (
	"encoding/binary"
	"fmt"
	"math"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// cgroup v2 has no devices.allow/deny: the device rules become an eBPF
// program of type BPF_PROG_TYPE_CGROUP_DEVICE attached to the container's
// cgroup directory. The kernel runs it on every device open (access read
// and/or write) and mknod (access mknod) with struct bpf_cgroup_dev_ctx
// { u32 access_type (type | access<<16); u32 major; u32 minor; } in R1, and
// allows the operation if it returns 1.
//
// Semantics (those of the v1 rule list): rules are evaluated in order and
// the last matching one wins, for each access bit on its own; an operation
// is allowed only if each access it asks for is. A rule matches a device if
// its type is "a" or the device's, its major and minor are -1 (or unset) or
// equal, and it names the access bit. An access no rule matches is allowed
// (a cgroup without a program allows every device), so a list that starts
// with the deny-all rule "a *:* rwm" is an allow list.

// devRule is one linux.resources.devices rule in the program's terms.
type devRule struct {
	allow        bool
	typ          int32 // 0 (any), unix.BPF_DEVCG_DEV_BLOCK or unix.BPF_DEVCG_DEV_CHAR
	major, minor int64 // -1: any
	access       int32 // unix.BPF_DEVCG_ACC_* bits
}

// anyDev reports whether r matches every device (no check to emit).
func (r devRule) anyDev() bool { return r.typ == 0 && r.major < 0 && r.minor < 0 }

// devRules validates and converts the spec's rules.
func devRules(rules []specs.LinuxDeviceCgroup) ([]devRule, error) {
	out := make([]devRule, 0, len(rules))
	for i, r := range rules {
		field := fmt.Sprintf("devices[%d]", i)
		if _, err := deviceRule(r); err != nil {
			return nil, resErr(field, "%v", err)
		}
		d := devRule{allow: r.Allow, major: -1, minor: -1}
		switch r.Type {
		case "b":
			d.typ = unix.BPF_DEVCG_DEV_BLOCK
		case "c":
			d.typ = unix.BPF_DEVCG_DEV_CHAR
		}
		for _, n := range []struct {
			p   *int64
			dst *int64
			nm  string
		}{{r.Major, &d.major, "major"}, {r.Minor, &d.minor, "minor"}} {
			if n.p == nil || *n.p < 0 {
				continue
			}
			if *n.p > math.MaxUint32 {
				return nil, resErr(field, "invalid %s %d", n.nm, *n.p)
			}
			*n.dst = *n.p
		}
		access := r.Access
		if access == "" {
			access = "rwm"
		}
		for _, c := range access {
			switch c {
			case 'r':
				d.access |= unix.BPF_DEVCG_ACC_READ
			case 'w':
				d.access |= unix.BPF_DEVCG_ACC_WRITE
			case 'm':
				d.access |= unix.BPF_DEVCG_ACC_MKNOD
			}
		}
		out = append(out, d)
	}
	return out, nil
}

// bpfInsn is struct bpf_insn.
type bpfInsn struct {
	code     uint8
	dst, src uint8
	off      int16
	imm      int32
	target   string // jump label, resolved into off
}

// BPF opcodes used by the device program.
const (
	opLdxW    = unix.BPF_LDX | unix.BPF_MEM | unix.BPF_W // dst = *(u32 *)(src + off)
	opMov32K  = unix.BPF_ALU | unix.BPF_MOV | unix.BPF_K // dst = imm (32-bit)
	opMov32X  = unix.BPF_ALU | unix.BPF_MOV | unix.BPF_X // dst = src (32-bit)
	opAnd32K  = unix.BPF_ALU | unix.BPF_AND | unix.BPF_K // dst &= imm
	opRsh32K  = unix.BPF_ALU | unix.BPF_RSH | unix.BPF_K // dst >>= imm
	opJeqK    = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K // if dst == imm goto
	opJneK    = unix.BPF_JMP | unix.BPF_JNE | unix.BPF_K // if dst != imm goto
	opJa      = unix.BPF_JMP | unix.BPF_JA               // goto
	opExit    = unix.BPF_JMP | unix.BPF_EXIT             // return r0
	regR0     = 0                                        // return value, scratch
	regCtx    = 1                                        // struct bpf_cgroup_dev_ctx *
	regType   = 2                                        // device type
	regAccess = 3                                        // requested access bits
	regMajor  = 4                                        // device major
	regMinor  = 5                                        // device minor
	insnSize  = 8                                        // sizeof(struct bpf_insn)
	maxInsns  = 4096                                     // BPF_MAXINSNS: the verifier's limit without CAP_BPF
	labelOK   = "allow"                                  // return 1
	labelDeny = "deny"                                   // return 0
	bitLabel  = "bit%d"                                  // the next access bit's block
	ruleLabel = "rule%d.%d"                              // the next rule's block
)

// devicesProgram compiles rules into a BPF_PROG_TYPE_CGROUP_DEVICE program:
//
//	r2 = ctx->access_type; r3 = r2 >> 16; r2 &= 0xffff; r4 = major; r5 = minor
//	for each access bit b (m, r, w):
//	    if !(r3 & b) goto next bit
//	    for each rule naming b, last first:
//	        if its type/major/minor differ goto next rule
//	        goto allow ? next bit : deny
//	    (no rule matched: allowed) next bit
//	allow: return 1
//	deny:  return 0
//
// Rules before one that matches every device are left out: it hides them.
// Every jump is forward, as the verifier wants; the deny block is emitted
// only if a rule jumps to it (the verifier refuses unreachable code).
func devicesProgram(rules []devRule) ([]bpfInsn, error) {
	p := []bpfInsn{
		{code: opLdxW, dst: regType, src: regCtx, off: 0},
		{code: opMov32X, dst: regAccess, src: regType},
		{code: opRsh32K, dst: regAccess, imm: 16},
		{code: opAnd32K, dst: regType, imm: 0xffff},
		{code: opLdxW, dst: regMajor, src: regCtx, off: 4},
		{code: opLdxW, dst: regMinor, src: regCtx, off: 8},
	}
	labels := map[string]int{}
	denied := false
	bits := []int32{unix.BPF_DEVCG_ACC_MKNOD, unix.BPF_DEVCG_ACC_READ, unix.BPF_DEVCG_ACC_WRITE}
	for bi, bit := range bits {
		next := fmt.Sprintf(bitLabel, bi+1)
		if bi == len(bits)-1 {
			next = labelOK
		}
		p = append(p,
			bpfInsn{code: opMov32X, dst: regR0, src: regAccess},
			bpfInsn{code: opAnd32K, dst: regR0, imm: bit},
			bpfInsn{code: opJeqK, dst: regR0, imm: 0, target: next})
		for ri := len(rules) - 1; ri >= 0; ri-- {
			r := rules[ri]
			if r.access&bit == 0 {
				continue
			}
			skip := fmt.Sprintf(ruleLabel, bi, ri)
			if r.typ != 0 {
				p = append(p, bpfInsn{code: opJneK, dst: regType, imm: r.typ, target: skip})
			}
			if r.major >= 0 {
				p = append(p, bpfInsn{code: opJneK, dst: regMajor, imm: imm32(r.major), target: skip})
			}
			if r.minor >= 0 {
				p = append(p, bpfInsn{code: opJneK, dst: regMinor, imm: imm32(r.minor), target: skip})
			}
			if r.allow {
				p = append(p, bpfInsn{code: opJa, target: next})
			} else {
				p = append(p, bpfInsn{code: opJa, target: labelDeny})
				denied = true
			}
			labels[skip] = len(p)
			if r.anyDev() {
				break
			}
		}
		labels[next] = len(p)
	}
	p = append(p,
		bpfInsn{code: opMov32K, dst: regR0, imm: 1},
		bpfInsn{code: opExit})
	if denied {
		labels[labelDeny] = len(p)
		p = append(p,
			bpfInsn{code: opMov32K, dst: regR0, imm: 0},
			bpfInsn{code: opExit})
	}
	if len(p) > maxInsns {
		return nil, resErr("devices", "%d rules make a device program of %d instructions (the limit is %d)", len(rules), len(p), maxInsns)
	}
	for i := range p {
		if p[i].target == "" {
			continue
		}
		to, ok := labels[p[i].target]
		if !ok || to <= i || to-i-1 > math.MaxInt16 {
			return nil, fmt.Errorf("internal error: device program: bad jump %d -> %q", i, p[i].target)
		}
		p[i].off = int16(to - i - 1)
	}
	return p, nil
}

// imm32 is n as the immediate of a 64-bit compare with a u32 register
// loaded with LDX W (zero-extended): above MaxInt32 the immediate is
// sign-extended and never equal, which is right, as no device has such a
// number (majors have 12 bits, minors 20).
func imm32(n int64) int32 { return int32(uint32(n)) }

// encodeInsns is the program as the kernel reads it (host byte order).
func encodeInsns(p []bpfInsn) []byte {
	b := make([]byte, 0, len(p)*insnSize)
	for _, in := range p {
		regs := in.dst&0xf | in.src<<4
		if !littleEndian() {
			regs = in.dst<<4 | in.src&0xf
		}
		b = append(b, in.code, regs)
		b = binary.NativeEndian.AppendUint16(b, uint16(in.off))
		b = binary.NativeEndian.AppendUint32(b, uint32(in.imm))
	}
	return b
}

func littleEndian() bool {
	return binary.NativeEndian.Uint16([]byte{1, 0}) == 1
}
