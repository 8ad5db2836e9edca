package libcontainer

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/spec"
)

func TestStoreCreate(t *testing.T) {
	s := newTestStore(t)
	h, err := s.create("c1")
	if err != nil {
		t.Fatal(err)
	}
	defer h.close()
	if h.dir != filepath.Join(s.Root, "c1") {
		t.Errorf("dir %q, want %q", h.dir, filepath.Join(s.Root, "c1"))
	}
	fi, err := os.Lstat(h.dir)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Errorf("state dir mode %v, want drwx------", fi.Mode())
	}
	// The handle holds the lock: nobody else can take it.
	if tryLock(t, h.dir) {
		t.Error("create returned without holding the lock on the state dir")
	}
}

func TestStoreCreateExisting(t *testing.T) {
	s := newTestStore(t)
	h, err := s.create("c1")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.writeState(&State{ID: "c1", Bundle: "/b"}); err != nil {
		t.Fatal(err)
	}
	h.close()

	for i := 0; i < 2; i++ { // locked or not, the answer is the same
		h2, err := s.create("c1")
		if err == nil {
			h2.close()
			t.Fatal("create of an existing id succeeded")
		}
		if err != ErrExist || err.Error() != "container with given ID already exists" {
			t.Fatalf("create of an existing id: %q (%T), want ErrExist", err, err)
		}
		if i == 0 {
			h, err = s.lock("c1")
			if err != nil {
				t.Fatal(err)
			}
			defer h.close()
		}
	}
	// The refused create must leave the existing container alone.
	b, err := os.ReadFile(filepath.Join(s.Root, "c1", stateFile))
	if err != nil || !bytes.Contains(b, []byte(`"bundle":"/b"`)) {
		t.Errorf("existing state.json damaged: %q, %v", b, err)
	}
}

func TestStoreLockMissing(t *testing.T) {
	s := newTestStore(t)
	if _, err := s.lock("nope"); err != ErrNotExist {
		t.Errorf("lock of a missing id (no root): %v, want ErrNotExist", err)
	}
	if err := os.MkdirAll(s.Root, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := s.lock("nope"); err != ErrNotExist {
		t.Errorf("lock of a missing id: %v, want ErrNotExist", err)
	}
	// A symlink in place of a state dir is refused, not followed.
	target := t.TempDir()
	if err := os.Symlink(target, filepath.Join(s.Root, "link")); err != nil {
		t.Fatal(err)
	}
	// (O_NOFOLLOW|O_DIRECTORY on a symlink: ENOTDIR.)
	if h, err := s.lock("link"); err == nil || !(errors.Is(err, unix.ENOTDIR) || errors.Is(err, unix.ELOOP)) {
		if h != nil {
			h.close()
		}
		t.Errorf("lock through a symlink: %v, want ENOTDIR or ELOOP", err)
	}
	if !tryLock(t, target) {
		t.Error("lock through a symlink locked its target")
	}
}

// TestStoreLockSerialises: a second lock() on the same id blocks (in flock)
// until the first handle is closed.
func TestStoreLockSerialises(t *testing.T) {
	s := newTestStore(t)
	h1, err := s.create("c1")
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			h1.close()
		}
	}()

	type result struct {
		h   *handle
		err error
	}
	tidc := make(chan int, 1)
	got := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		tidc <- unix.Gettid()
		h, err := s.lock("c1")
		got <- result{h, err}
	}()
	tid := <-tidc

	// Bounded poll until the goroutine's thread sits in flock(2); while it
	// does, it must not have returned.
	deadline := time.Now().Add(pollTimeout)
	for {
		select {
		case r := <-got:
			if r.h != nil {
				r.h.close()
			}
			t.Fatalf("second lock() returned while the first handle was held: %v", r.err)
		default:
		}
		in, ok := inSyscall(tid, unix.SYS_FLOCK)
		if !ok {
			t.Log("/proc/self/task/<tid>/syscall unavailable: checking only that lock() has not returned")
			break
		}
		if in {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("second lock() never blocked in flock")
		}
		time.Sleep(time.Millisecond)
	}
	select {
	case r := <-got:
		t.Fatalf("second lock() returned while the first handle was held: %v", r.err)
	default:
	}

	h1.close()
	closed = true
	select {
	case r := <-got:
		if r.err != nil {
			t.Fatalf("second lock() after close: %v", r.err)
		}
		defer r.h.close()
		if tryLock(t, r.h.dir) {
			t.Error("second handle does not hold the lock")
		}
	case <-time.After(pollTimeout):
		t.Fatal("second lock() still blocked after the first handle was closed")
	}
}

// TestStoreLoadSerialisesUpdates: concurrent Load/modify/writeState cycles
// on one id lose no update.
func TestStoreLoadSerialisesUpdates(t *testing.T) {
	s := newTestStore(t)
	h, err := s.create("c1")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.writeState(&State{ID: "c1", Bundle: "/b", Annotations: map[string]string{"n": "0"}}); err != nil {
		t.Fatal(err)
	}
	h.close()

	const workers, rounds = 8, 25
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				c, err := s.Load("c1")
				if err != nil {
					errc <- err
					return
				}
				n, _ := strconv.Atoi(c.State.Annotations["n"])
				runtime.Gosched() // widen the read-modify-write window
				c.State.Annotations["n"] = strconv.Itoa(n + 1)
				err = c.h.writeState(c.State)
				c.Close()
				if err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	c, err := s.Load("c1")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := c.State.Annotations["n"]; got != strconv.Itoa(workers*rounds) {
		t.Errorf("counter %s after %d serialised increments: updates were lost", got, workers*rounds)
	}
}

func TestStoreDifferentIDsDontBlock(t *testing.T) {
	s := newTestStore(t)
	ha, err := s.create("a")
	if err != nil {
		t.Fatal(err)
	}
	defer ha.close()
	hb, err := s.create("b")
	if err != nil {
		t.Fatal(err)
	}
	hb.close()

	got := make(chan error, 1)
	go func() {
		h, err := s.lock("b")
		if err == nil {
			h.close()
		}
		got <- err
	}()
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(pollTimeout):
		t.Fatal("lock(b) blocked while only a was locked")
	}
	// And creating a third id while a is held doesn't block either.
	go func() {
		h, err := s.create("c")
		if err == nil {
			h.close()
		}
		got <- err
	}()
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(pollTimeout):
		t.Fatal("create(c) blocked while a was locked")
	}
	if tryLock(t, ha.dir) {
		t.Error("lock on a was lost")
	}
}

func TestStoreIDs(t *testing.T) {
	s := newTestStore(t)
	ids, err := s.IDs()
	if err != nil || ids != nil {
		t.Fatalf("IDs of a missing root: %v, %v; want nil, nil", ids, err)
	}
	for _, id := range []string{"zeta", "alpha", "Beta", "m-1", "m.2", "creating"} {
		h, err := s.create(id)
		if err != nil {
			t.Fatal(err)
		}
		if id != "creating" {
			if err := h.writeState(&State{ID: id, Bundle: "/b"}); err != nil {
				t.Fatal(err)
			}
		}
		h.close()
	}
	// Files and symlinks (even to directories) are not containers.
	if err := os.WriteFile(filepath.Join(s.Root, "afile"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(s.Root, "alpha"), filepath.Join(s.Root, "alink")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/nonexistent", filepath.Join(s.Root, "dangling")); err != nil {
		t.Fatal(err)
	}
	ids, err = s.IDs()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Beta", "alpha", "creating", "m-1", "m.2", "zeta"} // byte order
	if !reflect.DeepEqual(ids, want) {
		t.Errorf("IDs() = %q, want %q", ids, want)
	}
	if !slices.IsSorted(ids) {
		t.Errorf("IDs() not sorted: %q", ids)
	}
}

func TestReadStateWithoutStateFile(t *testing.T) {
	s := newTestStore(t)
	h, err := s.create("c1")
	if err != nil {
		t.Fatal(err)
	}
	st, err := h.readState()
	h.close()
	if err != ErrNotExist || st != nil {
		t.Fatalf("readState without state.json: %v, %v; want nil, ErrNotExist", st, err)
	}
	// Load reports the same and does not keep the lock.
	if c, err := s.Load("c1"); err != ErrNotExist {
		if c != nil {
			c.Close()
		}
		t.Fatalf("Load without state.json: %v, want ErrNotExist", err)
	}
	if !tryLock(t, filepath.Join(s.Root, "c1")) {
		t.Error("a failed Load kept the lock")
	}
}

func TestLoadErrors(t *testing.T) {
	s := newTestStore(t)
	if _, err := s.Load("missing"); err != ErrNotExist {
		t.Errorf("Load(missing): %v, want ErrNotExist", err)
	}
	for _, id := range []string{"", "..", "a/b", "../x"} {
		if _, err := s.Load(id); err == nil ||
			!(errors.Is(err, spec.ErrInvalidID) || errors.Is(err, spec.ErrEmptyID)) {
			t.Errorf("Load(%q): %v, want an invalid id error", id, err)
		}
	}
	// A corrupt state.json is an error of its own, not "does not exist".
	h, err := s.create("bad")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(h.dir, stateFile)
	if err := os.WriteFile(path, []byte(`{"id":`), 0o600); err != nil {
		t.Fatal(err)
	}
	h.close()
	_, err = s.Load("bad")
	if err == nil || errors.Is(err, ErrNotExist) || !strings.Contains(err.Error(), "parse "+path) {
		t.Errorf("Load with a corrupt state.json: %v", err)
	}
}

func TestWriteStateRoundTrip(t *testing.T) {
	s := newTestStore(t)
	h, err := s.create("c1")
	if err != nil {
		t.Fatal(err)
	}
	defer h.close()
	in := &State{
		OCIVersion: "1.2.0", ID: "c1", Pid: 1234, PidStartTime: 987654321, Bundle: "/b", Rootfs: "/b/rootfs",
		Created:     time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC),
		Annotations: map[string]string{"k": "v"}, CgroupPaths: map[string]string{"": "/sys/fs/cgroup/rt/c1"},
		SharedPidNS: true, Terminal: true,
	}
	if err := h.writeState(in); err != nil {
		t.Fatal(err)
	}
	out, err := h.readState()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("round trip:\n got %+v\nwant %+v", out, in)
	}
	fi, err := os.Stat(filepath.Join(h.dir, stateFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("state.json mode %v, want 0600", fi.Mode().Perm())
	}
	assertOnlyFiles(t, h.dir, stateFile)
}

// assertOnlyFiles checks dir holds exactly names (no temporary leftovers).
func assertOnlyFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	slices.Sort(names)
	if !slices.Equal(got, names) {
		t.Errorf("%s holds %q, want exactly %q", dir, got, names)
	}
}

// TestWriteStateAtomic: a reader looping over state.json while it is
// rewritten with states of very different sizes only ever sees one of the
// complete versions.
func TestWriteStateAtomic(t *testing.T) {
	s := newTestStore(t)
	h, err := s.create("c1")
	if err != nil {
		t.Fatal(err)
	}
	defer h.close()
	small := &State{ID: "c1", Bundle: "small"}
	big := &State{ID: "c1", Bundle: "big", Annotations: map[string]string{}}
	for i := 0; i < 2000; i++ {
		big.Annotations["key"+strconv.Itoa(i)] = strings.Repeat("v", 64)
	}
	if err := h.writeState(small); err != nil {
		t.Fatal(err)
	}

	path := filepath.Join(h.dir, stateFile)
	done := make(chan struct{})
	type report struct {
		reads int
		err   error
	}
	rc := make(chan report, 1)
	go func() {
		n := 0
		for {
			select {
			case <-done:
				rc <- report{n, nil}
				return
			default:
			}
			b, err := os.ReadFile(path)
			if err != nil {
				rc <- report{n, err}
				return
			}
			var st State
			if err := json.Unmarshal(b, &st); err != nil {
				rc <- report{n, errors.New("partial state.json (" + strconv.Itoa(len(b)) + " bytes): " + err.Error())}
				return
			}
			if (st.Bundle == "small" && len(st.Annotations) != 0) || (st.Bundle == "big" && len(st.Annotations) != 2000) {
				rc <- report{n, errors.New("mixed state.json: bundle " + st.Bundle)}
				return
			}
			n++
		}
	}()
	var werr error
	for i := 0; i < 300 && werr == nil; i++ {
		if i%2 == 0 {
			werr = h.writeState(big)
		} else {
			werr = h.writeState(small)
		}
	}
	close(done)
	r := <-rc
	if werr != nil {
		t.Fatal(werr)
	}
	if r.err != nil {
		t.Fatalf("reader after %d good reads: %v", r.reads, r.err)
	}
	if r.reads == 0 {
		t.Fatal("reader never completed a read")
	}
	t.Logf("%d consistent reads during 300 writes", r.reads)
	assertOnlyFiles(t, h.dir, stateFile)
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "pid")

	// A stale temporary file from an interrupted write is replaced.
	if err := os.WriteFile(name+".tmp", []byte("garbage that is longer"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := writeFileAtomic(name, []byte("42"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(name); err != nil || string(b) != "42" {
		t.Errorf("content %q, %v; want 42", b, err)
	}
	assertOnlyFiles(t, dir, "pid")

	// Replacing keeps readers of the old inode consistent: the old file is
	// renamed over, not truncated.
	old, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if err := writeFileAtomic(name, []byte("4242"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(name); err != nil || string(b) != "4242" {
		t.Errorf("content %q, %v; want 4242", b, err)
	}
	buf := make([]byte, 16)
	if n, _ := old.ReadAt(buf, 0); string(buf[:n]) != "42" {
		t.Errorf("the old file was modified in place: %q", buf[:n])
	}
	assertOnlyFiles(t, dir, "pid")

	// A symlink at the temporary name is not followed.
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, name+".tmp"); err != nil {
		t.Fatal(err)
	}
	if err := writeFileAtomic(name, []byte("1"), 0o644); err == nil || !errors.Is(err, unix.ELOOP) {
		t.Errorf("write through a symlinked temp file: %v, want ELOOP", err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("symlink target written: %q", b)
	}
	if b, _ := os.ReadFile(name); string(b) != "4242" {
		t.Errorf("failed write changed the file: %q", b)
	}

	// A symlink at the final name is replaced, its target untouched.
	name2 := filepath.Join(dir, "linked")
	if err := os.Symlink(victim, name2); err != nil {
		t.Fatal(err)
	}
	if err := writeFileAtomic(name2, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(name2); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("%s is not a regular file after the write: %v", name2, err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("symlink target written: %q", b)
	}

	// Errors name the file and leave nothing behind.
	missing := filepath.Join(dir, "nodir", "f")
	if err := writeFileAtomic(missing, []byte("x"), 0o644); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("write into a missing dir: %v", err)
	}
}

// knownBug skips a regression test for a reported, not yet fixed bug unless
// RT_TEST_KNOWN_BUGS=1.
func knownBug(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("RT_TEST_KNOWN_BUGS") != "1" {
		t.Skip("known bug (RT_TEST_KNOWN_BUGS=1 runs it): " + what)
	}
}

// waitInFlock waits until thread tid blocks in flock(2) and checks the
// goroutine behind it has not returned.
func waitInFlock[T any](t *testing.T, tid int, got chan T) {
	t.Helper()
	deadline := time.Now().Add(pollTimeout)
	for {
		select {
		case <-got:
			t.Fatal("lock() returned while the directory was locked")
		default:
		}
		in, ok := inSyscall(tid, unix.SYS_FLOCK)
		if !ok {
			t.Skip("/proc/self/task/<tid>/syscall unavailable")
		}
		if in {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("lock() never blocked in flock")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestStoreLockReplacedDir: a lock() that waited on a directory which was
// deleted and re-created under the same id (delete, then create of the same
// id) must not hand out a handle on the dead directory: its path-based reads
// would then see the new container without holding that container's lock.
func TestStoreLockReplacedDir(t *testing.T) {
	s := newTestStore(t)
	hA, err := s.create("x")
	if err != nil {
		t.Fatal(err)
	}
	if err := hA.writeState(&State{ID: "x", Bundle: "old"}); err != nil {
		t.Fatal(err)
	}
	type result struct {
		c   *Container
		err error
	}
	tidc := make(chan int, 1)
	got := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		tidc <- unix.Gettid()
		c, err := s.Load("x") // e.g. a retried `rt delete x`
		got <- result{c, err}
	}()
	waitInFlock(t, <-tidc, got)
	if err := hA.remove(); err != nil { // A deletes x ...
		t.Fatal(err)
	}
	hC, err := s.create("x") // ... and C creates a new x, holding its lock
	if err != nil {
		t.Fatal(err)
	}
	if err := hC.writeState(&State{ID: "x", Bundle: "new"}); err != nil {
		t.Fatal(err)
	}
	hA.close()
	// Either Load returns (the bug) or it queues on C's lock, which
	// /proc/locks shows as a blocked waiter on the new directory's inode.
	deadline := time.Now().Add(pollTimeout)
	for !flockWaiterOn(t, hC.dir) {
		select {
		case r := <-got:
			if r.c != nil {
				defer r.c.Close()
				t.Fatalf("Load returned bundle %q while C holds the lock of <root>/x", r.c.State.Bundle)
			}
			t.Fatalf("Load returned %v while C holds the lock of <root>/x", r.err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("Load neither returned nor waited for the new directory's lock")
		}
		time.Sleep(time.Millisecond)
	}
	hC.close()
	r := <-got
	if r.err != nil {
		t.Fatal(r.err)
	}
	defer r.c.Close()
	if r.c.State.Bundle != "new" || tryLock(t, filepath.Join(s.Root, "x")) {
		t.Errorf("Load after C finished: bundle %q, holding the lock of <root>/x: %v",
			r.c.State.Bundle, !tryLock(t, filepath.Join(s.Root, "x")))
	}
}

// flockWaiterOn reports whether /proc/locks shows a blocked flock waiter
// ("->") on the inode of path.
func flockWaiterOn(t *testing.T, path string) bool {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("/proc/locks")
	if err != nil {
		t.Skipf("/proc/locks: %v", err)
	}
	want := ":" + strconv.FormatUint(st.Ino, 10)
	for _, ln := range strings.Split(string(b), "\n") {
		f := strings.Fields(ln)
		if len(f) < 7 || f[1] != "->" || f[2] != "FLOCK" {
			continue
		}
		if strings.HasSuffix(f[6], want) {
			return true
		}
	}
	return false
}

// A state dir another runtime made (runc's state.json also has "id") is
// not taken for a stopped rt container: load, peek and delete refuse it.
func TestStoreRefusesForeignState(t *testing.T) {
	s := newTestStore(t)
	dir := filepath.Join(s.Root, "rc")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	runcState := `{"id":"rc","init_process_pid":4242,"init_process_start":1,"created":"2026-11-28T00:00:00Z","config":{}}`
	if err := os.WriteFile(filepath.Join(dir, stateFile), []byte(runcState), 0o600); err != nil {
		t.Fatal(err)
	}
	if c, err := s.Load("rc"); err == nil {
		c.Close()
		t.Error("Load accepted runc's state.json")
	}
	c, err := s.Peek("rc")
	if err == nil {
		c.Close()
		t.Error("Peek accepted runc's state.json")
	} else if !strings.Contains(err.Error(), "not an rt container state") {
		t.Errorf("error %v, want it to say the state is not rt's", err)
	}
	if _, err := os.Stat(filepath.Join(dir, stateFile)); err != nil {
		t.Errorf("the foreign state was touched: %v", err)
	}
}
