# bash completion for rt, an OCI container runtime (runc's command lines).
# Installed as $(PREFIX)/share/bash-completion/completions/rt by `make install`.
# Verbs, global flags, each verb's flags, and container ids (`rt list -q`,
# with the --root of the command line).

_rt_global_flags='--root --log --log-format --debug --systemd-cgroup --rootless --help -h --version -v'
# Global flags that take a value.
_rt_global_valued='--root --log --log-format --rootless'
_rt_verbs='create start run state kill delete list spec features pause resume ps events update exec help'

# The flags of a verb, and (second function) those of them that take a value.
_rt_verb_flags() {
	case $1 in
	create) echo '--bundle -b --console-socket --pid-file --no-pivot --no-new-keyring --preserve-fds' ;;
	run) echo '--bundle -b --console-socket --pid-file --no-pivot --no-new-keyring --preserve-fds --detach -d --keep --no-subreaper' ;;
	kill) echo '--all -a' ;;
	delete) echo '--force -f' ;;
	list) echo '--format -f --quiet -q' ;;
	spec) echo '--bundle -b --rootless' ;;
	ps) echo '--format -f' ;;
	events) echo '--stats --interval' ;;
	update) echo '--resources -r --blkio-weight --cpu-period --cpu-quota --cpu-burst --cpu-share --cpu-shares
		--cpu-rt-period --cpu-rt-runtime --cpu-idle --cpuset-cpus --cpuset-mems --memory --memory-reservation
		--memory-swap --kernel-memory --kernel-memory-tcp --pids-limit --l3-cache-schema --mem-bw-schema' ;;
	exec) echo '--console-socket --cwd --env -e --tty -t --user -u --additional-gids -g --process -p --detach -d
		--pid-file --process-label --apparmor --no-new-privs --cap -c --preserve-fds --cgroup --ignore-paused' ;;
	esac
}
_rt_verb_valued() {
	case $1 in
	create | run) echo '--bundle -b --console-socket --pid-file --preserve-fds' ;;
	list | ps) echo '--format -f' ;;
	spec) echo '--bundle -b' ;;
	events) echo '--interval' ;;
	update) _rt_verb_flags update ;;
	exec) echo '--console-socket --cwd --env -e --user -u --additional-gids -g --process -p --pid-file
		--process-label --apparmor --cap -c --preserve-fds --cgroup' ;;
	esac
}

_rt_has() { # word list...
	local w=$1 x
	shift
	for x in $*; do [[ $x == "$w" ]] && return 0; done
	return 1
}

# Container ids of the state root: `rt [--root R] list -q`.
_rt_ids() {
	local args=()
	[[ -n $_rt_root ]] && args=(--root "$_rt_root")
	"${_rt_cmd:-rt}" "${args[@]}" list -q 2>/dev/null
}

_rt() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local i w verb='' vi=0 _rt_root='' _rt_cmd=${COMP_WORDS[0]}
	# Find the verb and the --root given before it.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--root=*) _rt_root=${w#--root=} ;;
		--root) _rt_root=${COMP_WORDS[i+1]}; ((i++)); continue ;;
		--*=*) ;;
		-*) _rt_has "$w" "$_rt_global_valued" && ((i++)) ;;
		*) verb=$w; vi=$i; break ;;
		esac
	done
	# An unexpanded ~ in --root.
	[[ $_rt_root == '~'* ]] && _rt_root=$HOME${_rt_root#\~}

	if [[ -z $verb ]]; then
		case $prev in
		--root) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")); return ;;
		--log) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")); return ;;
		--log-format) COMPREPLY=($(compgen -W 'text json' -- "$cur")); return ;;
		--rootless) COMPREPLY=($(compgen -W 'true false auto' -- "$cur")); return ;;
		esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$_rt_global_flags" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$_rt_verbs" -- "$cur"))
		fi
		return
	fi

	# A value of a verb's flag.
	if ((COMP_CWORD - 1 > vi)) && _rt_has "$prev" "$(_rt_verb_valued "$verb")"; then
		case $verb:$prev in
		*:--bundle | *:-b | *:--cwd) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")) ;;
		list:--format | list:-f | ps:--format | ps:-f) COMPREPLY=($(compgen -W 'table json' -- "$cur")) ;;
		*:--console-socket | *:--pid-file | *:--process | *:-p | *:--resources | *:-r)
			compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")) ;;
		exec:--cap | exec:-c)
			COMPREPLY=($(compgen -W 'CAP_AUDIT_CONTROL CAP_AUDIT_READ CAP_AUDIT_WRITE CAP_BLOCK_SUSPEND CAP_BPF
				CAP_CHECKPOINT_RESTORE CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER CAP_FSETID
				CAP_IPC_LOCK CAP_IPC_OWNER CAP_KILL CAP_LEASE CAP_LINUX_IMMUTABLE CAP_MAC_ADMIN CAP_MAC_OVERRIDE
				CAP_MKNOD CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_NET_BROADCAST CAP_NET_RAW CAP_PERFMON CAP_SETFCAP
				CAP_SETGID CAP_SETPCAP CAP_SETUID CAP_SYS_ADMIN CAP_SYS_BOOT CAP_SYS_CHROOT CAP_SYS_MODULE
				CAP_SYS_NICE CAP_SYS_PACCT CAP_SYS_PTRACE CAP_SYS_RAWIO CAP_SYS_RESOURCE CAP_SYS_TIME
				CAP_SYS_TTY_CONFIG CAP_SYSLOG CAP_WAKE_ALARM' -- "$cur")) ;;
		*) COMPREPLY=() ;;
		esac
		return
	fi

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_rt_verb_flags "$verb") --help -h" -- "$cur"))
		return
	fi

	# Positional arguments after the verb (flags and their values skipped).
	local nargs=0
	for ((i = vi + 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--*=*) ;;
		-*) _rt_has "$w" "$(_rt_verb_valued "$verb")" && ((i++)) ;;
		*) ((nargs++)) ;;
		esac
	done
	case $verb in
	help) ((nargs == 0)) && COMPREPLY=($(compgen -W "$_rt_verbs" -- "$cur")) ;;
	list | spec | features) ;;
	create | run) ;; # a new id
	kill)
		if ((nargs == 0)); then
			COMPREPLY=($(compgen -W "$(_rt_ids)" -- "$cur"))
		elif ((nargs == 1)); then
			local sigs='TERM KILL INT HUP QUIT USR1 USR2 STOP CONT WINCH'
			[[ $cur == SIG* ]] && sigs=$(printf 'SIG%s ' $sigs)
			COMPREPLY=($(compgen -W "$sigs" -- "$cur"))
		fi ;;
	exec) ((nargs == 0)) && COMPREPLY=($(compgen -W "$(_rt_ids)" -- "$cur")) ;;
	*) ((nargs == 0)) && COMPREPLY=($(compgen -W "$(_rt_ids)" -- "$cur")) ;;
	esac
}
complete -F _rt rt
