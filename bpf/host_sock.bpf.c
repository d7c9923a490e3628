// SPDX-License-Identifier: GPL-2.0
/*
 * Published ports for connections that never cross a device the TC
 * programs see: the host's own (`curl 127.0.0.1:8080`, `curl HOSTIP:8080`)
 * and the containers' own to the host's address (hairpin, to another
 * container or to itself). The destination is translated when the socket
 * connects or sends (cgroup connect4/sendmsg4), and translated back for
 * the application when it asks (recvmsg4/getpeername4), so no packet is
 * rewritten and no second NAT is needed for the hairpin.
 *
 * Attached to the root cgroup, so they run for every process; they act
 * only in the namespaces listed in eb_netns (the host namespace of this
 * network and its containers) and return 1 (go on, unchanged) elsewhere.
 */
#include <linux/bpf.h>
#include <linux/in.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "lib/maps.h"
#include "lib/counters.h"

char LICENSE[] SEC("license") = "GPL";

#define SOCK_STREAM 1
#define SOCK_DGRAM  2

static __always_inline __u32 eb_ns_kind(struct bpf_sock_addr *ctx)
{
	__u64 cookie = bpf_get_netns_cookie(ctx);
	__u32 *kind = bpf_map_lookup_elem(&eb_netns, &cookie);

	return kind ? *kind : 0;
}

/* The published port a destination names, or NULL. 127.0.0.0/8 means the
 * host only from the host's own namespace; in a container it is the
 * container itself. */
static __always_inline struct eb_pub_val *eb_sock_pub(struct bpf_sock_addr *ctx, __u32 kind,
						      __u8 proto)
{
	struct eb_pub_key k = {};
	struct eb_pub_val *pub;
	struct eb_config *cfg;
	__u32 zero = 0, ip = ctx->user_ip4;
	bool lo = (bpf_ntohl(ip) >> 24) == 127;

	if (lo && kind != EB_NS_HOST)
		return NULL;
	k.host_ip = ip;
	k.host_port = (__u16)ctx->user_port;
	k.proto = proto;
	pub = bpf_map_lookup_elem(&eb_published, &k);
	if (pub)
		return pub;
	cfg = bpf_map_lookup_elem(&eb_config, &zero);
	if (!cfg)
		return NULL;
	/* A port published on every address: the host's own addresses. */
	if (!lo && ip != cfg->snat_ip && ip != cfg->gateway)
		return NULL;
	k.host_ip = 0;
	return bpf_map_lookup_elem(&eb_published, &k);
}

static __always_inline int eb_sock_xlate(struct bpf_sock_addr *ctx, __u8 proto)
{
	struct eb_sock_rev_key rk = {};
	struct eb_sock_rev_val rv = {};
	struct eb_pub_val *pub;
	__u32 kind = eb_ns_kind(ctx);

	if (!kind)
		return 1;
	pub = eb_sock_pub(ctx, kind, proto);
	if (!pub)
		return 1;
	rk.cookie = bpf_get_socket_cookie(ctx);
	rk.ctr_ip = pub->ctr_ip;
	rk.ctr_port = pub->ctr_port;
	rv.ip = ctx->user_ip4;
	rv.port = (__u16)ctx->user_port;
	bpf_map_update_elem(&eb_sock_rev, &rk, &rv, BPF_ANY);
	ctx->user_ip4 = pub->ctr_ip;
	ctx->user_port = pub->ctr_port;
	__sync_fetch_and_add(&pub->local, 1);
	eb_count(EB_CNT_SOCK_XLATE, 0);
	return 1;
}

/* Back to the address the application used, for translated sockets only. */
static __always_inline int eb_sock_untranslate(struct bpf_sock_addr *ctx)
{
	struct eb_sock_rev_key rk = {};
	struct eb_sock_rev_val *rv;
	struct eb_config *cfg;
	__u32 zero = 0;

	/* Only a peer in the network's subnet can be a translated one. This
	 * runs for every accept() and recvmsg() of every socket in the
	 * network's namespaces (a server in a container accepting clients
	 * from outside: all of them), and the array lookup here spares them
	 * the two hash lookups below (eb_sock_rev is large: cache misses). */
	cfg = bpf_map_lookup_elem(&eb_config, &zero);
	if (!cfg || (ctx->user_ip4 & cfg->mask) != cfg->subnet)
		return 1;
	if (!eb_ns_kind(ctx))
		return 1;
	rk.cookie = bpf_get_socket_cookie(ctx);
	rk.ctr_ip = ctx->user_ip4;
	rk.ctr_port = (__u16)ctx->user_port;
	rv = bpf_map_lookup_elem(&eb_sock_rev, &rk);
	if (rv) {
		ctx->user_ip4 = rv->ip;
		ctx->user_port = rv->port;
	}
	return 1;
}

SEC("cgroup/connect4")
int eb_connect4(struct bpf_sock_addr *ctx)
{
	if (ctx->type != SOCK_STREAM && ctx->type != SOCK_DGRAM)
		return 1;
	return eb_sock_xlate(ctx, ctx->type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP);
}

/* A resolver on the host bound to a loopback address answers a query that
 * the datapath handed to its socket (bpf/lib/dns.h): from the gateway, the
 * address the container asked, as no loopback source may leave the host. */
static __always_inline void eb_dns_reply_src(struct bpf_sock_addr *ctx)
{
	struct eb_dns_fwd_key fk = {};
	struct eb_dns_fwd_val *fv;
	struct eb_config *cfg;
	struct bpf_sock *sk = ctx->sk;
	__u32 zero = 0;

	if (!sk || sk->src_port != 53)
		return;
	fk.ip = ctx->user_ip4;
	fk.port = (__u16)ctx->user_port;
	fk.proto = IPPROTO_UDP;
	fv = bpf_map_lookup_elem(&eb_dns_fwd, &fk);
	if (!fv || fv->up != sk->src_ip4)
		return;
	cfg = bpf_map_lookup_elem(&eb_config, &zero);
	if (cfg && eb_ns_kind(ctx) == EB_NS_HOST)
		ctx->msg_src_ip4 = cfg->gateway;
}

SEC("cgroup/sendmsg4")
int eb_sendmsg4(struct bpf_sock_addr *ctx)
{
	eb_dns_reply_src(ctx);
	return eb_sock_xlate(ctx, IPPROTO_UDP);
}

SEC("cgroup/recvmsg4")
int eb_recvmsg4(struct bpf_sock_addr *ctx)
{
	return eb_sock_untranslate(ctx);
}

SEC("cgroup/getpeername4")
int eb_getpeername4(struct bpf_sock_addr *ctx)
{
	return eb_sock_untranslate(ctx);
}
