// SPDX-License-Identifier: GPL-2.0
/* Counters, trace and monitor; see ebnet_obs.h. */
#include <errno.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/file.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ebnet_obs.h"
#include "ebnet_names.h"
#include "ebnet_ct.h"
#include "container.skel.h"
#include "uplink.skel.h"

static const struct {
	const char *name, *help;
} counters[EB_CNT_MAX] = {
#define EB_CNT_TEXT(idx, name, text, help) [idx] = { text, help },
	EB_COUNTERS(EB_CNT_TEXT)
#undef EB_CNT_TEXT
};

/* The list's own checks, at compile time: an index past EB_CNT_LAST, or
 * one given twice (a duplicate case label), does not build. */
#define EB_CNT_BELOW_LAST(idx, name, text, help) \
	_Static_assert(idx < EB_CNT_LAST, "counter " #name ": index past EB_CNT_LAST");
EB_COUNTERS(EB_CNT_BELOW_LAST)
#undef EB_CNT_BELOW_LAST

static inline __attribute__((unused)) int eb_counter_unique(int i)
{
	switch (i) {
#define EB_CNT_CASE(idx, name, text, help) case idx:
		EB_COUNTERS(EB_CNT_CASE)
#undef EB_CNT_CASE
		return 1;
	}
	return 0;
}

const char *eb_counter_name(unsigned int idx)
{
	return idx < EB_CNT_MAX ? counters[idx].name : NULL;
}

const char *eb_counter_help(unsigned int idx)
{
	return idx < EB_CNT_MAX ? counters[idx].help : NULL;
}

static int open_net_map(const char *net, const char *name, struct eb_err *e)
{
	return eb_pin_open(net, name, e);
}

int eb_stats_read(const char *net, struct eb_stats_snap *s, struct eb_err *e)
{
	int ncpu = libbpf_num_possible_cpus();
	struct eb_counter_val *pc = calloc(ncpu, sizeof(*pc));
	struct eb_ctr_counters *cc = calloc(ncpu, sizeof(*cc));
	struct eb_net_info *info = calloc(1, sizeof(*info));
	int fd = -1, err = 0;

	memset(s, 0, sizeof(*s));
	s->port = calloc(EB_PUB_MAX, sizeof(*s->port));
	if (!pc || !cc || !info || !s->port) {
		err = -ENOMEM;
		goto out;
	}
	err = eb_net_info(net, info, e);
	if (err)
		goto out;

	fd = open_net_map(net, EB_MAP_STATS, e);
	if (fd < 0) {
		err = fd;
		goto out;
	}
	for (__u32 i = 0; i < EB_CNT_MAX; i++) {
		if (bpf_map_lookup_elem(fd, &i, pc))
			continue;
		for (int c = 0; c < ncpu; c++) {
			s->global[i].packets += pc[c].packets;
			s->global[i].bytes += pc[c].bytes;
		}
	}
	close(fd);

	fd = open_net_map(net, EB_MAP_CTR_STATS, e);
	if (fd < 0) {
		err = fd;
		goto out;
	}
	for (int i = 0; i < info->nctr; i++) {
		struct eb_ctr_stat *st = &s->ctr[s->nctr++];
		__u32 slot = info->ctr[i].flood_slot;

		snprintf(st->name, sizeof(st->name), "%s", info->ctr[i].name);
		st->ifindex = info->ctr[i].ifindex;
		if (!st->ifindex || slot >= EB_MAX_ENDPOINTS || bpf_map_lookup_elem(fd, &slot, cc))
			continue;
		for (int c = 0; c < ncpu; c++) {
			st->c.from_packets += cc[c].from_packets;
			st->c.from_bytes += cc[c].from_bytes;
			st->c.to_packets += cc[c].to_packets;
			st->c.to_bytes += cc[c].to_bytes;
		}
	}
	close(fd);

	/* Every published port, with its counters where it has any. */
	{
		int pfd = open_net_map(net, EB_MAP_PUBLISHED, e), sfd;
		struct eb_pub_key k, next;
		struct eb_pub_val v;
		void *prev = NULL;

		if (pfd < 0) {
			err = pfd;
			goto out;
		}
		sfd = open_net_map(net, EB_MAP_PORT_STATS, e);
		while (s->nport < EB_PUB_MAX && bpf_map_get_next_key(pfd, prev, &next) == 0) {
			struct eb_port_stat *st;

			k = next;
			prev = &k;
			if (bpf_map_lookup_elem(pfd, &k, &v))
				continue;
			st = &s->port[s->nport++];
			st->key = k;
			snprintf(st->name, sizeof(st->name), "%s", v.name);
			if (sfd >= 0 && bpf_map_lookup_elem(sfd, &k, pc) == 0)
				for (int c = 0; c < ncpu; c++) {
					st->c.packets += pc[c].packets;
					st->c.bytes += pc[c].bytes;
				}
		}
		close(pfd);
		if (sfd >= 0)
			close(sfd);
		e->msg[0] = 0;
	}
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	free(pc);
	free(cc);
	free(info);
	return err;
}

void eb_stats_free(struct eb_stats_snap *s)
{
	free(s->port);
	s->port = NULL;
}

int eb_prog_stats(const char *net, struct eb_prog_stat *out, int max)
{
	char dir[PATH_MAX], p[PATH_MAX * 2];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/%s", EB_PIN_ROOT, net);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d)) && n < max) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd;

		if (strncmp(de->d_name, "prog_", 5))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		fd = bpf_obj_get(p);
		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) {
			snprintf(out[n].name, sizeof(out[n].name), "%s", de->d_name + 5);
			out[n].run_cnt = info.run_cnt;
			out[n].run_time_ns = info.run_time_ns;
			n++;
		}
		close(fd);
	}
	closedir(d);
	return n;
}

/* ---- trace ---- */

static uint16_t csum_fold32(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

static uint32_t csum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *b = buf;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (b[i] << 8) | b[i + 1];
	if (len & 1)
		sum += b[len - 1] << 8;
	return sum;
}

/* Builds eth + IPv4 + L4 into buf; returns the length. */
static size_t build_packet(unsigned char *buf, const unsigned char *smac,
			   const unsigned char *dmac, const struct eb_trace_req *rq)
{
	unsigned char *ip = buf + 14, *l4 = ip + 20;
	size_t l4len = rq->proto == IPPROTO_TCP ? 20 : rq->proto == IPPROTO_UDP ? 12 : 16;
	size_t dnslen = 0;
	uint32_t sum;
	uint16_t c;

	if (rq->proto == IPPROTO_UDP && rq->dns_query) {
		dnslen = eb_dns_query_build(l4 + 8, 512, rq->dns_query, rq->dns_type);
		l4len = 8 + dnslen;
	}
	memset(buf, 0, 14 + 20 + (dnslen ? 8 : l4len));
	memcpy(buf, dmac, 6);
	memcpy(buf + 6, smac, 6);
	buf[12] = 0x08;
	ip[0] = 0x45;
	ip[2] = (20 + l4len) >> 8;
	ip[3] = (20 + l4len) & 0xff;
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = rq->proto;
	memcpy(ip + 12, &rq->src, 4);
	memcpy(ip + 16, &rq->dst, 4);
	c = htons(csum_fold32(csum_add(0, ip, 20)));
	memcpy(ip + 10, &c, 2);
	if (rq->proto == IPPROTO_ICMP) {
		uint16_t id = htons(rq->sport);

		l4[0] = 8; /* echo request */
		memcpy(l4 + 4, &id, 2);
		l4[7] = 1;
		c = htons(csum_fold32(csum_add(0, l4, l4len)));
		memcpy(l4 + 2, &c, 2);
		return 14 + 20 + l4len;
	}
	{
		uint16_t sp = htons(rq->sport), dp = htons(rq->dport);

		memcpy(l4, &sp, 2);
		memcpy(l4 + 2, &dp, 2);
	}
	if (rq->proto == IPPROTO_TCP) {
		l4[12] = 5 << 4;
		l4[13] = 0x02; /* SYN */
		l4[14] = 0xfa;
		l4[15] = 0xf0;
	} else {
		l4[4] = l4len >> 8;
		l4[5] = l4len & 0xff;
		if (!dnslen)
			memcpy(l4 + 8, "ebnt", 4);
	}
	/* Pseudo header, then the segment. */
	sum = csum_add(0, ip + 12, 8);
	sum += rq->proto + l4len;
	sum = csum_add(sum, l4, l4len);
	c = htons(csum_fold32(sum));
	memcpy(l4 + (rq->proto == IPPROTO_TCP ? 16 : 6), &c, 2);
	return 14 + 20 + l4len;
}

/* Builds eth + IPv6 + L4 into buf (TCP SYN, UDP with 4 bytes, ICMPv6 echo
 * request), the L4 checksum over the pseudo header; returns the length. */
static size_t build_packet6(unsigned char *buf, const unsigned char *smac,
			    const unsigned char *dmac, const struct eb_trace_req *rq)
{
	unsigned char *ip = buf + 14, *l4 = ip + 40;
	size_t l4len = rq->proto == IPPROTO_TCP ? 20 : rq->proto == IPPROTO_UDP ? 12 : 16;
	uint32_t sum;
	uint16_t c, sp = htons(rq->sport), dp = htons(rq->dport);

	memset(buf, 0, 14 + 40 + l4len);
	memcpy(buf, dmac, 6);
	memcpy(buf + 6, smac, 6);
	buf[12] = 0x86;
	buf[13] = 0xdd;
	ip[0] = 0x60;
	ip[4] = l4len >> 8;
	ip[5] = l4len & 0xff;
	ip[6] = rq->proto;
	ip[7] = 64; /* hop limit */
	memcpy(ip + 8, rq->src6, 16);
	memcpy(ip + 24, rq->dst6, 16);
	if (rq->proto == IPPROTO_ICMPV6) {
		l4[0] = 128; /* echo request */
		memcpy(l4 + 4, &sp, 2);
		l4[7] = 1;
	} else {
		memcpy(l4, &sp, 2);
		memcpy(l4 + 2, &dp, 2);
	}
	if (rq->proto == IPPROTO_TCP) {
		l4[12] = 5 << 4;
		l4[13] = 0x02; /* SYN */
		l4[14] = 0xfa;
		l4[15] = 0xf0;
	} else if (rq->proto == IPPROTO_UDP) {
		l4[4] = l4len >> 8;
		l4[5] = l4len & 0xff;
		memcpy(l4 + 8, "ebnt", 4);
	}
	/* Pseudo header (addresses, length, next header), then the segment;
	 * ICMPv6's covers it too. */
	sum = csum_add(0, ip + 8, 32);
	sum += l4len + rq->proto;
	sum = csum_add(sum, l4, l4len);
	c = htons(csum_fold32(sum));
	if (rq->proto == IPPROTO_UDP && !c)
		c = 0xffff;
	memcpy(l4 + (rq->proto == IPPROTO_TCP ? 16 : rq->proto == IPPROTO_UDP ? 6 : 2), &c, 2);
	return 14 + 40 + l4len;
}

static int trace_with(const char *net, const struct eb_trace_req *rq, struct eb_trace_res *rs,
		      struct eb_net_info *info, struct eb_err *e);

int eb_trace(const char *net, const struct eb_trace_req *rq, struct eb_trace_res *rs,
	     struct eb_err *e)
{
	/* The network's record is large (every container): on the heap, no
	 * static state. */
	struct eb_net_info *info = calloc(1, sizeof(*info));
	int err;

	if (!info)
		return -ENOMEM;
	err = trace_with(net, rq, rs, info, e);
	free(info);
	return err;
}

static int trace_with(const char *net, const struct eb_trace_req *rq, struct eb_trace_res *rs,
		      struct eb_net_info *info, struct eb_err *e)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo);
	struct container_bpf *cs = NULL;
	struct uplink_bpf *us = NULL;
	struct __sk_buff ctx = {};
	unsigned char pkt[640], smac[6] = { 0x02, 0, 0, 0, 0, 1 }, dmac[6];
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	char dir[PATH_MAX];
	size_t len;
	int err, prog;

	memset(rs, 0, sizeof(*rs));
	err = eb_net_info(net, info, e);
	if (err)
		return err;
	snprintf(dir, sizeof(dir), "%s/%s", EB_PIN_ROOT, net);
	oo.pin_root_path = dir;

	if (!strcmp(rq->from, "uplink")) {
		if (!info->cfg.uplink_ifindex) {
			eb_errf(e, "network '%s' has no uplink", net);
			return -ENOENT;
		}
		ctx.ifindex = info->cfg.uplink_ifindex;
		memcpy(dmac, info->cfg.uplink_mac, 6);
		us = uplink_bpf__open_opts(&oo);
		if (!us)
			return -errno;
		us->rodata->eb_trace_mode = 1;
		err = uplink_bpf__load(us);
		prog = err ? -1 : bpf_program__fd(us->progs.eb_from_uplink);
	} else {
		const struct eb_endpoint *ep = NULL, *to = NULL;

		for (int i = 0; i < info->nctr; i++) {
			if (!strcmp(info->ctr[i].name, rq->from))
				ep = &info->ctr[i];
			/* (A container without IPv6 has ctr_ip6 all 0.) */
			if (rq->v6 ? !memcmp(info->ctr_ip6[i], rq->dst6, 16) && info->ctr_ip6[i][0]
				   : info->ctr[i].ip == rq->dst)
				to = &info->ctr[i];
		}
		if (!ep) {
			eb_errf(e, "no container '%s' in network '%s' (FROM is a container or 'uplink')",
				rq->from, net);
			return -ENOENT;
		}
		ctx.ifindex = ep->ifindex;
		memcpy(smac, ep->mac, 6);
		/* As the container's stack would address it: on-link to the
		 * container itself, anything else to the gateway. */
		memcpy(dmac, to ? to->mac : ep->host_mac, 6);
		cs = container_bpf__open_opts(&oo);
		if (!cs)
			return -errno;
		cs->rodata->eb_trace_mode = 1;
		err = container_bpf__load(cs);
		prog = err ? -1 : bpf_program__fd(cs->progs.eb_from_container);
	}
	if (err) {
		eb_errf(e, "cannot load the datapath for tracing: %s", strerror(-err));
		goto out;
	}
	len = rq->v6 ? build_packet6(pkt, smac, dmac, rq) : build_packet(pkt, smac, dmac, rq);
	opts.data_in = pkt;
	opts.data_size_in = len;
	opts.data_out = rs->out;
	opts.data_size_out = sizeof(rs->out);
	opts.ctx_in = &ctx;
	opts.ctx_size_in = sizeof(ctx);
	opts.ctx_out = &ctx;
	opts.ctx_size_out = sizeof(ctx);
	opts.repeat = 1;
	err = bpf_prog_test_run_opts(prog, &opts);
	if (err) {
		eb_errf(e, "cannot run the program on the packet: %s", strerror(-err));
		goto out;
	}
	rs->verdict = (int)opts.retval;
	rs->decision = ctx.cb[EB_CB_DECISION];
	rs->target = ctx.cb[EB_CB_TARGET];
	rs->copies = ctx.cb[EB_CB_COPIES];
	rs->out_len = opts.data_size_out;
	if (rs->target) {
		if (rs->target == info->cfg.uplink_ifindex)
			snprintf(rs->target_name, sizeof(rs->target_name), "uplink %s", info->uplink);
		for (int i = 0; i < info->nctr; i++)
			if (info->ctr[i].ifindex == rs->target)
				snprintf(rs->target_name, sizeof(rs->target_name), "container %s",
					 info->ctr[i].name);
	}
out:
	container_bpf__destroy(cs);
	uplink_bpf__destroy(us);
	return err;
}

/* ---- monitor ---- */

struct mon_ctx {
	eb_event_fn fn;
	void *ctx;
	int stop;
};

/* A record of the ring: struct eb_event, or struct eb_event6 when its
 * type says so (the first 20 bytes are the same in both). */
static int mon_cb(void *ctx, void *data, size_t len)
{
	struct mon_ctx *m = ctx;
	struct eb_mon_event ev = {};
	const struct eb_event *e4 = data;
	const struct eb_event6 *e6 = data;

	if (len < sizeof(struct eb_event))
		return 0;
	if (e4->type & EB_EV_F_IPV6) {
		if (len < sizeof(*e6))
			return 0;
		ev.v6 = 1;
		ev.sport = e6->sport;
		ev.dport = e6->dport;
		ev.xport = e6->xport;
		ev.proto = e6->proto;
		memcpy(ev.saddr, e6->saddr, 16);
		memcpy(ev.daddr, e6->daddr, 16);
		memcpy(ev.xaddr, e6->xaddr, 16);
	} else {
		ev.sport = e4->sport;
		ev.dport = e4->dport;
		ev.xport = e4->xport;
		ev.proto = e4->proto;
		memcpy(ev.saddr, &e4->saddr, 4);
		memcpy(ev.daddr, &e4->daddr, 4);
		memcpy(ev.xaddr, &e4->xaddr, 4);
	}
	ev.ts = e4->ts;
	ev.type = EB_EV_KIND(e4->type);
	ev.reason = e4->reason;
	ev.ifindex = e4->ifindex;
	if (m->fn(&ev, m->ctx))
		m->stop = 1;
	return 0;
}

int eb_monitor(const char *net, eb_event_fn fn, void *ctx, volatile int *stop, int max_ms,
	       struct eb_err *e)
{
	struct mon_ctx m = { .fn = fn, .ctx = ctx };
	struct ring_buffer *rb;
	uint64_t start = eb_now_ns(), last = 0;
	__u32 zero = 0;
	__u64 until;
	int rfd, mfd, lock, err = 0;

	/* One reader: a BPF ring buffer has one consumer position, and two
	 * readers would each see part of the events. */
	{
		char lp[PATH_MAX];

		snprintf(lp, sizeof(lp), "/run/lock/ebnet-monitor-%s.lock", net);
		lock = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) < 0) {
			err = errno == EWOULDBLOCK ? -EBUSY : -errno;
			eb_errf(e, "%s", err == -EBUSY ? "another `ebnet monitor` watches this network; "
							 "a ring buffer has one reader"
						       : strerror(-err));
			if (lock >= 0)
				close(lock);
			return err;
		}
	}
	rfd = open_net_map(net, EB_MAP_EVENTS, e);
	if (rfd < 0) {
		close(lock);
		return rfd;
	}
	mfd = open_net_map(net, EB_MAP_MONITOR, e);
	if (mfd < 0) {
		close(rfd);
		close(lock);
		return mfd;
	}
	rb = ring_buffer__new(rfd, mon_cb, &m, NULL);
	if (!rb) {
		err = -errno;
		eb_errf(e, "cannot read the event ring: %s", strerror(-err));
		goto out;
	}
	while (!*stop && !m.stop) {
		uint64_t now = eb_now_ns();

		/* Renewed every second; lapses 3 s after a monitor dies. */
		if (now - last > 1000000000ULL) {
			char pin[PATH_MAX];

			/* The network went (`ebnet down`): nothing more will come. */
			snprintf(pin, sizeof(pin), "%s/%s/%s", EB_PIN_ROOT, net, EB_MAP_EVENTS);
			if (access(pin, F_OK) < 0) {
				eb_errf(e, "network '%s' was removed", net);
				err = -ENOENT;
				break;
			}
			until = now + 3000000000ULL;
			bpf_map_update_elem(mfd, &zero, &until, BPF_ANY);
			last = now;
		}
		if (max_ms && now - start > (uint64_t)max_ms * 1000000ULL)
			break;
		err = ring_buffer__poll(rb, 200);
		if (err == -EINTR) {
			err = 0;
			continue;
		}
		if (err < 0) {
			eb_errf(e, "cannot poll the event ring: %s", strerror(-err));
			break;
		}
		err = 0;
	}
	/* Stop the datapath's events at once. */
	until = 0;
	bpf_map_update_elem(mfd, &zero, &until, BPF_ANY);
	ring_buffer__free(rb);
out:
	close(rfd);
	close(mfd);
	close(lock);
	return err;
}
