package cgroups

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// bpf(2) with raw bpf_attr subsets: the kernel zero-fills what lies beyond
// the size passed. Pointers travel as integers, so the callers keep their
// buffers alive (runtime.KeepAlive) and heap-allocated (runtime.Pinner).

//nolint:gosec // G103: bpf(2) takes bpf_attr and its buffers by address
func bpfSys(cmd int, attr unsafe.Pointer, size uintptr) (int, error) {
	for {
		r, _, errno := unix.Syscall(unix.SYS_BPF, uintptr(cmd), uintptr(attr), size)
		switch errno {
		case 0:
			return int(r), nil
		case unix.EINTR, unix.EAGAIN: // a signal interrupted the verifier (>= 4.20)
			if cmd == unix.BPF_PROG_LOAD {
				continue
			}
		}
		return -1, errno
	}
}

// bpfLoadDeviceProgram loads insns as a BPF_PROG_TYPE_CGROUP_DEVICE program
// and returns its fd; on failure the error carries the verifier log.
//
//nolint:gosec // G103: bpf(2) takes bpf_attr and its buffers by address
func bpfLoadDeviceProgram(insns []byte) (int, error) {
	license := []byte("Apache\x00")
	attr := struct {
		progType, insnCnt uint32
		insns, license    uint64
		logLevel, logSize uint32
		logBuf            uint64
	}{
		progType: unix.BPF_PROG_TYPE_CGROUP_DEVICE,
		insnCnt:  uint32(len(insns) / insnSize),
		insns:    uint64(uintptr(unsafe.Pointer(&insns[0]))),
		license:  uint64(uintptr(unsafe.Pointer(&license[0]))),
	}
	var pin runtime.Pinner
	defer pin.Unpin()
	pin.Pin(&insns[0])
	pin.Pin(&license[0])
	fd, err := bpfSys(unix.BPF_PROG_LOAD, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	if err == nil {
		return fd, nil
	}
	// Once more with the verifier's log, for the error.
	log := make([]byte, 256*1024)
	pin.Pin(&log[0])
	attr.logLevel, attr.logSize = 1, uint32(len(log))
	attr.logBuf = uint64(uintptr(unsafe.Pointer(&log[0])))
	if fd, err2 := bpfSys(unix.BPF_PROG_LOAD, unsafe.Pointer(&attr), unsafe.Sizeof(attr)); err2 == nil {
		return fd, nil
	}
	runtime.KeepAlive(insns)
	runtime.KeepAlive(license)
	if n := bytes.IndexByte(log, 0); n > 0 {
		return -1, fmt.Errorf("BPF_PROG_LOAD: %w: %s", err, strings.TrimSpace(string(log[:n])))
	}
	return -1, fmt.Errorf("BPF_PROG_LOAD: %w", err)
}

// bpfProgAttachDetach is BPF_PROG_ATTACH or BPF_PROG_DETACH of prog on the
// cgroup dir as a BPF_CGROUP_DEVICE program.
//
//nolint:gosec // G103: bpf(2) takes bpf_attr and its buffers by address
func bpfProgAttachDetach(cmd, dir, prog int, flags uint32) error {
	attr := struct{ target, prog, attachType, flags uint32 }{
		uint32(dir), uint32(prog), unix.BPF_CGROUP_DEVICE, flags,
	}
	_, err := bpfSys(cmd, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	return err
}

// bpfDeviceProgramIDs lists the ids of the device programs attached to the
// cgroup dir itself (not inherited ones).
//
//nolint:gosec // G103: bpf(2) takes bpf_attr and its buffers by address
func bpfDeviceProgramIDs(dir int) ([]uint32, error) {
	ids := make([]uint32, 64) // BPF_CGROUP_MAX_PROGS
	var pin runtime.Pinner
	defer pin.Unpin()
	pin.Pin(&ids[0])
	// The full layout up to revision: kernels 6.17 to 7.1 write it whatever
	// the size passed.
	attr := struct {
		target, attachType, queryFlags, attachFlags uint32
		progIDs                                     uint64
		progCnt, _                                  uint32
		progAttachFlags, linkIDs, linkAttachFlags   uint64
		revision                                    uint64
	}{target: uint32(dir), attachType: unix.BPF_CGROUP_DEVICE, progIDs: uint64(uintptr(unsafe.Pointer(&ids[0]))), progCnt: uint32(len(ids))}
	_, err := bpfSys(unix.BPF_PROG_QUERY, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	runtime.KeepAlive(ids)
	if err != nil {
		return nil, err
	}
	return ids[:min(int(attr.progCnt), len(ids))], nil
}

// loadDevices is loadDevicesProgram (tests replace it).
var loadDevices = loadDevicesProgram

// loadDevicesProgram loads the program for rules and attaches it to the
// cgroup directory dir with BPF_F_ALLOW_MULTI, then detaches the device
// programs attached there before (an earlier Set: rt update), so that the
// rules are replaced, not added to. A program attached with
// BPF_PROG_ATTACH stays attached, held by the cgroup, after rt exits and
// its fds are closed; it goes with the cgroup. In between the two steps both
// programs run, and an access needs both to allow it: never more than
// either list allows.
//
//nolint:gosec // G103: bpf(2) takes bpf_attr and its buffers by address
func loadDevicesProgram(dir string, insns []byte) error {
	d, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: dir, Err: err}
	}
	defer unix.Close(d)
	old, err := bpfDeviceProgramIDs(d)
	if err != nil {
		return fmt.Errorf("BPF_PROG_QUERY on %s: %w", dir, err)
	}
	prog, err := bpfLoadDeviceProgram(insns)
	if err != nil {
		return err
	}
	defer unix.Close(prog)
	if err := bpfProgAttachDetach(unix.BPF_PROG_ATTACH, d, prog, unix.BPF_F_ALLOW_MULTI); err != nil {
		return fmt.Errorf("BPF_PROG_ATTACH to %s: %w", dir, err)
	}
	for _, id := range old {
		attr := struct{ id uint32 }{id}
		fd, err := bpfSys(unix.BPF_PROG_GET_FD_BY_ID, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
		if errors.Is(err, unix.ENOENT) {
			continue // gone meanwhile
		}
		if err != nil {
			return fmt.Errorf("replacing the device program of %s: program %d: %w", dir, id, err)
		}
		err = bpfProgAttachDetach(unix.BPF_PROG_DETACH, d, fd, 0)
		unix.Close(fd)
		if err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("replacing the device program of %s: BPF_PROG_DETACH of program %d: %w", dir, id, err)
		}
	}
	return nil
}

// inUserNS reports whether rt runs in a user namespace (not the initial
// one), where bpf(2) is refused.
func inUserNS() bool {
	b, err := os.ReadFile("/proc/self/uid_map")
	if err != nil {
		return false
	}
	f := strings.Fields(string(b))
	return !(len(f) == 3 && f[0] == "0" && f[1] == "0" && f[2] == "4294967295")
}
