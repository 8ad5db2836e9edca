package libcontainer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libcontainer/internal/plan"
	"github.com/rt-runtime/rt/spec"
)

// checkHost checks what config.json names on the host before anything is
// made, so that an error names the field (root.path, a namespace path, a
// bind source) rather than the step of rt-init that would trip on it.
// rt-init still checks all of it again, where it matters (fd-based).
func checkHost(b *spec.Bundle) error {
	if err := checkLabels(b.Spec.Process); err != nil {
		return err
	}
	if fi, err := os.Stat(b.Rootfs); err != nil {
		return fmt.Errorf("root.path: %w", err)
	} else if !fi.IsDir() {
		return fmt.Errorf("root.path: %s: %w", b.Rootfs, unix.ENOTDIR)
	}
	s := b.Spec
	if s.Linux != nil {
		for i, ns := range s.Linux.Namespaces {
			if ns.Path == "" {
				continue
			}
			if err := checkNSPath(ns); err != nil {
				return fmt.Errorf("linux.namespaces[%d].path: %w", i, err)
			}
		}
	}
	for i, m := range s.Mounts {
		if !plan.IsBind(m) {
			continue
		}
		src := m.Source
		if !filepath.IsAbs(src) {
			src = filepath.Join(b.Dir, src)
		}
		if _, err := os.Stat(src); err != nil && !errors.Is(err, os.ErrPermission) {
			return fmt.Errorf("mounts[%d].source: %w", i, err)
		}
	}
	return nil
}

// checkNSPath: the file is a namespace of the type the entry says.
func checkNSPath(ns specs.LinuxNamespace) error {
	fd, err := unix.Open(ns.Path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: ns.Path, Err: err}
	}
	defer unix.Close(fd)
	typ, err := unix.IoctlRetInt(fd, unix.NS_GET_NSTYPE)
	if err != nil {
		return fmt.Errorf("%s is not a namespace file", ns.Path)
	}
	if want := plan.NamespaceFlags[ns.Type]; uint64(typ) != want {
		return fmt.Errorf("%s is a namespace of another type (%s), not %s", ns.Path, nsTypeName(uint64(typ)), ns.Type)
	}
	return nil
}

func nsTypeName(flag uint64) string {
	for t, f := range plan.NamespaceFlags {
		if f == flag {
			return string(t)
		}
	}
	return fmt.Sprintf("%#x", flag)
}
