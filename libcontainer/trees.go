package libcontainer

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libcontainer/internal/nsexec"
	"github.com/rt-runtime/rt/libcontainer/internal/plan"
)

// openTrees makes the bind mounts the plan leaves to the parent: a detached
// copy of each source (open_tree), its flags set, idmapped when asked. On
// error nothing stays open.
func openTrees(trees []plan.Tree) (files []*os.File, err error) {
	users := map[string]*os.File{} // one user namespace per distinct mapping
	defer func() {
		for _, f := range users {
			f.Close()
		}
		if err != nil {
			for _, f := range files {
				f.Close()
			}
			files = nil
		}
	}()
	for _, t := range trees {
		flags := unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC
		if t.Recursive {
			flags |= unix.AT_RECURSIVE
		}
		fd, err := unix.OpenTree(unix.AT_FDCWD, t.Source, uint(flags))
		if err != nil {
			return files, fmt.Errorf("mount: bind %s: %w", t.Source, err)
		}
		files = append(files, os.NewFile(uintptr(fd), "tree "+t.Source))
		if err := setTreeAttrs(fd, t, users); err != nil {
			return files, fmt.Errorf("mount: bind %s: %w", t.Source, err)
		}
	}
	return files, nil
}

func setTreeAttrs(fd int, t plan.Tree, users map[string]*os.File) error {
	if t.AttrSet != 0 || t.AttrClr != 0 {
		a := &unix.MountAttr{Attr_set: t.AttrSet, Attr_clr: t.AttrClr}
		if a.Attr_set&unix.MOUNT_ATTR__ATIME != 0 {
			a.Attr_clr |= unix.MOUNT_ATTR__ATIME
		}
		if err := unix.MountSetattr(fd, "", atFlags(t.Recursive), a); err != nil {
			return fmt.Errorf("set the mount flags: %w", err)
		}
	}
	if !t.IDMap {
		return nil
	}
	key := fmt.Sprint(t.UIDMap, t.GIDMap)
	ns, ok := users[key]
	if !ok {
		var err error
		if ns, err = nsexec.UserNamespace(t.UIDMap, t.GIDMap); err != nil {
			return err
		}
		users[key] = ns
	}
	a := &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_IDMAP, Userns_fd: uint64(ns.Fd())}
	if err := unix.MountSetattr(fd, "", atFlags(t.IDMapRec), a); err != nil {
		return fmt.Errorf("idmap: %w", err)
	}
	return nil
}

func atFlags(recursive bool) uint {
	if recursive {
		return unix.AT_EMPTY_PATH | unix.AT_RECURSIVE
	}
	return unix.AT_EMPTY_PATH
}
