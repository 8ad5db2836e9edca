/* rootfs.c - the container's root filesystem, in stage B (the container's
 * pid 1, in its own mount namespace):
 *
 *   rt_rootfs_prepare  root propagation, the rootfs bound onto itself, the
 *                      config's mounts (mounts.c), device nodes and
 *                      symlinks (devices.c) - still under the host's root
 *   rt_rootfs_pivot    pivot_root (or MS_MOVE + chroot with --no-pivot)
 *   rt_rootfs_finish   the cwd, read-only paths, masked paths, the read-only
 *                      root
 *
 * Every container path is resolved with openat2(RESOLVE_IN_ROOT) from an fd of
 * the root and every mount is attached by fd (see rootfs_util.h), so nothing an
 * image plants - symlinks, a fake /proc or /dev/null - can move a mount or a
 * new file out of the root.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "rootfs_util.h"

/* pivot_root refuses a new root that is, or whose parent mount is, shared:
 * with a shared root propagation make just the mount the rootfs is on
 * private (our copy of it: the host does not see this), so the bind below is
 * a private clone.  rt_rootfs_pivot applies the propagation again to the new
 * root. */
static void parent_private(struct rt_config *c, int dir)
{
	struct mount_attr priv = {.propagation = MS_PRIVATE};
	int top = rfs_mount_root(dir);

	if (top < 0 || rt_mount_setattr(top, "", AT_EMPTY_PATH, &priv) < 0)
		rt_fail("rootfs", errno, "make the mount of %s private", c->rootfs);
	rfs_close(top);
}

/* Step 1 and 2: give / the configured propagation (MS_SLAVE|MS_REC by
 * default: host mounts reach us, ours never reach the host), then bind the
 * rootfs onto itself so it is a mount point pivot_root accepts. */
static void bind_root(struct rt_config *c)
{
	struct stat st;
	int dir, tree;

	/* An unbindable / could not be cloned into the rootfs bind below: make
	 * it a slave now and unbindable after pivot_root. */
	unsigned long prop = (unsigned long)c->rootfs_prop;
	if (prop & MS_UNBINDABLE)
		prop = MS_SLAVE | MS_REC;
	if (prop && mount(NULL, "/", NULL, prop, NULL) < 0)
		rt_fail("rootfs", errno, "set the propagation of / to %#lx", prop);
	dir = open(c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		rt_fail("rootfs", errno, "%s", c->rootfs);
	if (fstat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		rt_fail("rootfs", ENOTDIR, "%s", c->rootfs);
	if (c->rootfs_prop & MS_SHARED)
		parent_private(c, dir);
	tree = rt_open_tree(dir, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
	if (tree < 0 || rfs_attach(tree, dir) < 0)
		rt_fail("rootfs", errno, "bind %s onto itself", c->rootfs);
	rfs_close(dir);
	/* The fd of the attached clone is its root: the root of every later
	 * resolution, and what pivot_root makes "/". */
	rfs_root_fd = tree;
}

/* Without a mount namespace the plan sends no RT_ROOTFS (c->rootfs stays
 * NULL) and runc touches no rootfs at all: the three steps do nothing then. */
void rt_rootfs_prepare(struct rt_config *c)
{
	size_t i;

	if (!c->rootfs || c->no_pivot == RT_ROOT_CHROOT)
		return;
	if (c->rootfs[0] != '/')
		rt_fail("rootfs", EINVAL, "%s: the rootfs path must be absolute", c->rootfs);
	bind_root(c);
	for (i = 0; i < c->nmounts; i++)
		rfs_do_mount(&c->mounts[i]);
	for (i = 0; i < c->ndevices; i++)
		rfs_do_device(c, &c->devices[i]);
	for (i = 0; i < c->nsymlinks; i++)
		rfs_do_symlink(&c->symlinks[i]);
}

/* pivot_root(".", "."): the old root ends up stacked on the new one, with
 * no put_old directory needed in the image.  "." still names the new root
 * afterwards (pivot_root moves only the cwds that were the old root), so
 * the old root is reached through an fd of it taken before: made a slave
 * first, so that detaching it never propagates to the host, and without
 * touching the propagation of the container's own mounts. */
static void pivot(struct rt_config *c)
{
	int old = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (old < 0)
		rt_fail("pivot_root", errno, "open the old root");
	if (rt_pivot_root(".", ".") < 0)
		rt_fail("pivot_root", errno, "%s", c->rootfs);
	if (fchdir(old) < 0)
		rt_fail("pivot_root", errno, "chdir to the old root");
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		rt_fail("pivot_root", errno, "make the old root a slave");
	if (umount2(".", MNT_DETACH) < 0)
		rt_fail("pivot_root", errno, "detach the old root");
	rfs_close(old);
}

void rt_rootfs_pivot(struct rt_config *c)
{
	if (!c->rootfs)
		return;
	if (c->no_pivot == RT_ROOT_CHROOT) {
		/* Sharing the host's mount namespace: mounting anything would
		 * change the host, so the container only gets a chroot. */
		if (chdir(c->rootfs) < 0 || chroot(".") < 0 || chdir("/") < 0)
			rt_fail("chroot", errno, "%s", c->rootfs);
		return;
	}
	if (rfs_root_fd < 0)
		rt_fail("pivot_root", EBADF, "the rootfs is not prepared");
	if (fchdir(rfs_root_fd) < 0)
		rt_fail("pivot_root", errno, "chdir to the rootfs");
	if (c->no_pivot) {
		/* Move the root mount over / and chroot into it.  The host's mounts
		 * stay in this namespace under it: that is what --no-pivot means. */
		if (rt_move_mount(rfs_root_fd, "", AT_FDCWD, "/", MOVE_MOUNT_F_EMPTY_PATH) < 0)
			rt_fail("pivot_root", errno, "move the rootfs onto /");
		if (chroot(".") < 0)
			rt_fail("pivot_root", errno, "chroot");
	} else {
		pivot(c);
	}
	if (chdir("/") < 0)
		rt_fail("pivot_root", errno, "chdir /");
	/* The shared or unbindable propagation / had to give up for the bind
	 * and pivot_root. */
	if ((c->rootfs_prop & (MS_SHARED | MS_UNBINDABLE)) &&
	    mount(NULL, "/", NULL, (unsigned long)c->rootfs_prop, NULL) < 0)
		rt_fail("pivot_root", errno, "set the propagation of / to %#llx",
			(unsigned long long)c->rootfs_prop);
	rfs_close(rfs_root_fd);
	rfs_root_fd = -1;
}

/* The container's /dev/null, opened without following any symlink and
 * verified to be the 1:3 char device before it is bound over masked files:
 * an image that replaced it with a symlink to a procfs file would otherwise
 * make the runtime bind that file, writable, over the masks
 * (CVE-2025-31133).  Opened once; the fd pins the verified inode. */
static int dev_null(int root, int *cache)
{
	struct stat st;
	int fd;

	if (*cache >= 0)
		return *cache;
	fd = rfs_resolve(root, "dev/null", O_PATH, RESOLVE_NO_SYMLINKS);
	if (fd < 0)
		rt_fail("mask", errno, "open /dev/null");
	if (fstat(fd, &st) < 0)
		rt_fail("mask", errno, "stat /dev/null");
	if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
		rt_fail("mask", ENODEV, "/dev/null is not the null device (1:3)");
	return *cache = fd;
}

/* A tiny read-only tmpfs over a masked directory. */
static void mask_dir(const char *path, int fd)
{
	char msg[512];
	int mfd = rfs_fs_create("tmpfs", "tmpfs", "mode=755,size=4k,nr_inodes=16",
				MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, msg, sizeof(msg));

	if (mfd < 0 || rfs_attach(mfd, fd) < 0)
		rt_fail("mask", errno, "tmpfs on %s%s%s", path, *msg ? ": " : "", msg);
	rfs_close(mfd);
}

static void mask_path(int root, const char *path, int *null_fd)
{
	char rel[PATH_MAX];
	struct stat st;
	int fd, mfd;

	rfs_clean(path, rel, sizeof(rel));
	fd = rfs_resolve(root, rel, O_PATH, 0);
	if (fd < 0 && errno == ENOENT)
		return; /* only a missing path is skipped: anything else may be an attack */
	if (fd < 0 || fstat(fd, &st) < 0)
		rt_fail("mask", errno, "%s", path);
	if (S_ISDIR(st.st_mode)) {
		mask_dir(path, fd);
	} else {
		mfd = rt_open_tree(dev_null(root, null_fd), "",
				   OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
		if (mfd < 0 || rfs_attach(mfd, fd) < 0)
			rt_fail("mask", errno, "bind /dev/null on %s", path);
		rfs_close(mfd);
	}
	rfs_close(fd);
}

/* A path that is the root of a mount (the cgroup tmpfs) is made read-only
 * in place; any other gets a read-only recursive copy of itself mounted over
 * it, made read-only while still detached so it is never attached writable. */
static void readonly_path(int root, const char *path)
{
	char rel[PATH_MAX];
	int fd, mfd;

	rfs_clean(path, rel, sizeof(rel));
	fd = rfs_resolve(root, rel, O_PATH, 0);
	if (fd < 0 && errno == ENOENT)
		return;
	if (fd < 0)
		rt_fail("readonly path", errno, "%s", path);
	if (rfs_setattr(fd, MOUNT_ATTR_RDONLY, 0, 1) == 0) {
		rfs_close(fd);
		return;
	}
	if (errno != EINVAL) /* EINVAL: not the root of a mount */
		rt_fail("readonly path", errno, "%s", path);
	mfd = rt_open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
	if (mfd < 0 || rfs_setattr(mfd, MOUNT_ATTR_RDONLY, 0, 1) < 0 || rfs_attach(mfd, fd) < 0)
		rt_fail("readonly path", errno, "%s", path);
	rfs_close(mfd);
	rfs_close(fd);
}

/* The process's cwd is created inside the root when missing, as runc does,
 * while the root may still be written.  Errors are left to the chdir in
 * process.c, which reports them in runc's words. */
static void make_cwd(int root, const char *cwd)
{
	char rel[PATH_MAX];

	if (!cwd || cwd[0] != '/')
		return;
	rfs_clean(cwd, rel, sizeof(rel));
	rfs_close(rfs_mkpath(root, rel, RFS_DIR));
}

/* Order as runc: read-only paths, then masks (a mask inside a read-only
 * path stays on top), then the root itself. */
void rt_rootfs_finish(struct rt_config *c)
{
	size_t i;
	int null_fd = -1, root;

	if (!c->rootfs || c->no_pivot == RT_ROOT_CHROOT)
		return;
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		rt_fail("rootfs", errno, "open /");
	make_cwd(root, c->cwd);
	for (i = 0; i < c->nreadonly; i++)
		readonly_path(root, c->readonly[i]);
	for (i = 0; i < c->nmasks; i++)
		mask_path(root, c->masks[i], &null_fd);
	rfs_close(null_fd);
	if (c->rootfs_readonly && rfs_setattr(root, MOUNT_ATTR_RDONLY, 0, 0) < 0)
		rt_fail("rootfs", errno, "make / read-only");
	rfs_close(root);
}
