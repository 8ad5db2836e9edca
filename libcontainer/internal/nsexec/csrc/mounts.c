/* mounts.c - the config's mounts, one at a time, in order: build the mount
 * detached (fsopen/fsmount or open_tree), resolve or create its destination
 * inside the root, check the /proc and /sys rules, attach it by fd
 * (move_mount), then set its propagation and recursive attributes. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "rootfs_util.h"

#define PROP_MASK (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)

/* The only files under /proc a non-procfs mount may cover: what lxcfs
 * emulates.  Anything else there could redirect the runtime's or the
 * container's view of the kernel (CVE-2019-16884 class). */
static const char *const lxcfs_files[] = {
	"proc/cpuinfo", "proc/diskstats", "proc/meminfo",
	"proc/stat",    "proc/swaps",     "proc/uptime",
	"proc/loadavg", "proc/slabinfo",  "proc/sys/kernel/ns_last_pid",
};

static int is_fstype(const struct rt_mount *m, const char *t)
{
	return m->kind == RT_MOUNT_FS && m->fstype && strcmp(m->fstype, t) == 0;
}

/* Is the mount (or file) at fd on a filesystem of this magic?  A bind of a
 * procfs or sysfs counts as one: rootless setups bind the host's /proc and
 * /sys. */
static int is_magic(int fd, unsigned long magic)
{
	struct statfs sf;

	return fstatfs(fd, &sf) == 0 && (unsigned long)sf.f_type == magic;
}

static int is_procfs(int fd)
{
	return is_magic(fd, PROC_SUPER_MAGIC);
}

static int is_root(int fd)
{
	struct rfs_ident a, b;

	if (rfs_ident_of(fd, &a) < 0 || rfs_ident_of(rfs_root_fd, &b) < 0)
		rt_fail("mount", errno, "stat the destination");
	return rfs_ident_eq(&a, &b);
}

/* Is the directory dir the container's /proc or below it?  A destination
 * that reaches /proc through a symlink inside the image ("/x/y" with
 * x -> /proc) lands on the procfs mounted there, whatever its path says: one
 * fstatfs decides, with no walk up the tree.  (Before /proc is mounted, a
 * mount that lands on the image's /proc directory is covered by the procfs
 * mount that follows, which must be a real directory: see real_dir.) */
static int under_proc(int dir)
{
	return is_procfs(dir);
}

/* The O_PATH fd of a destination that must be a real directory directly at
 * rel ("proc", "sys"): created if missing, never reached through a symlink. */
static int real_dir(const char *rel, const char *what)
{
	int fd = rfs_resolve(rfs_root_fd, rel, O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS);

	if (fd < 0 && errno == ENOENT) {
		if (mkdirat(rfs_root_fd, rel, 0755) < 0 && errno != EEXIST)
			rt_fail("mkdir", errno, "/%s", rel);
		fd = rfs_resolve(rfs_root_fd, rel, O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS);
	}
	if (fd < 0)
		rt_fail("mount", errno, "%s on /%s: /%s must be a real directory, not a symlink", what, rel,
			rel);
	return fd;
}

/* Does the non-directory at dest (lexically rel) sit under /proc?  Its
 * lexical parent is walked up like a directory, and since a symlink in the
 * last component ("/etc/x" -> /proc/sys/kernel/core_pattern) moves it
 * elsewhere, a file that lives on a procfs counts as under /proc too. */
static int file_under_proc(const char *rel, int dest)
{
	const char *name;
	int parent, found;

	if (is_procfs(dest))
		return 1;
	parent = rfs_mkparent(rfs_root_fd, rel, &name);
	if (parent < 0)
		rt_fail("mount", errno, "open the parent of /%s", rel);
	found = under_proc(parent);
	rfs_close(parent);
	return found;
}

/* Refuse a non-procfs mount on or under /proc (CVE-2019-16884,
 * CVE-2019-19921): only the lxcfs files, reached without symlinks and being
 * regular files, may be covered. */
static void check_proc(const struct rt_mount *m, const char *rel, int dest)
{
	struct stat st;
	size_t i;
	int fd;

	if (fstat(dest, &st) < 0)
		rt_fail("mount", errno, "stat %s", m->dest);
	if (S_ISDIR(st.st_mode) ? !under_proc(dest) : !file_under_proc(rel, dest))
		return;
	for (i = 0; i < sizeof(lxcfs_files) / sizeof(lxcfs_files[0]); i++) {
		if (strcmp(rel, lxcfs_files[i]) != 0)
			continue;
		fd = rfs_resolve(rfs_root_fd, rel, O_PATH, RESOLVE_NO_SYMLINKS);
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
			rfs_close(fd);
			return;
		}
		rfs_close(fd);
		break;
	}
	rt_fail("mount", EPERM, "%s on %s: only procfs may be mounted on or under /proc", m->source, m->dest);
}

/* sysfs in a user ns without its own net ns gets EPERM: bind the host's. */
static int sysfs_fallback(const struct rt_mount *m)
{
	int t = rt_open_tree(AT_FDCWD, "/sys", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);

	if (t < 0 || rfs_setattr(t, rfs_ms_to_attr(m->flags), 0, 1) < 0)
		rt_fail("mount", errno, "%s on %s (sysfs): bind of the host's /sys", m->source, m->dest);
	return t;
}

static int make_fs(const struct rt_mount *m)
{
	char msg[1024];
	int mfd = rfs_fs_create(m->fstype, m->source, m->data, m->flags, msg, sizeof(msg));

	if (mfd >= 0)
		return mfd;
	if (errno == EPERM && is_fstype(m, "sysfs"))
		return sysfs_fallback(m);
	rt_fail("mount", errno, "%s on %s (%s)%s%s", m->source, m->dest, m->fstype, *msg ? ": " : "", msg);
}

/* A detached copy of the host path source with the mount's flags set before
 * it is attached, so it is never visible with weaker ones. */
static int make_bind(const struct rt_mount *m)
{
	uint64_t clr;
	int rec = (m->flags & MS_REC) != 0;

	/* Made by the parent, in the host's user namespace (a source the
	 * container's root may not reach, an idmapped mount), flags set. */
	if (m->tree_fd >= 0)
		return m->tree_fd; /* used once: closed with the mount fd */
	int t = rt_open_tree(AT_FDCWD, m->source,
			     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rec ? AT_RECURSIVE : 0));

	if (t < 0)
		rt_fail("mount", errno, "bind %s on %s", m->source, m->dest);
	/* An explicit "relatime" is MOUNT_ATTR_RELATIME, 0: say it by clearing. */
	clr = (m->flags & MS_RELATIME) ? MOUNT_ATTR__ATIME : 0;
	if (rfs_setattr(t, rfs_ms_to_attr(m->flags), clr, rec) < 0)
		rt_fail("mount", errno, "set the flags of the bind %s on %s", m->source, m->dest);
	return t;
}

/* Resolve (creating) the destination; /proc for procfs and /sys for sysfs
 * must be real directories so the kernel interfaces the runtime and the
 * container trust are where they look (CVE-2019-16884). */
static int open_dest(const struct rt_mount *m, const char *rel, int procfs, int mfd)
{
	struct stat st;
	int fd;

	if (strcmp(rel, ".") == 0)
		rt_fail("mount", EINVAL, "%s on %s: cannot mount over the container root", m->source,
			m->dest);
	if (strcmp(rel, "proc") == 0) {
		if (!procfs)
			rt_fail("mount", EPERM, "%s on %s: only procfs may be mounted on /proc", m->source,
				m->dest);
		return real_dir(rel, m->source);
	}
	if (strcmp(rel, "sys") == 0 && is_magic(mfd, SYSFS_MAGIC))
		return real_dir(rel, m->source);
	if (fstat(mfd, &st) < 0)
		rt_fail("mount", errno, "stat the source of %s", m->dest);
	fd = rfs_mkpath(rfs_root_fd, rel, S_ISDIR(st.st_mode) ? RFS_DIR : RFS_FILE);
	if (fd < 0)
		rt_fail("mount", errno, "create the destination %s", m->dest);
	if (is_root(fd)) /* "/dev" -> "/" in the image: would hide the whole root */
		rt_fail("mount", EINVAL, "%s on %s: the destination resolves to the container root",
			m->source, m->dest);
	if (!procfs)
		check_proc(m, rel, fd);
	return fd;
}

/* Propagation, then the recursive attributes (the "rro"-style options). */
static void after_attach(const struct rt_mount *m, int mfd)
{
	struct mount_attr a = {.propagation = m->prop & PROP_MASK};

	if (a.propagation &&
	    rt_mount_setattr(mfd, "", AT_EMPTY_PATH | ((m->prop & MS_REC) ? AT_RECURSIVE : 0), &a) < 0)
		rt_fail("mount", errno, "set the propagation of %s", m->dest);
	if (rfs_setattr(mfd, m->attr_set, m->attr_clr, 1) < 0)
		rt_fail("mount", errno, "set the attributes of %s", m->dest);
}

static char *nonull(char *s)
{
	return s ? s : (char *)"";
}

void rfs_do_mount(const struct rt_mount *cm)
{
	struct rt_mount copy = *cm, *m = &copy;
	char rel[PATH_MAX];
	int mfd, dest;

	m->source = nonull(m->source);
	m->dest = nonull(m->dest);
	m->fstype = nonull(m->fstype);
	m->data = nonull(m->data);
	rfs_clean(m->dest, rel, sizeof(rel));
	if (m->kind == RT_MOUNT_BIND)
		mfd = make_bind(m);
	else if (m->kind == RT_MOUNT_FS)
		mfd = make_fs(m);
	else
		rt_fail("mount", EINVAL, "%s: unknown mount kind %u", m->dest, m->kind);
	dest = open_dest(m, rel, is_procfs(mfd), mfd);
	if (rfs_attach(mfd, dest) < 0)
		rt_fail("mount", errno, "%s on %s (%s)", m->source, m->dest,
			m->kind == RT_MOUNT_BIND ? "bind" : m->fstype);
	rfs_close(dest);
	after_attach(m, mfd);
	rfs_close(mfd);
}
