/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Map definitions of one network instance. Every object that includes this
 * declares the same maps; libbpf pins them by name under the network's pin
 * folder (/sys/fs/bpf/ebnet/NET/), so all programs of a network share them.
 * Structs and names come from maps/ebnet_maps.h.
 */
#ifndef EB_LIB_MAPS_H
#define EB_LIB_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../../maps/ebnet_maps.h"

/* 0 -> the network's settings; written by ebnet up. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct eb_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_config SEC(".maps");

/* 0 -> conntrack settings added later (0: the default); written by ebnet up. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct eb_ct_conf);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_ct_conf SEC(".maps");

/* container IPv4 -> endpoint; written by ebnet up/rm. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EB_MAX_ENDPOINTS);
	__type(key, struct eb_ip_key);
	__type(value, struct eb_endpoint);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_endpoints SEC(".maps");

/* host-side veth ifindex -> endpoint; written by ebnet up/rm. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EB_MAX_ENDPOINTS);
	__type(key, struct eb_ifindex_key);
	__type(value, struct eb_endpoint);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_ports SEC(".maps");

/* container MAC -> host-side port and slot (static FDB); written by ebnet
 * up/rm. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EB_MAX_ENDPOINTS);
	__type(key, struct eb_mac_key);
	__type(value, struct eb_fdb_entry);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_fdb_v2 SEC(".maps");

/* flood slot -> host-side ifindex (0 = free); written by ebnet up/rm. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EB_MAX_ENDPOINTS);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_flood SEC(".maps");

/* enum eb_counter -> packets and bytes, per CPU; written by the datapath. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EB_CNT_MAX);
	__type(key, __u32);
	__type(value, struct eb_counter_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_stats SEC(".maps");

/* Conntrack, TCP: flow tuple -> NAT binding and state (struct eb_ct_entry).
 * Written by the datapath; max_entries set by ebnet up (--ct-size). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EB_CT_TCP_ENTRIES);
	__type(key, struct eb_ct_key);
	__type(value, struct eb_ct_entry);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_ct_tcp SEC(".maps");

/* Conntrack, UDP and ICMP echo: apart from TCP, so that a UDP storm cannot
 * crowd out TCP flows. Written by the datapath. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EB_CT_OTHER_ENTRIES);
	__type(key, struct eb_ct_key);
	__type(value, struct eb_ct_entry);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_ct_other SEC(".maps");

/* published host ip:port/proto -> container; written by ebnet publish. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EB_PUB_MAX);
	__type(key, struct eb_pub_key);
	__type(value, struct eb_pub_val);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_pub_ports SEC(".maps");

/* (socket cookie, container ip:port) -> address asked for; written by the
 * sock_addr programs. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, EB_SOCK_REV_ENTRIES);
	__type(key, struct eb_sock_rev_key);
	__type(value, struct eb_sock_rev_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_sock_rev SEC(".maps");

/* netns cookie -> EB_NS_HOST or EB_NS_CONTAINER; written by ebnet up. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EB_MAX_ENDPOINTS + 1);
	__type(key, __u64);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_netns SEC(".maps");

/* port slot -> container traffic, per CPU; written by the datapath. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EB_MAX_ENDPOINTS);
	__type(key, __u32);
	__type(value, struct eb_ctr_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_ctr_slots SEC(".maps");

/* published port -> traffic from outside, per CPU; written by the datapath.
 * Not preallocated: 65,536 per-CPU entries made up front were most of the
 * time `up` spends creating maps (docs/BENCHMARKS.md), for a few ports; an
 * entry is allocated at a port's first packet. (eb_port_stats, its earlier
 * layout, was preallocated, and a pinned map is reused only with the same
 * flags: the new name made the change possible.) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, EB_PUB_MAX);
	__type(key, struct eb_pub_key);
	__type(value, struct eb_counter_val);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_pub_stats SEC(".maps");

/* events for ebnet monitor; written by the datapath while someone listens. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_events SEC(".maps");

/* 0 -> listening until (ns, CLOCK_MONOTONIC); written by ebnet monitor. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_monitor SEC(".maps");

/* fragmented datagram -> its translation; written by the datapath. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct eb_frag_key);
	__type(value, struct eb_frag_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_frags SEC(".maps");

/* 0 -> the build of the attached programs; written by ebnet up. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct eb_build);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_build SEC(".maps");

/* 0 -> the uplink's name (struct eb_uplink_rec); written by ebnet up. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct eb_uplink_rec);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_uplink SEC(".maps");

/* name (wire form, lowercase) -> address; written by ebnet up/rm. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8 * EB_MAX_ENDPOINTS);
	__type(key, struct eb_name_key);
	__type(value, struct eb_name_val);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_names SEC(".maps");

/* container address -> its name for PTR; written by ebnet up/rm. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EB_MAX_ENDPOINTS);
	__type(key, struct eb_ip_key);
	__type(value, struct eb_name_rev);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_names_rev SEC(".maps");

/* 0 -> the domain and the upstream resolvers; written by ebnet up. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct eb_dns_cfg);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_dns SEC(".maps");

/* forwarded query -> its upstream (LRU); written by the datapath. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct eb_dns_fwd_key);
	__type(value, struct eb_dns_fwd_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_dns_fwd SEC(".maps");

/* a port's last forwarded UDP query, and the current resolver (LRU);
 * written by the datapath: failover to the next resolver. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct eb_dns_fwd_key);
	__type(value, struct eb_dns_try);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_dns_try SEC(".maps");

/* 0 -> the network's IPv6 subnet (flags 0: no IPv6); written by ebnet up --ipv6. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct eb_config6);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_config6 SEC(".maps");

/* container IPv6 -> port and MAC (NDP answers, anti-spoofing); written by
 * ebnet up/rm. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EB_MAX_ENDPOINTS);
	__type(key, struct eb_ip6_key);
	__type(value, struct eb_ip6_ep);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_ip6 SEC(".maps");

/* IPv6 conntrack, TCP: flow tuple -> NAT66 binding and state (struct
 * eb_ct6_entry). Written by the datapath; max_entries set by ebnet up (that
 * of eb_ct_tcp); not preallocated: no memory until IPv6 flows exist. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EB_CT_TCP_ENTRIES);
	__type(key, struct eb_ct6_key);
	__type(value, struct eb_ct6_entry);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_ct6_tcp SEC(".maps");

/* IPv6 conntrack, UDP and ICMPv6 echo (the size of eb_ct_other). Written
 * by the datapath. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EB_CT_OTHER_ENTRIES);
	__type(key, struct eb_ct6_key);
	__type(value, struct eb_ct6_entry);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_ct6_other SEC(".maps");

/* published [host IPv6]:port/proto -> container; written by ebnet publish. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EB_PUB_MAX);
	__type(key, struct eb_pub6_key);
	__type(value, struct eb_pub_val);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_pub_ports6 SEC(".maps");

/* (socket cookie, container [ip6]:port) -> address asked for; written by
 * connect6/sendmsg6. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, EB_SOCK_REV_ENTRIES);
	__type(key, struct eb_sock_rev6_key);
	__type(value, struct eb_sock_rev6_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_sock_rev6 SEC(".maps");

/* the host's IPv6 addresses -> 1; written by ebnet publish and up. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EB_HOST6_MAX);
	__type(key, struct eb_ip6_key);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_host6 SEC(".maps");

/* container IPv4 -> its IPv6 address (struct eb_addr6); written by ebnet
 * up/rm. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EB_MAX_ENDPOINTS);
	__type(key, struct eb_ip_key);
	__type(value, struct eb_addr6);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_addr6 SEC(".maps");

/* Scratch space, per CPU, off the 512-byte BPF stack: the two entries a
 * new flow is built in, and for `ebnet trace` the binding it would get.
 * Slot EB_SCRATCH_RECLAIM: when this CPU last walked a full conntrack map
 * (`created`) and where its walks stopped (`bytes[1]` TCP, `bytes[0]` the
 * other map; see eb_ct_reclaim). Not pinned: each loaded object has its
 * own. */
#define EB_SCRATCH_RECLAIM 2
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, struct eb_ct_entry);
} eb_scratch SEC(".maps");

/* Set in the copy of a program that `ebnet trace` loads: the program
 * decides as it would, and changes nothing (no conntrack entry, NAT port,
 * counter, event or flood copy). Zero in the programs that carry traffic,
 * where the compiler drops the checks. */
const volatile __u32 eb_trace_mode = 0;

/* The maps above and maps/ebnet_map_list.h agree: a listed map that is not
 * defined here does not build, nor one of EB_MAPS_DP whose key or value is
 * of another type than its row says. (A map defined here and not listed is
 * found by tests/unit/test_maplist.c.) */
#include "../../maps/ebnet_map_list.h"
#define EB_MAP_CHECK_DP(id, ident, field, k, v, flags)                                             \
	_Static_assert(__builtin_types_compatible_p(typeof(*ident.key), k) &&                     \
			       __builtin_types_compatible_p(typeof(*ident.value), v),              \
		       #ident ": key or value not as in maps/ebnet_map_list.h");
#define EB_MAP_CHECK_OTHER(id, ident, k, v, flags)                                                 \
	_Static_assert(sizeof(ident) > 0, #ident " of maps/ebnet_map_list.h");
EB_MAPS_DP(EB_MAP_CHECK_DP)
EB_MAPS_OTHER(EB_MAP_CHECK_OTHER)
#undef EB_MAP_CHECK_DP
#undef EB_MAP_CHECK_OTHER

#endif
