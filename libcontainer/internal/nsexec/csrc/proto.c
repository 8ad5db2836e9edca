/* proto.c - frames to and from the parent, and the bootstrap decoder.
 *
 * Everything read from the sync socket is bounded before it is used: one
 * frame by RT_MAX_MSG, the whole bootstrap by RT_MAX_BOOTSTRAP, every
 * repeated message by a count, every value by the payload that carries it
 * (CVE-2021-43784: runc's bootstrap decoder trusted a length that could
 * overflow).  A short payload, a leftover byte, a NUL inside a C string or an
 * unknown message is an error that names the message.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/filter.h>

#include "init.h"
#include "util.h"

int rt_sync_fd = -1;

/* ---- I/O ---- */

int rt_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int rt_read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* One sendmsg for header and payload; MSG_NOSIGNAL because a parent that is
 * gone must give us EPIPE, not a SIGPIPE that kills us silently. */
int rt_send(uint32_t type, const void *payload, uint32_t len)
{
	uint8_t hdr[8];
	struct iovec iov[2] = {{hdr, sizeof(hdr)}, {(void *)payload, len}};
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};

	if (rt_sync_fd < 0)
		return -EBADF;
	put_u32(hdr, type);
	put_u32(hdr + 4, len);
	while (iov[0].iov_len + iov[1].iov_len > 0) {
		ssize_t n = sendmsg(rt_sync_fd, &mh, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (int i = 0; i < 2; i++) {
			size_t k = (size_t)n < iov[i].iov_len ? (size_t)n : iov[i].iov_len;
			iov[i].iov_base = (char *)iov[i].iov_base + k;
			iov[i].iov_len -= k;
			n -= (ssize_t)k;
		}
	}
	return 0;
}

int rt_send_u32(uint32_t type, uint32_t v)
{
	uint8_t p[4];

	put_u32(p, v);
	return rt_send(type, p, sizeof(p));
}

/* The bootstrap arrives at once; reading it through a buffer costs a few
 * read(2)s instead of two per frame.  The protocol is lock-step (the parent
 * sends nothing after RT_END until asked), so the buffer never holds bytes
 * that belong to a later stage, and stage B inherits it consistently. */
static struct {
	uint8_t data[32768];
	size_t off, len;
} rbuf;

static int buffered_read(void *dst, size_t len)
{
	uint8_t *p = dst;

	while (len > 0) {
		if (rbuf.off == rbuf.len) {
			if (len >= sizeof(rbuf.data))
				return rt_read_all(rt_sync_fd, p, len);
			ssize_t n = read(rt_sync_fd, rbuf.data, sizeof(rbuf.data));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return n < 0 ? -errno : -EPIPE;
			rbuf.off = 0;
			rbuf.len = (size_t)n;
		}
		size_t k = rbuf.len - rbuf.off < len ? rbuf.len - rbuf.off : len;
		memcpy(p, rbuf.data + rbuf.off, k);
		rbuf.off += k;
		p += k;
		len -= k;
	}
	return 0;
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int rt_recv(uint32_t *type, void **payload, uint32_t *len)
{
	uint8_t hdr[8];
	int r = buffered_read(hdr, sizeof(hdr));

	if (r < 0)
		return r;
	*type = get_le32(hdr);
	*len = get_le32(hdr + 4);
	if (*len > RT_MAX_MSG)
		return -EMSGSIZE;
	/* +1: a payload is never NULL, even when empty. */
	*payload = malloc(*len + 1);
	if (*payload == NULL)
		return -ENOMEM;
	r = buffered_read(*payload, *len);
	if (r < 0) {
		free(*payload);
		*payload = NULL;
	}
	return r;
}

/* ---- errors ---- */

static void send_error(const char *step, int err, const char *fmt, va_list ap)
{
	uint8_t buf[4 + 1024 + 4 + 4 + 2048];
	char detail[2048];
	size_t sl = strnlen(step, 1024), dl, off = 0;

	detail[0] = '\0';
	if (fmt != NULL)
		vsnprintf(detail, sizeof(detail), fmt, ap);
	dl = strlen(detail);
	put_u32(buf, (uint32_t)sl);
	memcpy(buf + 4, step, sl);
	off = 4 + sl;
	put_u32(buf + off, (uint32_t)err);
	put_u32(buf + off + 4, (uint32_t)dl);
	memcpy(buf + off + 8, detail, dl);
	(void)rt_send(RT_ERROR, buf, (uint32_t)(off + 8 + dl));
}

void rt_fail(const char *step, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	send_error(step, err, fmt, ap);
	va_end(ap);
	_exit(1);
}

void rt_fail_status(int status, const char *step, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	send_error(step, err, fmt, ap);
	va_end(ap);
	_exit(status);
}

void *rt_xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size ? size : 1);

	if (q == NULL)
		rt_fail("malloc", ENOMEM, "%zu bytes", size);
	return q;
}

/* ---- message names and frame expectations ---- */

/* The bootstrap messages' names are in the decoder table (below). */
struct cur;
struct decoder {
	const char *name;
	uint32_t max; /* how often the message may come (1: at most once) */
	void (*fn)(struct rt_config *c, struct cur *m);
	const char *layout;
	size_t has;
	size_t at[7];
};
static const struct decoder decoders[RT_END + 1];

static const char *const later_names[] = {
	[RT_MAP_REQUEST - RT_MAP_REQUEST] = "MapRequest",
	[RT_CHILD_PID - RT_MAP_REQUEST] = "ChildPid",
	[RT_HOOKS_REQUEST - RT_MAP_REQUEST] = "HooksRequest",
	[RT_READY - RT_MAP_REQUEST] = "Ready",
	[RT_ERROR - RT_MAP_REQUEST] = "Error",
	[RT_SECCOMP_FD - RT_MAP_REQUEST] = "SeccompFd",
	[RT_MAP_DONE - RT_MAP_REQUEST] = "MapDone",
	[RT_HOOKS_DONE - RT_MAP_REQUEST] = "HooksDone",
	[RT_GO - RT_MAP_REQUEST] = "Go",
};

static const char *msg_name(uint32_t type)
{
	static char unknown[32];
	uint32_t later = type - RT_MAP_REQUEST;

	if (type <= RT_END && decoders[type].name != NULL)
		return decoders[type].name;
	if (type >= RT_MAP_REQUEST && later < sizeof(later_names) / sizeof(later_names[0]) &&
	    later_names[later])
		return later_names[later];
	snprintf(unknown, sizeof(unknown), "Type(%u)", type);
	return unknown;
}

void rt_expect(uint32_t want, void **payload, uint32_t *len)
{
	uint32_t type, n;
	void *p;
	int r = rt_recv(&type, &p, &n);

	if (r < 0)
		rt_fail("read from parent", -r, "waiting for %s", msg_name(want));
	if (type != want)
		rt_fail("protocol", EPROTO, "expected %s, got %s", msg_name(want), msg_name(type));
	if (payload == NULL) {
		free(p);
		if (n != 0)
			rt_fail("protocol", EPROTO, "%s: %u unexpected payload bytes", msg_name(type), n);
		return;
	}
	*payload = p;
	if (len != NULL)
		*len = n;
}

/* ---- payload cursor ---- */

struct cur {
	const uint8_t *p;
	uint32_t n;
	uint32_t type;
};

static void need(struct cur *c, uint32_t k)
{
	if (c->n < k)
		rt_fail("protocol", EPROTO, "%s: payload too short", msg_name(c->type));
}

static uint32_t get_u32(struct cur *c)
{
	need(c, 4);
	uint32_t v = get_le32(c->p);
	c->p += 4;
	c->n -= 4;
	return v;
}

static uint64_t get_u64(struct cur *c)
{
	uint64_t lo = get_u32(c);
	return lo | (uint64_t)get_u32(c) << 32;
}

/* A str as raw bytes (pointer into the payload). */
static const uint8_t *get_bytes(struct cur *c, uint32_t *len)
{
	*len = get_u32(c);
	need(c, *len);
	const uint8_t *p = c->p;
	c->p += *len;
	c->n -= *len;
	return p;
}

static char *dup_bytes(const uint8_t *p, size_t n)
{
	char *s = rt_xrealloc(NULL, n + 1);
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* A str used as a C string: an embedded NUL would silently cut a path or a
 * value short of what config.json said, so it is refused. */
static char *get_str(struct cur *c)
{
	uint32_t n;
	const uint8_t *p = get_bytes(c, &n);

	if (memchr(p, '\0', n) != NULL)
		rt_fail("protocol", EPROTO, "%s: string contains a NUL byte", msg_name(c->type));
	return dup_bytes(p, n);
}

/* A NUL-joined list (Go: strings.Join(list, "\x00")): empty -> no element. */
static char **get_list(struct cur *c)
{
	uint32_t n, count = 0;
	const uint8_t *p = get_bytes(c, &n), *end = p + n;

	for (uint32_t i = 0; i < n; i++)
		count += p[i] == '\0';
	if (n > 0 && ++count > 4096)
		rt_fail("protocol", E2BIG, "%s: more than 4096 list elements", msg_name(c->type));
	char **v = rt_xrealloc(NULL, (count + 1) * sizeof(char *));
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *z = memchr(p, '\0', (size_t)(end - p));
		if (z == NULL)
			z = end;
		v[i] = dup_bytes(p, (size_t)(z - p));
		p = z + 1;
	}
	v[count] = NULL;
	return v;
}

/* Append one zeroed element to a growing array (capacity doubles at each
 * power of two, so n appends cost O(n)). */
static void *push(void *arrp, size_t *n, size_t size)
{
	void **arr = arrp;

	if ((*n & (*n - 1)) == 0)
		*arr = rt_xrealloc(*arr, (*n ? *n * 2 : 1) * size);
	void *slot = (char *)*arr + *n * size;
	memset(slot, 0, size);
	(*n)++;
	return slot;
}

char *rt_expect_str(uint32_t want)
{
	void *p;
	uint32_t n;

	rt_expect(want, &p, &n);
	struct cur m = {p, n, want};
	char *s = get_str(&m);
	if (m.n != 0)
		rt_fail("protocol", EPROTO, "%s: %u bytes left over", msg_name(want), m.n);
	free(p);
	return s;
}

/* ---- the bootstrap decoder ---- */

#define BAD(...) rt_fail("protocol", EINVAL, __VA_ARGS__)

/* Each message has a name, a bound on how often it may come (max), and a
 * decoder: fn, or, for messages whose values go straight into fields of
 * struct rt_config, a layout as in proto.h (one letter a value: I u32, Q u64,
 * S str) with the offset of each value's field in at[], and has the offset of
 * an int set to 1 when the message comes (0: none; offset 0 is `joins`, never
 * such a flag).  I fields are uint32_t or int. */
static void dec_fields(struct rt_config *c, struct cur *m)
{
	const struct decoder *d = &decoders[m->type];
	char *base = (char *)c;

	for (int i = 0; d->layout[i] != '\0'; i++) {
		if (d->layout[i] == 'I') {
			uint32_t v = get_u32(m);
			memcpy(base + d->at[i], &v, sizeof(v));
		} else if (d->layout[i] == 'Q') {
			uint64_t v = get_u64(m);
			memcpy(base + d->at[i], &v, sizeof(v));
		} else {
			char *v = get_str(m);
			memcpy(base + d->at[i], &v, sizeof(v));
		}
	}
	if (d->has != 0)
		*(int *)(base + d->has) = 1;
}

/* One str appended to a char ** array (at[0], count at[1]): Mask, Readonly, Arg, Env. */
static void dec_push_str(struct rt_config *c, struct cur *m)
{
	const size_t *at = decoders[m->type].at;

	*(char **)push((char *)c + at[0], (size_t *)((char *)c + at[1]), sizeof(char *)) = get_str(m);
}

/* Two strs appended to a struct rt_kv array: Symlink, Sysctl. */
static void dec_push_kv(struct rt_config *c, struct cur *m)
{
	const size_t *at = decoders[m->type].at;
	struct rt_kv *kv = push((char *)c + at[0], (size_t *)((char *)c + at[1]), sizeof(*kv));

	kv->a = get_str(m);
	kv->b = get_str(m);
}

static void dec_ns_join(struct rt_config *c, struct cur *m)
{
	uint32_t flag = get_u32(m);

	if (rt_ns_name(flag) == NULL)
		BAD("NSJoin: %#x is not a namespace flag", flag);
	for (size_t i = 0; i < c->njoins; i++)
		if (c->joins[i].flag == flag)
			BAD("NSJoin: %s namespace joined twice", rt_ns_name(flag));
	struct rt_nsjoin *j = push(&c->joins, &c->njoins, sizeof(*j));
	j->flag = flag;
	j->path = get_str(m);
}

static void dec_mount(struct rt_config *c, struct cur *m)
{
	struct rt_mount *mt = push(&c->mounts, &c->nmounts, sizeof(*mt));

	mt->kind = get_u32(m);
	if (mt->kind > RT_MOUNT_BIND)
		BAD("Mount: unknown kind %u", mt->kind);
	mt->source = get_str(m);
	mt->dest = get_str(m);
	mt->fstype = get_str(m);
	mt->flags = get_u64(m);
	mt->prop = get_u64(m);
	mt->attr_set = get_u64(m);
	mt->attr_clr = get_u64(m);
	mt->data = get_str(m);
	mt->tree_fd = (int)get_u32(m);
	if (mt->tree_fd < -1 || (mt->tree_fd >= 0 && mt->kind != RT_MOUNT_BIND))
		BAD("Mount %s: tree fd %d for a %s mount", mt->dest, mt->tree_fd,
		    mt->kind == RT_MOUNT_BIND ? "bind" : "filesystem");
}

static void dec_device(struct rt_config *c, struct cur *m)
{
	struct rt_device *d = push(&c->devices, &c->ndevices, sizeof(*d));

	d->path = get_str(m);
	d->type = get_u32(m);
	if (d->type != 'c' && d->type != 'b' && d->type != 'p')
		BAD("Device %s: unknown type %u", d->path, d->type);
	d->major = get_u64(m);
	d->minor = get_u64(m);
	d->mode = get_u32(m);
	d->uid = get_u32(m);
	d->gid = get_u32(m);
}

static void dec_mempolicy(struct rt_config *c, struct cur *m)
{
	uint32_t n;

	c->has_mempolicy = 1;
	c->mempolicy = get_u32(m);
	const uint8_t *p = get_bytes(m, &n);
	if (n % 8 != 0 || n > 4096)
		BAD("MemPolicy: nodemask is %u bytes, not u64 words (at most 4096 bytes)", n);
	c->nodemask.s = dup_bytes(p, n);
	c->nodemask.len = n;
}

static void dec_label(struct rt_config *c, struct cur *m)
{
	uint32_t kind = get_u32(m);
	char *v = get_str(m);
	char **dst = kind == RT_LABEL_APPARMOR ? &c->apparmor : kind == RT_LABEL_SELINUX ? &c->selinux : NULL;

	if (dst == NULL)
		BAD("Label: unknown kind %u", kind);
	if (*dst != NULL)
		BAD("Label: kind %u given twice", kind);
	if (*v == '\0' || strchr(v, '\n') != NULL)
		BAD("Label: empty or multi-line value");
	*dst = v;
}

static void dec_rlimit(struct rt_config *c, struct cur *m)
{
	struct rt_rlimit *r = push(&c->rlimits, &c->nrlimits, sizeof(*r));

	r->resource = get_u32(m);
	r->soft = get_u64(m);
	r->hard = get_u64(m);
}

static void dec_user(struct rt_config *c, struct cur *m)
{
	uint32_t n;

	c->has_user = 1;
	c->uid = get_u32(m);
	c->gid = get_u32(m);
	c->has_umask = get_u32(m) != 0;
	c->umask = get_u32(m);
	const uint8_t *g = get_bytes(m, &n);
	if (n % 4 != 0 || n / 4 > 65536) /* NGROUPS_MAX */
		BAD("User: groups is %u bytes, not a u32 array of at most 65536", n);
	c->ngroups = n / 4;
	c->groups = rt_xrealloc(NULL, c->ngroups * sizeof(gid_t));
	for (size_t i = 0; i < c->ngroups; i++)
		c->groups[i] = get_le32(g + 4 * i);
}

static void dec_seccomp(struct rt_config *c, struct cur *m)
{
	uint32_t n;

	c->has_seccomp = 1;
	c->seccomp_flags = get_u32(m);
	const uint8_t *p = get_bytes(m, &n);
	if (n == 0 || n % sizeof(struct sock_filter) != 0 || n / sizeof(struct sock_filter) > BPF_MAXINSNS)
		BAD("Seccomp: %u bytes is not a filter of 1..%d instructions", n, BPF_MAXINSNS);
	c->seccomp_bpf = dup_bytes(p, n);
	c->seccomp_len = n;
}

static void dec_hook(struct rt_config *c, struct cur *m)
{
	struct rt_hook *h = push(&c->hooks, &c->nhooks, sizeof(*h));

	h->phase = get_u32(m);
	if (h->phase != RT_HOOK_CREATE_CONTAINER && h->phase != RT_HOOK_START_CONTAINER)
		BAD("Hook: unknown phase %u", h->phase);
	h->path = get_str(m);
	h->timeout = get_u32(m);
	h->argv = get_list(m);
	h->envp = get_list(m);
	if (h->argv[0] == NULL) {
		h->argv = rt_xrealloc(h->argv, 2 * sizeof(char *));
		h->argv[0] = h->path;
		h->argv[1] = NULL;
	}
}

#define AT(f) offsetof(struct rt_config, f)
/* clang-format off */
#define FIELDS(name, max, layout, has, ...) {name, max, dec_fields, layout, has, {__VA_ARGS__}}
/* clang-format on */
static const struct decoder decoders[RT_END + 1] = {
	[RT_NS_JOIN] = {"NSJoin", 8, dec_ns_join, NULL, 0, {0}},
	[RT_NS_NEW] = FIELDS("NSNew", 1, "Q", 0, AT(ns_new)),
	[RT_TIMENS_OFFSETS] = FIELDS("TimensOffsets", 1, "S", 0, AT(timens_offsets)),
	[RT_ROOTFS] = FIELDS("Rootfs", 1, "SQII", 0, AT(rootfs), AT(rootfs_prop), AT(rootfs_readonly),
			     AT(no_pivot)),
	[RT_MOUNT] = {"Mount", 4096, dec_mount, NULL, 0, {0}},
	[RT_DEVICE] = {"Device", 4096, dec_device, NULL, 0, {0}},
	[RT_SYMLINK] = {"Symlink", 4096, dec_push_kv, NULL, 0, {AT(symlinks), AT(nsymlinks)}},
	[RT_MASK] = {"Mask", 4096, dec_push_str, NULL, 0, {AT(masks), AT(nmasks)}},
	[RT_READONLY] = {"Readonly", 4096, dec_push_str, NULL, 0, {AT(readonly), AT(nreadonly)}},
	[RT_HOSTNAME] = FIELDS("Hostname", 1, "S", 0, AT(hostname)),
	[RT_DOMAINNAME] = FIELDS("Domainname", 1, "S", 0, AT(domainname)),
	[RT_SYSCTL] = {"Sysctl", 4096, dec_push_kv, NULL, 0, {AT(sysctls), AT(nsysctls)}},
	[RT_RLIMIT] = {"Rlimit", 64, dec_rlimit, NULL, 0, {0}},
	[RT_CAPS] = FIELDS("Caps", 1, "QQQQQ", AT(has_caps), AT(cap_bounding), AT(cap_effective),
			   AT(cap_permitted), AT(cap_inheritable), AT(cap_ambient)),
	[RT_USER] = {"User", 1, dec_user, NULL, 0, {0}},
	[RT_NO_NEW_PRIVS] = FIELDS("NoNewPrivs", 1, "", AT(no_new_privs), 0),
	[RT_SECCOMP] = {"Seccomp", 1, dec_seccomp, NULL, 0, {0}},
	[RT_PERSONALITY] = FIELDS("Personality", 1, "Q", AT(has_personality), AT(personality)),
	[RT_SCHED] =
		FIELDS("Sched", 1, "IIIQQQQ", AT(has_sched), AT(sched_policy), AT(sched_nice), AT(sched_prio),
		       AT(sched_flags), AT(sched_runtime), AT(sched_deadline), AT(sched_period)),
	[RT_IOPRIO] = FIELDS("IOPrio", 1, "II", AT(has_ioprio), AT(ioprio_class), AT(ioprio_prio)),
	[RT_ARG] = {"Arg", 65536, dec_push_str, NULL, 0, {AT(argv), AT(argc)}},
	[RT_ENV] = {"Env", 65536, dec_push_str, NULL, 0, {AT(envp), AT(envc)}},
	[RT_CWD] = FIELDS("Cwd", 1, "S", 0, AT(cwd)),
	[RT_TERMINAL] = FIELDS("Terminal", 1, "III", AT(terminal), AT(console_fd), AT(rows), AT(cols)),
	[RT_HOOK] = {"Hook", 1024, dec_hook, NULL, 0, {0}},
	[RT_FDS] = FIELDS("Fds", 1, "I", 0, AT(keep_fds)),
	[RT_START_FD] = FIELDS("StartFd", 1, "I", 0, AT(start_fd)),
	[RT_OPTIONS] = FIELDS("Options", 1, "I", 0, AT(options)),
	[RT_LABEL] = {"Label", 2, dec_label, NULL, 0, {0}},
	[RT_MEMPOLICY] = {"MemPolicy", 1, dec_mempolicy, NULL, 0, {0}},
	[RT_EXEC] = FIELDS("Exec", 1, "IQI", AT(has_exec), AT(exec_pidfd), AT(exec_ns), AT(exec_rootfd)),
	[RT_END] = FIELDS("End", 1, "", 0, 0),
};

/* An exec joins a container and builds nothing: no namespace of its own,
 * no rootfs, no start socket, no hooks. */
static void check_exec(const struct rt_config *c)
{
	if (!c->has_exec) {
		if (c->options & RT_OPT_EXEC)
			BAD("Options: exec without an Exec message");
		return;
	}
	if (!(c->options & RT_OPT_EXEC))
		BAD("Exec without the exec option");
	if (c->exec_pidfd < 0 || c->exec_rootfd < -1)
		BAD("Exec: pidfd %d / root fd %d out of range", c->exec_pidfd, c->exec_rootfd);
	for (int b = 0; b < 64; b++)
		if ((c->exec_ns >> b & 1) && rt_ns_name(1ull << b) == NULL)
			BAD("Exec: %#llx is not a namespace flag", 1ull << b);
	if (c->njoins || c->ns_new || c->timens_offsets || c->rootfs || c->start_fd != -1 || c->nhooks ||
	    c->hostname || c->domainname || c->nsysctls || (c->options & RT_OPT_HOOKS))
		BAD("Exec: a container setup message in an exec bootstrap");
}

/* Checks that need the whole bootstrap or a range; NULL-terminates argv and envp. */
static void finish_bootstrap(struct rt_config *c)
{
	push(&c->argv, &c->argc, sizeof(char *));
	c->argc--;
	push(&c->envp, &c->envc, sizeof(char *));
	c->envc--;
	if (c->argc == 0)
		BAD("no process args (Arg)");
	/* Without a cwd the init would keep the parent's, a host directory
	 * (CVE-2024-21626): "/" is the one safe default. */
	if (c->cwd == NULL)
		c->cwd = dup_bytes((const uint8_t *)"/", 1);
	for (int b = 0; b < 64; b++)
		if ((c->ns_new >> b & 1) && rt_ns_name(1ull << b) == NULL)
			BAD("NSNew: %#llx is not a namespace flag", 1ull << b);
	for (size_t i = 0; i < c->njoins; i++)
		if (c->ns_new & c->joins[i].flag)
			BAD("%s namespace both joined (NSJoin) and created (NSNew)",
			    rt_ns_name(c->joins[i].flag));
	if (c->terminal && c->console_fd < 0)
		BAD("Terminal: no console socket fd");
	if (c->start_fd < -1 || c->keep_fds > INT32_MAX)
		BAD("StartFd %d / Fds %u out of range", c->start_fd, c->keep_fds);
	if (c->ioprio_class > 7 || c->ioprio_prio > 7)
		BAD("IOPrio: class %u priority %u out of range", c->ioprio_class, c->ioprio_prio);
	check_exec(c);
}

void rt_read_bootstrap(struct rt_config *c)
{
	uint32_t seen[RT_END + 1] = {0}, type = 0, len;
	uint64_t total = 0;
	void *p;

	c->console_fd = -1;
	c->start_fd = -1;
	c->exec_pidfd = -1;
	c->exec_rootfd = -1;
	while (type != RT_END) {
		int r = rt_recv(&type, &p, &len);
		if (r == -EMSGSIZE)
			rt_fail("protocol", EMSGSIZE, "%s: frame of %u bytes exceeds %u", msg_name(type), len,
				RT_MAX_MSG);
		if (r < 0)
			rt_fail("read bootstrap", -r, NULL);
		total += 8 + (uint64_t)len;
		if (total > RT_MAX_BOOTSTRAP)
			rt_fail("protocol", E2BIG, "bootstrap exceeds %u bytes", RT_MAX_BOOTSTRAP);
		if (type > RT_END || decoders[type].fn == NULL)
			rt_fail("protocol", EPROTO, "unexpected %s in the bootstrap", msg_name(type));
		if (++seen[type] > decoders[type].max)
			rt_fail("protocol", E2BIG, "%s: more than %u", msg_name(type), decoders[type].max);
		struct cur m = {p, len, type};
		decoders[type].fn(c, &m);
		if (m.n != 0)
			rt_fail("protocol", EPROTO, "%s: %u bytes left over", msg_name(type), m.n);
		free(p);
	}
	finish_bootstrap(c);
}
