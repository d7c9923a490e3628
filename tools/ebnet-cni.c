// SPDX-License-Identifier: GPL-2.0
/*
 * ebnet-cni: ebnet as a CNI plugin (spec 1.1; results in the version asked
 * for, 0.3.1 to 1.1.0). Installed as /opt/cni/bin/ebnet, it is exec'd by
 * the runtime (podman, containerd, CRI) once per operation, with the
 * operation in CNI_* variables and the network config on stdin, and
 * answers on stdout. All the work is libebnet's: eb_attach/eb_detach (the
 * same ports as `ebnet up`'s containers) and eb_publish (the same map as
 * `ebnet publish`). State is keyed on CNI_CONTAINERID + "/" + CNI_IFNAME,
 * never on the namespace path (containerd passes none on DEL).
 *
 * Errors follow the spec: {"cniVersion","code","msg","details"} on stdout,
 * exit 1. Codes: 1 version, 2 unsupported field, 3 unknown container,
 * 4 environment, 5 I/O, 6 undecodable input, 7 invalid config, 11 try
 * again; STATUS 50/51; 100 (ebnet's own): CHECK found a piece missing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <time.h>
#include <sys/file.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <jansson.h>

#include "ebnet.h"
#include "ebnet_pub.h"

#define CNI_ERR_VERSION	    1
#define CNI_ERR_FIELD	    2
#define CNI_ERR_UNKNOWN	    3
#define CNI_ERR_ENV	    4
#define CNI_ERR_IO	    5
#define CNI_ERR_DECODE	    6
#define CNI_ERR_CONFIG	    7
#define CNI_ERR_AGAIN	    11
#define CNI_ERR_UNAVAILABLE 50
#define CNI_ERR_LIMITED	    51
#define CNI_ERR_CHECK	    100

static const char *const versions[] = { "0.3.1", "0.4.0", "1.0.0", "1.1.0" };
#define NVERSIONS (sizeof(versions) / sizeof(versions[0]))

/* The version answers are given in: the config's, once it is known. */
static const char *answer_version = "1.1.0";

static void cni_error(int code, const char *msg, const char *details)
		__attribute__((noreturn));

static void cni_error(int code, const char *msg, const char *details)
{
	json_t *o = json_pack("{s:s,s:i,s:s}", "cniVersion", answer_version, "code", code, "msg",
			      msg);

	if (details && *details)
		json_object_set_new(o, "details", json_string(details));
	json_dumpf(o, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	fflush(stdout);
	json_decref(o);
	exit(1);
}

static void cni_errorf(int code, const char *details, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));

static void cni_errorf(int code, const char *details, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cni_error(code, msg, details);
}

/* A library error: the code that fits its errno. */
static void lib_error(int err, const struct eb_err *e, const char *what)
	__attribute__((noreturn));

static void lib_error(int err, const struct eb_err *e, const char *what)
{
	int code = err == -EAGAIN || err == -EBUSY ? CNI_ERR_AGAIN
		   : err == -EINVAL || err == -EEXIST || err == -EADDRINUSE ||
				   err == -ENOSPC || err == -EADDRNOTAVAIL
			   ? CNI_ERR_CONFIG
			   : CNI_ERR_IO;

	cni_error(code, e->msg[0] ? e->msg : strerror(-err), what);
}

static bool version_ok(const char *v)
{
	for (size_t i = 0; i < NVERSIONS; i++)
		if (!strcmp(versions[i], v))
			return true;
	return false;
}

/* Results before 1.0.0 carry "version" in each IP entry. */
static bool pre_1_0(void)
{
	return answer_version[0] == '0';
}

static json_t *read_stdin(void)
{
	json_error_t je;
	json_t *j = json_loadf(stdin, JSON_REJECT_DUPLICATES, &je);

	if (!j)
		cni_errorf(CNI_ERR_DECODE, je.text, "cannot decode the network config on stdin (line %d)",
			   je.line);
	if (!json_is_object(j))
		cni_error(CNI_ERR_DECODE, "the network config on stdin is not a JSON object", NULL);
	return j;
}

static const char *env(const char *name, bool required)
{
	const char *v = getenv(name);

	if (required && (!v || !*v))
		cni_errorf(CNI_ERR_ENV, NULL, "%s is not set", name);
	return v && *v ? v : NULL;
}

/* ---- the config ---- */

struct conf {
	struct eb_up_opts uo;
	const char *net;
	json_t *root;
	json_t *rc; /* runtimeConfig, or NULL */
};

/* Keys every plugin config may have (the spec's, and those that libcni
 * and runtimes add), besides ebnet's own (eb_up_opt_names). */
static const char *const std_keys[] = { "cniVersion",	 "cniVersions", "name",
					"type",		 "capabilities", "runtimeConfig",
					"prevResult",	 "args",	 "dns",
					"disableCheck", "disableGC",	 "plugins",
					"cni.dev/valid-attachments",	 "cni.dev/attachments",
					NULL };

static bool in_list(const char *const *l, const char *k)
{
	for (; *l; l++)
		if (!strcmp(*l, k))
			return true;
	return false;
}

static void parse_conf(json_t *root, struct conf *c)
{
	const char *k, *v, *opt;
	json_t *val;
	char why[256], buf[32];

	memset(c, 0, sizeof(*c));
	c->root = root;
	v = json_string_value(json_object_get(root, "cniVersion"));
	if (!v)
		cni_error(CNI_ERR_CONFIG, "the network config has no cniVersion",
			  "add \"cniVersion\": \"1.0.0\"");
	if (!version_ok(v))
		cni_errorf(CNI_ERR_VERSION, "ebnet speaks 0.3.1, 0.4.0, 1.0.0 and 1.1.0",
			   "incompatible CNI version '%s'", v);
	answer_version = v;
	c->net = json_string_value(json_object_get(root, "name"));
	if (!c->net)
		cni_error(CNI_ERR_CONFIG, "the network config has no name", NULL);
	if (eb_valid_name(c->net, EB_NAME_LEN))
		cni_errorf(CNI_ERR_CONFIG, "the name is the ebnet network's: 1 to 31 of A-Z a-z 0-9 _ . -",
			   "invalid network name '%s'", c->net);
	c->uo.net = c->net;
	c->uo.attach = EB_ATTACH_AUTO;
	c->uo.xdp = EB_XDP_KEEP;
	json_object_foreach(root, k, val) {
		if (in_list(std_keys, k))
			continue;
		if (!strcmp(k, "ipam"))
			cni_error(CNI_ERR_FIELD, "unsupported field 'ipam'",
				  "ebnet gives addresses from the network's own allocator; remove "
				  "\"ipam\" (use \"subnet\", and IP= in CNI_ARGS for a fixed address)");
		/* "dns" is the spec's own key (ignored here); `up --dns`, the
		 * upstream resolvers, is "upstream-dns". */
		opt = !strcmp(k, "upstream-dns") ? "dns" : k;
		if (!strcmp(opt, "dns") ? strcmp(k, "upstream-dns") : !in_list(eb_up_opt_names, opt))
			cni_errorf(CNI_ERR_FIELD,
				   "ebnet's keys: subnet, uplink, attach, xdp, snat-ip, nat-ports, "
				   "ct-tcp-size, ct-other-size, domain, upstream-dns, mtu, ipv6, "
				   "subnet6",
				   "unsupported field '%s' in the network config", k);
		if (json_is_integer(val)) {
			snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(val));
			/* Lives as long as the process: the options point at it. */
			v = strdup(buf);
		} else if (json_is_boolean(val)) {
			/* "ipv6": true (false: as if absent) */
			if (json_is_false(val))
				continue;
			v = "true";
		} else {
			v = json_string_value(val);
		}
		if (!v)
			cni_errorf(CNI_ERR_CONFIG, NULL, "'%s' must be a string", k);
		if (eb_up_opt_set(&c->uo, k == opt ? k : "upstream-dns", v, why, sizeof(why)))
			cni_error(CNI_ERR_CONFIG, why, NULL);
	}
	c->rc = json_object_get(root, "runtimeConfig");
	if (c->rc && !json_is_object(c->rc))
		cni_error(CNI_ERR_CONFIG, "runtimeConfig is not an object", NULL);
}

/* ---- CNI_ARGS: IgnoreUnknown=1;K8S_POD_NAME=x;IP=10.1.2.3;MAC=02:.. ---- */

struct cni_args {
	char label[EB_LABEL_MAX];
	uint32_t ip;
	uint8_t mac[6];
	bool have_mac;
};

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char end;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &end) !=
	    6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = b[i];
	/* A unicast address. */
	return mac[0] & 1 ? -EINVAL : 0;
}

static void parse_args(const char *s, struct cni_args *a)
{
	char *dup = strdup(s ? s : ""), *save = NULL, *kv;
	char pod[EB_LABEL_MAX] = "", pns[EB_LABEL_MAX] = "", unknown[64] = "";
	bool ignore = false;

	memset(a, 0, sizeof(*a));
	for (kv = strtok_r(dup, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(kv, '=');

		if (!eq)
			cni_errorf(CNI_ERR_ENV, "want KEY=VALUE pairs separated by ';'",
				   "invalid CNI_ARGS entry '%s'", kv);
		*eq = 0;
		if (!strcmp(kv, "IgnoreUnknown"))
			ignore = !strcasecmp(eq + 1, "1") || !strcasecmp(eq + 1, "true");
		else if (!strcmp(kv, "K8S_POD_NAME"))
			snprintf(pod, sizeof(pod), "%s", eq + 1);
		else if (!strcmp(kv, "K8S_POD_NAMESPACE"))
			snprintf(pns, sizeof(pns), "%s", eq + 1);
		else if (!strcmp(kv, "IP")) {
			char *slash = strchr(eq + 1, '/');

			if (slash)
				*slash = 0;
			if (eb_parse_ipv4(eq + 1, &a->ip))
				cni_errorf(CNI_ERR_ENV, NULL, "invalid IP='%s' in CNI_ARGS", eq + 1);
		} else if (!strcmp(kv, "MAC")) {
			if (parse_mac(eq + 1, a->mac))
				cni_errorf(CNI_ERR_ENV, NULL, "invalid MAC='%s' in CNI_ARGS", eq + 1);
			a->have_mac = true;
		} else if (!strncmp(kv, "K8S_", 4)) {
			/* K8S_POD_UID, K8S_POD_INFRA_CONTAINER_ID: nothing to do. */
		} else if (!unknown[0]) {
			snprintf(unknown, sizeof(unknown), "%s", kv);
		}
	}
	free(dup);
	if (unknown[0] && !ignore)
		cni_errorf(CNI_ERR_ENV, "add IgnoreUnknown=1 to pass it anyway",
			   "unknown CNI_ARGS key '%s'", unknown);
	if (pod[0] && pns[0])
		snprintf(a->label, sizeof(a->label), "%.60s/%.60s", pns, pod);
	else
		snprintf(a->label, sizeof(a->label), "%s", pod);
}

/* runtimeConfig "ips" (["10.1.2.3/24"]) and "mac" override CNI_ARGS. */
static void runtime_addr(const struct conf *c, struct cni_args *a)
{
	json_t *ips = c->rc ? json_object_get(c->rc, "ips") : NULL, *mac;
	size_t i;
	json_t *it;

	if (ips && json_is_array(ips)) {
		json_array_foreach(ips, i, it) {
			char buf[64], *slash;
			const char *s = json_string_value(it);

			if (!s)
				cni_error(CNI_ERR_CONFIG, "runtimeConfig.ips holds a non-string", NULL);
			snprintf(buf, sizeof(buf), "%s", s);
			slash = strchr(buf, '/');
			if (slash)
				*slash = 0;
			if (strchr(buf, ':'))
				continue; /* IPv6: the network gives the address (not yet from here) */
			if (eb_parse_ipv4(buf, &a->ip))
				cni_errorf(CNI_ERR_CONFIG, NULL, "invalid address '%s' in runtimeConfig.ips",
					   s);
			break;
		}
	}
	mac = c->rc ? json_object_get(c->rc, "mac") : NULL;
	if (mac) {
		if (!json_string_value(mac) || parse_mac(json_string_value(mac), a->mac))
			cni_error(CNI_ERR_CONFIG, "invalid runtimeConfig.mac", NULL);
		a->have_mac = true;
	}
}

/* runtimeConfig "aliases" ({"NETWORK": ["db", "pg"]}, the capability
 * podman fills from --network-alias): more names of the container in this
 * network; those of other networks are theirs. At most 32 (the rest are
 * refused with the config: a runtime sends a handful). */
#define CNI_MAX_ALIASES 32
static int runtime_aliases(const struct conf *c, const char *out[CNI_MAX_ALIASES])
{
	json_t *all = c->rc ? json_object_get(c->rc, "aliases") : NULL, *mine, *it;
	size_t i;
	int n = 0;

	if (!all)
		return 0;
	if (!json_is_object(all))
		cni_error(CNI_ERR_CONFIG, "runtimeConfig.aliases is not an object",
			  "want {\"NETWORK\": [\"NAME\", ...]}");
	mine = json_object_get(all, c->net);
	if (!mine)
		return 0;
	if (!json_is_array(mine))
		cni_errorf(CNI_ERR_CONFIG, "want a list of names", "runtimeConfig.aliases.%s is not a list",
			   c->net);
	if (json_array_size(mine) > CNI_MAX_ALIASES)
		cni_errorf(CNI_ERR_CONFIG, NULL, "runtimeConfig.aliases.%s: %zu names, at most %d",
			   c->net, json_array_size(mine), CNI_MAX_ALIASES);
	json_array_foreach(mine, i, it) {
		if (!json_string_value(it))
			cni_errorf(CNI_ERR_CONFIG, NULL, "runtimeConfig.aliases.%s holds a non-string",
				   c->net);
		out[n++] = json_string_value(it);
	}
	return n;
}

/* ---- port mappings ---- */

struct pmap {
	struct eb_pub_spec sp;
};

/* runtimeConfig.portMappings into specs (their container's name is filled
 * in once it is made); returns the count (a malloc'd array in *out). All
 * of it is checked before anything is made. */
static int port_maps(const struct conf *c, struct pmap **out)
{
	json_t *pm = c->rc ? json_object_get(c->rc, "portMappings") : NULL, *it;
	struct pmap *p;
	size_t i;
	int n = 0;

	*out = NULL;
	if (!pm)
		return 0;
	if (!json_is_array(pm))
		cni_error(CNI_ERR_CONFIG, "runtimeConfig.portMappings is not an array", NULL);
	p = calloc(json_array_size(pm) + 1, sizeof(*p));
	json_array_foreach(pm, i, it) {
		json_int_t hp = json_integer_value(json_object_get(it, "hostPort"));
		json_int_t cp = json_integer_value(json_object_get(it, "containerPort"));
		const char *proto = json_string_value(json_object_get(it, "protocol"));
		const char *hip = json_string_value(json_object_get(it, "hostIP"));
		struct eb_pub_spec *sp = &p[n].sp;

		if (hp < 1 || hp > 65535 || cp < 1 || cp > 65535)
			cni_errorf(CNI_ERR_CONFIG, NULL,
				   "portMappings[%zu]: hostPort and containerPort must be 1 to 65535", i);
		memset(sp, 0, sizeof(*sp));
		if (hip && strchr(hip, ':') && strcmp(hip, "::")) {
			char why[128];

			/* One IPv6 address of the host: `publish [ADDR]:...`. */
			if (eb_parse_host_ip6(hip, sp->host_ip6, why, sizeof(why)))
				cni_errorf(CNI_ERR_CONFIG, NULL, "portMappings[%zu]: hostIP '%s': %s",
					   i, hip, why);
			sp->v6 = true;
		} else if (hip && *hip && strcmp(hip, "::") && strcmp(hip, "0.0.0.0") &&
			   eb_parse_ipv4(hip, &sp->host_ip)) {
			/* "", 0.0.0.0 and "::": every address, of both families
			 * (a plain publish answers IPv6 clients too). */
			cni_errorf(CNI_ERR_CONFIG, NULL, "portMappings[%zu]: invalid hostIP '%s'", i, hip);
		}
		if (!proto || !strcasecmp(proto, "tcp"))
			sp->proto = IPPROTO_TCP;
		else if (!strcasecmp(proto, "udp"))
			sp->proto = IPPROTO_UDP;
		else
			cni_errorf(CNI_ERR_FIELD, "ebnet publishes tcp and udp",
				   "portMappings[%zu]: unsupported protocol '%s'", i, proto);
		sp->hport_lo = sp->hport_hi = hp;
		sp->cport_lo = sp->cport_hi = cp;
		/* The runtime reserved the port: podman's conmon listens on
		 * every -p port before it calls the plugin, so the host socket
		 * that publish would refuse is the runtime's own; a port
		 * another process holds was refused by the runtime already. */
		sp->force = true;
		n++;
	}
	*out = p;
	return n;
}

/*
 * libebnet waits for its lock as long as it takes; a runtime should not
 * hang behind another tool that holds it: wait up to
 * EBNET_CNI_LOCK_TIMEOUT seconds (default 60) for it to be free, else
 * answer 11 (try again later). The lock is only probed here (and released
 * at once): the library takes it itself, on its own open file, which a
 * lock held here would block.
 */
static void wait_lock(void)
{
	const char *t = getenv("EBNET_CNI_LOCK_TIMEOUT");
	unsigned long secs = 60;
	struct timespec start, now, nap = { 0, 20 * 1000 * 1000 };
	int fd = open(EB_LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (t && eb_parse_uint(t, 0, 3600, &secs))
		secs = 60;
	if (fd < 0)
		return; /* the library says why */
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (errno != EWOULDBLOCK || now.tv_sec - start.tv_sec >= (time_t)secs) {
			close(fd);
			cni_errorf(CNI_ERR_AGAIN, "another ebnet command holds " EB_LOCK_FILE,
				   "ebnet is busy: its lock was not free for %lu s", secs);
		}
		nanosleep(&nap, NULL);
	}
	close(fd);
}

/* ---- verbs ---- */

static void id_of(char *buf, size_t len)
{
	const char *cid = env("CNI_CONTAINERID", true), *ifn = env("CNI_IFNAME", true);

	if (snprintf(buf, len, "%s/%s", cid, ifn) >= (int)len)
		cni_errorf(CNI_ERR_ENV, NULL, "CNI_CONTAINERID is longer than %d characters",
			   EB_ATTACH_ID_MAX - 20);
}

static json_t *ip_json(uint32_t ip, int plen, uint32_t gw)
{
	char a[16], g[16], cidr[24];
	json_t *o;

	snprintf(cidr, sizeof(cidr), "%s/%d", eb_ip_str(ip, a), plen);
	o = json_pack("{s:s,s:s,s:i}", "address", cidr, "gateway", eb_ip_str(gw, g), "interface", 1);
	if (pre_1_0())
		json_object_set_new(o, "version", json_string("4"));
	return o;
}

static json_t *ip6_json(const uint8_t ip[16], int plen, const uint8_t gw[16])
{
	char a[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN], cidr[INET6_ADDRSTRLEN + 4];
	json_t *o;

	inet_ntop(AF_INET6, ip, a, sizeof(a));
	inet_ntop(AF_INET6, gw, g, sizeof(g));
	snprintf(cidr, sizeof(cidr), "%s/%d", a, plen);
	o = json_pack("{s:s,s:s,s:i}", "address", cidr, "gateway", g, "interface", 1);
	if (pre_1_0())
		json_object_set_new(o, "version", json_string("6"));
	return o;
}

static int cmd_add(struct conf *c)
{
	struct eb_attach_req r = { .owner = "cni", .configure = true };
	struct eb_attach_res res;
	struct eb_err e = {};
	struct cni_args a;
	struct pmap *pm;
	const char *aliases[CNI_MAX_ALIASES];
	char id[EB_ATTACH_ID_MAX], hm[18], m[18], g[16], g2[16], why[64];
	const char *domain;
	int n, err;
	json_t *out;

	id_of(id, sizeof(id));
	parse_args(env("CNI_ARGS", false), &a);
	runtime_addr(c, &a);
	r.id = id;
	r.label = a.label;
	r.netns = env("CNI_NETNS", true);
	r.ifname = env("CNI_IFNAME", true);
	r.ip = a.ip;
	r.mac = a.have_mac ? a.mac : NULL;
	r.aliases = aliases;
	r.naliases = runtime_aliases(c, aliases);
	n = port_maps(c, &pm);
	err = eb_attach(&c->uo, &r, &res, &e);
	if (err)
		lib_error(err, &e, "ADD");
	/* The runtime logs a plugin's stderr: a name left out is said there. */
	if (res.aliases_skipped[0])
		fprintf(stderr, "ebnet: container %s: aliases left out: %s\n", res.name,
			res.aliases_skipped);
	for (int i = 0; i < n; i++) {
		char net[64];

		snprintf(pm[i].sp.ctr, sizeof(pm[i].sp.ctr), "%s", res.name);
		/* The runtime's own placeholder sockets on these ports (conmon
		 * holds them) are no reason to refuse: DNAT acts before any
		 * socket lookup. */
		err = eb_publish(c->net, &pm[i].sp, net, sizeof(net), &e);
		if (err) {
			struct eb_err ue = {};

			/* All or nothing: the attachment (and the ports
			 * published so far) go. */
			eb_detach(c->net, id, &ue);
			snprintf(why, sizeof(why), "publishing host port %u", pm[i].sp.hport_lo);
			lib_error(err, &e, why);
		}
	}
	free(pm);
	/* Names are answered at the gateway (bpf/lib/dns.h): the container's
	 * NAME and NAME.DOMAIN, the rest forwarded upstream. */
	domain = c->uo.names.domain ? c->uo.names.domain : c->net;
	out = json_pack("{s:s,s:[{s:s,s:s},{s:s,s:s,s:s}],s:[o],s:[{s:s,s:s}],"
			"s:{s:[s],s:s,s:[s]}}",
			"cniVersion", answer_version, "interfaces", "name", res.host_ifname, "mac",
			eb_mac_str(res.host_mac, hm), "name", r.ifname, "mac", eb_mac_str(res.mac, m),
			"sandbox", r.netns, "ips", ip_json(res.ip, res.plen, res.gateway), "routes",
			"dst", "0.0.0.0/0", "gw", eb_ip_str(res.gateway, g), "dns", "nameservers",
			eb_ip_str(res.gateway, g2), "domain", domain, "search", domain);
	if (res.plen6) {
		char g6[INET6_ADDRSTRLEN];

		/* IPv6 beside IPv4: its address and its default route. */
		json_array_append_new(json_object_get(out, "ips"),
				      ip6_json(res.ip6, res.plen6, res.gateway6));
		json_array_append_new(json_object_get(out, "routes"),
				      json_pack("{s:s,s:s}", "dst", "::/0", "gw",
						inet_ntop(AF_INET6, res.gateway6, g6, sizeof(g6))));
	}
	json_dumpf(out, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	json_decref(out);
	return 0;
}

static int cmd_del(struct conf *c)
{
	struct eb_err e = {};
	char id[EB_ATTACH_ID_MAX];
	int err;

	/* No CNI_NETNS needed: containerd sends it empty once the task is gone. */
	id_of(id, sizeof(id));
	err = eb_detach(c->net, id, &e);
	if (err)
		lib_error(err, &e, "DEL");
	return 0;
}

static int cmd_check(struct conf *c)
{
	struct eb_attach_info ai;
	struct eb_err e = {}, ge = {};
	char id[EB_ATTACH_ID_MAX], a[16], cidr[24];
	json_t *prev = json_object_get(c->root, "prevResult"), *ips;
	int err;

	id_of(id, sizeof(id));
	env("CNI_NETNS", true);
	err = eb_attach_check(c->net, id, &e);
	/* What runtimes that never send DEL left goes, this one too if its
	 * namespace is gone: after the answer is known. */
	eb_attach_gc(c->net, NULL, NULL, 0, &ge);
	if (err == -ENOENT)
		cni_errorf(CNI_ERR_UNKNOWN, e.msg, "no attachment %s in network '%s'", id, c->net);
	if (err)
		cni_error(CNI_ERR_CHECK, e.msg, id);
	/* The result the runtime holds must be what is there. */
	ips = prev ? json_object_get(prev, "ips") : NULL;
	if (ips && json_array_size(ips) && eb_attach_get(c->net, id, &ai, &e) == 0) {
		const char *want = json_string_value(json_object_get(json_array_get(ips, 0), "address"));

		snprintf(cidr, sizeof(cidr), "%s/", eb_ip_str(ai.ep.ip, a));
		if (!want || strncmp(want, cidr, strlen(cidr)))
			cni_errorf(CNI_ERR_CHECK, NULL, "the attachment has %s, the prevResult says %s",
				   a, want ? want : "nothing");
	}
	return 0;
}

static int cmd_gc(struct conf *c)
{
	json_t *l = json_object_get(c->root, "cni.dev/valid-attachments"), *it;
	const char **keep = NULL;
	struct eb_err e = {};
	size_t i;
	int n = 0, err;

	if (!l)
		l = json_object_get(c->root, "cni.dev/attachments");
	if (l && !json_is_array(l))
		cni_error(CNI_ERR_CONFIG, "cni.dev/valid-attachments is not an array", NULL);
	if (l) {
		keep = calloc(json_array_size(l) + 1, sizeof(*keep));
		json_array_foreach(l, i, it) {
			const char *cid = json_string_value(json_object_get(it, "containerID"));
			const char *ifn = json_string_value(json_object_get(it, "ifname"));
			char *id;

			if (!cid || !ifn)
				cni_errorf(CNI_ERR_CONFIG, NULL,
					   "cni.dev/valid-attachments[%zu] needs containerID and ifname", i);
			if (asprintf(&id, "%s/%s", cid, ifn) < 0)
				cni_error(CNI_ERR_IO, "out of memory", NULL);
			keep[n++] = id;
		}
	}
	if (!eb_dp_exists(c->net))
		return 0;
	err = eb_attach_gc(c->net, "cni", keep, n, &e);
	if (err < 0)
		lib_error(err, &e, "GC");
	return 0;
}

static int cmd_status(struct conf *c)
{
	struct eb_net_info *info;
	struct eb_err e = {};
	int err;

	if (geteuid() != 0)
		cni_error(CNI_ERR_UNAVAILABLE, "ebnet needs root (CAP_NET_ADMIN and CAP_BPF)", NULL);
	if (!eb_dp_exists(c->net))
		return 0; /* made by the first ADD */
	info = calloc(1, sizeof(*info));
	err = info ? eb_net_info(c->net, info, &e) : -ENOMEM;
	if (err)
		cni_errorf(CNI_ERR_UNAVAILABLE, e.msg, "network '%s' cannot be opened", c->net);
	if (info->cfg.uplink_ifindex && !info->uplink[0])
		cni_errorf(CNI_ERR_LIMITED, "containers reach each other and the host, not beyond",
			   "the uplink of network '%s' is gone", c->net);
	if (info->cfg.uplink_ifindex && info->cfg.snat_ip && !info->uplink_attach[0])
		cni_errorf(CNI_ERR_LIMITED, "`ebnet up --net NAME` puts it back",
			   "no program on the uplink '%s' of network '%s'", info->uplink, c->net);
	free(info);
	return 0;
}

static int cmd_version(json_t *root)
{
	const char *v = root ? json_string_value(json_object_get(root, "cniVersion")) : NULL;
	json_t *out, *list = json_array();

	if (v && version_ok(v))
		answer_version = v;
	for (size_t i = 0; i < NVERSIONS; i++)
		json_array_append_new(list, json_string(versions[i]));
	out = json_pack("{s:s,s:o}", "cniVersion", answer_version, "supportedVersions", list);
	json_dumpf(out, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	json_decref(out);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = getenv("CNI_COMMAND");
	struct conf c;
	json_t *root;

	if (!cmd || !*cmd) {
		if (argc > 1 && !strcmp(argv[1], "--version")) {
			printf("ebnet CNI plugin, CNI 0.3.1 0.4.0 1.0.0 1.1.0\n");
			return 0;
		}
		cni_error(CNI_ERR_ENV, "CNI_COMMAND is not set",
			  "ebnet-cni is run by a container runtime as a CNI plugin "
			  "(/opt/cni/bin/ebnet); see the README");
	}
	if (!strcmp(cmd, "VERSION")) {
		json_error_t je;

		root = json_loadf(stdin, 0, &je);
		return cmd_version(root);
	}
	root = read_stdin();
	parse_conf(root, &c);
	if (strcmp(cmd, "STATUS"))
		wait_lock();
	if (!strcmp(cmd, "ADD"))
		return cmd_add(&c);
	if (!strcmp(cmd, "DEL"))
		return cmd_del(&c);
	if (!strcmp(cmd, "CHECK"))
		return cmd_check(&c);
	if (!strcmp(cmd, "GC"))
		return cmd_gc(&c);
	if (!strcmp(cmd, "STATUS"))
		return cmd_status(&c);
	cni_errorf(CNI_ERR_ENV, "want VERSION, ADD, DEL, CHECK, STATUS or GC",
		   "unknown CNI_COMMAND '%s'", cmd);
}
