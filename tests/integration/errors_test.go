package integration

// Issue item 9: bad input gives a clear error, exit code 1 and leaves nothing.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// wantCreateFails runs create and checks: exit 1, every text in the error,
// nothing left in the root, no cgroup, no mount.
func wantCreateFails(t *testing.T, c *Ctr, texts ...string) Res {
	t.Helper()
	r := c.Create()
	wantFail(t, r, texts...)
	if ents, _ := os.ReadDir(c.h.Root); len(ents) != 0 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("the failed create left %v in the root", names)
	}
	c.AssertNoLeftovers()
	return r
}

func TestErrorMalformedConfig(t *testing.T) {
	h := newH(t)
	c := h.NewCtr()
	writeFile(t, filepath.Join(c.Bundle, "config.json"), `{"ociVersion": "1.0.0", "process": {`)
	wantCreateFails(t, c, "config.json")
}

func TestErrorConfigWrongType(t *testing.T) {
	h := newH(t)
	c := h.NewCtr()
	writeFile(t, filepath.Join(c.Bundle, "config.json"), `{"ociVersion": "1.0.0", "process": {"args": "not-an-array", "cwd": "/"}, "root": {"path": "rootfs"}}`)
	wantCreateFails(t, c, "args")
}

func TestErrorMissingConfig(t *testing.T) {
	h := newH(t)
	c := h.NewCtr()
	os.Remove(filepath.Join(c.Bundle, "config.json"))
	wantCreateFails(t, c, "config.json")
}

func TestErrorMissingRootfs(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(func(s *specs.Spec) { s.Root.Path = "no-such-rootfs" })
	wantCreateFails(t, c, "no-such-rootfs", "no such file or directory")
}

func TestErrorRootfsNotDirectory(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(func(s *specs.Spec) { s.Root.Path = "rootfs/probe" })
	wantCreateFails(t, c, "not a directory")
}

func TestErrorUnknownNamespace(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(func(s *specs.Spec) {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "bogusns"})
	})
	wantCreateFails(t, c, "bogusns")
}

func TestErrorNamespacePathMissing(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(setNS(specs.NetworkNamespace, "/proc/self/ns/no-such-ns-file"))
	wantCreateFails(t, c, "no-such-ns-file")
}

func TestErrorUnknownMountOption(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(addMount(specs.Mount{Destination: "/mnt/x", Type: "tmpfs", Source: "tmpfs", Options: []string{"bogusopt=1"}}))
	wantCreateFails(t, c, "bogusopt")
}

func TestErrorMissingBundle(t *testing.T) {
	h := newH(t)
	c := h.NewCtr()
	missing := filepath.Join(h.Dir, "no-such-bundle")
	r := h.RTOpts(c.opts(Opts{}), "create", "--bundle", missing, c.ID)
	wantFail(t, r, "no-such-bundle", "no such file or directory")
	if ents, _ := os.ReadDir(h.Root); len(ents) != 0 {
		t.Errorf("left %v in the root", ents)
	}
	c.AssertNoLeftovers()
}

func TestErrorMissingProcess(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(func(s *specs.Spec) { s.Process = nil })
	wantCreateFails(t, c, "process")
}

func TestErrorNoArgs(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(func(s *specs.Spec) { s.Process.Args = nil })
	wantCreateFails(t, c, "args")
}

func TestBundleRelativePath(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(args("/probe", "sleep"))
	// relative to the runtime's working directory
	r := h.RTOpts(c.opts(Opts{Dir: h.Dir}), "create", "--bundle", filepath.Base(c.Bundle), c.ID)
	wantOK(t, r)
	if st := c.State(); st.Bundle != c.Bundle || st.Rootfs != c.Rootfs {
		t.Errorf("state with a relative --bundle: bundle %q rootfs %q, want the absolute paths %q %q", st.Bundle, st.Rootfs, c.Bundle, c.Rootfs)
	}
	wantOK(t, c.Delete("--force"))

	// ./ and .. forms
	r = h.RTOpts(c.opts(Opts{Dir: c.Rootfs}), "create", "--bundle", "../"+filepath.Join("..", filepath.Base(c.Bundle)), c.ID)
	wantOK(t, r)
	if st := c.State(); st.Bundle != c.Bundle {
		t.Errorf("state with --bundle ../..: bundle %q, want %q", st.Bundle, c.Bundle)
	}
	wantOK(t, c.Delete("--force"))

	// no --bundle: the working directory
	r = h.RTOpts(c.opts(Opts{Dir: c.Bundle}), "create", c.ID)
	wantOK(t, r)
	if st := c.State(); st.Bundle != c.Bundle {
		t.Errorf("state without --bundle: bundle %q, want the cwd %q", st.Bundle, c.Bundle)
	}
}

func TestBundleAbsolutePath(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(args("/probe", "sleep"))
	// an absolute bundle path with a relative root.path, created from another cwd
	r := h.RTOpts(c.opts(Opts{Dir: "/"}), "create", "--bundle", c.Bundle+"/", c.ID)
	wantOK(t, r)
	st := c.State()
	if strings.TrimSuffix(st.Bundle, "/") != c.Bundle {
		t.Errorf("bundle %q, want %q", st.Bundle, c.Bundle)
	}
	c.MustStart()
	if c.State().Status != "running" {
		t.Errorf("not running")
	}
}

func TestErrorStateOfMissingContainer(t *testing.T) {
	h := newH(t)
	for _, verb := range [][]string{{"state"}, {"start"}, {"kill"}, {"delete"}} {
		r := h.RT(append(verb, "rtit-no-such-container")...)
		wantFail(t, r, "container does not exist")
	}
	// delete --force of a missing container succeeds or says "does not exist"
	r := h.RT("delete", "--force", "rtit-no-such-container")
	if r.Code != 0 && !strings.Contains(r.Out(), "does not exist") {
		t.Errorf("delete --force of a missing container: %s", r)
	}
}

func TestErrorUnknownVerbAndFlag(t *testing.T) {
	h := newH(t)
	if r := h.RT("no-such-verb"); r.Code == 0 {
		t.Errorf("an unknown verb succeeded: %s", r)
	}
	if r := h.RT("create", "--no-such-flag", "x"); r.Code == 0 {
		t.Errorf("an unknown flag succeeded: %s", r)
	}
	if r := h.RT("create"); r.Code == 0 {
		t.Errorf("create without an id succeeded: %s", r)
	}
}
