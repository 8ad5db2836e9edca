package e2e

// rt under podman 4.3 + conmon, the way podman users reach it: `podman
// --runtime rt`, with rt named in a private containers.conf. Every scenario
// asserts effects seen from inside the container and from the host (cgroup
// files, namespaces, mounts, processes). RT_E2E_PODMAN_RUNTIME=runc runs the
// same scenarios against runc (to check the tests themselves).

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestPodman(t *testing.T) {
	p := pmSetup(t)
	e := pmNewEnv(t, p)
	t.Logf("runtime under test: %s (rt binary %s)", e.runtime, e.rtPath)

	t.Run("exit-codes", func(t *testing.T) {
		for _, c := range []struct {
			cmd  []string
			want int
		}{
			{[]string{"true"}, 0},
			{[]string{"false"}, 1},
			{[]string{"sh", "-c", "exit 42"}, 42},
			{[]string{"/etc/passwd"}, 126}, // not executable
			{[]string{"/nope"}, 127},       // not found
			{[]string{"nope-not-in-path"}, 127},
		} {
			r := e.podman(pmRunArgs(append([]string{"--rm", pmImage}, c.cmd...)...)...)
			if r.code != c.want {
				t.Errorf("%v: exit %d, want %d\n%v", c.cmd, r.code, c.want, r)
			}
		}
	})

	t.Run("stdio", func(t *testing.T) {
		r := e.podman(pmRunArgs("--rm", pmImage, "sh", "-c", "echo to-out; echo to-err >&2")...)
		if r.code != 0 || r.stdout != "to-out\n" || !strings.Contains(r.stderr, "to-err") || strings.Contains(r.stderr, "to-out") {
			t.Errorf("stdout/stderr not separated: %v", r)
		}
		r = e.podmanIn(strings.NewReader("hello stdin\nline 2\n"), pmCmdTimeout, pmRunArgs("-i", "--rm", pmImage, "cat")...)
		if r.code != 0 || r.stdout != "hello stdin\nline 2\n" {
			t.Errorf("echo | podman run -i cat: %v", r)
		}
		// Without -i the container's stdin is not the caller's.
		r = e.podmanIn(strings.NewReader("not for you\n"), pmCmdTimeout, pmRunArgs("--rm", pmImage, "cat")...)
		if r.code != 0 || r.stdout != "" {
			t.Errorf("podman run (no -i) cat: %v", r)
		}
	})

	t.Run("env-user-workdir-hostname", func(t *testing.T) {
		out := e.runSh(t, []string{"-e", "PM_FOO=bar baz", "-u", "1000:1000", "-w", "/tmp", "--hostname", "pmhost"},
			`echo "$PM_FOO"; id -u; id -g; pwd; hostname; cat /proc/sys/kernel/hostname`)
		if want := "bar baz\n1000\n1000\n/tmp\npmhost\npmhost"; out != want {
			t.Errorf("got %q, want %q", out, want)
		}
	})

	t.Run("detached-exec-logs-stop-rm", func(t *testing.T) {
		id := e.detach(t, nil, `echo started; trap "echo got-term; exit 0" TERM; while :; do sleep 0.1; done`)
		if st := e.inspect(t, id, "{{.State.Status}}"); st != "running" {
			t.Fatalf("status %q after run -d", st)
		}
		out := strings.TrimSpace(e.must(t, "exec", id, "sh", "-c", "echo exec-ok; cat /proc/1/cmdline | tr '\\0' ' '"))
		if !strings.HasPrefix(out, "exec-ok\nsh -c echo started") {
			t.Errorf("exec: %q", out)
		}
		if r := e.podman("exec", id, "sh", "-c", "exit 3"); r.code != 3 {
			t.Errorf("exec exit code: %v", r)
		}
		if r := e.podman("exec", id, "/nope"); r.code != 127 {
			t.Errorf("exec of a missing file: want 127: %v", r)
		}
		if !pmPoll(5*time.Second, func() bool { return strings.Contains(e.podman("logs", id).stdout, "started") }) {
			t.Errorf("logs: %v", e.podman("logs", id))
		}
		t0 := time.Now()
		e.must(t, "stop", "-t", "10", id)
		if d := time.Since(t0); d > 8*time.Second {
			t.Errorf("stop took %v: SIGTERM not delivered to the trap", d)
		}
		if got := e.inspect(t, id, "{{.State.Status}} {{.State.ExitCode}}"); got != "exited 0" {
			t.Errorf("after stop: %q", got)
		}
		if out := e.podman("logs", id).stdout; !strings.Contains(out, "got-term") {
			t.Errorf("logs after stop: %q", out)
		}
		e.must(t, "rm", id)
		if r := e.podman("inspect", id); r.code == 0 {
			t.Errorf("container still there after rm")
		}
		if _, err := os.Stat(filepath.Join("/run", filepath.Base(e.runtime), id)); err == nil {
			t.Errorf("runtime state of %s remains after rm", id)
		}
	})

	t.Run("exec-options-stop-start-init", func(t *testing.T) {
		id := e.detach(t, nil, `trap "exit 0" TERM; while :; do sleep 0.1; done`)
		out := strings.TrimSpace(e.must(t, "exec", "-u", "1000:1000", "-w", "/tmp", "-e", "PM_X=1", id, "sh", "-c", `id -u; pwd; echo $PM_X`))
		if out != "1000\n/tmp\n1" {
			t.Errorf("exec -u -w -e: %q", out)
		}
		host, _ := os.ReadFile("/proc/self/status")
		bnd := pmStatusField(string(host), "CapBnd")
		if got := pmStatusField(e.must(t, "exec", "--privileged", id, "grep", "CapEff", "/proc/self/status"), "CapEff"); got != bnd {
			t.Errorf("exec --privileged: CapEff %s, want %s", got, bnd)
		}
		pid1 := e.pid(t, id)
		e.must(t, "stop", "-t", "10", id)
		e.must(t, "start", id)
		if e.pid(t, id) == pid1 {
			t.Errorf("same init pid after stop + start")
		}
		if out := strings.TrimSpace(e.must(t, "exec", id, "echo", "after-start")); out != "after-start" {
			t.Errorf("exec after start: %q", out)
		}
		if _, err := os.Stat("/usr/libexec/podman/catatonit"); err != nil {
			t.Skip("--init not tried: catatonit is not installed (apt-get install catatonit)")
		}
		if out := e.runSh(t, []string{"--init"}, `tr '\0' ' ' < /proc/1/cmdline`); !strings.HasPrefix(out, "/run/podman-init -- sh -c") {
			t.Errorf("--init: pid 1 is %q", out)
		}
	})

	t.Run("tty", func(t *testing.T) {
		out := e.runSh(t, []string{"-t"}, `test -t 0 && test -t 1 && echo tty-yes; tty; stty size`)
		if !strings.Contains(out, "tty-yes") || !strings.Contains(out, "/dev/pts/") {
			t.Errorf("run -t: %q", out)
		}
		if !strings.Contains(out, "\r\n") {
			t.Errorf("run -t: output not through a terminal (no \\r\\n): %q", out)
		}
		out = e.runSh(t, nil, `test -t 0 || test -t 1 || echo no-tty`)
		if out != "no-tty" {
			t.Errorf("run without -t: %q", out)
		}
		id := e.detach(t, nil, "while :; do sleep 0.1; done")
		out = e.must(t, "exec", "-t", id, "sh", "-c", "test -t 0 && test -t 1 && echo exec-tty-yes")
		if !strings.Contains(out, "exec-tty-yes") {
			t.Errorf("exec -t: %q", out)
		}
		out = e.must(t, "exec", id, "sh", "-c", "test -t 1 || echo exec-no-tty")
		if strings.TrimSpace(out) != "exec-no-tty" {
			t.Errorf("exec without -t: %q", out)
		}
	})

	t.Run("cgroup-limits", func(t *testing.T) {
		id := e.detach(t, []string{"--memory", "64m", "--pids-limit", "42", "--cpus", "0.5", "--cpu-shares", "512"},
			"while :; do sleep 0.1; done")
		pid := e.pid(t, id)
		for _, c := range []struct{ ctl, file, want string }{
			{"memory", "memory.limit_in_bytes", "67108864"},
			{"pids", "pids.max", "42"},
			{"cpu", "cpu.cfs_quota_us", "50000"},
			{"cpu", "cpu.cfs_period_us", "100000"},
			{"cpu", "cpu.shares", "512"},
		} {
			if got := pmHostCgroupFile(t, pid, c.ctl, c.file); got != c.want {
				t.Errorf("host %s/%s = %q, want %q", c.ctl, c.file, got, c.want)
			}
		}
		mp, _ := pmCgroupPath(pid, "memory")
		if !strings.Contains(mp, id) {
			t.Errorf("container cgroup %q does not name the container", mp)
		}
		if dl := pmHostCgroupFile(t, pid, "devices", "devices.list"); strings.Contains(dl, "a *:* rwm") {
			t.Errorf("devices cgroup allows every device:\n%s", dl)
		}
		// Inside: its own cgroup (host cgroupns on v1) with the same limits.
		out := strings.TrimSpace(e.must(t, "exec", id, "sh", "-c",
			"grep :memory: /proc/self/cgroup; cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.shares"))
		if want := "memory:" + mp + "\n67108864\n42\n512"; !strings.HasSuffix(out, want) {
			t.Errorf("inside: %q, want suffix %q", out, want)
		}
	})

	t.Run("pids-limit-enforced", func(t *testing.T) {
		// A fork bomb in a subshell: forks fail at the limit, the shell survives.
		out := e.runSh(t, []string{"--pids-limit", "20"}, `( while :; do sleep 30 & done ) 2>/dev/null
echo survived
read n < /sys/fs/cgroup/pids/pids.current; echo current=$n
read m < /sys/fs/cgroup/pids/pids.max; echo max=$m`)
		lines := strings.Split(out, "\n")
		if len(lines) != 3 || lines[0] != "survived" || lines[2] != "max=20" {
			t.Fatalf("fork bomb: %q", out)
		}
		n, err := strconv.Atoi(strings.TrimPrefix(lines[1], "current="))
		if err != nil || n > 20 || n < 15 {
			t.Errorf("pids.current at the limit: %q (want 15..20)", lines[1])
		}
	})

	t.Run("oom-137", func(t *testing.T) {
		name := "pm-oom"
		r := e.podman(pmRunArgs("--name", name, "--memory", "32m", pmImage, "dd", "if=/dev/zero", "of=/dev/null", "bs=256M", "count=1")...)
		defer e.podman("rm", "-f", "-i", name)
		if r.code != 137 {
			t.Errorf("over the memory limit: exit %d, want 137\n%v", r.code, r)
		}
		t.Logf("OOMKilled=%s", e.inspect(t, name, "{{.State.OOMKilled}}"))
	})

	t.Run("pause-unpause", func(t *testing.T) {
		dir := t.TempDir()
		id := e.detach(t, []string{"-v", dir + ":/out"}, `i=0; while :; do i=$((i+1)); echo $i > /out/c.tmp; mv /out/c.tmp /out/c; sleep 0.05; done`)
		read := func() int {
			b, _ := os.ReadFile(filepath.Join(dir, "c"))
			n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
			return n
		}
		if !pmPoll(5*time.Second, func() bool { return read() > 2 }) {
			t.Fatal("the counter does not run")
		}
		pid := e.pid(t, id)
		e.must(t, "pause", id)
		if st := e.inspect(t, id, "{{.State.Status}}"); st != "paused" {
			t.Errorf("status %q after pause", st)
		}
		if fs := pmHostCgroupFile(t, pid, "freezer", "freezer.state"); fs != "FROZEN" {
			t.Errorf("freezer.state %q after pause", fs)
		}
		a := read()
		time.Sleep(600 * time.Millisecond)
		if b := read(); a != b {
			t.Errorf("the counter ran while paused: %d -> %d", a, b)
		}
		e.must(t, "unpause", id)
		if !pmPoll(5*time.Second, func() bool { return read() > a }) {
			t.Errorf("the counter does not run after unpause")
		}
		if st := e.inspect(t, id, "{{.State.Status}}"); st != "running" {
			t.Errorf("status %q after unpause", st)
		}
	})

	t.Run("top-ps", func(t *testing.T) {
		id := e.detach(t, nil, "sleep 1000 & sleep 2000 & wait")
		var out string
		if !pmPoll(5*time.Second, func() bool {
			out = e.must(t, "top", id, "pid", "args")
			return strings.Contains(out, "sleep 1000") && strings.Contains(out, "sleep 2000")
		}) {
			t.Errorf("podman top: %q", out)
		}
		if ps := e.must(t, "ps", "--no-trunc", "--format", "{{.ID}} {{.Status}}"); !strings.Contains(ps, id+" Up") {
			t.Errorf("podman ps: %q", ps)
		}
	})

	t.Run("kill-signals", func(t *testing.T) {
		id := e.detach(t, nil, `trap "echo got-usr1" USR1; echo ready; while :; do sleep 0.1; done`)
		if !pmPoll(5*time.Second, func() bool { return strings.Contains(e.podman("logs", id).stdout, "ready") }) {
			t.Fatal("not ready")
		}
		e.must(t, "kill", "-s", "USR1", id)
		if !pmPoll(5*time.Second, func() bool { return strings.Contains(e.podman("logs", id).stdout, "got-usr1") }) {
			t.Errorf("USR1 not received: %v", e.podman("logs", id))
		}
		if st := e.inspect(t, id, "{{.State.Status}}"); st != "running" {
			t.Errorf("status %q after USR1", st)
		}
		e.must(t, "kill", "-s", "KILL", id)
		if code := strings.TrimSpace(e.must(t, "wait", id)); code != "137" {
			t.Errorf("exit code after SIGKILL: %q, want 137", code)
		}
	})

	t.Run("restart", func(t *testing.T) {
		dir := t.TempDir()
		id := e.detach(t, []string{"-v", dir + ":/out"}, `echo x >> /out/starts; trap "exit 0" TERM; while :; do sleep 0.1; done`)
		starts := func() int {
			b, _ := os.ReadFile(filepath.Join(dir, "starts"))
			return strings.Count(string(b), "x")
		}
		if !pmPoll(5*time.Second, func() bool { return starts() == 1 }) {
			t.Fatal("not started")
		}
		pid1 := e.pid(t, id)
		e.must(t, "restart", "-t", "10", id)
		if !pmPoll(5*time.Second, func() bool { return starts() == 2 }) {
			t.Errorf("restart: %d starts", starts())
		}
		if pid2 := e.pid(t, id); pid2 == pid1 {
			t.Errorf("same pid %d after restart", pid1)
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid1)); err == nil {
			if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid1)); strings.Contains(string(b), "/out/starts") {
				t.Errorf("the first init %d still runs", pid1)
			}
		}
	})

	t.Run("update", func(t *testing.T) {
		if r := e.podman("update", "--help"); r.code != 0 {
			t.Skip("podman update is missing in this podman: ", r.stderr)
		}
		id := e.detach(t, []string{"--memory", "64m", "--cpu-shares", "512"}, "while :; do sleep 0.1; done")
		pid := e.pid(t, id)
		e.must(t, "update", "--memory", "96m", "--cpu-shares", "256", id)
		if got := pmHostCgroupFile(t, pid, "memory", "memory.limit_in_bytes"); got != "100663296" {
			t.Errorf("memory.limit_in_bytes after update: %s", got)
		}
		if got := pmHostCgroupFile(t, pid, "cpu", "cpu.shares"); got != "256" {
			t.Errorf("cpu.shares after update: %s", got)
		}
	})

	t.Run("read-only-root", func(t *testing.T) {
		out := e.runSh(t, []string{"--read-only"},
			`touch /x 2>/dev/null && echo root-writable || echo root-ro; touch /tmp/y && echo tmp-ok; grep -c '^tmpfs /tmp ' /proc/mounts`)
		if out != "root-ro\ntmp-ok\n1" {
			t.Errorf("--read-only: %q", out)
		}
		if out := e.runSh(t, nil, `touch /x && echo root-writable`); out != "root-writable" {
			t.Errorf("default root: %q", out)
		}
	})

	t.Run("tmpfs-and-volumes", func(t *testing.T) {
		rw, ro := t.TempDir(), t.TempDir()
		if err := os.WriteFile(filepath.Join(rw, "in"), []byte("from-host\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		out := e.runSh(t, []string{"--tmpfs", "/x", "-v", rw + ":/data", "-v", ro + ":/ro:ro"},
			`grep -c '^tmpfs /x tmpfs' /proc/mounts; echo hi > /x/f && cat /x/f; cat /data/in; echo from-ctr > /data/out
touch /ro/z 2>/dev/null && echo ro-writable || echo ro-ok`)
		if out != "1\nhi\nfrom-host\nro-ok" {
			t.Errorf("got %q", out)
		}
		if b, err := os.ReadFile(filepath.Join(rw, "out")); err != nil || string(b) != "from-ctr\n" {
			t.Errorf("write through the bind volume: %q %v", b, err)
		}
		if _, err := os.Stat(filepath.Join(ro, "z")); err == nil {
			t.Errorf("wrote through a :ro volume")
		}
	})

	t.Run("devices-and-masked-paths", func(t *testing.T) {
		out := e.runSh(t, nil, `echo x > /dev/null && echo null-ok
head -c 3 /dev/zero | od -An -tx1
echo x 2>/dev/null > /dev/full || echo full-enospc
for d in null zero full random urandom tty ptmx; do test -c /dev/$d || echo missing-$d; done
test -e /dev/kmsg && echo have-kmsg
test -d /dev/pts && test -d /dev/shm && test -d /dev/mqueue && echo dirs-ok
echo firmware=$(ls -A /sys/firmware | wc -l)
echo h 2>/dev/null > /proc/sysrq-trigger || echo sysrq-ro`)
		want := "null-ok\n 00 00 00\nfull-enospc\ndirs-ok\nfirmware=0\nsysrq-ro"
		if out != want {
			t.Errorf("got\n%s\nwant\n%s", out, want)
		}
		// Masked files (bind-mounted /dev/null): those the host has read empty.
		var masked []string
		for _, f := range []string{"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/proc/latency_stats"} {
			if _, err := os.Stat(f); err == nil {
				masked = append(masked, f)
			}
		}
		if len(masked) == 0 {
			t.Log("none of the masked /proc files exists on this host")
			return
		}
		out = e.runSh(t, nil, "for f in "+strings.Join(masked, " ")+"; do echo $f=$(head -c 16 $f | wc -c); done")
		for _, f := range masked {
			if !strings.Contains(out, f+"=0") {
				t.Errorf("%s not masked: %q", f, out)
			}
		}
	})

	t.Run("capabilities", func(t *testing.T) {
		capEff := func(opts ...string) uint64 {
			s := e.runSh(t, opts, "grep CapEff /proc/self/status")
			v, err := strconv.ParseUint(pmStatusField(s, "CapEff"), 16, 64)
			if err != nil {
				t.Fatalf("CapEff in %q: %v", s, err)
			}
			return v
		}
		const chown, sysAdmin, netAdmin = 1 << 0, 1 << 21, 1 << 12
		if def := capEff(); def&chown == 0 || def&sysAdmin != 0 {
			t.Errorf("default CapEff %#x: want CAP_CHOWN, not CAP_SYS_ADMIN", def)
		}
		if v := capEff("--cap-drop", "ALL"); v != 0 {
			t.Errorf("--cap-drop ALL: CapEff %#x", v)
		}
		if v := capEff("--cap-drop", "ALL", "--cap-add", "NET_ADMIN"); v != netAdmin {
			t.Errorf("--cap-drop ALL --cap-add NET_ADMIN: CapEff %#x", v)
		}
		host, _ := os.ReadFile("/proc/self/status")
		bnd, _ := strconv.ParseUint(pmStatusField(string(host), "CapBnd"), 16, 64)
		if v := capEff("--privileged"); v != bnd {
			t.Errorf("--privileged: CapEff %#x, want the host's bounding set %#x", v, bnd)
		}
		if _, err := os.Stat("/dev/kmsg"); err == nil {
			out := e.runSh(t, []string{"--privileged"}, "test -c /dev/kmsg && echo have-kmsg; grep Seccomp: /proc/self/status")
			if !strings.Contains(out, "have-kmsg") || pmStatusField(out, "Seccomp") != "0" {
				t.Errorf("--privileged: host devices / no seccomp: %q", out)
			}
		}
	})

	t.Run("seccomp", func(t *testing.T) {
		if e.helper == "" {
			t.Skip("no static helper in the image (go build failed): personality(2) cannot be tried")
		}
		script := e.helper + " personality; echo rc=$?; grep Seccomp: /proc/self/status"
		out := e.runSh(t, nil, script)
		if !strings.Contains(out, "rc=1") || pmStatusField(out, "Seccomp") != "2" {
			t.Errorf("default profile: personality(ADDR_NO_RANDOMIZE) must fail, Seccomp 2: %q", out)
		}
		out = e.runSh(t, []string{"--security-opt", "seccomp=unconfined"}, script)
		if !strings.Contains(out, "personality: ok") || pmStatusField(out, "Seccomp") != "0" {
			t.Errorf("seccomp=unconfined: personality(ADDR_NO_RANDOMIZE) must work, Seccomp 0: %q", out)
		}
	})

	t.Run("network-container-join", func(t *testing.T) {
		id := e.detach(t, nil, "while :; do sleep 0.1; done")
		pid := e.pid(t, id)
		nsA, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", pid))
		if err != nil {
			t.Fatal(err)
		}
		self, _ := os.Readlink("/proc/self/ns/net")
		if nsA == self {
			t.Fatalf("--network none shares the host net ns %s", nsA)
		}
		if got := e.runOut(t, []string{"--network", "container:" + id}, "readlink", "/proc/self/ns/net"); got != nsA {
			t.Errorf("--network container:: net ns %s, want %s", got, nsA)
		}
		if got := e.runOut(t, nil, "readlink", "/proc/self/ns/net"); got == nsA || got == self {
			t.Errorf("a new container's net ns %s is not its own", got)
		}
	})

	t.Run("pid-host", func(t *testing.T) {
		host, _ := os.ReadFile("/proc/1/cmdline")
		want := strings.TrimSpace(strings.ReplaceAll(string(host), "\x00", " "))
		got := e.runSh(t, []string{"--pid", "host"}, `tr '\0' ' ' < /proc/1/cmdline`)
		if got != want {
			t.Errorf("--pid host: pid 1 is %q, want the host's %q", got, want)
		}
		if got := e.runSh(t, nil, `tr '\0' ' ' < /proc/1/cmdline`); got == want {
			t.Errorf("private pid ns sees the host's pid 1")
		}
	})

	t.Run("sysctls-and-ulimits", func(t *testing.T) {
		hostFwd, _ := os.ReadFile("/proc/sys/net/ipv4/ip_forward")
		hostMsg, _ := os.ReadFile("/proc/sys/kernel/msgmax")
		out := e.runSh(t, []string{"--sysctl", "net.ipv4.ip_forward=1", "--sysctl", "kernel.msgmax=12345",
			"--ulimit", "nofile=500:600", "--ulimit", "nproc=4096:4096"},
			"cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax; ulimit -n; ulimit -Hn")
		if out != "1\n12345\n500\n600" {
			t.Errorf("got %q", out)
		}
		if b, _ := os.ReadFile("/proc/sys/net/ipv4/ip_forward"); string(b) != string(hostFwd) {
			t.Errorf("host ip_forward changed: %q -> %q", hostFwd, b)
		}
		if b, _ := os.ReadFile("/proc/sys/kernel/msgmax"); string(b) != string(hostMsg) {
			t.Errorf("host msgmax changed: %q -> %q", hostMsg, b)
		}
	})

	t.Run("userns-mapping", func(t *testing.T) {
		id := e.detach(t, []string{"--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536"}, "while :; do sleep 0.1; done")
		out := strings.Fields(e.must(t, "exec", id, "sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u"))
		if strings.Join(out, " ") != "0 100000 65536 0 100000 65536 0" {
			t.Errorf("inside: %q", out)
		}
		st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", e.pid(t, id)))
		if err != nil {
			t.Fatal(err)
		}
		if uid := strings.Fields(pmStatusField(string(st), "Uid")); len(uid) == 0 || uid[0] != "100000" {
			t.Errorf("host uid of the container's init: %v, want 100000", uid)
		}
	})

	t.Run("cgroupns-private", func(t *testing.T) {
		out := e.runSh(t, []string{"--cgroupns", "private"}, "cat /proc/self/cgroup")
		for _, l := range strings.Split(out, "\n") {
			if !strings.HasSuffix(l, ":/") {
				t.Errorf("--cgroupns private: %q", out)
				break
			}
		}
		if out := e.runSh(t, []string{"--cgroupns", "host"}, "cat /proc/self/cgroup"); !strings.Contains(out, "libpod") {
			t.Errorf("--cgroupns host: %q", out)
		}
	})

	t.Run("startup-time", func(t *testing.T) { pmStartupTime(t, e) })

	t.Run("no-leftovers", func(t *testing.T) {
		e.removeAll(t)
		ids := e.eventIDs()
		if len(ids) == 0 {
			t.Fatal("no container ids in the events log")
		}
		for _, l := range e.leftovers(ids) {
			t.Errorf("leftover: %s", l)
		}
		t.Logf("%d containers checked", len(ids))
	})
}

// pmStartupTime measures (does not assert) `podman run --rm IMAGE true` with
// rt, runc and crun, interleaved.
func pmStartupTime(t *testing.T, e *pmEnv) {
	n := 10
	if s := os.Getenv("RT_E2E_PODMAN_TIMING"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	if n <= 0 {
		t.Skip("RT_E2E_PODMAN_TIMING=0")
	}
	// crun 1.8 refuses this cgroup v1 host whose cgroup2 mount lists a
	// controller: run it in a mount namespace that hides the list.
	crunWrap := []string{"unshare", "--mount", "--propagation", "slave", "sh", "-c",
		`mount --bind /dev/null /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; exec "$@"`, "sh"}
	type rtm struct {
		name string
		wrap []string
		d    []time.Duration
	}
	runtimes := []*rtm{{name: "rt"}, {name: "runc"}, {name: "crun"}, {name: "crun", wrap: crunWrap}}
	one := func(r *rtm) (time.Duration, pmResult) {
		args := append(append([]string{}, e.base...), "--runtime", r.name)
		args = append(args, pmRunArgs("--rm", pmImage, "true")...)
		t0 := time.Now()
		res := e.exec(nil, pmCmdTimeout, r.wrap, "podman", args...)
		return time.Since(t0), res
	}
	var ok []*rtm
	for _, r := range runtimes {
		if _, res := one(r); res.code != 0 { // warm-up
			t.Logf("%s%s: not timed: %s", r.name, map[bool]string{true: " (private mount ns)"}[r.wrap != nil],
				strings.TrimSpace(res.stderr))
			continue
		}
		if r.name == "crun" && len(ok) > 0 && ok[len(ok)-1].name == "crun" {
			continue
		}
		ok = append(ok, r)
	}
	for i := 0; i < n; i++ {
		for _, r := range ok {
			d, res := one(r)
			if res.code != 0 {
				t.Errorf("%s: %v", r.name, res)
				continue
			}
			r.d = append(r.d, d)
		}
	}
	var meds []string
	for _, r := range ok {
		label := r.name
		if r.wrap != nil {
			label += " (in a private mount ns)"
		}
		meds = append(meds, fmt.Sprintf("%s %v", label, pmMedian(r.d).Round(time.Millisecond)))
	}
	t.Logf("podman run --rm IMAGE true, median of %d interleaved runs: %s", n, strings.Join(meds, ", "))
}
