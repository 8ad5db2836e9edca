#!/usr/bin/env bash
# tests/conformance/v2vm-overlay.sh - the V2VM_OVERLAY of `make
# v2vm-conformance` (tests/v2vm/conformance-test.sh).
#
#   v2vm-overlay.sh SUITE DIR
#
# Makes DIR/conformance from the built (patched) suite SUITE (run.sh build):
# runtimetest (static), the rootfs tarball (uncompressed: see below), the
# linux_cgroups_* test files,
# and tests/conformance/expected-pass-v2.txt; the test files are dynamic Go
# programs (cgo's net resolver): the shared libraries `ldd` names are
# copied to the same paths under DIR.
set -euo pipefail
die() { echo "v2vm-overlay: $*" >&2; exit 2; }
[ $# -eq 2 ] || die "usage: $0 SUITE DIR"
SUITE=$1 DIR=$2 TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
[ -x "$SUITE/runtimetest" ] || die "no built suite in $SUITE (run: tests/conformance/run.sh build)"
rm -rf "$DIR"
mkdir -p "$DIR/conformance/validation"
cp "$SUITE/runtimetest" "$DIR/conformance/"
# The test files run `tar -xf rootfs-<arch>.tar.gz`; busybox tar does not
# detect gzip: store the tarball uncompressed, under the same name.
for f in "$SUITE"/rootfs-*.tar.gz; do
	gzip -dc "$f" >"$DIR/conformance/$(basename "$f")"
done
cp "$SUITE/.version" "$DIR/conformance/version"
cp "$TOP/tests/conformance/expected-pass-v2.txt" "$DIR/conformance/"
n=0
for d in "$SUITE"/validation/linux_cgroups_*/; do
	name=$(basename "$d")
	mkdir -p "$DIR/conformance/validation/$name"
	cp "$d/$name.t" "$DIR/conformance/validation/$name/"
	for lib in $(ldd "$d/$name.t" 2>/dev/null | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }'); do
		[ -e "$DIR$lib" ] && continue
		mkdir -p "$DIR$(dirname "$lib")"
		cp -L "$lib" "$DIR$lib"
	done
	n=$((n + 1))
done
[ $n -gt 0 ] || die "no linux_cgroups_* test file in $SUITE"
echo "v2vm-overlay: $n test files ($(cat "$SUITE/.version")) in $DIR/conformance, $(du -sk "$DIR" | cut -f1) KiB"
