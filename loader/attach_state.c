// SPDX-License-Identifier: GPL-2.0
/*
 * The state file of each attachment, STATE/attach/NET/NAME: what the maps
 * cannot hold (the runtime's id, its label, the namespace path and
 * cookie); see attach.c for when it is written and removed. And reading
 * them back: `attach ls` (eb_attach_list), eb_attach_get.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "attach_priv.h"

const char *eb_state_dir(char *buf, size_t len)
{
	const char *d = getenv(EB_STATE_DIR_ENV);

	snprintf(buf, len, "%s", d && *d ? d : EB_DEFAULT_STATE_DIR);
	return buf;
}

void att_dir(const char *net, char *buf, size_t len)
{
	char sd[PATH_MAX - 128];

	snprintf(buf, len, "%s/attach/%s", eb_state_dir(sd, sizeof(sd)), net);
}

int att_state_write(const char *net, const char *name, const struct att_state *s,
		    struct eb_err *e)
{
	char dir[PATH_MAX], p[PATH_MAX + 64], tmp[PATH_MAX + 96];
	FILE *f;
	int err, fd;

	att_dir(net, dir, sizeof(dir));
	err = eb_mkdir_p(dir, 0700);
	if (err) {
		eb_errf(e, "cannot create the state dir '%s': %s (set %s to move it)", dir,
			strerror(-err), EB_STATE_DIR_ENV);
		return err;
	}
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.%d", dir, name, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		eb_errf(e, "cannot write '%s': %s", tmp, strerror(-err));
		return err;
	}
	fprintf(f, "id=%s\nowner=%s\nlabel=%s\nnetns=%s\nifname=%s\nhost_peer=%d\ncookie=%llu\n",
		s->id, s->owner, s->label, s->netns, s->ifname, s->host_peer, s->cookie);
	if (fflush(f) || fsync(fd)) {
		err = -errno;
		fclose(f);
		unlink(tmp);
		eb_errf(e, "cannot write '%s': %s", tmp, strerror(-err));
		return err;
	}
	fclose(f);
	if (rename(tmp, p) < 0) {
		err = -errno;
		unlink(tmp);
		eb_errf(e, "cannot rename '%s' to '%s': %s", tmp, p, strerror(-err));
		return err;
	}
	return 0;
}

int att_state_read(const char *net, const char *name, struct att_state *s)
{
	char dir[PATH_MAX], p[PATH_MAX + 64], line[512];
	FILE *f;

	memset(s, 0, sizeof(*s));
	att_dir(net, dir, sizeof(dir));
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '='), *v;

		line[strcspn(line, "\n")] = 0;
		if (!eq)
			continue;
		*eq = 0;
		v = eq + 1;
		if (!strcmp(line, "id"))
			snprintf(s->id, sizeof(s->id), "%s", v);
		else if (!strcmp(line, "owner"))
			snprintf(s->owner, sizeof(s->owner), "%s", v);
		else if (!strcmp(line, "label"))
			snprintf(s->label, sizeof(s->label), "%s", v);
		else if (!strcmp(line, "netns"))
			snprintf(s->netns, sizeof(s->netns), "%s", v);
		else if (!strcmp(line, "ifname"))
			snprintf(s->ifname, sizeof(s->ifname), "%s", v);
		else if (!strcmp(line, "host_peer"))
			s->host_peer = atoi(v) != 0;
		else if (!strcmp(line, "cookie"))
			s->cookie = strtoull(v, NULL, 10);
	}
	fclose(f);
	return s->id[0] ? 0 : -EINVAL;
}

void eb_att_state_del(const char *net, const char *name)
{
	char dir[PATH_MAX], p[PATH_MAX + 64];

	att_dir(net, dir, sizeof(dir));
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	unlink(p);
}

void eb_att_state_del_net(const char *net)
{
	char dir[PATH_MAX], p[PATH_MAX + 300];
	struct dirent *de;
	DIR *d;

	att_dir(net, dir, sizeof(dir));
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

void eb_att_unhook(struct eb_ctx *c, const struct eb_endpoint *ep)
{
	struct att_state s;
	__u64 cookie;

	/* Namespace cookies are never reused: deleting one of a namespace
	 * that is gone harms nobody. */
	if (att_state_read(c->net, ep->name, &s) == 0 && s.cookie) {
		cookie = s.cookie;
		bpf_map_delete_elem(c->dp.netns, &cookie);
	}
}

/* The name (in the state dir) of the attachment of id in net, or -ENOENT. */
int att_state_find(const char *net, const char *id, char name[EB_NAME_LEN],
		   struct att_state *out)
{
	char dir[PATH_MAX];
	struct att_state s;
	struct dirent *de;
	int err = -ENOENT;
	DIR *d;

	att_dir(net, dir, sizeof(dir));
	d = opendir(dir);
	if (!d)
		return -ENOENT;
	while (err && (de = readdir(d))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= EB_NAME_LEN)
			continue;
		if (att_state_read(net, de->d_name, &s) == 0 && !strcmp(s.id, id)) {
			snprintf(name, EB_NAME_LEN, "%s", de->d_name);
			if (out)
				*out = s;
			err = 0;
		}
	}
	closedir(d);
	return err;
}

/* The network whose state dir has id; -ENOENT if none. */
int att_net_of_id(const char *id, char net[64])
{
	char nets[EB_MAX_NETS][64], name[EB_NAME_LEN];
	int n = eb_net_list(nets, EB_MAX_NETS);

	for (int i = 0; i < n; i++)
		if (att_state_find(nets[i], id, name, NULL) == 0) {
			snprintf(net, 64, "%.63s", nets[i]);
			return 0;
		}
	return -ENOENT;
}

static void fill_info(const char *net, const char *name, const struct att_state *s,
		      const struct eb_endpoint *ep, struct eb_nl *nl, struct eb_attach_info *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->net, sizeof(out->net), "%s", net);
	snprintf(out->name, sizeof(out->name), "%s", name);
	snprintf(out->id, sizeof(out->id), "%s", s->id);
	snprintf(out->owner, sizeof(out->owner), "%s", s->owner);
	snprintf(out->label, sizeof(out->label), "%s", s->label);
	snprintf(out->netns, sizeof(out->netns), "%s", s->netns);
	snprintf(out->ifname, sizeof(out->ifname), "%s", s->ifname);
	out->host_peer = s->host_peer;
	if (ep) {
		out->ep = *ep;
		out->have_ep = true;
		out->alive = nl && att_alive(nl, ep);
	}
}

/* The records of net, read once (n of them, or NULL). */
static struct eb_endpoint *read_eps(const char *net, int *n)
{
	struct eb_endpoint *eps = calloc(EB_MAX_ENDPOINTS, sizeof(*eps));
	int fd = open_endpoints_of(net);

	*n = 0;
	if (eps && fd >= 0)
		*n = load_endpoints(fd, eps, EB_MAX_ENDPOINTS);
	if (fd >= 0)
		close(fd);
	return eps;
}

static const struct eb_endpoint *find_ep(const struct eb_endpoint *eps, int n, const char *name)
{
	for (int i = 0; eps && i < n; i++)
		if (!strncmp(eps[i].name, name, EB_NAME_LEN))
			return &eps[i];
	return NULL;
}

static int list_net(const char *net, struct eb_attach_info *out, int max, struct eb_nl *nl)
{
	char dir[PATH_MAX];
	struct att_state s;
	struct eb_endpoint *eps;
	struct dirent *de;
	int n = 0, neps;
	DIR *d;

	att_dir(net, dir, sizeof(dir));
	d = opendir(dir);
	if (!d)
		return 0;
	eps = read_eps(net, &neps);
	while (n < max && (de = readdir(d))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= EB_NAME_LEN)
			continue;
		if (att_state_read(net, de->d_name, &s))
			continue;
		fill_info(net, de->d_name, &s, find_ep(eps, neps, de->d_name), nl, &out[n++]);
	}
	closedir(d);
	free(eps);
	return n;
}

int eb_attach_list(const char *net, struct eb_attach_info *out, int max, struct eb_err *e)
{
	char nets[EB_MAX_NETS][64];
	struct eb_nl nl = { 0 };
	int nn, n = 0;
	bool have_nl = eb_nl_open(&nl) == 0;

	if (net) {
		snprintf(nets[0], 64, "%s", net);
		nn = 1;
	} else {
		nn = eb_net_list(nets, EB_MAX_NETS);
	}
	for (int i = 0; i < nn && n < max; i++)
		n += list_net(nets[i], out + n, max - n, have_nl ? &nl : NULL);
	if (have_nl)
		eb_nl_close(&nl);
	return n;
}

int eb_attach_get(const char *net, const char *id, struct eb_attach_info *out, struct eb_err *e)
{
	char found[64], name[EB_NAME_LEN];
	struct att_state s;
	struct eb_endpoint *eps;
	struct eb_nl nl = { 0 };
	bool have_nl;
	int neps;

	if (!id || !*id)
		return -ENOENT;
	if (!net) {
		if (att_net_of_id(id, found))
			return -ENOENT;
		net = found;
	}
	if (eb_valid_name(net, EB_NAME_LEN) || att_state_find(net, id, name, &s))
		return -ENOENT;
	have_nl = eb_nl_open(&nl) == 0;
	eps = read_eps(net, &neps);
	fill_info(net, name, &s, find_ep(eps, neps, name), have_nl ? &nl : NULL, out);
	free(eps);
	if (have_nl)
		eb_nl_close(&nl);
	return 0;
}
