package e2e

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Helpers for the containerd tests (ctr_test.go) and, for the daemon and
// the image, the CRI tests (cri_test.go).

const (
	// ctrNS is the containerd namespace of the ctr tests.
	ctrNS = "rt-e2e"
	// ctrBBImage is the busybox image every test imports.
	ctrBBImage = "localhost/rt-e2e-bb:1"
	// ctrShimRoot is the runc shim's default --root parent: the state dirs
	// of a namespace's containers are ctrShimRoot/<ns>/<id>.
	ctrShimRoot = "/run/containerd/runc"
	// ctrCmdTimeout bounds every ctr/crictl call.
	ctrCmdTimeout = 60 * time.Second
)

var (
	ctrRTOnce sync.Once
	ctrRTBin  string
	ctrRTErr  error
)

// ctrRT returns the absolute path of ./rt at the repo root, skipping when it
// is not built.
func ctrRT(t *testing.T) string {
	t.Helper()
	ctrRTOnce.Do(func() {
		p, err := filepath.Abs(filepath.Join("..", "..", "rt"))
		if err != nil {
			ctrRTErr = err
			return
		}
		if fi, err := os.Stat(p); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			ctrRTErr = fmt.Errorf("%s not built (run `make rt` first)", p)
			return
		}
		ctrRTBin = p
	})
	if ctrRTErr != nil {
		t.Skip(ctrRTErr)
	}
	return ctrRTBin
}

// ctrRequire skips unless root and the containerd binaries are installed.
func ctrRequire(t *testing.T, bins ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	for _, b := range append([]string{"containerd", "ctr", "containerd-shim-runc-v2", "busybox"}, bins...) {
		if _, err := exec.LookPath(b); err != nil {
			t.Skipf("%s not installed (apt-get install containerd busybox-static): %v", b, err)
		}
	}
}

// ctrRuntimes is the runtimes every scenario runs with: runc first (it
// validates the test), then rt.
func ctrRuntimes(t *testing.T) []ctrRuntime {
	t.Helper()
	rts := []ctrRuntime{}
	if p, err := exec.LookPath("runc"); err == nil {
		rts = append(rts, ctrRuntime{"runc", p})
	} else {
		t.Logf("runc not installed: scenarios run with rt only")
	}
	return append(rts, ctrRuntime{"rt", ctrRT(t)})
}

type ctrRuntime struct {
	name string // short name, also used in ids
	bin  string // absolute path
}

// ---- images ----

type ctrTarEntry struct {
	name string
	mode int64
	typ  byte
	data []byte
	link string
}

// ctrTar writes entries into an uncompressed tar.
func ctrTar(entries []ctrTarEntry) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mt := time.Unix(1700000000, 0)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: e.mode, Typeflag: e.typ, Linkname: e.link, ModTime: mt, Format: tar.FormatPAX}
		if e.typ == tar.TypeReg {
			h.Size = int64(len(e.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if e.typ == tar.TypeReg {
			if _, err := tw.Write(e.data); err != nil {
				return nil, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ctrBusyboxLayer is a layer with the host's static busybox at /bin/busybox,
// a symlink per applet in /bin, and a minimal /etc.
func ctrBusyboxLayer() ([]byte, error) {
	bbPath, err := exec.LookPath("busybox")
	if err != nil {
		return nil, err
	}
	bb, err := os.ReadFile(bbPath)
	if err != nil {
		return nil, err
	}
	out, err := exec.Command(bbPath, "--list").Output()
	if err != nil {
		return nil, fmt.Errorf("busybox --list: %w", err)
	}
	es := []ctrTarEntry{}
	for _, d := range []string{"bin/", "dev/", "etc/", "proc/", "root/", "run/", "sys/", "usr/", "usr/bin/", "var/"} {
		es = append(es, ctrTarEntry{name: d, mode: 0o755, typ: tar.TypeDir})
	}
	es = append(es,
		ctrTarEntry{name: "tmp/", mode: 0o1777, typ: tar.TypeDir},
		ctrTarEntry{name: "bin/busybox", mode: 0o755, typ: tar.TypeReg, data: bb},
		ctrTarEntry{name: "etc/passwd", mode: 0o644, typ: tar.TypeReg, data: []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n")},
		ctrTarEntry{name: "etc/group", mode: 0o644, typ: tar.TypeReg, data: []byte("root:x:0:\nnobody:x:65534:\n")},
		// a file that is not executable: exec of it must fail with EACCES
		ctrTarEntry{name: "bin/noexec", mode: 0o644, typ: tar.TypeReg, data: []byte("#!/bin/sh\necho no\n")},
	)
	for _, a := range strings.Fields(string(out)) {
		if a == "busybox" || strings.Contains(a, "/") {
			continue
		}
		es = append(es, ctrTarEntry{name: "bin/" + a, mode: 0o777, typ: tar.TypeSymlink, link: "busybox"})
	}
	return ctrTar(es)
}

func ctrDigest(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// ctrOCIArchive writes an OCI image layout tar (one manifest, one
// uncompressed layer) named name into path, for `ctr image import`.
func ctrOCIArchive(path, name string, layer []byte, entrypoint, cmd []string) error {
	type desc struct {
		MediaType   string            `json:"mediaType"`
		Digest      string            `json:"digest"`
		Size        int               `json:"size"`
		Annotations map[string]string `json:"annotations,omitempty"`
		Platform    map[string]string `json:"platform,omitempty"`
	}
	cfg := map[string]any{
		"architecture": runtime.GOARCH,
		"os":           "linux",
		"created":      "2023-11-14T22:13:20Z",
		"config": map[string]any{
			"Env":        []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
			"Entrypoint": entrypoint,
			"Cmd":        cmd,
			"WorkingDir": "/",
		},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{ctrDigest(layer)}},
	}
	cfgB, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	man := map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config":        desc{MediaType: "application/vnd.oci.image.config.v1+json", Digest: ctrDigest(cfgB), Size: len(cfgB)},
		"layers":        []desc{{MediaType: "application/vnd.oci.image.layer.v1.tar", Digest: ctrDigest(layer), Size: len(layer)}},
	}
	manB, err := json.Marshal(man)
	if err != nil {
		return err
	}
	tag := name[strings.LastIndex(name, ":")+1:]
	idx := map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.index.v1+json",
		"manifests": []desc{{
			MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: ctrDigest(manB), Size: len(manB),
			Annotations: map[string]string{"io.containerd.image.name": name, "org.opencontainers.image.ref.name": tag},
			Platform:    map[string]string{"architecture": runtime.GOARCH, "os": "linux"},
		}},
	}
	idxB, err := json.Marshal(idx)
	if err != nil {
		return err
	}
	blob := func(b []byte) ctrTarEntry {
		return ctrTarEntry{name: "blobs/sha256/" + strings.TrimPrefix(ctrDigest(b), "sha256:"), mode: 0o644, typ: tar.TypeReg, data: b}
	}
	ar, err := ctrTar([]ctrTarEntry{
		{name: "oci-layout", mode: 0o644, typ: tar.TypeReg, data: []byte(`{"imageLayoutVersion":"1.0.0"}`)},
		{name: "index.json", mode: 0o644, typ: tar.TypeReg, data: idxB},
		{name: "blobs/", mode: 0o755, typ: tar.TypeDir},
		{name: "blobs/sha256/", mode: 0o755, typ: tar.TypeDir},
		blob(cfgB), blob(manB), blob(layer),
	})
	if err != nil {
		return err
	}
	return os.WriteFile(path, ar, 0o644)
}

// ---- the daemon ----

// ctrDaemon is a private containerd: config, root, state and sockets under
// dir.
type ctrDaemon struct {
	// hadRun: /run/containerd existed before (ctr, the shim make fifo, runc
	// and s under it; removed when empty if they did not).
	hadRun bool
	dir    string
	sock   string
	cmd    *exec.Cmd
	done   chan struct{}
	log    string
}

// ctrStartDaemon starts a private containerd and registers its teardown:
// tasks and containers of namespaces killed and removed, the daemon and the
// shims it started killed, mounts under dir unmounted, dir removed. extra is
// appended to the config (the CRI plugin's section); without cri, the CRI
// plugin is disabled.
func ctrStartDaemon(t *testing.T, cri bool, extra func(dir string) string, namespaces ...string) *ctrDaemon {
	t.Helper()
	dir, err := os.MkdirTemp("", "rt-e2e-ctrd-")
	if err != nil {
		t.Fatal(err)
	}
	_, err = os.Stat("/run/containerd")
	d := &ctrDaemon{hadRun: err == nil, dir: dir, sock: filepath.Join(dir, "c.sock"), done: make(chan struct{}), log: filepath.Join(dir, "containerd.log")}
	disabled := `"io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"`
	if !cri {
		disabled = `"io.containerd.grpc.v1.cri", ` + disabled
	}
	cfg := fmt.Sprintf(`version = 2
root = %q
state = %q
disabled_plugins = [%s]

[grpc]
  address = %q

[ttrpc]
  address = %q

[debug]
  level = "info"

[plugins."io.containerd.internal.v1.opt"]
  path = %q
`, filepath.Join(dir, "root"), filepath.Join(dir, "state"), disabled, d.sock, d.sock+".ttrpc", filepath.Join(dir, "opt"))
	if extra != nil {
		cfg += extra(dir)
	}
	cfgPath := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(d.log)
	if err != nil {
		t.Fatal(err)
	}
	d.cmd = exec.Command("containerd", "--config", cfgPath)
	d.cmd.Stdout, d.cmd.Stderr = logf, logf
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = d.cmd.Wait(); logf.Close(); close(d.done) }()
	t.Cleanup(func() { d.teardown(t, namespaces) })
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, _, code, _ := d.ctrRaw("", "version"); code == 0 {
			break
		}
		select {
		case <-d.done:
			t.Fatalf("containerd exited: %s", d.logTail())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("containerd not ready in 20s: %s", d.logTail())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return d
}

func (d *ctrDaemon) logTail() string {
	b, _ := os.ReadFile(d.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// ctrRaw runs ctr against the daemon in namespace ns: stdout, stderr, exit
// code (-1 when it could not run or timed out).
func (d *ctrDaemon) ctrRaw(ns string, args ...string) (string, string, int, error) {
	full := []string{"--address", d.sock}
	if ns != "" {
		full = append(full, "-n", ns)
	}
	return ctrExec(ctrCmdTimeout, "ctr", append(full, args...)...)
}

// ctrExec runs name with a timeout.
func ctrExec(timeout time.Duration, name string, args ...string) (string, string, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	code := -1
	if cmd.ProcessState != nil {
		code = cmd.ProcessState.ExitCode()
	}
	if ctx.Err() != nil {
		err = fmt.Errorf("%s %s: timed out after %s", name, strings.Join(args, " "), timeout)
		code = -1
	}
	return so.String(), se.String(), code, err
}

// ctr runs ctr in the test namespace and fails the test unless it exits 0.
func (d *ctrDaemon) ctr(t *testing.T, args ...string) string {
	t.Helper()
	so, se, code, err := d.ctrRaw(ctrNS, args...)
	if code != 0 {
		t.Fatalf("ctr %s: exit %d (%v)\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, err, so, se)
	}
	return so
}

// importImage imports an OCI archive into namespace ns.
func (d *ctrDaemon) importImage(t *testing.T, ns, archive, name string) {
	t.Helper()
	so, se, code, err := d.ctrRaw(ns, "image", "import", archive)
	if code != 0 {
		t.Fatalf("ctr image import: exit %d (%v): %s %s\n%s", code, err, so, se, d.logTail())
	}
	so, _, _, _ = d.ctrRaw(ns, "image", "ls", "-q")
	if !strings.Contains(so, name) {
		t.Fatalf("image %s not listed after import: %q", name, so)
	}
}

// ctrImportBusybox builds the busybox image and imports it into ns.
func ctrImportBusybox(t *testing.T, d *ctrDaemon, ns string) {
	t.Helper()
	layer, err := ctrBusyboxLayer()
	if err != nil {
		t.Fatal(err)
	}
	ar := filepath.Join(d.dir, "bb.tar")
	if err := ctrOCIArchive(ar, ctrBBImage, layer, nil, []string{"sh"}); err != nil {
		t.Fatal(err)
	}
	d.importImage(t, ns, ar, ctrBBImage)
}

// teardown removes what the tests left in namespaces, stops the daemon and
// its shims, unmounts and removes dir.
func (d *ctrDaemon) teardown(t *testing.T, namespaces []string) {
	t.Helper()
	running := true
	select {
	case <-d.done:
		running = false
	default:
	}
	for _, ns := range namespaces {
		if !running {
			break
		}
		so, _, _, _ := d.ctrRaw(ns, "task", "ls", "-q")
		for _, id := range strings.Fields(so) {
			_, _, _, _ = d.ctrRaw(ns, "task", "kill", "-s", "SIGKILL", id)
			_, _, _, _ = d.ctrRaw(ns, "task", "delete", "-f", id)
		}
		so, _, _, _ = d.ctrRaw(ns, "container", "ls", "-q")
		for _, id := range strings.Fields(so) {
			_, _, _, _ = d.ctrRaw(ns, "container", "rm", id)
		}
	}
	if running {
		_ = syscall.Kill(d.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-d.done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(d.cmd.Process.Pid, syscall.SIGKILL)
			<-d.done
		}
	}
	// Shims of this daemon (started with -address <our socket>).
	for _, pid := range ctrPidsWithArg(d.sock) {
		t.Logf("killing leftover shim %d", pid)
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	ctrUnmountUnder(t, d.dir)
	if err := os.RemoveAll(d.dir); err != nil {
		t.Errorf("remove %s: %v", d.dir, err)
	}
	for _, ns := range namespaces {
		_ = os.Remove(filepath.Join(ctrShimRoot, ns)) // only when empty
	}
	if !d.hadRun {
		for _, p := range []string{"/run/containerd/fifo", ctrShimRoot, "/run/containerd/s", "/run/containerd"} {
			_ = os.Remove(p)
		}
	}
}

// ctrPidsWithArg lists processes one of whose arguments is arg.
func ctrPidsWithArg(arg string) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		for _, a := range strings.Split(string(b), "\x00") {
			if a == arg {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// ctrMountPoints lists the mount points of this mount namespace.
func ctrMountPoints() []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var mps []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) > 4 {
			mps = append(mps, strings.ReplaceAll(fs[4], `\040`, " "))
		}
	}
	return mps
}

// ctrUnmountUnder unmounts (lazily, deepest first) every mount under dir.
func ctrUnmountUnder(t *testing.T, dir string) {
	var under []string
	for _, mp := range ctrMountPoints() {
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			under = append(under, mp)
		}
	}
	sort.Slice(under, func(i, j int) bool { return len(under[i]) > len(under[j]) })
	for _, mp := range under {
		t.Logf("unmounting leftover %s", mp)
		if err := syscall.Unmount(mp, syscall.MNT_DETACH); err != nil {
			t.Logf("umount %s: %v", mp, err)
		}
	}
}

// ctrLeftovers reports what is left of container id: the runtime state dir
// under stateRoot, cgroup dirs named .../<cgroupRel> in any hierarchy, mounts
// whose path contains id, processes in such a cgroup.
func ctrLeftovers(stateRoot, cgroupRel, id string) []string {
	var left []string
	if _, err := os.Lstat(filepath.Join(stateRoot, id)); !errors.Is(err, os.ErrNotExist) {
		ents, _ := os.ReadDir(filepath.Join(stateRoot, id))
		names := []string{}
		for _, e := range ents {
			names = append(names, e.Name())
		}
		left = append(left, fmt.Sprintf("state dir %s (%v)", filepath.Join(stateRoot, id), names))
	}
	hs, _ := os.ReadDir("/sys/fs/cgroup")
	for _, h := range hs {
		p := filepath.Join("/sys/fs/cgroup", h.Name(), cgroupRel)
		if _, err := os.Stat(p); err == nil {
			left = append(left, "cgroup "+p)
		}
	}
	for _, mp := range ctrMountPoints() {
		if strings.Contains(mp, id) {
			left = append(left, "mount "+mp)
		}
	}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cgroup")
		if err == nil && bytes.Contains(b, []byte(cgroupRel+"\n")) {
			left = append(left, "process "+e.Name())
		}
	}
	return left
}

// ctrWaitLeftovers waits up to 5s for ctrLeftovers to be empty (the shim
// deletes asynchronously after some verbs) and reports what stayed.
func ctrWaitLeftovers(t *testing.T, stateRoot, cgroupRel, id string) {
	t.Helper()
	var left []string
	for deadline := time.Now().Add(5 * time.Second); ; {
		if left = ctrLeftovers(stateRoot, cgroupRel, id); len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("leftovers of %s: %s", id, strings.Join(left, "; "))
}

// ctrRmdirCgroups removes the (empty) parent cgroup rel in every hierarchy.
func ctrRmdirCgroups(rel string) {
	hs, _ := os.ReadDir("/sys/fs/cgroup")
	for _, h := range hs {
		_ = os.Remove(filepath.Join("/sys/fs/cgroup", h.Name(), rel))
	}
}

// ctrMedian of durations.
func ctrMedian(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
