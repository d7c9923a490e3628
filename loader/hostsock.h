/* SPDX-License-Identifier: GPL-2.0 */
/* The host's own listening sockets; see hostsock.c. */
#ifndef EB_HOSTSOCK_H
#define EB_HOSTSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct eb_host_sock {
	uint32_t addr; /* network order; 0: every address */
	uint16_t port;
	bool v6;       /* an IPv6 socket: [::] or v4-mapped (takes IPv4 too), or only6 */
	bool only6;    /* on one IPv6 address, addr6 (addr is 0) */
	uint8_t addr6[16];
	unsigned long inode;
	char owner[96]; /* "NAME (pid N)", or "" when no process holds it */
};

/* Is a host socket listening (TCP) or bound unconnected (UDP) on ip (0:
 * any address, IPv6 ones included) and a port in lo..hi, in this network
 * namespace? 1 and the first one in *r, or 0. */
int eb_host_listener(uint32_t ip, uint16_t lo, uint16_t hi, uint8_t proto, struct eb_host_sock *r);
/* The same for an IPv6 address of the host: a socket on [::] or on a. */
int eb_host_listener6(const uint8_t a[16], uint16_t lo, uint16_t hi, uint8_t proto,
		      struct eb_host_sock *r);
/* "0.0.0.0:22 (socket inode N, sshd (pid 1))" */
const char *eb_host_sock_str(const struct eb_host_sock *s, char *out, size_t len);

#endif
