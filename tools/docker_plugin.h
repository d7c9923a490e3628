/* SPDX-License-Identifier: GPL-2.0 */
/* `ebnet docker-plugin`: the Docker network driver (docker_plugin.c). */
#ifndef EB_DOCKER_PLUGIN_H
#define EB_DOCKER_PLUGIN_H

#define DK_USAGE "docker-plugin [--socket PATH] [--state-dir DIR] [-v]"
#define DK_HELP                                                                                    \
	"Runs ebnet as a Docker network driver, in the foreground, until SIGTERM:\n"               \
	"`docker network create -d ebnet --subnet CIDR [-o ebnet.KEY=VALUE] NAME`, then\n"         \
	"`docker run --network NAME [-p ...]`. Each Docker network is an ebnet network\n"          \
	"(`ebnet ls` names it dk<Docker's short id>, or -o ebnet.net=NAME), each\n"               \
	"container a port of it; -p publishes through ebnet's map (no docker-proxy, no\n"          \
	"iptables). The datapath lives in pinned maps: stopping or killing the driver\n"          \
	"stops no traffic.\n\n"                                                                    \
	"  --socket PATH     where dockerd finds it (default\n"                                    \
	"                    /run/docker/plugins/ebnet.sock: the driver's name is the\n"           \
	"                    file's, `-d ebnet`)\n"                                                \
	"  --state-dir DIR   Docker's ids and each network's options, to serve them after\n"       \
	"                    a restart and make them again after a reboot (default\n"              \
	"                    /var/lib/ebnet/docker, or $EBNET_DOCKER_STATE)\n"                     \
	"  -v                log every call\n\n"                                                   \
	"Options of `docker network create` (-o ebnet.KEY=VALUE; as `ebnet up`'s):\n"              \
	"  ebnet.uplink, ebnet.snat_ip, ebnet.nat_ports, ebnet.xdp, ebnet.attach,\n"               \
	"  ebnet.ct_tcp_size, ebnet.ct_other_size, and ebnet.net (ebnet's name of it).\n"

int do_docker_plugin(int argc, char **argv);

#endif
