package integration

// Issue item 5: the root filesystem, mounts and devices.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// decodeJSONs decodes consecutive JSON values from the probe's output.
func decodeJSONs(t *testing.T, out string, vs ...any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(out))
	for i, v := range vs {
		if err := dec.Decode(v); err != nil {
			t.Fatalf("decoding JSON value %d of the container output: %v\n%s", i, err, clip(out))
		}
	}
}

// sh runs a shell script in the container (busybox sh).
func sh(script string) func(*specs.Spec) {
	return args("/bin/sh", "-c", script)
}

// hostMount mounts on the host for the length of the test.
func hostMount(t *testing.T, source, target, fstype string, flags uintptr, data string) {
	t.Helper()
	if err := os.MkdirAll(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount(source, target, fstype, flags, data); err != nil {
		t.Fatalf("mount %s on %s: %v", source, target, err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(target, unix.MNT_DETACH); err != nil {
			t.Errorf("umount %s: %v", target, err)
		}
	})
}

func mkdirs(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func wantErrno(t *testing.T, r Res, errno unix.Errno, what string) {
	t.Helper()
	if r.Code == 0 || !strings.Contains(r.Stderr, "(errno="+strconv.Itoa(int(errno))+")") {
		t.Errorf("%s: want errno %d (%v), got %s", what, int(errno), errno, r)
	}
}

func TestMountBind(t *testing.T) {
	h := newH(t)
	src := filepath.Join(h.Dir, "hostdir")
	writeFile(t, filepath.Join(src, "a"), "A")
	writeFile(t, filepath.Join(src, "b"), "B")
	file := filepath.Join(h.Dir, "hostfile")
	writeFile(t, file, "file-content")
	c := h.NewCtr(
		addMount(specs.Mount{Destination: "/mnt/file", Type: "bind", Source: file, Options: []string{"bind"}}),
		addMount(specs.Mount{Destination: "/mnt/new/deep/dir", Type: "bind", Source: src, Options: []string{"bind"}}),
		sh("/probe read /mnt/file && echo && /probe ls /mnt/new/deep/dir && /probe write /mnt/new/deep/dir/from-ctr hello"),
	)
	r := c.MustRun()
	lines := strings.Split(r.Stdout, "\n")
	if lines[0] != "file-content" {
		t.Errorf("bind-mounted file: %q", lines[0])
	}
	if len(lines) < 2 || lines[1] != `["a","b"]` {
		t.Errorf("bind-mounted dir: %q", r.Stdout)
	}
	if got := readString(t, filepath.Join(src, "from-ctr")); got != "hello" {
		t.Errorf("a write through the bind mount did not reach the host: %q", got)
	}
	// the mount points were created inside the rootfs
	if st, err := os.Stat(filepath.Join(c.Rootfs, "mnt/file")); err != nil || !st.Mode().IsRegular() {
		t.Errorf("mount point for a file: want a regular file in the rootfs: %v", err)
	}
	if st, err := os.Stat(filepath.Join(c.Rootfs, "mnt/new/deep/dir")); err != nil || !st.IsDir() {
		t.Errorf("mount point for a dir: want a directory in the rootfs: %v", err)
	}
}

func TestMountRbind(t *testing.T) {
	h := newH(t)
	src := filepath.Join(h.Dir, "src")
	writeFile(t, filepath.Join(src, "top"), "top")
	hostMount(t, "tmpfs", filepath.Join(src, "sub"), "tmpfs", 0, "size=64k")
	writeFile(t, filepath.Join(src, "sub/inner"), "inner")
	c := h.NewCtr(
		addMount(specs.Mount{Destination: "/mnt/r", Type: "bind", Source: src, Options: []string{"rbind"}}),
		addMount(specs.Mount{Destination: "/mnt/b", Type: "bind", Source: src, Options: []string{"bind"}}),
		sh("/probe ls /mnt/r/sub; /probe ls /mnt/b/sub; /probe ls /mnt/b"),
	)
	r := c.MustRun()
	var rsub, bsub, b []string
	decodeJSONs(t, r.Stdout, &rsub, &bsub, &b)
	if strings.Join(rsub, ",") != "inner" {
		t.Errorf("rbind: the submount is not visible: %q", rsub)
	}
	if len(bsub) != 0 {
		t.Errorf("bind (not rbind): the submount is visible: %q", bsub)
	}
	if strings.Join(b, ",") != "sub,top" {
		t.Errorf("bind: %q", b)
	}
}

func TestMountReadonlyBind(t *testing.T) {
	h := newH(t)
	src := filepath.Join(h.Dir, "src")
	writeFile(t, filepath.Join(src, "f"), "orig")
	c := h.NewCtr(
		addMount(specs.Mount{Destination: "/mnt/ro", Type: "bind", Source: src, Options: []string{"rbind", "ro"}}),
		args("/probe", "write", "/mnt/ro/f", "changed"),
	)
	wantErrno(t, c.Run(), unix.EROFS, "write to a ro bind mount")
	if got := readString(t, filepath.Join(src, "f")); got != "orig" {
		t.Errorf("the host file changed: %q", got)
	}
	// the host side stays writable
	writeFile(t, filepath.Join(src, "g"), "host")
}

func TestMountTmpfsOptions(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(addMount(specs.Mount{
		Destination: "/mnt/tmp", Type: "tmpfs", Source: "tmpfs",
		Options: []string{"nosuid", "nodev", "noexec", "mode=1770", "size=128k", "uid=1000", "gid=1000"},
	}))
	rep := c.Report()
	l, ok := rep.Mount("/mnt/tmp")
	if !ok {
		t.Fatalf("no mount on /mnt/tmp")
	}
	if mountFSType(l) != "tmpfs" {
		t.Errorf("/mnt/tmp: %s", l)
	}
	for _, o := range []string{"nosuid", "nodev", "noexec", "rw"} {
		if !contains(mountOpts(l), o) {
			t.Errorf("/mnt/tmp lacks mount option %s: %s", o, l)
		}
	}
	for _, o := range []string{"size=128k", "mode=1770", "uid=1000", "gid=1000"} {
		if !contains(mountSuperOpts(l), o) {
			t.Errorf("/mnt/tmp lacks tmpfs option %s: %s", o, l)
		}
	}
	// and on the host nothing
	if m := mountsMatching(c.Rootfs); len(m) > 0 {
		t.Errorf("container mounts visible on the host: %v", m)
	}
}

func TestMountSpecialFilesystems(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(func(s *specs.Spec) {
		s.Mounts = []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
			{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
			{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
			{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
		}
	})
	rep := c.Report()
	for dest, typ := range map[string]string{"/proc": "proc", "/dev": "tmpfs", "/dev/pts": "devpts", "/dev/shm": "tmpfs", "/dev/mqueue": "mqueue", "/sys": "sysfs"} {
		l, ok := rep.Mount(dest)
		if !ok || mountFSType(l) != typ {
			t.Errorf("%s: want %s, got %q", dest, typ, l)
		}
	}
	if l, _ := rep.Mount("/sys"); !contains(mountOpts(l), "ro") {
		t.Errorf("/sys: want ro: %s", l)
	}
	if l, _ := rep.Mount("/dev/pts"); !contains(mountSuperOpts(l), "ptmxmode=666") || !contains(mountSuperOpts(l), "gid=5") {
		t.Errorf("/dev/pts options: %s", l)
	}
	// a new proc instance: the probe is pid 1 in it
	if rep.Pid != 1 {
		t.Errorf("pid %d", rep.Pid)
	}
}

func TestMountPropagationFlags(t *testing.T) {
	h := newH(t)
	src := filepath.Join(h.Dir, "src")
	mkdirs(t, src)
	c := h.NewCtr(
		addMount(specs.Mount{Destination: "/mnt/shared", Type: "bind", Source: src, Options: []string{"rbind", "rshared"}}),
		addMount(specs.Mount{Destination: "/mnt/private", Type: "bind", Source: src, Options: []string{"rbind", "rprivate"}}),
	)
	rep := c.Report()
	l, _ := rep.Mount("/mnt/shared")
	if !hasPrefixIn(mountOptional(l), "shared:") {
		t.Errorf("rshared: want shared:N in %q", l)
	}
	l, _ = rep.Mount("/mnt/private")
	if opt := mountOptional(l); len(opt) != 0 {
		t.Errorf("rprivate: want no propagation, got %v in %q", opt, l)
	}
}

func TestMountPropagationSlave(t *testing.T) {
	h := newH(t)
	src := filepath.Join(h.Dir, "src")
	mkdirs(t, src)
	// a shared mount on the host, so that a slave copy receives events
	hostMount(t, src, src, "", unix.MS_BIND, "")
	if err := unix.Mount("", src, "", unix.MS_SHARED, ""); err != nil {
		t.Fatal(err)
	}
	c := h.NewCtr(
		addMount(specs.Mount{Destination: "/mnt/slave", Type: "bind", Source: src, Options: []string{"rbind", "rslave"}}),
		sh(`/probe report > /tmp/report.json; echo ready > /tmp/ready
			while [ ! -e /mnt/slave/sub/flag ]; do sleep 0.05; done; echo seen > /tmp/seen`),
	)
	c.MustCreate()
	c.MustStart()
	waitFileContains(t, filepath.Join(c.Rootfs, "tmp/ready"), "ready")
	rep := decodeReport(t, readString(t, filepath.Join(c.Rootfs, "tmp/report.json")))
	l, _ := rep.Mount("/mnt/slave")
	if !hasPrefixIn(mountOptional(l), "master:") {
		t.Errorf("rslave of a shared mount: want master:N in %q", l)
	}
	// a mount made on the host afterwards propagates into the container
	hostMount(t, "tmpfs", filepath.Join(src, "sub"), "tmpfs", 0, "size=16k")
	writeFile(t, filepath.Join(src, "sub/flag"), "x")
	waitFileContains(t, filepath.Join(c.Rootfs, "tmp/seen"), "seen")
}

func TestMountRRO(t *testing.T) {
	h := newH(t)
	src := filepath.Join(h.Dir, "src")
	mkdirs(t, src)
	hostMount(t, "tmpfs", filepath.Join(src, "sub"), "tmpfs", 0, "size=64k")
	c := h.NewCtr(
		addMount(specs.Mount{Destination: "/mnt/rro", Type: "bind", Source: src, Options: []string{"rbind", "rro"}}),
		sh("/probe write /mnt/rro/x 1; /probe write /mnt/rro/sub/x 1; exit 0"),
	)
	r := c.MustRun()
	if n := strings.Count(r.Stderr, "(errno=30)"); n != 2 {
		t.Errorf("rro: want both writes to fail with EROFS, got %s", r)
	}
	// the host's submount stays writable
	writeFile(t, filepath.Join(src, "sub/host"), "ok")
}

func TestRootfsPropagation(t *testing.T) {
	h := newH(t)
	for _, tc := range []struct {
		prop   string
		shared bool
	}{{"shared", true}, {"rshared", true}, {"private", false}, {"rprivate", false}} {
		c := h.NewCtr(func(s *specs.Spec) { s.Linux.RootfsPropagation = tc.prop })
		rep := c.Report()
		l, ok := rep.Mount("/")
		if !ok {
			t.Fatalf("no / mount")
		}
		if got := hasPrefixIn(mountOptional(l), "shared:"); got != tc.shared {
			t.Errorf("rootfsPropagation %s: / is %q", tc.prop, l)
		}
	}
}

func TestRootReadonly(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(func(s *specs.Spec) { s.Root.Readonly = true }, sh("/probe write /newfile x; /probe write /dev/shm/ok x && /probe report"))
	r := c.MustRun()
	if !strings.Contains(r.Stderr, "probe: write /newfile") || !strings.Contains(r.Stderr, "(errno=30)") {
		t.Errorf("write to a read-only root: want EROFS, got %s", r)
	}
	if _, err := os.Stat(filepath.Join(c.Rootfs, "newfile")); err == nil {
		t.Errorf("the file was written")
	}
	rep := decodeReport(t, r.Stdout)
	l, _ := rep.Mount("/")
	if !contains(mountOpts(l), "ro") {
		t.Errorf("/ is not mounted ro: %s", l)
	}
}

func TestNoPivot(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(args("/probe", "ls", "/"))
	r := c.MustRun("--no-pivot")
	var got []string
	decodeJSONs(t, r.Stdout, &got)
	ents, _ := os.ReadDir(c.Rootfs)
	var want []string
	for _, e := range ents {
		want = append(want, e.Name())
	}
	sort.Strings(want)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("--no-pivot: / in the container is %v, want the rootfs %v", got, want)
	}
}

func TestMountDestinationSymlinkEscape(t *testing.T) {
	h := newH(t)
	outside := filepath.Join(h.Dir, "host-side")
	outside2 := filepath.Join(h.Dir, "host-side2")
	mkdirs(t, outside, outside2)
	c := h.NewCtr(
		addMount(specs.Mount{Destination: "/escape/sub", Type: "tmpfs", Source: "tmpfs", Options: []string{"size=16k"}}),
		addMount(specs.Mount{Destination: "/up" + outside2 + "/sub", Type: "tmpfs", Source: "tmpfs", Options: []string{"size=16k"}}),
		addMount(specs.Mount{Destination: "/escape/file", Type: "bind", Source: filepath.Join(templateDir, "etc/passwd"), Options: []string{"bind"}}),
	)
	// an absolute symlink and one that climbs with ..: both must resolve inside the rootfs
	if err := os.Symlink(outside, filepath.Join(c.Rootfs, "escape")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../../../../../../../../../..", filepath.Join(c.Rootfs, "up")); err != nil {
		t.Fatal(err)
	}
	rep := c.Report()
	for _, d := range []string{outside, outside2} {
		if ents, _ := os.ReadDir(d); len(ents) != 0 {
			t.Errorf("SECURITY: the runtime followed a rootfs symlink to the host and created %v in %s", ents, d)
		}
		if m := mountsMatching(d + "/"); len(m) > 0 {
			t.Errorf("SECURITY: host mounts under %s: %v", d, m)
		}
	}
	// the mounts landed inside the rootfs, where the symlinks resolve when
	// the rootfs is the root
	for _, p := range []string{outside + "/sub", outside2 + "/sub", outside + "/file"} {
		if _, err := os.Lstat(filepath.Join(c.Rootfs, p)); err != nil {
			t.Errorf("mount point %s was not created inside the rootfs: %v", p, err)
		}
		if _, ok := rep.Mount(p); !ok {
			t.Errorf("no mount on %s in the container", p)
		}
	}
}

func TestDefaultDevices(t *testing.T) {
	h := newH(t)
	rep := h.NewCtr().Report()
	for _, d := range []struct {
		path         string
		major, minor uint32
	}{{"/dev/null", 1, 3}, {"/dev/zero", 1, 5}, {"/dev/full", 1, 7}, {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0}} {
		s, err := findStat(rep.Devices, d.path)
		if err != nil || s.Type != "chr" || s.Major != d.major || s.Minor != d.minor || s.Mode != "0666" || s.Uid != 0 || s.Gid != 0 {
			t.Errorf("%s: want chr %d:%d 0666 root, got %+v %v", d.path, d.major, d.minor, s, err)
		}
	}
	for path, target := range map[string]string{
		"/dev/fd": "/proc/self/fd", "/dev/stdin": "/proc/self/fd/0", "/dev/stdout": "/proc/self/fd/1",
		"/dev/stderr": "/proc/self/fd/2", "/dev/ptmx": "pts/ptmx",
	} {
		s, err := findStat(rep.Devices, path)
		if err != nil || s.Type != "lnk" || s.Target != target {
			t.Errorf("%s: want a symlink to %s, got %+v", path, target, s)
		}
	}
	for _, s := range rep.Devices {
		for _, bad := range []string{"/dev/mem", "/dev/kmsg", "/dev/vda", "/dev/sda", "/dev/loop0", "/dev/net"} {
			if s.Path == bad {
				t.Errorf("host device %s in the container", bad)
			}
		}
	}
}

func TestLinuxDevices(t *testing.T) {
	h := newH(t)
	mode := os.FileMode(0o640)
	mode2 := os.FileMode(0o600)
	mode3 := os.FileMode(0o666)
	uid, gid := uint32(1000), uint32(1001)
	c := h.NewCtr(func(s *specs.Spec) {
		s.Linux.Devices = append(s.Linux.Devices,
			specs.LinuxDevice{Path: "/dev/rtit-full", Type: "c", Major: 1, Minor: 7, FileMode: &mode, UID: &uid, GID: &gid},
			specs.LinuxDevice{Path: "/dev/rtit/blk", Type: "b", Major: 7, Minor: 200, FileMode: &mode2},
			specs.LinuxDevice{Path: "/dev/rtit-fifo", Type: "p", FileMode: &mode2},
			specs.LinuxDevice{Path: "/dev/rtit-zero", Type: "c", Major: 1, Minor: 5, FileMode: &mode3},
		)
		if s.Linux.Resources == nil {
			s.Linux.Resources = &specs.LinuxResources{}
		}
		maj, min := int64(7), int64(200)
		s.Linux.Resources.Devices = append(s.Linux.Resources.Devices,
			specs.LinuxDeviceCgroup{Allow: true, Type: "b", Major: &maj, Minor: &min, Access: "rwm"})
	}, sh("/probe report && head -c 4 /dev/rtit-zero | wc -c"))
	r := c.MustRun()
	rep := decodeReport(t, r.Stdout)
	s, _ := findStat(rep.Devices, "/dev/rtit-full")
	if s.Type != "chr" || s.Major != 1 || s.Minor != 7 || s.Mode != "0640" || s.Uid != 1000 || s.Gid != 1001 {
		t.Errorf("/dev/rtit-full: want chr 1:7 0640 1000:1001, got %+v", s)
	}
	s, _ = findStat(rep.Devices, "/dev/rtit/blk")
	if s.Type != "blk" || s.Major != 7 || s.Minor != 200 || s.Mode != "0600" || s.Uid != 0 {
		t.Errorf("/dev/rtit/blk: want blk 7:200 0600 root, got %+v", s)
	}
	s, _ = findStat(rep.Devices, "/dev/rtit-fifo")
	if s.Type != "fifo" || s.Mode != "0600" {
		t.Errorf("/dev/rtit-fifo: want a fifo 0600, got %+v", s)
	}
	if !strings.HasSuffix(strings.TrimSpace(r.Stdout), "\n4") {
		t.Errorf("reading the device failed: %s", r)
	}
}

func TestDevPtsAndShm(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(sh("/probe pty && /probe write /dev/shm/x hello && /probe read /dev/shm/x && echo && /probe report"))
	r := c.MustRun()
	lines := strings.SplitN(r.Stdout, "\n", 3)
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "/dev/pts/") {
		t.Fatalf("opening /dev/ptmx in the container: %s", r)
	}
	if lines[1] != "hello" {
		t.Errorf("/dev/shm: %q", lines[1])
	}
	rep := decodeReport(t, lines[2])
	s, _ := findStat(rep.Devices, "/dev/pts/ptmx")
	if s.Type != "chr" || s.Major != 5 || s.Minor != 2 {
		t.Errorf("/dev/pts/ptmx: %+v", s)
	}
	if l, _ := rep.Mount("/dev/shm"); mountFSType(l) != "tmpfs" {
		t.Errorf("/dev/shm: %q", l)
	}
	// a private devpts instance: the host's ptys are not visible
	for _, d := range rep.Devices {
		if strings.HasPrefix(d.Path, "/dev/pts/") && d.Path != "/dev/pts/ptmx" {
			t.Errorf("a pty in the container's devpts after the probe exited: %+v", d)
		}
	}
}

func TestMaskedPaths(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(func(s *specs.Spec) {
		s.Linux.MaskedPaths = []string{"/secret-file", "/secret-dir", "/proc/timer_list", "/does/not/exist"}
	}, sh("/probe stat /secret-file /proc/timer_list; /probe ls /secret-dir; /probe read /secret-file; /probe write /secret-dir/x 1"))
	writeFile(t, filepath.Join(c.Rootfs, "secret-file"), "TOPSECRET")
	writeFile(t, filepath.Join(c.Rootfs, "secret-dir/inner"), "TOPSECRET")
	r := c.Run()
	var st []Stat
	var ls []string
	decodeJSONs(t, r.Stdout, &st, &ls)
	for _, s := range st {
		if s.Type != "chr" || s.Major != 1 || s.Minor != 3 {
			t.Errorf("masked file %s: want /dev/null (chr 1:3), got %+v", s.Path, s)
		}
	}
	if len(ls) != 0 {
		t.Errorf("masked dir: want empty, got %v", ls)
	}
	if strings.Contains(r.Stdout, "TOPSECRET") {
		t.Errorf("masked content readable: %q", r.Stdout)
	}
	if !strings.Contains(r.Stderr, "probe: write /secret-dir/x") || !strings.Contains(r.Stderr, "(errno=30)") {
		t.Errorf("masked dir: want read-only, got %s", r)
	}
}

func TestReadonlyPaths(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(func(s *specs.Spec) {
		s.Linux.ReadonlyPaths = []string{"/ro-dir", "/proc/sys", "/does/not/exist"}
	}, sh("/probe write /ro-dir/x 1; /probe write /proc/sys/kernel/hostname x; /probe write /tmp/ok 1 && /probe read /ro-dir/f"))
	writeFile(t, filepath.Join(c.Rootfs, "ro-dir/f"), "readable")
	r := c.Run()
	if r.Code != 0 {
		t.Errorf("the control write or the read failed: %s", r)
	}
	if n := strings.Count(r.Stderr, "(errno=30)"); n != 2 {
		t.Errorf("readonlyPaths: want 2 EROFS, got %s", r)
	}
	if r.Stdout != "readable" {
		t.Errorf("readonly path not readable: %q", r.Stdout)
	}
	if _, err := os.Stat(filepath.Join(c.Rootfs, "ro-dir/x")); err == nil {
		t.Errorf("written through a read-only path")
	}
}

// SECURITY.md, fake /proc: a rootfs whose /proc is a symlink must not get
// procfs mounted wherever the symlink points.
func TestProcSymlinkRefused(t *testing.T) {
	h := newH(t)
	c := h.NewCtr()
	os.Remove(filepath.Join(c.Rootfs, "proc"))
	mkdirs(t, filepath.Join(c.Rootfs, "fakeproc"))
	if err := os.Symlink("/fakeproc", filepath.Join(c.Rootfs, "proc")); err != nil {
		t.Fatal(err)
	}
	r := c.Run()
	if r.Code == 0 {
		rep := decodeReport(t, r.Stdout)
		if l, ok := rep.Mount("/fakeproc"); ok {
			t.Errorf("SECURITY: procfs was mounted through the /proc symlink: %s", l)
		}
		t.Errorf("run with /proc a symlink succeeded, want a clear error")
	} else {
		wantFail(t, r, "/proc")
	}
	c.AssertNoLeftovers()
}
