/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Seeing the datapath: counters summed over CPUs, a dry run of the real
 * programs against the live maps (trace), and the event stream (monitor).
 */
#ifndef EBNET_OBS_H
#define EBNET_OBS_H

#include <stdint.h>
#include "ebnet.h"

/* The name of a counter of enum eb_counter ("drop_spoof_mac"...), or NULL. */
const char *eb_counter_name(unsigned int idx);
const char *eb_counter_help(unsigned int idx);

struct eb_ctr_stat {
	char name[EB_NAME_LEN];
	uint32_t ifindex;
	struct eb_ctr_counters c;
};

struct eb_port_stat {
	struct eb_pub_key key;
	char name[EB_NAME_LEN];
	struct eb_counter_val c;
};

struct eb_stats_snap {
	struct eb_counter_val global[EB_CNT_MAX];
	int nctr;
	struct eb_ctr_stat ctr[EB_MAX_ENDPOINTS];
	int nport;
	struct eb_port_stat *port; /* malloc'd, up to EB_PUB_MAX */
};

int eb_stats_read(const char *net, struct eb_stats_snap *s, struct eb_err *e);
void eb_stats_free(struct eb_stats_snap *s);

/* One program's run count and run time, from the kernel's BPF statistics. */
struct eb_prog_stat {
	char name[64];
	uint64_t run_cnt, run_time_ns;
};
/* Pinned programs of a network; returns the count. */
int eb_prog_stats(const char *net, struct eb_prog_stat *out, int max);

/* ebnet trace */
struct eb_trace_req {
	const char *from; /* container name or "uplink" */
	uint8_t proto;	  /* IPPROTO_TCP, _UDP, _ICMP (IPv4), _ICMPV6 (IPv6) */
	uint8_t v6;	  /* an IPv6 packet: src6, dst6 (src, dst unused) */
	uint32_t src, dst;
	uint8_t src6[16], dst6[16];
	uint16_t sport, dport; /* host order; ICMP, ICMPv6: sport = echo id */
	const char *dns_query; /* UDP: the payload is a DNS query for this name */
	uint16_t dns_type;     /* its type (0: A, or PTR for *.in-addr.arpa) */
};

struct eb_trace_res {
	int verdict;	   /* TC verdict */
	uint32_t decision; /* enum eb_counter */
	uint32_t target;   /* ifindex the packet goes to, 0: none */
	char target_name[64];
	uint32_t copies;
	uint32_t out_len;
	unsigned char out[640]; /* the packet as the program left it */
};

int eb_trace(const char *net, const struct eb_trace_req *rq, struct eb_trace_res *rs,
	     struct eb_err *e);

/* One event of the ring, either family (struct eb_event or struct
 * eb_event6 as the datapath wrote it). */
struct eb_mon_event {
	uint64_t ts;
	uint32_t type; /* enum eb_event_type (EB_EV_F_IPV6 cleared) */
	uint32_t reason;
	uint32_t ifindex;
	uint8_t v6;    /* the addresses are IPv6 (else IPv4, in their first 4 bytes) */
	uint8_t proto;
	uint16_t sport, dport, xport; /* network order */
	uint8_t saddr[16], daddr[16], xaddr[16];
};

/* ebnet monitor: calls fn for each event until fn returns non-zero or
 * *stop is set; max_ms 0 runs until then. */
typedef int (*eb_event_fn)(const struct eb_mon_event *ev, void *ctx);
int eb_monitor(const char *net, eb_event_fn fn, void *ctx, volatile int *stop, int max_ms,
	       struct eb_err *e);

#endif
