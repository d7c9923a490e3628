/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Part of test_fuzz.c (its header comment says what the test holds), included
 * there only, in the order its #includes give: the invariants that must hold for
 * every frame, counted over the whole run, and one_frame(), which runs a
 * frame and checks them.
 */
#ifndef EB_TEST_FUZZ_CHECK_H
#define EB_TEST_FUZZ_CHECK_H

/* ---- the invariants, counted over the whole run ---- */

enum inv_check {
	C_RUN,		      /* test_run accepted the frame */
	C_VERDICT,	      /* a known verdict */
	C_DROP_COUNT,	      /* a SHOT moves exactly its drop counter, by one */
	C_NO_DROP,	      /* other verdicts move no drop counter */
	C_PASS_INTACT,	      /* OK/UNSPEC: every byte as it came */
	C_REDIR_CSUM,	      /* REDIRECT: checksums right on input are right on output */
	C_REDIR_CSUM_TRAILER, /* ...of a frame with bytes after the IP packet */
	C_REDIR_XLATE,	      /* REDIRECT: the translation is whole (addresses, MACs, target) */
	C_NMAX,
};

static const char *check_name[C_NMAX] = {
    "BPF_PROG_TEST_RUN accepts every frame of 14 bytes or more",
    "every verdict is a known one (container: OK/SHOT/REDIRECT; uplink: UNSPEC/SHOT/REDIRECT)",
    "every SHOT moves one drop counter of eb_stats by one, the reason left in skb->cb (or is an "
    "NDP/MLD frame gone quietly: ndp_ignored by one, no drop counter)",
    "no verdict but SHOT moves a drop counter",
    "a pass (OK/UNSPEC) leaves every byte as it came",
    "a REDIRECT carries right checksums (IPv4 header, L4 with the pseudo header of the family it "
    "leaves with, quoted IPv4 header, an ICMPv6 error's quoted L4) when the input had them",
    "...also when the frame has bytes after the IP packet (a trailer)",
    "a REDIRECT carries a whole translation (NAT source out, container address and MACs in, "
    "NAT46: the family, length and IPv4 header)",
};

/* Counted apart by the family of the frame as it came: [0] IPv4 and the
 * rest, [1] EtherType IPv6. */
static uint64_t viol[2][C_NMAX];
static uint64_t ct_viol[INV_MAX], xlate_viol[INV_MAX], inv_seen[INV_MAX];
static uint64_t n_frames, n_frames6, n_verdict[2][16], n_short_refused, n_refused;
static uint64_t n_by_mut[M_MAX], n_decision[2][EB_CNT_MAX], n_world46;
/* Of the frames of EtherType IPv6 as run; NAT46 REDIRECTs (the family changed). */
static uint64_t n_decision6[2][EB_CNT_MAX], n_nat46[2];

static void hexdump(const struct fr *f)
{
	for (uint32_t i = 0; i < f->len && i < 128; i++)
		fprintf(stderr, "%02x%s", f->b[i], (i % 32) == 31 ? "\n    " : " ");
	fprintf(stderr, "%s\n", f->len > 128 ? "..." : "");
}

static bool is_ip6(const struct fr *f)
{
	return f->len >= ETH_LEN && get16(f->b + 12) == ETH_P6;
}

/* kind 0: check c; 1: state made from invalid frame of reason c; 2:
 * invalid frame of reason c translated and forwarded. */
static void report(int c, int kind, const struct tmpl_out *t, enum mut m, const struct run_res *r,
		   const char *detail)
{
	uint64_t n = kind == 1 ? ct_viol[c] : kind == 2 ? xlate_viol[c] : viol[is_ip6(&t->f)][c];
	const char *what = kind == 1   ? "conntrack entry made from an invalid frame: "
			   : kind == 2 ? "invalid frame translated and forwarded: "
				       : check_name[c];

	if (n >= 3)
		return; /* the first three of each kind */
	fprintf(stderr, "FAIL frame %" PRIu64 " (%s, mutation %s, %s%s, %u bytes): %s%s%s\n",
		n_frames, t->name, mut_name[m], t->prog ? "eb_from_uplink" : "eb_from_container",
		t->world ? " of the network without IPv6" : "", t->f.len, what,
		kind ? inv_name[c] : "", detail ? detail : "");
	fprintf(stderr, "    verdict %d decision %u target %u; frame:\n    ", r->verdict,
		r->decision, r->target);
	hexdump(&t->f);
	if (r->verdict == TC_ACT_REDIRECT && kind != 1) {
		fprintf(stderr, "    out (%u bytes):\n    ", r->out.len);
		hexdump(&r->out);
	}
}

/* BPF_PROG_TEST_RUN itself refuses an IPv4 frame without a whole IPv4
 * header (and IPv6 likewise): such frames can reach TC on a wire, but no
 * test can run them. Counted apart. */
static bool kernel_refuses(const struct fr *f)
{
	uint16_t et = get16(f->b + 12);

	return (et == 0x0800 && f->len < ETH_LEN + 20) || (et == ETH_P6 && f->len < IP6_L4);
}

static bool verdict_known(int prog, int v)
{
	if (v == TC_ACT_SHOT || v == TC_ACT_REDIRECT)
		return true;
	return prog == 0 ? v == TC_ACT_OK : v == TC_ACT_UNSPEC;
}

static const uint8_t *ep_mac(uint32_t ifindex, bool host)
{
	if (ifindex == (uint32_t)env.if_a)
		return host ? MAC_A_HOST : MAC_A;
	if (ifindex == (uint32_t)env.if_b)
		return host ? MAC_B_HOST : MAC_B;
	return NULL;
}

/* A DNS answer of the datapath: back out of the asker's port, UDP from 53. */
static bool is_dns_answer(const struct tmpl_out *t, const struct run_res *r)
{
	struct lay lo = layout(&r->out);

	return t->prog == 0 && r->target == (uint32_t)t->ifindex && lo.ipv4 &&
	       r->out.b[ETH_LEN + 9] == IPPROTO_UDP && get16(r->out.b + ETH_LEN + 20) == 53;
}

/* The gateway's IPv6 answers (bpf/lib/ndp.h, eb_icmp6_error): NULL or
 * what is wrong. */
static const char *answer6_whole(const struct tmpl_out *t, const struct run_res *r)
{
	struct lay lo = layout(&r->out);
	const uint8_t *o6 = r->out.b + ETH_LEN, *i6 = t->f.b + ETH_LEN, *want;
	uint32_t qn;

	if (r->target != (uint32_t)t->ifindex)
		return ": an IPv6 answer not sent back where the packet came from";
	if (memcmp(r->out.b, t->f.b + 6, 6) || memcmp(o6 + 24, i6 + 8, 16))
		return ": an IPv6 answer, not to the packet's sender (MAC, address)";
	if (!lo.ipv6 || lo.proto != IPPROTO_ICMPV6 ||
	    (uint32_t)get16(o6 + 4) + IP6_L4 != r->out.len)
		return ": an IPv6 answer that is no ICMPv6 packet of its own length";
	if (r->decision == EB_CNT_NDP_REPLY) {
		if (t->prog != 0 || r->out.len != 86 || o6[40] != 136 || o6[7] != 255 ||
		    o6[40 + 24] != 2 || o6[40 + 25] != 1)
			return ": ndp_reply, but no NA (hop limit 255, its TLLA option, 86 bytes)";
		if (memcmp(o6 + 8, i6 + 48, 16))
			return ": an NA not from the solicited target";
		want = !memcmp(i6 + 48, gw6, 16)  ? ep_mac(t->ifindex, true)
		       : !memcmp(i6 + 48, b6, 16) ? MAC_B
		       : !memcmp(i6 + 48, a6, 16) ? MAC_A
						  : NULL;
		if (!want || memcmp(r->out.b + 6, want, 6) || memcmp(o6 + 40 + 26, want, 6))
			return ": an NA with a MAC other than the target's (gateway: its port's)";
		return NULL;
	}
	/* icmp6_sent: time exceeded or packet too big, quoting the packet as
	 * it came (RFC 4443 2.4 c: as much as fits). */
	if (lo.l4n < 8 + 40 || (o6[40] != 2 && o6[40] != 3))
		return ": icmp6_sent, but no packet too big nor time exceeded";
	qn = lo.l4n - 8;
	if (qn > t->f.len - ETH_LEN || memcmp(o6 + 48, i6, qn))
		return ": an ICMPv6 error not quoting the packet as it came";
	if (memcmp(o6 + 8, t->prog ? i6 + 24 : gw6, 16))
		return ": an ICMPv6 error from an address other than the gateway's (uplink: the "
		       "one "
		       "the packet was sent to)";
	return NULL;
}

/* Is a REDIRECT's packet a whole translation? Returns NULL or what is wrong. */
static const char *redirect_whole(const struct tmpl_out *t, const struct run_res *r)
{
	struct lay li = layout(&t->f), lo = layout(&r->out);
	const uint8_t *o3 = r->out.b + ETH_LEN, *i3 = t->f.b + ETH_LEN, *mac;
	uint32_t saddr, daddr;
	int delta = 0;

	if (is_dns_answer(t, r)) {
		/* A DNS answer, back out of the port: to the asker, from the
		 * gateway (its checksums are checked by the caller). */
		memcpy(&saddr, r->out.b + ETH_LEN + 12, 4);
		memcpy(&daddr, r->out.b + ETH_LEN + 16, 4);
		if (memcmp(r->out.b, MAC_A, 6) || memcmp(r->out.b + 6, MAC_A_HOST, 6))
			return ": a DNS answer without the asker's MACs";
		if (saddr != fx_ip(GATEWAY) || daddr != fx_ip(IP_A))
			return ": a DNS answer not from the gateway to the asker";
		if ((uint32_t)get16(r->out.b + ETH_LEN + 2) + ETH_LEN != r->out.len ||
		    (uint32_t)get16(r->out.b + ETH_LEN + 24) + ETH_LEN + 20 != r->out.len)
			return ": a DNS answer whose lengths are not the packet's";
		return NULL;
	}
	if (r->decision == EB_CNT_ICMP_SENT) {
		/* The datapath as a router: an ICMP error (frag needed, time
		 * exceeded) to the sender, back where it came from. */
		if (r->target != (uint32_t)t->ifindex)
			return ": an ICMP error not sent back where the packet came from";
		if (!lo.ipv4 || r->out.b[ETH_LEN + 9] != 1 ||
		    (r->out.b[ETH_LEN + 20] != 3 && r->out.b[ETH_LEN + 20] != 11))
			return ": icmp_sent, but no ICMP error";
		if (memcmp(r->out.b + ETH_LEN + 16, t->f.b + ETH_LEN + 12, 4) ||
		    memcmp(r->out.b, t->f.b + 6, 6))
			return ": an ICMP error, not to the packet's sender";
		return NULL;
	}
	if (r->decision == EB_CNT_ICMP6_SENT || r->decision == EB_CNT_NDP_REPLY)
		return answer6_whole(t, r);
	if (r->decision == EB_CNT_TO_UPLINK) {
		/* To the host's address with no host socket: the frame goes
		 * to the uplink's ingress as it is, but for its MAC. */
		if (t->prog != 0 || r->target != (uint32_t)env.if_up)
			return ": to_uplink, but not from a container to the uplink";
		if (r->out.len != t->f.len || memcmp(r->out.b + 6, t->f.b + 6, t->f.len - 6))
			return ": to_uplink, but changed";
		return NULL;
	}
	/* NAT46 (the world without IPv6 only): the family changes, and the
	 * length by the 20 bytes between the two headers. */
	if (li.ipv6 && lo.ipv4)
		delta = -20;
	else if (li.ipv4 && lo.ipv6)
		delta = 20;
	if (delta && !t->world)
		return ": the family changed on a network with IPv6";
	if ((int64_t)r->out.len != (int64_t)t->f.len + delta)
		return ": length changed";
	if (t->prog == 0) {
		if (r->target == (uint32_t)env.if_up) {
			if (lo.ipv6) {
				if (memcmp(o3 + 8, snat6, 16))
					return ": out of the uplink with an IPv6 source other than "
					       "the NAT address";
				if (delta && (memcmp(o3 + 24, client6, 16) ||
					      (uint32_t)get16(o3 + 4) + 20 != get16(i3 + 2)))
					return ": NAT46 out: not to the client, or payload length "
					       "not tot_len - 20";
				return NULL;
			}
			if (!lo.ipv4)
				return ": out of the uplink, not IP";
			memcpy(&saddr, r->out.b + ETH_LEN + 12, 4);
			if (saddr != fx_ip(SNAT_IP))
				return ": out of the uplink with a source other than the NAT "
				       "address";
			return NULL;
		}
		if (r->target == (uint32_t)t->ifindex) {
			/* an ARP reply, back out of the port */
			if (get16(r->out.b + 12) != 0x0806 || get16(r->out.b + ETH_LEN + 6) != 2)
				return ": back to the sender, but not an ARP reply";
			return NULL;
		}
		if (ep_mac(r->target, false)) {
			if (memcmp(r->out.b, t->f.b, t->f.len))
				return ": forwarded to a container, but changed";
			return NULL;
		}
		return ": redirected to an unknown device";
	}
	mac = ep_mac(r->target, false);
	if (!mac)
		return ": from the uplink to a device that is no container's";
	if (memcmp(r->out.b, mac, 6) || memcmp(r->out.b + 6, ep_mac(r->target, true), 6))
		return ": into a container without its MACs";
	if (lo.ipv6) {
		if (memcmp(o3 + 24, r->target == (uint32_t)env.if_a ? a6 : b6, 16))
			return ": into a container, IPv6 destination not its address";
		return NULL;
	}
	if (!lo.ipv4)
		return ": into a container, not IP";
	memcpy(&daddr, r->out.b + ETH_LEN + 16, 4);
	if (daddr != fx_ip(r->target == (uint32_t)env.if_a ? IP_A : IP_B))
		return ": into a container, destination not its address";
	if (delta) {
		/* NAT46 in: a header made anew, the L4 payload as it came. */
		uint32_t hdr = li.proto == IPPROTO_TCP ? (i3[40 + 12] >> 4) * 4u : 8;

		memcpy(&saddr, o3 + 12, 4);
		if (lo.hl != 20 || fx_fold(fx_sum(o3, 20, 0)))
			return ": NAT46 in: an IPv4 header whose checksum does not verify";
		if (saddr != fx_ip(GATEWAY) || o3[9] != li.proto ||
		    get16(o3 + 2) != get16(i3 + 4) + 20)
			return ": NAT46 in: not from the gateway, or protocol, tot_len not the "
			       "packet's";
		if (hdr < li.l4n && memcmp(o3 + 20 + hdr, i3 + 40 + hdr, li.l4n - hdr))
			return ": NAT46 in: the L4 payload after the header changed";
	}
	return NULL;
}

static void one_frame(struct tmpl_out *t, enum mut m)
{
	static struct snap before[5], after[5];
	struct world *w = t->world ? &fx46 : &fx;
	uint64_t s0[EB_CNT_MAX], s1[EB_CNT_MAX], drops = 0;
	enum inv why = invalid_reason(&t->f);
	int prog = t->prog ? w->pu : w->pc, fam = is_ip6(&t->f);
	int fds[5] = {w->ct_tcp, w->ct_other, w->frags, w->ct6_tcp, w->ct6_other};
	uint32_t ks[5] = {sizeof(struct eb_ct_key), sizeof(struct eb_ct_key),
			  sizeof(struct eb_frag_key), sizeof(struct eb_ct6_key),
			  sizeof(struct eb_ct6_key)};
	uint32_t cs_in = csum_state(&t->f), cs_out, moved = 0, moved_idx = 0;
	struct run_res r;
	const char *what;
	char det[96];

	n_frames++;
	n_frames6 += fam;
	n_world46 += t->world;
	n_by_mut[m]++;
	inv_seen[why]++;
	if (why != INV_NONE)
		for (int i = 0; i < 5; i++)
			snap_take(fds[i], ks[i], &before[i]);
	stats_read(w, s0);
	run_prog(prog, t->ifindex, &t->f, &r);
	if (r.err == -EINVAL && kernel_refuses(&t->f)) {
		n_refused++;
		return;
	}
	if (r.err) {
		snprintf(det, sizeof(det), ": %s", strerror(-r.err));
		report(C_RUN, 0, t, m, &r, det);
		viol[fam][C_RUN]++;
		return;
	}
	stats_read(w, s1);
	n_verdict[t->prog][(r.verdict + 1) & 15]++;
	n_decision[t->prog][r.decision < EB_CNT_MAX ? r.decision : 0]++;
	if (fam)
		n_decision6[t->prog][r.decision < EB_CNT_MAX ? r.decision : 0]++;
	if (r.verdict == TC_ACT_REDIRECT && t->world && get16(r.out.b + 12) != get16(t->f.b + 12))
		n_nat46[t->prog]++;

	if (!verdict_known(t->prog, r.verdict)) {
		snprintf(det, sizeof(det), ": verdict %d", r.verdict);
		report(C_VERDICT, 0, t, m, &r, det);
		viol[fam][C_VERDICT]++;
	}
	for (uint32_t i = EB_CNT_DROP_FIRST; i < EB_CNT_DROP_END; i++) {
		if (s1[i] != s0[i]) {
			moved++;
			moved_idx = i;
			drops += s1[i] - s0[i];
		}
	}
	if (r.verdict == TC_ACT_SHOT && r.decision == EB_CNT_NDP_IGNORED) {
		/* NDP and MLD that go nowhere (bpf/lib/ndp.h): no drop. */
		if (drops || s1[EB_CNT_NDP_IGNORED] - s0[EB_CNT_NDP_IGNORED] != 1) {
			snprintf(det, sizeof(det), ": ndp_ignored %+" PRId64 ", %" PRIu64 " drops",
				 (int64_t)(s1[EB_CNT_NDP_IGNORED] - s0[EB_CNT_NDP_IGNORED]), drops);
			report(C_DROP_COUNT, 0, t, m, &r, det);
			viol[fam][C_DROP_COUNT]++;
		}
	} else if (r.verdict == TC_ACT_SHOT) {
		if (drops != 1 || moved != 1 || moved_idx != r.decision) {
			snprintf(det, sizeof(det),
				 ": %" PRIu64 " drops over %u counters (last %u), decision %u",
				 drops, moved, moved_idx, r.decision);
			report(C_DROP_COUNT, 0, t, m, &r, det);
			viol[fam][C_DROP_COUNT]++;
		}
	} else if (drops) {
		snprintf(det, sizeof(det), ": counter %u moved", moved_idx);
		report(C_NO_DROP, 0, t, m, &r, det);
		viol[fam][C_NO_DROP]++;
	}
	if (r.verdict == TC_ACT_OK || r.verdict == TC_ACT_UNSPEC) {
		if (r.out.len != t->f.len || memcmp(r.out.b, t->f.b, t->f.len)) {
			report(C_PASS_INTACT, 0, t, m, &r, NULL);
			viol[fam][C_PASS_INTACT]++;
		}
	}
	if (r.verdict == TC_ACT_REDIRECT && why == INV_NONE) {
		struct lay lo = layout(&r.out);

		cs_out = csum_state(&r.out);
		/* A packet made anew (a DNS answer, an ICMP error of the
		 * gateway, an NA): its checksums are complete, whatever the
		 * input had (UDP checksum 0 included). */
		if (is_dns_answer(t, &r) || r.decision == EB_CNT_ICMP_SENT)
			cs_in = CS_IP | CS_L4;
		else if (r.decision == EB_CNT_ICMP6_SENT || r.decision == EB_CNT_NDP_REPLY)
			cs_in = CS_L4;
		/* IPv6 out (NAT46): no header checksum left to keep. */
		if (lo.ipv6)
			cs_in &= ~(uint32_t)(CS_IP | CS_INNER_IP);
		if ((cs_in & cs_out) != cs_in) {
			int c = has_trailer(&t->f) ? C_REDIR_CSUM_TRAILER : C_REDIR_CSUM;

			snprintf(det, sizeof(det), ": checksums in %#x, out %#x", cs_in, cs_out);
			report(c, 0, t, m, &r, det);
			viol[fam][c]++;
		}
		what = redirect_whole(t, &r);
		if (what) {
			report(C_REDIR_XLATE, 0, t, m, &r, what);
			viol[fam][C_REDIR_XLATE]++;
		}
	}
	if (why != INV_NONE && r.verdict == TC_ACT_REDIRECT &&
	    (r.out.len != t->f.len || memcmp(r.out.b, t->f.b, t->f.len))) {
		report(why, 2, t, m, &r, NULL);
		xlate_viol[why]++;
	}
	if (why != INV_NONE) {
		uint32_t added = 0;

		for (int i = 0; i < 5; i++) {
			snap_take(fds[i], ks[i], &after[i]);
			added += snap_new(&before[i], &after[i]);
		}
		if (added) {
			snprintf(det, sizeof(det), " (%u new keys)", added);
			report(why, 1, t, m, &r, det);
			ct_viol[why]++;
		}
	}
}

#endif
