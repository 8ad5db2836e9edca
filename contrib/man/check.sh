#!/usr/bin/env bash
# Checks the man pages in MANDIR against the binary: a page per verb of
# `rt --help` (and rt.8), every flag of `rt --help` / `rt <verb> --help` in its
# page, and each page renders without a warning (`man -l`, or groff).
#   contrib/man/check.sh [RT [MANDIR]]      (make man-check: ./rt, build/man)
set -uo pipefail
rt=${1:-./rt}
dir=${2:-build/man}
fail=0
bad() { echo "man-check: $*"; fail=1; }

# The flags of a help text on stdin: --long and -s names of its OPTIONS lines.
flags() { awk '/^(GLOBAL )?OPTIONS:$/ {f = 1; next} /^[A-Z][A-Z ]*:$/ {f = 0}
	f && NF {sub(/^ +/, ""); sub(/  .*/, ""); n = split($0, p, /, /)
		for (i = 1; i <= n; i++) {split(p[i], w, / /); print w[1]}}'; }

render() {
	if command -v man >/dev/null; then
		LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings=w -l "$1" 2>&1 >/dev/null
	elif command -v groff >/dev/null; then
		groff -man -Tutf8 -ww -z "$1" 2>&1
	fi
}

check() { # page helptext
	local page=$1 help=$2 f text
	[ -f "$page" ] || { bad "$page: missing"; return; }
	text=$(sed 's/\\-/-/g' "$page")
	for f in $(flags <<<"$help"); do
		grep -q -- "\\\\fB$f\\\\fR" <<<"$text" || bad "$page: flag $f not documented"
	done
	for s in NAME SYNOPSIS DESCRIPTION 'EXIT STATUS'; do
		grep -q "^\.SH \"\?$s" "$page" || bad "$page: no $s section"
	done
	local w; w=$(render "$page")
	[ -z "$w" ] || bad "$page: renders with warnings: $w"
}

help=$("$rt" --help) || { echo "man-check: $rt --help failed"; exit 1; }
verbs=$(awk '/^COMMANDS:/ {f = 1; next} /^[^ ]/ {f = 0}
	f && NF {n = $1; sub(/,$/, "", n); if (n != "help") print n}' <<<"$help")
[ -n "$verbs" ] || bad "no verbs in $rt --help"
check "$dir/rt.8" "$help"
n=1
for v in $verbs; do
	check "$dir/rt-$v.8" "$("$rt" "$v" --help)"
	grep -q "fBrt\\\\-$v\\\\fR(8)" "$dir/rt.8" || bad "rt.8 does not refer to rt-$v(8)"
	n=$((n + 1))
done
for p in "$dir"/rt-*.8; do
	v=${p##*/rt-}; v=${v%.8}
	grep -qx "$v" <<<"$verbs" || bad "$p: no verb $v in $rt --help (stale page)"
done
[ $fail = 0 ] && echo "man-check: ok: $n pages in $dir, every verb and flag of $rt"
exit $fail
