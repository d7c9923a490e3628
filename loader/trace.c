// SPDX-License-Identifier: GPL-2.0
/* `ebnet trace`: a packet built from the request, run through a trace
 * build of the network's own programs (BPF_PROG_TEST_RUN, the live maps);
 * see ebnet_obs.h. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ebnet_obs.h"
#include "ebnet_names.h"
#include "container.skel.h"
#include "uplink.skel.h"

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

/* The program a trace runs, loaded in trace mode, and the frame's
 * addressing: the port it comes in on (ctx.ifindex) and its MACs. */
struct trace_prog {
	struct container_bpf *cs;
	struct uplink_bpf *us;
	struct __sk_buff ctx;
	unsigned char smac[6], dmac[6];
	int fd;
};

/* From outside: eb_from_uplink, a frame to the uplink's MAC. */
static int trace_from_uplink(const char *net, const struct eb_net_info *info,
			     const struct bpf_object_open_opts *oo, struct trace_prog *tp,
			     struct eb_err *e)
{
	int err;

	if (!info->cfg.uplink_ifindex) {
		eb_errf(e, "network '%s' has no uplink", net);
		return -ENOENT;
	}
	tp->ctx.ifindex = info->cfg.uplink_ifindex;
	memcpy(tp->dmac, info->cfg.uplink_mac, 6);
	tp->us = uplink_bpf__open_opts(oo);
	if (!tp->us)
		return -errno;
	tp->us->rodata->eb_trace_mode = 1;
	err = uplink_bpf__load(tp->us);
	if (err) {
		eb_errf(e, "cannot load the datapath for tracing: %s", strerror(-err));
		return err;
	}
	tp->fd = bpf_program__fd(tp->us->progs.eb_from_uplink);
	return 0;
}

/* From the container rq->from: eb_from_container, a frame from its MAC. */
static int trace_from_container(const char *net, const struct eb_trace_req *rq,
				const struct eb_net_info *info,
				const struct bpf_object_open_opts *oo, struct trace_prog *tp,
				struct eb_err *e)
{
	const struct eb_endpoint *ep = NULL, *to = NULL;
	int err;

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
	tp->ctx.ifindex = ep->ifindex;
	memcpy(tp->smac, ep->mac, 6);
	/* As the container's stack would address it: on-link to the
	 * container itself, anything else to the gateway. */
	memcpy(tp->dmac, to ? to->mac : ep->host_mac, 6);
	tp->cs = container_bpf__open_opts(oo);
	if (!tp->cs)
		return -errno;
	tp->cs->rodata->eb_trace_mode = 1;
	err = container_bpf__load(tp->cs);
	if (err) {
		eb_errf(e, "cannot load the datapath for tracing: %s", strerror(-err));
		return err;
	}
	tp->fd = bpf_program__fd(tp->cs->progs.eb_from_container);
	return 0;
}

/* One run of the program on the frame pkt[len]: the verdict, the decision
 * the program left in the context, the packet as it came out. */
static int trace_run(struct trace_prog *tp, unsigned char *pkt, size_t len,
		     struct eb_trace_res *rs, struct eb_err *e)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	int err;

	opts.data_in = pkt;
	opts.data_size_in = len;
	opts.data_out = rs->out;
	opts.data_size_out = sizeof(rs->out);
	opts.ctx_in = &tp->ctx;
	opts.ctx_size_in = sizeof(tp->ctx);
	opts.ctx_out = &tp->ctx;
	opts.ctx_size_out = sizeof(tp->ctx);
	opts.repeat = 1;
	err = bpf_prog_test_run_opts(tp->fd, &opts);
	if (err) {
		eb_errf(e, "cannot run the program on the packet: %s", strerror(-err));
		return err;
	}
	rs->verdict = (int)opts.retval;
	rs->decision = tp->ctx.cb[EB_CB_DECISION];
	rs->target = tp->ctx.cb[EB_CB_TARGET];
	rs->copies = tp->ctx.cb[EB_CB_COPIES];
	rs->out_len = opts.data_size_out;
	return 0;
}

/* The port the packet was sent to, by name: the uplink or a container. */
static void trace_target_name(const struct eb_net_info *info, struct eb_trace_res *rs)
{
	if (!rs->target)
		return;
	if (rs->target == info->cfg.uplink_ifindex)
		snprintf(rs->target_name, sizeof(rs->target_name), "uplink %s", info->uplink);
	for (int i = 0; i < info->nctr; i++)
		if (info->ctr[i].ifindex == rs->target)
			snprintf(rs->target_name, sizeof(rs->target_name), "container %s",
				 info->ctr[i].name);
}

static int trace_with(const char *net, const struct eb_trace_req *rq, struct eb_trace_res *rs,
		      struct eb_net_info *info, struct eb_err *e)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo);
	struct trace_prog tp = { .smac = { 0x02, 0, 0, 0, 0, 1 }, .fd = -1 };
	unsigned char pkt[640];
	char dir[PATH_MAX];
	size_t len;
	int err;

	memset(rs, 0, sizeof(*rs));
	err = eb_net_info(net, info, e);
	if (err)
		return err;
	snprintf(dir, sizeof(dir), "%s/%s", EB_PIN_ROOT, net);
	oo.pin_root_path = dir;

	if (!strcmp(rq->from, "uplink"))
		err = trace_from_uplink(net, info, &oo, &tp, e);
	else
		err = trace_from_container(net, rq, info, &oo, &tp, e);
	if (!err) {
		len = rq->v6 ? build_packet6(pkt, tp.smac, tp.dmac, rq)
			     : build_packet(pkt, tp.smac, tp.dmac, rq);
		err = trace_run(&tp, pkt, len, rs, e);
	}
	if (!err)
		trace_target_name(info, rs);
	container_bpf__destroy(tp.cs);
	uplink_bpf__destroy(tp.us);
	return err;
}

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
