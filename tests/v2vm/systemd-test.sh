#!/bin/sh
# systemd-test.sh - rt's systemd cgroup driver (`rt --systemd-cgroup`)
# against a real systemd.  The TEST_SCRIPT of tests/v2vm/v2vm.sh with
# V2VM_INIT=systemd (`make v2vm-systemd`): it runs as the oneshot unit
# v2vm-test.service in a Debian guest with systemd as PID 1 on pure cgroup v2,
# with $RUNTIME = rt and $BUSYBOX = static busybox (the container rootfs).
#
# Checks: `rt --systemd-cgroup run -d` with cgroupsPath
# "system.slice:rt-test:c1" makes the transient scope rt-test-c1.scope
# (active, `systemctl status` succeeds), the init pid is in the scope's
# cgroup, the pids limit is in pids.max and in the unit's TasksMax and
# refuses forks, an org.systemd.property.* annotation reaches the unit,
# pause/resume freeze the scope, and after `delete --force` the scope and its
# cgroup are gone; then a foreground `run` with no cgroupsPath (scope
# rt-<id>.scope in system.slice) exits 0 and leaves nothing.  c4, made with
# memory, cpu shares/quota/period and cpus limits, has them as unit
# properties (MemoryMax, CPUWeight, CPUQuotaPerSecUSec, CPUQuotaPeriodUSec,
# AllowedCPUs) and in memory.max, cpu.weight, cpu.max and cpuset.cpus, still
# there after `systemctl daemon-reload`; `rt update --memory` changes
# MemoryMax (and memory.max, also after a reload).  One line per
# check ("ok - ..." / "not ok - ..."), then "V2VM-RESULT: PASS" only if all
# passed.
#
# The mode is detected (`stat -f -c %T /sys/fs/cgroup`: cgroup2fs is pure v2,
# tmpfs the hybrid layout of systemd.unified_cgroup_hierarchy=0, as `make
# v2vm-systemd-hybrid` boots it: v1 controllers under /sys/fs/cgroup/<c>,
# name=systemd at /sys/fs/cgroup/systemd, cgroup2 at /sys/fs/cgroup/unified).
# Pure v2 runs the checks above.  Hybrid runs their v1 equivalents (runc's v1
# unit properties): c1's init is in the scope in every hierarchy
# (/proc/<pid>/cgroup, each cgroup.procs: systemd makes the scope in
# name=systemd, unified and the controllers it drives, rt in the others, e.g.
# cpuset, freezer), pids.max/TasksMax and a failing fork, pause/resume through
# freezer.state, and after `delete --force` no scope directory in any
# hierarchy; c2 likewise; c4 has MemoryLimit, CPUShares, CPUQuotaPerSecUSec,
# CPUQuotaPeriodUSec, AllowedCPUs, TasksMax and memory.limit_in_bytes,
# cpu.shares, cpu.cfs_quota_us, cpu.cfs_period_us, cpuset.cpus, pids.max,
# before and after daemon-reload and `rt update --memory`.
# shellcheck disable=SC2015
: "${RUNTIME:?}" "${BUSYBOX:?}"
NFAIL=0 NOK=0
ok() { echo "ok - $*"; NOK=$((NOK + 1)); }
notok() { echo "not ok - $*"; NFAIL=$((NFAIL + 1)); }
check() { # name expected got
	if [ "$2" = "$3" ]; then ok "$1 ($3)"; else notok "$1: expected '$2', got '$3'"; fi
}
STATE=/run/sd-state
RT="$RUNTIME --root $STATE --systemd-cgroup"
W=/run/sdtest
OUT=$W/out
UNIT=rt-test-c1.scope
CG=/sys/fs/cgroup/system.slice/$UNIT

status() { $RT state "$1" 2>/dev/null | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p'; }
ipid() { $RT state "$1" 2>/dev/null | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p'; }
wait_file() { i=0; while [ ! -s "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done; [ -s "$1" ]; }

# mkbundle ID CGROUPSPATH ARGS-JSON [RESOURCES-JSON]: busybox bundle $W/ID
# (resources: a pids limit of 10 by default).
mkbundle() {
	res='{"pids": {"limit": 10}}'
	[ -z "${4:-}" ] || res=$4
	mkdir -p "$W/$1"
	ln -sfn ../rootfs "$W/$1/rootfs"
	cat >"$W/$1/config.json" <<EOF
{
  "ociVersion": "1.0.2",
  "process": {"terminal": false, "user": {"uid": 0, "gid": 0}, "cwd": "/", "args": $3,
    "env": ["PATH=/bin"], "noNewPrivileges": true},
  "root": {"path": "rootfs", "readonly": true},
  "hostname": "ctr",
  "annotations": {"org.systemd.property.TimeoutStopUSec": "uint64 123456789",
                  "org.systemd.property.CollectMode": "'inactive-or-failed'"},
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]},
    {"destination": "/out", "type": "bind", "source": "$OUT", "options": ["rbind", "rw"]}
  ],
  "linux": {
    "cgroupsPath": "$2",
    "resources": $res,
    "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"}]
  }
}
EOF
}

rm -rf "$W" "$STATE"
mkdir -p "$W/rootfs/bin" "$W/rootfs/proc" "$W/rootfs/dev" "$W/rootfs/out" "$OUT"
cp "$BUSYBOX" "$W/rootfs/bin/busybox"
for a in $("$BUSYBOX" --list); do [ "$a" = busybox ] || ln -s busybox "$W/rootfs/bin/$a"; done
echo "# $($RUNTIME --version | head -n1); $(systemctl --version | head -n1); kernel $(uname -r)"
case $(stat -f -c %T /sys/fs/cgroup) in
cgroup2fs) CGMODE=v2 ;;
tmpfs) CGMODE=hybrid ;;
*) CGMODE="unknown ($(stat -f -c %T /sys/fs/cgroup))" ;;
esac
echo "# cgroup mode: $CGMODE"
if [ "$CGMODE" = v2 ]; then
check "host /sys/fs/cgroup is cgroup2" 63677270 "$(stat -f -c %t /sys/fs/cgroup)"

# --- c1: a long-running container in rt-test-c1.scope
cat >"$OUT/c1.sh" <<'EOF'
sh -c 'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do sleep 100 & done' 2>/out/c1.err
echo done >/out/c1.done
exec sleep 1000
EOF
mkbundle c1 "system.slice:rt-test:c1" '["sh", "/out/c1.sh"]'
$RT run -d -b "$W/c1" c1 </dev/null >/dev/null 2>"$W/c1.err" && ok "run -d c1" || notok "run -d c1: $(cat "$W/c1.err")"
check "c1 running" running "$(status c1)"
systemctl status --no-pager "$UNIT" >/dev/null 2>&1 && ok "systemctl status $UNIT" || notok "systemctl status $UNIT failed"
check "$UNIT active" active "$(systemctl is-active "$UNIT" 2>&1)"
check "$UNIT in system.slice" system.slice "$(systemctl show -p Slice --value "$UNIT")"
check "$UNIT delegated" yes "$(systemctl show -p Delegate --value "$UNIT")"
check "annotation TimeoutStopUSec" "2min 3.456789s" "$(systemctl show -p TimeoutStopUSec --value "$UNIT")"
check "annotation CollectMode" inactive-or-failed "$(systemctl show -p CollectMode --value "$UNIT")"
P=$(ipid c1)
check "init pid's cgroup" "0::/system.slice/$UNIT" "$(cat /proc/"$P"/cgroup 2>&1)"
grep -qx "$P" "$CG/cgroup.procs" 2>/dev/null && ok "init pid $P in $CG/cgroup.procs" || notok "init pid $P not in $CG/cgroup.procs"
check "pids.max" 10 "$(cat "$CG/pids.max" 2>&1)"
check "unit TasksMax" 10 "$(systemctl show -p TasksMax --value "$UNIT")"
wait_file "$OUT/c1.done"
n=$(wc -l <"$CG/cgroup.procs")
[ "$n" -ge 2 ] && [ "$n" -le 10 ] && ok "$n processes in the scope (pids limit 10, 16 tried)" || notok "pids limit: $n processes in the scope"
grep -q 'fork' "$OUT/c1.err" 2>/dev/null && ok "a fork over the limit failed: $(head -n1 "$OUT/c1.err")" || notok "no fork failed: '$(cat "$OUT/c1.err" 2>&1)'"
check "pids.current <= 10" yes "$([ "$(cat "$CG/pids.current")" -le 10 ] && echo yes || echo "no: $(cat "$CG/pids.current")")"
$RT pause c1 && check "pause: status" paused "$(status c1)" || notok "pause c1"
check "cgroup.freeze after pause" 1 "$(cat "$CG/cgroup.freeze" 2>&1)"
$RT resume c1 && check "resume: status" running "$(status c1)" || notok "resume c1"
err=$($RT delete --force c1 2>&1) && ok "delete --force c1" || notok "delete --force c1: $err"
[ -d /proc/"$P" ] && notok "init $P still alive" || ok "init gone"
check "$UNIT after delete" inactive "$(systemctl is-active "$UNIT" 2>&1)"
check "$UNIT not loaded" "" "$(systemctl list-units --all --no-legend "$UNIT" 2>&1)"
[ -e "$CG" ] && notok "$CG left behind" || ok "$CG gone"

# --- c2: foreground run, no cgroupsPath: rt-c2.scope in system.slice
mkbundle c2 "" '["sh", "-c", "cat /proc/self/cgroup > /out/c2.cg"]'
$RT run -b "$W/c2" c2 </dev/null >/dev/null 2>"$W/c2.err"
check "run c2 exit status" 0 "$?"
check "c2 cgroup (inside: no cgroup ns)" "0::/system.slice/rt-c2.scope" "$(cat "$OUT/c2.cg" 2>&1)"
check "rt-c2.scope gone" "" "$(systemctl list-units --all --no-legend rt-c2.scope 2>&1)"
[ -e /sys/fs/cgroup/system.slice/rt-c2.scope ] && notok "rt-c2.scope cgroup left" || ok "rt-c2.scope cgroup gone"
check "no state left" "" "$(ls "$STATE" 2>/dev/null)"
[ -s "$W/c2.err" ] && echo "# c2 stderr: $(cat "$W/c2.err")"

# --- c4: resource limits as unit properties (rt-test-c4.scope)
U4=rt-test-c4.scope
CG4=/sys/fs/cgroup/system.slice/$U4
mkbundle c4 "system.slice:rt-test:c4" '["sleep", "1000"]' '{"memory": {"limit": 67108864},
      "cpu": {"shares": 1024, "quota": 50000, "period": 100000, "cpus": "1"}, "pids": {"limit": 20}}'
$RT run -d -b "$W/c4" c4 </dev/null >/dev/null 2>"$W/c4.err" && ok "run -d c4" || notok "run -d c4: $(cat "$W/c4.err")"
# unit_limits CONTEXT: the unit properties and the cgroup files of c4.
unit_limits() {
	check "$1: $U4 MemoryMax" "$2" "$(systemctl show -p MemoryMax --value "$U4")"
	check "$1: $U4 CPUWeight" 39 "$(systemctl show -p CPUWeight --value "$U4")"
	check "$1: $U4 CPUQuotaPerSecUSec" 500ms "$(systemctl show -p CPUQuotaPerSecUSec --value "$U4")"
	check "$1: $U4 CPUQuotaPeriodUSec" 100ms "$(systemctl show -p CPUQuotaPeriodUSec --value "$U4")"
	check "$1: $U4 AllowedCPUs" 1 "$(systemctl show -p AllowedCPUs --value "$U4")"
	check "$1: $U4 TasksMax" 20 "$(systemctl show -p TasksMax --value "$U4")"
	check "$1: memory.max" "$2" "$(cat "$CG4/memory.max" 2>&1)"
	check "$1: cpu.weight" 39 "$(cat "$CG4/cpu.weight" 2>&1)"
	check "$1: cpu.max" "50000 100000" "$(cat "$CG4/cpu.max" 2>&1)"
	check "$1: cpuset.cpus" 1 "$(cat "$CG4/cpuset.cpus" 2>&1)"
	check "$1: pids.max" 20 "$(cat "$CG4/pids.max" 2>&1)"
}
unit_limits "c4" 67108864
systemctl daemon-reload && ok "systemctl daemon-reload" || notok "systemctl daemon-reload"
unit_limits "after daemon-reload" 67108864
err=$($RT update --memory 128m c4 2>&1) && ok "update --memory 128m c4" || notok "update c4: $err"
unit_limits "after update" 134217728
systemctl daemon-reload && ok "systemctl daemon-reload" || notok "systemctl daemon-reload"
unit_limits "after update and daemon-reload" 134217728
err=$($RT delete --force c4 2>&1) && ok "delete --force c4" || notok "delete --force c4: $err"
check "$U4 not loaded" "" "$(systemctl list-units --all --no-legend "$U4" 2>&1)"

elif [ "$CGMODE" = hybrid ]; then
	# --- hybrid: v1 controllers + name=systemd + cgroup2 at unified
	H=/sys/fs/cgroup
	check "host /sys/fs/cgroup is a tmpfs (hybrid)" tmpfs "$(stat -f -c %T $H)"
	check "$H/unified is cgroup2" cgroup2fs "$(stat -f -c %T $H/unified 2>&1)"
	check "$H/systemd is cgroup v1 (name=systemd)" cgroupfs "$(stat -f -c %T $H/systemd 2>&1)"
	# HIER: every mounted hierarchy (co-mounted controllers once: cpu and
	# cpuacct are symlinks to cpu,cpuacct)
	HIER=""
	for d in "$H"/*; do
		[ -L "$d" ] || [ ! -d "$d" ] || HIER="$HIER ${d##*/}"
	done
	echo "# hierarchies:$HIER"
	# in_every HIERARCHY-PATH PID: the init's /proc/<pid>/cgroup has PATH in
	# each hierarchy (one line each), and PID is in each cgroup.procs there
	in_every() {
		nl=$(wc -l <"/proc/$2/cgroup")
		nh=$(echo "$HIER" | wc -w)
		check "$1: /proc/$2/cgroup has a line per hierarchy" "$nh" "$nl"
		while IFS=: read -r _ ctrl path; do
			check "$1: init in the scope in '${ctrl:-unified}'" "$SP" "$path"
		done <"/proc/$2/cgroup"
		for h in $HIER; do
			grep -qx "$2" "$H/$h$SP/cgroup.procs" 2>/dev/null && ok "$1: init $2 in $H/$h$SP/cgroup.procs" ||
				notok "$1: init $2 not in $H/$h$SP/cgroup.procs"
		done
	}
	# none_left CONTEXT: no directory $SP in any hierarchy
	none_left() {
		left=""
		for h in $HIER; do [ ! -e "$H/$h$SP" ] || left="$left $H/$h$SP"; done
		check "$1: no $SP directory in any hierarchy" "" "$left"
	}

	# --- c1: a long-running container in rt-test-c1.scope
	SP=/system.slice/$UNIT
	cat >"$OUT/c1.sh" <<'EOF'
sh -c 'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do sleep 100 & done' 2>/out/c1.err
echo done >/out/c1.done
exec sleep 1000
EOF
	mkbundle c1 "system.slice:rt-test:c1" '["sh", "/out/c1.sh"]'
	$RT run -d -b "$W/c1" c1 </dev/null >/dev/null 2>"$W/c1.err" && ok "run -d c1" || notok "run -d c1: $(cat "$W/c1.err")"
	check "c1 running" running "$(status c1)"
	systemctl status --no-pager "$UNIT" >/dev/null 2>&1 && ok "systemctl status $UNIT" || notok "systemctl status $UNIT failed"
	check "$UNIT active" active "$(systemctl is-active "$UNIT" 2>&1)"
	check "$UNIT in system.slice" system.slice "$(systemctl show -p Slice --value "$UNIT")"
	check "$UNIT delegated" yes "$(systemctl show -p Delegate --value "$UNIT")"
	check "$UNIT ControlGroup" "$SP" "$(systemctl show -p ControlGroup --value "$UNIT")"
	check "annotation TimeoutStopUSec" "2min 3.456789s" "$(systemctl show -p TimeoutStopUSec --value "$UNIT")"
	check "annotation CollectMode" inactive-or-failed "$(systemctl show -p CollectMode --value "$UNIT")"
	P=$(ipid c1)
	echo "# /proc/$P/cgroup: $(tr '\n' ' ' <"/proc/$P/cgroup" 2>&1)"
	in_every c1 "$P"
	check "pids.max" 10 "$(cat "$H/pids$SP/pids.max" 2>&1)"
	check "unit TasksMax" 10 "$(systemctl show -p TasksMax --value "$UNIT")"
	wait_file "$OUT/c1.done"
	n=$(wc -l <"$H/pids$SP/cgroup.procs")
	[ "$n" -ge 2 ] && [ "$n" -le 10 ] && ok "$n processes in the scope (pids limit 10, 16 tried)" || notok "pids limit: $n processes in the scope"
	grep -q 'fork' "$OUT/c1.err" 2>/dev/null && ok "a fork over the limit failed: $(head -n1 "$OUT/c1.err")" || notok "no fork failed: '$(cat "$OUT/c1.err" 2>&1)'"
	check "pids.current <= 10" yes "$([ "$(cat "$H/pids$SP/pids.current")" -le 10 ] && echo yes || echo "no: $(cat "$H/pids$SP/pids.current")")"
	$RT pause c1 && check "pause: status" paused "$(status c1)" || notok "pause c1"
	check "freezer.state after pause" FROZEN "$(cat "$H/freezer$SP/freezer.state" 2>&1)"
	$RT resume c1 && check "resume: status" running "$(status c1)" || notok "resume c1"
	check "freezer.state after resume" THAWED "$(cat "$H/freezer$SP/freezer.state" 2>&1)"
	err=$($RT delete --force c1 2>&1) && ok "delete --force c1" || notok "delete --force c1: $err"
	[ -d /proc/"$P" ] && notok "init $P still alive" || ok "init gone"
	check "$UNIT after delete" inactive "$(systemctl is-active "$UNIT" 2>&1)"
	check "$UNIT not loaded" "" "$(systemctl list-units --all --no-legend "$UNIT" 2>&1)"
	none_left "c1 after delete"

	# --- c2: foreground run, no cgroupsPath: rt-c2.scope in system.slice
	SP=/system.slice/rt-c2.scope
	mkbundle c2 "" '["sh", "-c", "cat /proc/self/cgroup > /out/c2.cg"]'
	$RT run -b "$W/c2" c2 </dev/null >/dev/null 2>"$W/c2.err"
	check "run c2 exit status" 0 "$?"
	check "c2 name=systemd cgroup (inside: no cgroup ns)" "$SP" "$(sed -n 's/^[0-9]*:name=systemd://p' "$OUT/c2.cg" 2>&1)"
	check "c2 in the scope in every hierarchy" "$(echo "$HIER" | wc -w) $(echo "$HIER" | wc -w)" \
		"$(wc -l <"$OUT/c2.cg") $(grep -c ":$SP\$" "$OUT/c2.cg")"
	check "rt-c2.scope gone" "" "$(systemctl list-units --all --no-legend rt-c2.scope 2>&1)"
	none_left "c2 after run"
	check "no state left" "" "$(ls "$STATE" 2>/dev/null)"
	[ -s "$W/c2.err" ] && echo "# c2 stderr: $(cat "$W/c2.err")"

	# --- c4: resource limits as (v1) unit properties (rt-test-c4.scope)
	U4=rt-test-c4.scope
	SP=/system.slice/$U4
	mkbundle c4 "system.slice:rt-test:c4" '["sleep", "1000"]' '{"memory": {"limit": 67108864},
      "cpu": {"shares": 1024, "quota": 50000, "period": 100000, "cpus": "1"}, "pids": {"limit": 20}}'
	# (under timeout: a hang here is reported with rt's goroutines, SIGQUIT)
	timeout -s QUIT 60 $RT run -d -b "$W/c4" c4 </dev/null >/dev/null 2>"$W/c4.err" && ok "run -d c4" || {
		notok "run -d c4 (exit $?): $(head -c 300 "$W/c4.err")"
		echo "# c4 stderr:"; sed 's/^/#   /' "$W/c4.err" | head -150
		echo "# processes:"; ps -eo pid,ppid,stat,wchan:24,args | sed 's/^/#   /'
		echo "# $U4:"; systemctl status --no-pager "$U4" 2>&1 | sed 's/^/#   /'
		echo "# journal:"; journalctl -n 40 --no-pager 2>&1 | sed 's/^/#   /'
	}
	P4=$(ipid c4)
	[ -z "$P4" ] || in_every c4 "$P4"
	# unit_limits_v1 CONTEXT MEMORY: the unit properties and the v1 files of c4.
	unit_limits_v1() {
		check "$1: $U4 MemoryLimit" "$2" "$(systemctl show -p MemoryLimit --value "$U4")"
		check "$1: $U4 CPUShares" 1024 "$(systemctl show -p CPUShares --value "$U4")"
		check "$1: $U4 CPUQuotaPerSecUSec" 500ms "$(systemctl show -p CPUQuotaPerSecUSec --value "$U4")"
		check "$1: $U4 CPUQuotaPeriodUSec" 100ms "$(systemctl show -p CPUQuotaPeriodUSec --value "$U4")"
		check "$1: $U4 AllowedCPUs" 1 "$(systemctl show -p AllowedCPUs --value "$U4")"
		check "$1: $U4 TasksMax" 20 "$(systemctl show -p TasksMax --value "$U4")"
		check "$1: memory.limit_in_bytes" "$2" "$(cat "$H/memory$SP/memory.limit_in_bytes" 2>&1)"
		check "$1: cpu.shares" 1024 "$(cat "$H/cpu,cpuacct$SP/cpu.shares" 2>&1)"
		check "$1: cpu.cfs_quota_us" 50000 "$(cat "$H/cpu,cpuacct$SP/cpu.cfs_quota_us" 2>&1)"
		check "$1: cpu.cfs_period_us" 100000 "$(cat "$H/cpu,cpuacct$SP/cpu.cfs_period_us" 2>&1)"
		check "$1: cpuset.cpus" 1 "$(cat "$H/cpuset$SP/cpuset.cpus" 2>&1)"
		check "$1: pids.max" 20 "$(cat "$H/pids$SP/pids.max" 2>&1)"
	}
	unit_limits_v1 "c4" 67108864
	systemctl daemon-reload && ok "systemctl daemon-reload" || notok "systemctl daemon-reload"
	unit_limits_v1 "after daemon-reload" 67108864
	err=$($RT update --memory 128m c4 2>&1) && ok "update --memory 128m c4" || notok "update c4: $err"
	unit_limits_v1 "after update" 134217728
	systemctl daemon-reload && ok "systemctl daemon-reload" || notok "systemctl daemon-reload"
	unit_limits_v1 "after update and daemon-reload" 134217728
	err=$($RT delete --force c4 2>&1) && ok "delete --force c4" || notok "delete --force c4: $err"
	check "$U4 not loaded" "" "$(systemctl list-units --all --no-legend "$U4" 2>&1)"
	none_left "c4 after delete"
else
	notok "unknown cgroup mode: $CGMODE"
fi

# --- errors
mkbundle c3 "bad-path" '["true"]'
err=$($RT run -b "$W/c3" c3 2>&1 </dev/null)
case $err in *'expected cgroupsPath to be of format'*'slice:prefix:name'*) ok "bad cgroupsPath refused" ;; *) notok "bad cgroupsPath: $err" ;; esac
check "no state left after the error" "" "$(ls "$STATE" 2>/dev/null)"

echo "# $NOK ok, $NFAIL failed"
if [ "$NFAIL" = 0 ]; then echo "V2VM-RESULT: PASS"; else echo "V2VM-RESULT: FAIL"; fi
