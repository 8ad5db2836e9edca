package integration

// Issue item 6: the container process.

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestProcessArgs(t *testing.T) {
	h := newH(t)
	want := []string{"/probe", "report", "with space", "", `quote'"`, "ünïcode", "--flag=x"}
	rep := h.NewCtr(args(want...)).Report()
	if strings.Join(rep.Args, "\x00") != strings.Join(want, "\x00") {
		t.Errorf("argv %q, want %q", rep.Args, want)
	}
}

func TestProcessArgsPathLookup(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(args("echo", "found", "in", "PATH"), func(s *specs.Spec) {
		s.Process.Env = []string{"PATH=/nowhere:/bin"}
	})
	r := c.MustRun()
	if r.Stdout != "found in PATH\n" {
		t.Errorf("PATH lookup: %s", r)
	}
}

func TestProcessEnv(t *testing.T) {
	h := newH(t)
	env := []string{"PATH=/bin", "FOO=bar baz", "EMPTY=", "MULTI=a=b", "UNICODE=ü"}
	rep := h.NewCtr(func(s *specs.Spec) { s.Process.Env = env }).Report()
	for _, e := range env {
		if !contains(rep.Env, e) {
			t.Errorf("env lacks %q: %q", e, rep.Env)
		}
	}
	// nothing from the runtime's own environment leaks in
	for _, e := range rep.Env {
		k, _, _ := strings.Cut(e, "=")
		if k == "GOFLAGS" || k == "RT_BINARY" || k == "GOPATH" || k == "_" || k == "OLDPWD" {
			t.Errorf("the runtime's environment leaked into the container: %q", e)
		}
	}
}

// runc sets HOME from the user's /etc/passwd entry (or /) when the config's
// env has none; engines and images rely on it.
func TestProcessEnvHome(t *testing.T) {
	h := newH(t)
	rep := h.NewCtr(func(s *specs.Spec) {
		s.Process.Env = []string{"PATH=/bin"}
		s.Process.User = specs.User{UID: 1000, GID: 1000}
	}).Report()
	if v, ok := rep.Getenv("HOME"); !ok || v != "/home/user" {
		t.Errorf("HOME for uid 1000: %q (set %v), want /home/user from /etc/passwd", v, ok)
	}
	rep = h.NewCtr(func(s *specs.Spec) { s.Process.Env = []string{"PATH=/bin", "HOME=/custom"} }).Report()
	if v, _ := rep.Getenv("HOME"); v != "/custom" {
		t.Errorf("an explicit HOME was replaced: %q", v)
	}
}

func TestProcessCwd(t *testing.T) {
	h := newH(t)
	rep := h.NewCtr(func(s *specs.Spec) { s.Process.Cwd = "/home/user" }).Report()
	if rep.Cwd != "/home/user" {
		t.Errorf("cwd %q, want /home/user", rep.Cwd)
	}
}

// runc creates a missing cwd inside the rootfs; rt does the same.
func TestProcessCwdCreated(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(func(s *specs.Spec) { s.Process.Cwd = "/no/such/dir" })
	rep := c.Report()
	if rep.Cwd != "/no/such/dir" {
		t.Errorf("cwd %q, want /no/such/dir", rep.Cwd)
	}
	if st, err := os.Stat(filepath.Join(c.Rootfs, "no/such/dir")); err != nil || !st.IsDir() {
		t.Errorf("the cwd was not created inside the rootfs: %v", err)
	}
}

func TestProcessCwdErrors(t *testing.T) {
	h := newH(t)
	// a path component is a regular file: the cwd can be neither used nor made
	c := h.NewCtr(func(s *specs.Spec) { s.Process.Cwd = "/probe/sub" })
	wantFail(t, c.Run(), "not a directory")
	c.AssertNoLeftovers()

	c = h.NewCtr(func(s *specs.Spec) { s.Process.Cwd = "relative/dir" })
	wantFail(t, c.Run(), "cwd")
	c.AssertNoLeftovers()
}

func TestProcessUser(t *testing.T) {
	h := newH(t)
	umask := uint32(0o027)
	rep := h.NewCtr(func(s *specs.Spec) {
		s.Process.User = specs.User{UID: 1000, GID: 1001, AdditionalGids: []uint32{10, 65534}, Umask: &umask}
	}).Report()
	if rep.Uid != 1000 || rep.Euid != 1000 || rep.Gid != 1001 || rep.Egid != 1001 {
		t.Errorf("uid %d euid %d gid %d egid %d, want 1000 1000 1001 1001", rep.Uid, rep.Euid, rep.Gid, rep.Egid)
	}
	groups := append([]int{}, rep.Groups...)
	sort.Ints(groups)
	if fmt.Sprint(groups) != "[10 65534]" && fmt.Sprint(groups) != "[10 1001 65534]" {
		t.Errorf("supplementary groups %v, want [10 65534]", groups)
	}
	if rep.Umask != "0027" {
		t.Errorf("umask %s, want 0027", rep.Umask)
	}
}

func TestProcessRlimits(t *testing.T) {
	h := newH(t)
	// The Go runtime raises its own RLIMIT_NOFILE soft limit at start-up, so
	// busybox (C) reads that one before the probe starts.
	c := h.NewCtr(func(s *specs.Spec) {
		s.Process.Rlimits = []specs.POSIXRlimit{
			{Type: "RLIMIT_NOFILE", Hard: 512, Soft: 256},
			{Type: "RLIMIT_CORE", Hard: 4096, Soft: 1024},
			{Type: "RLIMIT_NPROC", Hard: 1000, Soft: 900},
			{Type: "RLIMIT_MSGQUEUE", Hard: 8192, Soft: 4096},
		}
	}, sh("echo $(ulimit -Sn) $(ulimit -Hn); exec /probe report"))
	r := c.MustRun()
	first, rest, _ := strings.Cut(r.Stdout, "\n")
	if first != "256 512" {
		t.Errorf("RLIMIT_NOFILE: got %q, want soft 256 hard 512", first)
	}
	rep := decodeReport(t, rest)
	for name, want := range map[string]Rlimit{
		"RLIMIT_CORE": {1024, 4096}, "RLIMIT_NPROC": {900, 1000}, "RLIMIT_MSGQUEUE": {4096, 8192},
	} {
		if got := rep.Rlimits[name]; got != want {
			t.Errorf("%s: got %+v, want %+v", name, got, want)
		}
	}
	if got := rep.Rlimits["RLIMIT_NOFILE"].Hard; got != 512 {
		t.Errorf("RLIMIT_NOFILE hard %d in the probe, want 512", got)
	}
}

func TestProcessRlimitInvalid(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(func(s *specs.Spec) {
		s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_BOGUS", Hard: 1, Soft: 1}}
	})
	wantFail(t, c.Run(), "RLIMIT_BOGUS")
	c.AssertNoLeftovers()
}

func capSets(bnd, eff, prm, inh, amb []string) *specs.LinuxCapabilities {
	return &specs.LinuxCapabilities{Bounding: bnd, Effective: eff, Permitted: prm, Inheritable: inh, Ambient: amb}
}

func sortedCaps(l []string) string {
	l = append([]string{}, l...)
	sort.Strings(l)
	return strings.Join(l, ",")
}

func TestProcessCapabilities(t *testing.T) {
	h := newH(t)
	// A non-root user keeps exactly what the config says when the sets are
	// consistent (ambient ⊆ permitted ∩ inheritable).
	kn := []string{"CAP_KILL", "CAP_NET_BIND_SERVICE"}
	bnd := []string{"CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_CHOWN", "CAP_SETUID"}
	rep := h.NewCtr(func(s *specs.Spec) {
		s.Process.User = specs.User{UID: 1000, GID: 1000}
		s.Process.Capabilities = capSets(bnd, kn, kn, kn, kn)
	}).Report()
	for set, want := range map[string][]string{"bounding": bnd, "effective": kn, "permitted": kn, "inheritable": kn, "ambient": kn} {
		if got := sortedCaps(rep.CapNames[set]); got != sortedCaps(want) {
			t.Errorf("uid 1000 %s: got %s, want %s", set, got, sortedCaps(want))
		}
	}

	// root: no inheritable, no ambient
	three := []string{"CAP_KILL", "CAP_CHOWN", "CAP_AUDIT_WRITE"}
	rep = h.NewCtr(func(s *specs.Spec) {
		s.Process.Capabilities = capSets(three, three, three, nil, nil)
	}).Report()
	for set, want := range map[string][]string{"bounding": three, "effective": three, "permitted": three, "inheritable": nil, "ambient": nil} {
		if got := sortedCaps(rep.CapNames[set]); got != sortedCaps(want) {
			t.Errorf("root %s: got %s, want %s", set, got, sortedCaps(want))
		}
	}

	// no capabilities at all
	rep = h.NewCtr(func(s *specs.Spec) { s.Process.Capabilities = capSets(nil, nil, nil, nil, nil) }).Report()
	for _, set := range []string{"bounding", "effective", "permitted", "inheritable", "ambient"} {
		if len(rep.CapNames[set]) != 0 {
			t.Errorf("empty capabilities: %s is %v", set, rep.CapNames[set])
		}
	}
}

func TestProcessCapabilityUnknown(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(func(s *specs.Spec) {
		s.Process.Capabilities.Bounding = append(s.Process.Capabilities.Bounding, "CAP_BOGUS")
	})
	r := c.Run()
	// runc warns and ignores unknown capabilities; either way the container must
	// not get more than the config asked for
	if r.Code == 0 {
		rep := decodeReport(t, r.Stdout)
		if len(rep.CapNames["bounding"]) > len(c.Spec.Process.Capabilities.Bounding)-1 {
			t.Errorf("bounding set %v", rep.CapNames["bounding"])
		}
	} else {
		wantFail(t, r, "CAP_BOGUS")
	}
}

func TestNoNewPrivileges(t *testing.T) {
	h := newH(t)
	for _, nnp := range []bool{true, false} {
		rep := h.NewCtr(func(s *specs.Spec) { s.Process.NoNewPrivileges = nnp }).Report()
		want := 0
		if nnp {
			want = 1
		}
		if rep.NoNewPrivs != want {
			t.Errorf("noNewPrivileges %v: NoNewPrivs %d", nnp, rep.NoNewPrivs)
		}
	}
}

func TestOomScoreAdj(t *testing.T) {
	h := newH(t)
	own := readString(t, "/proc/self/oom_score_adj")
	// raise only: lowering needs CAP_SYS_RESOURCE, which this machine lacks
	adj := atoi(own) + 500
	if adj > 1000 {
		adj = 1000
	}
	rep := h.NewCtr(func(s *specs.Spec) { s.Process.OOMScoreAdj = &adj }).Report()
	if rep.OomScoreAdj != adj {
		t.Errorf("oom_score_adj %d, want %d", rep.OomScoreAdj, adj)
	}
	if got := readString(t, "/proc/self/oom_score_adj"); got != own {
		t.Errorf("the test process's oom_score_adj changed from %q to %q", own, got)
	}
}

func TestHostnameDomainname(t *testing.T) {
	h := newH(t)
	rep := h.NewCtr(setNS(specs.UTSNamespace, ""), func(s *specs.Spec) {
		s.Hostname = "rt-host"
		s.Domainname = "rt.example"
	}).Report()
	if rep.Hostname != "rt-host" || rep.Domainname != "rt.example" {
		t.Errorf("hostname %q domainname %q", rep.Hostname, rep.Domainname)
	}
	var uts unix.Utsname
	unix.Uname(&uts)
	if unix.ByteSliceToString(uts.Domainname[:]) == "rt.example" {
		t.Errorf("the host's domainname changed")
	}
}

func TestHostnameWithoutUTSNamespace(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(dropNS(specs.UTSNamespace), func(s *specs.Spec) { s.Hostname = "rt-nope" })
	wantFail(t, c.Run(), "hostname")
	c.AssertNoLeftovers()
	if hn, _ := os.Hostname(); hn == "rt-nope" {
		t.Errorf("SECURITY: the host's hostname was changed")
	}
}

func TestSysctl(t *testing.T) {
	h := newH(t)
	hostFwd := readString(t, "/proc/sys/net/ipv4/ip_forward")
	want := "1"
	if strings.TrimSpace(hostFwd) == "1" {
		want = "0"
	}
	rep := h.NewCtr(setNS(specs.NetworkNamespace, ""), setNS(specs.IPCNamespace, ""), func(s *specs.Spec) {
		s.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": want, "kernel.shm_rmid_forced": "1"}
	}, args("/probe", "report", "net.ipv4.ip_forward", "kernel.shm_rmid_forced")).Report()
	if rep.Sysctls["net.ipv4.ip_forward"] != want || rep.Sysctls["kernel.shm_rmid_forced"] != "1" {
		t.Errorf("sysctls %v", rep.Sysctls)
	}
	if got := readString(t, "/proc/sys/net/ipv4/ip_forward"); got != hostFwd {
		t.Errorf("the host's net.ipv4.ip_forward changed from %q to %q", hostFwd, got)
	}
}

func TestPersonality(t *testing.T) {
	h := newH(t)
	rep := h.NewCtr(func(s *specs.Spec) {
		s.Linux.Personality = &specs.LinuxPersonality{Domain: specs.PerLinux32}
	}).Report()
	if rep.Personality&0xff != 0x0008 {
		t.Errorf("personality %#x, want PER_LINUX32 (0x8)", rep.Personality)
	}
}

func TestScheduler(t *testing.T) {
	h := newH(t)
	rep := h.NewCtr(func(s *specs.Spec) {
		s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedBatch, Nice: 7}
	}).Report()
	if rep.Scheduler.Policy != "SCHED_BATCH" || rep.Scheduler.Nice != 7 {
		t.Errorf("scheduler %+v, want SCHED_BATCH nice 7", rep.Scheduler)
	}
}

func TestIOPriority(t *testing.T) {
	h := newH(t)
	rep := h.NewCtr(func(s *specs.Spec) {
		s.Process.IOPriority = &specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_BE, Priority: 6}
	}).Report()
	if rep.IOPrio.Class != "IOPRIO_CLASS_BE" || rep.IOPrio.Level != 6 {
		t.Errorf("ioprio %+v, want IOPRIO_CLASS_BE 6", rep.IOPrio)
	}
}

// consoleReceiver listens on a unix socket like a container engine and
// returns the pty master it receives.
type consoleReceiver struct {
	path string
	got  chan consoleMsg
	ln   *net.UnixListener
}

type consoleMsg struct {
	name   string
	master *os.File
	err    error
}

func newConsoleReceiver(t *testing.T, dir string) *consoleReceiver {
	t.Helper()
	path := filepath.Join(dir, "console.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	cr := &consoleReceiver{path: path, got: make(chan consoleMsg, 1), ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		cr.got <- cr.accept()
	}()
	return cr
}

func (cr *consoleReceiver) accept() consoleMsg {
	cr.ln.SetDeadline(time.Now().Add(cmdTimeout))
	conn, err := cr.ln.AcceptUnix()
	if err != nil {
		return consoleMsg{err: err}
	}
	defer conn.Close()
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4*4))
	n, oobn, flags, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		return consoleMsg{err: err}
	}
	if flags&unix.MSG_CTRUNC != 0 {
		return consoleMsg{err: fmt.Errorf("control message truncated: more than one fd?")}
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return consoleMsg{err: fmt.Errorf("want one control message, got %d (%v)", len(msgs), err)}
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		for _, fd := range fds {
			unix.Close(fd)
		}
		return consoleMsg{err: fmt.Errorf("want exactly one fd, got %d (%v)", len(fds), err)}
	}
	unix.SetNonblock(fds[0], true)
	return consoleMsg{name: string(buf[:n]), master: os.NewFile(uintptr(fds[0]), "pty-master")}
}

// readPty reads from a pty master until the other side is closed.
func readPty(f *os.File, timeout time.Duration) (string, error) {
	var out []byte
	buf := make([]byte, 4096)
	f.SetReadDeadline(time.Now().Add(timeout))
	for {
		n, err := f.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			if strings.Contains(err.Error(), "input/output error") {
				return string(out), nil // the slave side was closed
			}
			return string(out), err
		}
	}
}

func TestTerminalConsoleSocket(t *testing.T) {
	h := newH(t)
	cr := newConsoleReceiver(t, h.Dir)
	c := h.NewCtr(func(s *specs.Spec) {
		s.Process.Terminal = true
		s.Process.ConsoleSize = &specs.Box{Height: 30, Width: 100}
	})
	wantOK(t, c.Create("--console-socket", cr.path))
	var msg consoleMsg
	select {
	case msg = <-cr.got:
	case <-time.After(cmdTimeout):
		t.Fatal("no message on the console socket")
	}
	if msg.err != nil {
		t.Fatalf("console socket: %v", msg.err)
	}
	defer msg.master.Close()
	if msg.name == "" {
		t.Errorf("the console message carries no pty name")
	}
	type result struct {
		out string
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := readPty(msg.master, waitTimeout+cmdTimeout)
		done <- result{out, err}
	}()
	wantOK(t, c.Start())
	res := <-done
	if res.err != nil {
		t.Fatalf("reading the pty: %v (%q)", res.err, res.out)
	}
	rep := decodeReport(t, res.out[strings.Index(res.out, "{"):])
	for _, s := range rep.Stdio {
		if !s.Tty || !strings.HasPrefix(s.Link, "/dev/pts/") {
			t.Errorf("fd %d: want the pty, got %+v", s.Fd, s)
		}
	}
	if rep.Winsize == nil || rep.Winsize.Rows != 30 || rep.Winsize.Cols != 100 {
		t.Errorf("window size %+v, want 30x100", rep.Winsize)
	}
	if s, err := findStat(rep.Devices, "/dev/console"); err != nil || s.Type != "chr" || s.Major != 136 {
		t.Errorf("/dev/console: want the pty (chr 136:N), got %+v %v", s, err)
	}
	c.WaitStatus("stopped")
}

func TestTerminalWithoutConsoleSocket(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(func(s *specs.Spec) { s.Process.Terminal = true })
	wantFail(t, c.Create())
	c.AssertNoLeftovers()
}

func TestPreserveFds(t *testing.T) {
	h := newH(t)
	p := filepath.Join(h.Dir, "preserved.txt")
	writeFile(t, p, "x")
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := h.NewCtr()
	rep := decodeReport(t, c.RunOpts(Opts{ExtraFiles: []*os.File{f}}, "--preserve-fds", "1").Stdout)
	if len(rep.Fds) != 4 || !strings.HasSuffix(rep.Fds["3"], "preserved.txt") {
		t.Errorf("--preserve-fds 1: want fds 0-3 with 3 = preserved.txt, got %v", rep.Fds)
	}
	// without the flag the fd is not passed on
	rep = decodeReport(t, h.NewCtr().RunOpts(Opts{ExtraFiles: []*os.File{f}}).Stdout)
	if len(rep.Fds) != 3 {
		t.Errorf("without --preserve-fds: want fds 0-2, got %v", rep.Fds)
	}
}

func TestListenFds(t *testing.T) {
	h := newH(t)
	var files []*os.File
	for _, n := range []string{"listen-a", "listen-b", "extra-c"} {
		p := filepath.Join(h.Dir, n)
		writeFile(t, p, n)
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		files = append(files, f)
	}
	c := h.NewCtr()
	// LISTEN_PID must be the runtime's own pid: exec it from a shell that sets it.
	r := c.RunOpts(Opts{
		ExtraFiles: files,
		Env:        []string{"LISTEN_FDS=2"},
		Wrap:       []string{"/bin/sh", "-c", `LISTEN_PID=$$ exec "$0" "$@"`},
	}, "--preserve-fds", "1")
	if r.Code != 0 {
		t.Fatalf("run: %s", r)
	}
	rep := decodeReport(t, r.Stdout)
	want := map[string]string{"3": "listen-a", "4": "listen-b", "5": "extra-c"}
	if len(rep.Fds) != 6 {
		t.Errorf("want fds 0-5, got %v", rep.Fds)
	}
	for fd, name := range want {
		if !strings.HasSuffix(rep.Fds[fd], name) {
			t.Errorf("fd %s: want %s, got %q", fd, name, rep.Fds[fd])
		}
	}
	if v, _ := rep.Getenv("LISTEN_FDS"); v != "2" {
		t.Errorf("LISTEN_FDS in the container: %q, want 2", v)
	}
}

func TestNoLeakedFds(t *testing.T) {
	h := newH(t)
	// run
	rep := h.NewCtr().Report()
	if len(rep.Fds) != 3 {
		t.Errorf("run: want exactly fds 0, 1, 2, got %v", rep.Fds)
	}
	// create + start
	c := h.NewCtr()
	c.MustCreate()
	c.MustStart()
	c.WaitStatus("stopped")
	rep = decodeReport(t, readString(t, c.Out))
	if len(rep.Fds) != 3 {
		t.Errorf("create/start: want exactly fds 0, 1, 2, got %v", rep.Fds)
	}
	// and the waiting init holds nothing of the host either (CVE-2024-21626)
	c = h.NewCtr()
	c.MustCreate()
	pid := c.State().Pid
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		p := fmt.Sprintf("/proc/%d/fd/%s", pid, e.Name())
		l, _ := os.Readlink(p)
		st, err := os.Stat(p)
		if err == nil && st.IsDir() || strings.HasPrefix(l, "/sys/fs/cgroup") {
			t.Errorf("the waiting init holds a host directory or cgroup fd: %s -> %s", e.Name(), l)
		}
	}
}

func TestSeccomp(t *testing.T) {
	h := newH(t)
	errno := uint(95) // EOPNOTSUPP: distinctive
	c := h.NewCtr(func(s *specs.Spec) {
		s.Linux.Seccomp = &specs.LinuxSeccomp{
			DefaultAction: specs.ActAllow,
			Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32},
			Syscalls: []specs.LinuxSyscall{{
				Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno, ErrnoRet: &errno,
			}},
		}
	}, sh("/probe mkdir /tmp/blocked; echo rc=$?; exec /probe report"))
	r := c.MustRun()
	if !strings.HasPrefix(r.Stdout, "rc=1\n") || !strings.Contains(r.Stderr, "(errno=95)") {
		t.Errorf("mkdir under seccomp: want errno 95, got %s", r)
	}
	if _, err := os.Stat(filepath.Join(c.Rootfs, "tmp/blocked")); err == nil {
		t.Errorf("the blocked mkdir happened")
	}
	rep := decodeReport(t, strings.TrimPrefix(r.Stdout, "rc=1\n"))
	if rep.Seccomp != 2 {
		t.Errorf("Seccomp mode %d, want 2 (filter)", rep.Seccomp)
	}
}

func TestMissingExecutable(t *testing.T) {
	h := newH(t)
	for _, tc := range []struct {
		arg, want string
	}{
		{"no-such-binary", "executable file not found in $PATH"},
		{"/no/such/binary", "no such file or directory"},
	} {
		c := h.NewCtr(args(tc.arg))
		r := c.Run()
		if r.Code == 0 {
			t.Errorf("run %s succeeded: %s", tc.arg, r)
		}
		if !strings.Contains(r.Out(), tc.want) {
			t.Errorf("run %s: want %q in the error: %s", tc.arg, tc.want, r)
		}
		if !strings.Contains(r.Out(), tc.arg) {
			t.Errorf("run %s: the error does not name the executable: %s", tc.arg, r)
		}
		c.AssertNoLeftovers()
	}
}

func TestNotExecutable(t *testing.T) {
	h := newH(t)
	c := h.NewCtr(args("/etc/passwd"))
	r := c.Run()
	if r.Code == 0 || !strings.Contains(strings.ToLower(r.Out()), "permission denied") {
		t.Errorf("run of a non-executable file: want `permission denied`, got %s", r)
	}
}
