// SPDX-License-Identifier: GPL-2.0
/* The Docker driver's files; see docker_state.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "docker_state.h"

static char state_dir[PATH_MAX - 128];

static const char *kind_dir(enum dks_kind k)
{
	return k == DKS_NET ? "networks" : "endpoints";
}

bool dks_valid_id(const char *id)
{
	size_t n = 0;

	for (; id && id[n]; n++)
		if (!((id[n] >= '0' && id[n] <= '9') || (id[n] >= 'a' && id[n] <= 'f')))
			return false;
	return n >= 12 && n <= 64;
}

int dks_init(const char *dir, struct eb_err *e)
{
	char p[PATH_MAX];
	int err;

	if (strlen(dir) >= sizeof(state_dir)) {
		eb_errf(e, "state folder name too long: '%s'", dir);
		return -ENAMETOOLONG;
	}
	snprintf(state_dir, sizeof(state_dir), "%s", dir);
	for (int k = DKS_NET; k <= DKS_EP; k++) {
		snprintf(p, sizeof(p), "%s/%s", dir, kind_dir(k));
		err = eb_mkdir_p(p, 0755);
		if (err) {
			eb_errf(e, "cannot make the state folder '%s': %s", p, strerror(-err));
			return err;
		}
	}
	return 0;
}

static void path_of(enum dks_kind k, const char *id, char *p, size_t n)
{
	snprintf(p, n, "%s/%s/%s.json", state_dir, kind_dir(k), id);
}

json_t *dks_load(enum dks_kind k, const char *id, int *err, struct eb_err *e)
{
	char p[PATH_MAX];
	json_error_t je;
	json_t *o;

	*err = -ENOENT;
	if (!dks_valid_id(id))
		return NULL;
	path_of(k, id, p, sizeof(p));
	if (access(p, F_OK))
		return NULL;
	o = json_load_file(p, 0, &je);
	if (!o || !json_is_object(o)) {
		eb_errf(e, "state file '%s' is broken (%s); remove it to forget that %s", p,
			o ? "not an object" : je.text, k == DKS_NET ? "network" : "endpoint");
		json_decref(o);
		*err = -EIO;
		return NULL;
	}
	*err = 0;
	return o;
}

int dks_save(enum dks_kind k, const char *id, json_t *obj, struct eb_err *e)
{
	char p[PATH_MAX], tmp[PATH_MAX + 8], d[PATH_MAX];
	char *text = json_dumps(obj, JSON_INDENT(1) | JSON_SORT_KEYS);
	size_t len = text ? strlen(text) : 0, off = 0;
	int fd, err = 0;

	if (!text)
		return -ENOMEM;
	path_of(k, id, p, sizeof(p));
	snprintf(tmp, sizeof(tmp), "%s.tmp", p);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0) {
			err = -errno;
			break;
		}
		off += w;
	}
	if (!err && (write(fd, "\n", 1) != 1 || fsync(fd)))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, p))
		err = -errno;
	if (!err) {
		/* The rename itself is on disk only once the folder is. */
		snprintf(d, sizeof(d), "%s/%s", state_dir, kind_dir(k));
		fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			fsync(fd);
			close(fd);
		}
	}
out:
	if (err) {
		unlink(tmp);
		eb_errf(e, "cannot write the state file '%s': %s", p, strerror(-err));
	}
	free(text);
	return err;
}

int dks_remove(enum dks_kind k, const char *id, struct eb_err *e)
{
	char p[PATH_MAX];

	if (!dks_valid_id(id))
		return 0;
	path_of(k, id, p, sizeof(p));
	if (unlink(p) && errno != ENOENT) {
		int err = -errno;

		eb_errf(e, "cannot remove the state file '%s': %s", p, strerror(-err));
		return err;
	}
	return 0;
}

int dks_each(enum dks_kind k, int (*fn)(const char *id, json_t *obj, void *ctx), void *ctx)
{
	char p[PATH_MAX];
	struct dirent *de;
	int ret = 0;
	DIR *d;

	snprintf(p, sizeof(p), "%s/%s", state_dir, kind_dir(k));
	d = opendir(p);
	if (!d)
		return 0;
	while (!ret && (de = readdir(d))) {
		char id[256], *dot;
		struct eb_err e;
		json_t *o;
		int err;

		snprintf(id, sizeof(id), "%s", de->d_name);
		dot = strrchr(id, '.');
		if (!dot || strcmp(dot, ".json"))
			continue; /* "x.json.tmp" of a write that was cut short, too */
		*dot = 0;
		o = dks_load(k, id, &err, &e);
		if (!o)
			continue;
		ret = fn(id, o, ctx);
		json_decref(o);
	}
	closedir(d);
	return ret;
}
