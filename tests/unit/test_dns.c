// SPDX-License-Identifier: GPL-2.0
/*
 * Names in the datapath (bpf/lib/dns.h) through BPF_PROG_TEST_RUN: a table
 * of golden packets in the manner of Katran's test fixtures. Each row is a
 * DNS message sent by a container to the gateway's port 53, the verdict
 * and decision expected, and the answer message expected byte for byte;
 * the test wraps it in the Ethernet, IPv4 and UDP headers the answer must
 * have (MACs, addresses and ports swapped, lengths, TTL 64, DF) and checks
 * the whole frame, then checks both checksums on their own (the IPv4
 * header's sum, and the UDP sum with its pseudo header).
 *
 * The rows: A, names in other letters, NAME.DOMAIN, aliases, AAAA (no
 * record), PTR, NXDOMAIN (single label, in the domain, a free address of
 * the subnet), EDNS stripped, no UDP checksum, an Ethernet trailer, the
 * malformed ones (QDCOUNT, ANCOUNT, a compression pointer or a loop of
 * them, a label over 63, a name over 255, truncated: FORMERR; shorter than
 * a header, a response, a UDP length past the packet: dropped), and what
 * is not answered here (another domain, another subnet's PTR, a NOTIFY):
 * passed to the host without an upstream, sent on to the upstream with its
 * destination rewritten with one.
 *
 * The fixture (fixture.h): a network namespace of its own with a veth for
 * the port; maps not pinned. Needs root; skips without it.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "check.h"
#include "fixture.h"

#define GATEWAY "10.77.0.1"
#define IP_A	"10.77.0.2"
#define IP_DB	"10.77.0.10"
#define UPSTREAM "203.0.113.53"

static const uint8_t MAC_A[6] = { 0x02, 0xeb, 0x0a, 0x4d, 0x00, 0x02 };
static const uint8_t MAC_A_HOST[6] = { 0x06, 0xeb, 0x0a, 0x4d, 0x00, 0x02 };

static struct fx_progs fp;
static int if_a;

/* "12 34 ab" -> bytes; returns the count. */
static int hex(const char *s, uint8_t *out)
{
	int n = 0;
	unsigned int v;

	while (*s) {
		if (*s == ' ' || *s == '\n') {
			s++;
			continue;
		}
		if (sscanf(s, "%2x", &v) != 1)
			break;
		out[n++] = v;
		s += 2;
	}
	return n;
}

/* UDP sum with its pseudo header over the frame f (IPv4 at 14, no options). */
static uint16_t udp_sum(const uint8_t *f, uint32_t ulen)
{
	return fx_fold(fx_sum(f + 34, ulen, fx_pseudo4(f + 14, ulen)));
}

/* Ethernet + IPv4 (no options, TTL 64) + UDP around msg, from smac/sip:sp
 * to dmac/dip:dp; the UDP checksum computed when csum (else 0, "none"). */
static int frame(uint8_t *f, const uint8_t *smac, const uint8_t *dmac, uint32_t sip, uint32_t dip,
		 uint16_t sp, uint16_t dp, const uint8_t id[2], bool df, const uint8_t *msg,
		 int mlen, bool csum)
{
	uint32_t ulen = 8 + mlen;
	uint16_t c;

	fx_put_eth(f, dmac, smac, 0x0800);
	memset(f + 14, 0, 20);
	f[14] = 0x45;
	f[16] = (20 + ulen) >> 8, f[17] = (20 + ulen) & 0xff;
	f[18] = id[0], f[19] = id[1];
	f[20] = df ? 0x40 : 0;
	f[22] = 64, f[23] = 17;
	memcpy(f + 26, &sip, 4);
	memcpy(f + 30, &dip, 4);
	c = htons(fx_csum(f + 14, 20));
	memcpy(f + 24, &c, 2);
	f[34] = sp >> 8, f[35] = sp & 0xff;
	f[36] = dp >> 8, f[37] = dp & 0xff;
	f[38] = ulen >> 8, f[39] = ulen & 0xff;
	f[40] = f[41] = 0;
	memcpy(f + 42, msg, mlen);
	if (csum) {
		c = udp_sum(f, ulen);
		c = htons(c ? c : 0xffff);
		memcpy(f + 40, &c, 2);
	}
	return 42 + mlen;
}

/* A container's query: A -> gateway:53 from port 40053, trailer bytes of
 * Ethernet padding after it. */
static int query_frame(uint8_t *f, const uint8_t *msg, int mlen, bool csum, int trailer)
{
	static const uint8_t id[2] = { 0xbe, 0xef };
	int n = frame(f, MAC_A, MAC_A_HOST, fx_ip(IP_A), fx_ip(GATEWAY), 40053, 53, id, false, msg, mlen,
		      csum);

	memset(f + n, 0xee, trailer);
	return n + trailer;
}

/* The answer frame the datapath must send back for the query frame q:
 * everything swapped, the query's IP id, DF, a complete UDP checksum. */
static int answer_frame(uint8_t *f, const uint8_t *q, const uint8_t *msg, int mlen)
{
	return frame(f, MAC_A_HOST, MAC_A, fx_ip(GATEWAY), fx_ip(IP_A), 53, q[34] << 8 | q[35], q + 18,
		     true, msg, mlen, true);
}

static uint64_t counter(uint32_t idx)
{
	return fx_counter(&fp, idx);
}

/* ---- the table ---- */

#define Q_HDR  "1234 0100 0001 0000 0000 0000"	/* id 1234, RD, one question */
#define Q_HDR_AR "1234 0100 0001 0000 0000 0001" /* ... and an additional record */
#define A_OK   "1234 8580 0001 0001 0000 0000"	/* QR AA RD RA, NOERROR, one answer */
#define A_NODATA "1234 8580 0001 0000 0000 0000" /* NOERROR, no answer */
#define A_NX   "1234 8583 0001 0000 0000 0000"	/* NXDOMAIN */
#define A_FORMERR "1234 8181 0000 0000 0000 0000" /* QR RD RA FORMERR, header only */
#define N_DB   "02 6462 00"			/* db */
#define N_DBWEB "02 6462 03 776562 00"		/* db.web */
#define RR_A_DB "c00c 0001 0001 0000000a 0004 0a4d000a" /* A 10.77.0.10, TTL 10 */
#define T_A    "0001 0001"
#define T_AAAA "001c 0001"
#define T_PTR  "000c 0001"
#define PTR_DB "02 3130 01 30 02 3737 02 3130 07 696e2d61646472 04 61727061 00" /* 10.0.77.10.in-addr.arpa */

enum { ANSWER, DROP, PASS, FWD };

struct row {
	const char *what;
	const char *query;
	int kind;	    /* ANSWER (the frame below), DROP, PASS (unchanged), FWD */
	uint32_t decision;  /* enum eb_counter left in cb[0] */
	const char *answer; /* ANSWER: the message expected */
	bool no_csum;	    /* the query has UDP checksum 0 */
	int trailer;	    /* bytes of Ethernet padding after the query */
	bool upstream;	    /* with an upstream resolver configured */
};

static const struct row rows[] = {
	{ "A of a container", Q_HDR N_DB T_A, ANSWER, EB_CNT_DNS_ANSWERED,
	  A_OK N_DB T_A RR_A_DB },
	{ "A in other letters: the question as asked", Q_HDR "02 4442 00" T_A, ANSWER,
	  EB_CNT_DNS_ANSWERED, A_OK "02 4442 00" T_A RR_A_DB },
	{ "A of NAME.DOMAIN", Q_HDR N_DBWEB T_A, ANSWER, EB_CNT_DNS_ANSWERED,
	  A_OK N_DBWEB T_A RR_A_DB },
	{ "A of an alias with the domain", Q_HDR "02 7067 03 576562 00" T_A, ANSWER,
	  EB_CNT_DNS_ANSWERED, A_OK "02 7067 03 576562 00" T_A RR_A_DB },
	{ "RD clear stays clear", "1234 0000 0001 0000 0000 0000" N_DB T_A, ANSWER,
	  EB_CNT_DNS_ANSWERED, "1234 8480 0001 0001 0000 0000" N_DB T_A RR_A_DB },
	{ "AAAA: NOERROR, no record", Q_HDR N_DB T_AAAA, ANSWER, EB_CNT_DNS_ANSWERED,
	  A_NODATA N_DB T_AAAA },
	{ "MX of a container: NOERROR, no record", Q_HDR N_DB "000f 0001", ANSWER,
	  EB_CNT_DNS_ANSWERED, A_NODATA N_DB "000f 0001" },
	{ "PTR of a container", Q_HDR PTR_DB T_PTR, ANSWER, EB_CNT_DNS_ANSWERED,
	  A_OK PTR_DB T_PTR "c00c 000c 0001 0000000a 0008 02 6462 03 776562 00" },
	{ "PTR of a free address of the subnet: NXDOMAIN",
	  Q_HDR "02 3939 01 30 02 3737 02 3130 07 696e2d61646472 04 61727061 00" T_PTR, ANSWER,
	  EB_CNT_DNS_NXDOMAIN,
	  A_NX "02 3939 01 30 02 3737 02 3130 07 696e2d61646472 04 61727061 00" T_PTR },
	{ "unknown single label: NXDOMAIN", Q_HDR "04 6e6f7065 00" T_A, ANSWER,
	  EB_CNT_DNS_NXDOMAIN, A_NX "04 6e6f7065 00" T_A },
	{ "unknown name of the domain: NXDOMAIN", Q_HDR "04 6e6f7065 03 776562 00" T_A, ANSWER,
	  EB_CNT_DNS_NXDOMAIN, A_NX "04 6e6f7065 03 776562 00" T_A },
	{ "a deeper name of the domain: NXDOMAIN", Q_HDR "01 78 02 6462 03 776562 00" T_A,
	  ANSWER, EB_CNT_DNS_NXDOMAIN, A_NX "01 78 02 6462 03 776562 00" T_A },
	{ "EDNS: the OPT record is not kept",
	  Q_HDR_AR N_DB T_A "00 0029 1000 00000000 0000", ANSWER, EB_CNT_DNS_ANSWERED,
	  A_OK N_DB T_A RR_A_DB },
	{ "a query without UDP checksum: the answer has one", Q_HDR N_DB T_A, ANSWER,
	  EB_CNT_DNS_ANSWERED, A_OK N_DB T_A RR_A_DB, .no_csum = true },
	{ "an Ethernet trailer: not in the answer", Q_HDR N_DB T_A, ANSWER, EB_CNT_DNS_ANSWERED,
	  A_OK N_DB T_A RR_A_DB, .trailer = 6 },
	/* malformed: FORMERR */
	{ "QDCOUNT 2: FORMERR", "1234 0100 0002 0000 0000 0000" N_DB T_A N_DB T_A, ANSWER,
	  EB_CNT_DNS_MALFORMED, A_FORMERR },
	{ "QDCOUNT 0: FORMERR", "1234 0100 0000 0000 0000 0000", ANSWER, EB_CNT_DNS_MALFORMED,
	  A_FORMERR },
	{ "ANCOUNT 1 in a query: FORMERR", "1234 0100 0001 0001 0000 0000" N_DB T_A, ANSWER,
	  EB_CNT_DNS_MALFORMED, A_FORMERR },
	{ "a compression pointer to itself: FORMERR", Q_HDR "c00c" T_A, ANSWER,
	  EB_CNT_DNS_MALFORMED, A_FORMERR },
	{ "a pointer loop after a label: FORMERR", Q_HDR "02 6462 c00c" T_A, ANSWER,
	  EB_CNT_DNS_MALFORMED, A_FORMERR },
	{ "a label of 64: FORMERR", Q_HDR "40" T_A, ANSWER, EB_CNT_DNS_MALFORMED, A_FORMERR },
	{ "truncated in a label: FORMERR", Q_HDR "05 6162", ANSWER, EB_CNT_DNS_MALFORMED,
	  A_FORMERR },
	{ "no type and class: FORMERR", Q_HDR N_DB "00", ANSWER, EB_CNT_DNS_MALFORMED,
	  A_FORMERR },
	/* malformed: dropped */
	{ "shorter than a DNS header: dropped", "1234 0100 00", DROP, EB_CNT_DROP_MALFORMED },
	{ "a response: dropped", "1234 8180 0001 0000 0000 0000" N_DB T_A, DROP,
	  EB_CNT_DROP_MALFORMED },
	/* not answered here */
	{ "another domain, no upstream: to the host", Q_HDR "07 6578616d706c65 03 6f7267 00" T_A,
	  PASS, EB_CNT_TO_HOST },
	{ "the root: to the host", Q_HDR "00" T_A, PASS, EB_CNT_TO_HOST },
	{ "another subnet's PTR: to the host",
	  Q_HDR "01 31 01 32 01 33 01 34 07 696e2d61646472 04 61727061 00" T_PTR, PASS,
	  EB_CNT_TO_HOST },
	{ "a NOTIFY: to the host", "1234 2000 0001 0000 0000 0000" N_DB T_A, PASS,
	  EB_CNT_TO_HOST },
	{ "another domain, an upstream: sent on to it",
	  Q_HDR "07 6578616d706c65 03 6f7267 00" T_A, FWD, 0, .upstream = true },
	{ "the container's own name with an upstream: still answered here", Q_HDR N_DB T_A,
	  ANSWER, EB_CNT_DNS_ANSWERED, A_OK N_DB T_A RR_A_DB, .upstream = true },
};

static void set_upstream(bool on)
{
	struct eb_dns_cfg dc = { .domain = { 3, 'w', 'e', 'b', 0 }, .domain_len = 5, .ttl = 10 };
	__u32 zero = 0;

	if (on) {
		dc.n_up = 1;
		dc.up[0] = fx_ip(UPSTREAM);
	}
	bpf_map_update_elem(FX_MAP(&fp, eb_dns), &zero, &dc, BPF_ANY);
}

static void run_row(const struct row *r)
{
	uint8_t msg[700], q[800], want[800], ans[700];
	int mlen = hex(r->query, msg), qlen, alen, wlen;
	static struct fx_result res;
	const uint8_t *out = res.out;
	uint64_t dns0 = counter(EB_CNT_DNS_MALFORMED), dns1;
	char what[200];
	int err;

	set_upstream(r->upstream);
	qlen = query_frame(q, msg, mlen, !r->no_csum, r->trailer);
	err = fx_run(fp.pc, if_a, q, qlen, 0, &res);
	snprintf(what, sizeof(what), "%s: test run", r->what);
	if (!ASSERT_EQ(err, 0, what))
		return;
	snprintf(what, sizeof(what), "%s: decision", r->what);
	if (r->kind != FWD)
		ASSERT_EQ(res.decision, r->decision, what);
	dns1 = counter(EB_CNT_DNS_MALFORMED);
	snprintf(what, sizeof(what), "%s: dns_malformed counted once if malformed", r->what);
	ASSERT_EQ(dns1 - dns0,
		  r->decision == EB_CNT_DNS_MALFORMED || r->kind == DROP ? 1 : 0, what);

	switch (r->kind) {
	case ANSWER:
		snprintf(what, sizeof(what), "%s: redirected", r->what);
		ASSERT_EQ(res.retval, TC_ACT_REDIRECT, what);
		snprintf(what, sizeof(what), "%s: back out of its own port", r->what);
		ASSERT_EQ(res.target, if_a, what);
		alen = hex(r->answer, ans);
		wlen = answer_frame(want, q, ans, alen);
		snprintf(what, sizeof(what), "%s: answer length", r->what);
		ASSERT_EQ(res.out_len, wlen, what);
		snprintf(what, sizeof(what), "%s: every byte of the answer", r->what);
		if (!ASSERT_TRUE(res.out_len == (uint32_t)wlen && !memcmp(out, want, wlen), what)) {
			fprintf(stderr, "  got :");
			for (uint32_t i = 0; i < res.out_len; i++)
				fprintf(stderr, " %02x", out[i]);
			fprintf(stderr, "\n  want:");
			for (int i = 0; i < wlen; i++)
				fprintf(stderr, " %02x", want[i]);
			fprintf(stderr, "\n");
		}
		/* The checksums on their own, from what came out. */
		snprintf(what, sizeof(what), "%s: IPv4 header checksum", r->what);
		ASSERT_EQ(fx_csum(out + 14, 20), 0, what);
		snprintf(what, sizeof(what), "%s: UDP checksum, pseudo header included", r->what);
		ASSERT_EQ(udp_sum(out, (out[38] << 8 | out[39])), 0, what);
		break;
	case DROP:
		snprintf(what, sizeof(what), "%s: dropped", r->what);
		ASSERT_EQ(res.retval, TC_ACT_SHOT, what);
		break;
	case PASS:
		snprintf(what, sizeof(what), "%s: to the host, unchanged", r->what);
		ASSERT_TRUE(res.retval == TC_ACT_OK && res.out_len == (uint32_t)qlen &&
				    !memcmp(out, q, qlen),
			    what);
		break;
	case FWD: {
		uint32_t d;

		memcpy(&d, out + 30, 4);
		snprintf(what, sizeof(what), "%s: destination is the upstream", r->what);
		ASSERT_EQ(d, fx_ip(UPSTREAM), what);
		snprintf(what, sizeof(what), "%s: IPv4 checksum after the rewrite", r->what);
		ASSERT_EQ(fx_csum(out + 14, 20), 0, what);
		snprintf(what, sizeof(what), "%s: UDP checksum after the rewrite", r->what);
		ASSERT_EQ(udp_sum(out, (out[38] << 8 | out[39])), 0, what);
		snprintf(what, sizeof(what), "%s: counted as forwarded", r->what);
		ASSERT_TRUE(counter(EB_CNT_DNS_FORWARDED) > 0, what);
		break;
	}
	}
}

/* A name over 255 bytes, and a UDP length past the packet: built, not hex. */
static void test_long_and_short(void)
{
	uint8_t msg[600], q[800];
	static struct fx_result r;
	int n = hex(Q_HDR, msg), qlen;

	set_upstream(false);
	for (int l = 0; l < 5; l++) { /* 5 labels of 63: 320 bytes */
		msg[n++] = 63;
		memset(msg + n, 'a', 63);
		n += 63;
	}
	msg[n++] = 0;
	n += hex(T_A, msg + n);
	qlen = query_frame(q, msg, n, true, 0);
	ASSERT_EQ(fx_run(fp.pc, if_a, q, qlen, 0, &r), 0, "name over 255: test run");
	ASSERT_EQ(r.retval, TC_ACT_REDIRECT, "name over 255: answered");
	ASSERT_EQ(r.decision, EB_CNT_DNS_MALFORMED, "name over 255: malformed");
	ASSERT_EQ(r.out[42 + 3] & 0xf, 1, "name over 255: FORMERR");
	ASSERT_EQ(r.out_len, 42 + 12, "name over 255: header only");

	/* 255 exactly: 4 labels (63, 63, 63, 61) and the root, not ours. */
	n = hex(Q_HDR, msg);
	for (int l = 0; l < 4; l++) {
		int ll = l < 3 ? 63 : 61;

		msg[n++] = ll;
		memset(msg + n, 'b', ll);
		n += ll;
	}
	msg[n++] = 0;
	n += hex(T_A, msg + n);
	qlen = query_frame(q, msg, n, true, 0);
	ASSERT_EQ(fx_run(fp.pc, if_a, q, qlen, 0, &r), 0, "name of 255: test run");
	ASSERT_EQ(r.decision, EB_CNT_TO_HOST, "name of 255: valid, another domain's");

	n = hex(Q_HDR N_DB T_A, msg);
	qlen = query_frame(q, msg, n, true, 0);
	q[38] = 0x01; /* UDP length 256+: past the packet */
	ASSERT_EQ(fx_run(fp.pc, if_a, q, qlen, 0, &r), 0, "UDP length past the end: test run");
	ASSERT_EQ(r.retval, TC_ACT_SHOT, "UDP length past the end: dropped");
}

static int setup(void)
{
	struct eb_config cfg;
	struct eb_endpoint ep;
	struct eb_ip_key k = { .addr = fx_ip(IP_DB) };
	struct eb_name_val nv = { .ip = fx_ip(IP_DB) };
	struct eb_name_key nk;
	struct eb_name_rev rv = { .len = 8, .name = { 2, 'd', 'b', 3, 'w', 'e', 'b', 0 } };
	static const char *names[] = { "\2db", "\2db\3web", "\2pg", "\2pg\3web" };

	if (fx_netns() || (if_a = fx_veth("p0", NULL, "c0", NULL)) < 0 || fx_load(&fp, NULL))
		return -1;
	fx_config(&cfg, "10.77.0.0", 24, &fp);
	fx_ep(&ep, IP_A, if_a, MAC_A, MAC_A_HOST, "a", NULL, 0);
	if (fx_config_write(&fp, &cfg) || fx_put_ep(&fp, &ep))
		return -1;
	snprintf(nv.owner, sizeof(nv.owner), "db");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		memset(&nk, 0, sizeof(nk));
		memcpy(nk.name, names[i], strlen(names[i]));
		if (bpf_map_update_elem(FX_MAP(&fp, eb_names), &nk, &nv, BPF_ANY))
			return -1;
	}
	if (bpf_map_update_elem(FX_MAP(&fp, eb_names_rev), &k, &rv, BPF_ANY))
		return -1;
	set_upstream(false);
	return 0;
}

/* Failover: two resolvers; the same query (id, port) again 200 ms or
 * more later goes to the second, and so do the queries after it; a copy
 * sent at once does not move it. */
static uint32_t fwd_dst(uint16_t id)
{
	uint8_t msg[100], q[200];
	static struct fx_result r;
	int n = hex(Q_HDR "07 6578616d706c65 03 6f7267 00" T_A, msg), qlen;
	uint32_t d = 0;

	msg[0] = id >> 8;
	msg[1] = id & 0xff;
	qlen = query_frame(q, msg, n, true, 0);
	if (fx_run(fp.pc, if_a, q, qlen, 0, &r) || r.out_len < 34)
		return 0;
	memcpy(&d, r.out + 30, 4);
	return d;
}

static void test_failover(void)
{
	struct eb_dns_cfg dc = { .domain = { 3, 'w', 'e', 'b', 0 }, .domain_len = 5, .ttl = 10,
				 .n_up = 2 };
	struct eb_dns_fwd_key zk = { .ip = fx_ip(IP_A) }, other = { .ip = fx_ip(IP_DB) };
	struct eb_dns_try cur = {};
	int tfd = FX_MAP(&fp, eb_dns_try);
	uint64_t f0 = counter(EB_CNT_DNS_FAILOVER);
	__u32 zero = 0;

	dc.up[0] = fx_ip(UPSTREAM);
	dc.up[1] = fx_ip("198.18.0.53");
	bpf_map_update_elem(FX_MAP(&fp, eb_dns), &zero, &dc, BPF_ANY);
	bpf_map_delete_elem(tfd, &zk);
	ASSERT_EQ(fwd_dst(0x4242), fx_ip(UPSTREAM), "failover: a query goes to the first resolver");
	ASSERT_EQ(fwd_dst(0x4242), fx_ip(UPSTREAM),
		  "failover: the same at once (a copy): still the first");
	ASSERT_EQ(counter(EB_CNT_DNS_FAILOVER) - f0, 0, "failover: none counted for a copy");
	usleep(250 * 1000);
	ASSERT_EQ(fwd_dst(0x4242), fx_ip("198.18.0.53"),
		  "failover: asked again 250 ms later: the second resolver");
	ASSERT_EQ(counter(EB_CNT_DNS_FAILOVER) - f0, 1, "failover: counted once");
	ASSERT_TRUE(bpf_map_lookup_elem(tfd, &zk, &cur) == 0 && cur.idx == 1,
		    "failover: the second is the container's current resolver (key {container, 0, 0})");
	ASSERT_TRUE(bpf_map_lookup_elem(tfd, &other, &cur) != 0,
		    "failover: another container's current resolver is not moved");
	ASSERT_EQ(fwd_dst(0x4343), fx_ip("198.18.0.53"), "failover: a new query goes to the second");
	usleep(250 * 1000);
	ASSERT_EQ(fwd_dst(0x4343), fx_ip(UPSTREAM), "failover: that one unanswered: round to the first");
	ASSERT_EQ(counter(EB_CNT_DNS_FAILOVER) - f0, 2, "failover: counted twice");
	bpf_map_delete_elem(tfd, &zk);
	set_upstream(false);
}

int main(void)
{
	if (geteuid() != 0) {
		SKIP("needs root (BPF_PROG_TEST_RUN, a network namespace)");
		return eb_check_done();
	}
	if (!ASSERT_EQ(setup(), 0, "setup: namespace, veth, skeleton, maps"))
		return eb_check_done();
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		run_row(&rows[i]);
	test_long_and_short();
	test_failover();
	fx_unload(&fp);
	return eb_check_done();
}
