/* rootfs_util.c - path resolution inside the container root and the small
 * helpers of the new mount API that rootfs.c, mounts.c and devices.c share.
 * See rootfs_util.h for the rule they all follow. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rootfs_util.h"

int rfs_root_fd = -1;

void rfs_close(int fd)
{
	int saved = errno;

	if (fd >= 0)
		close(fd); /* never retried: Linux frees the fd even on EINTR */
	errno = saved;
}

int rfs_in_userns(const struct rt_config *c)
{
	size_t i;

	if (c->ns_new & CLONE_NEWUSER)
		return 1;
	for (i = 0; i < c->njoins; i++)
		if (c->joins[i].flag == CLONE_NEWUSER)
			return 1;
	return 0;
}

/* Drop the last component of out[0..*len) (a ".." at the root stays at the
 * root: the kernel's RESOLVE_IN_ROOT would do the same). */
static void drop_last(char *out, size_t *len)
{
	while (*len > 0 && out[*len - 1] != '/')
		(*len)--;
	if (*len > 0)
		(*len)--; /* the separator */
}

void rfs_clean(const char *path, char out[], size_t size)
{
	size_t len = 0;
	const char *p = path, *e;

	while (*p) {
		while (*p == '/')
			p++;
		e = p + strcspn(p, "/");
		if (e == p)
			break;
		if (e - p == 2 && p[0] == '.' && p[1] == '.') {
			drop_last(out, &len);
		} else if (!(e - p == 1 && p[0] == '.')) {
			if (len + (len > 0) + (size_t)(e - p) + 2 > size)
				rt_fail("path", ENAMETOOLONG, "%.64s...", path);
			if (len > 0)
				out[len++] = '/';
			memcpy(out + len, p, (size_t)(e - p));
			len += (size_t)(e - p);
		}
		p = e;
	}
	if (len == 0)
		out[len++] = '.';
	out[len] = '\0';
}

int rfs_resolve(int root, const char *rel, int flags, uint64_t extra)
{
	/* rt_openat2 retries EAGAIN: RESOLVE_IN_ROOT saw a concurrent rename. */
	return rt_openat2(root, rel, (uint64_t)(flags | O_CLOEXEC),
			  RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | extra);
}

/* Create the last component name in dir (O_PATH fd of its resolved parent).
 * mkdirat/openat never follow a symlink in the last component, and the
 * caller re-resolves from the root afterwards, so a symlink planted here is
 * followed inside the root at worst. */
static int create_at(int dir, const char *name, int kind)
{
	int fd;

	if (kind == RFS_DIR)
		return mkdirat(dir, name, 0755);
	do
		fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	while (fd < 0 && errno == EINTR);
	rfs_close(fd);
	return fd < 0 ? -1 : 0;
}

/* Drop empty and "." components and leading slashes of path, in place; ".."
 * stays (RESOLVE_IN_ROOT gives it its physical meaning, clamped at the root). */
static void tidy(char *path)
{
	char *r = path, *w = path, *e;

	while (*r) {
		while (*r == '/')
			r++;
		e = r + strcspn(r, "/");
		if (e > r && !(e - r == 1 && *r == '.')) {
			if (w > path)
				*w++ = '/';
			memmove(w, r, (size_t)(e - r));
			w += e - r;
		}
		r = e;
	}
	if (w == path)
		*w++ = '.';
	*w = '\0';
}

#define RFS_REDIRECT (-2)

/* The component [comp, end) of path is a dangling symlink (in dir): rewrite
 * path to go through its target, as the kernel would ("etc/resolv.conf" ->
 * "../run/x" becomes "etc/../run/x"), so its target gets created - inside the
 * root, since the new path is resolved from the root again. */
static int redirect(char *path, const char *comp, const char *end, int dir, const char *name)
{
	char target[PATH_MAX], out[PATH_MAX];
	ssize_t n = readlinkat(dir, name, target, sizeof(target) - 1);
	int len;

	if (n < 0)
		return -1;
	target[n] = '\0';
	len = snprintf(out, sizeof(out), "%.*s/%s/%s", target[0] == '/' ? 0 : (int)(comp - path), path,
		       target, *end ? end + 1 : "");
	if (len < 0 || (size_t)len >= sizeof(out)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	tidy(out);
	memcpy(path, out, strlen(out) + 1);
	return RFS_REDIRECT;
}

/* One walk of rfs_mkpath over path: the fd, -1 with errno, or RFS_REDIRECT
 * with path rewritten. */
static int mkpath_walk(int root, char *path, int kind)
{
	char prefix[PATH_MAX], name[NAME_MAX + 1];
	const char *comp = path, *end;
	int dir, fd, last, flags;

	/* One component at a time, each prefix resolved afresh from the root so
	 * symlinks met on the way stay inside it. */
	dir = fcntl(root, F_DUPFD_CLOEXEC, 3);
	while (dir >= 0 && *comp) {
		end = comp + strcspn(comp, "/");
		last = *end == '\0';
		flags = last ? O_PATH : O_PATH | O_DIRECTORY;
		memcpy(prefix, path, (size_t)(end - path));
		prefix[end - path] = '\0';
		fd = rfs_resolve(root, prefix, flags, 0);
		if (fd < 0 && errno == ENOENT) {
			if ((size_t)(end - comp) > NAME_MAX) {
				rfs_close(dir);
				errno = ENAMETOOLONG;
				return -1;
			}
			memcpy(name, comp, (size_t)(end - comp));
			name[end - comp] = '\0';
			if (create_at(dir, name, last ? kind : RFS_DIR) < 0 && errno != EEXIST) {
				rfs_close(dir);
				return -1;
			}
			fd = rfs_resolve(root, prefix, flags, 0);
			if (fd < 0 && errno == ENOENT) { /* EEXIST above: a dangling symlink */
				fd = redirect(path, comp, end, dir, name);
				rfs_close(dir);
				return fd;
			}
		}
		rfs_close(dir);
		dir = fd;
		comp = last ? end : end + 1;
	}
	return dir;
}

int rfs_mkpath(int root, const char *rel, int kind)
{
	char path[PATH_MAX];
	int fd, hops = 0;

	fd = rfs_resolve(root, rel, O_PATH, 0);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	if (strlen(rel) >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(path, rel);
	while ((fd = mkpath_walk(root, path, kind)) == RFS_REDIRECT)
		if (++hops > 40) { /* the kernel's own limit on symlinks in a walk */
			errno = ELOOP;
			return -1;
		}
	return fd;
}

int rfs_mkparent(int root, const char *rel, const char **name)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(rel, '/');

	if (!slash) {
		*name = rel;
		return fcntl(root, F_DUPFD_CLOEXEC, 3);
	}
	*name = slash + 1;
	memcpy(parent, rel, (size_t)(slash - rel)); /* rel is cleaned: < PATH_MAX */
	parent[slash - rel] = '\0';
	return rfs_mkpath(root, parent, RFS_DIR);
}

uint64_t rfs_ms_to_attr(uint64_t ms)
{
	uint64_t a = 0;

	if (ms & MS_RDONLY)
		a |= MOUNT_ATTR_RDONLY;
	if (ms & MS_NOSUID)
		a |= MOUNT_ATTR_NOSUID;
	if (ms & MS_NODEV)
		a |= MOUNT_ATTR_NODEV;
	if (ms & MS_NOEXEC)
		a |= MOUNT_ATTR_NOEXEC;
	if (ms & MS_NODIRATIME)
		a |= MOUNT_ATTR_NODIRATIME;
	if (ms & MS_NOSYMFOLLOW)
		a |= MOUNT_ATTR_NOSYMFOLLOW;
	if (ms & MS_STRICTATIME)
		a |= MOUNT_ATTR_STRICTATIME;
	else if (ms & MS_NOATIME)
		a |= MOUNT_ATTR_NOATIME;
	/* MS_RELATIME is MOUNT_ATTR_RELATIME, i.e. 0: the kernel default */
	return a;
}

int rfs_setattr(int fd, uint64_t set, uint64_t clr, int rec)
{
	struct mount_attr a = {.attr_set = set, .attr_clr = clr};

	if (!set && !clr)
		return 0;
	/* The atime mode is a field, not a bit: changing it means clearing it. */
	if (set & MOUNT_ATTR__ATIME)
		a.attr_clr |= MOUNT_ATTR__ATIME;
	return rt_mount_setattr(fd, "", AT_EMPTY_PATH | (rec ? AT_RECURSIVE : 0), &a);
}

/* The kernel's messages queued on an fs context fd, joined with "; " into
 * buf (empty when none). */
static void fs_messages(int fsfd, char *buf, size_t size)
{
	char line[512];
	size_t len = 0;
	ssize_t n;

	buf[0] = '\0';
	for (;;) {
		n = read(fsfd, line, sizeof(line) - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) /* ENODATA: the queue is empty */
			break;
		while (n > 0 && line[n - 1] == '\n')
			n--;
		line[n] = '\0';
		if (n < 2 || line[0] == 'i') /* info lines are noise */
			continue;
		len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? "; " : "", line + 2);
		if (len >= size)
			break;
	}
}

/* fsconfig(2) takes string values of at most 255 bytes (mount(2) took a
 * page for all of the data). */
#define FSCONFIG_MAX_STRING 255

/* overlay's lowerdir "a:b::c" (":" escaped as "\:", "::" starting the
 * data-only layers), one layer at a time with "lowerdir+" and "datadir+"
 * (Linux 6.5+): the whole list often exceeds FSCONFIG_MAX_STRING. */
static int ovl_layers(int fsfd, const char *v)
{
	const char *key = "lowerdir+";
	char one[PATH_MAX];
	size_t n = 0;

	for (;; v++) {
		if (*v == '\\' && v[1]) {
			v++;
		} else if (*v == ':' || !*v) {
			one[n] = '\0';
			if (n == 0 && *v) /* "::" */
				key = "datadir+";
			else if (n > 0 && rt_fsconfig(fsfd, FSCONFIG_SET_STRING, key, one, 0) < 0)
				return -1;
			if (!*v)
				return 0;
			n = 0;
			continue;
		}
		if (n + 1 >= sizeof(one)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		one[n++] = *v;
	}
}

/* One item of a mount(2) data string: "key=value" or a flag "key".  A value
 * in double quotes (SELinux contexts carry commas) loses its quotes. */
static int fs_param(int fsfd, const char *fstype, char *item)
{
	char *eq = strchr(item, '='), *v;
	size_t n;

	if (!*item)
		return 0;
	if (!eq)
		return rt_fsconfig(fsfd, FSCONFIG_SET_FLAG, item, NULL, 0);
	*eq = '\0';
	v = eq + 1;
	n = strlen(v);
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		v[n - 1] = '\0';
		v++;
	}
	if (strlen(v) > FSCONFIG_MAX_STRING && strcmp(fstype, "overlay") == 0 &&
	    strcmp(item, "lowerdir") == 0)
		return ovl_layers(fsfd, v);
	return rt_fsconfig(fsfd, FSCONFIG_SET_STRING, item, v, 0);
}

/* Feed the comma separated data (commas inside double quotes do not split). */
static int fs_data(int fsfd, const char *fstype, const char *data)
{
	char buf[4096], *item, *p;
	int quoted = 0;

	if (!data || !*data)
		return 0;
	if (strlen(data) >= sizeof(buf)) {
		errno = E2BIG;
		return -1;
	}
	strcpy(buf, data);
	for (item = p = buf;; p++) {
		if (*p == '"')
			quoted = !quoted;
		if ((*p == ',' && !quoted) || !*p) {
			int end = !*p;

			*p = '\0';
			if (fs_param(fsfd, fstype, item) < 0)
				return -1;
			if (end)
				return 0;
			item = p + 1;
		}
	}
}

/* The superblock flags mount(2) took in its flags argument. */
static int fs_sbflags(int fsfd, uint64_t ms)
{
	static const struct {
		uint64_t ms;
		const char *name;
	} sb[] = {
		{MS_RDONLY, "ro"},         {MS_SYNCHRONOUS, "sync"}, {MS_DIRSYNC, "dirsync"},
		{MS_LAZYTIME, "lazytime"}, {MS_MANDLOCK, "mand"},
	};
	size_t i;

	for (i = 0; i < sizeof(sb) / sizeof(sb[0]); i++)
		if ((ms & sb[i].ms) && rt_fsconfig(fsfd, FSCONFIG_SET_FLAG, sb[i].name, NULL, 0) < 0)
			return -1;
	return 0;
}

int rfs_fs_create(const char *fstype, const char *source, const char *data, uint64_t ms, char *msg,
		  size_t msgsize)
{
	int fsfd, mfd = -1;

	msg[0] = '\0';
	fsfd = rt_fsopen(fstype, FSOPEN_CLOEXEC);
	if (fsfd < 0)
		return -1;
	if ((source && *source && rt_fsconfig(fsfd, FSCONFIG_SET_STRING, "source", source, 0) < 0) ||
	    fs_data(fsfd, fstype, data) < 0 || fs_sbflags(fsfd, ms) < 0 ||
	    rt_fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0 ||
	    (mfd = rt_fsmount(fsfd, FSMOUNT_CLOEXEC, (unsigned int)rfs_ms_to_attr(ms))) < 0) {
		int err = errno;

		fs_messages(fsfd, msg, msgsize);
		errno = err;
	}
	rfs_close(fsfd);
	return mfd;
}

/* musl 1.2.3 has no statx() and <linux/stat.h> clashes with <sys/stat.h>:
 * the two fields needed, at their fixed uapi offsets in the 256-byte struct. */
#define STATX_MNT_ID_MASK 0x1000u
#define STATX_OFF_MASK 0x00
#define STATX_OFF_MNT_ID 0x90

int rfs_ident_of(int fd, struct rfs_ident *id)
{
	unsigned char sx[256] = {0};
	uint32_t mask;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -1;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	id->mnt = 0;
	if (syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_MNT_ID_MASK, sx) == 0) {
		memcpy(&mask, sx + STATX_OFF_MASK, sizeof(mask));
		if (mask & STATX_MNT_ID_MASK)
			memcpy(&id->mnt, sx + STATX_OFF_MNT_ID, sizeof(id->mnt));
	}
	return 0;
}

int rfs_ident_eq(const struct rfs_ident *a, const struct rfs_ident *b)
{
	return a->mnt == b->mnt && a->dev == b->dev && a->ino == b->ino;
}

int rfs_mount_root(int dir)
{
	struct rfs_ident cur, up;
	int fd = fcntl(dir, F_DUPFD_CLOEXEC, 3), upfd, depth;

	for (depth = 0; fd >= 0 && depth < PATH_MAX / 2; depth++) {
		upfd = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (upfd < 0 || rfs_ident_of(fd, &cur) < 0 || rfs_ident_of(upfd, &up) < 0) {
			rfs_close(upfd);
			break;
		}
		/* ".." of a mount's root is in the parent mount; of "/" it is "/". */
		if (!cur.mnt || cur.mnt != up.mnt || rfs_ident_eq(&cur, &up)) {
			rfs_close(upfd);
			return fd;
		}
		rfs_close(fd);
		fd = upfd;
	}
	rfs_close(fd);
	return -1;
}
