/* SPDX-License-Identifier: GPL-2.0 */
/* `ebnet docker-plugin`: the Docker network driver (tools/docker/). */
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
	"  --state-dir DIR   where the driver keeps Docker's ids and each network's\n"            \
	"                    options (DIR/docker), to serve them after a restart and\n"           \
	"                    make them again after a reboot, and libebnet its\n"                  \
	"                    attachments (DIR/attach) (default $EBNET_STATE_DIR, or\n"            \
	"                    /var/lib/ebnet)\n"                                                   \
	"  -v                log every call\n\n"                                                   \
	"Options of `docker network create` (-o ebnet.KEY=VALUE; as `ebnet up`'s):\n"              \
	"  ebnet.uplink, ebnet.snat_ip, ebnet.nat_ports, ebnet.xdp, ebnet.attach,\n"               \
	"  ebnet.ct_tcp_size, ebnet.ct_other_size, and ebnet.net (ebnet's name of it).\n"

int do_docker_plugin(int argc, char **argv);

#endif
