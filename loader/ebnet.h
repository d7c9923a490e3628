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
};

#define EB_DEFAULT_CT_TCP   65536
#define EB_DEFAULT_CT_OTHER 32768
#define EB_CT_SIZE_MIN	    64
#define EB_CT_SIZE_MAX	    (1U << 22)

struct eb_ctr_req {
	const char *name;
	uint32_t ip; /* 0: the next free address */
};

struct eb_net_info {
	char name[64];
	struct eb_config cfg;
	char uplink[16];
	char uplink_attach[8]; /* "tcx", "clsact", or "" (no program on the uplink) */
	unsigned long long map_bytes; /* memory the network's maps hold */
	int nctr;
	struct eb_endpoint ctr[EB_MAX_ENDPOINTS];
};

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
int eb_net_list(char names[][64], int max);
/* Is this namespace the host of the network (where its `up` ran)? */
bool eb_net_is_here(const char *net);
/* The network a container belongs to; -ENOENT if none. */
int eb_find_container(const char *name, char *net, size_t netlen, struct eb_endpoint *ep);

#endif
