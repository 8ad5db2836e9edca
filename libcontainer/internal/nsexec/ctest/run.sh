#!/usr/bin/env bash
# run.sh - scenario tests of rt-init (../csrc) against a busybox rootfs, with
# driver.c playing the rt parent.  Needs root.  `make init-test` runs it.
#
#   RT_INIT=PATH   test this rt-init instead of ../bin/rt-init (`make init`)
#   CC=...         compiler for the driver (default cc)
#
# Every scenario runs the driver once and checks its exit status and output
# (the container's stdout/stderr and the driver's "driver: ..." lines).
# Ends with "N passed, N failed"; exits 1 if anything failed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../.." && pwd)

if [ "$(id -u)" != 0 ]; then
	echo "run.sh: the rt-init scenarios need root" >&2
	exit 1
fi
# A private mount namespace for the whole run: whatever a scenario mounts
# (the rootfs-less ones work on this namespace's copy of the host's mounts)
# goes away with it.
if [ -z "${RT_CTEST_PRIVATE:-}" ]; then
	RT_CTEST_PRIVATE=1 exec unshare -m --propagation private bash "$0" "$@"
fi

init=${RT_INIT:-$top/libcontainer/internal/nsexec/bin/rt-init}
if [ ! -x "$init" ]; then
	echo "run.sh: no rt-init at $init (run make init)" >&2
	exit 1
fi
work=$(mktemp -d /tmp/rt-ctest.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work" # the rootfs must be reachable by container users and user-ns roots
# A copy: a concurrent `make init` must not swap the binary under a scenario.
cp "$init" "$work/rt-init"
init=$work/rt-init
"${CC:-cc}" -O1 -Wall -Wextra -Werror -o "$work/driver" "$here/driver.c" || exit 1

# The rootfs: busybox-static and its applets, a marker, a non-executable file
# and an executable one the kernel cannot run.
root=$work/root
mkdir -p "$root"/{bin,proc,dev,etc,tmp}
cp /bin/busybox "$root/bin/busybox"
for a in sh id hostname cat ls echo grep uname stty tty sleep cut pwd tr true; do
	ln -s busybox "$root/bin/$a"
done
echo busybox-root >"$root/etc/marker"
printf 'not an ELF\n' >"$root/bin/badexec"
chmod 755 "$root/bin/badexec"
echo kept-fd >"$work/keep.txt"

pass=0
fail=0
failed=
# t NAME RC PATTERN... ::: DRIVER-ARGS...
# PATTERN is an extended regexp the output must match; !PATTERN must not match.
t() {
	local name=$1 want_rc=$2 out rc ok=1 p
	shift 2
	local pats=()
	while [ "$1" != ":::" ]; do
		pats+=("$1")
		shift
	done
	shift
	out=$(timeout 60 "$work/driver" -i "$init" "$@" 2>&1)
	rc=$?
	out=${out//$'\r'/} # a tty writes CRLF
	if [ "$rc" != "$want_rc" ]; then
		ok=0
		echo "    exit status $rc, want $want_rc"
	fi
	for p in "${pats[@]}"; do
		if [ "${p:0:1}" = "!" ]; then
			if grep -qE -- "${p:1}" <<<"$out"; then
				ok=0
				echo "    unexpected: ${p:1}"
			fi
		elif ! grep -qE -- "$p" <<<"$out"; then
			ok=0
			echo "    missing: $p"
		fi
	done
	result "$name" "$ok" "$out"
}

result() {
	if [ "$2" = 1 ]; then
		pass=$((pass + 1))
		echo "ok   $1"
	else
		fail=$((fail + 1))
		failed="$failed $1"
		echo "FAIL $1"
		sed 's/^/    | /' <<<"$3"
	fi
}

# check NAME COMMAND...: a check on files a scenario left behind.
check() {
	local name=$1
	shift
	if "$@"; then result "$name" 1 ""; else result "$name" 0 "check failed: $*"; fi
}

NS="-n pid,uts,ipc,mnt,net"
ROOT="-r $root -m proc:proc:/proc:"
DEV="-m tmpfs:tmpfs:/dev:mode=755 -m devpts:devpts:/dev/pts:newinstance,ptmxmode=0666"
HOSTPATH="-e PATH=$root/bin"

echo "# namespaces, names, credentials"
t rootless-fs-basics 0 'uid=1000(\([a-z]*\))? gid=1000' '^ctest$' '^pid=1$' 'CapBnd:.*0000000000000400' \
	'CapEff:.*0000000000000000' 'Groups:.*10 20' 'NoNewPrivs:.*0' "exec'd" \
	::: $NS -h ctest -u 1000:1000:10,20 -c 0x400 $HOSTPATH -- \
	sh -c 'id; hostname; echo pid=$$; grep -E "^(Cap|Groups|NoNewPrivs)" /proc/self/status'
t rootfs-basics 0 'uid=1000 gid=1000' '^ctest$' '^pid=1 sh$' 'CapBnd:.*0000000000000400' '^busybox-root$' \
	::: $NS $ROOT -h ctest -u 1000:1000 -c 0x400 -- \
	/bin/sh -c 'id; hostname; echo "pid=$$ $(cat /proc/1/comm)"; grep CapBnd /proc/self/status; cat /etc/marker'
t root-caps 0 'CapEff:.*0000000000002400' 'CapPrm:.*0000000000002400' 'CapInh:.*0000000000000000' \
	'CapBnd:.*0000000000002400' ::: $NS $ROOT -u 0:0 -c 0x2400 -- /bin/grep Cap /proc/self/status
t ambient-caps 0 'CapAmb:.*0000000000000400' 'CapEff:.*0000000000000400' 'uid=1000' \
	::: $NS $ROOT -u 1000:1000 -c 0x400 -a 0x400 -- /bin/sh -c 'id; grep Cap /proc/self/status'
t no-new-privs 0 'NoNewPrivs:.*1' ::: $NS $ROOT -N -- /bin/grep NoNewPrivs /proc/self/status
t umask 0 '^0027$' ::: $NS $ROOT -u 0:0 -U 027 -- /bin/sh -c umask
t personality 0 '^i686$' ::: $NS $ROOT -P 0x8 -- /bin/uname -m
t cwd 0 '^/tmp$' ::: $NS $ROOT -w /tmp -- /bin/pwd
t userns 0 'MapRequest' 'uid=0 gid=0' '0 +100000 +65536' 'CapEff:.*000001ffffffffff' \
	::: -n user,pid,uts,ipc,mnt,net $ROOT -- /bin/sh -c 'id; cat /proc/self/uid_map; grep CapEff /proc/self/status'
t userns-setgroups-deny 0 'uid=0 gid=0' ::: -n user,pid,mnt -D $ROOT -u 0:0 -- /bin/id
t userns-setgroups-deny-groups 2 'error: setgroups: 1 groups: operation not permitted' \
	::: -n user,pid,mnt -D $ROOT -u 0:0:10 -- /bin/id
t timens 0 'shifted' ::: -n time,pid,mnt -T 'boottime 864000 0' $ROOT -- \
	/bin/sh -c '[ "$(cut -d. -f1 /proc/uptime)" -ge 864000 ] && echo shifted'
t sysctl-rlimit 0 '^fwd=1$' '^shm=123456$' '^nofile=1000$' \
	::: $NS $ROOT -s net.ipv4.ip_forward=1 -s kernel/shmmax=123456 -l 7:1000:1000 -- \
	/bin/sh -c 'echo fwd=$(cat /proc/sys/net/ipv4/ip_forward); echo shm=$(cat /proc/sys/kernel/shmmax);
		echo nofile=$(ulimit -n)'
t sysctl-escape 2 'error: sysctl: kernel/\.\./\.\./1/environ: not a sysctl name: invalid argument' \
	::: $NS $ROOT -s 'kernel/../../1/environ=x' -- /bin/true
t seccomp-nnp 0 'hostname: sethostname: Operation not permitted' '^ctest$' \
	::: $NS $ROOT -h ctest -C -N -- /bin/sh -c 'hostname foo; hostname'
t seccomp-privileged 0 'hostname: sethostname: Operation not permitted' '^ctest$' \
	::: $NS $ROOT -h ctest -C -u 0:0 -c 0x200000 -- /bin/sh -c 'hostname foo; hostname'

echo "# joining namespaces"
touch "$work/utsns"
unshare --uts="$work/utsns" hostname joined-uts
t join-uts 0 '^joined-uts$' ::: -n pid,mnt -j "uts:$work/utsns" $ROOT -- /bin/hostname
t join-missing 2 'error: open net ns /nonexistent: no such file or directory' \
	::: -j net:/nonexistent $ROOT -- /bin/true
umount "$work/utsns"

echo "# executable, cwd, fds"
t exec-missing-abs 2 'error: exec: "/nope": stat /nope: no such file or directory' '!driver: Ready' \
	::: $NS $ROOT -- /nope
t exec-missing-path 2 'error: exec: "nope": executable file not found in \$PATH' ::: $NS $ROOT -- nope
t exec-not-executable 2 'error: exec: "/etc/marker": permission denied' ::: $NS $ROOT -- /etc/marker
t exec-path-search 0 '^found$' ::: $NS $ROOT -e PATH=/nowhere:/bin -- sh -c 'echo found'
# (rootfs-less: with a rootfs, rootfs.c creates a missing cwd, as runc does)
t cwd-missing 2 'error: chdir to cwd \("/nonexistent"\) set in config.json failed: no such file or directory' \
	::: $NS $HOSTPATH -w /nonexistent -- true
# CVE-2024-21626: a host directory fd reaches the init and cwd points at it.
t cwd-outside-root 2 'error: chdir to cwd: current working directory .* outside of the container root' \
	::: $NS $ROOT -k "$work" -w /proc/self/fd/3 -- /bin/true
# ls lists its own fds: the ones it got, and the one of the directory it reads.
t preserved-fd 0 '^kept-fd$' ::: $NS $ROOT -k "$work/keep.txt" -- /bin/sh -c 'cat <&3'
t preserved-fds-only 0 '^3$' '^4$' '!^5$' ::: $NS $ROOT -S -k "$work/keep.txt" -- /bin/ls /proc/self/fd
t only-stdio-fds 0 '^2$' '^3$' '!^4$' ::: $NS $ROOT -S -- /bin/ls /proc/self/fd
# CVE-2024-21626: a host directory fd that leaked into the init (not
# close-on-exec, unknown to the bootstrap) is closed before execve.
t stray-fd-closed 0 '^2$' '^3$' '!^4$' '!^5$' ::: $NS $ROOT -S -X "$work" -- /bin/ls /proc/self/fd
t stray-fd-closed-console 0 '^2$' '^3$' '!^4$' '!^5$' '!^6$' ::: $NS $ROOT $DEV -t 24x80 -S -X "$work" -- \
	/bin/ls -1 /proc/self/fd

echo "# start socket"
t start-roundtrip 0 'driver: init fds: 0 1 2 4=socket$' 'driver: started' '^running$' "driver: exec'd" \
	::: $NS $ROOT -S -F -- /bin/echo running
t start-exec-fails 3 'driver: started' 'error: exec: "/bin/badexec": exec format error' 'init exit 127' \
	::: $NS $ROOT -S -- /bin/badexec
t exec-fails-no-start 3 'driver: Ready' 'error: exec: "/bin/badexec": exec format error' 'init exit 127' \
	::: $NS $ROOT -- /bin/badexec

echo "# hooks"
t hooks 0 'HooksRequest' '^ran$' ::: $NS -S $HOSTPATH \
	-H "c:0:cat >$work/create.json; echo \"env=\$HOOKVAR\" >>$work/create.json" \
	-H "s:0:cat >$work/start.json" -- sh -c 'echo ran'
check hooks-create-state grep -q '"id":"ctest".*"pid":[1-9]' "$work/create.json"
check hooks-create-env grep -q 'env=1$' "$work/create.json"
check hooks-start-state grep -q '"status":"creating"' "$work/start.json"
t hook-create-fails 2 'error: createContainer hook: #1 /bin/sh: exit status 3' '!driver: Ready' \
	::: $NS $HOSTPATH -H "c:0:true" -H "c:0:exit 3" -- sh -c 'echo ran'
t hook-start-fails 3 'error: startContainer hook: #0 /bin/sh: exit status 3' '!^ran$' \
	::: $NS -S $HOSTPATH -H "s:0:exit 3" -- sh -c 'echo ran'
t hook-timeout 2 'error: createContainer hook: #0 /bin/sh: timed out after 1s' \
	::: $NS $HOSTPATH -H "c:1:sleep 30" -- sh -c 'echo ran'
t hook-no-stdin-read 0 '^ran$' ::: $NS $HOSTPATH -H "c:0:exec true" -- sh -c 'echo ran'

echo "# console"
t console 0 'driver: console /dev/pts/0' '^/dev/pts/0' '^24 80' 'console: c.* 136, +0 ' \
	::: $NS $ROOT $DEV -t 24x80 -- /bin/sh -c 'tty; stty size; echo "console: $(ls -l /dev/console)"'
# CVE-2025-52565: /dev/pts/ptmx that is not the devpts ptmx, or a symlink.  (The
# host's /dev/ptmx bound there is refused by the kernel itself: ptmx_open finds
# no "pts" next to it.)
t console-fake-ptmx 2 'error: console: /dev/pts/ptmx is not the ptmx \(char 5:2\) of a devpts' \
	::: $NS $ROOT -m tmpfs:tmpfs:/dev:mode=755 -m tmpfs:tmpfs:/dev/pts: -b /dev/null:/dev/pts/ptmx \
	-t 24x80 -- /bin/true
t console-symlink-ptmx 2 'error: console: open /dev/pts/ptmx: (too many levels of symbolic links|no such)' \
	::: $NS $ROOT -m tmpfs:tmpfs:/dev:mode=755 -m tmpfs:tmpfs:/dev/pts: -L /dev/ptmx:/dev/pts/ptmx \
	-t 24x80 -- /bin/true

echo "# LSM labels (no AppArmor or SELinux on this host: the write is tried and refused)"
# The parent refuses labels the host cannot apply; here the init is driven
# directly, to show it writes them to its own attr files of the private procfs.
t label-apparmor 2 'error: apparmor: apply profile: .*write "exec rt-test-profile" to /proc/[0-9]+/attr/(apparmor/)?exec' \
	::: $NS $ROOT -A rt-test-profile -- /bin/true
t label-selinux 2 'error: selinux: set the exec label: .*/proc/[0-9]+/attr/exec' \
	::: $NS $ROOT -Z system_u:system_r:container_t:s0 -- /bin/true

echo "# malformed bootstraps"
t bad-short 2 'error: protocol: Hostname: payload too short: protocol error' ::: -x short -- /bin/true
t bad-trailing 2 'error: protocol: Cwd: 1 bytes left over: protocol error' ::: -x trailing -- /bin/true
t bad-huge 2 'error: protocol: Mount: frame of 4194305 bytes exceeds 4194304' ::: -x huge -- /bin/true
t bad-nul 2 'error: protocol: Mask: string contains a NUL byte' ::: -x nul -- /bin/true
t bad-count 2 'error: protocol: Mask: more than 4096' ::: -x count -- /bin/true
t bad-unknown 2 'error: protocol: unexpected Type\(99\) in the bootstrap' ::: -x unknown -- /bin/true
t bad-dup 2 'error: protocol: Hostname: more than 1' ::: -x dup -- /bin/true
t bad-groups 2 'error: protocol: User: groups is 3 bytes' ::: -x groups -- /bin/true
t bad-total 2 'error: protocol: bootstrap exceeds 16777216 bytes' ::: -x total -- /bin/true
t bad-eof 2 'error: read bootstrap: broken pipe' '!timed out' ::: -x eof -- /bin/true
t bad-no-args 2 'error: protocol: no process args' ::: --
t bad-exec-no-opt 2 'error: protocol: Exec without the exec option' ::: -x exec-no-opt -- /bin/true
t bad-exec-opt-only 2 'error: protocol: Options: exec without an Exec message' ::: -x exec-opt-only -- /bin/true
t bad-exec-rootfs 2 'error: protocol: Exec: a container setup message' ::: -x exec-rootfs -- /bin/true
t bad-exec-ns 2 'error: protocol: Exec: 0x1 is not a namespace flag' ::: -x exec-badns -- /bin/true

echo "# leftovers"
left=0
for exe in /proc/[0-9]*/exe; do
	[ "$(readlink "$exe" 2>/dev/null)" = "$init" ] && left=$((left + 1))
done
check no-rt-init-left [ "$left" = 0 ]
check no-mounts-left [ "$(grep -c "$work" /proc/self/mountinfo)" = 0 ]

echo
echo "$pass passed, $fail failed"
[ "$fail" = 0 ] || {
	echo "failed:$failed"
	exit 1
}
