/* sendfd.c - frames that carry an fd (SCM_RIGHTS): the seccomp notify fd,
 * RT_SECCOMP_FD, is the only one.  The parent reads them with
 * protocol.ReadMsgFd, which takes the fd from the header's bytes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "init.h"

/* An empty frame with fd attached (SCM_RIGHTS) to its first byte; the rest
 * of the header, after a short write, goes without it. */
int rt_send_fd(uint32_t type, int fd)
{
	uint8_t hdr[8];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {hdr, sizeof(hdr)};
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	ssize_t n;
	size_t done;

	if (rt_sync_fd < 0)
		return -EBADF;
	for (int i = 0; i < 4; i++) {
		hdr[i] = (uint8_t)(type >> (8 * i)); /* little endian, as every frame */
		hdr[4 + i] = 0;                      /* no payload */
	}
	memset(u.buf, 0, sizeof(u.buf));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	do
		n = sendmsg(rt_sync_fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	for (done = 0; n >= 0 || errno == EINTR;) {
		done += n > 0 ? (size_t)n : 0;
		if (done == sizeof(hdr))
			return 0;
		n = send(rt_sync_fd, hdr + done, sizeof(hdr) - done, MSG_NOSIGNAL);
	}
	return -errno;
}
