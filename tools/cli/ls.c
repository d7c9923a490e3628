// SPDX-License-Identifier: GPL-2.0
#include "cli.h"

/* ---- ls ---- */

/* XDP on the uplink: "native" (attached), "none" (auto or native asked
 * for, not attached: TC only), "off" (the default). */
static const char *xdp_state(const struct eb_config *cfg)
{
	if (cfg->flags & EB_CFG_XDP)
		return "native";
	if (cfg->flags & (EB_CFG_XDP_AUTO | EB_CFG_XDP_NATIVE))
		return "none";
	return "off";
}

/* The attachments of the network being listed: runtime id and label. */
static struct eb_attach_info *ls_atts;
static int ls_natts;

static const struct eb_attach_info *att_of(const struct eb_endpoint *ep)
{
	if (!(ep->flags & EB_EP_ATTACHED))
		return NULL;
	for (int i = 0; i < ls_natts; i++)
		if (!strcmp(ls_atts[i].name, ep->name))
			return &ls_atts[i];
	return NULL;
}

/* Has container i an IPv6 address (eb_ip6)? */
static bool has_ip6(const struct eb_net_info *n, int i)
{
	static const uint8_t zero[16];

	return memcmp(n->ctr_ip6[i], zero, 16) != 0;
}


static json_t *net_json(const struct eb_net_info *n)
{
	char a[16], b[16], c[16], m[18], hm[18];
	json_t *ctrs = json_array();
	int i;

	for (i = 0; i < n->nctr; i++) {
		const struct eb_endpoint *ep = &n->ctr[i];
		const struct eb_attach_info *ai = att_of(ep);
		json_t *cj = jobj("name", jstr(ep->name), "ip", jstr(eb_ip_str(ep->ip, a)),
				  "mac", jstr(eb_mac_str(ep->mac, m)), "host_dev", jstr(ep->host_dev),
				  "host_ifindex", jint(ep->ifindex),
				  "gateway_mac", jstr(eb_mac_str(ep->host_mac, hm)),
				  "attach", jstr(ep->flags & EB_EP_CLSACT ? "clsact" : "tcx"),
				  "state",
				  jstr(!(ep->flags & EB_EP_READY) ? "incomplete" : n->ctr_state[i]),
				  NULL);

		jadd(cj, "ip6", has_ip6(n, i) ? ip6_json(n->ctr_ip6[i], -1) : json_null(), NULL);
		if (ai)
			jadd(cj, "runtime_id", jstr(ai->id), "label", jstr(ai->label),
			     "owner", jstr(ai->owner), "netns", jstr(ai->netns),
			     "ifname", jstr(ai->ifname), "alive", json_boolean(ai->alive), NULL);
		json_array_append_new(ctrs, cj);
	}
	bool v6 = n->cfg6.flags & EB_CFG6_ON;

	return jobj("name", jstr(n->name),
		    "subnet", jstrf("%s/%d", eb_ip_str(n->cfg.subnet, a), n->cfg.prefix_len),
		    "gateway", jstr(eb_ip_str(n->cfg.gateway, b)),
		    "subnet6", v6 ? ip6_json(n->cfg6.prefix, n->cfg6.plen) : json_null(),
		    "gateway6", v6 ? ip6_json(n->cfg6.gateway, -1) : json_null(),
		    "nat6", v6 ? jstr(n->cfg6.flags & EB_CFG6_NAT6_OFF ? "off" : "on") : json_null(),
		    "snat_ip6", v6 && !(n->cfg6.flags & EB_CFG6_NAT6_OFF) &&
				    memcmp(n->cfg6.snat_ip6, (const uint8_t[16]){ 0 }, 16)
				? ip6_json(n->cfg6.snat_ip6, -1)
				: json_null(),
		    "uplink_attach", jstr_or_null(n->uplink_attach),
		    "uplink_state", jstr(n->uplink_state), "uplink", jstr_or_null(n->uplink),
		    "snat_ip", jstr(eb_ip_str(n->cfg.snat_ip, c)),
		    "nat_ports", jstrf("%u-%u", n->cfg.nat_port_min, n->cfg.nat_port_max),
		    "ct_tcp_size", jint(n->cfg.ct_tcp_size),
		    "ct_other_size", jint(n->cfg.ct_other_size), "map_bytes", jint(n->map_bytes),
		    "xdp", jstr(xdp_state(&n->cfg)),
		    "pin_dir", jstrf("%s/%s", EB_PIN_ROOT, n->name), "containers", ctrs, NULL);
}

static void print_net_text(const struct eb_net_info *n)
{
	char a[16], b[16], c[16], m[18];
	int i;

	printf("network %s  subnet %s/%d  gateway %s  uplink %s  snat %s  containers %d\n",
	       n->name, eb_ip_str(n->cfg.subnet, a), n->cfg.prefix_len,
	       eb_ip_str(n->cfg.gateway, b), n->uplink[0] ? n->uplink : "-",
	       n->cfg.snat_ip ? eb_ip_str(n->cfg.snat_ip, c) : "-", n->nctr);
	if (strcmp(n->uplink_state, "ok") && strcmp(n->uplink_state, "none"))
		printf("  uplink %s\n", n->uplink_state);
	if (n->cfg6.flags & EB_CFG6_ON) {
		char p6[INET6_ADDRSTRLEN], g6[INET6_ADDRSTRLEN];

		char s6[INET6_ADDRSTRLEN];
		static const uint8_t none[16];

		printf("  ipv6 subnet %s/%d  gateway %s  nat6 %s\n",
		       inet_ntop(AF_INET6, n->cfg6.prefix, p6, sizeof(p6)), n->cfg6.plen,
		       inet_ntop(AF_INET6, n->cfg6.gateway, g6, sizeof(g6)),
		       (n->cfg6.flags & EB_CFG6_NAT6_OFF) ? "off (routed)"
		       : memcmp(n->cfg6.snat_ip6, none, 16)
			       ? inet_ntop(AF_INET6, n->cfg6.snat_ip6, s6, sizeof(s6))
			       : "- (no IPv6 address on the uplink: not routed out)");
	}
	printf("  nat ports %u-%u  conntrack %u tcp + %u other entries  maps hold %.1f MiB%s%s"
	       "  xdp %s\n",
	       n->cfg.nat_port_min, n->cfg.nat_port_max, n->cfg.ct_tcp_size, n->cfg.ct_other_size,
	       n->map_bytes / 1048576.0, n->uplink_attach[0] ? "  uplink attach " : "",
	       n->uplink_attach, xdp_state(&n->cfg));
	if (!n->nctr)
		return;
	printf("  %-20s %-15s %-17s %-11s %-6s %s\n", "CONTAINER", "ADDRESS", "MAC", "HOST-DEV",
	       "ATTACH", "STATE");
	for (i = 0; i < n->nctr; i++) {
		const struct eb_endpoint *ep = &n->ctr[i];

		printf("  %-20s %-15s %-17s %-11s %-6s %s\n", ep->name, eb_ip_str(ep->ip, a),
		       eb_mac_str(ep->mac, m), ep->host_dev,
		       ep->flags & EB_EP_CLSACT ? "clsact" : "tcx",
		       ep->flags & EB_EP_READY ? n->ctr_state[i] : "incomplete (run `ebnet up` again)");
		if (has_ip6(n, i)) {
			char a6[INET6_ADDRSTRLEN];

			printf("  %-20s %s\n", "", inet_ntop(AF_INET6, n->ctr_ip6[i], a6, sizeof(a6)));
		}
		if (att_of(ep)) {
			const struct eb_attach_info *ai = att_of(ep);

			printf("  %-20s attached by %s: id %s%s%s  netns %s  %s\n", "", ai->owner, ai->id,
			       ai->label[0] ? "  label " : "", ai->label,
			       ai->netns[0] ? ai->netns : "(peer left in the host)",
			       ai->alive ? "alive" : "gone (`ebnet gc` reclaims it)");
		}
	}
}

int do_ls(int argc, char **argv)
{
	static char names[EB_MAX_NETS][64];
	static struct eb_net_info info;
	struct eb_err e = {};
	struct opts o;
	json_t *jnets = json_array();
	int n, i, err, shown = 0;

	parse_opts("ls", argc, argv, &o, json_opts);
	if (o.nargs)
		die_usage("ls", "unexpected argument '%s'", o.args[0]);
	need_root();
	if (!all_nets(&o)) {
		if (!eb_dp_exists(o.net)) {
			fprintf(stderr, "%s: network '%s' does not exist\n", prog, o.net);
			return 1;
		}
		snprintf(names[0], 64, "%s", o.net);
		n = 1;
	} else {
		/* Those of this namespace, as ports, ct and stats (pins are
		 * the machine's: another namespace's networks are there too). */
		n = here_nets(names, EB_MAX_NETS);
	}
	for (i = 0; i < n; i++) {
		err = eb_net_info(names[i], &info, &e);
		if (err) {
			fprintf(stderr, "%s: network '%s': %s\n", prog, names[i], e.msg);
			continue;
		}
		if (!ls_atts)
			ls_atts = calloc(EB_MAX_ENDPOINTS, sizeof(*ls_atts));
		ls_natts = ls_atts ? eb_attach_list(names[i], ls_atts, EB_MAX_ENDPOINTS, &e) : 0;
		if (json)
			json_array_append_new(jnets, net_json(&info));
		else
			print_net_text(&info);
		shown++;
	}
	if (json)
		jput(jobj("networks", jnets, NULL));
	else if (!shown)
		printf("no networks (create one with `ebnet up`)\n");
	return 0;
}
