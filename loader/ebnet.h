/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libebnet: what the `ebnet` command does, as a library for container
 * runtimes. Every function returns 0 or a negative errno and, on failure,
 * says why in struct eb_err. Nothing here prints or exits.
 *
 * Functions that change a network take a lock (/run/lock/ebnet.lock) for
 * their whole run, so concurrent callers see each other's changes whole.
 */
#ifndef EBNET_H
#define EBNET_H

#include <stdbool.h>
#include <stdint.h>
#include "util.h"
#include "dp.h"
#include "ebnet_maps.h"
#include "ebnet_names.h"

#define EB_DEFAULT_NET	  "ebnet0"
#define EB_DEFAULT_SUBNET "172.18.0.0/16"
#define EB_LOCK_FILE	  "/run/lock/ebnet.lock"

/* XDP on the uplink (bpf/uplink_xdp.bpf.c), in front of the TC program. */
enum eb_xdp_mode {
	EB_XDP_KEEP = 0, /* a new network: off; an existing one: as it was made */
	EB_XDP_AUTO,	 /* native XDP where the driver has it, but not on a veth */
	EB_XDP_NATIVE,	 /* native XDP, or an error */
	EB_XDP_OFF,	 /* TC only */
};

struct eb_up_opts {
	const char *net;
	uint32_t subnet; /* network order; 0 with plen 0: default or keep */
	int plen;
	const char *uplink; /* NULL: the default route's device */
	enum eb_attach attach;
	enum eb_xdp_mode xdp;
	bool verbose;
	uint32_t snat_ip;	   /* 0: the uplink's first IPv4 address */
	unsigned int ct_tcp_size;  /* 0: default */
	unsigned int ct_other_size;
	uint16_t nat_port_min;	   /* 0: outside the host's ephemeral range */
	uint16_t nat_port_max;
	struct eb_names_opts names; /* --domain, --dns, --alias */
	unsigned int mtu;	   /* containers' MTU; 0: the uplink's (or the network's) */
	bool ipv6;		   /* --ipv6: IPv6 too (an existing network gains it) */
	uint8_t subnet6[16];	   /* --subnet6; plen6 0: the ULA of the name */
	int plen6;
	uint8_t snat_ip6[16];	   /* --snat-ip6; all 0: the uplink's first global IPv6 address */
	int nat6;		   /* --nat6: EB_NAT6_KEEP (a new network: on), _ON, _OFF */
};

enum { EB_NAT6_KEEP = 0, EB_NAT6_ON, EB_NAT6_OFF };

#define EB_MTU_MIN 576
#define EB_MTU_MAX 65535

#define EB_DEFAULT_CT_TCP   EB_CT_TCP_ENTRIES
#define EB_DEFAULT_CT_OTHER EB_CT_OTHER_ENTRIES
#define EB_CT_SIZE_MIN	    64
#define EB_CT_SIZE_MAX	    (1U << 22)

struct eb_ctr_req {
	const char *name;
	uint32_t ip;	/* 0: the next free address */
	uint8_t ip6[16]; /* on an IPv6 network; all 0: the prefix + the IPv4 host number
			  * (or the next free address from there, if that one is given
			  * to another container) */
};

struct eb_net_info {
	char name[64];
	struct eb_config cfg;
	struct eb_config6 cfg6; /* flags 0: no IPv6 */
	char uplink[16];
	char uplink_attach[8]; /* "tcx", "clsact", or "" (no program on the uplink) */
	unsigned long long map_bytes; /* memory the network's maps hold */
	int nctr;
	struct eb_endpoint ctr[EB_MAX_ENDPOINTS];
	/* As the host has them now (loader/health.h): "ok", "none" (no
	 * uplink) or what is wrong; per container "ready", "degraded: WHAT"
	 * or "incomplete ...". */
	char uplink_state[160];
	char ctr_state[EB_MAX_ENDPOINTS][96];
	/* Each container's IPv6 address as eb_ip6 has it; all zero: none. */
	uint8_t ctr_ip6[EB_MAX_ENDPOINTS][16];
};

/* One setting of o by its `ebnet up` option name without "--" (subnet,
 * uplink, attach, xdp, snat-ip, nat-ports, ct-tcp-size, ct-other-size,
 * domain, dns: ADDR[,ADDR]), from
 * its text; val must outlive o. -EINVAL (bad value) or -ENOENT (no such
 * setting), with the reason in why. eb_up_opt_names lists the names. */
int eb_up_opt_set(struct eb_up_opts *o, const char *key, const char *val, char *why, size_t wl);
extern const char *const eb_up_opt_names[];

/* IPv6 (loader/ipv6.c). A prefix /48 to /120 with no host bits: 0 or
 * -EINVAL. */
int eb_parse_cidr6(const char *s, uint8_t net[16], int *plen);
/* The default IPv6 subnet of a network: fdXX:XXXX:XXXX::/64, 40 bits of a
 * hash of its name (RFC 4193's ULA, with the name in place of the
 * random bits, so that the same name gives the same prefix). */
void eb_ula_for(const char *net, uint8_t out[16]);
/* A container's default IPv6 address: the prefix with its IPv4 host number
 * in the last 32 bits. */
void eb_ip6_for(const struct eb_config6 *c6, const struct eb_config *cfg, uint32_t ip4,
		uint8_t out[16]);
/* The IPv6 address of the container whose IPv4 address is ip4 (stored in
 * eb_addr6), when it is in place (eb_ip6 lists it): 0 or -ENOENT. */
int eb_ctr_addr6(const char *net, uint32_t ip4, uint8_t out[16]);
/* The network's eb_config6 (zeroed when it has none): 0 or -ENOENT. */
int eb_config6_get(const char *net, struct eb_config6 *out);

int eb_lock(struct eb_err *e);
void eb_unlock(int fd);

/* Creates the network if absent, then every container that does not exist
 * yet; an existing container keeps its address, a half-made one is redone. */
int eb_up(const struct eb_up_opts *o, const struct eb_ctr_req *ctrs, int n, struct eb_err *e);
/* Removes containers of the network; an unknown name is an error and
 * nothing is removed. */
int eb_rm(const char *net, char **names, int n, struct eb_err *e);
/* Removes the network and all its containers; 0 if there is none. */
int eb_down(const char *net, struct eb_err *e);
/* Fills info for one network. */
int eb_net_info(const char *net, struct eb_net_info *info, struct eb_err *e);
/* Names of the networks that exist, at most max; returns the count. */
/* Networks on this host, at most: every command that looks across
 * networks (container lookup, port conflicts, NAT ranges, ls) sees them
 * all, and `up` refuses one more. */
#define EB_MAX_NETS 256
int eb_net_list(char names[][64], int max);
/* Is this namespace the host of the network (where its `up` ran)? */
bool eb_net_is_here(const char *net);
/* The network a container belongs to; -ENOENT if none. */
int eb_find_container(const char *name, char *net, size_t netlen, struct eb_endpoint *ep);

/*
 * Attachments: a port of the network for a namespace that another tool made
 * (`ebnet attach`, the CNI plugin, the Docker driver), over the same steps
 * as `up`'s containers: record first, programs on the host end before any
 * link is up. The record (eb_endpoints, flag EB_EP_ATTACHED) has a short
 * name; the runtime's own key, which may be longer, is kept with the rest
 * of what the maps do not hold in a state file under the state dir
 * ($EBNET_STATE_DIR, default /var/lib/ebnet): attach/NET/NAME, written
 * atomically. The namespace is never removed by ebnet.
 */
#define EB_STATE_DIR_ENV     "EBNET_STATE_DIR"
#define EB_DEFAULT_STATE_DIR "/var/lib/ebnet"
#define EB_ATTACH_ID_MAX     256 /* NUL included */
#define EB_LABEL_MAX	     128

struct eb_attach_req {
	/* The runtime's key: CNI's CONTAINERID + "/" + IFNAME, a Docker
	 * endpoint id, `attach`'s NAME. A valid container name is used as
	 * the record's name as it is; any other gets a name derived from it. */
	const char *id;
	const char *owner; /* "cni", "docker", ...; NULL: "attach". GC of an
			    * owner touches only its own attachments. */
	const char *label; /* K8S_POD_NAME, podman's name; may be NULL */
	/* The namespace to put the interface in. NULL: the peer stays in
	 * this (the host's) namespace as ifname, down and unconfigured, for
	 * the caller to move (Docker does so itself). */
	const char *netns;
	/* With netns given: the peer still stays in this namespace (as with
	 * netns NULL), and netns only names the namespace that the caller
	 * will move it to: its cookie for published ports reached from the
	 * container, `ebnet exec`. Docker's Join, which knows SandboxKey. */
	bool host_peer;
	const char *ifname; /* NULL: "eth0" */
	uint32_t ip;	    /* 0: the next free address */
	/* The IPv6 address (16 bytes) on a network with IPv6, checked as
	 * `up NAME=IPV4,IPV6`'s and stored as given; NULL: the stored or
	 * default one (Docker's IPAM gives it). */
	const uint8_t *ip6;
	const uint8_t *mac; /* NULL: derived from the address */
	bool configure;	    /* netns only: address, up, default route inside */
	/* More names of the container, answered as its own (CNI's
	 * "aliases" capability). One that is not a DNS name, or that
	 * another container of the network has, is left out and listed in
	 * the result's aliases_skipped: a name is no reason to fail a
	 * container's start. */
	const char *const *aliases;
	int naliases;
};

struct eb_attach_res {
	char name[EB_NAME_LEN]; /* the record's: `ebnet ls`, publish, rm */
	uint32_t ip, gateway;
	int plen;
	uint8_t mac[6];
	char host_ifname[16];
	int host_ifindex;
	uint8_t host_mac[6];
	uint64_t netns_cookie; /* 0 when not known (netns NULL) */
	char aliases_skipped[256]; /* "name (why), ..."; empty: all taken */
	uint8_t ip6[16], gateway6[16]; /* when the network has IPv6 */
	int plen6;		       /* 0: no IPv6 */
};

struct eb_attach_info {
	char net[64];
	char name[EB_NAME_LEN];
	char id[EB_ATTACH_ID_MAX];
	char owner[16];
	char label[EB_LABEL_MAX];
	char netns[256];
	char ifname[16];
	bool host_peer;
	bool have_ep; /* ep is valid: the record exists */
	bool alive;   /* record ready and its host end there (a namespace that
		       * goes takes the veth pair with it) */
	struct eb_endpoint ep;
};

/* Creates the network on first use (as eb_up with no container), then the
 * attachment. An attachment of the same id is made again (same address
 * unless r->ip says otherwise). Attachments whose namespace is gone are
 * reclaimed first. A failure leaves nothing of the new attachment. */
int eb_attach(const struct eb_up_opts *net, const struct eb_attach_req *r,
	      struct eb_attach_res *res, struct eb_err *e);
/* Removes the attachment of id (its published ports and flows too); 0 if
 * there is none. net NULL: whichever network has it. */
int eb_detach(const char *net, const char *id, struct eb_err *e);
/* The namespace that an attachment made with its peer left here (Docker's
 * Join) went into, once it exists: its cookie goes in eb_netns (published
 * ports reached from the container at the host's address) and in the
 * state. Idempotent. */
int eb_attach_netns(const char *net, const char *id, const char *netns, struct eb_err *e);
/* The attachment of id; -ENOENT if none. net NULL: any network. */
int eb_attach_get(const char *net, const char *id, struct eb_attach_info *out, struct eb_err *e);
/* Every attachment of net (NULL: of every network), at most max; returns
 * the count. */
int eb_attach_list(const char *net, struct eb_attach_info *out, int max, struct eb_err *e);
/* 0 if everything of the attachment is in place (record, FDB, port map,
 * program, host address and route, and inside its namespace the device,
 * address and default route when it was configured); -ENOENT when there
 * is no such attachment; otherwise an error naming what is missing. */
int eb_attach_check(const char *net, const char *id, struct eb_err *e);
/* Removes the attachments of net whose namespace is gone, and, when keep
 * is not NULL, those of owner whose id is not among keep[0..nkeep-1].
 * Returns how many went. */
int eb_attach_gc(const char *net, const char *owner, const char *const *keep, int nkeep,
		 struct eb_err *e);
/* The state dir (EBNET_STATE_DIR or the default) into buf. */
const char *eb_state_dir(char *buf, size_t len);

/* A new network's settings that depend only on its subnet: mask, gateway
 * (the first host), conntrack lifetimes and sizes (0: the defaults). The
 * rest of cfg is left as it is. `up` starts from these; so do the tests. */
void eb_config_defaults(struct eb_config *cfg, uint32_t subnet, int plen, uint32_t ct_tcp_size,
			uint32_t ct_other_size);

#endif
