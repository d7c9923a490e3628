/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `ebnet docker-plugin`: ebnet as a Docker network driver (Docker's remote
 * driver API: JSON over HTTP on a unix socket that dockerd finds under
 * /run/docker/plugins/). Each call maps onto libebnet:
 *
 *   CreateNetwork   eb_up() of a network with Docker's IPAM pool as subnet
 *                   (its gateway must be the pool's first host), with
 *                   --ipv6 its IPv6 pool as --subnet6 (gateway prefix::1),
 *                   and the `-o ebnet.*` options as `ebnet up` settings
 *   CreateEndpoint  checks and records Docker's addresses and MAC (the
 *                   IPv6 one goes to eb_attach as given: eb_addr6)
 *   Join            eb_attach(): a veth whose host end has ebnet's program
 *                   before any link is up; its peer stays in this namespace
 *                   for Docker to move into the container as eth0 (Docker
 *                   sets the addresses and the routes itself; Join names
 *                   the gateways)
 *   Program/RevokeExternalConnectivity   eb_publish()/eb_unpublish() of -p
 *   Leave           eb_detach()
 *   DeleteNetwork   eb_down()
 *
 * The datapath is in pinned maps: this process can die at any time and no
 * packet is lost. What the maps cannot hold (Docker's ids, the options to
 * make a network again after a reboot, which dockerd never re-sends) is in
 * files (state.c), read on every call, so a restarted driver serves
 * networks and endpoints made before it.
 *
 * HTTP: libmicrohttpd, because it is a small C server library that takes a
 * listening socket of any family (MHD_OPTION_LISTEN_SOCKET: our unix
 * socket), parses HTTP/1.1 with keep-alive and chunked bodies (which
 * dockerd's Go client may send) and is in Debian main; a hand-written
 * parser would be the one part here nobody could trust. Its one internal
 * polling thread runs every call in turn, so calls never overlap (libebnet
 * takes its lock anyway). JSON: jansson, as the CNI plugin.
 *
 * The files: util.c (log, parsing, the words of errors), net.c (networks),
 * endpoint.c (endpoints, Join), ports.c (-p), calls.c (the other calls), http.c
 * (the table of calls, the server and `ebnet docker-plugin`).
 */
#ifndef EB_DK_H
#define EB_DK_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <pthread.h>
#include <jansson.h>
#include <microhttpd.h>

#include "ebnet.h"
#include "ebnet_pub.h"
#include "docker_plugin.h"
#include "docker_state.h"

#define DK_DEFAULT_SOCKET "/run/docker/plugins/ebnet.sock"
#define DK_MAX_BODY	  (1 << 20)
#define DK_OPT_PREFIX	  "ebnet."
#define DK_OPT_KEYS                                                                                \
	"net, uplink, snat_ip, nat_ports, xdp, attach, ct_tcp_size, ct_other_size, mtu, " \
	"and with --ipv6 nat6, snat_ip6"
#define DK_MTU_KEY	  "com.docker.network.driver.mtu"
#define DK_GENERIC	  "com.docker.network.generic"
#define DK_PORTMAP	  "com.docker.network.portmap"
/* Docker's own range for -p without a host port (its portallocator). */
#define DK_EPHEMERAL_LO 49153
#define DK_EPHEMERAL_HI 60999

/* The one helper every file uses, small enough to be in each. */
static inline const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* util.c */
extern bool dk_verbose;
void dk_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int parse_addr(const char *s, uint32_t *ip);
int parse_mac(const char *s, unsigned char mac[6]);
int parse_addr6(const char *s, uint8_t a[16]);
void docker_words(struct eb_err *e);

/* net.c */
int net_opts(json_t *st, struct eb_up_opts *uo, struct eb_err *e);
int net_ensure(json_t *st, struct eb_err *e);
json_t *net_load(json_t *req, struct eb_err *e);
json_t *h_create_network(json_t *req, struct eb_err *e);

/* endpoint.c */
json_t *ep_load(json_t *req, struct eb_err *e);
extern pthread_mutex_t dk_lib_lock;
int rewatch(const char *id, json_t *ep, void *ctx);
int ep_detach(json_t *ep, struct eb_err *e);
void sweep(const char *net);
json_t *h_create_endpoint(json_t *req, struct eb_err *e);
json_t *h_join(json_t *req, struct eb_err *e);

/* ports.c */
void ports_revoke(json_t *st);
json_t *h_program_ext(json_t *req, struct eb_err *e);
json_t *h_revoke_ext(json_t *req, struct eb_err *e);

/* calls.c */
json_t *h_leave(json_t *req, struct eb_err *e);
json_t *h_delete_endpoint(json_t *req, struct eb_err *e);
json_t *h_delete_network(json_t *req, struct eb_err *e);
json_t *h_oper_info(json_t *req, struct eb_err *e);
json_t *h_activate(json_t *req, struct eb_err *e);
json_t *h_capabilities(json_t *req, struct eb_err *e);
json_t *h_nothing(json_t *req, struct eb_err *e);

#endif
