package cgroups

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// NotifyOOM returns a channel that receives a value each time the kernel
// OOM-kills (v2) or puts under OOM (v1) the container's memory cgroup. The
// channel is closed when the cgroup is removed, or when watching fails.
// v1: an eventfd registered for memory.oom_control in cgroup.event_control;
// v2 (no v1 memory hierarchy): inotify on memory.events and its oom_kill
// counter.
func (p Paths) NotifyOOM() (<-chan struct{}, error) {
	if d, ok := p["memory"]; ok && d != "" {
		return notifyOOMV1(d)
	}
	if d, ok := p[""]; ok && d != "" && pathExists(d+"/memory.events") {
		return notifyOOMV2(d)
	}
	return nil, errors.New("cgroups: no memory controller: OOM events are not available")
}

// UnderOOM reports v1 memory.oom_control's under_oom (always false on v2).
func (p Paths) UnderOOM() (bool, error) {
	d, ok := p["memory"]
	if !ok || d == "" {
		return false, nil
	}
	kv, err := statKV(d + "/memory.oom_control")
	if err != nil {
		return false, err
	}
	return kv["under_oom"] == 1, nil
}

func notifyOOMV1(dir string) (<-chan struct{}, error) {
	ofd, err := openRetry(dir+"/memory.oom_control", unix.O_RDONLY)
	if err != nil {
		return nil, err
	}
	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(ofd)
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	reg := strconv.Itoa(efd) + " " + strconv.Itoa(ofd)
	if err := writeFile(dir+"/cgroup.event_control", []byte(reg)); err != nil {
		unix.Close(ofd)
		unix.Close(efd)
		return nil, err
	}
	ch := make(chan struct{}, 16)
	go func() {
		defer close(ch)
		defer unix.Close(ofd)
		defer unix.Close(efd)
		buf := make([]byte, 8)
		for {
			n, err := unix.Read(efd, buf)
			if errors.Is(err, unix.EINTR) {
				continue
			}
			if err != nil || n != 8 || binary.NativeEndian.Uint64(buf) == 0 {
				return
			}
			// The eventfd also fires when the cgroup goes away.
			if _, err := os.Stat(dir + "/cgroup.event_control"); err != nil {
				return
			}
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}()
	return ch, nil
}

func notifyOOMV2(dir string) (<-chan struct{}, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("inotify: %w", err)
	}
	file := dir + "/memory.events"
	if _, err := unix.InotifyAddWatch(fd, file, unix.IN_MODIFY); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("inotify %s: %w", file, err)
	}
	kv, err := statKV(file)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	last := kv["oom_kill"]
	ch := make(chan struct{}, 16)
	go func() {
		defer close(ch)
		defer unix.Close(fd)
		buf := make([]byte, 4096)
		for {
			n, err := unix.Read(fd, buf)
			if errors.Is(err, unix.EINTR) {
				continue
			}
			if err != nil || n <= 0 {
				return
			}
			kv, err := statKV(file)
			if err != nil || len(kv) == 0 {
				return // the cgroup is gone
			}
			for ; last < kv["oom_kill"]; last++ {
				select {
				case ch <- struct{}{}:
				default:
				}
			}
			if kv["populated"] == 0 && !pathExists(file) {
				return
			}
		}
	}()
	return ch, nil
}
