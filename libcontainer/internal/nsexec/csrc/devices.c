/* devices.c - device nodes and symlinks in the container's /dev.
 *
 * Each path is split into its parent, resolved (and created) inside the root,
 * and a last component that is only ever touched relative to that parent's
 * fd with calls that do not follow a symlink there (mknodat, fstatat and
 * unlinkat without AT_SYMLINK_FOLLOW, symlinkat), so an image that plants
 * "/dev/null -> /etc/shadow" or a symlinked /dev cannot make the runtime
 * create, chown or remove anything outside the root (CVE-2021-30465 class).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "rootfs_util.h"

static mode_t dev_type(const struct rt_device *d)
{
	switch (d->type) {
	case 'c':
	case 'u':
		return S_IFCHR;
	case 'b':
		return S_IFBLK;
	case 'p':
		return S_IFIFO;
	}
	rt_fail("mknod", EINVAL, "%s: unknown device type '%c'", d->path, (int)d->type);
}

static int same_node(const struct stat *st, const struct rt_device *d)
{
	mode_t t = dev_type(d);

	if ((st->st_mode & S_IFMT) != t)
		return 0;
	return t == S_IFIFO || st->st_rdev == makedev(d->major, d->minor);
}

/* What is at parent/name now: 1 = the right node already (keep it), 0 = free
 * (nothing there, or something we removed).  A directory is never removed. */
static int clear_spot(int parent, const char *name, const struct rt_device *d)
{
	struct stat st;

	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		rt_fail("mknod", errno, "stat %s", d->path);
	}
	if (same_node(&st, d))
		return 1;
	if (S_ISDIR(st.st_mode))
		rt_fail("mknod", EISDIR, "%s", d->path);
	if (unlinkat(parent, name, 0) < 0)
		rt_fail("mknod", errno, "remove the %s in the image", d->path);
	return 0;
}

static void make_node(int parent, const char *name, const struct rt_device *d)
{
	/* The mode is the config's, not the init's umask's (runc does the same). */
	mode_t old = umask(0);
	int r = mknodat(parent, name, dev_type(d) | (d->mode & 07777), makedev(d->major, d->minor));

	umask(old);
	if (r < 0)
		rt_fail("mknod", errno, "%s (%c %llu:%llu)", d->path, (int)d->type,
			(unsigned long long)d->major, (unsigned long long)d->minor);
	if (fchownat(parent, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
		rt_fail("mknod", errno, "chown %s to %u:%u", d->path, d->uid, d->gid);
}

/* In a user namespace mknod is not allowed: bind the host's node instead,
 * after checking it is the device the config asks for. */
static void bind_node(int parent, const char *name, const struct rt_device *d)
{
	struct stat st;
	int t, fd;

	t = rt_open_tree(AT_FDCWD, d->path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (t < 0)
		rt_fail("mknod", errno, "bind the host's %s", d->path);
	if (fstat(t, &st) < 0)
		rt_fail("mknod", errno, "stat the host's %s", d->path);
	if (!same_node(&st, d))
		rt_fail("mknod", ENODEV, "the host's %s is not %c %llu:%llu", d->path, (int)d->type,
			(unsigned long long)d->major, (unsigned long long)d->minor);
	fd = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		rt_fail("mknod", errno, "create %s", d->path);
	rfs_close(fd);
	/* RESOLVE_BENEATH|NO_SYMLINKS: exactly the file we just created. */
	fd = rt_openat2(parent, name, O_PATH | O_CLOEXEC, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		rt_fail("mknod", fd < 0 ? errno : EEXIST, "open the new %s", d->path);
	if (rfs_attach(t, fd) < 0)
		rt_fail("mknod", errno, "bind the host's %s", d->path);
	rfs_close(fd);
	rfs_close(t);
}

void rfs_do_device(struct rt_config *c, const struct rt_device *d)
{
	char rel[PATH_MAX];
	const char *name;
	int parent;

	rfs_clean(d->path, rel, sizeof(rel));
	if (strcmp(rel, ".") == 0)
		rt_fail("mknod", EINVAL, "%s: bad device path", d->path);
	parent = rfs_mkparent(rfs_root_fd, rel, &name);
	if (parent < 0)
		rt_fail("mkdir", errno, "the parent of %s", d->path);
	if (!clear_spot(parent, name, d)) {
		if (rfs_in_userns(c) && dev_type(d) != S_IFIFO)
			bind_node(parent, name, d);
		else
			make_node(parent, name, d);
	}
	rfs_close(parent);
}

void rfs_do_symlink(const struct rt_kv *l)
{
	char rel[PATH_MAX];
	const char *name;
	int parent;

	rfs_clean(l->b, rel, sizeof(rel));
	if (strcmp(rel, ".") == 0)
		rt_fail("symlink", EINVAL, "%s: bad link path", l->b);
	parent = rfs_mkparent(rfs_root_fd, rel, &name);
	if (parent < 0)
		rt_fail("mkdir", errno, "the parent of %s", l->b);
	/* The target is stored, never followed here. */
	if (symlinkat(l->a, parent, name) < 0 && errno != EEXIST)
		rt_fail("symlink", errno, "%s -> %s", l->b, l->a);
	rfs_close(parent);
}
