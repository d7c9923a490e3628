// SPDX-License-Identifier: GPL-2.0
#include "dk.h"

/* ---- published ports ---- */

/* One "com.docker.network.portmap" entry:
 * {"Proto":6,"IP":"","Port":80,"HostIP":"","HostPort":8080,"HostPortEnd":8080}. */
static int port_spec(json_t *pm, const char *ctr, struct eb_pub_spec *sp, uint16_t *lo,
		     uint16_t *hi, struct eb_err *e)
{
	json_int_t proto = json_integer_value(json_object_get(pm, "Proto"));
	json_int_t port = json_integer_value(json_object_get(pm, "Port"));
	json_int_t hp = json_integer_value(json_object_get(pm, "HostPort"));
	json_int_t hpe = json_integer_value(json_object_get(pm, "HostPortEnd"));
	const char *hip = jstr(pm, "HostIP");

	memset(sp, 0, sizeof(*sp));
	snprintf(sp->ctr, sizeof(sp->ctr), "%s", ctr);
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP) {
		eb_errf(e, "-p .../%s: ebnet publishes tcp and udp only",
			proto == IPPROTO_SCTP ? "sctp" : "?");
		return -EINVAL;
	}
	sp->proto = proto;
	if (port < 1 || port > 65535 || hp < 0 || hp > 65535 || hpe < 0 || hpe > 65535) {
		eb_errf(e, "-p: port out of 1-65535");
		return -EINVAL;
	}
	if (!strcmp(hip, "::")) {
		/* Docker asks for 0.0.0.0 and :: for one -p: the plain publish
		 * of the first answers IPv6 clients too. */
		return 1;
	} else if (strchr(hip, ':')) {
		char why[128];

		/* One IPv6 address of the host (-p [ADDR]:8080:80). */
		if (eb_parse_host_ip6(hip, sp->host_ip6, why, sizeof(why))) {
			eb_errf(e, "-p [%s]:...: %s", hip, why);
			return -EINVAL;
		}
		sp->v6 = true;
	} else if (*hip && strcmp(hip, "0.0.0.0") && eb_parse_ipv4(hip, &sp->host_ip)) {
		eb_errf(e, "-p %s:...: not an IPv4 address", hip);
		return -EINVAL;
	}
	sp->cport_lo = sp->cport_hi = port;
	/* No host port: one from Docker's range. A host range for one
	 * container port (-p 8000-8010:80): the first free one of it. */
	*lo = hp ? hp : DK_EPHEMERAL_LO;
	*hi = hp ? (hpe > hp ? hpe : hp) : DK_EPHEMERAL_HI;
	return 0;
}

/* Unpublishes what the endpoint's state says it published. */
void ports_revoke(json_t *st)
{
	json_t *ports = json_object_get(st, "ports"), *p;
	size_t i;

	json_array_foreach(ports, i, p) {
		struct eb_pub_spec sp = {};
		struct eb_err e = {};

		sp.proto = json_integer_value(json_object_get(p, "Proto"));
		sp.hport_lo = sp.hport_hi = json_integer_value(json_object_get(p, "HostPort"));
		if (strchr(jstr(p, "HostIP"), ':'))
			sp.v6 = inet_pton(AF_INET6, jstr(p, "HostIP"), sp.host_ip6) == 1;
		else if (*jstr(p, "HostIP"))
			eb_parse_ipv4(jstr(p, "HostIP"), &sp.host_ip);
		if (eb_unpublish(jstr(st, "net"), &sp, &e) < 0 && dk_verbose)
			dk_log("endpoint %.12s: %s", jstr(st, "id"), e.msg);
	}
	json_object_set_new(st, "ports", json_array());
}

json_t *h_program_ext(json_t *req, struct eb_err *e)
{
	json_t *pms = json_object_get(json_object_get(req, "Options"), DK_PORTMAP), *pm, *st;
	json_t *done = NULL;
	size_t i;

	st = ep_load(req, e);
	if (!st)
		return NULL;
	/* Called again: what was published goes, then the new list. */
	ports_revoke(st);
	done = json_object_get(st, "ports");
	json_array_foreach(pms, i, pm) {
		struct eb_pub_spec sp;
		uint16_t lo, hi;
		int err = port_spec(pm, jstr(st, "name"), &sp, &lo, &hi, e);
		char hipb[INET6_ADDRSTRLEN];

		if (err > 0)
			continue;
		if (err)
			goto fail;
		err = -EADDRINUSE;
		for (uint32_t hp = lo; hp <= hi && err == -EADDRINUSE; hp++) {
			sp.hport_lo = sp.hport_hi = hp;
			err = eb_publish(jstr(st, "net"), &sp, NULL, 0, e);
		}
		if (err) {
			if (lo != hi && err == -EADDRINUSE)
				eb_errf(e, "no free host port in %u-%u/%s", lo, hi,
					sp.proto == IPPROTO_UDP ? "udp" : "tcp");
			snprintf(e->msg + strlen(e->msg), sizeof(e->msg) - strlen(e->msg),
				 "; choose another host port with -p");
			goto fail;
		}
		json_array_append_new(done, json_pack("{s:i, s:s, s:i, s:i}", "Proto", sp.proto,
						      "HostIP",
						      sp.v6 ? inet_ntop(AF_INET6, sp.host_ip6, hipb,
									sizeof(hipb))
						      : sp.host_ip ? eb_ip_str(sp.host_ip, hipb)
								   : "",
						      "HostPort", sp.hport_lo, "Port", sp.cport_lo));
		/* Recorded one by one: a driver killed here forgets nothing. */
		if (dks_save(DKS_EP, jstr(st, "id"), st, e))
			goto fail;
	}
	dk_log("endpoint %.12s: %zu port(s) published", jstr(st, "id"), json_array_size(done));
	json_decref(st);
	return json_object();
fail:
	{
		struct eb_err ignored;

		ports_revoke(st);
		dks_save(DKS_EP, jstr(st, "id"), st, &ignored);
	}
	json_decref(st);
	return NULL;
}

json_t *h_revoke_ext(json_t *req, struct eb_err *e)
{
	json_t *st = ep_load(req, e);

	if (!st)
		return json_object(); /* nothing published */
	ports_revoke(st);
	if (dks_save(DKS_EP, jstr(st, "id"), st, e)) {
		json_decref(st);
		return NULL;
	}
	json_decref(st);
	return json_object();
}
