package seccomp

import (
	"fmt"
	"os"

	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// sockFilterSize is sizeof(struct sock_filter).
const sockFilterSize = 8

// maxInsns is BPF_MAXINSNS: the kernel refuses longer programs.
const maxInsns = 4096

// exportBPF returns the filter as raw BPF. libseccomp >= 2.6 exports to
// memory; older versions can only write to a file descriptor, so the program
// goes through a memfd (a pipe would deadlock past its buffer size).
func exportBPF(filter *libseccomp.ScmpFilter) ([]byte, error) {
	bpf, err := filter.ExportBPFMem()
	if err != nil {
		if bpf, err = exportViaMemfd(filter); err != nil {
			return nil, err
		}
	}
	if len(bpf) == 0 || len(bpf)%sockFilterSize != 0 {
		return nil, fmt.Errorf("libseccomp produced %d bytes, not a sock_filter array", len(bpf))
	}
	if len(bpf)/sockFilterSize > maxInsns {
		return nil, fmt.Errorf("program has %d instructions, the kernel takes at most %d",
			len(bpf)/sockFilterSize, maxInsns)
	}
	return bpf, nil
}

func exportViaMemfd(filter *libseccomp.ScmpFilter) ([]byte, error) {
	fd, err := unix.MemfdCreate("rt-seccomp-bpf", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "rt-seccomp-bpf")
	defer f.Close()
	if err := filter.ExportBPF(f); err != nil {
		return nil, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, fmt.Errorf("fstat memfd: %w", err)
	}
	if st.Size > maxInsns*sockFilterSize {
		return nil, fmt.Errorf("program has %d instructions, the kernel takes at most %d",
			st.Size/sockFilterSize, maxInsns)
	}
	buf := make([]byte, st.Size)
	if _, err := f.ReadAt(buf, 0); err != nil { // short reads are errors too
		return nil, fmt.Errorf("read memfd: %w", err)
	}
	return buf, nil
}
