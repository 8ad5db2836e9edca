package cgroups

import (
	"reflect"
	"strings"
	"testing"
)

// Hybrid, as on the development machine (v1 controllers, name=systemd, and
// cgroup2 with no controllers at /sys/fs/cgroup/unified), plus noise: a
// co-mounted pair, a second mount of the memory hierarchy, other file systems.
const hybridMountinfo = `22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw
30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct
33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset,clone_children
34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd,release_agent=/x
40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
41 22 0:31 /docker /mnt/mem\040cg rw,relatime - cgroup cgroup rw,memory
50 22 0:50 / /proc rw - proc proc rw
`

const hybridCgroup = `9:name=systemd:/user.slice
4:memory:/process_api/9e61
3:cpuset:/
1:cpu,cpuacct:/
0::/user.slice
`

func TestParseHybrid(t *testing.T) {
	hs, err := parseMounts(strings.NewReader(hybridMountinfo), []byte(hybridCgroup))
	if err != nil {
		t.Fatal(err)
	}
	want := []Hierarchy{
		{Mountpoint: "/sys/fs/cgroup/cpu,cpuacct", Root: "/", FSType: "cgroup", Controllers: []string{"cpu", "cpuacct"}, own: "/"},
		{Mountpoint: "/sys/fs/cgroup/cpuset", Root: "/", FSType: "cgroup", Controllers: []string{"cpuset"}, own: "/"},
		{Mountpoint: "/sys/fs/cgroup/memory", Root: "/", FSType: "cgroup", Controllers: []string{"memory"}, own: "/process_api/9e61"},
		{Mountpoint: "/sys/fs/cgroup/systemd", Root: "/", FSType: "cgroup", Controllers: []string{"name=systemd"}, own: "/user.slice"},
		{Mountpoint: "/sys/fs/cgroup/unified", Root: "/", FSType: "cgroup2", own: "/user.slice"},
	}
	if !reflect.DeepEqual(hs, want) {
		t.Errorf("got  %+v\nwant %+v", hs, want)
	}
}

func TestParsePureV2(t *testing.T) {
	const mi = `25 20 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
26 20 0:26 / /run/other rw - cgroup2 cgroup2 rw
`
	hs, err := parseMounts(strings.NewReader(mi), []byte("0::/user.slice/user-0.slice/session-1.scope\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Hierarchy{{Mountpoint: "/sys/fs/cgroup", Root: "/", FSType: "cgroup2",
		own: "/user.slice/user-0.slice/session-1.scope"}}
	if !reflect.DeepEqual(hs, want) {
		t.Errorf("got  %+v\nwant %+v", hs, want)
	}
	if !hs[0].Unified() || !reflect.DeepEqual(hs[0].keys(), []string{""}) {
		t.Errorf("keys %q", hs[0].keys())
	}
}

// A container's view: bind mounts of sub-trees (root != "/"), escaped names.
func TestParseBindMountedSubtree(t *testing.T) {
	const mi = `100 90 0:31 /docker/abc /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory
101 90 0:37 /docker/abc /sys/fs/cgroup/with\040space rw - cgroup2 cgroup2 rw
`
	hs, err := parseMounts(strings.NewReader(mi), []byte("4:memory:/docker/abc/sub\n0::/docker/abc\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 2 || hs[1].Mountpoint != "/sys/fs/cgroup/with space" {
		t.Fatalf("got %+v", hs)
	}
	for i, want := range []string{"/sys/fs/cgroup/memory/sub", "/sys/fs/cgroup/with space"} {
		if got, err := hs[i].base(); err != nil || got != want {
			t.Errorf("base of %s = %q, %v; want %q", hs[i].Mountpoint, got, err, want)
		}
	}
	outside := Hierarchy{Mountpoint: "/m", Root: "/docker/abc", own: "/docker/other"}
	if _, err := outside.base(); err == nil {
		t.Error("base of a cgroup outside the mounted sub-tree did not fail")
	}
}

func TestParseErrors(t *testing.T) {
	if _, err := parseMounts(strings.NewReader("1 2 0:3 / /x - cgroup\n"), nil); err == nil {
		t.Error("short mountinfo line accepted")
	}
	if _, err := parseMounts(strings.NewReader(""), []byte("nonsense\n")); err == nil {
		t.Error("malformed /proc/self/cgroup accepted")
	}
}

func TestUnescape(t *testing.T) {
	for in, want := range map[string]string{
		`/a\040b`: "/a b", `/tab\011x`: "/tab\tx", `/back\134slash`: `/back\slash`,
		`/plain`: "/plain", `/bad\09`: `/bad\09`, `/end\04`: `/end\04`,
	} {
		if got := unescape(in); got != want {
			t.Errorf("unescape(%q) = %q, want %q", in, got, want)
		}
	}
}

// The real machine: every hierarchy has rt's own cgroup, and pure v2 or
// hybrid has exactly one cgroup2 entry.
func TestMountsHere(t *testing.T) {
	hs, err := Mounts()
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) == 0 {
		t.Skip("no cgroup mounted")
	}
	v2 := 0
	for _, h := range hs {
		if h.own == "" || (!h.Unified() && len(h.Controllers) == 0) {
			t.Errorf("incomplete %+v", h)
		}
		if h.Unified() {
			v2++
		}
	}
	if v2 > 1 {
		t.Errorf("%d cgroup2 hierarchies", v2)
	}
}
