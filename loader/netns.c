// SPDX-License-Identifier: GPL-2.0
/* Named network namespaces; see netns.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "netns.h"

static void ns_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", EB_NETNS_DIR, name);
}

bool eb_netns_exists(const char *name)
{
	char p[PATH_MAX];

	ns_path(name, p, sizeof(p));
	return access(p, F_OK) == 0;
}

/* /run/netns a shared mount point, as `ip netns add` makes it, so that a
 * namespace mounted here propagates to every mount namespace. */
static int ensure_run_dir(void)
{
	static bool done; /* once a process: it stays so */
	bool made = false;

	if (done)
		return 0;
	if (mkdir(EB_NETNS_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	while (mount("", EB_NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) < 0) {
		if (errno != EINVAL || made)
			return -errno;
		if (mount(EB_NETNS_DIR, EB_NETNS_DIR, "none", MS_BIND | MS_REC, NULL) < 0)
			return -errno;
		made = true;
	}
	done = true;
	return 0;
}

int eb_netns_create(const char *name, int (*inside)(void *arg), void *arg)
{
	char p[PATH_MAX];
	int fd, self, err = 0;

	err = ensure_run_dir();
	if (err)
		return err;
	ns_path(name, p, sizeof(p));
	fd = open(p, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	close(fd);

	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0) {
		err = -errno;
		goto fail;
	}
	/* A thread may enter a new network namespace and come back. */
	if (unshare(CLONE_NEWNET) < 0) {
		err = -errno;
		close(self);
		goto fail;
	}
	if (mount("/proc/thread-self/ns/net", p, "none", MS_BIND, NULL) < 0)
		err = -errno;
	if (!err && inside)
		err = inside(arg);
	if (setns(self, CLONE_NEWNET) < 0)
		abort(); /* never go on in the wrong namespace */
	close(self);
	if (err)
		goto fail;
	return 0;
fail:
	umount2(p, MNT_DETACH);
	unlink(p);
	return err;
}

int eb_netns_open(const char *name)
{
	char p[PATH_MAX];
	int fd;

	ns_path(name, p, sizeof(p));
	fd = open(p, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int eb_netns_delete(const char *name)
{
	char p[PATH_MAX];

	ns_path(name, p, sizeof(p));
	if (access(p, F_OK) < 0)
		return 0;
	umount2(p, MNT_DETACH);
	if (unlink(p) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

bool eb_private_mount_ns(void)
{
	struct stat a, b;

	if (stat("/proc/self/ns/mnt", &a) < 0 || stat("/proc/1/ns/mnt", &b) < 0)
		return false;
	return a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}
