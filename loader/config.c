// SPDX-License-Identifier: GPL-2.0
/*
 * The settings of a new network that depend on nothing but its subnet:
 * what `ebnet up` writes into eb_config before it looks at the host
 * (uplink, NAT range, attach flags), and what the unit tests start from.
 */

#include "ebnet.h"

void eb_config_defaults(struct eb_config *cfg, uint32_t subnet, int plen, uint32_t ct_tcp_size,
			uint32_t ct_other_size)
{
	cfg->subnet = subnet;
	cfg->prefix_len = plen;
	cfg->mask = eb_plen_to_mask(plen);
	cfg->gateway = eb_first_host(subnet, plen);
	cfg->ct_tcp_syn = EB_CT_DEF_SYN_SENT;
	cfg->ct_tcp_est = EB_CT_DEF_EST;
	cfg->ct_tcp_close = EB_CT_DEF_CLOSE;
	cfg->ct_udp = EB_CT_DEF_UDP;
	cfg->ct_icmp = EB_CT_DEF_ICMP;
	cfg->ct_tcp_size = ct_tcp_size ? ct_tcp_size : EB_DEFAULT_CT_TCP;
	cfg->ct_other_size = ct_other_size ? ct_other_size : EB_DEFAULT_CT_OTHER;
}
