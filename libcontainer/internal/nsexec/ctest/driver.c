/* driver.c - plays the rt parent for rt-init scenario tests (ctest/run.sh).
 *
 * It builds a bootstrap from its options, starts rt-init with a socketpair
 * (fds laid out as libcontainer/internal/nsexec/launch.go does: stdio,
 * preserved fds, sync, start, console), answers MapRequest (writes the id
 * maps) and HooksRequest, and prints what comes back on stderr, prefixed
 * "driver: ".  Error frames are printed as the Go side renders them:
 * "driver: error: step: detail: errno text".
 *
 * Exit status: the container's (128+signal when killed), 2 when rt-init
 * reported an error before Ready, 3 after it (exec, startContainer hooks),
 * 4 on a driver failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "../csrc/proto.h"

#define die(...) (fprintf(stderr, "driver: " __VA_ARGS__), fputc('\n', stderr), exit(4))

/* ---- bootstrap encoding ---- */

static struct {
	uint8_t *p;
	size_t n, cap;
} out;

static void put(const void *p, size_t n)
{
	if (out.n + n > out.cap) {
		out.cap = (out.n + n) * 2;
		out.p = realloc(out.p, out.cap);
		if (out.p == NULL)
			die("out of memory");
	}
	memcpy(out.p + out.n, p, n);
	out.n += n;
}

static void u32(uint32_t v)
{
	uint8_t b[4] = {v, v >> 8, v >> 16, v >> 24};
	put(b, 4);
}

static void u64(uint64_t v)
{
	u32((uint32_t)v);
	u32((uint32_t)(v >> 32));
}

static void bytes(const void *p, size_t n)
{
	u32((uint32_t)n);
	put(p, n);
}

static void str(const char *s)
{
	bytes(s, strlen(s));
}

/* Frames are written header first; frame_end patches the length. */
static size_t frame_at;

static void frame(uint32_t type)
{
	u32(type);
	frame_at = out.n;
	u32(0);
}

static void frame_end(void)
{
	uint32_t n = (uint32_t)(out.n - frame_at - 4);
	uint8_t b[4] = {n, n >> 8, n >> 16, n >> 24};
	memcpy(out.p + frame_at, b, 4);
}

#define MSG(type, ...)                                                                                       \
	do {                                                                                                 \
		frame(type);                                                                                 \
		__VA_ARGS__;                                                                                 \
		frame_end();                                                                                 \
	} while (0)

/* ---- options ---- */

static struct opts {
	const char *init, *map, *corrupt, *keep_file, *stray, *apparmor, *selinux;
	int start, terminal, rows, cols, deny_setgroups, show_fds;
	uint64_t ns_new;
	uint32_t options;
} o = {.map = "0 100000 65536"};

static uint64_t ns_flags(const char *list)
{
	static const struct {
		const char *n;
		uint64_t f;
	} t[] = {{"user", CLONE_NEWUSER},     {"mnt", CLONE_NEWNS},   {"pid", CLONE_NEWPID},
		 {"net", CLONE_NEWNET},       {"ipc", CLONE_NEWIPC},  {"uts", CLONE_NEWUTS},
		 {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME}};
	uint64_t f = 0;
	char *l = strdup(list), *save = NULL;

	for (char *w = strtok_r(l, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		size_t i;
		for (i = 0; i < sizeof(t) / sizeof(t[0]) && strcmp(t[i].n, w) != 0; i++)
			;
		if (i == sizeof(t) / sizeof(t[0]))
			die("unknown namespace %s", w);
		f |= t[i].f;
	}
	free(l);
	return f;
}

/* sethostname -> EPERM, everything else allowed (x86_64 only). */
static void seccomp_msg(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sethostname, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	MSG(RT_SECCOMP, u32(0); bytes(f, sizeof(f)));
}

static void user_msg(const char *spec, uint32_t umask_v, int has_umask)
{
	unsigned uid, gid;
	int n = 0;
	char groups[256];
	uint8_t g[4 * 64];
	size_t ng = 0;

	groups[0] = '\0';
	if (sscanf(spec, "%u:%u%n:%255s", &uid, &gid, &n, groups) < 2)
		die("bad -u %s", spec);
	for (char *s = strtok(groups, ","); s && ng < 64; s = strtok(NULL, ",")) {
		uint32_t v = (uint32_t)strtoul(s, NULL, 10);
		uint8_t b[4] = {v, v >> 8, v >> 16, v >> 24};
		memcpy(g + 4 * ng++, b, 4);
	}
	MSG(RT_USER, u32(uid); u32(gid); u32(has_umask); u32(umask_v); bytes(g, 4 * ng));
}

/* "fstype:source:dest:data" */
static void mount_msg(const char *spec)
{
	char *s = strdup(spec), *f[4] = {0};

	for (int i = 0; i < 4; i++)
		f[i] = strsep(&s, ":");
	if (f[2] == NULL)
		die("bad -m %s", spec);
	MSG(RT_MOUNT, u32(RT_MOUNT_FS); str(f[1]); str(f[2]); str(f[0]); u64(2 /* MS_NOSUID */); u64(0);
	    u64(0); u64(0); str(f[3] ? f[3] : ""); u32(UINT32_MAX));
}

/* -b "source:dest" (a bind) or -L "target:linkpath" (a symlink). */
static void pair_msg(int opt, const char *spec)
{
	char *s = strdup(spec), *c = strchr(s, ':');

	if (c == NULL)
		die("bad -%c %s", opt, spec);
	*c = '\0';
	if (opt == 'b')
		MSG(RT_MOUNT, u32(RT_MOUNT_BIND); str(s); str(c + 1); str(""); u64(0x1000 /* MS_BIND */);
		    u64(0); u64(0); u64(0); str(""); u32(UINT32_MAX));
	else
		MSG(RT_SYMLINK, str(s); str(c + 1));
}

/* "c|s:timeout:shell command" -> /bin/sh -c command */
static void hook_msg(const char *spec)
{
	char phase;
	unsigned timeout;
	int n = 0;

	if (sscanf(spec, "%c:%u:%n", &phase, &timeout, &n) < 2 || n == 0)
		die("bad -H %s", spec);
	static const char pre[] = "sh\0-c\0";
	char args[4096];
	size_t len = strlen(spec + n);
	memcpy(args, pre, sizeof(pre) - 1);
	memcpy(args + sizeof(pre) - 1, spec + n, len);
	MSG(RT_HOOK, u32(phase == 's' ? RT_HOOK_START_CONTAINER : RT_HOOK_CREATE_CONTAINER); str("/bin/sh");
	    u32(timeout); bytes(args, sizeof(pre) - 1 + len); bytes("HOOKVAR=1", 9));
}

static void rlimit_msg(const char *spec)
{
	unsigned res;
	unsigned long long soft, hard;

	if (sscanf(spec, "%u:%llu:%llu", &res, &soft, &hard) != 3)
		die("bad -l %s", spec);
	MSG(RT_RLIMIT, u32(res); u64(soft); u64(hard));
}

static void kv_msg(uint32_t type, const char *spec)
{
	char *s = strdup(spec), *eq = strchr(s, '=');

	if (eq == NULL)
		die("bad key=value %s", spec);
	*eq = '\0';
	MSG(type, str(s); str(eq + 1));
}

static void caps_msg(uint64_t caps, uint64_t ambient)
{
	MSG(RT_CAPS, u64(caps); u64(caps); u64(caps); u64(ambient); u64(ambient));
}

static void usage(void)
{
	die("usage: driver -i INIT [-n NS,..] [-j TYPE:PATH] [-r ROOT] [-m FS:SRC:DST:DATA] [-b SRC:DST] [-L "
	    "TARGET:LINK]\n  [-h HOST]\n"
	    "  [-u UID:GID[:G,..]] [-U UMASK] [-c CAPS] [-a AMBIENT] [-N] [-C] [-e K=V] [-w CWD] [-s K=V]\n"
	    "  [-l RES:SOFT:HARD] [-P PERSONA] [-S] [-t ROWSxCOLS] [-H c|s:TIMEOUT:CMD] [-k FILE] [-T "
	    "OFFSETS]\n"
	    "  [-M MAP] [-D] [-K] [-F] [-x CORRUPTION] -- ARGS...");
}

static void corrupt(const char *how);

/* Parse the options into bootstrap frames (Fds/StartFd/Options/End later). */
static int parse(int argc, char **argv)
{
	uint64_t caps = 0, ambient = 0;
	int has_caps = 0, opt, umask_v = -1;
	const char *user = NULL;

	while ((opt = getopt(argc, argv, "i:n:j:r:m:b:L:h:u:U:c:a:NCe:w:s:l:P:St:H:k:X:T:M:DKFx:A:Z:")) != -1) {
		switch (opt) {
		case 'i':
			o.init = optarg;
			break;
		case 'n':
			o.ns_new = ns_flags(optarg);
			MSG(RT_NS_NEW, u64(o.ns_new));
			break;
		case 'j': {
			char *c = strchr(optarg, ':');
			if (!c)
				usage();
			*c = '\0';
			MSG(RT_NS_JOIN, u32((uint32_t)ns_flags(optarg)); str(c + 1));
			break;
		}
		case 'r':
			MSG(RT_ROOTFS, str(optarg); u64(0x80000 | 0x4000 /* MS_SLAVE|MS_REC */); u32(0);
			    u32(0));
			break;
		case 'm':
			mount_msg(optarg);
			break;
		case 'b':
		case 'L':
			pair_msg(opt, optarg);
			break;
		case 'h':
			MSG(RT_HOSTNAME, str(optarg));
			break;
		case 'u':
			user = optarg;
			break;
		case 'U':
			umask_v = (int)strtol(optarg, NULL, 8);
			break;
		case 'c':
			caps = strtoull(optarg, NULL, 0);
			has_caps = 1;
			break;
		case 'a':
			ambient = strtoull(optarg, NULL, 0);
			break;
		case 'N':
			MSG(RT_NO_NEW_PRIVS, (void)0);
			break;
		case 'C':
			seccomp_msg();
			break;
		case 'e':
			MSG(RT_ENV, str(optarg));
			break;
		case 'w':
			MSG(RT_CWD, str(optarg));
			break;
		case 's':
			kv_msg(RT_SYSCTL, optarg);
			break;
		case 'l':
			rlimit_msg(optarg);
			break;
		case 'P':
			MSG(RT_PERSONALITY, u64(strtoull(optarg, NULL, 0)));
			break;
		case 'S':
			o.start = 1;
			break;
		case 't':
			o.terminal = 1;
			if (sscanf(optarg, "%dx%d", &o.rows, &o.cols) != 2)
				usage();
			break;
		case 'H':
			hook_msg(optarg);
			o.options |= RT_OPT_HOOKS;
			break;
		case 'k':
			o.keep_file = optarg;
			break;
		case 'X':
			o.stray = optarg;
			break;
		case 'T':
			MSG(RT_TIMENS_OFFSETS, str(optarg));
			break;
		case 'M':
			o.map = optarg;
			break;
		case 'D':
			o.deny_setgroups = 1;
			break;
		case 'K':
			o.options |= RT_OPT_NO_NEW_KEYRING;
			break;
		case 'F':
			o.show_fds = 1;
			break;
		case 'x':
			o.corrupt = optarg;
			break;
		case 'A':
			o.apparmor = optarg;
			break;
		case 'Z':
			o.selinux = optarg;
			break;
		default:
			usage();
		}
	}
	if (o.init == NULL)
		usage();
	if (has_caps)
		caps_msg(caps, ambient);
	if (user != NULL)
		user_msg(user, (uint32_t)(umask_v < 0 ? 0 : umask_v), umask_v >= 0);
	for (int i = optind; i < argc; i++)
		MSG(RT_ARG, str(argv[i]));
	if (o.corrupt)
		corrupt(o.corrupt);
	return optind;
}

/* Malformed bootstraps: each must come back as an Error naming the message. */
static void corrupt(const char *how)
{
	if (strcmp(how, "short") == 0) { /* str length beyond the payload */
		MSG(RT_HOSTNAME, u32(10); put("abc", 3));
	} else if (strcmp(how, "trailing") == 0) {
		MSG(RT_CWD, str("/"); put("x", 1));
	} else if (strcmp(how, "huge") == 0) {
		u32(RT_MOUNT);
		u32(RT_MAX_MSG + 1);
	} else if (strcmp(how, "nul") == 0) {
		MSG(RT_MASK, bytes("/a\0b", 4));
	} else if (strcmp(how, "count") == 0) {
		for (int i = 0; i < 4097; i++)
			MSG(RT_MASK, str("/m"));
	} else if (strcmp(how, "unknown") == 0) {
		MSG(99, (void)0);
	} else if (strcmp(how, "dup") == 0) {
		MSG(RT_HOSTNAME, str("a"));
		MSG(RT_HOSTNAME, str("b"));
	} else if (strcmp(how, "groups") == 0) {
		MSG(RT_USER, u32(0); u32(0); u32(0); u32(0); bytes("abc", 3));
	} else if (strcmp(how, "total") == 0) { /* 5 frames of 4 MiB > RT_MAX_BOOTSTRAP */
		size_t n = RT_MAX_MSG - 4;
		char *big = malloc(n);
		if (big == NULL)
			die("out of memory");
		memset(big, 'A', n);
		for (int i = 0; i < 5; i++)
			MSG(RT_ENV, bytes(big, n));
		free(big);
	} else if (strcmp(how, "exec-no-opt") == 0) { /* Exec without RT_OPT_EXEC */
		MSG(RT_EXEC, u32(3); u64(0); u32((uint32_t)-1));
	} else if (strcmp(how, "exec-opt-only") == 0) { /* RT_OPT_EXEC without Exec */
		o.options |= RT_OPT_EXEC;
	} else if (strcmp(how, "exec-rootfs") == 0) { /* an exec that would build a container */
		MSG(RT_EXEC, u32(3); u64(0); u32((uint32_t)-1));
		MSG(RT_ROOTFS, str("/"); u64(0); u32(0); u32(RT_ROOT_CHROOT));
		o.options |= RT_OPT_EXEC;
	} else if (strcmp(how, "exec-badns") == 0) {
		MSG(RT_EXEC, u32(3); u64(1); u32((uint32_t)-1));
		o.options |= RT_OPT_EXEC;
	} else if (strcmp(how, "eof") != 0) {
		die("unknown corruption %s", how);
	}
}

/* ---- running it ---- */

static pid_t pid_a, pid_b;
static int a_reaped;

static void on_alarm(int sig)
{
	(void)sig;
	if (pid_b > 0)
		kill(pid_b, SIGKILL);
	if (pid_a > 0)
		kill(pid_a, SIGKILL);
	static const char msg[] = "driver: timed out\n";
	(void)!write(2, msg, sizeof(msg) - 1);
	_exit(5);
}

static int read_full(int fd, void *buf, size_t n)
{
	for (size_t got = 0; got < n;) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static void write_full(int fd, const void *buf, size_t n)
{
	for (size_t done = 0; done < n;) {
		ssize_t r = write(fd, (const char *)buf + done, n - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return; /* rt-init went away: what it sent says why */
		done += (size_t)r;
	}
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* One frame; -1 on EOF.  *p is malloc'ed. */
static int read_frame(int fd, uint32_t *type, uint8_t **p, uint32_t *len)
{
	uint8_t h[8];

	if (read_full(fd, h, 8) < 0)
		return -1;
	*type = le32(h);
	*len = le32(h + 4);
	if (*len > RT_MAX_MSG)
		die("frame of %u bytes", *len);
	*p = malloc(*len + 1);
	if (read_full(fd, *p, *len) < 0)
		die("short frame");
	return 0;
}

static void send_frame(int fd, uint32_t type, const void *p, uint32_t n)
{
	uint8_t h[8] = {type, type >> 8, type >> 16, type >> 24, n, n >> 8, n >> 16, n >> 24};

	write_full(fd, h, 8);
	write_full(fd, p, n);
}

/* As the Go side renders an InitError: "step: detail: errno text". */
static void print_error(const uint8_t *p, uint32_t len)
{
	if (len < 12)
		die("short Error frame");
	uint32_t sl = le32(p);
	uint32_t err = le32(p + 4 + sl);
	uint32_t dl = le32(p + 8 + sl);
	char text[256];

	snprintf(text, sizeof(text), "%s", strerror((int)err));
	text[0] = (char)(text[0] >= 'A' && text[0] <= 'Z' ? text[0] + 32 : text[0]);
	fprintf(stderr, "driver: error: %.*s%s%.*s%s%s\n", (int)sl, (const char *)p + 4, dl ? ": " : "",
		(int)dl, (const char *)p + 12 + sl, err ? ": " : "", err ? text : "");
}

static void reap_a(void)
{
	int st;

	if (a_reaped)
		return;
	a_reaped = 1;
	if (waitpid(pid_a, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fprintf(stderr, "driver: stage A status %#x\n", st);
}

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		die("write %s: %s", path, strerror(errno));
	close(fd);
}

static void write_maps(void)
{
	char path[64];

	if (o.deny_setgroups) {
		snprintf(path, sizeof(path), "/proc/%d/setgroups", pid_a);
		write_file(path, "deny");
	}
	snprintf(path, sizeof(path), "/proc/%d/uid_map", pid_a);
	write_file(path, o.map);
	snprintf(path, sizeof(path), "/proc/%d/gid_map", pid_a);
	write_file(path, o.map);
}

static _Noreturn void init_failed(const uint8_t *p, uint32_t len, int code)
{
	int st;

	print_error(p, len);
	reap_a();
	if (pid_b > 0 && waitpid(pid_b, &st, 0) == pid_b)
		fprintf(stderr, "driver: init exit %d\n",
			WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	exit(code);
}

/* The parent side of the protocol up to Ready. */
static void drive(int fd)
{
	uint32_t type, len;
	uint8_t *p;

	for (;;) {
		if (read_frame(fd, &type, &p, &len) < 0) {
			fprintf(stderr, "driver: EOF from rt-init before Ready\n");
			reap_a();
			exit(2);
		}
		if (type == RT_MAP_REQUEST) {
			fprintf(stderr, "driver: MapRequest\n");
			write_maps();
			send_frame(fd, RT_MAP_DONE, "", 0);
		} else if (type == RT_CHILD_PID) {
			pid_b = (pid_t)le32(p);
			fprintf(stderr, "driver: ChildPid\n");
			reap_a();
		} else if (type == RT_HOOKS_REQUEST) {
			char state[256], msg[260];
			int n = snprintf(state, sizeof(state),
					 "{\"ociVersion\":\"1.2.0\",\"id\":\"ctest\",\"status\":\"creating\","
					 "\"pid\":%d}",
					 pid_b);
			memcpy(msg, (uint8_t[4]){n, 0, 0, 0}, 4);
			memcpy(msg + 4, state, n);
			fprintf(stderr, "driver: HooksRequest\n");
			send_frame(fd, RT_HOOKS_DONE, msg, n + 4);
		} else if (type == RT_READY) {
			fprintf(stderr, "driver: Ready\n");
			free(p);
			return;
		} else if (type == RT_ERROR) {
			init_failed(p, len, 2);
		} else {
			die("unexpected message %u", type);
		}
		free(p);
	}
}

/* After Ready: read the report fd until EOF (exec'd) or an Error. */
static void await_exec(int fd)
{
	uint32_t type, len;
	uint8_t *p;

	if (read_frame(fd, &type, &p, &len) < 0) {
		fprintf(stderr, "driver: exec'd\n");
		return;
	}
	if (type != RT_ERROR)
		die("unexpected message %u after Ready", type);
	init_failed(p, len, 3);
}

static int recv_master(int sock)
{
	char name[4096], cbuf[CMSG_SPACE(sizeof(int) * 4)];
	struct iovec iov = {name, sizeof(name) - 1};
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	int fd;

	if (n <= 0 || cm == NULL || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int)))
		die("console socket: no single fd received");
	name[n] = '\0';
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	fprintf(stderr, "driver: console %s\n", name);
	return fd;
}

static void show_fds(void)
{
	char path[64], line[1024] = "", link[256];

	for (int fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid_b, fd);
		ssize_t n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		if (strncmp(link, "socket:", 7) == 0)
			strcpy(link, "socket");
		snprintf(line + strlen(line), sizeof(line) - strlen(line), " %d%s%s", fd, fd > 2 ? "=" : "",
			 fd > 2 ? link : "");
	}
	fprintf(stderr, "driver: init fds:%s\n", line);
}

static int start_listener(struct sockaddr_un *sa, socklen_t *salen)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	int n = snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1, "rt-ctest-%d", getpid());
	*salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	if (fd < 0 || bind(fd, (struct sockaddr *)sa, *salen) < 0 || listen(fd, 4) < 0)
		die("start socket: %s", strerror(errno));
	return fd;
}

/* `rt start`: a probe connection that sends nothing first, then the real one. */
static int start(const struct sockaddr_un *sa, socklen_t salen)
{
	int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe < 0 || connect(probe, (const struct sockaddr *)sa, salen) < 0)
		die("connect: %s", strerror(errno));
	close(probe);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (const struct sockaddr *)sa, salen) < 0 || write(fd, "x", 1) != 1)
		die("start: %s", strerror(errno));
	fprintf(stderr, "driver: started\n");
	return fd;
}

/* fork + exec rt-init with fds[i] at 3+i, as launch.go lays them out. */
static pid_t spawn(int *fds, int n, int sync_no)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	int hi[8];
	for (int i = 0; i < n; i++)
		hi[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 100);
	for (int i = 0; i < n; i++)
		dup2(hi[i], 3 + i);
	syscall(SYS_close_range, 3 + n, ~0u, 0); /* exactly the fds launch.go passes */
	char arg[16];
	snprintf(arg, sizeof(arg), "%d", sync_no);
	char *av[] = {"rt-init", arg, NULL}, *ev[] = {NULL};
	execve(o.init, av, ev);
	_exit(127);
}

int main(int argc, char **argv)
{
	int sync[2], con[2] = {-1, -1}, fds[8], n = 0, st, lfd = -1, console_no = -1;
	struct sockaddr_un sa;
	socklen_t salen = 0;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	alarm(30);
	parse(argc, argv);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sync) < 0)
		die("socketpair: %s", strerror(errno));
	if (o.keep_file && (fds[n++] = open(o.keep_file, O_RDONLY | O_CLOEXEC)) < 0)
		die("open %s: %s", o.keep_file, strerror(errno));
	int keep = 3 + n, sync_no = 3 + n;
	fds[n++] = sync[1];
	if (o.start) {
		lfd = start_listener(&sa, &salen);
		fds[n++] = lfd;
	}
	if (o.terminal) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, con) < 0)
			die("socketpair: %s", strerror(errno));
		console_no = 3 + n;
		fds[n++] = con[1];
	}
	/* A host fd rt-init inherits by mistake, not close-on-exec and not in
	 * the bootstrap (CVE-2024-21626): it must not reach the container. */
	if (o.stray && (fds[n++] = open(o.stray, O_RDONLY | O_CLOEXEC)) < 0)
		die("open %s: %s", o.stray, strerror(errno));
	if (o.apparmor)
		MSG(RT_LABEL, u32(RT_LABEL_APPARMOR); str(o.apparmor));
	if (o.selinux)
		MSG(RT_LABEL, u32(RT_LABEL_SELINUX); str(o.selinux));
	MSG(RT_FDS, u32(keep));
	MSG(RT_START_FD, u32(o.start ? (uint32_t)sync_no + 1 : UINT32_MAX));
	if (o.terminal)
		MSG(RT_TERMINAL, u32((uint32_t)console_no); u32(o.rows); u32(o.cols));
	MSG(RT_OPTIONS, u32(o.options));
	MSG(RT_END, (void)0);
	pid_a = spawn(fds, n, sync_no);
	close(sync[1]);
	if (con[1] >= 0)
		close(con[1]);
	if (o.corrupt && strcmp(o.corrupt, "eof") == 0) {
		write_full(sync[0], out.p, 6); /* half a frame, then EOF */
		shutdown(sync[0], SHUT_WR);
	} else {
		write_full(sync[0], out.p, out.n);
	}
	drive(sync[0]);
	if (o.start) {
		/* With a start socket nothing more comes on the sync socket: B
		 * closes it right after Ready. */
		uint32_t type, len;
		uint8_t *p;
		if (read_frame(sync[0], &type, &p, &len) == 0)
			die("message %u on the sync socket after Ready", type);
		close(sync[0]);
	}
	if (o.show_fds)
		show_fds();
	int master = o.terminal ? recv_master(con[0]) : -1;
	if (o.start) {
		await_exec(start(&sa, salen));
	} else {
		await_exec(sync[0]);
	}
	for (char buf[4096]; master >= 0;) {
		ssize_t r = read(master, buf, sizeof(buf));
		if (r <= 0 && !(r < 0 && errno == EINTR))
			break;
		if (r > 0)
			write_full(1, buf, (size_t)r);
	}
	if (waitpid(pid_b, &st, 0) != pid_b)
		die("waitpid: %s", strerror(errno));
	int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	fprintf(stderr, "driver: exit %d\n", code);
	return code;
}
