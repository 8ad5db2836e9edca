#!/usr/bin/env bash
# Tests contrib/completions/rt.bash (and _rt with zsh, when zsh is installed):
# the flag lists against `RT --help` / `RT <verb> --help`, then completions of
# simulated command lines (COMP_WORDS/COMP_CWORD), container ids from a stand-in
# rt that records its arguments (so --root is checked to be passed on).
#   contrib/completions/test.sh [RT]      (make completions-check: ./rt)
set -uo pipefail
rt=${1:-./rt}
dir=$(cd "$(dirname "$0")" && pwd)
fail=0
bad() { echo "completions: $*"; fail=1; }

# shellcheck source=rt.bash
. "$dir/rt.bash"

# The flags of a help text on stdin (--long and -s names of its OPTIONS lines).
flags() { awk '/^(GLOBAL )?OPTIONS:$/ {f = 1; next} /^[A-Z][A-Z ]*:$/ {f = 0}
	f && NF {sub(/^ +/, ""); sub(/  .*/, ""); n = split($0, p, /, /)
		for (i = 1; i <= n; i++) {split(p[i], w, / /); print w[1]}}' | sort -u; }
sorted() { tr -s ' \t\n' '\n' <<<"$*" | sed '/^$/d' | sort -u; }
valued() { awk '/^(GLOBAL )?OPTIONS:$/ {f = 1; next} /^[A-Z][A-Z ]*:$/ {f = 0}
	f && NF {sub(/^ +/, ""); sub(/  .*/, ""); n = split($0, p, /, /)
		for (i = 1; i <= n; i++) {split(p[i], w, / /); if (w[2] == "value") print w[1]}}' | sort -u; }

help=$("$rt" --help) || { echo "completions: $rt --help failed"; exit 1; }
verbs=$(awk '/^COMMANDS:/ {f = 1; next} /^[^ ]/ {f = 0}
	f && NF {n = $1; sub(/,$/, "", n); print n}' <<<"$help" | sort -u)
[ "$verbs" = "$(sorted "$_rt_verbs")" ] || bad "verbs: rt.bash has $(sorted "$_rt_verbs" | xargs), $rt has $(xargs <<<"$verbs")"
[ "$(flags <<<"$help")" = "$(sorted "$_rt_global_flags")" ] || bad "global flags differ from $rt --help"
[ "$(valued <<<"$help")" = "$(sorted "$_rt_global_valued")" ] || bad "global flags with a value differ"
for v in $verbs; do
	[ "$v" = help ] && continue
	vh=$("$rt" "$v" --help)
	[ "$(flags <<<"$vh")" = "$(sorted "$(_rt_verb_flags "$v")")" ] ||
		bad "$v: flags differ: $rt: $(flags <<<"$vh" | xargs); rt.bash: $(sorted "$(_rt_verb_flags "$v")" | xargs)"
	[ "$(valued <<<"$vh")" = "$(sorted "$(_rt_verb_valued "$v")")" ] ||
		bad "$v: flags with a value differ: $rt: $(valued <<<"$vh" | xargs); rt.bash: $(sorted "$(_rt_verb_valued "$v")" | xargs)"
done

# A stand-in rt for the ids: logs its arguments, prints two ids.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/rt" <<EOS
#!/bin/sh
echo "\$*" >>"$tmp/args"
case "\$*" in *"list -q") printf 'web1\nweb2\ndb\n' ;; esac
EOS
chmod +x "$tmp/rt"
mkdir -p "$tmp/bundle.d"

# expect "WANT" WORDS...: complete the last word of WORDS (rt WORDS).
expect() {
	local want=$1
	shift
	COMP_WORDS=("$tmp/rt" "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="${COMP_WORDS[*]}"
	COMPREPLY=()
	_rt
	local got
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort | xargs)
	[ "$got" = "$want" ] || bad "rt $*|: want '$want', got '$got'"
}

expect 'create'                   cr
expect 'pause ps'                 p
expect 'delete'                   del
expect '--debug'                  --d
expect '--log --log-format'       --lo
expect 'json text'                --log-format ''
expect 'auto false true'          --rootless ''
expect 'start state'              --debug --log-format json st
expect '--keep'                   run --k
expect '--detach'                 run --det
expect '--force --help -f -h'     delete -
expect 'web1 web2'                kill we
expect 'KILL'                     kill web1 K
expect 'SIGKILL'                  kill web1 SIGK
expect ''                         kill web1 KILL ''
expect 'db web1 web2'             exec -t ''
expect 'db'                       exec --user 0 --cwd / d
expect ''                         exec web1 ''
expect 'web1 web2'                --root /run/x delete w
expect 'json table'               list -f ''
expect 'json table'               ps --format ''
expect '--quiet'                  list --q
expect ''                         create -b "$tmp/bundle.d" ''
expect 'CAP_SYS_BOOT'             exec -c CAP_SYS_B
expect "$tmp/bundle.d"            spec --bundle "$tmp/bun"
expect '--cpu-quota'              update --cpu-q
expect 'run'                      help ru
# --root is passed on to `rt list -q`, both spellings; none without it.
: >"$tmp/args"
expect 'web1 web2' --root /run/x state w
expect 'web1 web2' --root=/tmp/y --debug state w
expect 'web1 web2' state w
[ "$(cat "$tmp/args")" = $'--root /run/x list -q\n--root /tmp/y list -q\nlist -q' ] ||
	bad "rt list -q arguments: $(cat "$tmp/args" | tr '\n' '|')"

# zsh: the same flags in _rt (when zsh is installed).
if [ ! -f "$dir/_rt" ]; then
	bad "no $dir/_rt"
elif command -v zsh >/dev/null; then
	zsh -n "$dir/_rt" || bad "_rt: zsh syntax error"
	for v in $verbs; do
		[ "$v" = help ] && continue
		for f in $("$rt" "$v" --help | flags); do
			grep -q -- "$f\\b" <(sed -n -e "/^_rt_$v()/,/^}/p" -e "/^_rt_${v}_flags=(/,/^)/p" "$dir/_rt"; [[ $v == run ]] && sed -n "/^_rt_create_flags=(/,/^)/p" "$dir/_rt") || bad "_rt: $v: no $f"
		done
	done
	for f in $(flags <<<"$help"); do
		grep -q -- "$f\\b" <(sed -n '/^_rt()/,/^}/p' "$dir/_rt") || bad "_rt: global: no $f"
	done
	# compinit finds _rt on fpath and binds it to rt.
	out=$(HOME=$tmp ZDOTDIR=$tmp zsh -f -c 'fpath=("$1" $fpath); autoload -Uz compinit; compinit -u -d "$2/zcompdump";
		print -r -- "$_comps[rt]"' zsh "$dir" "$tmp" 2>&1)
	[ "$out" = _rt ] || bad "zsh: compinit does not bind _rt to rt: $out"
else
	echo "completions: zsh not installed: _rt not checked"
fi
[ $fail = 0 ] && echo "completions: ok ($rt)"
exit $fail
