package cgroups

import (
	"encoding/binary"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func stubLoadDevices(t *testing.T, f func(dir string, insns []byte) error) {
	old := loadDevices
	loadDevices = f
	t.Cleanup(func() { loadDevices = old })
}

// runDevProg interprets the encoded program (the few opcodes the generator
// emits) on one request, as the kernel would, and checks that every jump
// goes forward and stays in the program.
func runDevProg(t *testing.T, code []byte, typ, access, major, minor uint32) bool {
	t.Helper()
	n := len(code) / insnSize
	var reg [11]uint64
	ctx := [3]uint32{typ | access<<16, major, minor}
	for pc, steps := 0, 0; ; steps++ {
		if pc < 0 || pc >= n || steps > n {
			t.Fatalf("pc %d out of the program (%d insns) after %d steps", pc, n, steps)
		}
		b := code[pc*insnSize:]
		op, dst, src := b[0], b[1]&0xf, b[1]>>4
		if !littleEndian() {
			dst, src = b[1]>>4, b[1]&0xf
		}
		off := int(int16(binary.NativeEndian.Uint16(b[2:])))
		imm := int32(binary.NativeEndian.Uint32(b[4:]))
		jump := func(cond bool) {
			if off < 0 {
				t.Fatalf("backward jump at %d", pc)
			}
			if cond {
				pc += off
			}
		}
		switch op {
		case opLdxW:
			if src != regCtx || off%4 != 0 || off < 0 || off > 8 {
				t.Fatalf("bad load at %d", pc)
			}
			reg[dst] = uint64(ctx[off/4])
		case opMov32K:
			reg[dst] = uint64(uint32(imm))
		case opMov32X:
			reg[dst] = uint64(uint32(reg[src]))
		case opAnd32K:
			reg[dst] = uint64(uint32(reg[dst]) & uint32(imm))
		case opRsh32K:
			reg[dst] = uint64(uint32(reg[dst]) >> uint(imm))
		case opJeqK:
			jump(reg[dst] == uint64(int64(imm)))
		case opJneK:
			jump(reg[dst] != uint64(int64(imm)))
		case opJa:
			jump(true)
		case opExit:
			return reg[0] == 1
		default:
			t.Fatalf("unknown opcode %#x at %d", op, pc)
		}
		pc++
	}
}

const (
	accR = unix.BPF_DEVCG_ACC_READ
	accW = unix.BPF_DEVCG_ACC_WRITE
	accM = unix.BPF_DEVCG_ACC_MKNOD
	devC = unix.BPF_DEVCG_DEV_CHAR
	devB = unix.BPF_DEVCG_DEV_BLOCK
)

func compile(t *testing.T, rules []specs.LinuxDeviceCgroup) []byte {
	t.Helper()
	drs, err := devRules(rules)
	if err != nil {
		t.Fatal(err)
	}
	p, err := devicesProgram(drs)
	if err != nil {
		t.Fatal(err)
	}
	return encodeInsns(p)
}

type devReq struct {
	name                      string
	typ, access, major, minor uint32
	want                      bool
}

func checkReqs(t *testing.T, code []byte, reqs []devReq) {
	t.Helper()
	for _, r := range reqs {
		if got := runDevProg(t, code, r.typ, r.access, r.major, r.minor); got != r.want {
			t.Errorf("%s: allowed=%v, want %v", r.name, got, r.want)
		}
	}
}

func TestDevicesProgramDefault(t *testing.T) {
	// rt spec's list: deny-all, then Resources' defaults and linux.devices.
	l := &specs.Linux{
		Resources: &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}}},
		Devices:   []specs.LinuxDevice{{Type: "b", Major: 8, Minor: 0}, {Type: "u", Major: 10, Minor: 200}},
	}
	code := compile(t, Resources(l).Devices)
	checkReqs(t, code, []devReq{
		{"open /dev/null rw", devC, accR | accW, 1, 3, true},
		{"open /dev/zero r", devC, accR, 1, 5, true},
		{"mknod /dev/null", devC, accM, 1, 3, true},
		{"mknod any char", devC, accM, 99, 7, true},
		{"mknod any block", devB, accM, 7, 0, true},
		{"open /dev/pts/5", devC, accR | accW, 136, 5, true},
		{"open c 99:7 r", devC, accR, 99, 7, false},
		{"open c 1:1 (mem) w", devC, accW, 1, 1, false},
		{"open b 1:3 (not c)", devB, accR, 1, 3, false},
		{"open linux.devices b 8:0", devB, accR | accW, 8, 0, true},
		{"open linux.devices b 8:1", devB, accR, 8, 1, false},
		{"open linux.devices u 10:200", devC, accR | accW, 10, 200, true},
	})
}

func TestDevicesProgramLastMatchWins(t *testing.T) {
	i := func(v int64) *int64 { return &v }
	code := compile(t, []specs.LinuxDeviceCgroup{
		{Allow: false, Access: "rwm"},
		{Allow: true, Type: "c", Major: i(1), Access: "rw"},               // c 1:* rw
		{Allow: false, Type: "c", Major: i(1), Minor: i(5)},               // but not 1:5 (access "" = rwm)
		{Allow: true, Type: "c", Major: i(1), Minor: i(5), Access: "r"},   // then 1:5 r again
		{Allow: false, Type: "a", Major: i(-1), Minor: i(9), Access: "w"}, // any *:9 w
		{Allow: true, Type: "b", Major: i(8), Minor: i(-1), Access: "m"},
	})
	checkReqs(t, code, []devReq{
		{"c 1:3 rw", devC, accR | accW, 1, 3, true},
		{"c 1:3 m", devC, accM, 1, 3, false},
		{"c 1:5 r", devC, accR, 1, 5, true},
		{"c 1:5 rw", devC, accR | accW, 1, 5, false},
		{"c 1:5 w", devC, accW, 1, 5, false},
		{"c 1:9 r", devC, accR, 1, 9, true},
		{"c 1:9 w", devC, accW, 1, 9, false},
		{"b 8:9 m", devB, accM, 8, 9, true},
		{"b 8:0 r", devB, accR, 8, 0, false},
		{"c 2:0 r", devC, accR, 2, 0, false},
	})
}

func TestDevicesProgramDenyList(t *testing.T) {
	i := func(v int64) *int64 { return &v }
	// No leading deny-all: what no rule matches is allowed.
	code := compile(t, []specs.LinuxDeviceCgroup{
		{Allow: false, Type: "c", Major: i(1), Minor: i(5), Access: "rwm"},
		{Allow: false, Type: "b", Access: "w"},
	})
	checkReqs(t, code, []devReq{
		{"c 1:5 r", devC, accR, 1, 5, false},
		{"c 1:5 m", devC, accM, 1, 5, false},
		{"c 1:3 rw", devC, accR | accW, 1, 3, true},
		{"b 8:0 r", devB, accR, 8, 0, true},
		{"b 8:0 rw", devB, accR | accW, 8, 0, false},
		{"c 1:5 none", devC, 0, 1, 5, true},
	})
	// Allow-all last: everything.
	code = compile(t, []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}, {Allow: true, Access: "rwm"}})
	checkReqs(t, code, []devReq{{"c 1:5 rwm", devC, accR | accW | accM, 1, 5, true}, {"b 0:0 r", devB, accR, 0, 0, true}})
	// Huge numbers never match a real device.
	code = compile(t, []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}, {Allow: true, Type: "c", Major: i(1 << 31), Minor: i(0xffffffff)}})
	checkReqs(t, code, []devReq{{"c 0:0 r", devC, accR, 0, 0, false}, {"c 1:3 r", devC, accR, 1, 3, false}})
}

func TestDevicesProgramShape(t *testing.T) {
	// Only a leading deny-all: each bit's block ends at the deny, and the
	// rules before a match-all rule are left out.
	drs, _ := devRules([]specs.LinuxDeviceCgroup{{Allow: true, Type: "c", Access: "rwm"}, {Allow: false, Access: "rwm"}})
	p, err := devicesProgram(drs)
	if err != nil {
		t.Fatal(err)
	}
	if len(p) != 6+3*4+2+2 {
		t.Errorf("%d insns, want %d", len(p), 6+3*4+2+2)
	}
	// Without deny rules there is no (unreachable) deny block.
	drs, _ = devRules([]specs.LinuxDeviceCgroup{{Allow: true, Type: "c", Access: "r"}})
	if p, _ = devicesProgram(drs); len(p) != 6+3+(3+2)+3+2 {
		t.Errorf("%d insns, want %d", len(p), 6+3+(3+2)+3+2)
	}
	// Too many rules.
	many := make([]devRule, 2000)
	for i := range many {
		many[i] = devRule{typ: devC, major: int64(i), minor: 1, access: accR | accW | accM}
	}
	if _, err := devicesProgram(many); err == nil {
		t.Error("no error for a program over the instruction limit")
	}
}
