// SPDX-License-Identifier: GPL-2.0
/*
 * The conntrack maps seen from user space: list flows, flush, and remove
 * expired entries (`ebnet gc`; the datapath already treats them as absent).
 * Expiry follows the same rule as bpf/lib/ct.h: the container-side entry's
 * state and last_seen against the lifetimes in eb_config. And the flows of
 * a published port or a container's port that is going away (forget).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <bpf/bpf.h>

#include "ebnet.h"
#include "ebnet_ct.h"
#include "ebnet_pub.h"

uint64_t eb_now_ns(void)
{
	struct timespec ts;

	/* bpf_ktime_get_ns() is CLOCK_MONOTONIC. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

uint64_t eb_ct_lifetime_ns(const struct eb_ct_entry *e, uint8_t proto, const struct eb_ct_cfg *cfg)
{
	return (uint64_t)eb_ct_lifetime_s(e->state, proto, &cfg->cfg, &cfg->cc) * 1000000000ULL;
}

const char *eb_ct_state_str(const struct eb_ct_entry *e, uint8_t proto)
{
	const uint8_t both = EB_CTS_SEEN_REPLY | EB_CTS_SEEN_CTR;

	if (proto != IPPROTO_TCP) {
		if (e->state & EB_CTS_ASSURED)
			return "assured";
		return (e->state & both) == both ? "replied" : "unreplied";
	}
	if (e->state & EB_CTS_RST)
		return "reset";
	if ((e->state & (EB_CTS_FIN_CTR | EB_CTS_FIN_OUT)) == (EB_CTS_FIN_CTR | EB_CTS_FIN_OUT))
		return "closed";
	if (e->state & (EB_CTS_FIN_CTR | EB_CTS_FIN_OUT))
		return "closing";
	if (eb_ct_assured(e->state, proto))
		return "established";
	/* The handshake (flows of a build that follows it). */
	if (e->state & EB_CTS_SYNACK)
		return "syn_recv";
	return (e->state & EB_CTS_TRACKED) ? "syn_sent" : "opening";
}

static int open_cfg(const char *net, struct eb_dp *dp, struct eb_ct_cfg *cfg, struct eb_err *e)
{
	char p[256];
	__u32 zero = 0;
	int err = eb_dp_open(net, dp, e), fd;

	if (err)
		return err;
	if (bpf_map_lookup_elem(dp->cfg, &zero, &cfg->cfg) < 0) {
		err = -errno;
		eb_errf(e, "cannot read the config of network '%s': %s", net, strerror(-err));
		eb_dp_close(dp);
		return err;
	}
	/* Absent (a network of an earlier build, not upgraded yet) or of
	 * another layout: the defaults, as the datapath takes a 0. */
	memset(&cfg->cc, 0, sizeof(cfg->cc));
	snprintf(p, sizeof(p), "%s/%s/%s", EB_PIN_ROOT, net, EB_MAP_CT_CONF);
	fd = bpf_obj_get(p);
	if (fd >= 0) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);

		if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.value_size != sizeof(cfg->cc) ||
		    bpf_map_lookup_elem(fd, &zero, &cfg->cc) < 0)
			memset(&cfg->cc, 0, sizeof(cfg->cc));
		close(fd);
	}
	return 0;
}

/* Calls fn for every container-side entry (one per flow). */
int eb_ct_walk(const char *net, eb_ct_fn fn, void *ctx, struct eb_err *e)
{
	struct eb_ct_cfg cfg;
	struct eb_dp dp;
	uint64_t now = eb_now_ns();
	int err, m;

	err = open_cfg(net, &dp, &cfg, e);
	if (err)
		return err;
	for (m = 0; m < 2; m++) {
		int fd = m ? dp.ct_other : dp.ct_tcp;
		struct eb_ct_key k, next;
		struct eb_ct_entry v;
		void *prev = NULL;

		while (bpf_map_get_next_key(fd, prev, &next) == 0) {
			k = next;
			prev = &k;
			if (bpf_map_lookup_elem(fd, &k, &v) < 0 ||
			    (v.kind != EB_CT_SNAT_CTR && v.kind != EB_CT_DNAT_CTR))
				continue;
			fn(&k, &v, &cfg, now, ctx);
		}
	}
	eb_dp_close(&dp);
	return 0;
}

/* The same for the IPv6 maps (eb_ct6_tcp, eb_ct6_other; absent in a
 * network of an earlier build: nothing). */
int eb_ct6_walk(const char *net, eb_ct6_fn fn, void *ctx, struct eb_err *e)
{
	const char *maps[2] = { EB_MAP_CT6_TCP, EB_MAP_CT6_OTHER };
	struct eb_ct_cfg cfg;
	struct eb_dp dp;
	uint64_t now = eb_now_ns();
	int err;

	err = open_cfg(net, &dp, &cfg, e);
	if (err)
		return err;
	for (int m = 0; m < 2; m++) {
		int fd = eb_pin_open(net, maps[m], NULL);
		struct eb_ct6_key k, next;
		struct eb_ct6_entry v;
		void *prev = NULL;

		if (fd < 0)
			continue;
		while (bpf_map_get_next_key(fd, prev, &next) == 0) {
			k = next;
			prev = &k;
			if (bpf_map_lookup_elem(fd, &k, &v) < 0 ||
			    (v.ct.kind != EB_CT_SNAT_CTR && v.ct.kind != EB_CT_DNAT_CTR))
				continue;
			fn(&k, &v, &cfg, now, ctx);
		}
		close(fd);
	}
	eb_dp_close(&dp);
	return 0;
}

/* ct_sweep for the IPv6 maps. */
static int ct6_sweep(const char *net, bool all, const struct eb_ct_cfg *cfg, uint64_t now)
{
	const char *maps[2] = { EB_MAP_CT6_TCP, EB_MAP_CT6_OTHER };
	int removed = 0;

	for (int m = 0; m < 2; m++) {
		int fd = eb_pin_open(net, maps[m], NULL);
		struct eb_ct6_key k, next, *keys = NULL;
		struct eb_ct6_entry v, own;
		size_t n = 0, cap = 0;
		void *prev = NULL;

		if (fd < 0)
			continue;
		while (bpf_map_get_next_key(fd, prev, &next) == 0) {
			const struct eb_ct_entry *owner = &v.ct;

			k = next;
			prev = &k;
			if (bpf_map_lookup_elem(fd, &k, &v) < 0)
				continue;
			if (!all) {
				/* The state lives in the container-side entry. */
				if (v.ct.kind == EB_CT_SNAT_OUT || v.ct.kind == EB_CT_DNAT_OUT) {
					if (bpf_map_lookup_elem(fd, &v.peer, &own) < 0) {
						if (!(now > v.ct.created &&
						      now - v.ct.created >=
							      EB_CT_CLAIM_GRACE_S * 1000000000ULL))
							continue;
						goto collect;
					}
					owner = &own.ct;
				}
				if (!(now > owner->last_seen &&
				      now - owner->last_seen > eb_ct_lifetime_ns(owner, k.proto, cfg)))
					continue;
			}
collect:
			if (n == cap) {
				struct eb_ct6_key *nk;

				cap = cap ? cap * 2 : 1024;
				nk = realloc(keys, cap * sizeof(*keys));
				if (!nk)
					break;
				keys = nk;
			}
			keys[n++] = k;
			if (v.ct.kind == EB_CT_SNAT_CTR || v.ct.kind == EB_CT_DNAT_CTR)
				removed++;
		}
		for (size_t i = 0; i < n; i++)
			bpf_map_delete_elem(fd, &keys[i]);
		free(keys);
		close(fd);
	}
	return removed;
}

/* Removes entries: all of them (flush), or the expired ones and entries
 * whose flow is gone. Returns the number of flows removed. */
static int ct_sweep(const char *net, bool all, struct eb_err *e)
{
	struct eb_ct_cfg cfg;
	struct eb_dp dp;
	uint64_t now = eb_now_ns();
	int err, m, removed = 0;

	err = open_cfg(net, &dp, &cfg, e);
	if (err)
		return err;
	for (m = 0; m < 2; m++) {
		int fd = m ? dp.ct_other : dp.ct_tcp;
		struct eb_ct_key k, next, *keys = NULL;
		struct eb_ct_entry v, own;
		size_t n = 0, cap = 0;
		void *prev = NULL;

		/* Collect first: deleting while walking a hash restarts the walk. */
		while (bpf_map_get_next_key(fd, prev, &next) == 0) {
			k = next;
			prev = &k;
			if (bpf_map_lookup_elem(fd, &k, &v) < 0)
				continue;
			if (!all) {
				const struct eb_ct_entry *owner = &v;

				if (v.kind != EB_CT_SNAT_CTR && v.kind != EB_CT_DNAT_CTR) {
					if (bpf_map_lookup_elem(fd, &v.peer, &own) < 0) {
						/* An orphan, or a port being claimed. */
						if (now > v.created &&
						    now - v.created >=
							    EB_CT_CLAIM_GRACE_S * 1000000000ULL)
							goto collect;
						continue;
					}
					owner = &own;
				}
				if (!(now > owner->last_seen &&
				      now - owner->last_seen > eb_ct_lifetime_ns(owner, k.proto, &cfg)))
					continue;
			}
collect:
			if (n == cap) {
				cap = cap ? cap * 2 : 1024;
				keys = realloc(keys, cap * sizeof(*keys));
				if (!keys) {
					eb_dp_close(&dp);
					return -ENOMEM;
				}
			}
			keys[n++] = k;
			if (v.kind == EB_CT_SNAT_CTR || v.kind == EB_CT_DNAT_CTR)
				removed++;
		}
		for (size_t i = 0; i < n; i++)
			bpf_map_delete_elem(fd, &keys[i]);
		free(keys);
	}
	removed += ct6_sweep(net, all, &cfg, now);
	eb_dp_close(&dp);
	return removed;
}

int eb_ct_flush(const char *net, struct eb_err *e)
{
	return ct_sweep(net, true, e);
}

int eb_ct_gc(const char *net, struct eb_err *e)
{
	return ct_sweep(net, false, e);
}

/* ---- forget: the flows of a port that goes ---- */

typedef bool (*ct_match_fn)(const void *key, const void *value, void *ctx);

/* The keys a walk found, kept until the walk is over. */
struct ct_keys {
	unsigned char *k;
	size_t n, cap, size;
};

static int ct_keys_add(struct ct_keys *l, const void *key)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		unsigned char *nk = realloc(l->k, cap * l->size);

		if (!nk)
			return -ENOMEM;
		l->k = nk;
		l->cap = cap;
	}
	memcpy(l->k + l->n++ * l->size, key, l->size);
	return 0;
}

/*
 * Removes the entries of the hash map fd (keys of key_size bytes) that
 * match(key, value, ctx) says are to go, and with peer_off >= 0 the entry
 * whose key is at that offset of a matching value too (a flow's other
 * side). The walk only collects; the deletes come after it (a walk that
 * deletes as it goes can start over and over). Returns how many entries
 * went, or a negative errno: -ENOMEM when the list could not grow (what
 * was found went; the sweeper takes the rest).
 */
static int ct_remove_if(int fd, size_t key_size, long peer_off, ct_match_fn match, void *ctx)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct ct_keys del = { .size = key_size };
	unsigned char *k = NULL, *next = NULL, *v = NULL;
	void *prev = NULL;
	long long steps;
	int err = 0, n = 0;

	if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
		return -errno;
	if (info.key_size != key_size ||
	    (peer_off >= 0 && (size_t)peer_off + key_size > info.value_size))
		return -EINVAL;
	k = malloc(key_size);
	next = malloc(key_size);
	v = malloc(info.value_size);
	if (!k || !next || !v) {
		err = -ENOMEM;
		goto out;
	}
	/* Bounded: a key deleted under the walk (the sweeper, the datapath)
	 * starts it over from the first. */
	steps = 2LL * info.max_entries + 64;
	while (steps-- > 0 && bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(k, next, key_size);
		prev = k;
		if (bpf_map_lookup_elem(fd, k, v) < 0 || !match(k, v, ctx))
			continue;
		err = ct_keys_add(&del, k);
		if (!err && peer_off >= 0)
			err = ct_keys_add(&del, v + peer_off);
		if (err)
			break;
	}
	for (size_t i = 0; i < del.n; i++)
		if (bpf_map_delete_elem(fd, del.k + i * key_size) == 0)
			n++;
out:
	free(del.k);
	free(k);
	free(next);
	free(v);
	return err ? err : n;
}

/* What a forget removes: DNAT flows to the published ports of sp (NULL:
 * none) on its host address, or every flow of a container port (ifindex
 * 0: none). */
struct forget_ctx {
	const struct eb_pub_spec *sp;
	uint32_t ifindex;
};

static bool pub_port_hit(const struct eb_pub_spec *sp, uint8_t proto, uint16_t dport)
{
	return sp && proto == sp->proto && ntohs(dport) >= sp->hport_lo &&
	       ntohs(dport) <= sp->hport_hi;
}

/* An IPv4 flow's outside-side key has the host address the client sent
 * to: a port on one address is that address's flows only, a port on every
 * address (host_ip 0) all of them. */
static bool forget_hit(const void *key, const void *value, void *ctx)
{
	const struct eb_ct_key *k = key;
	const struct eb_ct_entry *v = value;
	const struct forget_ctx *f = ctx;

	if (f->ifindex && v->ifindex == f->ifindex)
		return true;
	return v->kind == EB_CT_DNAT_OUT && pub_port_hit(f->sp, k->proto, k->dport) &&
	       !f->sp->v6 && (!f->sp->host_ip || k->dst == f->sp->host_ip);
}

/* IPv6 flows to a published port: those of a port on one IPv6 address of
 * the host (DNAT66) have it as their destination; a port on every IPv4
 * address is reached over IPv6 too (NAT46), one on a single IPv4 address
 * is not. */
static bool forget6_hit(const void *key, const void *value, void *ctx)
{
	const struct eb_ct6_key *k = key;
	const struct eb_ct6_entry *v = value;
	const struct forget_ctx *f = ctx;

	if (f->ifindex && v->ct.ifindex == f->ifindex)
		return true;
	if (v->ct.kind != EB_CT_DNAT_OUT || !pub_port_hit(f->sp, k->proto, k->dport))
		return false;
	if (!f->sp->v6)
		return !f->sp->host_ip;
	return !memcmp(k->dst, f->sp->host_ip6, 16);
}

/* Walks both maps (or only the protocol's, for published ports); the
 * first error is returned, after the other map is done too. */
int eb_ct_forget(const struct eb_dp *dp, const struct eb_pub_spec *sp, uint32_t ifindex)
{
	struct forget_ctx f = { .sp = sp, .ifindex = ifindex };
	int n = 0, err = 0;

	for (int m = 0; m < 2; m++) {
		int r;

		if (sp && (sp->proto == IPPROTO_TCP) != (m == 0))
			continue;
		r = ct_remove_if(m ? dp->ct_other : dp->ct_tcp, sizeof(struct eb_ct_key),
				 offsetof(struct eb_ct_entry, peer), forget_hit, &f);
		if (r < 0 && !err)
			err = r;
		n += r > 0 ? r : 0;
	}
	return err ? err : n;
}

int eb_ct6_forget(const char *net, const struct eb_pub_spec *sp, uint32_t ifindex)
{
	const char *maps[2] = { EB_MAP_CT6_TCP, EB_MAP_CT6_OTHER };
	struct forget_ctx f = { .sp = sp, .ifindex = ifindex };
	int n = 0, err = 0;

	for (int m = 0; m < 2; m++) {
		int fd, r;

		if (sp && (sp->proto == IPPROTO_TCP) != (m == 0))
			continue;
		fd = eb_pin_open(net, maps[m], NULL);
		if (fd < 0)
			continue; /* a network of an earlier build: no IPv6 flows */
		r = ct_remove_if(fd, sizeof(struct eb_ct6_key), offsetof(struct eb_ct6_entry, peer),
				 forget6_hit, &f);
		close(fd);
		if (r < 0 && !err)
			err = r;
		n += r > 0 ? r : 0;
	}
	return err ? err : n;
}
