package systemd

import (
	"math"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestExpandSlice(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"system.slice", "/system.slice"},
		{"-.slice", "/"},
		{"a-b.slice", "/a.slice/a-b.slice"},
		{"a-b-c.slice", "/a.slice/a-b.slice/a-b-c.slice"},
		{"machine-rt.slice", "/machine.slice/machine-rt.slice"},
	} {
		got, err := ExpandSlice(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ExpandSlice(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", ".slice", "system", "a--b.slice", "-a.slice", "a-.slice", "a/b.slice", "system.scope"} {
		_, err := ExpandSlice(bad)
		if err == nil || err.Error() != "invalid slice name: "+bad {
			t.Errorf("ExpandSlice(%q): err %v, want invalid slice name", bad, err)
		}
	}
}

func TestParsePath(t *testing.T) {
	for _, tc := range []struct{ path, slice, unit, cg string }{
		{"", "system.slice", "rt-c1.scope", "/system.slice/rt-c1.scope"},
		{"system.slice:rt-test:c1", "system.slice", "rt-test-c1.scope", "/system.slice/rt-test-c1.scope"},
		{":docker:abc", "system.slice", "docker-abc.scope", "/system.slice/docker-abc.scope"},
		{"kubepods-besteffort.slice:cri-containerd:x", "kubepods-besteffort.slice", "cri-containerd-x.scope",
			"/kubepods.slice/kubepods-besteffort.slice/cri-containerd-x.scope"},
		{"-.slice:p:n", "-.slice", "p-n.scope", "/p-n.scope"},
		{"system.slice::n", "system.slice", "n.scope", "/system.slice/n.scope"},
		{"system.slice:p:n.scope", "system.slice", "p-n.scope", "/system.slice/p-n.scope"},
	} {
		u, err := ParsePath(tc.path, "c1")
		if err != nil {
			t.Errorf("ParsePath(%q): %v", tc.path, err)
			continue
		}
		if u.Slice != tc.slice || u.Name != tc.unit || u.CgroupPath() != tc.cg {
			t.Errorf("ParsePath(%q) = %+v (%s), want %s %s %s", tc.path, u, u.CgroupPath(), tc.slice, tc.unit, tc.cg)
		}
	}
	for _, tc := range []struct{ path, err string }{
		{"/rt/c1", `expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "/rt/c1" instead`},
		{"a:b", `expected cgroupsPath to be of format "slice:prefix:name"`},
		{"a:b:c:d", `expected cgroupsPath to be of format "slice:prefix:name"`},
		{"system:p:n", "invalid slice name: system"},
		{"a--b.slice:p:n", "invalid slice name: a--b.slice"},
		{"system.slice:p:", "empty name"},
		{"system.slice:p:n.slice", "a slice as the container's unit is not supported"},
		{"system.slice:p:a/b", "invalid unit name"},
	} {
		_, err := ParsePath(tc.path, "c1")
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("ParsePath(%q): err %v, want %q", tc.path, err, tc.err)
		}
	}
}

func TestProperties(t *testing.T) {
	p := AnnotationPrefix
	props, err := Properties(map[string]string{
		"other":                  "x",
		p + "Delegate":           "true",
		p + "TasksMax":           "uint64 42",
		p + "CollectMode":        `"inactive-or-failed"`,
		p + "Description":        "'text'",
		p + "TimeoutStopSec":     "5",
		p + "RuntimeMaxSec":      "1.5",
		p + "CPUQuotaPerSecUSec": "@t 250000",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"CollectMode": "inactive-or-failed", "CPUQuotaPerSecUSec": uint64(250000), "Delegate": true,
		"Description": "text", "RuntimeMaxUSec": uint64(1500000), "TasksMax": uint64(42),
		"TimeoutStopUSec": uint64(5000000),
	}
	if len(props) != len(want) {
		t.Fatalf("got %d properties %v, want %d", len(props), props, len(want))
	}
	for _, pr := range props {
		if w, ok := want[pr.Name]; !ok || pr.Value.Value() != w {
			t.Errorf("%s = %#v (%s), want %#v", pr.Name, pr.Value.Value(), pr.Value.Signature(), w)
		}
	}
	// Sorted by annotation: deterministic unit properties.
	if props[0].Name != "CPUQuotaPerSecUSec" || props[len(props)-1].Name != "TimeoutStopUSec" {
		t.Errorf("not sorted: %v", props)
	}
	for _, tc := range []struct{ k, v, err string }{
		{p + "Ab", "true", "name incorrect: too short"},
		{p + "delegate", "true", "must start with an upper-case letter"},
		{p + "Tasks_Max", "1", "can only contain letters"},
		{p + "TasksMax", "uint64", "value parse error"},
		{p + "TasksMax", "nonsense words", "value parse error"},
		{p + "TimeoutStopSec", `"5"`, "seconds must be a number"},
		{p + "TimeoutStopSec", "-5", "negative seconds"},
	} {
		_, err := Properties(map[string]string{tc.k: tc.v})
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s=%s: err %v, want %q", tc.k, tc.v, err, tc.err)
		}
	}
}

func TestResourceProps(t *testing.T) {
	lim := func(n int64) *specs.LinuxResources {
		return &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: &n}}
	}
	if got := resourceProps(nil); got != nil {
		t.Errorf("nil resources: %v", got)
	}
	if got := resourceProps(lim(0)); got != nil {
		t.Errorf("limit 0: %v", got)
	}
	if got := resourceProps(lim(10)); len(got) != 1 || got[0].Name != "TasksMax" || got[0].Value.Value() != uint64(10) {
		t.Errorf("limit 10: %v", got)
	}
	if got := resourceProps(lim(-1)); len(got) != 1 || got[0].Value.Value() != uint64(math.MaxUint64) {
		t.Errorf("limit -1: %v", got)
	}
}

func TestDeleteProp(t *testing.T) {
	m, err := New("system.slice:p:n", "c1", map[string]string{AnnotationPrefix + "Delegate": "false"}, nil)
	if err != nil {
		t.Skipf("no cgroup hierarchy here: %v", err)
	}
	n := 0
	for _, p := range m.Props {
		if p.Name == "Delegate" {
			n++
			if p.Value.Value() != false {
				t.Errorf("the annotation does not override Delegate: %v", p.Value)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d Delegate properties", n)
	}
	if m.Unit.Name != "p-n.scope" {
		t.Errorf("unit %s", m.Unit.Name)
	}
	for k, d := range m.Paths {
		if !strings.HasSuffix(d, "/system.slice/p-n.scope") {
			t.Errorf("path %q = %s", k, d)
		}
	}
}
