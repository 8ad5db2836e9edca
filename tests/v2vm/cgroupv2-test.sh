#!/bin/sh
# cgroupv2-test.sh - rt's behavioural tests on a pure cgroup v2 kernel.  The
# TEST_SCRIPT of tests/v2vm/v2vm.sh (`make v2vm`): it runs as root in the
# busybox guest (cgroup_no_v1=all, cgroup2 on /sys/fs/cgroup, every controller
# enabled in the root's subtree_control) with $RUNTIME = rt and $BUSYBOX =
# static busybox, builds its bundles itself, and prints one line per check,
# "ok - ..." or "not ok - ...", then "V2VM-RESULT: PASS" only if every enabled
# check passed (else "V2VM-RESULT: FAIL").
#
# Always: host is pure cgroup2; `rt spec` bundle runs `true` (exit 0) and an
# exit code comes back; create/start/state/kill/delete with the container's
# cgroup (/sys/fs/cgroup/rt/<id>) present while it lives and gone after
# delete; inside a cgroup namespace /sys/fs/cgroup is a read-only cgroup2
# mount rooted at the container's cgroup; kill vs kill --all (a signal reaches
# init only, or init and a second process); delete --force of a running
# container; at the end no container cgroup, no process, no state is left.
#
# V2VM_RESOURCES=1 (V2VM_ENV="V2VM_RESOURCES=1", or `make v2vm
# V2VM_RESOURCES=1`; or v2vm.resources=1 on the kernel command line) adds the
# linux.resources checks: pids.max refuses forks, memory.max OOM-kills,
# cpu.max throttles, the device program denies opening devices outside
# the allow list (EPERM) and a config's deny rule.  V2VM_RESOURCES_FAKE=1 (with V2VM_RESOURCES=1) checks
# those checks: the test itself writes each limit into the container's cgroup
# between create and start.
# ok and notok return 0, so "test && ok || notok" is if-then-else here.
# shellcheck disable=SC2002,SC2013,SC2015,SC2016,SC2044
: "${RUNTIME:?}" "${BUSYBOX:?}"
RES=${V2VM_RESOURCES:-0}
grep -qw 'v2vm.resources=1' /proc/cmdline && RES=1

NFAIL=0 NOK=0
ok() { echo "ok - $*"; NOK=$((NOK + 1)); }
notok() { echo "not ok - $*"; NFAIL=$((NFAIL + 1)); }
check() { # name expected got
	if [ "$2" = "$3" ]; then ok "$1 ($3)"; else notok "$1: expected '$2', got '$3'"; fi
}
up() { cut -d' ' -f1 /proc/uptime; }
note() { echo "# [$(up)s] $*"; }

STATE=/run/v2vm-state
RT="$RUNTIME --root $STATE"
W=/run/v2vm # bundles
OUT=$W/out  # bound to /out in the containers (scripts and results)
CGROOT=/sys/fs/cgroup
CGP=$CGROOT/rt # rt's default parent cgroup (no cgroupsPath)

# ---------------------------------------------------------------- helpers
status() { $RT state "$1" 2>/dev/null | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p'; }
ipid() { $RT state "$1" 2>/dev/null | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p'; }
wait_status() { # id status [tenths]
	i=0
	while [ "$(status "$1")" != "$2" ] && [ $i -lt "${3:-100}" ]; do sleep 0.1; i=$((i + 1)); done
	[ "$(status "$1")" = "$2" ]
}
wait_file() { # file [tenths]
	i=0
	while [ ! -s "$1" ] && [ $i -lt "${2:-100}" ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$1" ]
}
wait_gone() { # pid... (10 s)
	i=0
	for p in "$@"; do
		while [ -d /proc/"$p" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
		[ -d /proc/"$p" ] && return 1
	done
	return 0
}
procs() { cat "$1/cgroup.procs" 2>/dev/null | tr '\n' ' ' | sed 's/ $//'; }
nprocs() { cat "$1/cgroup.procs" 2>/dev/null | wc -l; }
cgfile() { cat "$CGP/$1/$2" 2>/dev/null | tr '\n' ' ' | sed 's/ $//'; }
named() { # comm: pids of the processes with that name (busybox has no pgrep)
	for c in /proc/[0-9]*/comm; do [ "$(cat "$c" 2>/dev/null)" = "$1" ] && { d=${c%/comm}; echo "${d#/proc/}"; }; done | tr '\n' ' ' | sed 's/ $//'
}
kv() { sed -n "s/^$2[ =]//p" "$1" 2>/dev/null | head -n1; } # file key: value of "key value"/"key=value"

# mkbundle ID SCRIPT-NAME [RESOURCES-JSON]: bundle $W/ID whose process is
# `sh /out/SCRIPT-NAME` (write $OUT/SCRIPT-NAME), cgroup namespace included,
# /out bound read-write; the rootfs (busybox) is shared and read-only.
mkbundle() {
	mkdir -p "$W/$1"
	ln -sfn ../rootfs "$W/$1/rootfs"
	cat >"$W/$1/config.json" <<EOF
{
  "ociVersion": "1.0.2",
  "process": {
    "terminal": false, "user": {"uid": 0, "gid": 0}, "cwd": "/",
    "args": ["sh", "/out/$2"],
    "env": ["PATH=/bin", "ID=$1"],
    "capabilities": {
      "bounding": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "effective": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "permitted": ["CAP_KILL", "CAP_NET_BIND_SERVICE"]
    },
    "noNewPrivileges": true
  },
  "root": {"path": "rootfs", "readonly": true},
  "hostname": "ctr",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
    {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]},
    {"destination": "/out", "type": "bind", "source": "$OUT", "options": ["rbind", "rw"]}
  ],
  "linux": {
    "resources": {${3:-}},
    "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}, {"type": "cgroup"}]
  }
}
EOF
}

# ---------------------------------------------------------------- set-up
rm -rf "$W" "$STATE"
mkdir -p "$W/rootfs/bin" "$OUT"
for d in proc sys dev tmp etc out; do mkdir -p "$W/rootfs/$d"; done
cp "$BUSYBOX" "$W/rootfs/bin/busybox"
for a in $("$BUSYBOX" --list); do [ "$a" = busybox ] || ln -s busybox "$W/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' >"$W/rootfs/etc/passwd"
echo 'root:x:0:' >"$W/rootfs/etc/group"
note "$($RUNTIME --version | head -n1); kernel $(uname -r); resources checks: $([ "$RES" = 1 ] && echo on || echo off)"

# ---------------------------------------------------------------- host
check "host /sys/fs/cgroup is cgroup2 (statfs magic)" 63677270 "$(stat -f -c %t $CGROOT)"
check "no cgroup v1 hierarchy mounted" 0 "$(awk '$3 == "cgroup"' /proc/mounts | wc -l)"

# ---------------------------------------------------------------- rt spec, run
note "rt spec + run"
mkdir -p "$W/spec"
ln -sfn ../rootfs "$W/spec/rootfs"
(cd "$W/spec" && $RUNTIME spec) && [ -s "$W/spec/config.json" ] && ok "rt spec writes config.json" ||
	notok "rt spec"
sed -i -e 's/"terminal": true/"terminal": false/' -e '/"args": \[/,/\]/s/"sh"/"true"/' "$W/spec/config.json"
$RT run -b "$W/spec" spec-true </dev/null; check "rt run (rt spec bundle, args true): exit status" 0 $?
check "after run: no state" "" "$(status spec-true)"
[ -d "$CGP/spec-true" ] && notok "after run: $CGP/spec-true still exists" || ok "after run: cgroup $CGP/spec-true removed"

echo 'exit 3' >"$OUT/exit3.sh"
mkbundle exit3 exit3.sh
$RT run -b "$W/exit3" exit3 </dev/null; check "rt run of 'exit 3': exit status" 3 $?

# ---------------------------------------------------------------- lifecycle
note "create/start/state/kill/delete"
cat >"$OUT/idle.sh" <<'EOF'
trap 'exit 0' TERM
echo "$$" >/out/$ID.started
sleep 1000 &
wait
EOF
mkbundle life idle.sh
$RT create -b "$W/life" life </dev/null; check "create: exit status" 0 $?
check "create: state" created "$(status life)"
pid=$(ipid life)
[ "${pid:-0}" -gt 0 ] && ok "create: init pid $pid" || notok "create: no init pid"
[ -d "$CGP/life" ] && ok "create: cgroup $CGP/life exists" || notok "create: no $CGP/life"
check "create: init's /proc/PID/cgroup" "0::/rt/life" "$(cat /proc/"$pid"/cgroup 2>/dev/null)"
check "create: cgroup.procs holds init" "$pid" "$(procs "$CGP/life")"
[ -e "$OUT/life.started" ] && notok "create: the process ran before start" || ok "create: the process waits for start"
$RT start life; check "start: exit status" 0 $?
wait_file "$OUT/life.started" && ok "start: the process runs (pid $(cat "$OUT/life.started") in its pid namespace)" ||
	notok "start: the process did not run"
check "start: state" running "$(status life)"
n=$(nprocs "$CGP/life")
[ "$n" -ge 2 ] && ok "running: $n processes in $CGP/life" || notok "running: $n processes in $CGP/life (want >= 2)"
$RT kill life; check "kill (SIGTERM): exit status" 0 $?
wait_status life stopped && ok "kill: state stopped" || notok "kill: state $(status life), want stopped"
wait_gone "$pid" && ok "kill: init $pid gone" || notok "kill: init $pid still alive"
$RT delete life; check "delete: exit status" 0 $?
[ -d "$CGP/life" ] && notok "delete: $CGP/life still exists" || ok "delete: cgroup $CGP/life removed"
$RT state life >/dev/null 2>&1 && notok "delete: state still answers" || ok "delete: state says no such container"

# ---------------------------------------------------------------- cgroup namespace
note "inside the container: /sys/fs/cgroup"
cat >"$OUT/inside.sh" <<'EOF'
exec >/out/inside.txt 2>&1
echo "magic=$(stat -f -c %t /sys/fs/cgroup)"
echo "self=$(cat /proc/self/cgroup)"
echo "opts=$(awk '$5 == "/sys/fs/cgroup" {print $6}' /proc/self/mountinfo)"
echo "fstype=$(awk '$5 == "/sys/fs/cgroup" {for (i = 7; $i != "-"; i++); print $(i+1)}' /proc/self/mountinfo)"
if mkdir /sys/fs/cgroup/sub 2>/dev/null; then echo mkdir=ok; else echo mkdir=refused; fi
if echo 1 >/sys/fs/cgroup/cgroup.freeze 2>/dev/null; then echo write=ok; else echo write=refused; fi
echo "procs=$(cat /sys/fs/cgroup/cgroup.procs | tr '\n' ' ' | sed 's/ $//')"
echo end=1
EOF
mkbundle inside inside.sh
$RT run -b "$W/inside" inside </dev/null; check "run (cgroup namespace): exit status" 0 $?
f=$OUT/inside.txt
[ "$(kv $f end)" = 1 ] || { notok "inside: no output"; cat $f; }
check "inside: /sys/fs/cgroup statfs magic (cgroup2)" 63677270 "$(kv $f magic)"
check "inside: /sys/fs/cgroup fstype in mountinfo" cgroup2 "$(kv $f fstype)"
case ",$(kv $f opts)," in *,ro,*) ok "inside: /sys/fs/cgroup mounted ro ($(kv $f opts))" ;;
*) notok "inside: /sys/fs/cgroup options '$(kv $f opts)', want ro" ;; esac
check "inside: /proc/self/cgroup (cgroup namespace root)" "0::/" "$(kv $f self)"
check "inside: mkdir in /sys/fs/cgroup" refused "$(kv $f mkdir)"
check "inside: write to /sys/fs/cgroup/cgroup.freeze" refused "$(kv $f write)"
p=$(kv $f procs)
[ -n "$p" ] && ok "inside: cgroup.procs of the namespace root lists the container's own processes ($p)" ||
	notok "inside: cgroup.procs empty"

# ---------------------------------------------------------------- kill --all
note "kill vs kill --all"
cat >"$OUT/two.sh" <<'EOF'
exec 2>>/out/two.err # not the shell's "User defined signal 1" on the console
trap 'echo init >>/out/two.got' USR1
(
	trap 'echo child >>/out/two.got' USR1
	echo child-ready >/out/two.child
	while :; do sleep 1; done
) &
while [ ! -s /out/two.child ]; do sleep 0.1; done
echo ready >/out/two.ready
while :; do sleep 1; done
EOF
mkbundle two two.sh
$RT run -d -b "$W/two" two </dev/null; check "run -d: exit status" 0 $?
wait_file "$OUT/two.ready" 100 && ok "run -d: init and a second process started" || notok "run -d: not ready"
pids=$(procs "$CGP/two")
n=$(nprocs "$CGP/two")
[ "$n" -ge 3 ] && ok "$n processes in $CGP/two ($pids)" || notok "$n processes in $CGP/two, want >= 3"
$RT kill two USR1; check "kill USR1: exit status" 0 $?
i=0; while ! grep -q init "$OUT/two.got" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
sleep 1.5
check "kill USR1 (no --all) reaches init only" "init" "$(sort "$OUT/two.got" 2>/dev/null | tr '\n' ' ' | sed 's/ $//')"
: >"$OUT/two.got"
$RT kill --all two USR1; check "kill --all USR1: exit status" 0 $?
i=0; while [ "$(sort -u "$OUT/two.got" | wc -l)" -lt 2 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "kill --all USR1 reaches both processes" "child init" "$(sort -u "$OUT/two.got" | tr '\n' ' ' | sed 's/ $//')"
pids=$(procs "$CGP/two")
$RT kill --all two KILL; check "kill --all KILL: exit status" 0 $?
# shellcheck disable=SC2086
wait_gone $pids && ok "kill --all KILL: every process gone ($pids)" || notok "kill --all KILL: left: $(procs "$CGP/two")"
wait_status two stopped && ok "kill --all KILL: state stopped" || notok "kill --all KILL: state $(status two)"
check "kill --all KILL: cgroup.procs empty" "" "$(procs "$CGP/two")"
$RT delete two; check "delete: exit status" 0 $?
[ -d "$CGP/two" ] && notok "delete: $CGP/two still exists" || ok "delete: cgroup $CGP/two removed"

# ---------------------------------------------------------------- delete --force
note "delete --force of a running container"
mkbundle force idle.sh
$RT run -d -b "$W/force" force </dev/null; check "run -d: exit status" 0 $?
wait_file "$OUT/force.started" && wait_status force running
pids=$(procs "$CGP/force")
$RT delete --force force; check "delete --force: exit status" 0 $?
# shellcheck disable=SC2086
wait_gone $pids && ok "delete --force: every process gone ($pids)" || notok "delete --force: processes left"
[ -d "$CGP/force" ] && notok "delete --force: $CGP/force still exists" || ok "delete --force: cgroup $CGP/force removed"

# ---------------------------------------------------------------- resources
# Each container starts its workload, writes /out/<id>.rc, then idles so that
# its cgroup can be read; then it is force-deleted.
res_ctr() { # id resources-json script-body fake-file fake-value: run it, wait for $OUT/id.rc
	{ echo "$3"; echo 'echo "rc=$?" >/out/$ID.rc'; echo 'exec sleep 1000'; } >"$OUT/$1.sh"
	mkbundle "$1" "$1.sh" "$2"
	$RT create -b "$W/$1" "$1" </dev/null; check "$1: create exit status" 0 $?
	if [ "${V2VM_RESOURCES_FAKE:-0}" = 1 ]; then # the test sets the limit, not rt
		for c in $(cat $CGROOT/cgroup.controllers); do echo "+$c" >"$CGP/cgroup.subtree_control"; done
		echo "$5" >"$CGP/$1/$4" && echo "# FAKE: $4 = $5 written by the test"
	fi
	$RT start "$1"; check "$1: start exit status" 0 $?
	wait_file "$OUT/$1.rc" 300 || notok "$1: workload did not finish"
}
res_end() {
	$RT delete --force "$1" >/dev/null 2>&1
	[ -d "$CGP/$1" ] && notok "$1: $CGP/$1 still exists after delete --force" || ok "$1: cgroup removed"
}
if [ "$RES" = 1 ]; then
	note "resources: pids"
	res_ctr pids '"pids": {"limit": 10}' 'sh -c '\''i=0; while [ $i -lt 30 ]; do sleep 1000 & i=$((i + 1)); done'\'' 2>/out/pids.err' pids.max 10
	check "pids: pids.max" 10 "$(cgfile pids pids.max)"
	n=$(cgfile pids pids.current)
	[ "${n:-99}" -le 10 ] && ok "pids: pids.current $n <= 10 after 30 forks" || notok "pids: pids.current '$n' > 10"
	n=$(kv "$CGP/pids/pids.events" max)
	[ "${n:-0}" -gt 0 ] && ok "pids: pids.events max=$n (forks refused)" || notok "pids: no refused fork (pids.events '$(cgfile pids pids.events)')"
	grep -q fork "$OUT/pids.err" && ok "pids: the shell saw: $(head -n1 "$OUT/pids.err")" || notok "pids: no fork error in the container"
	res_end pids

	note "resources: memory"
	res_ctr mem '"memory": {"limit": 33554432}' 'dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null' memory.max 33554432
	check "memory: memory.max" 33554432 "$(cgfile mem memory.max)"
	check "memory: dd with a 64M buffer in 32M is OOM-killed (exit status)" "rc=137" "$(cat "$OUT/mem.rc")"
	n=$(kv "$CGP/mem/memory.events" oom_kill)
	[ "${n:-0}" -gt 0 ] && ok "memory: memory.events oom_kill=$n" || notok "memory: no oom_kill ($(cgfile mem memory.events))"
	res_end mem

	note "resources: cpu"
	res_ctr cpu '"cpu": {"quota": 20000, "period": 100000}' 'sh -c '\''while :; do :; done'\'' & b=$!; sleep 3; kill $b; wait $b 2>/dev/null; true' cpu.max '20000 100000'
	check "cpu: cpu.max" "20000 100000" "$(cgfile cpu cpu.max)"
	n=$(kv "$CGP/cpu/cpu.stat" nr_throttled)
	[ "${n:-0}" -gt 0 ] && ok "cpu: cpu.stat nr_throttled=$n" || notok "cpu: never throttled ($(cgfile cpu cpu.stat))"
	u=$(kv "$CGP/cpu/cpu.stat" usage_usec)
	# 3 s of a busy loop at 20% of one CPU: ~0.6 s; allow 1.2 s (1.0 s unthrottled would be 3 s).
	[ "${u:-9999999}" -le 1200000 ] && ok "cpu: busy loop of 3 s used ${u}us of CPU (quota 20%)" ||
		notok "cpu: busy loop of 3 s used '${u}'us of CPU, quota 20% allows ~600000"
	res_end cpu

	# devices: an eBPF device program on the container's cgroup.  The
	# containers get CAP_MKNOD; c 240:0 is a local major without a driver:
	# opening it gives ENXIO if the device program allows it, EPERM if not.
	note "resources: devices"
	cat >"$OUT/dev.sh" <<'EOS'
exec >/out/$ID.txt 2>&1
try() { if (: <"$1") 2>/dev/null; then echo "$2=ok"; else echo "$2=$( (: <"$1") 2>&1 | sed 's/.*: //')"; fi; }
try /dev/null null
try /dev/zero zero
if mknod /dev/bogus c 240 0 2>/out/$ID.mknod; then echo mknod=ok; else echo "mknod=$(sed "s/.*: //" /out/$ID.mknod)"; fi
try /dev/bogus bogus
mknod /dev/bogus1 c 240 1 && try /dev/bogus1 bogus1
echo end=1
EOS
	for d in devdef devdeny; do
		case $d in
		devdef) devs='{"allow": false, "access": "rwm"}' ;;
		devdeny) devs='{"allow": true, "access": "rwm"}, {"allow": false, "type": "c", "major": 240, "minor": 0, "access": "rw"}' ;;
		esac
		mkbundle $d dev.sh "\"devices\": [$devs]"
		sed -i 's/"CAP_KILL",/"CAP_KILL", "CAP_MKNOD",/g' "$W/$d/config.json"
		$RT run -b "$W/$d" $d </dev/null; check "$d: run exit status" 0 $?
		[ "$(kv "$OUT/$d.txt" end)" = 1 ] || { notok "$d: no output"; cat "$OUT/$d.txt"; }
	done
	f=$OUT/devdef.txt
	check "devices (deny-all + defaults): open /dev/null" ok "$(kv $f null)"
	check "devices (deny-all + defaults): open /dev/zero" ok "$(kv $f zero)"
	check "devices (deny-all + defaults): mknod c 240:0 (c *:* m allowed)" ok "$(kv $f mknod)"
	check "devices (deny-all + defaults): open c 240:0" "Operation not permitted" "$(kv $f bogus)"
	f=$OUT/devdeny.txt
	check "devices (allow-all, deny c 240:0 rw): open /dev/null" ok "$(kv $f null)"
	check "devices (allow-all, deny c 240:0 rw): open /dev/zero" ok "$(kv $f zero)"
	check "devices (allow-all, deny c 240:0 rw): open c 240:0" "Operation not permitted" "$(kv $f bogus)"
	check "devices (allow-all, deny c 240:0 rw): open c 240:1 (allowed, no driver)" "No such device or address" "$(kv $f bogus1)"
else
	note "resources checks off (V2VM_RESOURCES=1 turns them on)"
fi

# ---------------------------------------------------------------- nothing left
note "leftovers"
left=$(find $CGROOT -mindepth 1 -type d | grep -v "^$CGP\$" | tr '\n' ' ')
check "no container cgroup directory left under $CGROOT" "" "$left"
busy=
for d in $(find $CGROOT -mindepth 1 -type d); do [ -n "$(cat "$d/cgroup.procs")" ] && busy="$busy $d"; done # (size 0 in cgroupfs: not -s)
check "no process in any cgroup but the root" "" "$busy"
check "no sleep process left" "" "$(named sleep)"
myns=$(readlink /proc/self/ns/pid) others=
for n in /proc/[0-9]*/ns/pid; do
	x=$(readlink "$n" 2>/dev/null) && [ "$x" != "$myns" ] && { d=${n%/ns/pid}; others="$others ${d#/proc/}"; }
done
check "no process left in another pid namespace" "" "$others"
check "no rt process left" "" "$(named rt)"
check "rt list is empty" "" "$($RT list -q 2>/dev/null || $RT list 2>/dev/null | sed 1d)"
check "no state left in $STATE" "" "$(ls -A $STATE 2>/dev/null)"

note "$NOK ok, $NFAIL not ok"
if [ $NFAIL = 0 ]; then echo "V2VM-RESULT: PASS"; else echo "V2VM-RESULT: FAIL"; fi
