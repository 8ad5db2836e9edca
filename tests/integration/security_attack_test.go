package integration

// The attacker used by security_test.go: a small static program, built once
// per `go test` run from the source below (standard library only, so it
// needs no module and no network), copied into a container's rootfs (or run
// on the host as an unprivileged user) where it tries the attacks of
// SECURITY.md against the runtime's processes and writes down, as JSON, what
// worked. It never damages anything: a write is only ever tried on a file
// that is not the host's runtime binary, and then it rewrites byte 0 with
// its own value.

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

const attackSource = `// Command attack tries SECURITY.md's attacks on the runtime's processes.
//
//	attack hook OUT PID RTID SECRET   attack PID once (from a hook), write one Record to OUT
//	attack watch DIR RTID SECRET      attack every other process in the pid namespace as it
//	                                  appears (and all again on each new DIR/trigger), until
//	                                  DIR/stop exists; records in DIR/records.jsonl; then reopen
//	                                  every exe kept for writing; DIR/done at the end
//	attack ptrace PID                 one ptrace attach, the Attempt as JSON on stdout
//
// RTID is "DEV:INO" of the host's runtime binary: never written to.
// SECRET is a file name that only a host directory holds: a directory
// listing that shows it means the attacker reached the host.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type Attempt struct {
	Op     string ` + "`json:\"op\"`" + `
	Path   string ` + "`json:\"path,omitempty\"`" + `
	OK     bool   ` + "`json:\"ok\"`" + `
	Errno  int    ` + "`json:\"errno,omitempty\"`" + `
	Info   string ` + "`json:\"info,omitempty\"`" + `
	IsRT   bool   ` + "`json:\"isRT,omitempty\"`" + `
	Secret bool   ` + "`json:\"secret,omitempty\"`" + `
}

type Record struct {
	Pid      int       ` + "`json:\"pid\"`" + `
	Phase    string    ` + "`json:\"phase\"`" + `
	Exe      string    ` + "`json:\"exe,omitempty\"`" + `
	Attempts []Attempt ` + "`json:\"attempts\"`" + `
}

var (
	rtDev, rtIno uint64
	secret       string
)

const oPath = 0x200000

func errnoOf(err error) int {
	var e syscall.Errno
	if errors.As(err, &e) {
		return int(e)
	}
	if err != nil {
		return -1
	}
	return 0
}

func att(op, path string, err error, info string) Attempt {
	a := Attempt{Op: op, Path: path, OK: err == nil, Errno: errnoOf(err), Info: info}
	if err != nil && a.Info == "" {
		a.Info = err.Error()
	}
	return a
}

func ident(fd int) (string, bool) {
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return "fstat: " + err.Error(), false
	}
	return fmt.Sprintf("dev=%d ino=%d mode=%o", st.Dev, st.Ino, st.Mode), uint64(st.Dev) == rtDev && st.Ino == rtIno
}

// writeSame rewrites byte 0 with its own value: it changes nothing, and it
// succeeds only on a writable, unsealed file.
func writeSame(fd int) error {
	b := make([]byte, 1)
	if _, err := syscall.Pread(fd, b, 0); err != nil {
		return err
	}
	_, err := syscall.Pwrite(fd, b, 0)
	return err
}

func openWrite(op, p string, flags int) []Attempt {
	fd, err := syscall.Open(p, flags|syscall.O_CLOEXEC, 0)
	a := att(op, p, err, "")
	if err != nil {
		return []Attempt{a}
	}
	a.Info, a.IsRT = ident(fd)
	out := []Attempt{a}
	if flags&syscall.O_ACCMODE == syscall.O_RDWR && !a.IsRT {
		out = append(out, att(op+"-write", p, writeSame(fd), ""))
	}
	syscall.Close(fd)
	return out
}

type kept struct {
	pid int
	fd  int
}

func attackExe(pid int, keep *[]kept) (string, []Attempt) {
	p := "/proc/" + strconv.Itoa(pid) + "/exe"
	var out []Attempt
	l, err := os.Readlink(p)
	out = append(out, att("readlink-exe", p, err, l))
	fd, err := syscall.Open(p, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	a := att("open-exe-ro", p, err, "")
	if err == nil {
		a.Info, a.IsRT = ident(fd)
		seals, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), 1034 /* F_GET_SEALS */, 0)
		if e == 0 {
			a.Info += fmt.Sprintf(" seals=%d", seals)
		} else {
			a.Info += " seals=" + e.Error()
		}
		syscall.Close(fd)
	}
	out = append(out, a)
	out = append(out, openWrite("open-exe-wronly", p, syscall.O_WRONLY)...)
	out = append(out, openWrite("open-exe-rdwr", p, syscall.O_RDWR)...)
	if keep != nil {
		fd, err := syscall.Open(p, oPath|syscall.O_CLOEXEC, 0)
		a := att("open-exe-path", p, err, "")
		if err == nil {
			a.Info, a.IsRT = ident(fd)
			*keep = append(*keep, kept{pid, fd})
		}
		out = append(out, a)
	}
	return l, out
}

func tryPtrace(pid int) Attempt {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	err := syscall.PtraceAttach(pid)
	a := att("ptrace-attach", strconv.Itoa(pid), err, "")
	if err == nil {
		var ws syscall.WaitStatus
		_, werr := syscall.Wait4(pid, &ws, 0x40000000 /* __WALL */, nil)
		derr := syscall.PtraceDetach(pid)
		a.Info = fmt.Sprintf("attached; wait %v, detach %v", werr, derr)
	}
	return a
}

func listDir(op, p string) Attempt {
	f, err := os.Open(p)
	if err != nil {
		return att(op, p, err, "")
	}
	defer f.Close()
	names, err := f.Readdirnames(200)
	sort.Strings(names)
	a := att(op, p, err, strings.Join(names, ","))
	for _, n := range names {
		if secret != "" && n == secret {
			a.Secret = true
		}
	}
	return a
}

// attackFds reads the fd table, cwd and root of pid and lists every
// directory it can reach through them.
func attackFds(pid int) []Attempt {
	d := "/proc/" + strconv.Itoa(pid)
	var out []Attempt
	f, err := os.Open(d + "/fd")
	var names []string
	if err == nil {
		names, err = f.Readdirnames(-1)
		f.Close()
	}
	sort.Strings(names)
	out = append(out, att("list-fds", d+"/fd", err, strings.Join(names, ",")))
	for _, n := range names {
		p := d + "/fd/" + n
		l, err := os.Readlink(p)
		out = append(out, att("readlink-fd", p, err, l))
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			out = append(out, listDir("list-fd-dir", p))
			out = append(out, listDir("list-fd-dir-parent", p+"/.."))
		}
	}
	for _, n := range []string{"cwd", "root"} {
		l, err := os.Readlink(d + "/" + n)
		out = append(out, att("readlink-"+n, d+"/"+n, err, l))
		out = append(out, listDir("list-"+n, d+"/"+n))
	}
	return out
}

func attackAll(pid int, keep *[]kept) Record {
	exe, as := attackExe(pid, keep)
	as = append(as, tryPtrace(pid))
	as = append(as, attackFds(pid)...)
	return Record{Pid: pid, Phase: "live", Exe: exe, Attempts: as}
}

func writeJSON(path string, v interface{}, appendTo bool) {
	b, _ := json.Marshal(v)
	b = append(b, '\n')
	if !appendTo {
		// whole files appear at once: write a temp file, then rename it
		if err := os.WriteFile(path+".tmp", b, 0o666); err == nil {
			os.Rename(path+".tmp", path)
		}
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o666)
	if err != nil {
		fmt.Fprintln(os.Stderr, "attack:", err)
		return
	}
	f.Write(b)
	f.Close()
}

func parseRT(s string) {
	d, i, _ := strings.Cut(s, ":")
	rtDev, _ = strconv.ParseUint(d, 10, 64)
	rtIno, _ = strconv.ParseUint(i, 10, 64)
}

func procPids() []int {
	f, err := os.Open("/proc")
	if err != nil {
		return nil
	}
	names, _ := f.Readdirnames(-1)
	f.Close()
	var out []int
	for _, n := range names {
		if p, err := strconv.Atoi(n); err == nil {
			out = append(out, p)
		}
	}
	return out
}

func watch(dir string) {
	self := os.Getpid()
	seen := map[string]bool{}
	var keep []kept
	lastTrigger := ""
	deadline := time.Now().Add(90 * time.Second)
	writeJSON(dir+"/ready", "ready", false)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(dir + "/stop"); err == nil {
			break
		}
		// The host writes a phase name to DIR/trigger: every process is
		// attacked once more, and the records carry that phase.
		trig, _ := os.ReadFile(dir + "/trigger")
		phase := strings.TrimSpace(string(trig))
		fire := phase != "" && phase != lastTrigger
		lastTrigger = phase
		for _, p := range procPids() {
			if p == self {
				continue
			}
			// a process is attacked when first seen, again whenever what
			// its exe says changes (an execve), and on every trigger
			l, err := os.Readlink("/proc/" + strconv.Itoa(p) + "/exe")
			key := strconv.Itoa(p) + "|" + l
			if err != nil {
				key = strconv.Itoa(p) + "|err"
			}
			if !seen[key] {
				seen[key] = true
				writeJSON(dir+"/records.jsonl", attackAll(p, &keep), true)
			}
			if fire {
				r := attackAll(p, nil)
				r.Phase = phase
				writeJSON(dir+"/records.jsonl", r, true)
			}
		}
		if fire {
			writeJSON(dir+"/fired", phase, false)
		}
		time.Sleep(2 * time.Millisecond)
	}
	// The processes are gone (or have exec'd): the classic CVE-2019-5736
	// attack reopens the kept exe for writing now that nothing runs it.
	for _, k := range keep {
		p := "/proc/self/fd/" + strconv.Itoa(k.fd)
		var as []Attempt
		as = append(as, openWrite("reopen-exe-wronly", p, syscall.O_WRONLY)...)
		as = append(as, openWrite("reopen-exe-rdwr", p, syscall.O_RDWR)...)
		writeJSON(dir+"/records.jsonl", Record{Pid: k.pid, Phase: "after", Attempts: as}, true)
	}
	writeJSON(dir+"/done", "done", false)
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: attack hook|watch|ptrace ...")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "hook":
		pid, _ := strconv.Atoi(os.Args[3])
		parseRT(os.Args[4])
		secret = os.Args[5]
		writeJSON(os.Args[2], attackAll(pid, nil), false)
	case "watch":
		parseRT(os.Args[3])
		secret = os.Args[4]
		watch(os.Args[2])
	case "ptrace":
		pid, _ := strconv.Atoi(os.Args[2])
		b, _ := json.Marshal(tryPtrace(pid))
		fmt.Println(string(b))
	default:
		os.Exit(2)
	}
}
`

// Attempt and Record mirror the attacker's JSON.
type Attempt struct {
	Op     string `json:"op"`
	Path   string `json:"path"`
	OK     bool   `json:"ok"`
	Errno  int    `json:"errno"`
	Info   string `json:"info"`
	IsRT   bool   `json:"isRT"`
	Secret bool   `json:"secret"`
}

type Record struct {
	Pid      int       `json:"pid"`
	Phase    string    `json:"phase"`
	Exe      string    `json:"exe"`
	Attempts []Attempt `json:"attempts"`
}

func (r Record) find(op string) []Attempt {
	var out []Attempt
	for _, a := range r.Attempts {
		if a.Op == op {
			out = append(out, a)
		}
	}
	return out
}

var (
	attackOnce sync.Once
	attackBin  string
	attackErr  error
)

// attackBinary builds the attacker once (into TestMain's temp dir, removed
// with it) and returns its path.
func attackBinary(t *testing.T) string {
	t.Helper()
	attackOnce.Do(func() {
		dir := filepath.Join(filepath.Dir(templateDir), "rtsec-attack")
		if attackErr = os.MkdirAll(dir, 0o755); attackErr != nil {
			return
		}
		files := map[string]string{
			"main.go": attackSource,
			"go.mod":  "module rtsecattack\n\ngo 1.22\n",
		}
		for n, s := range files {
			if attackErr = os.WriteFile(filepath.Join(dir, n), []byte(s), 0o644); attackErr != nil {
				return
			}
		}
		goBin, err := exec.LookPath("go") // `go test` puts its GOROOT/bin first in PATH
		if err != nil {
			attackErr = fmt.Errorf("building the attacker: %v", err)
			return
		}
		out := filepath.Join(dir, "attack")
		cmd := exec.Command(goBin, "build", "-trimpath", "-ldflags", "-s -w", "-o", out, ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=", "GOTOOLCHAIN=local")
		if b, err := cmd.CombinedOutput(); err != nil {
			attackErr = fmt.Errorf("building the attacker: %v\n%s", err, b)
			return
		}
		attackBin = out
	})
	if attackErr != nil {
		t.Fatal(attackErr)
	}
	return attackBin
}

// installAttack copies the attacker to dst (0755).
func installAttack(t *testing.T, dst string) {
	t.Helper()
	os.Remove(dst)
	if err := copyFile(attackBinary(t), dst, 0o755); err != nil {
		t.Fatal(err)
	}
}

// rtIdent is "DEV:INO" of the runtime binary under test.
func rtIdent(t *testing.T) string {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(rtBinary, &st); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d:%d", st.Dev, st.Ino)
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// guardRuntimeBinary fails the test at its end if the runtime binary's
// content changed while it ran.
func guardRuntimeBinary(t *testing.T) {
	t.Helper()
	before := sha256File(t, rtBinary)
	t.Cleanup(func() {
		if after := sha256File(t, rtBinary); after != before {
			t.Errorf("SECURITY: the runtime binary %s was modified during the test (sha256 %s -> %s)", rtBinary, before, after)
		}
	})
}

func readRecords(t *testing.T, path string) []Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		t.Fatal(err)
	}
	defer f.Close()
	var out []Record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			continue // a line being written
		}
		out = append(out, r)
	}
	return out
}

// nsPid is the pid of host pid in the innermost pid namespace it is in.
func nsPid(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "NSpid:"); ok {
			f := strings.Fields(v)
			return atoi(f[len(f)-1])
		}
	}
	t.Fatalf("no NSpid for %d", pid)
	return 0
}
