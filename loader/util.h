/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsers and small helpers shared by the CLI, the loader and the tests.
 * Addresses are returned in network byte order. Parsers return 0 or -EINVAL
 * and never print.
 */
#ifndef EB_UTIL_H
#define EB_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <stdarg.h>

/* A macro's value as a string literal: EB_XSTR(EB_CT_TCP_ENTRIES) is "65536". */
#define EB_STR_(x) #x
#define EB_XSTR(x) EB_STR_(x)

/* Why a library call failed, in words, for the CLI to print. */
struct eb_err {
	char msg[512];
	char warn[256]; /* a note for the user from a call that succeeded */
};

void eb_errf(struct eb_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int eb_parse_ipv4(const char *s, uint32_t *addr);
/* "A.B.C.D/N" with N in 1..30 and no host bits set. */
int eb_parse_cidr(const char *s, uint32_t *net, int *plen);
uint32_t eb_plen_to_mask(int plen);
/* Unsigned decimal in [min, max], nothing else in the string. */
int eb_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out);
/* Names of networks and containers: 1..max-1 of [A-Za-z0-9_.-], not
 * starting with '-' or '.'. Returns 0 or -EINVAL. */
int eb_valid_name(const char *s, size_t max);
/* Is addr a usable host address of net/plen (not the network, broadcast)? */
bool eb_ip_is_host(uint32_t addr, uint32_t net, int plen);
/* The first host address of net/plen: the gateway by default. */
uint32_t eb_first_host(uint32_t net, int plen);
/* Next usable address after `after` (0: from the start) that is not the
 * gateway and for which taken(addr, ctx) is false; 0 if the subnet is full. */
uint32_t eb_next_free_ip(uint32_t net, int plen, uint32_t gw,
			 bool (*taken)(uint32_t addr, void *ctx), void *ctx);
/* Device name of a container's host-side veth: "eb" + 8 hex digits of a
 * hash of the container name. */
void eb_host_dev_name(const char *container, char out[16]);
/* 02:eb:A:B:C:D for the container, 06:eb:A:B:C:D for the host side. */
void eb_mac_for(uint32_t addr, bool host_side, unsigned char mac[6]);
const char *eb_ip_str(uint32_t addr, char buf[16]);
/* 16 bytes of an IPv6 address as text (buf of INET6_ADDRSTRLEN, 46). */
const char *eb_ip6_str(const uint8_t a[16], char buf[46]);
const char *eb_mac_str(const unsigned char mac[6], char buf[18]);
/* JSON string body escaping into out (always terminated). */
void eb_json_str(const char *in, char *out, size_t outlen);

/* A port spec of `ebnet publish`: [HOSTIP:]HOSTPORT[-END]:CONTAINER:PORT[-END][/tcp|/udp]
 * (with_ctr) or of `ebnet unpublish`: [HOSTIP:]HOSTPORT[-END][/tcp|/udp].
 * HOSTIP is an IPv4 address or an IPv6 one in brackets ([::1], [2001:db8::1]).
 * Returns 0 or -EINVAL with the reason in why. */
struct eb_pub_spec {
	uint32_t host_ip; /* network order; 0: every address */
	uint16_t hport_lo, hport_hi;
	uint16_t cport_lo, cport_hi;
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
	bool force;    /* publish even over a host socket's port (not parsed: --force) */
	char ctr[32];
	bool v6;	     /* the host address is IPv6: host_ip6 (host_ip is 0) */
	uint8_t host_ip6[16]; /* never ::, v4-mapped, link-local or multicast */
};

int eb_parse_port_spec(const char *s, bool with_ctr, struct eb_pub_spec *out, char *why,
		       size_t whylen);
/* An IPv6 host address of a port spec (without its brackets): an address
 * that names one interface address, so not ::, v4-mapped, link-local or
 * multicast. 0 or -EINVAL with the reason in why. */
int eb_parse_host_ip6(const char *s, uint8_t out[16], char *why, size_t whylen);

/* mkdir -p: PATH with mode 0700, the folders above it with PARENT_MODE
 * where they are missing. 0 or a negative errno. */
int eb_mkdir_p(const char *path, unsigned int parent_mode);

#endif
