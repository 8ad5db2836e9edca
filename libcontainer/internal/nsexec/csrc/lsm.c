/* lsm.c - the AppArmor profile and the SELinux label of the container
 * process, set for its execve.  Written, like every /proc write, through the
 * private procfs instance (rt_proc_openat: verified, no symlink followed),
 * to this task's own attr files: <pid>/attr/... (single-threaded, pid = tid;
 * "self" and "thread-self" are symlinks, refused there).  The parent has
 * checked that the LSM is enabled on the host. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "init.h"
#include "util.h"

static void write_attr(const char *file, const char *fallback, const char *value, const char *what)
{
	char rel[64];
	int fd;

	snprintf(rel, sizeof(rel), "%d/attr/%s", (int)getpid(), file);
	fd = rt_openat2(rt_proc_open(), rel, O_WRONLY | O_CLOEXEC,
			RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS);
	if (fd < 0 && errno == ENOENT && fallback != NULL) {
		snprintf(rel, sizeof(rel), "%d/attr/%s", (int)getpid(), fallback);
		fd = rt_proc_openat(rel, O_WRONLY, what);
	}
	if (fd < 0)
		rt_fail(what, errno, "/proc/%s", rel);
	/* One write: the LSM parses the whole buffer. */
	int r = rt_write_all(fd, value, strlen(value));
	if (r < 0)
		rt_fail(what, -r, "write \"%s\" to /proc/%s", value, rel);
	close(fd);
}

void rt_apply_labels(struct rt_config *c)
{
	char buf[4200];

	if (c->apparmor != NULL) {
		snprintf(buf, sizeof(buf), "exec %s", c->apparmor);
		write_attr("apparmor/exec", "exec", buf, "apparmor: apply profile");
	}
	if (c->selinux != NULL)
		write_attr("exec", NULL, c->selinux, "selinux: set the exec label");
}
