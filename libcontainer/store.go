package libcontainer

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The error texts engines match literally (ENGINE-CONTRACT.md).
var (
	ErrNotExist   = errors.New("container does not exist")
	ErrExist      = errors.New("container with given ID already exists")
	ErrNotRunning = errors.New("container not running")
	ErrRunning    = errors.New("container still running")
	ErrPaused     = errors.New("container paused")
	ErrNotPaused  = errors.New("container not paused")
)

const stateFile = "state.json"

// specFile is the container's config.json as it was created: exec takes
// the container's settings (namespaces, seccomp, default process) from it,
// not from a bundle that may have changed since.
const specFile = "config.json"

// Store is a state root (`--root`): one directory per container.
type Store struct {
	Root string
	// Systemd: the global --systemd-cgroup; containers created through
	// this store get a systemd scope as their cgroup.
	Systemd bool
	// Rootless: rt may lack the rights to make cgroups; without resources
	// to apply, a container then runs in rt's own cgroup (as runc does).
	Rootless bool
}

// handle is a container directory held under an exclusive flock: every
// operation on one id is serialised, different ids never block each other.
type handle struct {
	dir string
	fd  int
}

func (s *Store) path(id string) string { return filepath.Join(s.Root, id) }

// create makes and locks the directory of a new container.
func (s *Store) create(id string) (*handle, error) {
	if err := os.MkdirAll(s.Root, 0o711); err != nil {
		return nil, fmt.Errorf("create state root: %w", err)
	}
	dir := s.path(id)
	if err := unix.Mkdir(dir, 0o700); err != nil {
		if errors.Is(err, unix.EEXIST) {
			return nil, ErrExist
		}
		return nil, fmt.Errorf("create state dir %s: %w", dir, err)
	}
	h, err := s.lock(id)
	if err != nil {
		_ = os.Remove(dir)
	}
	return h, err
}

// lock opens and locks the directory of an existing container.
func (s *Store) lock(id string) (*handle, error) {
	dir := s.path(id)
	for try := 0; ; try++ {
		h, err := lockDir(dir)
		if !errors.Is(err, errReplaced) || try == 100 {
			return h, err
		}
	}
}

// errReplaced: the directory was deleted, and made anew, while we waited.
var errReplaced = errors.New("state dir replaced while waiting for its lock")

func lockDir(dir string) (*handle, error) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil, ErrNotExist
		}
		return nil, fmt.Errorf("open state dir %s: %w", dir, err)
	}
	if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	// While we waited, the directory may have been deleted (and made
	// again by a new create): the lock is only good if fd is still it.
	var held, now unix.Stat_t
	if err := unix.Fstat(fd, &held); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("stat %s: %w", dir, err)
	}
	err = unix.Lstat(dir, &now)
	if err == nil && (held.Dev != now.Dev || held.Ino != now.Ino) {
		err = errReplaced
	} else if errors.Is(err, unix.ENOENT) {
		err = ErrNotExist
	}
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	return &handle{dir: dir, fd: fd}, nil
}

// RemoveStale removes, under its lock, the directory of a container whose
// create died before writing state.json. A live container is left alone.
func (s *Store) RemoveStale(id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	h, err := s.lock(id)
	if err != nil {
		if errors.Is(err, ErrNotExist) {
			return nil
		}
		return err
	}
	defer h.close()
	if _, err := h.readState(); !errors.Is(err, ErrNotExist) {
		return err
	}
	return h.remove()
}

func (h *handle) close() { unix.Close(h.fd) }

// remove deletes the container directory (and its start socket).
func (h *handle) remove() error {
	if err := os.RemoveAll(h.dir); err != nil {
		return fmt.Errorf("remove state dir: %w", err)
	}
	return nil
}

// readState loads state.json; a directory without one belongs to a
// container that never finished creating.
func (h *handle) readState() (*State, error) {
	b, err := os.ReadFile(filepath.Join(h.dir, stateFile))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, ErrNotExist
		}
		return nil, fmt.Errorf("read state: %w", err)
	}
	st := &State{}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("parse %s: %w", filepath.Join(h.dir, stateFile), err)
	}
	// rt writes the bundle from the first state.json on; a file without it
	// is another runtime's (runc's has "id" too): never take it for a
	// stopped container that delete may remove while it runs.
	if st.Bundle == "" || st.ID == "" {
		return nil, fmt.Errorf("%s: not an rt container state (another runtime's state root?)", filepath.Join(h.dir, stateFile))
	}
	return st, nil
}

// writeState replaces state.json atomically (temp file + rename).
func (h *handle) writeState(st *State) error {
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	return writeFileAtomic(filepath.Join(h.dir, stateFile), b, 0o600)
}

// writeSpec saves the config the container was created from.
func (h *handle) writeSpec(s *specs.Spec) error {
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode config: %w", err)
	}
	return writeFileAtomic(filepath.Join(h.dir, specFile), b, 0o600)
}

// readSpec loads the saved config.
func (h *handle) readSpec() (*specs.Spec, error) {
	b, err := os.ReadFile(filepath.Join(h.dir, specFile))
	if err != nil {
		return nil, fmt.Errorf("read the container's config: %w", err)
	}
	s := &specs.Spec{}
	if err := json.Unmarshal(b, s); err != nil {
		return nil, fmt.Errorf("parse %s: %w", filepath.Join(h.dir, specFile), err)
	}
	return s, nil
}

// writeFileAtomic writes name through a temporary file in the same
// directory and renames it into place, so readers never see a partial file.
func writeFileAtomic(name string, data []byte, mode os.FileMode) error {
	tmp := name + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|unix.O_NOFOLLOW, mode)
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// IDs lists the containers in the store, sorted.
func (s *Store) IDs() ([]string, error) {
	ents, err := os.ReadDir(s.Root)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("read state root: %w", err)
	}
	var ids []string
	for _, e := range ents {
		if e.IsDir() {
			ids = append(ids, e.Name())
		}
	}
	sort.Strings(ids)
	return ids, nil
}
