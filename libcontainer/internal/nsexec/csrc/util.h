/* util.h - helpers shared by main.c, proto.c, ns.c and process.c that are not
 * part of the file interfaces listed in init.h.
 */
#ifndef RT_UTIL_H
#define RT_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* proto.c: EINTR-safe I/O.  Both return 0 or -errno; rt_read_all returns
 * -EPIPE when the peer closes before len bytes arrived. */
int rt_write_all(int fd, const void *buf, size_t len);
int rt_read_all(int fd, void *buf, size_t len);

/* proto.c: like rt_fail, with the exit status of the caller's choice (127
 * when execve itself fails, as shells do). */
__attribute__((noreturn, format(printf, 4, 5))) void rt_fail_status(int status, const char *step, int err,
								    const char *fmt, ...);

/* proto.c: read one frame of type want that holds exactly one str, and
 * return it NUL terminated (malloc'ed).  rt_fail on anything else. */
char *rt_expect_str(uint32_t want);

/* proto.c: allocation that cannot fail (rt_fail with ENOMEM). */
void *rt_xrealloc(void *p, size_t size);

/* ns.c: "user", "mnt", ... for one CLONE_NEW* flag, NULL if it is none. */
const char *rt_ns_name(uint64_t flag);

/* process.c: open rel inside the private procfs (rt_proc_open) with
 * openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS), or
 * rt_fail(step).  Forget the cached procfs with rt_proc_close (stage A does,
 * so that stage B opens one of its own pid namespace). */
int rt_proc_openat(const char *rel, int flags, const char *step);
void rt_proc_close(void);

#endif
