/* env.c - environment defaults rt-init adds to the container process, as
 * runc does: HOME from the container's /etc/passwd when the config sets none.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "init.h"
#include "util.h"

#define PASSWD_MAX (1u << 20) /* bound what an image's /etc/passwd can make us read */

static int has_env(char **envp, const char *name)
{
	size_t n = strlen(name);
	for (; envp != NULL && *envp != NULL; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return 1;
	return 0;
}

/* read_passwd reads the container's /etc/passwd, resolved inside the root
 * (the image controls it: no symlink may lead out). NULL if absent. */
static char *read_passwd(void)
{
	int fd = rt_openat2(AT_FDCWD, "/etc/passwd", O_RDONLY | O_CLOEXEC | O_NOCTTY,
			    RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
	if (fd < 0)
		return NULL;
	char *buf = rt_xrealloc(NULL, PASSWD_MAX + 1);
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, buf + len, PASSWD_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == PASSWD_MAX)
			break;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

/* home_of finds the home directory (6th field) of uid in passwd text. */
static char *home_of(char *passwd, unsigned uid)
{
	char *save = NULL;
	for (char *line = strtok_r(passwd, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[7] = {0};
		int i = 0;
		for (char *p = line; i < 7 && p; i++) {
			f[i] = p;
			p = strchr(p, ':');
			if (p)
				*p++ = '\0';
		}
		if (i < 6 || f[2] == NULL)
			continue;
		char *end;
		unsigned long u = strtoul(f[2], &end, 10);
		if (*end == '\0' && end != f[2] && u == uid && f[5][0] != '\0')
			return f[5];
	}
	return NULL;
}

void rt_default_env(struct rt_config *c)
{
	if (has_env(c->envp, "HOME"))
		return;
	char *passwd = read_passwd();
	const char *home = passwd ? home_of(passwd, c->has_user ? c->uid : 0) : NULL;
	if (home == NULL)
		home = "/";
	size_t n = strlen(home) + sizeof("HOME=");
	char *kv = rt_xrealloc(NULL, n);
	snprintf(kv, n, "HOME=%s", home);
	free(passwd);
	c->envp = rt_xrealloc(c->envp, (c->envc + 2) * sizeof(char *));
	c->envp[c->envc++] = kv;
	c->envp[c->envc] = NULL;
}
