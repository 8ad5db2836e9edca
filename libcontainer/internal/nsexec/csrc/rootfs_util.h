/* rootfs_util.h - what rootfs.c, mounts.c and devices.c share (the raw
 * syscall wrappers are in compat.h).
 *
 * The rule every function here follows (CVE-2021-30465, CVE-2024-45310): a
 * path inside the container is never joined to the rootfs path and handed to
 * a path syscall.  It is resolved with openat2(RESOLVE_IN_ROOT) from an fd of
 * the root, missing pieces are created relative to the fd of their resolved
 * parent, and mounts are attached to an fd (move_mount).
 */
#ifndef RT_ROOTFS_UTIL_H
#define RT_ROOTFS_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "compat.h"
#include "init.h"

#ifndef MOUNT_ATTR_NOSYMFOLLOW
#define MOUNT_ATTR_NOSYMFOLLOW 0x00200000
#endif

/* Attach the detached (or attached) mount mfd onto the O_PATH fd dest. */
static inline int rfs_attach(int mfd, int dest)
{
	return rt_move_mount(mfd, "", dest, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

/* rootfs_util.c */
extern int rfs_root_fd; /* O_PATH fd of the container root (the rootfs bind), until pivot */

void rfs_close(int fd); /* close(2) keeping errno; ignores fd < 0 */
int rfs_in_userns(const struct rt_config *c);
/* Lexically clean an absolute container path into a path relative to the root,
 * without "", "." or ".." components ("." for the root itself).  Fails
 * (rt_fail) when it does not fit PATH_MAX. */
void rfs_clean(const char *path, char out[], size_t size);
/* openat2(root, rel, flags|O_CLOEXEC, RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS|extra),
 * retried on EAGAIN/EINTR.  Returns the fd or -1 with errno. */
int rfs_resolve(int root, const char *rel, int flags, uint64_t extra);
enum { RFS_DIR, RFS_FILE };
/* Resolve rel (cleaned) inside root, creating the missing components: the
 * intermediate ones and, with RFS_DIR, the last one as directories (0755),
 * with RFS_FILE the last one as an empty regular file (0644).  A dangling
 * symlink on the way is followed (inside the root) and its target created,
 * as open(O_CREAT) would (an image's /etc/resolv.conf ->
 * ../run/systemd/resolve/stub-resolv.conf gets a bind mount).
 * Returns an O_PATH fd of what is there (which need not be of the asked type)
 * or -1 with errno. */
int rfs_mkpath(int root, const char *rel, int kind);
/* Split a cleaned rel into its parent (resolved or created inside root as
 * directories, returned as an O_PATH fd) and its last component (*name points
 * into rel).  Returns -1 with errno on failure. */
int rfs_mkparent(int root, const char *rel, const char **name);
/* What an fd refers to: (mount id, dev, ino), so two binds of one directory
 * are still told apart. */
struct rfs_ident {
	uint64_t mnt;
	dev_t dev;
	ino_t ino;
};
int rfs_ident_of(int fd, struct rfs_ident *id);
int rfs_ident_eq(const struct rfs_ident *a, const struct rfs_ident *b);
/* An O_PATH fd of the root of the mount the directory dir is on (what
 * mount_setattr needs), or -1 with errno. */
int rfs_mount_root(int dir);
/* MS_* mount flags -> MOUNT_ATTR_* (rdonly, nosuid, nodev, noexec, atime, nosymfollow). */
uint64_t rfs_ms_to_attr(uint64_t ms);
/* Set the MOUNT_ATTR_* bits of set (clearing the atime mode first when set
 * names one) on the mount at fd; AT_RECURSIVE when rec. */
int rfs_setattr(int fd, uint64_t set, uint64_t clr, int rec);
/* fsopen(fstype) + "source" + the comma separated data + the sb flags of ms +
 * FSCONFIG_CMD_CREATE + fsmount(attrs).  Returns the detached mount fd, or -1
 * with errno and the kernel's messages ("e tmpfs: Bad value ..." lines of the
 * fs context) in msg, joined with "; ". */
int rfs_fs_create(const char *fstype, const char *source, const char *data, uint64_t ms, char *msg,
		  size_t msgsize);

/* mounts.c */
void rfs_do_mount(const struct rt_mount *m);

/* devices.c */
void rfs_do_device(struct rt_config *c, const struct rt_device *d);
void rfs_do_symlink(const struct rt_kv *l);

#endif
