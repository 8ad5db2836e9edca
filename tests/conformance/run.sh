#!/usr/bin/env bash
# tests/conformance/run.sh - the OCI runtime-tools validation suite for rt.
#
#   run.sh build [DIR [VERSION]]
#       Build the suite from the Go module proxy into DIR (default
#       build/conformance/suite): runtimetest, the rootfs tarball and one
#       program per test file (validation/<name>/<name>.t).  Cached: nothing
#       is done when DIR already holds a complete build of VERSION with the
#       same patches.  The module source is copied and patched first with
#       every tests/conformance/patches/*.patch (patch -p1, in name order;
#       see the header of each), and built from the copy (a go.mod
#       "replace"); DIR/.version records VERSION+patches-<sha256 prefix of
#       the patches>, so that changing a patch rebuilds.
#       environment: CONFORMANCE_PATCHES=DIR takes the patches from DIR
#       (an empty value: none, the suite as published).
#
#   run.sh run [options] RUNTIME
#       Run every test file, one at a time (they share fixed cgroup paths),
#       each under a timeout in its own mount (slave) and IPC namespace,
#       against RUNTIME.  Prints one line per file and writes them to
#       OUT/results-LABEL.txt; keeps each file's stdout/stderr in
#       OUT/logs-LABEL/.  With -e, compares with an expected-pass list: exits 1
#       when a listed file did not pass, and names the files that passed
#       without being listed (candidates for the list, which may only grow).
#     -s DIR    built suite                    [build/conformance/suite]
#     -o DIR    results and logs               [build/conformance]
#     -l LABEL  name of this run               [basename of RUNTIME]
#     -e FILE   expected-pass list (one test name a line, # comments)
#     -t SECS   timeout per test file          [45]
#     -b SECS   budget for the whole run; files not started by then are
#               reported "notrun" (a listed one then fails the run)  [1500]
#     -m        hide the cgroup v2 controllers of a hybrid host inside the
#               test's namespace (crun refuses hybrid hosts otherwise)
#     -V X.Y.Z  rewrite "ociVersion" in config.json before create (crun 1.8
#               rejects the suite's 1.3.0: "unknown version specified")
#     -g ARGS   extra global options for the runtime (before the verb)
#     environment: TESTS="a b" runs only those files.
#
#   run.sh table RESULTS...
#       Side-by-side status table (markdown) of several results files.
#
# How a file's status is decided (the suite reports through TAP, except the
# hook tests, which print plan 1..0 and a YAML "error" line, and the *_fail
# tests, which report through a non-zero exit and "Refer to: <spec URL>"):
#   timeout  killed by the timeout
#   fail     a "not ok" line (a "# TODO" one does not count); or no assertion
#            and a non-empty "error" YAML line; or a non-zero exit with
#            "Refer to: " on stderr
#   crash    any other non-zero exit (usually: the runtime refused to create
#            or start the container the test needs), or output without a plan
#   pass     otherwise
set -u

SUITE_MODULE=github.com/opencontainers/runtime-tools
SUITE_VERSION=v0.9.1-0.20251205004911-5e639034dcdc
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PATCHES=${CONFORMANCE_PATCHES-$TOP/tests/conformance/patches}

die() { echo "conformance: $*" >&2; exit 2; }
usage() { sed -n '2,/^set -u$/{/^set -u$/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 2; }

# ---------------------------------------------------------------------- build
patch_files() { # in glob (name) order
	local f
	[ -n "$PATCHES" ] || return 0
	for f in "$PATCHES"/*.patch; do [ -f "$f" ] && echo "$f"; done
	return 0
}

# build_key VERSION: VERSION, plus a hash of the patches when there are some.
build_key() {
	local -a p
	mapfile -t p < <(patch_files)
	if [ ${#p[@]} -eq 0 ]; then
		echo "$1"
	else
		echo "$1+patches-$(cat "${p[@]}" | sha256sum | cut -c1-12)"
	fi
}

suite_complete() { # DIR VERSION
	[ "$(cat "$1/.version" 2>/dev/null)" = "$2" ] && [ -x "$1/runtimetest" ] &&
		ls "$1"/rootfs-*.tar.gz >/dev/null 2>&1 &&
		[ -n "$(find "$1/validation" -name '*.t' -type f 2>/dev/null | head -n 1)" ]
}

cmd_build() {
	local out=${1:-$TOP/build/conformance/suite} ver=${2:-$SUITE_VERSION} key
	key=$(build_key "$ver")
	if suite_complete "$out" "$key"; then
		echo "conformance: suite $key already built in $out ($(find "$out/validation" -name '*.t' | wc -l) files)"
		return 0
	fi
	command -v go >/dev/null || die "go not found"
	[ -z "$(patch_files)" ] || command -v patch >/dev/null || die "patch not found (apt-get install patch)"
	rm -rf "$out"
	mkdir -p "$out" || die "cannot create $out"
	out=$(cd "$out" && pwd)
	local mod
	mod=$(mktemp -d "${TMPDIR:-/tmp}/rt-conformance-mod.XXXXXX") || die "mktemp failed"
	echo "conformance: building $SUITE_MODULE@$ver into $out"
	local -a patches
	mapfile -t patches < <(patch_files)
	(
		set -e
		cd "$mod"
		export GOWORK=off GOFLAGS=-mod=mod
		printf 'module rtconformancebuild\n\ngo 1.21\n' >go.mod
		go get "$SUITE_MODULE@$ver"
		src=$(go list -m -f '{{.Dir}}' "$SUITE_MODULE")
		if [ ${#patches[@]} -gt 0 ]; then
			# A writable copy of the module, patched, built through "replace".
			cp -r "$src" "$mod/suite-src"
			chmod -R u+w "$mod/suite-src"
			src=$mod/suite-src
			for p in "${patches[@]}"; do
				echo "conformance: applying $(basename "$p")"
				patch -d "$src" -p1 --forward --no-backup-if-mismatch --quiet <"$p"
			done
			go mod edit -replace "$SUITE_MODULE=./suite-src"
		fi
		mapfile -t names < <(cd "$src/validation" && for d in */; do
			d=${d%/}
			[ "$d" != util ] && ls "$d"/*.go >/dev/null 2>&1 && echo "$d"
		done)
		# Import every package we build so that "go mod tidy" keeps their deps.
		{
			printf '//go:build tools\n\npackage tools\n\nimport (\n'
			printf '\t_ "%s/cmd/runtimetest"\n' "$SUITE_MODULE"
			printf '\t_ "'"$SUITE_MODULE"'/validation/%s"\n' "${names[@]}"
			printf ')\n'
		} >tools.go
		go mod tidy
		# runtimetest runs inside the containers: static.
		CGO_ENABLED=0 go build -trimpath -tags "netgo osusergo" -o "$out/runtimetest" "$SUITE_MODULE/cmd/runtimetest"
		install -m 0644 "$src"/rootfs-*.tar.gz "$out/"
		for n in "${names[@]}"; do
			mkdir -p "$out/validation/$n"
			go build -trimpath -o "$out/validation/$n/$n.t" "$SUITE_MODULE/validation/$n"
		done
		cp go.mod "$out/build-go.mod"
	)
	local rc=$?
	rm -rf "$mod"
	[ $rc -eq 0 ] || die "build of the suite failed"
	echo "$key" >"$out/.version"
	echo "conformance: built $(find "$out/validation" -name '*.t' | wc -l) test files in $out"
}

# ------------------------------------------------------------------------ run
SUITE='' OUT='' LABEL='' EXPECTED='' TIMEOUT=45 BUDGET=1500 MASK=0 OCIV='' GARGS=''
RT='' WD='' ROOT='' WRAP='' LOGS='' cur=

parse_run_args() {
	local o
	OPTIND=1
	while getopts "s:o:l:e:t:b:mV:g:h" o; do
		case $o in
		s) SUITE=$OPTARG ;; o) OUT=$OPTARG ;; l) LABEL=$OPTARG ;; e) EXPECTED=$OPTARG ;;
		t) TIMEOUT=$OPTARG ;; b) BUDGET=$OPTARG ;; m) MASK=1 ;; V) OCIV=$OPTARG ;;
		g) GARGS=$OPTARG ;; *) usage ;;
		esac
	done
	shift $((OPTIND - 1))
	[ $# -eq 1 ] || usage
	RT=$(command -v "$1") || die "runtime not found: $1"
	RT=$(cd "$(dirname "$RT")" && pwd)/$(basename "$RT")
	SUITE=$(cd "${SUITE:-$TOP/build/conformance/suite}" 2>/dev/null && pwd) || die "no built suite (run: $0 build)"
	[ -x "$SUITE/runtimetest" ] || die "$SUITE/runtimetest missing (run: $0 build)"
	OUT=${OUT:-$TOP/build/conformance}
	mkdir -p "$OUT" || die "cannot create $OUT"
	OUT=$(cd "$OUT" && pwd)
	LABEL=${LABEL:-$(basename "$RT")}
	if [ -n "$EXPECTED" ]; then
		[ -r "$EXPECTED" ] || die "cannot read $EXPECTED"
	fi
}

# The suite runs "$RUNTIME <verb> ..." with no global options: a wrapper adds
# our private --root (and rewrites ociVersion for runtimes that need it).
write_wrapper() {
	{
		echo '#!/usr/bin/env bash'
		printf 'rt=%q root=%q ociv=%q\n' "$RT" "$ROOT" "$OCIV"
		# shellcheck disable=SC2016 # $root expands in the wrapper
		printf 'g=(--root "$root" %s)\n' "$GARGS"
		cat <<-'EOF'
		if [ -n "$ociv" ] && [ "${1:-}" = create ]; then
			b=. prev=
			for a in "$@"; do
				case $prev in --bundle | -b) b=$a ;; esac
				case $a in --bundle=*) b=${a#--bundle=} ;; esac
				prev=$a
			done
			[ -f "$b/config.json" ] &&
				sed -E -i "s/\"ociVersion\"[[:space:]]*:[[:space:]]*\"[^\"]*\"/\"ociVersion\": \"$ociv\"/" "$b/config.json"
		fi
		exec "$rt" "${g[@]}" "$@"
		EOF
	} >"$WRAP"
	chmod 0755 "$WRAP"
}

# Force-delete every container left in our private state root (by `list -q`,
# and by the state directories in case `list` itself is what is broken).
cleanup_containers() {
	local id
	for id in $({ "$WRAP" list -q; ls -A "$ROOT"; } 2>/dev/null | sort -u); do
		"$WRAP" kill "$id" KILL >/dev/null 2>&1
		"$WRAP" delete --force "$id" >/dev/null 2>&1
	done
	return 0
}

# Remove the suite's fixed cgroups when empty (cgroups.AbsCgroupPath
# "/cgrouptest", RelCgroupPath "testdir/cgrouptest/container"), below the
# root of every hierarchy and below our own cgroup in it.
cleanup_cgroups() {
	local c rel
	for c in /sys/fs/cgroup /sys/fs/cgroup/*; do
		[ -d "$c" ] || continue
		for rel in / $(cut -d: -f3- /proc/self/cgroup 2>/dev/null | sort -u); do
			rmdir "$c$rel/testdir/cgrouptest/container" "$c$rel/testdir/cgrouptest" \
				"$c$rel/testdir" "$c$rel/cgrouptest" 2>/dev/null
		done
	done
	return 0
}

on_signal() {
	trap - INT TERM HUP
	if [ -n "$cur" ]; then
		kill -TERM "$cur" 2>/dev/null
		wait "$cur" 2>/dev/null
	fi
	cleanup_containers
	cleanup_cgroups
	rm -rf --one-file-system "$WD"
	echo "conformance: interrupted" >&2
	exit 130
}

# status ok notok skip todo of one finished test (see the header).
classify() { # OUT ERR RC
	local ok notok skip todo plan yerr lines specerr=0
	read -r ok notok skip todo plan yerr lines < <(awk '
		/^ok([ \t]|$)/ { if ($0 ~ /#[ \t]*[Ss][Kk][Ii][Pp]/) s++; else o++; next }
		/^not ok([ \t]|$)/ { if ($0 ~ /#[ \t]*[Tt][Oo][Dd][Oo]/) t++; else n++; next }
		/^1\.\.[0-9]+/ { p = 1 }
		/^    "error": "[^"]/ { e = 1 }
		NF { l++ }
		END { printf "%d %d %d %d %d %d %d\n", o, n, s, t, p, e, l }' "$1")
	grep -q '^Refer to: ' "$2" 2>/dev/null && specerr=1
	local st=pass
	if [ "$3" -eq 124 ] || [ "$3" -eq 137 ]; then
		st=timeout
	elif [ "$notok" -gt 0 ]; then
		st=fail
	elif [ $((ok + skip + todo)) -eq 0 ] && [ "$yerr" -eq 1 ]; then
		st=fail
	elif [ "$3" -ne 0 ] && [ $specerr -eq 1 ]; then
		st=fail
	elif [ "$3" -ne 0 ]; then
		st=crash
	elif [ "$plan" -eq 0 ] && [ "$lines" -gt 0 ]; then
		st=crash
	fi
	echo "$st $ok $notok $skip $todo"
}

read_list() { sed -e 's/#.*//' -e 's/[[:space:]]//g' "$1" | grep -v '^$'; }

cmd_run() {
	parse_run_args "$@"
	[ "$(id -u)" -eq 0 ] || die "the suite needs root"
	command -v unshare >/dev/null || die "unshare (util-linux) not found"
	command -v timeout >/dev/null || die "timeout (coreutils) not found"

	WD=$(mktemp -d "${TMPDIR:-/tmp}/rt-conformance.XXXXXX") || die "mktemp failed"
	# Containers with a user namespace must traverse the bundle's parents.
	chmod 0755 "$WD"
	ROOT=$WD/state WRAP=$WD/runtime
	mkdir -p "$ROOT" "$WD/tmp" && chmod 0755 "$WD/tmp"
	write_wrapper
	LOGS=$OUT/logs-$LABEL
	rm -rf "$LOGS" && mkdir -p "$LOGS"
	local results=$OUT/results-$LABEL.txt
	: >"$results"
	trap on_signal INT TERM HUP

	local -a all sel
	mapfile -t all < <(cd "$SUITE" && find validation -name '*.t' -type f -perm -u+x | sort)
	[ ${#all[@]} -gt 0 ] || die "no test files in $SUITE"
	if [ -n "${TESTS:-}" ]; then
		local want p found
		for want in $TESTS; do
			found=
			for p in "${all[@]}"; do
				[ "$(basename "$p" .t)" = "$want" ] && sel+=("$p") && found=1
			done
			[ -n "$found" ] || die "no test file named $want"
		done
	else
		sel=("${all[@]}")
	fi

	echo "conformance: $LABEL ($RT) against $(cat "$SUITE/.version" 2>/dev/null || echo "$SUITE"), ${#sel[@]} files, timeout ${TIMEOUT}s each"
	local t_start=$SECONDS p name out err rc t0 st ok notok skip todo passed=0 n=0
	for p in "${sel[@]}"; do
		name=$(basename "$p" .t)
		out=$LOGS/$name.out err=$LOGS/$name.err
		n=$((n + 1))
		if [ $((SECONDS - t_start)) -ge "$BUDGET" ]; then
			printf '%-34s status=notrun (budget of %ss spent)\n' "$name" "$BUDGET" | tee -a "$results"
			continue
		fi
		t0=$SECONDS
		# Own mount + IPC namespace: linux_ns_itype drops every namespace from
		# config.json, so the runtime mounts the container's proc/sys/dev in
		# the namespace of the test process; they must not reach the host.
		# shellcheck disable=SC2016 # $MASK and $@ expand in the inner sh
		(
			cd "$SUITE" && exec env TMPDIR="$WD/tmp" RUNTIME="$WRAP" MASK="$MASK" \
				timeout -k 10 "$TIMEOUT" unshare --mount --propagation slave --ipc sh -c '
				if [ "$MASK" = 1 ] && [ -f /sys/fs/cgroup/unified/cgroup.controllers ]; then
					mount --bind /dev/null /sys/fs/cgroup/unified/cgroup.controllers || exit 125
				fi
				exec "$@"' sh "./$p"
		) </dev/null >"$out" 2>"$err" &
		cur=$!
		wait "$cur"
		rc=$?
		cur=
		read -r st ok notok skip todo < <(classify "$out" "$err" "$rc")
		cleanup_containers
		cleanup_cgroups
		rm -rf --one-file-system "${WD:?}"/tmp/* 2>/dev/null # bundles of tests that crashed
		[ "$st" = pass ] && passed=$((passed + 1))
		printf '%-34s status=%-7s ok=%d notok=%d skip=%d todo=%d rc=%d secs=%d\n' \
			"$name" "$st" "$ok" "$notok" "$skip" "$todo" "$rc" $((SECONDS - t0)) | tee -a "$results"
	done
	trap - INT TERM HUP
	rm -rf --one-file-system "$WD"
	echo "conformance: $LABEL: $passed of $n test files pass (${#all[@]} in the suite), $((SECONDS - t_start))s; results in $results, logs in $LOGS"
	[ -z "$EXPECTED" ] || compare "$results" "$EXPECTED"
}

# compare RESULTS EXPECTED: every listed file must have passed.
compare() {
	local results=$1 expected=$2 name st bad=0 new=()
	declare -A status
	while read -r name st _; do
		status[$name]=${st#status=}
	done <"$results"
	local all_names
	all_names=$(cd "$SUITE" && find validation -name '*.t' -type f -printf '%f\n' | sed 's/\.t$//')
	while read -r name; do
		if ! grep -qx "$name" <<<"$all_names"; then
			echo "conformance: $expected lists $name, which is no test file of the suite" >&2
			bad=1
		elif [ -z "${status[$name]:-}" ]; then
			continue # not selected (TESTS)
		elif [ "${status[$name]}" != pass ]; then
			echo "conformance: REGRESSION: $name is in $(basename "$expected") but its status is ${status[$name]}:" >&2
			sed -n '/^not ok/,+8p' "$LOGS/$name.out" 2>/dev/null | head -n 20 | sed 's/^/    /' >&2
			tail -n 5 "$LOGS/$name.err" 2>/dev/null | sed 's/^/    stderr: /' >&2
			bad=1
		fi
	done < <(read_list "$expected")
	for name in "${!status[@]}"; do
		[ "${status[$name]}" = pass ] && ! read_list "$expected" | grep -qx "$name" && new+=("$name")
	done
	if [ ${#new[@]} -gt 0 ]; then
		echo "conformance: these files pass but are not in $(basename "$expected"); add them (the list may only grow):"
		printf '%s\n' "${new[@]}" | sort | sed 's/^/    /'
	fi
	if [ $bad -ne 0 ]; then
		echo "conformance: FAILED: a file of the expected-pass list did not pass" >&2
		return 1
	fi
	echo "conformance: every file of $(basename "$expected") passed ($(read_list "$expected" | wc -l) listed)"
}

# --------------------------------------------------------------------- table
cmd_table() {
	[ $# -ge 1 ] || usage
	local f labels=() i=0
	local tmp
	tmp=$(mktemp -d) || die "mktemp failed"
	for f in "$@"; do
		[ -r "$f" ] || die "cannot read $f"
		labels+=("$(basename "$f" .txt | sed 's/^results-//')")
		awk '{ s = $2; sub(/^status=/, "", s); print $1, s }' "$f" | sort >"$tmp/$i"
		i=$((i + 1))
	done
	printf '| test file |'
	printf ' %s |' "${labels[@]}"
	printf '\n|---|'
	printf -- '---|%.0s' "${labels[@]}"
	printf '\n'
	cut -d' ' -f1 "$tmp"/* | sort -u | while read -r name; do
		printf '| %s |' "$name"
		for ((i = 0; i < ${#labels[@]}; i++)); do
			printf ' %s |' "$(awk -v n="$name" '$1 == n { print $2 }' "$tmp/$i")"
		done
		printf '\n'
	done
	for ((i = 0; i < ${#labels[@]}; i++)); do
		printf '%s: %s of %s pass\n' "${labels[$i]}" "$(grep -c ' pass$' "$tmp/$i")" "$(wc -l <"$tmp/$i")"
	done
	rm -rf "$tmp"
}

case ${1:-} in
build) shift && cmd_build "$@" ;;
run) shift && cmd_run "$@" ;;
table) shift && cmd_table "$@" ;;
*) usage ;;
esac
