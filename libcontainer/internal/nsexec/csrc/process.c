/* process.c - stage B: the container process's own attributes (names,
 * sysctls, limits, scheduling, keyring, credentials, seccomp, cwd), its
 * console, its executable, and the hooks the init runs itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/ioprio.h>
#include <linux/keyctl.h>
#include <linux/magic.h>
#include <linux/seccomp.h>

#include "compat.h"
#include "init.h"
#include "util.h"

/* ---- the private procfs ---- */

static int proc_fd = -1;

/* Every /proc write goes through a procfs instance of our own, detached and
 * verified by its magic, never through the /proc path of the container's
 * mount namespace: an image can make that a symlink or mount something over
 * it and redirect the write (CVE-2019-16884, CVE-2019-19921, CVE-2025-52881). */
int rt_proc_open(void)
{
	struct statfs st;

	if (proc_fd >= 0)
		return proc_fd;
	int fs = rt_fsopen("proc", FSOPEN_CLOEXEC);
	if (fs < 0)
		rt_fail("private procfs: fsopen", errno, NULL);
	if (rt_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		rt_fail("private procfs: fsconfig create", errno, NULL);
	int mnt = rt_fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	int err = errno;
	close(fs);
	if (mnt < 0)
		rt_fail("private procfs: fsmount", err, NULL);
	if (fstatfs(mnt, &st) < 0 || st.f_type != PROC_SUPER_MAGIC)
		rt_fail("private procfs", 0, "fstatfs does not say procfs");
	proc_fd = mnt;
	return mnt;
}

void rt_proc_close(void)
{
	if (proc_fd >= 0)
		close(proc_fd);
	proc_fd = -1;
}

int rt_proc_openat(const char *rel, int flags, const char *step)
{
	int fd = rt_openat2(rt_proc_open(), rel, (uint64_t)flags | O_CLOEXEC,
			    RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS);

	if (fd < 0)
		rt_fail(step, errno, "/proc/%s", rel);
	return fd;
}

/* ---- names, sysctls, limits, scheduling ---- */

static void set_names(struct rt_config *c)
{
	if (c->hostname != NULL && sethostname(c->hostname, strlen(c->hostname)) < 0)
		rt_fail("sethostname", errno, "%s", c->hostname);
	if (c->domainname != NULL && setdomainname(c->domainname, strlen(c->domainname)) < 0)
		rt_fail("setdomainname", errno, "%s", c->domainname);
}

/* The path of a sysctl under /proc, per sysctl.d(5): if the key's first
 * separator is a slash, the key is a path already; otherwise dots separate and
 * slashes stand for dots in a name (net.ipv4.conf.eth0/100.forwarding ->
 * net/ipv4/conf/eth0.100/forwarding).  Empty, "." and ".." components are
 * refused, so that no key reaches a /proc file outside sys/ (RESOLVE_BENEATH
 * only keeps it inside this procfs). */
static int sysctl_path(const char *key, char *out, size_t size)
{
	int swap = key[strcspn(key, "./")] == '.';

	if ((size_t)snprintf(out, size, "sys/%s", key) >= size)
		return -1;
	for (char *p = out + 4; *p != '\0'; p++)
		if (swap && (*p == '.' || *p == '/'))
			*p = *p == '.' ? '/' : '.';
	for (char *p = out + 4;; p++) {
		size_t n = strcspn(p, "/");
		if (n == 0 || (p[0] == '.' && (n == 1 || (n == 2 && p[1] == '.'))))
			return -1;
		p += n;
		if (*p == '\0')
			return 0;
	}
}

static void set_sysctls(struct rt_config *c)
{
	char rel[4096];

	for (size_t i = 0; i < c->nsysctls; i++) {
		const char *key = c->sysctls[i].a, *val = c->sysctls[i].b;
		if (sysctl_path(key, rel, sizeof(rel)) < 0)
			rt_fail("sysctl", EINVAL, "%s: not a sysctl name", key);
		int fd = rt_proc_openat(rel, O_WRONLY, "sysctl");
		int r = rt_write_all(fd, val, strlen(val));
		close(fd);
		if (r < 0)
			rt_fail("write sysctl", -r, "%s = %s", key, val);
	}
}

static void set_rlimits(struct rt_config *c)
{
	static const char *const names[] = {"CPU",      "FSIZE",  "DATA",    "STACK", "CORE",  "RSS",
					    "NPROC",    "NOFILE", "MEMLOCK", "AS",    "LOCKS", "SIGPENDING",
					    "MSGQUEUE", "NICE",   "RTPRIO",  "RTTIME"};

	for (size_t i = 0; i < c->nrlimits; i++) {
		const struct rt_rlimit *l = &c->rlimits[i];
		struct rlimit rl = {.rlim_cur = l->soft, .rlim_max = l->hard};
		if (prlimit(0, (int)l->resource, &rl, NULL) < 0)
			rt_fail("setrlimit", errno, "RLIMIT_%s (%u) soft %llu hard %llu",
				l->resource < 16 ? names[l->resource] : "?", l->resource,
				(unsigned long long)l->soft, (unsigned long long)l->hard);
	}
}

/* linux.memoryPolicy: inherited by the process across execve. */
static void set_memory_policy(struct rt_config *c)
{
	if (!c->has_mempolicy)
		return;
	unsigned long maxnode = (unsigned long)c->nodemask.len * 8;
	/* The kernel reads maxnode-1 bits: one more than the mask holds. */
	if (syscall(SYS_set_mempolicy, (long)c->mempolicy, maxnode ? c->nodemask.s : NULL,
		    maxnode ? maxnode + 1 : 0) < 0)
		rt_fail("set_mempolicy", errno, "mode %#x, %lu node bits", c->mempolicy, maxnode);
}

static void set_scheduling(struct rt_config *c)
{
	if (c->has_personality && personality((unsigned long)c->personality) < 0)
		rt_fail("personality", errno, "%#llx", (unsigned long long)c->personality);
	if (c->has_sched) {
		struct rt_sched_attr a = {
			.size = sizeof(a),
			.sched_policy = c->sched_policy,
			.sched_flags = c->sched_flags,
			.sched_nice = (int32_t)c->sched_nice,
			.sched_priority = c->sched_prio,
			.sched_runtime = c->sched_runtime,
			.sched_deadline = c->sched_deadline,
			.sched_period = c->sched_period,
		};
		if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
			rt_fail("sched_setattr", errno, "policy %u", c->sched_policy);
	}
	if (c->has_ioprio && syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0,
				     c->ioprio_class << IOPRIO_CLASS_SHIFT | c->ioprio_prio) < 0)
		rt_fail("ioprio_set", errno, "class %u priority %u", c->ioprio_class, c->ioprio_prio);
}

/* A fresh anonymous session keyring, so the container does not share the
 * keys of the session that started rt.  Kernels without keys, or with a
 * seccomp/LSM policy against keyctl, are not an error (runc does the same). */
static void join_session_keyring(struct rt_config *c)
{
	if (c->options & RT_OPT_NO_NEW_KEYRING)
		return;
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && errno != ENOSYS &&
	    errno != EACCES && errno != EPERM)
		rt_fail("join session keyring", errno, NULL);
}

/* ---- credentials ---- */

/* Drop every bounding capability not kept.  Past the kernel's last
 * capability PR_CAPBSET_DROP says EINVAL: that ends the loop without reading
 * cap_last_cap (and without needing /proc for it). */
static void drop_bounding(uint64_t keep)
{
	for (int cap = 0; cap < 64; cap++) {
		if (keep >> cap & 1)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0)
			continue;
		if (errno == EINVAL)
			return;
		rt_fail("drop bounding capability", errno, "%d", cap);
	}
}

static void switch_user(struct rt_config *c)
{
	/* setgroups is EPERM in a user namespace whose setgroups file says
	 * "deny"; with no groups asked for that is no loss. */
	if (setgroups(c->ngroups, c->groups) < 0 && !(errno == EPERM && c->ngroups == 0))
		rt_fail("setgroups", errno, "%zu groups", c->ngroups);
	if (setresgid(c->gid, c->gid, c->gid) < 0)
		rt_fail("setresgid", errno, "%u", c->gid);
	if (setresuid(c->uid, c->uid, c->uid) < 0)
		rt_fail("setresuid", errno, "%u", c->uid);
	/* An euid change resets dumpable to fs.suid_dumpable, which a host may
	 * have set to 1: the init stays non-dumpable until execve (CVE-2016-9962). */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		rt_fail("clear dumpable", errno, NULL);
}

static void set_caps(struct rt_config *c)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2];

	for (int i = 0; i < 2; i++) {
		d[i].effective = (uint32_t)(c->cap_effective >> 32 * i);
		d[i].permitted = (uint32_t)(c->cap_permitted >> 32 * i);
		d[i].inheritable = (uint32_t)(c->cap_inheritable >> 32 * i);
	}
	if (syscall(SYS_capset, &h, d) < 0)
		rt_fail("capset", errno, "effective %#llx permitted %#llx inheritable %#llx",
			(unsigned long long)c->cap_effective, (unsigned long long)c->cap_permitted,
			(unsigned long long)c->cap_inheritable);
	/* Ambient: exactly the configured set, never more (CVE-2022-29162). */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		rt_fail("clear ambient capabilities", errno, NULL);
	for (int cap = 0; cap < 64; cap++)
		if ((c->cap_ambient >> cap & 1) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			rt_fail("raise ambient capability", errno, "%d", cap);
}

/* chdir, then make sure the cwd is inside the root: a cwd that resolves
 * through an fd leaked from the host (/proc/self/fd/N) is outside it, and
 * getcwd says so by not starting with '/' (CVE-2024-21626). */
static void enter_cwd(const char *cwd)
{
	char buf[4096];

	if (chdir(cwd) < 0) {
		char step[4200];
		snprintf(step, sizeof(step), "chdir to cwd (\"%s\") set in config.json failed", cwd);
		rt_fail(step, errno, NULL);
	}
	if (syscall(SYS_getcwd, buf, sizeof(buf)) < 0)
		rt_fail("getcwd", errno, "after chdir to %s", cwd);
	if (buf[0] != '/')
		rt_fail("chdir to cwd", 0,
			"current working directory %.256s is outside of the container root -- possible "
			"container breakout detected",
			buf);
}

void rt_setup_process(struct rt_config *c)
{
	set_names(c);
	set_sysctls(c);
	set_rlimits(c);
	set_scheduling(c);
	set_memory_policy(c);
	join_session_keyring(c);
	umask(c->has_umask ? c->umask : 0022);
	/* Enter and verify the cwd before any seccomp filter can forbid the
	 * check (getcwd), still as root: like runc's first chdir attempt, a
	 * directory the container user cannot search is fine. */
	enter_cwd(c->cwd);
	/* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: now,
	 * while we still have it.  With it, as late as possible (main.c). */
	if (c->has_seccomp && !c->no_new_privs)
		rt_load_seccomp(c);
	if (c->has_caps)
		drop_bounding(c->cap_bounding);
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		rt_fail("set keepcaps", errno, NULL);
	if (c->has_user)
		switch_user(c);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		rt_fail("clear keepcaps", errno, NULL);
	if (c->has_caps)
		set_caps(c);
	if (c->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		rt_fail("set no_new_privs", errno, NULL);
}

void rt_load_seccomp(struct rt_config *c)
{
	if (!c->has_seccomp)
		return;
	struct sock_fprog prog = {
		.len = (unsigned short)(c->seccomp_len / sizeof(struct sock_filter)),
		.filter = c->seccomp_bpf,
	};
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, c->seccomp_flags, &prog);
	if (r < 0)
		rt_fail("seccomp", errno, "load a filter of %u instructions", prog.len);
	if (!(c->seccomp_flags & SECCOMP_FILTER_FLAG_NEW_LISTENER))
		return;
	/* The listener fd (close-on-exec) goes to whoever reads the report fd
	 * now (create, exec or start), which hands it to the seccomp agent;
	 * until then a notified syscall of ours would wait: only sendmsg and
	 * close come before the agent has it (seccomp.Build refuses to notify
	 * sendmsg). */
	int fd = (int)r, err = rt_send_fd(RT_SECCOMP_FD, fd);
	close(fd);
	if (err < 0)
		rt_fail("send the seccomp notify fd", -err, NULL);
}

/* ---- the executable ---- */

/* exec.LookPath's test, as runc applies it: a regular file with an x bit. */
static int is_executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0;
}

static const char *env_path(char **envp)
{
	for (; *envp != NULL; envp++)
		if (strncmp(*envp, "PATH=", 5) == 0)
			return *envp + 5;
	return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

char *rt_find_exec(struct rt_config *c)
{
	const char *name = c->argv[0];
	struct stat st;

	if (strchr(name, '/') != NULL) {
		if (stat(name, &st) < 0)
			rt_fail("exec", errno, "\"%s\": stat %s", name, name);
		if (!S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0)
			rt_fail("exec", EACCES, "\"%s\"", name);
		return c->argv[0];
	}
	for (const char *dir = env_path(c->envp);; dir++) {
		size_t n = strcspn(dir, ":");
		char *cand = rt_xrealloc(NULL, n + strlen(name) + 3);
		/* An empty PATH element means the current directory. */
		sprintf(cand, "%.*s/%s", n ? (int)n : 1, n ? dir : ".", name);
		if (is_executable(cand))
			return cand;
		free(cand);
		dir += n;
		if (*dir == '\0')
			break;
	}
	rt_fail("exec", 0, "\"%s\": executable file not found in $PATH", name);
}

/* ---- the console ---- */

/* /dev/pts/ptmx of the container's devpts, resolved inside the root, and
 * checked to be what it claims: char 5:2 on a devpts.  A bind of another
 * device or of the host's ptmx fails here (CVE-2025-52565). */
static int open_ptmx(int root)
{
	struct stat st;
	struct statfs sf;
	int unlock = 0;
	int fd = rt_openat2(root, "dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC,
			    RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);

	if (fd < 0)
		rt_fail("console: open /dev/pts/ptmx", errno, NULL);
	if (fstat(fd, &st) < 0 || fstatfs(fd, &sf) < 0)
		rt_fail("console: stat /dev/pts/ptmx", errno, NULL);
	if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 5 || minor(st.st_rdev) != 2 ||
	    sf.f_type != DEVPTS_SUPER_MAGIC)
		rt_fail("console", 0, "/dev/pts/ptmx is not the ptmx (char 5:2) of a devpts");
	if (ioctl(fd, TIOCSPTLCK, &unlock) < 0)
		rt_fail("console: unlock the pty", errno, NULL);
	return fd;
}

/* The mount target /dev/console, created as an empty file if missing.
 * O_EXCL|O_NOFOLLOW: a symlink planted there is refused, not followed. */
static int console_target(int root)
{
	const uint64_t in_root = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS;
	int fd = rt_openat2(root, "dev/console", O_PATH | O_NOFOLLOW | O_CLOEXEC, in_root);

	if (fd >= 0 || errno != ENOENT)
		return fd;
	int dev = rt_openat2(root, "dev", O_PATH | O_DIRECTORY | O_CLOEXEC, in_root);
	if (dev < 0)
		rt_fail("console: open /dev", errno, NULL);
	fd = openat(dev, "console", O_CREAT | O_EXCL | O_NOFOLLOW | O_RDONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		rt_fail("console: create /dev/console", errno, NULL);
	close(dev);
	return fd;
}

/* Bind the pty onto /dev/console from its fd: no /dev/pts/N path that the
 * container could swap for a symlink is ever resolved (CVE-2025-52565). */
static void bind_console(int root, int peer)
{
	int dst = console_target(root);

	if (dst < 0)
		rt_fail("console: open /dev/console", errno, NULL);
	int tree = rt_open_tree(peer, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (tree < 0)
		rt_fail("console: open_tree of the pty", errno, NULL);
	if (rt_move_mount(tree, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		rt_fail("console: bind the pty onto /dev/console", errno, NULL);
	close(tree);
	close(dst);
}

/* Exactly one message: the pty name as data, the master as one SCM_RIGHTS fd. */
static void send_master(int sock, int master, const char *name)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = {.iov_base = (void *)name, .iov_len = strlen(name)};
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	ssize_t n;

	memset(u.buf, 0, sizeof(u.buf));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &master, sizeof(int));
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0 || (size_t)n != iov.iov_len)
		rt_fail("console: send the pty master to the console socket", n < 0 ? errno : EMSGSIZE, NULL);
}

/* A new session with the pty as controlling terminal and as stdio. */
static void attach_console(int peer)
{
	if (setsid() < 0)
		rt_fail("console: setsid", errno, NULL);
	if (ioctl(peer, TIOCSCTTY, 0) < 0)
		rt_fail("console: TIOCSCTTY", errno, NULL);
	for (int fd = 0; fd < 3; fd++)
		if ((fd == peer ? fcntl(fd, F_SETFD, 0) : dup3(peer, fd, 0)) < 0)
			rt_fail("console: dup the pty onto stdio", errno, "fd %d", fd);
	if (peer > 2)
		close(peer);
}

void rt_setup_console(struct rt_config *c)
{
	char name[32];
	unsigned int n;
	int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (root < 0)
		rt_fail("console: open /", errno, NULL);
	int master = open_ptmx(root);
	/* The peer from the master, never by path (CVE-2025-52565). */
	int peer = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (peer < 0)
		rt_fail("console: TIOCGPTPEER", errno, NULL);
	if (ioctl(master, TIOCGPTN, &n) < 0)
		rt_fail("console: TIOCGPTN", errno, NULL);
	snprintf(name, sizeof(name), "/dev/pts/%u", n);
	struct winsize ws = {.ws_row = (unsigned short)c->rows, .ws_col = (unsigned short)c->cols};
	if ((c->rows || c->cols) && ioctl(master, TIOCSWINSZ, &ws) < 0)
		rt_fail("console: set the window size", errno, "%ux%u", c->rows, c->cols);
	/* Only in a mount namespace of the container's own: binding in the
	 * host's or a joined one would change someone else's /dev/console. */
	if (c->rootfs != NULL && (c->ns_new & CLONE_NEWNS))
		bind_console(root, peer);
	close(root);
	/* The terminal belongs to the process's user (as login(1) does), so a
	 * non-root process can use it fully (stty, mesg). */
	if (c->has_user && c->uid != 0 && fchown(peer, c->uid, (gid_t)-1) < 0)
		rt_fail("console: chown the pty", errno, "to uid %u", c->uid);
	send_master(c->console_fd, master, name);
	close(master);
	close(c->console_fd);
	c->console_fd = -1;
	attach_console(peer);
}

/* ---- hooks run by the init: createContainer, startContainer ---- */

static const char *const hook_step[] = {
	[RT_HOOK_CREATE_CONTAINER] = "createContainer hook",
	[RT_HOOK_START_CONTAINER] = "startContainer hook",
};

/* The child: state on stdin, the init's stdout and stderr, no other fd (the
 * fds the container keeps are none of a hook's business). */
static void hook_child(const struct rt_hook *h, int in)
{
	if ((in == 0 ? fcntl(0, F_SETFD, 0) : dup2(in, 0)) < 0 || rt_close_range(3, ~0u, 0) < 0)
		_exit(127);
	execve(h->path, h->argv, h->envp);
	_exit(127);
}

/* The state JSON on the hook's stdin.  A hook need not read it: SIGPIPE is
 * blocked around the write, and a pending one consumed before unblocking. */
static void write_state(int fd, const char *state)
{
	const struct timespec zero = {0, 0};
	sigset_t pipe_set, old;

	if (state == NULL)
		return;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, &old);
	if (rt_write_all(fd, state, strlen(state)) == -EPIPE)
		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
			;
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* Wait until the hook exits or its timeout passes (then SIGKILL it). */
static void wait_deadline(const struct rt_hook *h, pid_t pid, int idx)
{
	struct timespec now, end;
	int pfd = rt_pidfd_open(pid, 0); /* always close-on-exec */

	if (pfd < 0)
		rt_fail(hook_step[h->phase], errno, "#%d %s: pidfd_open", idx, h->path);
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += h->timeout;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		long ms = (end.tv_sec - now.tv_sec) * 1000 + (end.tv_nsec - now.tv_nsec) / 1000000;
		if (ms <= 0) {
			kill(pid, SIGKILL);
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
			rt_fail(hook_step[h->phase], 0, "#%d %s: timed out after %ds", idx, h->path,
				(int)h->timeout);
		}
		struct pollfd p = {.fd = pfd, .events = POLLIN};
		int r = poll(&p, 1, ms > INT_MAX ? INT_MAX : (int)ms);
		if (r > 0)
			break;
		if (r < 0 && errno != EINTR)
			rt_fail(hook_step[h->phase], errno, "#%d %s: poll", idx, h->path);
	}
	close(pfd);
}

static void run_hook(struct rt_config *c, const struct rt_hook *h, int idx)
{
	const char *step = hook_step[h->phase];
	size_t len = c->state_json ? strlen(c->state_json) : 0;
	int p[2], st;

	if (pipe2(p, O_CLOEXEC) < 0)
		rt_fail(step, errno, "#%d %s: pipe", idx, h->path);
	/* The whole state fits in the pipe, so a hook that does not read it
	 * cannot block us past its timeout. */
	if (len > 65536)
		(void)fcntl(p[1], F_SETPIPE_SZ, (int)len);
	pid_t pid = fork();
	if (pid < 0)
		rt_fail(step, errno, "#%d %s: fork", idx, h->path);
	if (pid == 0)
		hook_child(h, p[0]);
	close(p[0]);
	write_state(p[1], c->state_json);
	close(p[1]);
	if (h->timeout > 0)
		wait_deadline(h, pid, idx);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			rt_fail(step, errno, "#%d %s: wait", idx, h->path);
	if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
		rt_fail(step, 0, "#%d %s: exit status %d", idx, h->path, WEXITSTATUS(st));
	if (WIFSIGNALED(st))
		rt_fail(step, 0, "#%d %s: killed by signal %d", idx, h->path, WTERMSIG(st));
}

void rt_run_hooks(struct rt_config *c, uint32_t phase)
{
	int idx = 0;

	for (size_t i = 0; i < c->nhooks; i++)
		if (c->hooks[i].phase == phase)
			run_hook(c, &c->hooks[i], idx++);
}
