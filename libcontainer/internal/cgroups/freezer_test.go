package cgroups

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func fakeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFake(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// On a fake v1 tree freezer.state reads back what was written, as the
// kernel's does once the freeze settles.
func TestFreezerV1(t *testing.T) {
	root := t.TempDir()
	fz, v2 := filepath.Join(root, "freezer/rt/x"), filepath.Join(root, "unified/rt/x")
	fakeFile(t, fz, "freezer.state", "THAWED\n")
	fakeFile(t, v2, "cgroup.freeze", "0\n")
	p := Paths{"freezer": fz, "": v2}
	if f, err := p.Frozen(); err != nil || f {
		t.Fatalf("Frozen() = %v, %v on a thawed cgroup", f, err)
	}
	if err := p.Freeze(); err != nil {
		t.Fatal(err)
	}
	if got := readFake(t, fz, "freezer.state"); got != "FROZEN" {
		t.Errorf("freezer.state %q after Freeze", got)
	}
	// hybrid: the v1 freezer is preferred, cgroup2 is left alone
	if got := readFake(t, v2, "cgroup.freeze"); got != "0" {
		t.Errorf("cgroup.freeze %q: the v1 freezer should have been used", got)
	}
	if f, err := p.Frozen(); err != nil || !f {
		t.Fatalf("Frozen() = %v, %v after Freeze", f, err)
	}
	if err := p.Thaw(); err != nil {
		t.Fatal(err)
	}
	if got := readFake(t, fz, "freezer.state"); got != "THAWED" {
		t.Errorf("freezer.state %q after Thaw", got)
	}
	fakeFile(t, fz, "freezer.state", "FREEZING\n")
	if f, _ := p.Frozen(); !f {
		t.Errorf("FREEZING: want frozen")
	}
	fakeFile(t, fz, "freezer.state", "BOGUS\n")
	if _, err := p.Frozen(); err == nil {
		t.Errorf("unknown freezer.state: want an error")
	}
}

func TestFreezerV2(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rt/x")
	fakeFile(t, dir, "cgroup.freeze", "0\n")
	// a fake cgroup.events does not follow cgroup.freeze: say frozen ahead
	fakeFile(t, dir, "cgroup.events", "populated 1\nfrozen 1\n")
	p := Paths{"": dir, "name=systemd": "/nonexistent"}
	if err := p.Freeze(); err != nil {
		t.Fatal(err)
	}
	if got := readFake(t, dir, "cgroup.freeze"); got != "1" {
		t.Errorf("cgroup.freeze %q after Freeze", got)
	}
	if f, err := p.Frozen(); err != nil || !f {
		t.Fatalf("Frozen() = %v, %v", f, err)
	}
	fakeFile(t, dir, "cgroup.events", "populated 1\nfrozen 0\n")
	if err := p.Thaw(); err != nil {
		t.Fatal(err)
	}
	if f, _ := p.Frozen(); f {
		t.Errorf("frozen after Thaw")
	}
}

func TestFreezerTimeout(t *testing.T) {
	old := FreezeTimeout
	FreezeTimeout = 100 * time.Millisecond
	defer func() { FreezeTimeout = old }()
	dir := filepath.Join(t.TempDir(), "rt/x")
	fakeFile(t, dir, "cgroup.freeze", "0\n")
	fakeFile(t, dir, "cgroup.events", "populated 1\nfrozen 0\n")
	err := Paths{"": dir}.Freeze()
	if err == nil || !strings.Contains(err.Error(), "frozen 1") {
		t.Fatalf("Freeze of a cgroup that never freezes: %v", err)
	}
	// Freeze thaws again after a failure
	if got := readFake(t, dir, "cgroup.freeze"); got != "0" {
		t.Errorf("cgroup.freeze %q after a failed freeze, want 0", got)
	}
}

func TestNoFreezer(t *testing.T) {
	p := Paths{"cpu": t.TempDir()}
	if p.HasFreezer() {
		t.Error("HasFreezer without freezer")
	}
	if err := p.Freeze(); err == nil {
		t.Error("Freeze without a freezer: want an error")
	}
	if f, err := p.Frozen(); f || err != nil {
		t.Errorf("Frozen() = %v, %v without a freezer", f, err)
	}
}
