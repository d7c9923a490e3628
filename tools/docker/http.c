// SPDX-License-Identifier: GPL-2.0
#include "dk.h"

static const struct {
	const char *path;
	json_t *(*fn)(json_t *req, struct eb_err *e);
} calls[] = {
	{ "/Plugin.Activate", h_activate },
	{ "/NetworkDriver.GetCapabilities", h_capabilities },
	{ "/NetworkDriver.CreateNetwork", h_create_network },
	{ "/NetworkDriver.DeleteNetwork", h_delete_network },
	{ "/NetworkDriver.CreateEndpoint", h_create_endpoint },
	{ "/NetworkDriver.DeleteEndpoint", h_delete_endpoint },
	{ "/NetworkDriver.EndpointOperInfo", h_oper_info },
	{ "/NetworkDriver.Join", h_join },
	{ "/NetworkDriver.Leave", h_leave },
	{ "/NetworkDriver.ProgramExternalConnectivity", h_program_ext },
	{ "/NetworkDriver.RevokeExternalConnectivity", h_revoke_ext },
	{ "/NetworkDriver.DiscoverNew", h_nothing },
	{ "/NetworkDriver.DiscoverDelete", h_nothing },
	{ "/NetworkDriver.AllocateNetwork", h_nothing },
	{ "/NetworkDriver.FreeNetwork", h_nothing },
};

/* ---- HTTP ---- */

struct dk_req {
	char *body;
	size_t len, cap;
	bool too_big;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, json_t *obj)
{
	char *text = json_dumps(obj, JSON_COMPACT);
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (!text)
		return MHD_NO;
	r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "application/vnd.docker.plugins.v1.2+json");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* A piece of a request's body, kept; past DK_MAX_BODY the request is
 * marked too big (answered when the body is whole). Returns false when
 * memory runs out. */
static bool body_add(struct dk_req *rq, const char *upload, size_t n)
{
	if (rq->len + n > DK_MAX_BODY) {
		rq->too_big = true;
		return true;
	}
	if (rq->len + n + 1 > rq->cap) {
		size_t cap = (rq->len + n + 1) * 2;
		char *b = realloc(rq->body, cap);

		if (!b)
			return false;
		rq->body = b;
		rq->cap = cap;
	}
	memcpy(rq->body + rq->len, upload, n);
	rq->len += n;
	rq->body[rq->len] = 0;
	return true;
}

/* libmicrohttpd's handler: called first with no request state, then with
 * each piece of the body, then once with the body whole (the call made). */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload, size_t *upload_size, void **con_cls)
{
	struct dk_req *rq = *con_cls;
	struct eb_err e = {};
	json_t *req, *res = NULL;
	json_error_t je;
	unsigned int status = MHD_HTTP_OK;
	enum MHD_Result ret;
	size_t i;

	if (!rq) {
		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!body_add(rq, upload, *upload_size))
			return MHD_NO;
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->too_big) {
		eb_errf(&e, "request body over %d bytes", DK_MAX_BODY);
		status = MHD_HTTP_CONTENT_TOO_LARGE;
		goto err;
	}
	/* Plugin.Activate comes with an empty body. */
	req = rq->len ? json_loadb(rq->body, rq->len, 0, &je) : json_object();
	if (!req || !json_is_object(req)) {
		eb_errf(&e, "the request to %s is not a JSON object (%s)", url,
			req ? "another type" : je.text);
		json_decref(req);
		status = MHD_HTTP_BAD_REQUEST;
		goto err;
	}
	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (!strcmp(calls[i].path, url))
			break;
	if (i == sizeof(calls) / sizeof(calls[0])) {
		eb_errf(&e, "the ebnet driver has no call %s", url);
		json_decref(req);
		status = MHD_HTTP_NOT_FOUND;
		goto err;
	}
	if (dk_verbose) {
		char *t = json_dumps(req, JSON_COMPACT);

		dk_log("%s %s", url, t ? t : "");
		free(t);
	}
	pthread_mutex_lock(&dk_lib_lock);
	res = calls[i].fn(req, &e);
	pthread_mutex_unlock(&dk_lib_lock);
	json_decref(req);
	if (res) {
		ret = reply(c, status, res);
		json_decref(res);
		return ret;
	}
	if (!e.msg[0])
		eb_errf(&e, "%s failed (out of memory?)", url);
	dk_log("%s: error: %s", url + 1, e.msg);
	/* dockerd shows a non-200 answer's Err to the user as
	 * "Error response from daemon: ...: <Err>". */
	status = MHD_HTTP_INTERNAL_SERVER_ERROR;
err:
	res = json_pack("{s:s}", "Err", e.msg);
	ret = reply(c, status, res);
	json_decref(res);
	return ret;
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	struct dk_req *rq = *con_cls;

	if (rq) {
		free(rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

/* The listening socket; a stale socket file (a driver that was killed)
 * is replaced, a live one is not. */
static int listen_unix(const char *path, struct eb_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat sb;
	char dir[sizeof(sa.sun_path)], *slash;
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		eb_errf(e, "socket path too long (at most %zu bytes): '%s'",
			sizeof(sa.sun_path) - 1, path);
		return -ENAMETOOLONG;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		for (char *s = dir + 1; *s; s++)
			if (*s == '/') {
				*s = 0;
				mkdir(dir, 0755);
				*s = '/';
			}
		mkdir(dir, 0755);
	}
	if (lstat(path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode)) {
			eb_errf(e, "'%s' exists and is not a socket", path);
			return -EEXIST;
		}
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(fd);
			eb_errf(e, "another driver listens on '%s'", path);
			return -EADDRINUSE;
		}
		if (fd >= 0)
			close(fd);
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(path, 0660) ||
	    listen(fd, 64))
		goto fail;
	return fd;
fail:
	err = -errno;
	eb_errf(e, "cannot listen on '%s': %s", path, strerror(-err));
	if (fd >= 0)
		close(fd);
	return err;
}

/* At start: networks whose pins are gone (a reboot) are made again, and
 * endpoints whose container went while the driver was away are dropped. */
static int restore_net(const char *id, json_t *st, void *p)
{
	struct eb_err e = {};

	if (net_ensure(st, &e))
		dk_log("network %s (Docker %.12s): cannot make it again: %s", jstr(st, "net"),
		       id, e.msg);
	return 0;
}

int do_docker_plugin(int argc, char **argv)
{
	const char *sock = DK_DEFAULT_SOCKET;
	char root[PATH_MAX - 16], dir[PATH_MAX];
	struct MHD_Daemon *d;
	struct eb_err e = {};
	sigset_t sigs;
	int fd, sig;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			dk_verbose = true;
		} else if (!strcmp(argv[i], "--socket") && i + 1 < argc && argv[i + 1][0]) {
			sock = argv[++i];
		} else if (!strcmp(argv[i], "--state-dir") && i + 1 < argc && argv[i + 1][0]) {
			/* libebnet keeps its attachments there too. */
			setenv(EB_STATE_DIR_ENV, argv[++i], 1);
		} else {
			fprintf(stderr,
				"ebnet: docker-plugin: unknown or incomplete option '%s'\n"
				"usage: ebnet %s\n",
				argv[i], DK_USAGE);
			return 2;
		}
	}
	snprintf(dir, sizeof(dir), "%s/docker", eb_state_dir(root, sizeof(root)));
	if (geteuid() != 0) {
		fprintf(stderr, "ebnet: must run as root (it needs CAP_NET_ADMIN and CAP_BPF)\n");
		return 1;
	}
	if (dks_init(dir, &e)) {
		fprintf(stderr, "ebnet: docker-plugin: %s\n", e.msg);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	/* The signals that stop us wait for sigwait(), in this thread only:
	 * blocked before the server's thread is made, which inherits that. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	sweep(NULL);
	dks_each(DKS_NET, restore_net, NULL);
	dks_each(DKS_EP, rewatch, NULL);
	fd = listen_unix(sock, &e);
	if (fd < 0) {
		fprintf(stderr, "ebnet: docker-plugin: %s\n", e.msg);
		return 1;
	}
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
			     on_request, NULL, MHD_OPTION_LISTEN_SOCKET, fd,
			     MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)300, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "ebnet: docker-plugin: cannot start the HTTP server on '%s'\n",
			sock);
		close(fd);
		unlink(sock);
		return 1;
	}
	dk_log("listening on %s, state in %s", sock, dir);
	do {
		sig = 0;
		sigwait(&sigs, &sig);
	} while (sig == SIGHUP);
	dk_log("signal %d: stopping (the datapath stays)", sig);
	MHD_stop_daemon(d);
	close(fd);
	unlink(sock);
	return 0;
}
