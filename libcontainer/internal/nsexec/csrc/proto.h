/* proto.h - the parent <-> rt-init wire protocol, C side.
 *
 * Every message is a frame: struct rt_hdr (type, len, both uint32 little
 * endian) followed by len payload bytes.  A payload is a sequence of values:
 * u32 and u64 little-endian integers and "str" values (u32 length + bytes,
 * not NUL terminated on the wire).  The layout of each message is listed next
 * to its constant; the Go side is libcontainer/internal/protocol, and
 * protocol_test.go checks that the constants here equal the Go ones.
 * Every length read from the peer is bounded (RT_MAX_MSG, RT_MAX_BOOTSTRAP).
 */
#ifndef RT_PROTO_H
#define RT_PROTO_H

#include <stddef.h>
#include <stdint.h>

/* The table below is aligned by hand. */
/* clang-format off */
#define RT_MAX_MSG (4u << 20)       /* one frame */
#define RT_MAX_BOOTSTRAP (16u << 20) /* all bootstrap frames together */

/* ---- parent -> init: bootstrap (sent at once, ends with RT_END) ---- */
#define RT_NS_JOIN 1        /* u32 clone_flag, str path */
#define RT_NS_NEW 2         /* u64 clone flags of namespaces to create */
#define RT_TIMENS_OFFSETS 3 /* str content for /proc/self/timens_offsets */
#define RT_ROOTFS 4         /* str host path, u64 rootfs propagation, u32 readonly, u32 no_pivot
                               (RT_ROOT_*) */
#define RT_MOUNT 5          /* u32 kind, str source, str dest, str fstype, u64 flags, u64 prop flags,
                               u64 attr_set, u64 attr_clr, str data, u32 tree fd (binds: a detached
                               tree the parent made, flags set; -1: open source here) */
#define RT_DEVICE 6         /* str path, u32 type ('c','b','p'), u64 major, u64 minor, u32 mode,
                               u32 uid, u32 gid */
#define RT_SYMLINK 7        /* str target, str linkpath */
#define RT_MASK 8           /* str path */
#define RT_READONLY 9       /* str path */
#define RT_HOSTNAME 10      /* str */
#define RT_DOMAINNAME 11    /* str */
#define RT_SYSCTL 12        /* str key (dots or slashes), str value */
#define RT_RLIMIT 13        /* u32 resource, u64 soft, u64 hard */
#define RT_CAPS 14          /* u64 bounding, u64 effective, u64 permitted, u64 inheritable, u64 ambient */
#define RT_USER 15          /* u32 uid, u32 gid, u32 has_umask, u32 umask, str groups (u32 LE array) */
#define RT_NO_NEW_PRIVS 16  /* (empty) */
#define RT_SECCOMP 17       /* u32 seccomp flags, str bpf (struct sock_filter array) */
#define RT_PERSONALITY 18   /* u64 persona */
#define RT_SCHED 19         /* u32 policy, u32 nice, u32 priority, u64 flags, u64 runtime, u64 deadline,
                               u64 period */
#define RT_IOPRIO 20        /* u32 class, u32 priority */
#define RT_ARG 21           /* str (repeated, in order) */
#define RT_ENV 22           /* str "K=V" (repeated) */
#define RT_CWD 23           /* str */
#define RT_TERMINAL 24      /* u32 console socket fd (or -1 = none), u32 rows, u32 cols */
#define RT_HOOK 25          /* u32 phase, str path, u32 timeout secs (0 none), str args (NUL-joined),
                               str env (NUL-joined) */
#define RT_FDS 26           /* u32 keep: fds 0..keep-1 pass to the container process */
#define RT_START_FD 27      /* u32 fd of the listening start socket (-1: start at once, as exec does) */
#define RT_OPTIONS 28       /* u32 flags (RT_OPT_*) */
#define RT_EXEC 29          /* u32 pidfd of the container's init, u64 CLONE_NEW* to join through it
                               (setns), u32 fd of its root dir to chroot to (-1: none) */
#define RT_LABEL 30         /* u32 kind (RT_LABEL_*), str value: an LSM label for the next execve */
#define RT_MEMPOLICY 31     /* u32 mode|flags for set_mempolicy(2), str nodemask (u64 LE words) */
#define RT_END 32           /* (empty) end of bootstrap */

/* ---- init -> parent ---- */
#define RT_MAP_REQUEST 40 /* (empty) stage A unshared its user ns: write its id maps */
#define RT_CHILD_PID 41   /* u32 host pid of the container init (stage B) */
#define RT_HOOKS_REQUEST 42 /* (empty) B prepared the rootfs: run prestart/createRuntime hooks */
#define RT_READY 43       /* (empty) B is set up and waits for start */
#define RT_ERROR 44       /* str step, u32 errno, str detail */
#define RT_SECCOMP_FD 45  /* (empty) the seccomp notify (listener) fd, as SCM_RIGHTS on the frame's
                             first byte; sent on the current report fd right after the load */

/* ---- parent -> init, after the bootstrap ---- */
#define RT_MAP_DONE 50   /* (empty) */
#define RT_HOOKS_DONE 51 /* str state JSON for createContainer/startContainer hooks */
#define RT_GO 52         /* (empty) exec: the process is in the container's cgroup, execve now */

/* RT_MOUNT kinds */
#define RT_MOUNT_FS 0    /* mount(source, dest, fstype, flags, data) */
#define RT_MOUNT_BIND 1  /* bind (recursive if MS_REC in flags) then remount with flags */

/* RT_ROOTFS no_pivot values */
#define RT_ROOT_PIVOT 0  /* pivot_root into the prepared rootfs */
#define RT_ROOT_MOVE 1   /* --no-pivot: move the rootfs onto / and chroot */
#define RT_ROOT_CHROOT 2 /* no mount namespace of its own: chroot only, no mounts */

/* RT_HOOK phases run by the init itself */
#define RT_HOOK_CREATE_CONTAINER 0
#define RT_HOOK_START_CONTAINER 1

/* RT_LABEL kinds */
#define RT_LABEL_APPARMOR 0 /* AppArmor profile: "exec <profile>" to attr/apparmor/exec (or attr/exec) */
#define RT_LABEL_SELINUX 1  /* SELinux process label: to attr/exec */

/* RT_OPTIONS flags */
#define RT_OPT_NO_NEW_KEYRING 1u /* do not join a fresh session keyring */
#define RT_OPT_HOOKS 2u          /* do the RT_HOOKS_REQUEST round trip */
#define RT_OPT_SETGROUPS_DENY 4u /* write "deny" to setgroups before gid_map (parent does it) */
#define RT_OPT_EXEC 8u           /* exec: after Ready wait for RT_GO, then execve */

/* clang-format on */

#endif
