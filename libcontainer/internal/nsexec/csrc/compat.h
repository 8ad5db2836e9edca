/* compat.h - kernel interfaces that musl 1.2.3 has no wrapper or type for.
 *
 * musl ships no uapi headers (the Makefile points -isystem at the system's)
 * and no wrappers for openat2, the new mount API, close_range, pidfd_open,
 * capset, sched_setattr, ioprio_set, keyctl or seccomp: they are raw
 * syscalls here, one inline function each.
 */
#ifndef RT_COMPAT_H
#define RT_COMPAT_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/mount.h>
#include <linux/openat2.h>

/* openat2(2).  EAGAIN means a concurrent rename or mount raced the
 * RESOLVE_IN_ROOT/RESOLVE_BENEATH walk: the kernel asks us to retry. */
static inline int rt_openat2(int dirfd, const char *path, uint64_t flags, uint64_t resolve)
{
	struct open_how how = {.flags = flags, .mode = 0, .resolve = resolve};
	int fd, tries = 0;

	do
		fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	while (fd < 0 && (errno == EAGAIN || errno == EINTR) && ++tries < 64);
	return fd;
}

static inline int rt_fsopen(const char *fstype, unsigned int flags)
{
	return (int)syscall(SYS_fsopen, fstype, flags);
}

static inline int rt_fsconfig(int fd, unsigned int cmd, const char *key, const void *value, int aux)
{
	return (int)syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}

static inline int rt_fsmount(int fd, unsigned int flags, unsigned int attr)
{
	return (int)syscall(SYS_fsmount, fd, flags, attr);
}

static inline int rt_open_tree(int dirfd, const char *path, unsigned int flags)
{
	return (int)syscall(SYS_open_tree, dirfd, path, flags);
}

static inline int rt_move_mount(int from_dirfd, const char *from, int to_dirfd, const char *to,
				unsigned int flags)
{
	return (int)syscall(SYS_move_mount, from_dirfd, from, to_dirfd, to, flags);
}

static inline int rt_close_range(unsigned int first, unsigned int last, unsigned int flags)
{
	return (int)syscall(SYS_close_range, first, last, flags);
}

static inline int rt_pidfd_open(pid_t pid, unsigned int flags)
{
	return (int)syscall(SYS_pidfd_open, pid, flags);
}

/* struct sched_attr of sched_setattr(2).  <linux/sched/types.h> cannot be
 * included next to musl's <sched.h> (both define struct sched_param). */
struct rt_sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
};

/* mount_setattr(2) and pivot_root(2), for rootfs.c and its helpers. */
#ifndef RT_HAVE_MOUNT_SETATTR
#define RT_HAVE_MOUNT_SETATTR 1
static inline int rt_mount_setattr(int dirfd, const char *path, unsigned int flags, struct mount_attr *attr)
{
	return (int)syscall(SYS_mount_setattr, dirfd, path, flags, attr, sizeof(*attr));
}
#endif

#ifndef RT_HAVE_PIVOT_ROOT
#define RT_HAVE_PIVOT_ROOT 1
static inline int rt_pivot_root(const char *new_root, const char *put_old)
{
	return (int)syscall(SYS_pivot_root, new_root, put_old);
}
#endif

#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER /* Linux 5.0 uapi */
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif

#endif
