/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside libebnet: one network's working set and the steps that make and
 * remove a container's port, shared by the commands (up.c, down.c) and
 * attach.c (namespaces that another tool made: `attach`, the CNI plugin,
 * the Docker driver). Not an API: callers outside loader/ use ebnet.h.
 * Everything here runs under eb_lock(). By file, each section below:
 *   ctx.c       struct eb_ctx: one network's working set
 *   networks.c  the networks of this host, the lock, `ls`
 *   container.c making and removing a container's port
 *   uplink.c    the NAT port range, the uplink's programs
 *   up.c        `up`, in steps; ctx_ready (what needs the programs)
 *   up_check.c  `up`'s request checked before anything changes
 *   down.c      `rm`, `down`
 *   ipv6.c, addr6.c, attach_state.c (their parts)
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

/* networks.c: the networks of this host. */
/* The pinned eb_endpoints of net (an fd, or a negative errno), and all its
 * records (the count). */
int open_endpoints_of(const char *net);
int load_endpoints(int fd, struct eb_endpoint *out, int max);
/* Does another network than net use this uplink (and so the clsact qdisc
 * on it)? */
bool uplink_shared(const char *net, __u32 ifindex);

/* ctx.c: one network's working set. */
void ctx_zero(struct eb_ctx *c);
int ctx_open(struct eb_ctx *c, const char *net, bool create, const struct eb_dp_sizes *sz,
	     bool verbose, struct eb_err *e);
void ctx_close(struct eb_ctx *c);
enum eb_attach ports_attach(enum eb_attach asked, __u32 cfg_flags);
struct eb_endpoint *ctx_find_name(struct eb_ctx *c, const char *name);
struct eb_endpoint *ctx_find_ip(struct eb_ctx *c, uint32_t ip);
/* Is ip free in c (not the gateway, no record has it)? */
bool ctx_ip_taken(struct eb_ctx *c, uint32_t ip);
/* c->cfg into eb_config; a container's record into eb_endpoints (and
 * eb_ports, once it has a port). 0 or a negative errno, said in c->e. */
int ctx_write_cfg(struct eb_ctx *c);
int ctx_put_ep(struct eb_ctx *c, const struct eb_endpoint *ep);
/* Drops the records in c->eps that are gone from the map (after a
 * teardown), so that c matches the maps again. */
void ctx_reload(struct eb_ctx *c);

/* container.c: making and removing a container's port. */
#define EB_UP_BATCH 128 /* containers prepared at once: two fds each */
/* The cookie of the network namespace a socket lives in. */
int sock_netns_cookie(int fd, __u64 *cookie);
int pick_host_dev(struct eb_ctx *c, const char *name, char out[EB_IFNAME_LEN]);
int ctr_prepare(struct eb_ctx *c, struct ctr_work *w);
int ctr_finish(struct eb_ctx *c, struct ctr_work *w);
/* ctr_finish() on each prepared container of work (n of them, at most
 * EB_UP_BATCH); after an error, the rest are closed. */
int finish_batch(struct eb_ctx *c, struct ctr_work *work, int n);
void ctr_work_close(struct ctr_work *w);
/* Is the container whole (READY, its namespace and port there)? */
bool ctr_healthy(struct eb_ctx *c, const struct eb_endpoint *ep);
int ctrs_teardown(struct eb_ctx *c, struct eb_endpoint **eps, int n, bool keep_record, bool maps);
int ctr_teardown(struct eb_ctx *c, struct eb_endpoint *ep, bool keep_record);

/* uplink.c: the NAT port range, the uplink's programs. */
/* cfg->nat_port_min/max for a new network: o's, or a free slice. */
int choose_nat_range(const struct eb_up_opts *o, struct eb_config *cfg, struct eb_err *e);
/* eb_from_uplink on the uplink the config names; eb_xdp_uplink per want
 * (and the config). Idempotent: `up` heals them. */
int ensure_uplink(struct eb_ctx *c);
int ensure_xdp(struct eb_ctx *c, enum eb_xdp_mode want);

/* attach_state.c: what an attachment keeps beside its record. */
void eb_att_unhook(struct eb_ctx *c, const struct eb_endpoint *ep);
void eb_att_state_del(const char *net, const char *name);
void eb_att_state_del_net(const char *net);

/* up.c: the programs loaded and opened, then what needs them (clsact
 * filters after an upgrade, the uplink, the cgroup hooks); once per `up`. */
int ctx_ready(struct eb_ctx *c);

/* One `ebnet up` (eb_up in up.c): what its steps share. */
struct up_run {
	const struct eb_up_opts *o;
	const struct eb_ctr_req *ctrs; /* the request (and, once up_add_broken ran,
					* the broken containers to rebuild) */
	int n;
	struct eb_err *e;
	struct eb_dp_sizes sizes;
	bool exists;		/* the network was there before */
	struct eb_config cfg;	/* the network's settings, checked or chosen */
	struct eb_ctx c;
	struct eb_nl nl;	/* a new network's checks */
	uint32_t *want;		/* each container's address */
	struct ctr_work *work;	/* the batch being made */
	int nwork;
	struct eb_ctr_req *req; /* ctrs, when up_add_broken made it */
};

/* up_check.c: `up`'s request checked before anything changes. */
/* The request against an existing network's settings (opening it into
 * r->c); a new network's settings chosen into r->cfg; room in the subnet
 * for the new containers. */
int up_check_existing(struct up_run *r);
int up_settle_new(struct up_run *r);
int up_check_room(struct up_run *r);
/* Names and addresses of the containers asked for (c: the network, when
 * it exists). */
int validate_up(const struct eb_up_opts *o, const struct eb_ctr_req *ctrs, int n,
		const struct eb_config *cfg, struct eb_ctx *c, struct eb_err *e);
/* The MTU of new containers into c->mtu (--mtu, the containers', the
 * uplink's); -EEXIST with a message when --mtu differs from theirs. */
int up_mtu(struct eb_ctx *c, const struct eb_up_opts *o);
/* IPv6, first part (loader/ipv6.c, addr6.c): the request checked before anything
 * changes (the network's settings; the addresses given, c NULL for a new
 * network); every container's address chosen and stored (eb_addr6) before
 * any port is made, want[i] being ctrs[i]'s IPv4 address; the network's
 * IPv6 settings and every container's addresses put in place
 * (idempotent); a container's eb_ip6 entry removed, and its stored
 * address unless keep_addr (the container made again). */
int ipv6_check(const struct eb_up_opts *o, const struct eb_config *cfg, bool exists,
	       struct eb_err *e);
int ipv6_check_ctrs(const struct eb_up_opts *o, const struct eb_ctr_req *ctrs, int n,
		    struct eb_ctx *c, struct eb_err *e);
int ipv6_plan(struct eb_ctx *c, const struct eb_up_opts *o, const struct eb_ctr_req *ctrs,
	      const uint32_t *want, int n);
int ipv6_sync(struct eb_ctx *c, const struct eb_up_opts *o);
void ipv6_forget(struct eb_ctx *c, const struct eb_endpoint *ep, bool keep_addr);
/* An attachment's IPv6 when the network has it: inside nsfd on ifname
 * (nsfd < 0: the runtime configures it), the host side, its eb_ip6 entry;
 * the address, prefix length and gateway out (plen 0: no IPv6). want (NULL:
 * stored or chosen) is checked and stored as given first; on a network
 * without IPv6 it is refused. */
int ipv6_attach(struct eb_ctx *c, const struct eb_endpoint *ep, int nsfd, const char *ifname,
		const uint8_t *want, uint8_t addr[16], int *plen, uint8_t gateway[16]);
/* info->cfg6 and each container's address (`ebnet ls`). */
void ipv6_info(const char *net, struct eb_net_info *info);

#endif
