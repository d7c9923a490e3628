/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside libebnet: one network's working set and the steps that make and
 * remove a container's port, shared by net.c (`up`, `rm`, `down`) and
 * attach.c (namespaces that another tool made: `attach`, the CNI plugin,
 * the Docker driver). Not an API: callers outside loader/ use ebnet.h.
 * Everything here runs under eb_lock().
 */
#ifndef EB_NET_PRIV_H
#define EB_NET_PRIV_H

#include "ebnet.h"
#include "nl.h"

struct eb_ctx {
	const char *net;
	struct eb_nl nl;
	struct eb_dp dp;
	struct eb_config cfg;
	struct eb_endpoint *eps; /* records, loaded once */
	int neps;
	unsigned char slot_used[EB_MAX_ENDPOINTS];
	enum eb_attach port_attach;   /* container ports: see ports_attach() */
	enum eb_attach uplink_attach; /* the uplink */
	bool ready;		      /* ctx_ready() done */
	bool load_failed;	      /* ...failed: the programs did not load, or XDP */
	enum eb_xdp_mode xdp;	      /* as asked for by `up` */
	unsigned int mtu;	      /* new containers' MTU (see up_mtu) */
	struct eb_err *e;
};

/* A container being made: its namespace and a netlink socket in it,
 * open from ctr_prepare() to ctr_finish(). */
struct ctr_work {
	struct eb_endpoint *ep;
	struct eb_nl cnl;
	int nsfd;
	int eth0; /* ifindex of its eth0 */
	/* An attachment (ep->flags has EB_EP_ATTACHED): the caller opened
	 * nsfd (-1: the peer stays in this namespace, host_peer), the peer is
	 * named peer, and the inside is configured only when configure. */
	const char *peer;
	bool host_peer;
	bool configure;
	__u64 cookie; /* of the namespace the peer went to; 0: unknown */
};

/* The pinned eb_endpoints of net (an fd, or a negative errno), and all its
 * records (the count). */
int open_endpoints_of(const char *net);
int load_endpoints(int fd, struct eb_endpoint *out, int max);
void ctx_zero(struct eb_ctx *c);
int ctx_open(struct eb_ctx *c, const char *net, bool create, const struct eb_dp_sizes *sz,
	     bool verbose, struct eb_err *e);
void ctx_close(struct eb_ctx *c);
int ctx_ready(struct eb_ctx *c);
enum eb_attach ports_attach(enum eb_attach asked, __u32 cfg_flags);
struct eb_endpoint *ctx_find_name(struct eb_ctx *c, const char *name);
struct eb_endpoint *ctx_find_ip(struct eb_ctx *c, uint32_t ip);
/* Is ip free in c (not the gateway, no record has it)? */
bool ctx_ip_taken(struct eb_ctx *c, uint32_t ip);
int pick_host_dev(struct eb_ctx *c, const char *name, char out[EB_IFNAME_LEN]);
int ctr_prepare(struct eb_ctx *c, struct ctr_work *w);
int ctr_finish(struct eb_ctx *c, struct ctr_work *w);
void ctr_work_close(struct ctr_work *w);
int ctrs_teardown(struct eb_ctx *c, struct eb_endpoint **eps, int n, bool keep_record, bool maps);
/* Drops the records in c->eps that are gone from the map (after a
 * teardown), so that c matches the maps again. */
void ctx_reload(struct eb_ctx *c);

/* attach.c: what an attachment keeps beside its record. */
void eb_att_unhook(struct eb_ctx *c, const struct eb_endpoint *ep);
void eb_att_state_del(const char *net, const char *name);
void eb_att_state_del_net(const char *net);

/* The MTU of new containers into c->mtu (--mtu, the containers', the
 * uplink's); -EEXIST with a message when --mtu differs from theirs. */
int up_mtu(struct eb_ctx *c, const struct eb_up_opts *o);
/* IPv6, first part (loader/ipv6.c): the request checked before anything
 * changes; the network's IPv6 settings and every container's addresses
 * put in place (idempotent); a container's eb_ip6 entry removed. */
int ipv6_check(const struct eb_up_opts *o, const struct eb_config *cfg, bool exists,
	       struct eb_err *e);
int ipv6_sync(struct eb_ctx *c, const struct eb_up_opts *o);
void ipv6_forget(struct eb_ctx *c, const struct eb_endpoint *ep);
/* An attachment's IPv6 when the network has it: inside nsfd on ifname
 * (nsfd < 0: the runtime configures it), the host side, its eb_ip6 entry;
 * the address, prefix length and gateway out (plen 0: no IPv6). */
int ipv6_attach(struct eb_ctx *c, const struct eb_endpoint *ep, int nsfd, const char *ifname,
		uint8_t addr[16], int *plen, uint8_t gateway[16]);
/* info->cfg6 and each container's address (`ebnet ls`). */
void ipv6_info(const char *net, struct eb_net_info *info);

#endif
