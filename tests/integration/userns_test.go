package integration

// User namespaces (multi-range mappings, joining by path, binds made by the
// parent, devices) and idmapped mounts.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
	"golang.org/x/sys/unix"
)

// unsMultiRange is the two-range mapping of these tests: container 0..999 →
// host 100000.., container 1000..1999 → host 200000...
var unsMultiRange = []specs.LinuxIDMapping{
	{ContainerID: 0, HostID: 100000, Size: 1000},
	{ContainerID: 1000, HostID: 200000, Size: 1000},
}

// unsFull maps container 0..65535 to host 100000...
var unsFull = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}

// unsUserns puts the container in a new user namespace with these mappings
// (for both uids and gids).
func unsUserns(m []specs.LinuxIDMapping) func(*specs.Spec) {
	return func(s *specs.Spec) {
		setNS(specs.UserNamespace, "")(s)
		s.Linux.UIDMappings = append([]specs.LinuxIDMapping{}, m...)
		s.Linux.GIDMappings = append([]specs.LinuxIDMapping{}, m...)
	}
}

// unsMapLines normalises a uid_map/gid_map: one "inside outside size" a line.
func unsMapLines(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			out = append(out, strings.Join(f, " "))
		}
	}
	return strings.Join(out, "\n")
}

// unsStatusIDs returns the Uid or Gid line of /proc/PID/status (as the
// host sees it): "real effective saved fs".
func unsStatusIDs(t *testing.T, pid int, key string) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("reading the status of %d: %v", pid, err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && k == key {
			return strings.Join(strings.Fields(v), " ")
		}
	}
	t.Fatalf("no %s line in /proc/%d/status", key, pid)
	return ""
}

// unsStartSleeper creates and starts a container that sleeps; returns its
// init's host pid.
func unsStartSleeper(h *H, mutate ...func(*specs.Spec)) (*Ctr, int) {
	h.t.Helper()
	c := h.NewCtr(append([]func(*specs.Spec){args("/probe", "sleep")}, mutate...)...)
	c.MustCreate()
	c.MustStart()
	st := c.WaitStatus("running")
	if st.Pid <= 0 {
		h.t.Fatalf("no init pid in the state: %+v", st)
	}
	return c, st.Pid
}

// unsExec runs `exec [flags] ID cmd...`.
func unsExec(c *Ctr, flags []string, cmd ...string) Res {
	c.h.t.Helper()
	a := append(append([]string{"exec"}, flags...), c.ID)
	return c.h.RT(append(a, cmd...)...)
}

func unsStats(t *testing.T, out string) []Stat {
	t.Helper()
	var st []Stat
	decodeJSONs(t, out, &st)
	return st
}

func unsStat(t *testing.T, list []Stat, path string) Stat {
	t.Helper()
	s, err := findStat(list, path)
	if err != nil {
		t.Fatalf("no stat of %s in %+v", path, list)
	}
	if s.Error != "" {
		t.Fatalf("stat %s in the container: %s", path, s.Error)
	}
	return s
}

// unsChownRootfs gives the rootfs to the container's root (host uid/gid
// 100000), as an image unpacked for a user namespace is: the container's root
// can then create mount destinations in it.
func unsChownRootfs(t *testing.T, c *Ctr) {
	t.Helper()
	err := filepath.WalkDir(c.Rootfs, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, 100000, 100000)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func unsHostOwner(t *testing.T, path string) (uint32, uint32) {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		t.Fatalf("stat %s on the host: %v", path, err)
	}
	return st.Uid, st.Gid
}

// TestUsernsMultiRange: two uid/gid ranges, seen from inside (uid_map,
// gid_map) and from the host (the init and an exec'd process's ids).
func TestUsernsMultiRange(t *testing.T) {
	h := newH(t)
	want := "0 100000 1000\n1000 200000 1000"

	rep := h.NewCtr(unsUserns(unsMultiRange)).Report()
	if got := unsMapLines(rep.UidMap); got != want {
		t.Errorf("uid_map inside:\n%s\nwant:\n%s", got, want)
	}
	if got := unsMapLines(rep.GidMap); got != want {
		t.Errorf("gid_map inside:\n%s\nwant:\n%s", got, want)
	}
	if rep.Uid != 0 || rep.Gid != 0 {
		t.Errorf("uid %d gid %d inside, want 0 0", rep.Uid, rep.Gid)
	}

	c, pid := unsStartSleeper(h, unsUserns(unsMultiRange))
	if got := unsStatusIDs(t, pid, "Uid"); got != "100000 100000 100000 100000" {
		t.Errorf("the init's Uid on the host: %q, want 100000 (container 0)", got)
	}
	if got := unsStatusIDs(t, pid, "Gid"); got != "100000 100000 100000 100000" {
		t.Errorf("the init's Gid on the host: %q, want 100000 (container 0)", got)
	}
	// the host reads the same map (relative to the parent namespace)
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/uid_map", pid)); err != nil || unsMapLines(string(b)) != want {
		t.Errorf("/proc/%d/uid_map from the host: %q %v", pid, b, err)
	}

	// an exec'd process in the second range
	r := unsExec(c, []string{"-u", "1500:1200"}, "/bin/id")
	wantOK(t, r)
	if !strings.Contains(r.Stdout, "uid=1500") || !strings.Contains(r.Stdout, "gid=1200") {
		t.Errorf("exec -u 1500:1200: id printed %q", r.Stdout)
	}
	pidFile := filepath.Join(h.Dir, "exec.pid")
	wantOK(t, unsExec(c, []string{"-d", "--pid-file", pidFile, "-u", "1500:1200"}, "/probe", "sleep"))
	epid := atoi(readString(t, pidFile))
	if epid <= 0 {
		t.Fatalf("exec pid file: %q", readString(t, pidFile))
	}
	if got := unsStatusIDs(t, epid, "Uid"); got != "200500 200500 200500 200500" {
		t.Errorf("exec -u 1500 process Uid on the host: %q, want 200500", got)
	}
	if got := unsStatusIDs(t, epid, "Gid"); got != "200200 200200 200200 200200" {
		t.Errorf("exec -u 1500:1200 process Gid on the host: %q, want 200200", got)
	}
	// and it is in the init's user namespace
	l1, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/user", pid))
	l2, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/user", epid))
	if l1 == "" || l1 != l2 {
		t.Errorf("exec'd process user ns %q, init's %q", l2, l1)
	}
	if l1 == hostNS(t, "user") {
		t.Errorf("the container's user ns is the host's")
	}
}

// unsPrivateSource makes DIR/private (0700, root) holding a file and a
// directory with a file, all world-readable: a container root mapped to an
// unprivileged host uid cannot traverse "private" itself.
func unsPrivateSource(t *testing.T, dir string) (file, sub string) {
	t.Helper()
	priv := filepath.Join(dir, "private")
	writeFile(t, filepath.Join(priv, "secret"), "secret-content\n")
	writeFile(t, filepath.Join(priv, "sub", "inner"), "inner-content\n")
	if err := os.Chmod(priv, 0o700); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(priv, "secret"), filepath.Join(priv, "sub")
}

func unsBindPrivate(file, sub string) func(*specs.Spec) {
	return func(s *specs.Spec) {
		s.Mounts = append(s.Mounts,
			specs.Mount{Destination: "/mnt/secret", Type: "bind", Source: file, Options: []string{"bind", "ro"}},
			specs.Mount{Destination: "/mnt/sub", Type: "bind", Source: sub, Options: []string{"rbind"}},
		)
	}
}

const unsBindScript = "cat /mnt/secret /mnt/sub/inner && /probe stat /mnt/secret /mnt/sub/inner"

// TestUsernsBindUnderPrivateDir: bind sources below a 0700 root-owned host
// directory work in a user namespace (the runtime's parent makes the binds),
// and show as owned by nobody there; the same without a user ns (control).
func TestUsernsBindUnderPrivateDir(t *testing.T) {
	h := newH(t)
	file, sub := unsPrivateSource(t, h.Dir)
	for _, tc := range []struct {
		name   string
		userns bool
		owner  uint32
	}{{"userns", true, 65534}, {"no-userns", false, 0}} {
		t.Run(tc.name, func(t *testing.T) {
			muts := []func(*specs.Spec){unsBindPrivate(file, sub), sh(unsBindScript)}
			if tc.userns {
				muts = append(muts, unsUserns(unsFull))
			}
			h2 := &H{t: t, Dir: h.Dir, Root: h.Root}
			c := h2.NewCtr(muts...)
			if tc.userns {
				unsChownRootfs(t, c)
			}
			r := c.Run()
			if r.Code != 0 {
				t.Fatalf("a bind from below a 0700 root dir: %s", r)
			}
			if !strings.HasPrefix(r.Stdout, "secret-content\ninner-content\n") {
				t.Fatalf("bound content not readable: %q", r.Stdout)
			}
			out := strings.TrimPrefix(r.Stdout, "secret-content\ninner-content\n")
			st := unsStats(t, out)
			for _, p := range []string{"/mnt/secret", "/mnt/sub/inner"} {
				s := unsStat(t, st, p)
				if s.Uid != tc.owner || s.Gid != tc.owner {
					t.Errorf("%s is owned by %d:%d inside, want %d:%d", p, s.Uid, s.Gid, tc.owner, tc.owner)
				}
			}
		})
	}
}

// unsIdmapSource makes a host dir owned by 0:0 (0755) holding a file owned
// by 0:0.
func unsIdmapSource(t *testing.T, dir, name string) string {
	t.Helper()
	src := filepath.Join(dir, name)
	writeFile(t, filepath.Join(src, "f"), "F")
	if err := os.Chmod(src, 0o755); err != nil {
		t.Fatal(err)
	}
	return src
}

// TestIdmapMount: an idmapped bind shows host 0:0 as 0:0 in a container whose
// root is host 100000, and what the container's root creates there is 0:0 on
// the host; a plain bind of the same dir shows 65534 and is not writable.
func TestIdmapMount(t *testing.T) {
	for _, tc := range []struct {
		name     string
		mappings bool
	}{{"mount-mappings", true}, {"userns-mappings", false}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newH(t)
			src := unsIdmapSource(t, h.Dir, "idsrc")
			m := specs.Mount{Destination: "/idm", Type: "bind", Source: src, Options: []string{"rbind", "idmap"}}
			if tc.mappings {
				m.UIDMappings = unsFull
				m.GIDMappings = unsFull
			}
			c := h.NewCtr(unsUserns(unsFull), addMount(m),
				addMount(specs.Mount{Destination: "/plain", Type: "bind", Source: src, Options: []string{"rbind"}}),
				sh("/probe stat /idm/f /plain/f /idm && /probe write /idm/created x && echo created && "+
					"/probe stat /idm/created; /probe write /plain/denied x || echo plain-denied"))
			unsChownRootfs(t, c)
			r := c.Run()
			wantOK(t, r)
			first, rest, _ := strings.Cut(r.Stdout, "\n")
			st := unsStats(t, first)
			if s := unsStat(t, st, "/idm/f"); s.Uid != 0 || s.Gid != 0 {
				t.Errorf("through the idmapped mount a host 0:0 file is %d:%d, want 0:0", s.Uid, s.Gid)
			}
			if s := unsStat(t, st, "/idm"); s.Uid != 0 || s.Gid != 0 {
				t.Errorf("the idmapped mount's root is %d:%d, want 0:0", s.Uid, s.Gid)
			}
			if s := unsStat(t, st, "/plain/f"); s.Uid != 65534 || s.Gid != 65534 {
				t.Errorf("through a plain bind a host 0:0 file is %d:%d, want 65534:65534", s.Uid, s.Gid)
			}
			if !strings.HasPrefix(rest, "created\n") {
				t.Fatalf("the container's root could not create a file through the idmapped mount: %s", r)
			}
			created, tail, _ := strings.Cut(strings.TrimPrefix(rest, "created\n"), "\n")
			if s := unsStat(t, unsStats(t, created), "/idm/created"); s.Uid != 0 || s.Gid != 0 {
				t.Errorf("the created file is %d:%d inside, want 0:0", s.Uid, s.Gid)
			}
			if u, g := unsHostOwner(t, filepath.Join(src, "created")); u != 0 || g != 0 {
				t.Errorf("a file created through the idmapped mount is %d:%d on the host, want 0:0", u, g)
			}
			if !strings.Contains(tail, "plain-denied") {
				t.Errorf("the container's root (host 100000) could write a root 0755 dir through a plain bind: %q", tail)
			}
			if _, err := os.Stat(filepath.Join(src, "denied")); err == nil {
				t.Errorf("a file was created through the plain bind")
			}
		})
	}
}

// TestIdmapRecursive: "ridmap" idmaps the submounts of an rbind too, "idmap"
// only the top mount.
func TestIdmapRecursive(t *testing.T) {
	h := newH(t)
	src := unsIdmapSource(t, h.Dir, "idrsrc")
	sub := filepath.Join(src, "sub")
	hostMount(t, "tmpfs", sub, "tmpfs", 0, "mode=0755")
	writeFile(t, filepath.Join(sub, "g"), "G")
	for _, tc := range []struct {
		opt      string
		subOwner uint32
	}{{"ridmap", 0}, {"idmap", 65534}} {
		t.Run(tc.opt, func(t *testing.T) {
			h2 := &H{t: t, Dir: h.Dir, Root: h.Root}
			c := h2.NewCtr(unsUserns(unsFull), addMount(specs.Mount{
				Destination: "/idm", Type: "bind", Source: src, Options: []string{"rbind", tc.opt},
				UIDMappings: unsFull, GIDMappings: unsFull,
			}), args("/probe", "stat", "/idm/f", "/idm/sub/g"))
			unsChownRootfs(t, c)
			st := unsStats(t, c.MustRun().Stdout)
			if s := unsStat(t, st, "/idm/f"); s.Uid != 0 || s.Gid != 0 {
				t.Errorf("%s: the top mount's file is %d:%d, want 0:0", tc.opt, s.Uid, s.Gid)
			}
			if s := unsStat(t, st, "/idm/sub/g"); s.Uid != tc.subOwner || s.Gid != tc.subOwner {
				t.Errorf("%s: the submount's file is %d:%d, want %d:%d", tc.opt, s.Uid, s.Gid, tc.subOwner, tc.subOwner)
			}
		})
	}
}

// TestIdmapErrors: idmap on a non-bind mount, or with no mappings at all
// (no mount mappings, no user namespace), fails at create and leaves nothing.
func TestIdmapErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		want string // in the error, besides paths and the id
		muts []func(*specs.Spec)
	}{
		{"tmpfs", "idmap", []func(*specs.Spec){unsUserns(unsFull), addMount(specs.Mount{
			Destination: "/idm", Type: "tmpfs", Source: "tmpfs", Options: []string{"idmap"},
		})}},
		// mount mappings on a non-bind mount: the error may name the mappings
		{"tmpfs-mappings", "mappings", []func(*specs.Spec){unsUserns(unsFull), addMount(specs.Mount{
			Destination: "/idm", Type: "tmpfs", Source: "tmpfs", Options: []string{"idmap"},
			UIDMappings: unsFull, GIDMappings: unsFull,
		})}},
		{"no-mappings", "idmap", []func(*specs.Spec){func(s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/idm", Type: "bind", Source: "/tmp", Options: []string{"rbind", "idmap"}})
		}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newH(t)
			c := h.NewCtr(tc.muts...)
			unsChownRootfs(t, c) // so that only the idmap option can fail
			r := c.Create()
			if r.Code != 1 {
				t.Errorf("want exit code 1: %s", r)
			}
			// the test's paths and the id contain "idmap" too: look at the rest
			msg := strings.ToLower(strings.NewReplacer(h.Dir, "", c.ID, "").Replace(r.Out()))
			if !strings.Contains(msg, tc.want) {
				t.Errorf("the error does not contain %q: %s", tc.want, r)
			}
			c.AssertNoLeftovers()
		})
	}
}

// TestUsernsDevices: devices in a user namespace are bind-mounted from the
// host: /dev/null is a usable char device 1:3, owned by nobody inside.
func TestUsernsDevices(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(unsUserns(unsFull), sh("echo data > /dev/null && echo null-ok && "+
		"head -c 5 /dev/zero | wc -c && /probe stat /dev/null /dev/zero /dev/urandom"))
	r := c.MustRun()
	lines := strings.SplitN(r.Stdout, "\n", 3)
	if len(lines) < 3 || lines[0] != "null-ok" || strings.TrimSpace(lines[1]) != "5" {
		t.Fatalf("writing /dev/null or reading /dev/zero failed: %s", r)
	}
	st := unsStats(t, lines[2])
	for _, d := range []struct {
		path         string
		major, minor uint32
	}{{"/dev/null", 1, 3}, {"/dev/zero", 1, 5}, {"/dev/urandom", 1, 9}} {
		s := unsStat(t, st, d.path)
		if s.Type != "chr" || s.Major != d.major || s.Minor != d.minor {
			t.Errorf("%s: %s %d:%d, want chr %d:%d", d.path, s.Type, s.Major, s.Minor, d.major, d.minor)
		}
		if s.Uid != 65534 {
			t.Errorf("%s is owned by uid %d inside, want 65534 (host root, unmapped)", d.path, s.Uid)
		}
	}
}

// TestUsernsJoinPath: a second container joins the first's user namespace
// by path and sees its mappings.
func TestUsernsJoinPath(t *testing.T) {
	h := newH(t)
	_, pid := unsStartSleeper(h, unsUserns(unsMultiRange))
	path := fmt.Sprintf("/proc/%d/ns/user", pid)
	want, err := os.Readlink(path)
	if err != nil {
		t.Fatal(err)
	}
	// the mappings are given too (runc 1.1 wants them with a path); the
	// namespace link tells whether the runtime joined or made a new one
	rep := h.NewCtr(unsUserns(unsMultiRange), setNS(specs.UserNamespace, path)).Report()
	if rep.Namespaces["user"] != want {
		t.Errorf("the second container's user ns is %q, want the first's %q", rep.Namespaces["user"], want)
	}
	if got, w := unsMapLines(rep.UidMap), "0 100000 1000\n1000 200000 1000"; got != w {
		t.Errorf("uid_map in the joined namespace: %q, want %q", got, w)
	}
	if rep.Uid != 0 {
		t.Errorf("uid %d in the joined namespace, want 0", rep.Uid)
	}
	// the first container is unaffected and its namespace still there
	if l, _ := os.Readlink(path); l != want {
		t.Errorf("the first container's user ns changed: %q", l)
	}
}

// TestFeaturesIdmap: as root on this kernel idmapped mounts are available.
func TestFeaturesIdmap(t *testing.T) {
	h := newH(t)
	r := h.RTOpts(Opts{NoRoot: true}, "features")
	wantOK(t, r)
	var f features.Features
	if err := json.Unmarshal([]byte(r.Stdout), &f); err != nil {
		t.Fatalf("features output: %v", err)
	}
	if f.Linux == nil || f.Linux.MountExtensions == nil || f.Linux.MountExtensions.IDMap == nil ||
		f.Linux.MountExtensions.IDMap.Enabled == nil || !*f.Linux.MountExtensions.IDMap.Enabled {
		t.Errorf("linux.mountExtensions.idmap.enabled is not true: %s", r.Stdout)
	}
	if !contains(f.MountOptions, "idmap") || !contains(f.MountOptions, "ridmap") {
		t.Errorf("mountOptions lacks idmap/ridmap: %v", f.MountOptions)
	}
	if f.Linux == nil || !contains(f.Linux.Namespaces, "user") {
		t.Errorf("features does not list the user namespace")
	}
}
