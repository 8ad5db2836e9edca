package cgroups

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// fakeTree builds hierarchies whose mountpoints are plain directories.
func fakeTree(t *testing.T, hs ...Hierarchy) []Hierarchy {
	t.Helper()
	root := t.TempDir()
	for i := range hs {
		hs[i].Mountpoint = filepath.Join(root, hs[i].Mountpoint)
		if err := os.MkdirAll(filepath.Join(hs[i].Mountpoint, hs[i].own), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return hs
}

func pureV2(t *testing.T) []Hierarchy {
	return fakeTree(t, Hierarchy{Mountpoint: "cgroup", Root: "/", FSType: "cgroup2", own: "/user.slice/rt.scope"})
}

func TestCreatePureV2(t *testing.T) {
	hs := pureV2(t)
	mnt := hs[0].Mountpoint
	cases := []struct{ path, id, want string }{
		{"", "c1", mnt + "/rt/c1"},
		{"/machine/c2", "c2", mnt + "/machine/c2"},
		{"pods/c3", "c3", mnt + "/user.slice/rt.scope/pods/c3"},
		{"/a/../../b", "c4", mnt + "/b"}, // cannot climb above the root
		{"../../c5", "c5", mnt + "/user.slice/rt.scope/c5"},
	}
	for _, c := range cases {
		p, err := create(hs, c.path, c.id, true)
		if err != nil {
			t.Fatalf("%q: %v", c.path, err)
		}
		if want := (Paths{"": c.want}); !reflect.DeepEqual(p, want) {
			t.Errorf("%q: %v, want %v", c.path, p, want)
		}
		if fi, err := os.Stat(c.want); err != nil || !fi.IsDir() {
			t.Errorf("%q: %s not created: %v", c.path, c.want, err)
		}
	}
}

func TestCreateHybrid(t *testing.T) {
	hs := fakeTree(t,
		Hierarchy{Mountpoint: "cpu,cpuacct", Root: "/", FSType: "cgroup", Controllers: []string{"cpu", "cpuacct"}, own: "/"},
		Hierarchy{Mountpoint: "memory", Root: "/", FSType: "cgroup", Controllers: []string{"memory"}, own: "/process_api/x"},
		Hierarchy{Mountpoint: "systemd", Root: "/", FSType: "cgroup", Controllers: []string{"name=systemd"}, own: "/"},
		Hierarchy{Mountpoint: "unified", Root: "/", FSType: "cgroup2", own: "/"},
	)
	dir := filepath.Dir(hs[0].Mountpoint)
	p, err := create(hs, "", "ctr", true)
	if err != nil {
		t.Fatal(err)
	}
	want := Paths{
		"cpu": dir + "/cpu,cpuacct/rt/ctr", "cpuacct": dir + "/cpu,cpuacct/rt/ctr",
		"memory": dir + "/memory/rt/ctr", "name=systemd": dir + "/systemd/rt/ctr", "": dir + "/unified/rt/ctr",
	}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("paths %v\nwant  %v", p, want)
	}
	if got := len(p.dirs()); got != 4 {
		t.Errorf("%d distinct dirs, want 4", got)
	}
	for _, h := range hs {
		if d, ok := p.Dir(h); !ok || d != h.Mountpoint+"/rt/ctr" {
			t.Errorf("Dir(%s) = %q, %v", h.Mountpoint, d, ok)
		}
	}
	if _, ok := p.Dir(Hierarchy{FSType: "cgroup", Controllers: []string{"rdma"}}); ok {
		t.Error("Dir of a hierarchy without a path")
	}
	// Relative: under rt's own cgroup, hierarchy by hierarchy.
	p, err = create(hs, "sub/ctr", "ctr", true)
	if err != nil {
		t.Fatal(err)
	}
	if p["memory"] != dir+"/memory/process_api/x/sub/ctr" || p["cpu"] != dir+"/cpu,cpuacct/sub/ctr" {
		t.Errorf("relative paths %v", p)
	}
}

func TestCreateRefusesRootsAndBadIDs(t *testing.T) {
	hs := pureV2(t)
	for _, c := range []struct{ path, id string }{
		{"/", "x"}, {"/..", "x"}, {".", "x"}, {"a/..", "x"},
		{"", ""}, {"", ".."}, {"", "a/b"},
	} {
		if p, err := create(hs, c.path, c.id, true); err == nil {
			t.Errorf("create(%q, %q) = %v, want an error", c.path, c.id, p)
		}
	}
	if _, err := create(nil, "", "x", true); err == nil {
		t.Error("no hierarchy: no error")
	}
}

// A failure in one hierarchy removes what was made in the others.
func TestCreateRollsBack(t *testing.T) {
	hs := fakeTree(t,
		Hierarchy{Mountpoint: "memory", Root: "/", FSType: "cgroup", Controllers: []string{"memory"}, own: "/"},
		Hierarchy{Mountpoint: "pids", Root: "/", FSType: "cgroup", Controllers: []string{"pids"}, own: "/"},
	)
	// A file where the pids hierarchy needs a directory.
	if err := os.WriteFile(hs[1].Mountpoint+"/rt", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := create(hs, "", "ctr", true)
	if !errors.Is(err, unix.ENOTDIR) {
		t.Fatalf("err = %v, want ENOTDIR", err)
	}
	if _, err := os.Stat(hs[0].Mountpoint + "/rt/ctr"); !os.IsNotExist(err) {
		t.Errorf("memory/rt/ctr left behind: %v", err)
	}
	// A directory that existed before is not Create's to remove.
	if err := os.MkdirAll(hs[0].Mountpoint+"/rt/old", 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := create(hs, "/rt/old", "old", true); err == nil {
		t.Fatal("no error")
	}
	if _, err := os.Stat(hs[0].Mountpoint + "/rt/old"); err != nil {
		t.Errorf("pre-existing memory/rt/old removed: %v", err)
	}
}

func TestCpusetInheritance(t *testing.T) {
	hs := fakeTree(t, Hierarchy{Mountpoint: "cpuset", Root: "/", FSType: "cgroup", Controllers: []string{"cpuset"}, own: "/"})
	mnt := hs[0].Mountpoint
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(mnt+"/cpuset.cpus", "0-3\n")
	write(mnt+"/cpuset.mems", "0\n")
	// The kernel creates the files, empty, with each directory. The fake
	// pre-creates them: mkdir then finds EEXIST, and existing directories
	// get the same treatment as new ones.
	for _, d := range []string{"/rt", "/rt/ctr"} {
		if err := os.Mkdir(mnt+d, 0o755); err != nil {
			t.Fatal(err)
		}
		write(mnt+d+"/cpuset.cpus", "\n")
		write(mnt+d+"/cpuset.mems", "")
	}
	write(mnt+"/rt/cpuset.cpus", "1\n") // already set: kept
	if _, err := create(hs, "", "ctr", true); err != nil {
		t.Fatal(err)
	}
	for f, want := range map[string]string{
		"/rt/cpuset.cpus": "1\n", "/rt/cpuset.mems": "0\n",
		"/rt/ctr/cpuset.cpus": "1\n", "/rt/ctr/cpuset.mems": "0\n",
	} {
		if got, _ := os.ReadFile(mnt + f); string(got) != want {
			t.Errorf("%s = %q, want %q", f, got, want)
		}
	}
}

func TestJoinAndPidsOnFakeTree(t *testing.T) {
	hs := fakeTree(t,
		Hierarchy{Mountpoint: "memory", Root: "/", FSType: "cgroup", Controllers: []string{"memory"}, own: "/"},
		Hierarchy{Mountpoint: "unified", Root: "/", FSType: "cgroup2", own: "/"},
	)
	p, err := create(hs, "/c", "c", true)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range p.dirs() {
		_ = os.WriteFile(d+"/cgroup.procs", nil, 0o644)
	}
	if err := p.Join(1234); err != nil {
		t.Fatal(err)
	}
	for _, d := range p.dirs() {
		if got, _ := os.ReadFile(d + "/cgroup.procs"); string(got) != "1234" {
			t.Errorf("%s/cgroup.procs = %q", d, got)
		}
	}
	if err := p.Join(0); err == nil {
		t.Error("Join(0) accepted")
	}
	// A sub-cgroup's processes count; a missing hierarchy dir does not fail.
	sub := p["memory"] + "/sub"
	_ = os.Mkdir(sub, 0o755)
	_ = os.WriteFile(sub+"/cgroup.procs", []byte("7\n1234\n"), 0o644)
	p["gone"] = filepath.Dir(p["memory"]) + "/nonexistent"
	pids, err := p.Pids()
	if err != nil || !reflect.DeepEqual(pids, []int{7, 1234}) {
		t.Errorf("Pids = %v, %v; want [7 1234]", pids, err)
	}
	_ = os.WriteFile(sub+"/cgroup.procs", []byte("seven\n"), 0o644)
	if _, err := p.Pids(); err == nil || !strings.Contains(err.Error(), "cgroup.procs") {
		t.Errorf("garbage in cgroup.procs: err = %v", err)
	}
}

func TestDestroyRefusesNonCgroupDirs(t *testing.T) {
	dir := t.TempDir()
	victim := dir + "/victim"
	if err := os.Mkdir(victim, 0o755); err != nil {
		t.Fatal(err)
	}
	err := Paths{"memory": victim}.Destroy()
	if err == nil || !strings.Contains(err.Error(), "not in a cgroup filesystem") {
		t.Errorf("err = %v", err)
	}
	if _, err := os.Stat(victim); err != nil {
		t.Errorf("victim removed: %v", err)
	}
	if err := (Paths{"memory": dir + "/missing"}).Destroy(); err != nil {
		t.Errorf("missing dir: %v", err)
	}
}

// On a plain file system removeTree can be exercised for the sub-tree walk
// (cgroup files cannot be modelled: rmdir of a cgroup ignores them).
func TestRemoveTreeFake(t *testing.T) {
	root := t.TempDir() + "/c"
	for _, d := range []string{"/a/b", "/a/c", "/d"} {
		if err := os.MkdirAll(root+d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	noCheck := func(string) error { return nil }
	if err := (Paths{"x": root}).destroy(noCheck, time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Errorf("%s still there: %v", root, err)
	}
	// A regular file makes the directory non-empty for good: bounded failure
	// that keeps the errno.
	_ = os.MkdirAll(root, 0o755)
	_ = os.WriteFile(root+"/file", nil, 0o644)
	start := time.Now()
	err := (Paths{"x": root}).destroy(noCheck, time.Now().Add(100*time.Millisecond))
	if !errors.Is(err, unix.ENOTEMPTY) || time.Since(start) > 2*time.Second {
		t.Errorf("err = %v after %v, want ENOTEMPTY within the deadline", err, time.Since(start))
	}
}

// An existing cgroup is reused only when nothing runs in it and it is not
// frozen (runc's checks and texts).
func TestCreateReusesOnlyIdleCgroups(t *testing.T) {
	hs := pureV2(t)
	mnt := hs[0].Mountpoint
	cases := []struct{ name, file, data, wantErr string }{
		{"idle", "cgroup.procs", "", ""},
		{"busy", "cgroup.procs", "123\n456\n", "container's cgroup is not empty: 2 process(es) found"},
		{"frozen", "cgroup.freeze", "1\n", "container's cgroup unexpectedly frozen"},
		{"thawed", "cgroup.freeze", "0\n", ""},
		{"v1frozen", "freezer.state", "FROZEN\n", "container's cgroup unexpectedly frozen"},
		{"badprocs", "cgroup.procs", "x\n", "unable to get cgroup PIDs"},
	}
	for _, c := range cases {
		dir := mnt + "/pre/" + c.name
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dir+"/"+c.file, []byte(c.data), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := create(hs, "/pre/"+c.name, c.name, true)
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("%s: err = %v, want %q", c.name, err, c.wantErr)
		}
		if _, serr := os.Stat(dir); serr != nil {
			t.Errorf("%s: pre-existing dir removed: %v", c.name, serr)
		}
	}
	// Ensure (the systemd driver's scope, which holds the init) skips the checks.
	if _, err := create(hs, "/pre/busy", "busy", false); err != nil {
		t.Errorf("create without the checks: %v", err)
	}
}
