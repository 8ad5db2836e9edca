#!/bin/sh
# conformance-test.sh - the runtime-tools linux_cgroups_* validation files
# against rt on a pure cgroup v2 kernel.  The TEST_SCRIPT of
# tests/v2vm/v2vm.sh for `make v2vm-conformance`: it runs as root in the
# busybox guest (cgroup_no_v1=all, cgroup2 on /sys/fs/cgroup with every
# controller enabled in the root's cgroup.subtree_control by the guest's
# init) with $RUNTIME = rt.
#
# The overlay (tests/conformance/v2vm-overlay.sh) provides /conformance: the
# suite built with tests/conformance/patches (its cgroups package reads v2),
# i.e. runtimetest, rootfs-amd64.tar.gz, validation/<name>/<name>.t (with
# the shared libraries they need) and expected-pass-v2.txt.
#
# Each file runs as tests/conformance/run.sh runs it: cwd /conformance (the
# .t finds runtimetest and the rootfs tarball there), RUNTIME = a wrapper
# adding a private --root, TMPDIR private, under a timeout; its containers
# and the suite's fixed cgroups are removed after it.  Status from TAP: a
# "not ok" line without "# TODO" is a fail; else a non-zero exit is a crash
# (a timeout: 124/137); else pass.  Prints one line per file, the "not ok"
# lines and stderr tail of each file that did not pass, then
# "conformance-v2: N/M passed", and "V2VM-RESULT: PASS" only if every file
# of expected-pass-v2.txt passed.
#
# CONF_RUNC=1 (V2VM_ENV) also runs every file against /usr/local/bin/runc
# (V2VM_BINS=runc) for comparison: printed, never part of the result.
# CONF_TESTS="a b" runs only those files; CONF_TIMEOUT secs per file [90].
# shellcheck disable=SC2012,SC2013,SC2016
: "${RUNTIME:?}"
C=/conformance
W=/run/conformance
CG=/sys/fs/cgroup
T=${CONF_TIMEOUT:-90}
up() { cut -d' ' -f1 /proc/uptime; }

[ -x "$C/runtimetest" ] || { echo "conformance-v2: no suite in $C"; echo "V2VM-RESULT: FAIL"; exit 1; }
if grep -q ' cgroup ' /proc/self/mounts || ! grep -q ' cgroup2 ' /proc/self/mounts; then
	echo "conformance-v2: not a pure cgroup v2 host"; echo "V2VM-RESULT: FAIL"; exit 1
fi
echo "# controllers: $(cat $CG/cgroup.subtree_control); hugepages: $(ls /sys/kernel/mm/hugepages 2>/dev/null | tr '\n' ' ')"
echo "# block devices: $(awk 'NR > 2 { printf "%s(%s:%s) ", $4, $1, $2 }' /proc/partitions 2>/dev/null)"
# BFQ on the disks: per-device blkio weights need io.bfq.weight (the bfq
# module is loaded by the Makefile when the kernel has it).
for q in /sys/block/*/queue/scheduler; do
	[ -w "$q" ] && echo bfq >"$q" 2>/dev/null
done
echo "# io schedulers: $(cat /sys/block/*/queue/scheduler 2>/dev/null | tr '\n' ' ')"

names=$CONF_TESTS
[ -n "$names" ] || names=$(cd "$C/validation" && ls -d linux_cgroups_* | sort)

# wrapper RUNTIME-BIN LABEL: a runtime command with a private --root
wrapper() {
	mkdir -p "$W/$2/state" "$W/$2/tmp"
	printf '#!/bin/sh\nexec %s --root %s "$@"\n' "$1" "$W/$2/state" >"$W/$2/runtime"
	chmod 0755 "$W/$2/runtime"
}

cleanup() { # LABEL
	for id in $("$W/$1/runtime" list -q 2>/dev/null; ls -A "$W/$1/state" 2>/dev/null); do
		"$W/$1/runtime" kill "$id" KILL >/dev/null 2>&1
		"$W/$1/runtime" delete --force "$id" >/dev/null 2>&1
	done
	for rel in / $(sed -n 's/^0:://p' /proc/self/cgroup); do
		rmdir "$CG$rel/testdir/cgrouptest/container" "$CG$rel/testdir/cgrouptest" \
			"$CG$rel/testdir" "$CG$rel/cgrouptest" 2>/dev/null
	done
	rm -rf "${W:?}/$1/tmp/"* 2>/dev/null
}

# classify OUT RC: "status ok notok skip"
classify() {
	awk -v rc="$2" '
		/^ok([ \t]|$)/ { if ($0 ~ /#[ \t]*[Ss][Kk][Ii][Pp]/) s++; else o++; next }
		/^not ok([ \t]|$)/ { if ($0 !~ /#[ \t]*[Tt][Oo][Dd][Oo]/) n++; next }
		/^1\.\.[0-9]+/ { p = 1 }
		NF { l++ }
		END {
			st = "pass"
			if (rc == 124 || rc == 137) st = "timeout"
			else if (n > 0) st = "fail"
			else if (rc != 0) st = "crash"
			else if (!p && l > 0) st = "crash"
			printf "%s %d %d %d\n", st, o, n, s
		}' "$1"
}

# run_all LABEL: prints the per-file lines; sets NPASS NRUN and PASSED
run_all() {
	NPASS=0 NRUN=0 PASSED=' '
	for n in $names; do
		t0=$(up)
		out=$W/$1/$n.out err=$W/$1/$n.err
		(cd "$C" && exec env TMPDIR="$W/$1/tmp" RUNTIME="$W/$1/runtime" \
			timeout -s KILL "$T" "./validation/$n/$n.t") </dev/null >"$out" 2>"$err"
		rc=$?
		cleanup "$1"
		read -r st ok notok skip <<-EOF
			$(classify "$out" "$rc")
		EOF
		NRUN=$((NRUN + 1))
		[ "$st" = pass ] && NPASS=$((NPASS + 1)) && PASSED="$PASSED$n "
		printf '%s: %-30s status=%-7s ok=%d notok=%d skip=%d rc=%d secs=%s\n' "$1" "$n" "$st" "$ok" "$notok" "$skip" "$rc" \
			"$(awk -v a="$t0" -v b="$(up)" 'BEGIN { printf "%.1f", b - a }')"
		if [ "$st" != pass ]; then
			grep -A2 '^not ok' "$out" | head -n 12 | sed 's/^/    /'
			grep '# SKIP' "$out" | sort | uniq -c | head -n 5 | sed 's/^/    /'
			tail -n 4 "$err" | sed 's/^/    stderr: /'
		fi
	done
}

rm -rf "$W"
wrapper "$RUNTIME" rt
echo "# [$(up)s] rt: $(echo "$names" | wc -w) files, timeout ${T}s each"
run_all rt
RT_PASSED=$PASSED
echo "conformance-v2: $NPASS/$NRUN passed (rt)"
echo "# skips of the passing files (fields without a v2 file):"
for n in $RT_PASSED; do
	grep '# SKIP' "$W/rt/$n.out" | sed 's/^ok [0-9]* //' | sort | uniq -c | sed "s/^/#   $n: /"
done

if [ "${CONF_RUNC:-0}" = 1 ] && [ -x /usr/local/bin/runc ]; then
	wrapper /usr/local/bin/runc runc
	echo "# [$(up)s] runc ($(/usr/local/bin/runc --version | head -n1)), for comparison"
	run_all runc
	echo "conformance-v2: $NPASS/$NRUN passed (runc, for comparison)"
fi

bad=0
for n in $(sed -e 's/#.*//' "$C/expected-pass-v2.txt"); do
	case "$RT_PASSED" in
	*" $n "*) ;;
	*) case " $names " in *" $n "*) echo "conformance-v2: REGRESSION: $n is in expected-pass-v2.txt but did not pass"; bad=1 ;; esac ;;
	esac
done
for n in $RT_PASSED; do
	grep -qx "$n" "$C/expected-pass-v2.txt" ||
		echo "conformance-v2: $n passes but is not in expected-pass-v2.txt (add it: the list may only grow)"
done
rm -rf "$W"
if [ $bad -eq 0 ]; then echo "V2VM-RESULT: PASS"; else echo "V2VM-RESULT: FAIL"; fi
