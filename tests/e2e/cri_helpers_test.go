package e2e

import (
	"archive/tar"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Helpers for the CRI tests: crictl (built once from the Go module proxy and
// cached under build/), the pause image, a containerd with the CRI plugin.

const (
	// criCrictlVersion: the proxy serves only some cri-tools versions;
	// v1.34.0 builds with Go 1.26 and talks CRI v1, which containerd 1.6 serves.
	criCrictlVersion = "v1.34.0"
	criPauseImage    = "localhost/rt-e2e-pause:1"
	criNS            = "k8s.io"
	criCgroupParent  = "/rt-e2e-cri"
)

var (
	criCrictlOnce sync.Once
	criCrictlPath string
	criCrictlErr  error
)

// criCrictl returns crictl: build/e2e-bin/crictl-<version>, built with
// `go install` when missing (skips when the proxy does not serve it).
func criCrictl(t *testing.T) string {
	t.Helper()
	criCrictlOnce.Do(func() {
		bin, err := filepath.Abs(filepath.Join("..", "..", "build", "e2e-bin"))
		if err != nil {
			criCrictlErr = err
			return
		}
		p := filepath.Join(bin, "crictl-"+criCrictlVersion)
		if _, err := os.Stat(p); err == nil {
			criCrictlPath = p
			return
		}
		gobin, err := os.MkdirTemp("", "rt-e2e-crictl-")
		if err != nil {
			criCrictlErr = err
			return
		}
		defer os.RemoveAll(gobin)
		goTool, err := criGo()
		if err != nil {
			criCrictlErr = err
			return
		}
		t.Logf("building crictl %s from the Go module proxy (once; cached as %s)", criCrictlVersion, p)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, goTool, "install", "sigs.k8s.io/cri-tools/cmd/crictl@"+criCrictlVersion)
		cmd.Dir = gobin
		cmd.Env = append(os.Environ(), "GOBIN="+gobin, "GOTOOLCHAIN=local", "GOFLAGS=-buildvcs=false")
		if out, err := cmd.CombinedOutput(); err != nil {
			criCrictlErr = fmt.Errorf("go install crictl@%s (module proxy): %v: %s", criCrictlVersion, err, out)
			return
		}
		if err := os.MkdirAll(bin, 0o755); err != nil {
			criCrictlErr = err
			return
		}
		b, err := os.ReadFile(filepath.Join(gobin, "crictl"))
		if err == nil {
			err = os.WriteFile(p+".tmp", b, 0o755)
		}
		if err == nil {
			err = os.Rename(p+".tmp", p)
		}
		criCrictlErr, criCrictlPath = err, p
	})
	if criCrictlErr != nil {
		t.Skip(criCrictlErr)
	}
	return criCrictlPath
}

// criGo is the go command that runs this test.
func criGo() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	if p := "/usr/local/go/bin/go"; criExists(p) {
		return p, nil
	}
	return "", fmt.Errorf("go not found in PATH")
}

func criExists(p string) bool { _, err := os.Stat(p); return err == nil }

// criPauseLayer builds a static Go program that sleeps until SIGTERM/SIGINT
// (the pod's pause container) and returns a layer with it at /pause.
func criPauseLayer(t *testing.T, dir string) []byte {
	t.Helper()
	src := filepath.Join(dir, "pause-src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	prog := `package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM, syscall.SIGINT)
	<-c
	os.Exit(0)
}
`
	if err := os.WriteFile(filepath.Join(src, "main.go"), []byte(prog), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte("module pause\n\ngo 1.21\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	goTool, err := criGo()
	if err != nil {
		t.Skip(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool, "build", "-trimpath", "-ldflags=-s -w", "-o", "pause", ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOTOOLCHAIN=local", "GOFLAGS=-buildvcs=false", "GO111MODULE=on", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build pause: %v: %s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(src, "pause"))
	if err != nil {
		t.Fatal(err)
	}
	es := []ctrTarEntry{}
	for _, d := range []string{"dev/", "etc/", "proc/", "sys/"} {
		es = append(es, ctrTarEntry{name: d, mode: 0o755, typ: tar.TypeDir})
	}
	es = append(es, ctrTarEntry{name: "pause", mode: 0o755, typ: tar.TypeReg, data: b})
	layer, err := ctrTar(es)
	if err != nil {
		t.Fatal(err)
	}
	return layer
}

// criFreePort picks a free local TCP port for the CRI streaming server.
func criFreePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// criEnv is a containerd with the CRI plugin and crictl pointed at it.
type criEnv struct {
	d      *ctrDaemon
	crictl string
	cfg    string // crictl config file
}

// criStart starts containerd with the CRI plugin: handlers runc (default)
// and rt (the runc shim with BinaryName = rt), an empty CNI conf dir (pods
// use host networking), the busybox and pause images imported.
func criStart(t *testing.T, rtBin, runcBin string) *criEnv {
	t.Helper()
	crictl := criCrictl(t)
	port := criFreePort(t)
	extra := func(dir string) string {
		return fmt.Sprintf(`
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = %q
  stream_server_address = "127.0.0.1"
  stream_server_port = "%d"
  enable_selinux = false
  # The pause gets oom_score_adj -998: lowering it needs CAP_SYS_RESOURCE,
  # which this machine's root lacks (both runtimes fail the create then).
  # Restricted, containerd caps it at its own value.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = %q
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.rt]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.rt.options]
        BinaryName = %q
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = %q
`, criPauseImage, port, runcBin, rtBin, filepath.Join(dir, "cni"))
	}
	d := ctrStartDaemon(t, true, extra, criNS)
	if err := os.MkdirAll(filepath.Join(d.dir, "cni"), 0o755); err != nil {
		t.Fatal(err)
	}
	e := &criEnv{d: d, crictl: crictl, cfg: filepath.Join(d.dir, "crictl.yaml")}
	yml := fmt.Sprintf("runtime-endpoint: unix://%s\nimage-endpoint: unix://%s\ntimeout: 30\n", d.sock, d.sock)
	if err := os.WriteFile(e.cfg, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	// Pods first removed through CRI (runs before the daemon's teardown).
	t.Cleanup(func() {
		so, _, _, _ := e.run("pods", "-q")
		for _, id := range strings.Fields(so) {
			t.Logf("removing leftover pod %s", id)
			_, _, _, _ = e.run("stopp", id)
			_, _, _, _ = e.run("rmp", "-f", id)
		}
	})
	ctrImportBusybox(t, d, criNS)
	pause := filepath.Join(d.dir, "pause.tar")
	if err := ctrOCIArchive(pause, criPauseImage, criPauseLayer(t, d.dir), []string{"/pause"}, nil); err != nil {
		t.Fatal(err)
	}
	d.importImage(t, criNS, pause, criPauseImage)
	// The CRI image store follows containerd's through events.
	for _, img := range []string{ctrBBImage, criPauseImage} {
		var se string
		ok := false
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			var code int
			if _, se, code, _ = e.run("inspecti", img); code == 0 {
				ok = true
				break
			}
		}
		if !ok {
			t.Fatalf("crictl inspecti %s: %s\n%s", img, se, d.logTail())
		}
	}
	return e
}

// run runs crictl.
func (e *criEnv) run(args ...string) (string, string, int, error) {
	return ctrExec(ctrCmdTimeout, e.crictl, append([]string{"--config", e.cfg}, args...)...)
}

// must runs crictl and fails the test unless it exits 0; stdout trimmed.
func (e *criEnv) must(t *testing.T, args ...string) string {
	t.Helper()
	so, se, code, err := e.run(args...)
	if code != 0 {
		t.Fatalf("crictl %s: exit %d (%v)\nstdout: %s\nstderr: %s\ncontainerd log:\n%s", strings.Join(args, " "), code, err, so, se, e.d.logTail())
	}
	return strings.TrimSpace(so)
}

// writeJSON writes v as JSON into the daemon's dir.
func (e *criEnv) writeJSON(t *testing.T, name string, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(e.d.dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
