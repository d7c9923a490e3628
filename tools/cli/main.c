// SPDX-License-Identifier: GPL-2.0
/*
 * ebnet: a single-host container network in eBPF, without a bridge or
 * iptables. tools/cli/ is the command line: a table of commands (here),
 * one do_<cmd>() each in the file of its group, prefix matching and a
 * help text per command, in the manner of bpftool. The work itself is
 * done by libebnet (loader/).
 */
#include "cli.h"

const char *prog = "ebnet";
bool json;
bool verbose;

/* ---- help ---- */

static int do_help(int argc, char **argv);
static int do_version(int argc, char **argv)
{
	printf("ebnet %s\n", EB_VERSION);
	return 0;
}

static const struct cmd cmds[] = {
	{ "up", do_up,
	  "up [--net NAME] [--subnet CIDR] [--ipv6 [--subnet6 CIDR] [--snat-ip6 ADDR] [--nat6 on|off]] "
	  "[--uplink IFACE] [--mtu N] "
	  "[--attach auto|tcx|clsact] "
	  "[--xdp auto|native|off] [--domain DOMAIN] [--dns ADDR[,ADDR]] "
	  "[--alias CONTAINER:NAME[,NAME]] [CONTAINER[=IP[,IP6]] ...]",
	  "Creates the network NAME (default ebnet0) if it does not exist, then every\n"
	  "CONTAINER that does not exist yet: a network namespace named CONTAINER (see\n"
	  "`ip netns`), a veth pair whose container end is eth0 with the given address or\n"
	  "the next free one, a default route via the gateway, lo up.\n"
	  "Running it again changes nothing; a container keeps its address; a container\n"
	  "left half-made by an interrupted run is made again. On an IPv6 network\n"
	  "CONTAINER=IP,IP6 (or CONTAINER=,IP6: the next free IPv4 address) gives the IPv6\n"
	  "address too: one of the IPv6 subnet, not its first (the subnet's own) nor the\n"
	  "gateway's, nor another container's.\n\n"
	  "  --subnet CIDR    the network's IPv4 subnet (default " EB_DEFAULT_SUBNET ");\n"
	  "                   the gateway is its first host address, owned by the host\n"
	  "  --ipv6           IPv6 too: each container gets prefix + its IPv4 host number\n"
	  "                   (unless given another; if one given takes it, the next free),\n"
	  "                   the gateway prefix::1; an existing network gains it with no\n"
	  "                   container restarted; out of the uplink through NAT66\n"
	  "  --subnet6 CIDR   its IPv6 subnet, /48 to /120 (default: a ULA fdXX:XXXX:XXXX::/64\n"
	  "                   from a hash of the network's name); implies --ipv6\n"
	  "  --snat-ip6 ADDR  NAT66 translates to ADDR, an address of the uplink (default:\n"
	  "                   the uplink's first global IPv6 address); implies --ipv6\n"
	  "  --nat6 on|off    off: no NAT66, the containers' own addresses go out as they are\n"
	  "                   (a routable --subnet6 that the outside routes to this host);\n"
	  "                   only replies of the containers' flows come in; implies --ipv6\n"
	  "  --uplink IFACE   the host's way out (default: the default route's device)\n"
	  "  --mtu N          the containers' MTU (default: the uplink's, so that what they\n"
	  "                   send fits out of it; larger gets frag-needed toward it)\n"
	  "  --attach MODE    how TC programs attach: auto (container ports with clsact,\n"
	  "                   the uplink with tcx where the kernel has it), tcx (Linux\n"
	  "                   6.6+; ports too), or clsact (everywhere); EBNET_ATTACH sets\n"
	  "                   the default; a network remembers tcx or clsact\n"
	  "  --xdp MODE       XDP on the uplink for published ports and replies, in front\n"
	  "                   of TC: off (the default; see docs/BENCHMARKS.md), native\n"
	  "                   (or an error), or auto (native where the uplink's driver\n"
	  "                   has it, a veth excepted, else TC alone with a note); kept\n"
	  "                   by later runs unless given again; EBNET_XDP sets the\n"
	  "                   default; `ebnet ls` shows the state (native, none, off)\n"
	  "  --snat-ip ADDR   source address for traffic leaving the uplink (default: the\n"
	  "                   uplink's first IPv4 address; must be one of its addresses)\n"
	  "  --nat-ports L-H  source ports SNAT may use (default: the larger gap around\n"
	  "                   net.ipv4.ip_local_port_range, so host and NAT never collide)\n"
	  "  --ct-tcp-size N, --ct-other-size N\n"
	  "                   conntrack entries (two per flow) for TCP and for UDP/ICMP\n"
	  "                   (default " EB_XSTR(EB_CT_TCP_ENTRIES) " and " EB_XSTR(EB_CT_OTHER_ENTRIES)
	  "; the IPv6 maps take the same;\n"
	  "                   `ebnet ls` shows the memory)\n"
	  "  --domain DOMAIN  the containers' names are NAME and NAME.DOMAIN (default:\n"
	  "                   the network's name); answered by the datapath at the\n"
	  "                   gateway's port 53 (see README, Names)\n"
	  "  --dns ADDR[,ADDR]\n"
	  "                   where other names are asked (default: the nameservers of\n"
	  "                   /etc/resolv.conf when the network is made; one on the host\n"
	  "                   itself, 127.0.0.1 included, works)\n"
	  "  --alias CONTAINER:NAME[,NAME]\n"
	  "                   more names for a container (again for more containers)\n"
	  "  -v               libbpf's messages, the verifier's log on failure\n\n"
	  "Example: ebnet up --net demo --subnet 10.77.0.0/16 web db=10.77.0.10\n" },
	{ "rm", do_rm, "rm [--net NAME] CONTAINER...",
	  "Removes containers: namespace, veth pair, route, map entries, attached program.\n"
	  "The network follows from the first container's name unless --net is given.\n"
	  "An unknown name removes nothing and exits 1.\n" },
	{ "down", do_down, "down [--net NAME]",
	  "Removes the network NAME (default ebnet0) and all its containers, leaving no\n"
	  "namespace, device, route, pin or attached program. A network that is not there\n"
	  "is not an error.\n" },
	{ "attach", do_attach,
	  "attach [--net NAME] [--ip ADDR] [--ip6 ADDR6] [up's options] NAME --netns PATH|--pid PID\n"
	  "       [--host-peer IFNAME]",
	  "Gives a network namespace that another tool made (a `docker run --network\n"
	  "none` container, a service with PrivateNetwork=, `unshare -n`) a port of the\n"
	  "network, as `up` does for its own containers: eth0 with the given or the next\n"
	  "free address and a default route via the gateway (on a network with IPv6:\n"
	  "--ip6's address, checked as up's NAME=IPV4,IPV6, or the default one). The\n"
	  "namespace is named by path (--netns /run/netns/X) or by a process in it\n"
	  "(--pid). --host-peer IFNAME leaves the container end in this namespace as\n"
	  "IFNAME, down and unconfigured, for a tool that moves it (into the namespace\n"
	  "named, if one is) and configures it itself. The network is made on first use\n"
	  "with up's options. NAME then works with ls, publish, ports, stats, rm.\n"
	  "Example: ebnet attach --net demo job --pid 4242\n" },
	{ "detach", do_detach, "detach [--net NAME] NAME",
	  "Removes an attachment: its port, map entries, published ports and flows. The\n"
	  "namespace stays, without the device. An unknown name exits 1.\n" },
	{ "exec", do_exec, "exec CONTAINER [--] CMD [ARG...]",
	  "Runs CMD inside the network namespace of CONTAINER; its exit status is ebnet's.\n"
	  "Example: ebnet exec web -- ping -c1 172.18.0.3\n" },
	{ "ls", do_ls, "ls [--net NAME] [--json]",
	  "Lists networks and their containers: address, MAC, host-side device, how the\n"
	  "program is attached. --json prints one JSON object for scripts.\n" },
	{ "publish", do_publish,
	  "publish [--net NAME] [--force] [HOSTIP:]HOSTPORT[-END]:CONTAINER:PORT[-END][/tcp|/udp]...",
	  "Publishes host ports to a container's ports (tcp by default; equal ranges map\n"
	  "port to port). It takes effect on the next packet: from outside through the\n"
	  "uplink (the client's address kept), from the host at its addresses and at\n"
	  "127.0.0.1, and from containers at the host's address. HOSTIP 127.0.0.1\n"
	  "publishes to the host only. HOSTIP may be IPv6, in brackets ([::1]: the host\n"
	  "only; [2001:db8::1]); a port without HOSTIP answers at the host's IPv6\n"
	  "addresses and [::1] too, from the host and containers (to the container's\n"
	  "IPv6 address, or its IPv4 one through a v4-mapped address when it has none).\n"
	  "A port already published is refused, naming its owner, and so is a port a\n"
	  "host socket listens on (naming the process), unless --force: then new flows\n"
	  "from outside go to the container, and the host's own connections on that port\n"
	  "stay the host's. The network follows from the container.\n"
	  "Examples: ebnet publish 8080:web:80\n"
	  "          ebnet publish 127.0.0.1:5432:db:5432 5353:dns:53/udp\n"
	  "          ebnet publish [::1]:5432:db:5432\n" },
	{ "unpublish", do_unpublish, "unpublish [--net NAME] [HOSTIP:]HOSTPORT[-END][/tcp|/udp]...",
	  "Removes published ports. New flows are refused from the next packet; flows of\n"
	  "the removed mapping are dropped, not delivered to a container.\n" },
	{ "ports", do_ports, "ports [--net NAME] [--json]",
	  "Lists published ports: host address and port, protocol, container and port,\n"
	  "new flows from outside and connections translated on the host.\n" },
	{ "stats", do_stats, "stats [--net NAME] [--json] [--watch [SECS]] [--prog]",
	  "Counters summed over CPUs: what the datapath did and every drop by reason,\n"
	  "then per container (from it / to it) and per published port.\n"
	  "  --watch [SECS]  redraw every SECS seconds (default 1) with rates\n"
	  "  --prog          each program's runs and nanoseconds per run, from the\n"
	  "                  kernel's BPF statistics, switched on only while asked\n"
	  "Same data: bpftool map dump pinned /sys/fs/bpf/ebnet/NAME/eb_stats\n" },
	{ "trace", do_trace,
	  "trace [--net NAME] [--json] FROM tcp|udp|icmp|icmp6 SRC[:PORT] DST[:PORT] "
	  "[--dns-query NAME [--dns-type TYPE]]",
	  "Builds that packet as FROM (a container, or 'uplink' for the outside) would\n"
	  "send it, runs it through the real program against the live maps\n"
	  "(BPF_PROG_TEST_RUN) and prints the decision: delivered where, translated to\n"
	  "what, or dropped and why. It changes nothing: no flow, NAT port or counter.\n"
	  "Examples: ebnet trace web tcp 172.18.0.2:40000 203.0.113.2:80\n"
	  "          ebnet trace uplink tcp 203.0.113.2:5555 198.51.100.1:8080\n"
	  "IPv6: [ADDR]:PORT, or ADDR alone; icmp is the echo of the addresses' family\n"
	  "(icmp6, or icmpv6, wants IPv6 ones); both ends of one family:\n"
	  "          ebnet trace web tcp [fd00:1::2]:40000 [2001:db8::2]:80\n"
	  "With --dns-query NAME the UDP packet is a DNS query for NAME (type A, PTR\n"
	  "for *.in-addr.arpa, or --dns-type), and the answer the datapath would give\n"
	  "is shown: ebnet trace web udp 172.18.0.2:5353 172.18.0.1:53 --dns-query db\n" },
	{ "monitor", do_monitor, "monitor [--net NAME] [--json] [--count N] [--timeout SECS]",
	  "Streams events as they happen: new NAT flows (IPv4 and NAT66), new flows to\n"
	  "published ports, drops with their reason (IPv6 addresses as [ADDR]:PORT).\n"
	  "The datapath writes events only while a monitor runs (and for 3 s after\n"
	  "one dies).\n" },
	{ "ct", do_ct, "ct [--net NAME] [--json] [list|flush]",
	  "Lists the network's NAT flows: protocol, source as the container sent it,\n"
	  "destination, the translated source, state, age, packets and bytes each way.\n"
	  "`ct flush` removes every flow (established connections break).\n" },
	{ "gc", do_gc, "gc [--net NAME] [--json]",
	  "Removes expired conntrack entries now. The datapath already ignores them;\n"
	  "gc gives their slots back before the maps fill. It also removes attachments\n"
	  "(`attach`, CNI, Docker) whose namespace is gone, as a runtime that never sent\n"
	  "DEL (`ctr run -d`) leaves them.\n" },
	{ "docker-plugin", do_docker_plugin, DK_USAGE, DK_HELP },
	{ "help", do_help, "help [COMMAND]", "Shows the commands, or one command in full.\n" },
	{ "version", do_version, "version", "Prints the version.\n" },
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

/* Exact name, or an unambiguous prefix of one. */
const struct cmd *find_cmd(const char *word)
{
	const struct cmd *hit = NULL;
	size_t i, len = strlen(word);

	if (!len)
		return NULL;
	for (i = 0; i < NCMDS; i++) {
		if (!strcmp(cmds[i].name, word))
			return &cmds[i];
		if (!strncmp(cmds[i].name, word, len)) {
			if (hit)
				return NULL;
			hit = &cmds[i];
		}
	}
	return hit;
}

void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"ebnet: a single-host container network in eBPF: no bridge, no iptables.\n\n"
		"usage: %s COMMAND [OPTIONS]\n\n",
		prog);
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %s %s\n", prog, cmds[i].usage);
	fprintf(f,
		"\nEvery command takes --net NAME (or $EBNET_NET) and -v. Without it, ls, ports,\n"
		"ct and stats cover every network of this namespace (each line says which), and\n"
		"the others take the one network of this namespace (up: ebnet0), or ask.\n"
		"State lives in BPF maps pinned under " EB_PIN_ROOT "/NAME/; read any of them\n"
		"with `bpftool map dump pinned " EB_PIN_ROOT "/NAME/MAP`.\n"
		"`%s help COMMAND` tells more.\n",
		prog);
}

static int do_help(int argc, char **argv)
{
	const struct cmd *c;

	if (argc < 1) {
		usage(stdout);
		return 0;
	}
	c = find_cmd(argv[0]);
	if (!c) {
		fprintf(stderr, "%s: no command '%s'\n", prog, argv[0]);
		usage(stderr);
		return 2;
	}
	printf("usage: %s %s\n\n%s", prog, c->usage, c->help);
	return 0;
}

int main(int argc, char **argv)
{
	const struct cmd *c;

	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return do_version(0, NULL);
	c = find_cmd(argv[1]);
	if (!c) {
		fprintf(stderr, "%s: unknown or ambiguous command '%s'\n", prog, argv[1]);
		fprintf(stderr, "Try '%s help'.\n", prog);
		return 2;
	}
	return c->fn(argc - 2, argv + 2);
}
