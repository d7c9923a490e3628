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
#include "lib/ip6.h"

char LICENSE[] SEC("license") = "GPL";

#define SOCK_STREAM 1
#define SOCK_DGRAM  2

static __always_inline __u32 eb_ns_kind(struct bpf_sock_addr *ctx)
{
	__u64 cookie = bpf_get_netns_cookie(ctx);
	__u32 *kind = bpf_map_lookup_elem(&eb_netns, &cookie);

	return kind ? *kind : 0;
}

/* The published port a destination names (its port in network order, as
 * the socket address has it), or NULL. 127.0.0.0/8 means the
 * host only from the host's own namespace; in a container it is the
 * container itself. */
static __always_inline struct eb_pub_val *eb_sock_pub(__u32 ip, __u16 port, __u32 kind, __u8 proto)
{
	struct eb_pub_key k = {};
	struct eb_pub_val *pub;
	struct eb_config *cfg;
	__u32 zero = 0;
	bool lo = (bpf_ntohl(ip) >> 24) == 127;

	if (lo && kind != EB_NS_HOST)
		return NULL;
	k.host_ip = ip;
	k.host_port = bpf_ntohs(port); /* the map's ports are host order */
	k.proto = proto;
	pub = bpf_map_lookup_elem(&eb_pub_ports, &k);
	if (pub)
		return pub;
	cfg = bpf_map_lookup_elem(&eb_config, &zero);
	if (!cfg)
		return NULL;
	/* A port published on every address: the host's own addresses. */
	if (!lo && ip != cfg->snat_ip && ip != cfg->gateway)
		return NULL;
	k.host_ip = 0;
	return bpf_map_lookup_elem(&eb_pub_ports, &k);
}

static __always_inline int eb_sock_xlate(struct bpf_sock_addr *ctx, __u8 proto)
{
	struct eb_sock_rev_key rk = {};
	struct eb_sock_rev_val rv = {};
	struct eb_pub_val *pub;
	__u32 kind = eb_ns_kind(ctx);

	if (!kind)
		return 1;
	pub = eb_sock_pub(ctx->user_ip4, (__u16)ctx->user_port, kind, proto);
	if (!pub)
		return 1;
	rk.cookie = bpf_get_socket_cookie(ctx);
	rk.ctr_ip = pub->ctr_ip;
	rk.ctr_port = bpf_htons(pub->ctr_port);
	rv.ip = ctx->user_ip4;
	rv.port = (__u16)ctx->user_port;
	bpf_map_update_elem(&eb_sock_rev, &rk, &rv, BPF_ANY);
	ctx->user_ip4 = pub->ctr_ip;
	ctx->user_port = rk.ctr_port;
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

/*
 * IPv6 (issue 16): the same translation for IPv6 sockets. A destination is
 * a published port when eb_pub_ports6 has its address (one IPv6 address of
 * the host, [::1] the host only), or when it is one of the host's IPv6
 * addresses (eb_host6, the network's gateway6; ::1 from the host) and the
 * port is published on every address (eb_pub_ports, host_ip 0). The
 * socket then goes to the container's IPv6 address, or, for a container
 * without one, to its IPv4 address as ::ffff:A.B.C.D: a dual-stack socket
 * connects to a v4-mapped address over IPv4 (tcp_v6_connect() and
 * ip6_datagram_connect() hand it to their IPv4 halves, past connect4). An
 * unconnected UDP socket cannot be sent that way: the kernel refuses a
 * v4-mapped address that sendmsg6 wrote (ENOTSUPP), so sendmsg6 leaves
 * such a datagram alone. A v4-mapped destination that the application
 * gave (::ffff:127.0.0.1) is translated as connect4 would translate it.
 */

static __always_inline void eb_ip6_get(const struct bpf_sock_addr *ctx, __u32 a[4])
{
	a[0] = ctx->user_ip6[0];
	a[1] = ctx->user_ip6[1];
	a[2] = ctx->user_ip6[2];
	a[3] = ctx->user_ip6[3];
}

static __always_inline void eb_ip6_set(struct bpf_sock_addr *ctx, const __u32 a[4])
{
	ctx->user_ip6[0] = a[0];
	ctx->user_ip6[1] = a[1];
	ctx->user_ip6[2] = a[2];
	ctx->user_ip6[3] = a[3];
}

static __always_inline bool eb_ip6_v4mapped(const __u32 a[4])
{
	return !a[0] && !a[1] && a[2] == bpf_htonl(0xffff);
}

static __always_inline bool eb_ip6_loopback(const __u32 a[4])
{
	return !a[0] && !a[1] && !a[2] && a[3] == bpf_htonl(1);
}

static __always_inline bool eb_ip6_eq(const __u32 a[4], const __u8 *b)
{
	__u32 w[4];

	__builtin_memcpy(w, b, 16);
	return a[0] == w[0] && a[1] == w[1] && a[2] == w[2] && a[3] == w[3];
}

/* Is a inside prefix/plen? */
static __always_inline bool eb_ip6_in(const __u32 a[4], const __u8 *prefix, __u32 plen)
{
	__u32 w[4];

	__builtin_memcpy(w, prefix, 16);
#pragma unroll
	for (int i = 0; i < 4; i++) {
		int bits = (int)plen - 32 * i;
		__u32 m;

		if (bits <= 0)
			break;
		m = bits >= 32 ? 0xffffffffU : bpf_htonl(~0U << (32 - bits));
		if ((a[i] ^ w[i]) & m)
			return false;
	}
	return true;
}

/* Is a one of the host's IPv6 addresses (::1 aside)? */
static __always_inline bool eb_host_ip6(const __u32 a[4])
{
	struct eb_config6 *c6 = eb_cfg6();
	struct eb_ip6_key k = {};

	if (c6 && eb_ip6_eq(a, c6->gateway))
		return true;
	__builtin_memcpy(k.addr, a, 16);
	return bpf_map_lookup_elem(&eb_host6, &k) != NULL;
}

/* The published port an IPv6 destination names, or NULL. ::1 is the host
 * only from the host's own namespace; in a container it is the container. */
static __always_inline struct eb_pub_val *eb_sock_pub6(const __u32 a[4], __u16 port, __u32 kind,
						       __u8 proto)
{
	struct eb_pub6_key k = {};
	struct eb_pub_key k4 = {};
	struct eb_pub_val *pub;
	bool lo = eb_ip6_loopback(a);

	if (lo && kind != EB_NS_HOST)
		return NULL;
	__builtin_memcpy(k.host_ip6, a, 16);
	k.host_port = bpf_ntohs(port); /* host order in the maps */
	k.proto = proto;
	pub = bpf_map_lookup_elem(&eb_pub_ports6, &k);
	if (pub)
		return pub;
	/* A port published on every address: the host's own addresses. */
	if (!lo && !eb_host_ip6(a))
		return NULL;
	k4.host_port = k.host_port;
	k4.proto = proto;
	return bpf_map_lookup_elem(&eb_pub_ports, &k4);
}

static __always_inline int eb_sock_xlate6(struct bpf_sock_addr *ctx, __u8 proto, bool connect)
{
	struct eb_sock_rev6_key rk = {};
	struct eb_sock_rev6_val rv = {};
	struct eb_pub_val *pub;
	__u16 port = (__u16)ctx->user_port;
	__u32 kind = eb_ns_kind(ctx);
	__u32 a[4], to[4];

	if (!kind)
		return 1;
	eb_ip6_get(ctx, a);
	if (eb_ip6_v4mapped(a)) {
		pub = connect ? eb_sock_pub(a[3], port, kind, proto) : NULL;
		if (!pub)
			return 1;
		to[0] = to[1] = 0;
		to[2] = bpf_htonl(0xffff);
		to[3] = pub->ctr_ip;
	} else {
		pub = eb_sock_pub6(a, port, kind, proto);
		if (!pub)
			return 1;
		if (!eb_ctr_ip6(pub->ctr_ip, to)) {
			/* An IPv4-only container: v4-mapped, connect only. */
			if (!connect)
				return 1;
			to[0] = to[1] = 0;
			to[2] = bpf_htonl(0xffff);
			to[3] = pub->ctr_ip;
		}
	}
	rk.cookie = bpf_get_socket_cookie(ctx);
	__builtin_memcpy(rk.ctr_ip6, to, 16);
	rk.ctr_port = bpf_htons(pub->ctr_port);
	__builtin_memcpy(rv.ip6, a, 16);
	rv.port = port;
	bpf_map_update_elem(&eb_sock_rev6, &rk, &rv, BPF_ANY);
	eb_ip6_set(ctx, to);
	ctx->user_port = rk.ctr_port;
	__sync_fetch_and_add(&pub->local, 1);
	eb_count(EB_CNT_SOCK_XLATE, 0);
	return 1;
}

/* Back to the address the application used, for translated sockets only. */
static __always_inline int eb_sock_untranslate6(struct bpf_sock_addr *ctx)
{
	struct eb_sock_rev6_key rk = {};
	struct eb_sock_rev6_val *rv;
	__u32 a[4], zero = 0;

	/* Only a peer in the network's subnets can be a translated one (as
	 * for IPv4: the array lookups spare every other accept() and
	 * recvmsg() the hash lookups below). */
	eb_ip6_get(ctx, a);
	if (eb_ip6_v4mapped(a)) {
		struct eb_config *cfg = bpf_map_lookup_elem(&eb_config, &zero);

		if (!cfg || (a[3] & cfg->mask) != cfg->subnet)
			return 1;
	} else {
		struct eb_config6 *c6 = eb_cfg6();

		if (!c6 || !eb_ip6_in(a, c6->prefix, c6->plen))
			return 1;
	}
	if (!eb_ns_kind(ctx))
		return 1;
	rk.cookie = bpf_get_socket_cookie(ctx);
	__builtin_memcpy(rk.ctr_ip6, a, 16);
	rk.ctr_port = (__u16)ctx->user_port;
	rv = bpf_map_lookup_elem(&eb_sock_rev6, &rk);
	if (rv) {
		__u32 b[4];

		__builtin_memcpy(b, rv->ip6, 16);
		eb_ip6_set(ctx, b);
		ctx->user_port = rv->port;
	}
	return 1;
}

SEC("cgroup/connect6")
int eb_connect6(struct bpf_sock_addr *ctx)
{
	if (ctx->type != SOCK_STREAM && ctx->type != SOCK_DGRAM)
		return 1;
	return eb_sock_xlate6(ctx, ctx->type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP, true);
}

SEC("cgroup/sendmsg6")
int eb_sendmsg6(struct bpf_sock_addr *ctx)
{
	return eb_sock_xlate6(ctx, IPPROTO_UDP, false);
}

SEC("cgroup/recvmsg6")
int eb_recvmsg6(struct bpf_sock_addr *ctx)
{
	return eb_sock_untranslate6(ctx);
}

SEC("cgroup/getpeername6")
int eb_getpeername6(struct bpf_sock_addr *ctx)
{
	return eb_sock_untranslate6(ctx);
}
