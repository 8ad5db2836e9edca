#!/usr/bin/env bash
# Generates the man pages rt(8) and rt-<verb>(8), one per verb of `rt --help`,
# from the binary's own help (`rt --help`, `rt <verb> --help`): the flags, their
# meaning and defaults are the binary's.  What the help does not say (exit
# statuses, a word on each verb) comes from the tables below.
#   contrib/man/gen.sh [RT [OUTDIR]]      (make man: ./rt, build/man)
set -euo pipefail
rt=${1:-./rt}
out=${2:-build/man}
mkdir -p "$out"

version=$("$rt" --version | awk 'NR == 1 {print $NF}')
th_source="rt $version"
th_manual="System Manager's Manual"

# roff-escape stdin: backslashes, minus signs, a leading . or '.
esc() { sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^\([.']\)/\\\\\&\1/"; }

# The verbs: the COMMANDS section of `rt --help`, without help.
verbs() {
	"$rt" --help | awk '/^COMMANDS:/ {f = 1; next} /^[^ ]/ {f = 0}
		f && NF {n = $1; sub(/,$/, "", n); if (n != "help") print n}'
}

# Section SEC of a help text on stdin (the lines after "SEC:" up to the next
# header, e.g. "OPTIONS:"), indentation removed.
section() {
	awk -v s="$1:" '$0 == s {f = 1; next} /^[A-Z][A-Z ]*:$/ {f = 0} f {sub(/^   /, ""); print}'
}

# The flag table of a help text (an OPTIONS section on stdin) as roff .TP
# entries: "--name value, -n value  usage" -> bold names, italic placeholders.
flags_roff() {
	awk '
	function esc(s) { gsub(/\\/, "\\e", s); gsub(/-/, "\\-", s); return s }
	NF == 0 { next }
	{
		sub(/^ +/, "")
		i = match($0, /   *[^ ]/)
		names = substr($0, 1, i - 1); usage = substr($0, i); sub(/^ +/, "", usage)
		n = split(names, part, /, /); line = ""
		for (k = 1; k <= n; k++) {
			m = split(part[k], w, / /)
			t = "\\fB" esc(w[1]) "\\fR"
			if (m > 1) t = t " \\fI" w[2] "\\fR"
			line = line (k > 1 ? ", " : "") t
		}
		print ".TP"; print line; print esc(usage)
	}'
}

# A word on each verb beyond its one-line usage (roff).
verb_desc() {
	case $1 in
	create) cat <<'R'
Creates the container \fIcontainer\-id\fR from the OCI bundle (\fIconfig.json\fR and its root
filesystem) and stops before the user process runs: its init waits for
\fBrt start\fR.  The container's state is kept under the \fB\-\-root\fR directory.
With \fIprocess.terminal\fR true, \fB\-\-console\-socket\fR is required: the pty master is sent
there (SCM_RIGHTS).
R
	;;
	start) cat <<'R'
Runs the user process (\fIprocess.args\fR of \fIconfig.json\fR) of a container made by
\fBrt create\fR, and returns once it has been executed.  A failure to execute it
(for example, no such file) is reported here.
R
	;;
	run) cat <<'R'
\fBrt create\fR then \fBrt start\fR.  Unless \fB\-\-detach\fR is given, rt stays in the
foreground: it forwards the signals it receives to the container's init, relays the
terminal (\fIprocess.terminal\fR true without \fB\-\-console\-socket\fR), waits for the
init to exit, deletes the container (unless \fB\-\-keep\fR) and exits with its status.
R
	;;
	state) cat <<'R'
Prints the state of the container as a JSON object (the runtime-spec state: ociVersion,
id, status \fBcreating\fR, \fBcreated\fR, \fBrunning\fR, \fBpaused\fR or \fBstopped\fR,
pid, bundle, annotations, plus rootfs, created and owner as runc prints them).
R
	;;
	kill) cat <<'R'
Sends \fIsignal\fR to the container's init, or with \fB\-\-all\fR to every process of its
cgroup.  \fIsignal\fR is a number or a name, with or without \fBSIG\fR, in any case
(\fB9\fR, \fBKILL\fR, \fBsigkill\fR); the default is SIGTERM.
R
	;;
	delete) cat <<'R'
Deletes a stopped (or created) container: its processes, cgroup and state directory;
the poststop hooks run.  A running container is refused unless \fB\-\-force\fR; with
\fB\-\-force\fR, a container that does not exist is not an error.
R
	;;
	list) cat <<'R'
Lists the containers of the \fB\-\-root\fR directory: a table (ID, PID, STATUS, BUNDLE,
CREATED, OWNER), a JSON array with \fB\-\-format json\fR, or only their ids, one a line,
with \fB\-\-quiet\fR.
R
	;;
	spec) cat <<'R'
Writes a default \fIconfig.json\fR (runs \fBsh\fR in a terminal, from \fIrootfs\fR) to the bundle
directory; an existing one is not overwritten.  With \fB\-\-rootless\fR, as
\fBrunc spec \-\-rootless\fR: a user namespace mapping the caller's ids to root.
R
	;;
	features) cat <<'R'
Prints, as JSON, what this rt supports: the runtime-spec \fIfeatures.md\fR object (OCI
versions, hooks, mount options, namespaces, capabilities, cgroup, seccomp and
AppArmor/SELinux support).
R
	;;
	pause) cat <<'R'
Freezes every process of the container (cgroup freezer); its status becomes \fBpaused\fR.
R
	;;
	resume) cat <<'R'
Thaws a container suspended by \fBrt pause\fR; its status becomes \fBrunning\fR again.
R
	;;
	ps) cat <<'R'
Lists the processes of the container, by their host pids: the lines of
\fBps\fR(1) (run with \fIps options\fR, by default \fB\-ef\fR) whose PID is in the container's
cgroup, or with \fB\-\-format json\fR a JSON array of the pids.
R
	;;
	events) cat <<'R'
Prints, one JSON object a line, the container's resource usage (cpu, memory, pids,
blkio, ...: \fB"type":"stats"\fR) every \fB\-\-interval\fR, and its OOM events
(\fB"type":"oom"\fR), until the container's init exits; with \fB\-\-stats\fR, the statistics once.
R
	;;
	update) cat <<'R'
Changes the resource limits of a created, running or paused container, in its cgroup
and in its state.
R
	;;
	exec) cat <<'R'
Runs a new process in a running container: in its namespaces, cgroup, root, with its
security settings (capabilities, seccomp, no_new_privileges, rlimits) unless the flags
or \fB\-\-process\fR say otherwise.  rt stays in the foreground unless \fB\-\-detach\fR,
forwarding signals and relaying the terminal (\fB\-\-tty\fR).
R
	;;
	esac
}

verb_exit() {
	case $1 in
	run) cat <<'R'
.TP
\fB0\fR
with \fB\-\-detach\fR: the container was created and started.
.TP
\fIstatus\fR
without \fB\-\-detach\fR: the exit status of the container's init, or 128 + the signal
number when a signal killed it.
.TP
\fB1\fR
rt failed (bad arguments or flags, invalid bundle, create or start failed).
R
	;;
	exec) cat <<'R'
.TP
\fIstatus\fR
without \fB\-\-detach\fR: the exit status of the process, or 128 + the signal number when
a signal killed it.
.TP
\fB0\fR
with \fB\-\-detach\fR: the process was started.
.TP
\fB255\fR
the exec itself failed (no such container, container not running, invalid process,
the executable not found or not executable, ...): engines tell this from a status of
the process by 255, as with runc.
.TP
\fB1\fR
no container id given.
R
	;;
	*) cat <<'R'
.TP
\fB0\fR
success.
.TP
\fB1\fR
failure (bad arguments or flags, no such container, a container in the wrong state, ...); the error is logged (see \fB\-\-log\fR and \fB\-\-log\-format\fR of \fBrt\fR(8)).
R
	;;
	esac
}

header() { # name section-title
	printf '.\\" Generated by contrib/man/gen.sh from `rt%s --help`: do not edit.\n' "${3:+ $3}"
	printf '.TH %s 8 "" "%s" "%s"\n' "$1" "$th_source" "$th_manual"
}

all=$(verbs)

# rt(8)
help=$("$rt" --help)
{
	header RT
	echo '.SH NAME'
	echo "rt \\- $(section NAME <<<"$help" | sed -n 's/^rt - //p' | esc)"
	echo '.SH SYNOPSIS'
	echo '\fBrt\fR [\fIglobal options\fR] \fIcommand\fR [\fIcommand options\fR] [\fIarguments\fR...]'
	echo '.SH DESCRIPTION'
	cat <<'R'
rt is an OCI container runtime for Linux, a drop-in replacement for \fBrunc\fR(8):
engines such as podman and containerd drive it with runc's command lines on an OCI
bundle (a \fIconfig.json\fR and a root filesystem).  Each command has its own page,
\fBrt\-\fR\fIcommand\fR(8).
R
	echo '.SH COMMANDS'
	for v in $all; do
		u=$(section COMMANDS <<<"$help" | awk -v v="$v" '$1 == v {sub(/^[^ ]+ +/, ""); print}' | esc)
		printf '.TP\n\\fB%s\\fR\n%s; see \\fBrt\\-%s\\fR(8).\n' "$v" "$u" "$v"
	done
	echo '.SH GLOBAL OPTIONS'
	echo 'They come before the command: \fBrt \-\-root /run/x list\fR.'
	section 'GLOBAL OPTIONS' <<<"$help" | flags_roff
	echo '.SH EXIT STATUS'
	cat <<'R'
.TP
\fB0\fR
success.
.TP
\fB1\fR
failure; the error is logged to stderr or the \fB\-\-log\fR file.
.PP
\fBrt run\fR exits with the container's status and \fBrt exec\fR with the process's, or
255 when the exec itself failed: see \fBrt\-run\fR(8) and \fBrt\-exec\fR(8).
R
	echo '.SH ENVIRONMENT'
	cat <<'R'
.TP
\fBXDG_RUNTIME_DIR\fR
for an unprivileged user without \fB\-\-root\fR, the state root is \fI$XDG_RUNTIME_DIR/rt\fR.
R
	echo '.SH FILES'
	cat <<'R'
.TP
\fI/run/rt\fR
the default state root (\fB\-\-root\fR): a directory per container.
R
	echo '.SH SEE ALSO'
	sep=''
	for v in $all; do printf '%s\\fBrt\\-%s\\fR(8)' "$sep" "$v"; sep=$',\n'; done
	printf ',\n\\fBrunc\\fR(8)\n'
} >"$out/rt.8"

for v in $all; do
	vh=$("$rt" "$v" --help)
	usage=$(section USAGE <<<"$vh" | sed '/^$/d' | head -n1)
	more=$(section USAGE <<<"$vh" | sed '1,/^$/d')
	{
		header "RT-$(tr a-z A-Z <<<"$v")" "" "$v"
		echo '.SH NAME'
		echo "rt\\-$v \\- $(section NAME <<<"$vh" | sed -n "s/^rt $v - //p" | esc)"
		echo '.SH SYNOPSIS'
		# "rt VERB [command options] ARGS": bold words, italic placeholders.
		sed -e "s/^rt $v/rt [global options] $v/" <<<"$usage" | esc |
			sed -e 's/^rt \[global options\] \([a-z]*\)/\\fBrt\\fR [\\fIglobal options\\fR] \\fB\1\\fR/' \
				-e 's/\[command options\]/[\\fIcommand options\\fR]/' \
				-e 's/<\([^>]*\)>/\\fI\1\\fR/g'
		echo '.SH DESCRIPTION'
		verb_desc "$v"
		if [ -n "$more" ]; then
			echo '.PP'
			esc <<<"$more" | sed 's/^$/.PP/'
		fi
		opts=$(section OPTIONS <<<"$vh")
		if [ -n "$(tr -d ' \n' <<<"$opts")" ]; then
			echo '.SH OPTIONS'
			flags_roff <<<"$opts"
		fi
		echo '.SH EXIT STATUS'
		verb_exit "$v"
		echo '.SH SEE ALSO'
		echo '\fBrt\fR(8)'
	} >"$out/rt-$v.8"
done
echo "gen.sh: $(ls "$out" | wc -l) pages in $out"
