// Command probe runs inside a container and reports what it sees.
//
// It is built static (CGO_ENABLED=0) by the integration tests and copied to
// /probe in every test rootfs. It depends on nothing in the container: no
// libc, no /etc, no shell.
//
//	probe report [SYSCTL...]   one JSON object (see Report) on stdout; every
//	                           argument is a sysctl name (net.ipv4.ip_forward)
//	probe fds                  the open fds as a JSON object {"0": "pipe:[1]"}
//	probe exit N               exit with status N
//	probe sleep [SECONDS]      sleep (forever without an argument)
//	probe write PATH CONTENT   create/truncate PATH and write CONTENT
//	probe read PATH            print the content of PATH
//	probe mkdir PATH           mkdir PATH (0755)
//	probe signal-wait [FILE]   print "ready", then the name of every signal
//	                           received, one a line (to FILE when given,
//	                           appending); exit 0 after SIGTERM
//	probe stat PATH...         a JSON array of lstat results
//	probe ls PATH              a JSON array of the sorted names in PATH
//	probe pty                  open /dev/ptmx, unlock it, print the pts path
//
// Note that the Go runtime raises its own RLIMIT_NOFILE soft limit to the
// hard limit minus one at start-up: the reported soft NOFILE is not what the
// runtime set (read it with busybox `ulimit -Sn` before exec'ing the probe).
//
// A failing operation prints `probe: OP PATH: ERROR (errno=N)` on stderr and
// exits 1, so tests can check the errno a syscall returned.
//
// Careful: the fd listing must run before anything opens a file through the
// os package, because that starts the Go netpoller (an epoll fd and an
// eventfd) which would then show up in the list. Everything in this file
// reads files with raw syscalls. For the same reason the binary turns off
// the Go 1.25+ cgroup-aware GOMAXPROCS, which keeps cpu.cfs_quota_us and
// cpu.cfs_period_us open for the life of the process.
//
//go:debug containermaxprocs=0
//go:debug updatemaxprocs=0
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: probe report|notify|fds|exit|sleep|write|read|mkdir|signal-wait|stat|ls|pty ...")
		os.Exit(2)
	}
	cmd, args := os.Args[1], os.Args[2:]
	switch cmd {
	case "report":
		printJSON(collect(args))
	case "notify": // sd_notify: send args[0] (e.g. READY=1) to $NOTIFY_SOCKET
		need(args, 1)
		sock := os.Getenv("NOTIFY_SOCKET")
		fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err == nil {
			err = unix.Sendto(fd, []byte(args[0]), 0, &unix.SockaddrUnix{Name: sock})
		}
		if err != nil {
			fail("notify", sock, err)
		}
	case "fds":
		fds, err := listFds()
		if err != nil {
			fail("fds", "/proc/self/fd", err)
		}
		printJSON(fds)
	case "exit":
		n := 0
		if len(args) > 0 {
			n, _ = strconv.Atoi(args[0])
		}
		os.Exit(n)
	case "sleep":
		d := time.Duration(1<<62 - 1)
		if len(args) > 0 {
			f, err := strconv.ParseFloat(args[0], 64)
			if err != nil {
				fail("sleep", args[0], err)
			}
			d = time.Duration(f * float64(time.Second))
		}
		time.Sleep(d)
	case "write":
		need(args, 2)
		if err := writeFile(args[0], args[1]); err != nil {
			fail("write", args[0], err)
		}
	case "read":
		need(args, 1)
		b, err := readFile(args[0])
		if err != nil {
			fail("read", args[0], err)
		}
		os.Stdout.Write(b)
	case "mkdir":
		need(args, 1)
		if err := unix.Mkdir(args[0], 0o755); err != nil {
			fail("mkdir", args[0], err)
		}
	case "signal-wait":
		signalWait(args)
	case "stat":
		var out []Stat
		for _, p := range args {
			out = append(out, statPath(p))
		}
		printJSON(out)
	case "ls":
		need(args, 1)
		names, err := readDirNames(args[0])
		if err != nil {
			fail("ls", args[0], err)
		}
		printJSON(names)
	case "pty":
		name, err := openPty()
		if err != nil {
			fail("pty", "/dev/ptmx", err)
		}
		fmt.Println(name)
	default:
		fmt.Fprintf(os.Stderr, "probe: unknown command %q\n", cmd)
		os.Exit(2)
	}
}

func need(args []string, n int) {
	if len(args) < n {
		fmt.Fprintf(os.Stderr, "probe: %s needs %d arguments\n", os.Args[1], n)
		os.Exit(2)
	}
}

func fail(op, path string, err error) {
	errno := 0
	var e unix.Errno
	if errors.As(err, &e) {
		errno = int(e)
	}
	fmt.Fprintf(os.Stderr, "probe: %s %s: %v (errno=%d)\n", op, path, err, errno)
	os.Exit(1)
}

func printJSON(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		fmt.Fprintln(os.Stderr, "probe: json:", err)
		os.Exit(1)
	}
	b = append(b, '\n')
	for len(b) > 0 {
		n, err := unix.Write(1, b)
		if err == unix.EINTR || err == unix.EAGAIN {
			continue
		}
		if err != nil {
			os.Exit(1)
		}
		b = b[n:]
	}
}

// ---- raw file helpers (no netpoller) ----

func retryEINTR(f func() error) error {
	for {
		if err := f(); !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

func readFile(path string) ([]byte, error) {
	var fd int
	err := retryEINTR(func() (err error) {
		fd, err = unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	var out []byte
	buf := make([]byte, 64*1024)
	for {
		n, err := unix.Read(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return out, err
		}
		if n == 0 {
			return out, nil
		}
		out = append(out, buf[:n]...)
	}
}

func writeFile(path, content string) error {
	var fd int
	err := retryEINTR(func() (err error) {
		fd, err = unix.Open(path, unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC|unix.O_CLOEXEC, 0o644)
		return err
	})
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	b := []byte(content)
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

func appendFile(path, content string) error {
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_CREAT|unix.O_APPEND|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	_, err = unix.Write(fd, []byte(content))
	return err
}

func readDirNames(path string) ([]string, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	return direntNames(fd)
}

func direntNames(fd int) ([]string, error) {
	names := []string{}
	buf := make([]byte, 32*1024)
	for {
		n, err := unix.Getdents(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n == 0 {
			break
		}
		_, _, got := unix.ParseDirent(buf[:n], -1, nil)
		for _, name := range got {
			if name != "." && name != ".." {
				names = append(names, name)
			}
		}
	}
	sort.Strings(names)
	return names, nil
}

func readlink(path string) (string, error) {
	buf := make([]byte, 4096)
	n, err := unix.Readlink(path, buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

func readTrim(path string) (string, error) {
	b, err := readFile(path)
	return strings.TrimSpace(string(b)), err
}

// ---- report ----

// Report is what `probe report` prints. The integration tests decode it into
// a copy of this type; keep the JSON names stable.
type Report struct {
	Pid           int                 `json:"pid"`
	Ppid          int                 `json:"ppid"`
	Uid           int                 `json:"uid"`
	Gid           int                 `json:"gid"`
	Euid          int                 `json:"euid"`
	Egid          int                 `json:"egid"`
	Groups        []int               `json:"groups"`
	Umask         string              `json:"umask"`
	Cwd           string              `json:"cwd"`
	Hostname      string              `json:"hostname"`
	Domainname    string              `json:"domainname"`
	Caps          map[string]string   `json:"caps"`     // inheritable/permitted/effective/bounding/ambient -> hex
	CapNames      map[string][]string `json:"capNames"` // the same, decoded to CAP_* names
	NoNewPrivs    int                 `json:"noNewPrivs"`
	Seccomp       int                 `json:"seccomp"`
	Rlimits       map[string]Rlimit   `json:"rlimits"`
	OomScoreAdj   int                 `json:"oomScoreAdj"`
	Fds           map[string]string   `json:"fds"`
	Namespaces    map[string]string   `json:"namespaces"`
	Mountinfo     []string            `json:"mountinfo"`
	Env           []string            `json:"env"`
	Args          []string            `json:"args"`
	Sysctls       map[string]string   `json:"sysctls"`
	Devices       []Stat              `json:"devices"`
	Stdio         []Stdio             `json:"stdio"`
	Winsize       *Winsize            `json:"winsize,omitempty"`
	Personality   int                 `json:"personality"`
	Scheduler     Scheduler           `json:"scheduler"`
	IOPrio        IOPrio              `json:"ioprio"`
	Clocks        map[string]float64  `json:"clocks"` // monotonic, boottime, realtime, uptime (seconds)
	TimensOffsets string              `json:"timensOffsets"`
	UidMap        string              `json:"uidMap"`
	GidMap        string              `json:"gidMap"`
	Setgroups     string              `json:"setgroups"`
	Cgroup        []string            `json:"cgroup"`
	Interfaces    []string            `json:"interfaces"`
	SessionKey    int                 `json:"sessionKeyring"`
	SessionKeyDsc string              `json:"sessionKeyringDesc"`
	Status        map[string]string   `json:"status"` // selected /proc/self/status lines
	Errors        map[string]string   `json:"errors,omitempty"`
}

type Rlimit struct {
	Soft uint64 `json:"soft"`
	Hard uint64 `json:"hard"`
}

type Stat struct {
	Path   string `json:"path"`
	Type   string `json:"type"` // reg dir lnk chr blk fifo sock
	Mode   string `json:"mode"` // permission bits incl. suid/sgid/sticky, octal "0644"
	Major  uint32 `json:"major"`
	Minor  uint32 `json:"minor"`
	Uid    uint32 `json:"uid"`
	Gid    uint32 `json:"gid"`
	Size   int64  `json:"size"`
	Target string `json:"target,omitempty"` // symlink target
	Error  string `json:"error,omitempty"`
	Errno  int    `json:"errno,omitempty"`
}

type Stdio struct {
	Fd   int    `json:"fd"`
	Type string `json:"type"`
	Link string `json:"link"`
	Tty  bool   `json:"tty"`
}

type Winsize struct {
	Rows uint16 `json:"rows"`
	Cols uint16 `json:"cols"`
}

type Scheduler struct {
	Policy   string `json:"policy"`
	Nice     int32  `json:"nice"`
	Priority uint32 `json:"priority"`
	Flags    uint64 `json:"flags"`
}

type IOPrio struct {
	Class string `json:"class"`
	Level int    `json:"level"`
}

var capNames = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
	"CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
	"CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
}

var rlimitNames = map[int]string{
	unix.RLIMIT_CPU: "RLIMIT_CPU", unix.RLIMIT_FSIZE: "RLIMIT_FSIZE", unix.RLIMIT_DATA: "RLIMIT_DATA",
	unix.RLIMIT_STACK: "RLIMIT_STACK", unix.RLIMIT_CORE: "RLIMIT_CORE", unix.RLIMIT_RSS: "RLIMIT_RSS",
	unix.RLIMIT_NPROC: "RLIMIT_NPROC", unix.RLIMIT_NOFILE: "RLIMIT_NOFILE",
	unix.RLIMIT_MEMLOCK: "RLIMIT_MEMLOCK", unix.RLIMIT_AS: "RLIMIT_AS", unix.RLIMIT_LOCKS: "RLIMIT_LOCKS",
	unix.RLIMIT_SIGPENDING: "RLIMIT_SIGPENDING", unix.RLIMIT_MSGQUEUE: "RLIMIT_MSGQUEUE",
	unix.RLIMIT_NICE: "RLIMIT_NICE", unix.RLIMIT_RTPRIO: "RLIMIT_RTPRIO", unix.RLIMIT_RTTIME: "RLIMIT_RTTIME",
}

var schedPolicies = map[uint32]string{
	0: "SCHED_OTHER", 1: "SCHED_FIFO", 2: "SCHED_RR", 3: "SCHED_BATCH", 5: "SCHED_IDLE", 6: "SCHED_DEADLINE",
}

var ioprioClasses = map[int]string{0: "IOPRIO_CLASS_NONE", 1: "IOPRIO_CLASS_RT", 2: "IOPRIO_CLASS_BE", 3: "IOPRIO_CLASS_IDLE"}

func collect(sysctls []string) *Report {
	r := &Report{Errors: map[string]string{}}
	seterr := func(what string, err error) {
		if err != nil {
			r.Errors[what] = err.Error()
		}
	}
	// First, before anything can open a file: the fd table.
	fds, err := listFds()
	seterr("fds", err)
	r.Fds = fds

	r.Pid, r.Ppid = os.Getpid(), os.Getppid()
	r.Uid, r.Gid, r.Euid, r.Egid = unix.Getuid(), unix.Getgid(), unix.Geteuid(), unix.Getegid()
	r.Groups, err = unix.Getgroups()
	seterr("groups", err)
	if r.Groups == nil {
		r.Groups = []int{}
	}
	m := unix.Umask(0)
	unix.Umask(m)
	r.Umask = fmt.Sprintf("%04o", m)
	r.Cwd, err = unix.Getwd()
	seterr("cwd", err)

	var uts unix.Utsname
	seterr("uname", unix.Uname(&uts))
	r.Hostname = unix.ByteSliceToString(uts.Nodename[:])
	r.Domainname = unix.ByteSliceToString(uts.Domainname[:])

	status, err := readFile("/proc/self/status")
	seterr("status", err)
	r.Status = map[string]string{}
	r.Caps, r.CapNames = map[string]string{}, map[string][]string{}
	capKeys := map[string]string{"CapInh": "inheritable", "CapPrm": "permitted", "CapEff": "effective", "CapBnd": "bounding", "CapAmb": "ambient"}
	for _, line := range strings.Split(string(status), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "NoNewPrivs":
			r.NoNewPrivs, _ = strconv.Atoi(v)
		case "Seccomp":
			r.Seccomp, _ = strconv.Atoi(v)
		case "Seccomp_filters", "NSpid", "NSpgid", "NSsid", "SigCgt", "SigIgn", "SigBlk", "Groups", "Uid", "Gid", "State", "Threads", "Speculation_Store_Bypass":
			r.Status[k] = v
		}
		if name, ok := capKeys[k]; ok {
			r.Caps[name] = v
			bits, _ := strconv.ParseUint(v, 16, 64)
			names := []string{}
			for i := 0; i < 64; i++ {
				if bits&(1<<uint(i)) == 0 {
					continue
				}
				if i < len(capNames) {
					names = append(names, capNames[i])
				} else {
					names = append(names, fmt.Sprintf("CAP_%d", i))
				}
			}
			r.CapNames[name] = names
		}
	}

	r.Rlimits = map[string]Rlimit{}
	for res, name := range rlimitNames {
		var l unix.Rlimit
		if err := unix.Prlimit(0, res, nil, &l); err != nil {
			seterr(name, err)
			continue
		}
		r.Rlimits[name] = Rlimit{Soft: l.Cur, Hard: l.Max}
	}

	oom, err := readTrim("/proc/self/oom_score_adj")
	seterr("oom_score_adj", err)
	r.OomScoreAdj, _ = strconv.Atoi(oom)

	r.Namespaces = map[string]string{}
	nsNames, err := readDirNames("/proc/self/ns")
	seterr("ns", err)
	for _, n := range nsNames {
		if n == "." || n == ".." {
			continue
		}
		l, err := readlink("/proc/self/ns/" + n)
		if err != nil {
			seterr("ns/"+n, err)
			continue
		}
		r.Namespaces[n] = l
	}

	mi, err := readFile("/proc/self/mountinfo")
	seterr("mountinfo", err)
	r.Mountinfo = splitLines(string(mi))

	r.Env = os.Environ()
	r.Args = os.Args

	r.Sysctls = map[string]string{}
	for _, s := range sysctls {
		v, err := readTrim("/proc/sys/" + strings.ReplaceAll(s, ".", "/"))
		if err != nil {
			v = "error: " + err.Error()
		}
		r.Sysctls[s] = v
	}

	r.Devices = []Stat{}
	walkDev("/dev", 0, &r.Devices)

	for fd := 0; fd < 3; fd++ {
		r.Stdio = append(r.Stdio, stdioInfo(fd))
	}
	if ws, err := unix.IoctlGetWinsize(0, unix.TIOCGWINSZ); err == nil {
		r.Winsize = &Winsize{Rows: ws.Row, Cols: ws.Col}
	}

	p, _, errno := unix.RawSyscall(unix.SYS_PERSONALITY, 0xffffffff, 0, 0)
	if errno != 0 {
		seterr("personality", errno)
	}
	r.Personality = int(p)

	if attr, err := unix.SchedGetAttr(0, 0); err == nil {
		r.Scheduler = Scheduler{Policy: schedPolicies[attr.Policy], Nice: attr.Nice, Priority: attr.Priority, Flags: attr.Flags}
		if r.Scheduler.Policy == "" {
			r.Scheduler.Policy = strconv.Itoa(int(attr.Policy))
		}
	} else {
		seterr("sched_getattr", err)
	}

	// ioprio_get(IOPRIO_WHO_PROCESS, 0)
	prio, _, errno := unix.RawSyscall(unix.SYS_IOPRIO_GET, 1, 0, 0)
	if errno != 0 {
		seterr("ioprio_get", errno)
	} else {
		class := int(prio) >> 13
		r.IOPrio = IOPrio{Class: ioprioClasses[class], Level: int(prio) & 0x1fff}
		if r.IOPrio.Class == "" {
			r.IOPrio.Class = strconv.Itoa(class)
		}
	}

	r.Clocks = map[string]float64{}
	for name, id := range map[string]int32{"monotonic": unix.CLOCK_MONOTONIC, "boottime": unix.CLOCK_BOOTTIME, "realtime": unix.CLOCK_REALTIME} {
		var ts unix.Timespec
		if err := unix.ClockGettime(id, &ts); err != nil {
			seterr("clock_"+name, err)
			continue
		}
		r.Clocks[name] = float64(ts.Sec) + float64(ts.Nsec)/1e9
	}
	if up, err := readTrim("/proc/uptime"); err == nil {
		f, _ := strconv.ParseFloat(strings.Fields(up + " 0")[0], 64)
		r.Clocks["uptime"] = f
	} else {
		seterr("uptime", err)
	}
	r.TimensOffsets, _ = readTrim("/proc/self/timens_offsets")
	r.UidMap, _ = readTrim("/proc/self/uid_map")
	r.GidMap, _ = readTrim("/proc/self/gid_map")
	r.Setgroups, _ = readTrim("/proc/self/setgroups")
	cg, err := readFile("/proc/self/cgroup")
	seterr("cgroup", err)
	r.Cgroup = splitLines(string(cg))

	r.Interfaces = []string{}
	if ifs, err := net.Interfaces(); err == nil {
		for _, i := range ifs {
			r.Interfaces = append(r.Interfaces, i.Name)
		}
	} else {
		seterr("interfaces", err)
	}

	if id, err := unix.KeyctlGetKeyringID(unix.KEY_SPEC_SESSION_KEYRING, false); err == nil {
		r.SessionKey = id
		r.SessionKeyDsc, _ = unix.KeyctlString(unix.KEYCTL_DESCRIBE, id)
	} else {
		seterr("keyctl", err)
	}
	if len(r.Errors) == 0 {
		r.Errors = nil
	}
	return r
}

func splitLines(s string) []string {
	out := []string{}
	for _, l := range strings.Split(s, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// listFds lists /proc/self/fd without counting the directory fd it reads.
func listFds() (map[string]string, error) {
	dfd, err := unix.Open("/proc/self/fd", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(dfd)
	names, err := direntNames(dfd)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, n := range names {
		if n == "." || n == ".." || n == strconv.Itoa(dfd) {
			continue
		}
		l, err := readlink("/proc/self/fd/" + n)
		if err != nil {
			l = "error: " + err.Error()
		}
		out[n] = l
	}
	return out, nil
}

func fileType(mode uint32) string {
	switch mode & unix.S_IFMT {
	case unix.S_IFREG:
		return "reg"
	case unix.S_IFDIR:
		return "dir"
	case unix.S_IFLNK:
		return "lnk"
	case unix.S_IFCHR:
		return "chr"
	case unix.S_IFBLK:
		return "blk"
	case unix.S_IFIFO:
		return "fifo"
	case unix.S_IFSOCK:
		return "sock"
	}
	return "unknown"
}

func statPath(p string) Stat {
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		s := Stat{Path: p, Error: err.Error()}
		var e unix.Errno
		if errors.As(err, &e) {
			s.Errno = int(e)
		}
		return s
	}
	s := Stat{
		Path: p, Type: fileType(st.Mode), Mode: fmt.Sprintf("%04o", st.Mode&0o7777),
		Uid: st.Uid, Gid: st.Gid, Size: st.Size,
	}
	if s.Type == "chr" || s.Type == "blk" {
		s.Major, s.Minor = unix.Major(st.Rdev), unix.Minor(st.Rdev)
	}
	if s.Type == "lnk" {
		s.Target, _ = readlink(p)
	}
	return s
}

func walkDev(dir string, depth int, out *[]Stat) {
	names, err := readDirNames(dir)
	if err != nil {
		return
	}
	for _, n := range names {
		if n == "." || n == ".." {
			continue
		}
		p := dir + "/" + n
		s := statPath(p)
		*out = append(*out, s)
		if s.Type == "dir" && depth < 3 {
			walkDev(p, depth+1, out)
		}
	}
}

func stdioInfo(fd int) Stdio {
	s := Stdio{Fd: fd}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		s.Type = "closed"
		return s
	}
	s.Type = fileType(st.Mode)
	s.Link, _ = readlink("/proc/self/fd/" + strconv.Itoa(fd))
	if _, err := unix.IoctlGetTermios(fd, unix.TCGETS); err == nil {
		s.Tty = true
	}
	return s
}

// ---- other sub-commands ----

func signalWait(args []string) {
	out := func(s string) {
		if len(args) > 0 {
			if err := appendFile(args[0], s+"\n"); err != nil {
				fail("signal-wait", args[0], err)
			}
			return
		}
		_, _ = unix.Write(1, []byte(s+"\n")) // best effort: no stdout left to report a failure to
	}
	ch := make(chan os.Signal, 32)
	var sigs []os.Signal
	for i := 1; i < 32; i++ {
		s := unix.Signal(i)
		if s == unix.SIGKILL || s == unix.SIGSTOP || s == unix.SIGURG || s == unix.SIGCHLD || s == unix.SIGPIPE {
			continue
		}
		sigs = append(sigs, s)
	}
	signal.Notify(ch, sigs...)
	out("ready")
	for s := range ch {
		out(unix.SignalName(s.(unix.Signal)))
		if s == unix.SIGTERM {
			os.Exit(0)
		}
	}
}

func openPty() (string, error) {
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", err
	}
	defer unix.Close(fd)
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		return "", err
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		return "", err
	}
	name := "/dev/pts/" + strconv.Itoa(n)
	pfd, err := unix.Open(name, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", err
	}
	unix.Close(pfd)
	return name, nil
}
