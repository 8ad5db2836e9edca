/* init.h - rt-init: the in-memory config decoded from the bootstrap frames,
 * and the functions each source file provides.
 *
 * rt-init is a small static C program (no Go runtime) that the rt parent
 * executes from a sealed memfd.  It turns the bootstrap (proto.h) into a
 * container: stage A joins/creates namespaces and clones stage B (the
 * container's pid 1), which sets up the rootfs and the process and waits for
 * `rt start` on a listening socket, then execve()s the user process.
 *
 * Files: main.c (entry, stages, waiting, exec), proto.c (frame I/O and the
 * bootstrap decoder), ns.c (namespaces, id-map handshake, clone), rootfs.c
 * (mounts, devices, masks, pivot_root: every path resolved inside the root
 * with openat2(RESOLVE_IN_ROOT)), process.c (hostname, sysctl, rlimits, caps,
 * user, seccomp, console, hooks).
 */
#ifndef RT_INIT_H
#define RT_INIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto.h"

struct rt_str {
	char *s; /* NUL terminated copy */
	uint32_t len;
};

struct rt_nsjoin {
	uint32_t flag; /* CLONE_NEW* */
	char *path;
};

struct rt_mount {
	uint32_t kind; /* RT_MOUNT_FS or RT_MOUNT_BIND */
	char *source, *dest, *fstype, *data;
	uint64_t flags;    /* MS_* for mount(2) (MS_BIND/MS_REC for binds) */
	uint64_t prop;     /* MS_SHARED|MS_SLAVE|MS_PRIVATE|MS_UNBINDABLE (+MS_REC) or 0 */
	uint64_t attr_set; /* MOUNT_ATTR_* applied recursively with mount_setattr */
	uint64_t attr_clr;
	int tree_fd; /* RT_MOUNT_BIND: the parent's detached copy of source, -1: none */
};

struct rt_device {
	char *path;
	uint32_t type; /* 'c', 'b', 'p' */
	uint64_t major, minor;
	uint32_t mode; /* permission bits */
	uint32_t uid, gid;
};

struct rt_kv {
	char *a, *b;
};

struct rt_rlimit {
	uint32_t resource;
	uint64_t soft, hard;
};

struct rt_hook {
	uint32_t phase;
	char *path;
	uint32_t timeout;
	char **argv; /* NULL terminated */
	char **envp; /* NULL terminated */
};

struct rt_config {
	/* namespaces */
	struct rt_nsjoin *joins;
	size_t njoins;
	uint64_t ns_new; /* CLONE_NEW* to create */
	char *timens_offsets;
	/* exec (RT_EXEC): join the namespaces of a running container's init
	 * through its pidfd, chroot to its root (when it has no mount ns) */
	int has_exec;
	int exec_pidfd;
	uint64_t exec_ns;
	int exec_rootfd;

	/* rootfs */
	char *rootfs;
	uint64_t rootfs_prop;
	int rootfs_readonly, no_pivot;
	struct rt_mount *mounts;
	size_t nmounts;
	struct rt_device *devices;
	size_t ndevices;
	struct rt_kv *symlinks; /* a = target, b = link path */
	size_t nsymlinks;
	char **masks;
	size_t nmasks;
	char **readonly;
	size_t nreadonly;

	/* process */
	char *hostname, *domainname; /* NULL: leave alone */
	struct rt_kv *sysctls;
	size_t nsysctls;
	struct rt_rlimit *rlimits;
	size_t nrlimits;
	int has_caps;
	uint64_t cap_bounding, cap_effective, cap_permitted, cap_inheritable, cap_ambient;
	int has_user;
	uint32_t uid, gid;
	int has_umask;
	uint32_t umask;
	gid_t *groups;
	size_t ngroups;
	int no_new_privs;
	int has_seccomp;
	uint32_t seccomp_flags;
	void *seccomp_bpf;  /* struct sock_filter[] */
	size_t seccomp_len; /* bytes */
	int has_personality;
	uint64_t personality;
	int has_sched;
	uint32_t sched_policy, sched_nice, sched_prio;
	uint64_t sched_flags, sched_runtime, sched_deadline, sched_period;
	int has_ioprio;
	uint32_t ioprio_class, ioprio_prio;
	char **argv; /* NULL terminated */
	size_t argc;
	char **envp; /* NULL terminated */
	size_t envc;
	char *cwd;
	int terminal;   /* process.terminal */
	int console_fd; /* console socket, -1 = none */
	uint32_t rows, cols;
	struct rt_hook *hooks;
	size_t nhooks;
	uint32_t keep_fds; /* fds 0..keep_fds-1 survive into the container process */
	int start_fd;      /* listening start socket, -1 = exec at once */
	uint32_t options;  /* RT_OPT_* */
	char *state_json;  /* from RT_HOOKS_DONE */
	char *apparmor;    /* RT_LABEL_APPARMOR profile, NULL: none */
	char *selinux;     /* RT_LABEL_SELINUX process label, NULL: none */
	int has_mempolicy; /* RT_MEMPOLICY */
	uint32_t mempolicy;
	struct rt_str nodemask;
};

/* proto.c */
extern int rt_sync_fd; /* the socket to the parent */
int rt_send(uint32_t type, const void *payload, uint32_t len);
int rt_send_u32(uint32_t type, uint32_t v);
/* An empty frame of type with fd passed as SCM_RIGHTS.  Returns 0 or -errno. */
int rt_send_fd(uint32_t type, int fd);
/* Read one frame; *payload is malloc'ed (caller frees).  Returns 0 or -errno. */
int rt_recv(uint32_t *type, void **payload, uint32_t *len);
/* Read one frame and fail (rt_fail) unless it has type want. */
void rt_expect(uint32_t want, void **payload, uint32_t *len);
/* Read the bootstrap frames up to RT_END into c. */
void rt_read_bootstrap(struct rt_config *c);
/* Report an error to the parent (RT_ERROR) and _exit(1).  step names what
 * failed ("mount /proc"), err is an errno (0 if none), fmt adds detail (NULL: none). */
__attribute__((noreturn, format(printf, 3, 4))) void rt_fail(const char *step, int err, const char *fmt, ...);

/* ns.c: stage A.  Joins/creates the namespaces, forks stage B, reports its pid
 * and _exit()s in the parent; returns 0 in stage B (pid 1 of a new pid ns). */
int rt_namespaces(struct rt_config *c);

/* rootfs.c */
void rt_rootfs_prepare(struct rt_config *c); /* mounts, devices, symlinks (before pivot) */
void rt_rootfs_pivot(struct rt_config *c);   /* pivot_root or MS_MOVE+chroot (--no-pivot) */
void rt_rootfs_finish(struct rt_config *c);  /* masks, readonly paths, root.readonly */
/* (rt_proc_open is in process.c) */

/* lsm.c: write the AppArmor profile / SELinux label for the next execve. */
void rt_apply_labels(struct rt_config *c);

/* env.c: add HOME (from the container's /etc/passwd, else "/") when unset. */
void rt_default_env(struct rt_config *c);

/* process.c */
/* A private, detached procfs instance of the current pid/net ns (fsopen+fsmount),
 * verified with fstatfs(PROC_SUPER_MAGIC); cached; O_CLOEXEC. */
int rt_proc_open(void);
void rt_run_hooks(struct rt_config *c, uint32_t phase);
void rt_setup_console(struct rt_config *c);
void rt_setup_process(struct rt_config *c); /* hostname..user, all but seccomp and exec */
/* Load the filter; with SECCOMP_FILTER_FLAG_NEW_LISTENER send the listener
 * fd to the parent (RT_SECCOMP_FD on rt_sync_fd) and close it. */
void rt_load_seccomp(struct rt_config *c);
/* Resolve argv[0] in the container's PATH; rt_fail with the runc texts. */
char *rt_find_exec(struct rt_config *c);

#endif
