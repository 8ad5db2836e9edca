/* ns.c - stage A: join and create namespaces, then clone stage B.
 *
 * Stage A is the process the parent executed.  It opens every namespace path
 * it must join first (while the paths still resolve in the parent's mount
 * namespace), enters or creates the user namespace (with the id-map
 * handshake), joins the other namespaces (mount last), unshares the new ones
 * and clones stage B.  CLONE_NEWPID and CLONE_NEWTIME only apply to children:
 * B is the container's pid 1 and the first process of the new time ns.
 * A reports B's pid and exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compat.h"
#include "init.h"
#include "util.h"

static const struct {
	uint64_t flag;
	const char *name;
} ns_names[] = {
	{CLONE_NEWUSER, "user"}, {CLONE_NEWNS, "mnt"},  {CLONE_NEWPID, "pid"},       {CLONE_NEWNET, "net"},
	{CLONE_NEWIPC, "ipc"},   {CLONE_NEWUTS, "uts"}, {CLONE_NEWCGROUP, "cgroup"}, {CLONE_NEWTIME, "time"},
};

const char *rt_ns_name(uint64_t flag)
{
	for (size_t i = 0; i < sizeof(ns_names) / sizeof(ns_names[0]); i++)
		if (ns_names[i].flag == flag)
			return ns_names[i].name;
	return NULL;
}

/* Open every path to join now: later setns calls change what a path means
 * (after joining a mount namespace, /proc/<pid>/ns/... is the container's). */
static int *open_joins(struct rt_config *c)
{
	int *fds = rt_xrealloc(NULL, (c->njoins + 1) * sizeof(int));

	for (size_t i = 0; i < c->njoins; i++) {
		fds[i] = open(c->joins[i].path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) {
			char step[4200];
			snprintf(step, sizeof(step), "open %s ns %s", rt_ns_name(c->joins[i].flag),
				 c->joins[i].path);
			rt_fail(step, errno, NULL);
		}
	}
	return fds;
}

/* setns every join of the given flag (want) or, with want == 0, every join
 * but user and mnt. */
static void join(struct rt_config *c, int *fds, uint64_t want)
{
	for (size_t i = 0; i < c->njoins; i++) {
		uint32_t f = c->joins[i].flag;
		if (want ? f != want : (f == CLONE_NEWUSER || f == CLONE_NEWNS))
			continue;
		if (setns(fds[i], (int)f) < 0) {
			char step[4200];
			snprintf(step, sizeof(step), "setns %s %s", rt_ns_name(f), c->joins[i].path);
			rt_fail(step, errno, NULL);
		}
		close(fds[i]);
		fds[i] = -1;
	}
}

/* In a user namespace just entered: become its root (the host ids we had
 * may not be mapped there; files created with them would fail EOVERFLOW). */
static void become_userns_root(void)
{
	if (setresgid(0, 0, 0) < 0)
		rt_fail("setresgid 0 in the user ns", errno, NULL);
	if (setresuid(0, 0, 0) < 0)
		rt_fail("setresuid 0 in the user ns", errno, NULL);
	/* An euid change resets dumpable to fs.suid_dumpable, which a host
	 * may have set to 1 or 2. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		rt_fail("clear dumpable", errno, NULL);
}

/* A new user namespace: the parent writes our uid_map/gid_map (and
 * setgroups) from outside, then we become its root. */
static void new_user_ns(void)
{
	/* A rootless parent can only open /proc/<pid>/uid_map of a dumpable
	 * process (a non-dumpable one's /proc files belong to root).  Stage A
	 * is dumpable for the handshake only then: it has joined nothing of a
	 * container yet, so there is no container process that could ptrace it
	 * (CVE-2016-9962). */
	int rootless = geteuid() != 0;

	if (unshare(CLONE_NEWUSER) < 0)
		rt_fail("unshare user ns", errno, NULL);
	if (rootless && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		rt_fail("set dumpable for the id-map handshake", errno, NULL);
	int r = rt_send(RT_MAP_REQUEST, NULL, 0);
	if (r < 0)
		rt_fail("send MapRequest", -r, NULL);
	rt_expect(RT_MAP_DONE, NULL, NULL);
	if (rootless && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		rt_fail("clear dumpable", errno, NULL);
	become_userns_root();
}

/* /proc/<pid>/timens_offsets is opened before anything is unshared: after
 * unshare(CLONE_NEWUSER) stage A could neither create a procfs of the host
 * pid namespace nor open a file owned by the host's root.  The write (after
 * unshare(CLONE_NEWTIME)) is checked against the new namespaces. */
static int open_timens_offsets(struct rt_config *c)
{
	char rel[64];

	if (c->timens_offsets == NULL)
		return -1;
	snprintf(rel, sizeof(rel), "%d/timens_offsets", (int)getpid());
	int fd = rt_proc_openat(rel, O_WRONLY, "open timens_offsets");
	/* This procfs shows the host pid namespace: stage B opens its own. */
	rt_proc_close();
	return fd;
}

static void write_timens_offsets(struct rt_config *c, int fd)
{
	if (fd < 0)
		return;
	/* One write: the kernel parses the whole buffer at once. */
	int r = rt_write_all(fd, c->timens_offsets, strlen(c->timens_offsets));
	if (r < 0)
		rt_fail("write timens_offsets", -r, "%s", c->timens_offsets);
	close(fd);
}

static void unshare_rest(struct rt_config *c)
{
	uint64_t flags = c->ns_new & ~(uint64_t)CLONE_NEWUSER;
	char names[128] = "";

	if (flags == 0 || unshare((int)flags) == 0)
		return;
	int err = errno;
	for (size_t i = 0; i < sizeof(ns_names) / sizeof(ns_names[0]); i++)
		if (flags & ns_names[i].flag)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
				 names[0] ? "," : "", ns_names[i].name);
	rt_fail("unshare", err, "%s", names);
}

/* Stage B starts here.  PDEATHSIG does not survive clone: set it again, then
 * wait until A has reported B's pid, so that the parent sees ChildPid before
 * anything B sends on the shared sync socket. */
static void stage_b_start(int ready)
{
	char ok;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		rt_fail("set parent death signal", errno, NULL);
	if (rt_read_all(ready, &ok, 1) < 0)
		_exit(1); /* A failed and has reported why */
	close(ready);
}

/* CLONE_PARENT: B is the parent's child, not A's, so `rt run` can wait for it
 * and A can exit at once.  A releases B over a socketpair, not a pipe: if B is
 * gone, A gets EPIPE (MSG_NOSIGNAL) and reports it, instead of dying of SIGPIPE. */
static int clone_stage_b(void)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		rt_fail("socketpair", errno, NULL);
	long pid = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0)
		rt_fail("clone", errno, NULL);
	if (pid == 0) {
		close(sv[1]);
		stage_b_start(sv[0]);
		return 0;
	}
	close(sv[0]);
	int r = rt_send_u32(RT_CHILD_PID, (uint32_t)pid);
	if (r < 0)
		rt_fail("send ChildPid", -r, NULL); /* B reads EOF and exits */
	if (send(sv[1], "1", 1, MSG_NOSIGNAL) != 1)
		rt_fail("release stage B", errno, NULL);
	_exit(0);
}

/* exec: enter every namespace of the container's init at once through its
 * pidfd (the kernel orders them, user first; a pidfd cannot name a recycled
 * pid, unlike /proc/<pid>/ns paths), then clone the process. */
static int join_container(struct rt_config *c)
{
	if (c->exec_ns != 0 && setns(c->exec_pidfd, (int)c->exec_ns) < 0)
		rt_fail("setns", errno, "joining the namespaces (%#llx) of the container",
			(unsigned long long)c->exec_ns);
	if (c->exec_ns & CLONE_NEWUSER)
		become_userns_root();
	close(c->exec_pidfd);
	c->exec_pidfd = -1;
	return clone_stage_b();
}

static int joins_user(const struct rt_config *c)
{
	for (size_t i = 0; i < c->njoins; i++)
		if (c->joins[i].flag == CLONE_NEWUSER)
			return 1;
	return 0;
}

int rt_namespaces(struct rt_config *c)
{
	if (c->has_exec)
		return join_container(c);

	int timens = open_timens_offsets(c);
	int *fds = open_joins(c);

	if (joins_user(c)) {
		join(c, fds, CLONE_NEWUSER);
		become_userns_root();
	}
	if (c->ns_new & CLONE_NEWUSER)
		new_user_ns();
	join(c, fds, 0);
	join(c, fds, CLONE_NEWNS);
	free(fds);
	unshare_rest(c);
	write_timens_offsets(c, timens);
	return clone_stage_b();
}
