package cgroups

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// FreezeTimeout bounds how long Freeze and Thaw wait for the kernel to
// settle (v1 FREEZING, v2 cgroup.events "frozen"). A variable for tests.
var FreezeTimeout = 5 * time.Second

// freezer names the container's freezer: the v1 freezer hierarchy when it is
// mounted (v1 and hybrid hosts), the cgroup2 directory otherwise (a non-root
// cgroup2 directory always has cgroup.freeze, whatever its controllers).
func (p Paths) freezer() (dir string, v2 bool, err error) {
	if d, ok := p["freezer"]; ok && d != "" {
		return d, false, nil
	}
	if d, ok := p[""]; ok && d != "" {
		if _, err := os.Stat(d + "/cgroup.freeze"); err == nil {
			return d, true, nil
		}
	}
	return "", false, errors.New("cgroups: no freezer: neither a v1 freezer hierarchy nor cgroup2 with cgroup.freeze")
}

// HasFreezer reports whether the container has a freezer at all.
func (p Paths) HasFreezer() bool {
	_, _, err := p.freezer()
	return err == nil
}

// Freeze stops every process in the cgroup and waits until the kernel
// reports the cgroup frozen. On timeout it thaws again and fails.
func (p Paths) Freeze() error {
	dir, v2, err := p.freezer()
	if err != nil {
		return err
	}
	if v2 {
		err = freezerSetV2(dir, true)
	} else {
		err = freezerSetV1(dir, "FROZEN")
	}
	if err != nil {
		_ = p.Thaw()
		return fmt.Errorf("cgroups: freeze: %w", err)
	}
	return nil
}

// Thaw lets the processes of a frozen cgroup run again.
func (p Paths) Thaw() error {
	dir, v2, err := p.freezer()
	if err != nil {
		return err
	}
	if v2 {
		err = freezerSetV2(dir, false)
	} else {
		err = freezerSetV1(dir, "THAWED")
	}
	if err != nil {
		return fmt.Errorf("cgroups: thaw: %w", err)
	}
	return nil
}

// Frozen reports whether the cgroup is frozen (or being frozen: v1
// FREEZING, v2 cgroup.freeze 1 before cgroup.events says so; either way
// its processes are not meant to run). A container without a freezer, or
// whose directory is gone, is not frozen.
func (p Paths) Frozen() (bool, error) {
	dir, v2, err := p.freezer()
	if err != nil {
		return false, nil
	}
	if v2 {
		b, err := readFile(dir + "/cgroup.freeze")
		if errors.Is(err, os.ErrNotExist) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		return strings.TrimSpace(string(b)) == "1", nil
	}
	b, err := readFile(dir + "/freezer.state")
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	switch s := strings.TrimSpace(string(b)); s {
	case "FROZEN", "FREEZING":
		return true, nil
	case "THAWED":
		return false, nil
	default:
		return false, fmt.Errorf("cgroups: %s/freezer.state: unknown state %q", dir, s)
	}
}

// freezerSetV1 writes want (FROZEN or THAWED) to freezer.state and polls until
// the state reads want. A freeze can stay in FREEZING while a task is in
// an uninterruptible sleep (e.g. vfork, some I/O): writing FROZEN again
// retries it, and now and then a THAWED + FROZEN pair unsticks it (as
// runc does).
func freezerSetV1(dir, want string) error {
	file := dir + "/freezer.state"
	deadline := time.Now().Add(FreezeTimeout)
	backoff := 100 * time.Microsecond
	for i := 0; ; i++ {
		if want == "FROZEN" && i > 0 && i%25 == 0 {
			_ = writeFile(file, []byte("THAWED"))
		}
		if err := writeFile(file, []byte(want)); err != nil {
			return err
		}
		b, err := readFile(file)
		if err != nil {
			return err
		}
		got := strings.TrimSpace(string(b))
		if got == want {
			return nil
		}
		if !time.Now().Before(deadline) {
			return fmt.Errorf("%s stays %s, want %s", file, got, want)
		}
		time.Sleep(backoff)
		backoff = min(2*backoff, 10*time.Millisecond)
	}
}

// freezerSetV2 writes cgroup.freeze and waits until cgroup.events reports
// "frozen 1" (or "frozen 0" on thaw).
func freezerSetV2(dir string, freeze bool) error {
	val, want := "0", "frozen 0"
	if freeze {
		val, want = "1", "frozen 1"
	}
	if err := writeFile(dir+"/cgroup.freeze", []byte(val)); err != nil {
		return err
	}
	deadline := time.Now().Add(FreezeTimeout)
	backoff := 100 * time.Microsecond
	for {
		b, err := readFile(dir + "/cgroup.events")
		if err != nil {
			return err
		}
		if freezerHasLine(string(b), want) {
			return nil
		}
		if !time.Now().Before(deadline) {
			return fmt.Errorf("%s/cgroup.events never reported %q", dir, want)
		}
		time.Sleep(backoff)
		backoff = min(2*backoff, 10*time.Millisecond)
	}
}

func freezerHasLine(s, line string) bool {
	for l := range strings.SplitSeq(s, "\n") {
		if strings.TrimSpace(l) == line {
			return true
		}
	}
	return false
}
