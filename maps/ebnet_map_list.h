/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every pinned map of a network, listed once. The loader's map table
 * (loader/pins.c), the map fds of struct eb_dp and their indexes
 * (loader/dp.h), eb_dp_init()/eb_dp_close(), `ebnet ls`'s map memory and
 * the upgrade's retired maps (loader/upgrade.c) are made of these lists;
 * bpf/lib/maps.h does not build when a listed map is missing there, and
 * tests/unit/test_maplist.c checks every built-in object against them both
 * ways (names, key and value sizes, no retired name reused).
 *
 * EB_MAPS_DP: the maps that user space opens with every network, into
 * struct eb_dp (eb_dp_open):
 *   X(ID, ident, field, key, value, flags)
 *     ID     its pin name is EB_MAP_<ID> (maps/ebnet_maps.h), equal to ident
 *     ident  the map's name in bpf/lib/maps.h
 *     field  its fd in struct eb_dp (dp->field; dp->map_fd[EB_DPM_<ID>])
 *     key, value  its key and value types (void: not checked, as a ring
 *            buffer's, which has none, or a type the BPF side keeps)
 *     flags  EB_MAPF_* (EB_MAPF_LS_MEM counts only here)
 * EB_MAPS_OTHER: the other pinned maps of bpf/lib/maps.h, opened with
 * eb_pin_open() by the module that uses them, or by nobody in user space:
 *   X(ID, ident, key, value, flags)
 * EB_MAPS_OWN: the same, of a map that one object declares for itself.
 *
 * A row of EB_MAPS_DP is appended, never moved: only names are ABI, but
 * appending keeps the fds of struct eb_dp in the order they had.
 */
#ifndef EBNET_MAP_LIST_H
#define EBNET_MAP_LIST_H

#include "ebnet_maps.h"

#define EB_MAPF_SIZED  (1U << 0) /* max_entries is a setting of `up` (--ct-size) */
#define EB_MAPF_GROWS  (1U << 1) /* an earlier build's may be smaller: read as far as
				  * it goes, the upgrade grows it */
#define EB_MAPF_LS_MEM (1U << 2) /* counted in `ebnet ls`'s map memory */

#define EB_MAPS_DP(X)                                                                              \
	X(CONFIG, eb_config, cfg, __u32, struct eb_config, EB_MAPF_LS_MEM)                         \
	X(ENDPOINTS, eb_endpoints, endpoints, struct eb_ip_key, struct eb_endpoint, EB_MAPF_LS_MEM) \
	X(PORTS, eb_ports, ports, struct eb_ifindex_key, struct eb_endpoint, EB_MAPF_LS_MEM)       \
	X(FDB, eb_fdb_v2, fdb, struct eb_mac_key, struct eb_fdb_entry, EB_MAPF_LS_MEM)             \
	X(FLOOD, eb_flood, flood, __u32, __u32, EB_MAPF_LS_MEM)                                    \
	X(STATS, eb_stats, stats, __u32, struct eb_counter_val, EB_MAPF_LS_MEM | EB_MAPF_GROWS)    \
	X(CT_TCP, eb_ct_tcp, ct_tcp, struct eb_ct_key, struct eb_ct_entry,                         \
	  EB_MAPF_LS_MEM | EB_MAPF_SIZED)                                                          \
	X(CT_OTHER, eb_ct_other, ct_other, struct eb_ct_key, struct eb_ct_entry,                   \
	  EB_MAPF_LS_MEM | EB_MAPF_SIZED)                                                          \
	X(PUBLISHED, eb_pub_ports, published, struct eb_pub_key, struct eb_pub_val, 0)             \
	X(NETNS, eb_netns, netns, __u64, __u32, 0)                                                 \
	X(CTR_STATS, eb_ctr_slots, ctr_slots, __u32, struct eb_ctr_counters, 0)                    \
	X(PORT_STATS, eb_pub_stats, port_stats, struct eb_pub_key, struct eb_counter_val, 0)

#define EB_MAPS_OTHER(X)                                                                           \
	X(CT_CONF, eb_ct_conf, __u32, struct eb_ct_conf, 0)                                        \
	X(SOCK_REV, eb_sock_rev, struct eb_sock_rev_key, struct eb_sock_rev_val, 0)                \
	X(EVENTS, eb_events, void, void, 0)                                                        \
	X(MONITOR, eb_monitor, __u32, __u64, 0)                                                    \
	X(FRAGS, eb_frags, struct eb_frag_key, struct eb_frag_val, 0)                              \
	X(BUILD, eb_build, __u32, struct eb_build, 0)                                              \
	X(UPLINK, eb_uplink, __u32, struct eb_uplink_rec, 0)                                       \
	X(NAMES, eb_names, struct eb_name_key, struct eb_name_val, 0)                              \
	X(NAMES_REV, eb_names_rev, struct eb_ip_key, struct eb_name_rev, 0)                        \
	X(DNS, eb_dns, __u32, struct eb_dns_cfg, 0)                                                \
	X(DNS_FWD, eb_dns_fwd, struct eb_dns_fwd_key, struct eb_dns_fwd_val, 0)                    \
	X(DNS_TRY, eb_dns_try, struct eb_dns_fwd_key, struct eb_dns_try, 0)                        \
	X(CONFIG6, eb_config6, __u32, struct eb_config6, 0)                                        \
	X(IP6, eb_ip6, struct eb_ip6_key, struct eb_ip6_ep, 0)                                     \
	X(CT6_TCP, eb_ct6_tcp, struct eb_ct6_key, struct eb_ct6_entry, EB_MAPF_SIZED)              \
	X(CT6_OTHER, eb_ct6_other, struct eb_ct6_key, struct eb_ct6_entry, EB_MAPF_SIZED)          \
	X(PUBLISHED6, eb_pub_ports6, struct eb_pub6_key, struct eb_pub_val, 0)                     \
	X(SOCK_REV6, eb_sock_rev6, struct eb_sock_rev6_key, struct eb_sock_rev6_val, 0)            \
	X(HOST6, eb_host6, struct eb_ip6_key, __u32, 0)                                            \
	X(ADDR6, eb_addr6, struct eb_ip_key, struct eb_addr6, 0)

/* Pinned maps that one object declares for itself, not bpf/lib/maps.h:
 * X(ID, ident, key, value, flags) as above. */
#define EB_MAPS_OWN(X) X(GC, eb_gc, __u32, void, 0) /* bpf/gc.bpf.c: the sweeper's timer */

/* Names of earlier layouts, never to be used again (a pinned map of that
 * name may still be on a host): X(OLD_ID, NOW_ID), EB_MAP_<OLD_ID> replaced
 * by EB_MAP_<NOW_ID>. loader/upgrade.c has a row of steps for each, run in
 * this order. */
#define EB_MAPS_RETIRED(X)                                                                         \
	X(OLD_FDB, FDB)                                                                            \
	X(OLD_STATS, STATS)                                                                        \
	X(OLD_CTR_STATS, CTR_STATS)                                                                \
	X(OLD_PUBLISHED, PUBLISHED)                                                                \
	X(OLD_PUBLISHED6, PUBLISHED6)                                                              \
	X(OLD_PORT_STATS, PORT_STATS)

/* Indexes of the maps of struct eb_dp: dp->map_fd[EB_DPM_CONFIG]... */
#define EB_DPM_ENUM(id, ident, field, key, value, flags) EB_DPM_##id,
enum eb_dp_map { EB_MAPS_DP(EB_DPM_ENUM) EB_DP_NMAPS };
#undef EB_DPM_ENUM

/* ...and of the retired maps: EB_RET_OLD_FDB... */
#define EB_RET_ENUM(old, now) EB_RET_##old,
enum eb_retired_map { EB_MAPS_RETIRED(EB_RET_ENUM) EB_NRETIRED };
#undef EB_RET_ENUM

#endif
