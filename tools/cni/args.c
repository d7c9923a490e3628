// SPDX-License-Identifier: GPL-2.0
#include "cni.h"

/* ---- CNI_ARGS: IgnoreUnknown=1;K8S_POD_NAME=x;IP=10.1.2.3;MAC=02:.. ---- */

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

void parse_args(const char *s, struct cni_args *a)
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
void runtime_addr(const struct conf *c, struct cni_args *a)
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
int runtime_aliases(const struct conf *c, const char *out[CNI_MAX_ALIASES])
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


/* runtimeConfig.portMappings into specs (their container's name is filled
 * in once it is made); returns the count (a malloc'd array in *out). All
 * of it is checked before anything is made. */
int port_maps(const struct conf *c, struct pmap **out)
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
void wait_lock(void)
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
