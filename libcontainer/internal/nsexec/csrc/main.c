/* main.c - rt-init's entry: read the bootstrap, enter the namespaces (stage
 * A, ns.c), then, as the container's pid 1 (stage B), run the setup steps in
 * order, report Ready, wait for `rt start` and execve the user process.
 *
 * Usage: rt-init SYNC_FD.  Every error is an RT_ERROR frame on the current
 * report fd (rt_sync_fd): the sync socket until Ready, then the `rt start`
 * connection; exit status 1 (127 when execve fails).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "compat.h"
#include "init.h"
#include "util.h"

/* Before anything else: the init must not be ptraced or have its memory and
 * fds read through /proc by a container process (CVE-2016-9962,
 * CVE-2019-5736), and must not outlive the parent that drives it. */
static int harden(void)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return errno;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return errno;
	return 0;
}

/* Mark an fd inherited from the parent close-on-exec: it must reach neither
 * a hook nor the container process (CVE-2024-21626). */
static void own_fd(int fd, const char *what)
{
	int fl = fcntl(fd, F_GETFD);

	if (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0)
		rt_fail(what, errno, "fd %d", fd);
}

static int parse_sync_fd(int argc, char **argv)
{
	char *end;
	long fd = argc == 2 ? strtol(argv[1], &end, 10) : -1;

	if (fd < 3 || fd > 1 << 20 || *end != '\0' || fcntl((int)fd, F_GETFD) < 0) {
		static const char usage[] = "rt-init: usage: rt-init SYNC_FD (started by rt only)\n";
		(void)!write(2, usage, sizeof(usage) - 1);
		_exit(1);
	}
	return (int)fd;
}

/* Step 2: prestart/createRuntime hooks run in the parent, which sends back
 * the state JSON; then the createContainer hooks run here. */
static void hooks_round_trip(struct rt_config *c)
{
	int r = rt_send(RT_HOOKS_REQUEST, NULL, 0);

	if (r < 0)
		rt_fail("send HooksRequest", -r, NULL);
	c->state_json = rt_expect_str(RT_HOOKS_DONE);
	rt_run_hooks(c, RT_HOOK_CREATE_CONTAINER);
}

/* Step 7.  The parent (rt create) exits once it has read Ready: the init must
 * outlive it.  With a start socket, nothing more goes to the parent. */
static void report_ready(struct rt_config *c)
{
	if (prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) < 0)
		rt_fail("clear parent death signal", errno, NULL);
	int r = rt_send(RT_READY, NULL, 0);
	if (r < 0)
		rt_fail("send Ready", -r, NULL);
	if (c->start_fd >= 0) {
		close(rt_sync_fd);
		rt_sync_fd = -1; /* the number may be reused: never write to it again */
	}
}

/* Step 8: the first connection that sends a byte starts the container; one
 * that closes without a byte (a probe) is ignored, and so is one that sends
 * nothing for 10 s (`rt start` writes at once; a stuck client must not keep
 * the real one out).  Errors from here on go to that connection
 * (close-on-exec: `rt start` reads EOF once we exec).  Without a start socket
 * (exec), the sync socket keeps that role. */
/* As pid 1 of its pid namespace the waiting init would be immune to every
 * signal it has no handler for: `kill ID TERM` of a created container must
 * end it, as it does with runc.  execve resets these handlers. */
static void die_on_signal(int sig)
{
	_exit(128 + sig);
}

static void terminate_on_signals(void)
{
	static const int sigs[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, SIGPIPE};
	struct sigaction sa = {.sa_handler = die_on_signal};
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		(void)sigaction(sigs[i], &sa, NULL);
}

static int wait_for_start(struct rt_config *c)
{
	const struct timeval patience = {.tv_sec = 10, .tv_usec = 0};
	char b;

	if (c->start_fd < 0)
		return rt_sync_fd;
	terminate_on_signals();
	for (;;) {
		int conn = accept4(c->start_fd, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (conn < 0)
			rt_fail("accept on the start socket", errno, NULL);
		(void)setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof(patience));
		if (rt_read_all(conn, &b, 1) == 0) {
			close(c->start_fd);
			c->start_fd = -1;
			rt_sync_fd = conn;
			return conn;
		}
		close(conn);
	}
}

/* Step 10: close every fd the container process must not get (all but
 * 0..keep_fds-1 and the report connection, which is close-on-exec itself),
 * load seccomp if it waited for no_new_privs, execve. */
static void exec_process(struct rt_config *c, const char *path, int conn)
{
	unsigned int keep = c->keep_fds;
	int r;

	if (conn >= 0 && (unsigned int)conn >= keep) {
		r = (unsigned int)conn > keep ? rt_close_range(keep, (unsigned int)conn - 1, 0) : 0;
		if (r == 0)
			r = rt_close_range((unsigned int)conn + 1, ~0u, 0);
	} else {
		r = rt_close_range(keep, ~0u, 0);
	}
	/* A seccomp filter loaded early (without no_new_privs) may forbid
	 * close_range.  That is safe to ignore: strays were closed right after
	 * the bootstrap (close_strays) and every fd rt-init opened since is
	 * close-on-exec. */
	if (r < 0 && !(c->has_seccomp && !c->no_new_privs))
		rt_fail("close_range", errno, "keeping fds 0..%u", keep ? keep - 1 : 0);
	/* With no_new_privs, the filter is the very last thing before execve,
	 * so that it need not allow the setup's syscalls. */
	if (c->no_new_privs)
		rt_load_seccomp(c);
	execve(path, c->argv, c->envp);
	rt_fail_status(127, "exec", errno, "\"%s\"", c->argv[0]);
}

/* exec into a container without a mount namespace of its own: its root is
 * a chroot, entered from the fd the parent opened (/proc/<pid>/root). */
static void enter_exec_root(struct rt_config *c)
{
	if (c->exec_rootfd < 0)
		return;
	if (fchdir(c->exec_rootfd) < 0 || chroot(".") < 0)
		rt_fail("chroot to the container's root", errno, NULL);
	close(c->exec_rootfd);
	c->exec_rootfd = -1;
}

/* exec: the parent puts the process in the container's cgroup after Ready;
 * nothing of the container's runs before it says Go. */
static void wait_for_go(struct rt_config *c)
{
	if (c->options & RT_OPT_EXEC)
		rt_expect(RT_GO, NULL, NULL);
}

static void stage_b(struct rt_config *c)
{
	enter_exec_root(c);
	/* Create the private procfs while the mount namespace still shows a
	 * full /proc: in a user namespace the kernel refuses a new procfs once
	 * /proc is partly masked (mount_too_revealing). */
	if (c->nsysctls > 0)
		rt_proc_open();
	if (c->rootfs != NULL)
		rt_rootfs_prepare(c);
	if (c->options & RT_OPT_HOOKS)
		hooks_round_trip(c);
	if (c->rootfs != NULL) {
		rt_rootfs_pivot(c);
		rt_rootfs_finish(c);
	}
	if (c->terminal)
		rt_setup_console(c);
	rt_default_env(c);
	rt_apply_labels(c);
	rt_setup_process(c);
	rt_proc_close(); /* the waiting init keeps no fd it does not need */
	/* Resolved now, so that create fails on a missing binary (runc 1.1+). */
	char *path = rt_find_exec(c);
	report_ready(c);
	wait_for_go(c);
	int conn = wait_for_start(c);
	rt_run_hooks(c, RT_HOOK_START_CONTAINER);
	exec_process(c, path, conn);
}

/* close_strays closes every fd the parent did not hand over on purpose
 * (CVE-2024-21626: a host fd inherited by rt must not live in the waiting
 * init, where a process in the container could reach it).  The layout is
 * 0..keep_fds-1 for the container, then the sync, start and console fds. */
static void close_strays(const struct rt_config *c)
{
	int top = rt_sync_fd;

	if (c->start_fd > top)
		top = c->start_fd;
	if (c->console_fd > top)
		top = c->console_fd;
	if (c->exec_pidfd > top)
		top = c->exec_pidfd;
	if (c->exec_rootfd > top)
		top = c->exec_rootfd;
	for (size_t i = 0; i < c->nmounts; i++)
		if (c->mounts[i].tree_fd > top)
			top = c->mounts[i].tree_fd;
	if (rt_close_range((unsigned int)top + 1, ~0u, 0) < 0)
		rt_fail("close_range", errno, NULL);
}

/* "--hold-userns": started by rt in a new user namespace (with its id
 * maps), only to keep it alive until rt has opened it; stdin's EOF ends it. */
static void hold_userns(void)
{
	char b;
	ssize_t n;

	do
		n = read(0, &b, 1);
	while (n > 0 || (n < 0 && errno == EINTR));
	_exit(0);
}

int main(int argc, char **argv)
{
	static struct rt_config c;
	int err = harden();

	if (argc == 2 && strcmp(argv[1], "--hold-userns") == 0)
		hold_userns();
	rt_sync_fd = parse_sync_fd(argc, argv);
	if (err != 0)
		rt_fail("prctl", err, "set non-dumpable and parent death signal");
	own_fd(rt_sync_fd, "sync socket");
	rt_read_bootstrap(&c);
	if (c.start_fd >= 0)
		own_fd(c.start_fd, "start socket");
	if (c.console_fd >= 0)
		own_fd(c.console_fd, "console socket");
	if (c.exec_pidfd >= 0)
		own_fd(c.exec_pidfd, "container pidfd");
	if (c.exec_rootfd >= 0)
		own_fd(c.exec_rootfd, "container root");
	for (size_t i = 0; i < c.nmounts; i++)
		if (c.mounts[i].tree_fd >= 0)
			own_fd(c.mounts[i].tree_fd, "mount tree");
	close_strays(&c);
	rt_namespaces(&c);
	stage_b(&c);
	return 1; /* not reached: stage_b execs or fails */
}
