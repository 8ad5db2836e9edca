package nsexec

import (
	"fmt"
	"os"
	"strconv"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// UserNamespace returns an fd of a new user namespace with the given
// mappings (for MOUNT_ATTR_IDMAP): rt-init, started in it with
// "--hold-userns", holds it until the fd is open, then exits.
func UserNamespace(uids, gids []specs.LinuxIDMapping) (*os.File, error) {
	exe, err := sealedInit()
	if err != nil {
		return nil, err
	}
	defer exe.Close()
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("idmap: pipe: %w", err)
	}
	defer r.Close()
	defer w.Close()
	attr := &os.ProcAttr{
		Files: []*os.File{r, nil, os.Stderr},
		Env:   []string{},
		Sys: &syscall.SysProcAttr{
			Cloneflags:  unix.CLONE_NEWUSER,
			UidMappings: idMaps(uids), GidMappings: idMaps(gids),
			Pdeathsig: unix.SIGKILL,
		},
	}
	p, err := os.StartProcess("/proc/self/fd/"+strconv.Itoa(int(exe.Fd())), []string{"rt-init", "--hold-userns"}, attr)
	if err != nil {
		return nil, fmt.Errorf("idmap: start a user namespace: %w", err)
	}
	ns, err := os.Open("/proc/" + strconv.Itoa(p.Pid) + "/ns/user")
	w.Close() // the holder exits
	_, _ = p.Wait()
	if err != nil {
		return nil, fmt.Errorf("idmap: open the user namespace: %w", err)
	}
	return ns, nil
}

func idMaps(m []specs.LinuxIDMapping) []syscall.SysProcIDMap {
	out := make([]syscall.SysProcIDMap, 0, len(m))
	for _, e := range m {
		out = append(out, syscall.SysProcIDMap{ContainerID: int(e.ContainerID), HostID: int(e.HostID), Size: int(e.Size)})
	}
	return out
}
