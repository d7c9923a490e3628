/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtnetlink over libmnl: links, veth pairs, addresses, routes, neighbours.
 * Every function returns 0 or a negative errno; none exits or prints.
 * A socket is bound to the network namespace it was opened in, so a
 * socket opened inside a container's namespace configures that container.
 */
#ifndef EB_NL_H
#define EB_NL_H

#include <stdbool.h>
#include <stdint.h>
#define EB_IFNAMSIZ 16

struct mnl_socket;

struct eb_nl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
};

struct eb_link {
	int ifindex;
	unsigned int flags; /* IFF_* */
	unsigned char mac[6];
	char name[EB_IFNAMSIZ];
	char kind[16]; /* "veth", ... or "" */
	unsigned int mtu;
	char alias[96]; /* IFLA_IFALIAS: "ebnet:NET:CONTAINER" on a port */
};

int eb_nl_open(struct eb_nl *nl);
/* Opens a socket inside the namespace of nsfd, and comes back. */
int eb_nl_open_in(struct eb_nl *nl, int nsfd);
void eb_nl_close(struct eb_nl *nl);
/* Turns GRO on or off for ifname in the namespace of nsfd (an ethtool
 * ioctl there), unless it is so already. On a veth, GRO also turns on the
 * NAPI receive path that takes frames redirected from XDP. */
int eb_set_gro_in(int nsfd, const char *ifname, bool on);

int eb_nl_link_get(struct eb_nl *nl, const char *name, struct eb_link *out);
int eb_nl_link_get_index(struct eb_nl *nl, int ifindex, struct eb_link *out);
/* A veth pair: NAME here, PEER inside the namespace of peer_nsfd. Both down. */
int eb_nl_veth_add(struct eb_nl *nl, const char *name, const unsigned char *mac,
		   const char *peer, const unsigned char *peer_mac, int peer_nsfd);
/* The same with both ends' MTU (0: the kernel's default). */
int eb_nl_veth_add_mtu(struct eb_nl *nl, const char *name, const unsigned char *mac,
		       const char *peer, const unsigned char *peer_mac, int peer_nsfd,
		       unsigned int mtu);
int eb_nl_link_del(struct eb_nl *nl, int ifindex);
/* The device's MTU (IFLA_MTU). */
int eb_nl_link_set_mtu(struct eb_nl *nl, int ifindex, unsigned int mtu);
/* The device's alias (IFLA_IFALIAS, `ip link show` prints it). */
int eb_nl_link_set_alias(struct eb_nl *nl, int ifindex, const char *alias);
/* Calls fn for every device of the namespace; the first non-zero return
 * of fn is returned (the dump is read to its end). */
int eb_nl_link_dump(struct eb_nl *nl, int (*fn)(const struct eb_link *l, void *arg), void *arg);
/* The kernel's extended ACK message of this thread's last refused
 * request ("" if it gave none): what iproute2 prints after "Error:". */
const char *eb_nl_extack(void);
int eb_nl_link_up(struct eb_nl *nl, int ifindex);
/* Device groups (IFLA_GROUP): one RTM_DELLINK removes every device of a
 * group in one batch, paying the kernel's RCU grace periods once for all of
 * them instead of once per device. */
int eb_nl_link_set_group(struct eb_nl *nl, int ifindex, uint32_t group);
int eb_nl_group_del(struct eb_nl *nl, uint32_t group);
/* Does a device of this namespace belong to group? 1 yes, 0 no, < 0 error. */
int eb_nl_group_used(struct eb_nl *nl, uint32_t group);
/* A container port's per-device settings: IPv4 forwarding on (for
 * bpf_fib_lookup), IPv6 link-local autoconfiguration off. */
int eb_nl_link_port_conf(struct eb_nl *nl, int ifindex);
/* No IPv6 link-local address (and so no DAD, router or MLD chatter). */
int eb_nl_link_no_ipv6(struct eb_nl *nl, int ifindex);
int eb_nl_addr_add(struct eb_nl *nl, int ifindex, uint32_t addr, int plen, bool noprefixroute);
/* dst/plen via gw (0: on-link) out of ifindex, preferred source src (0: none). */
int eb_nl_route_add(struct eb_nl *nl, uint32_t dst, int plen, uint32_t gw, int ifindex,
		    uint32_t src);
int eb_nl_neigh_add(struct eb_nl *nl, int ifindex, uint32_t addr, const unsigned char *mac);
/* The device of the /32 route to dst in the main table; -ENOENT if none. */
int eb_nl_host_route_dev(struct eb_nl *nl, uint32_t dst, int *ifindex);
/* Calls fn for every IPv4 route of the main table (dst in network order);
 * the first non-zero return of fn is returned. */
int eb_nl_route_each(struct eb_nl *nl, int (*fn)(uint32_t dst, int plen, int oif, void *arg),
		     void *arg);
/* The device of the IPv4 default route of the main table; -ENOENT if none. */
int eb_nl_default_route_dev(struct eb_nl *nl, int *ifindex);
/* The first IPv4 address on ifindex (network order); -ENOENT if none. */
int eb_nl_link_ipv4(struct eb_nl *nl, int ifindex, uint32_t *addr);
/* Is addr one of ifindex's addresses? 1 yes, 0 no, < 0 error. */
int eb_nl_addr_on_link(struct eb_nl *nl, int ifindex, uint32_t addr);
/* The first global IPv6 address of a link into out (want NULL), or whether
 * want is one of its addresses: 0, or -ENOENT. */
int eb_nl_link_ipv6(struct eb_nl *nl, int ifindex, const uint8_t *want, uint8_t out[16]);
/* Is addr (network order) one of the addresses of this namespace? */
int eb_nl_addr_is_local(struct eb_nl *nl, uint32_t addr);

/* IPv6 (addresses as 16 bytes): an address with no duplicate address
 * detection (IFA_F_NODAD), a route (gw NULL: on-link), a permanent
 * neighbour. */
int eb_nl_addr6_add(struct eb_nl *nl, int ifindex, const uint8_t addr[16], int plen,
		    bool noprefixroute);
int eb_nl_route6_add(struct eb_nl *nl, const uint8_t dst[16], int plen, const uint8_t *gw,
		     int ifindex);
int eb_nl_neigh6_add(struct eb_nl *nl, int ifindex, const uint8_t addr[16],
		     const unsigned char *mac);

#endif
