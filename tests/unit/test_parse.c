// SPDX-License-Identifier: GPL-2.0
/* User-space unit tests: address, CIDR and name parsing, address allocation. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "check.h"
#include "util.h"
#include "ebnet_maps.h"

static uint32_t ip(const char *s)
{
	uint32_t a = 0;

	inet_pton(AF_INET, s, &a);
	return a;
}

static void test_ipv4(void)
{
	uint32_t a;
	const char *bad[] = { "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.-4", "a.b.c.d",
			      "1..2.3", "01.2.3.4", "1.2.3.4 ", " 1.2.3.4", "1.2.3.4/24", "1.2.3.1000" };

	ASSERT_EQ(eb_parse_ipv4("10.77.0.2", &a), 0, "parse 10.77.0.2");
	ASSERT_EQ(a, ip("10.77.0.2"), "value of 10.77.0.2");
	ASSERT_EQ(eb_parse_ipv4("0.0.0.0", &a), 0, "parse 0.0.0.0");
	ASSERT_EQ(eb_parse_ipv4("255.255.255.255", &a), 0, "parse 255.255.255.255");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char what[64];

		snprintf(what, sizeof(what), "reject ipv4 '%s'", bad[i]);
		ASSERT_EQ(eb_parse_ipv4(bad[i], &a), -22, what);
	}
}

static void test_cidr(void)
{
	uint32_t net;
	int plen;
	const char *bad[] = { "10.77.0.0", "10.77.0.0/", "10.77.0.0/33", "10.77.0.0/31",
			      "10.77.0.0/32", "10.77.0.0/0", "10.77.0.1/16", "10.77.0.0/16x",
			      "10.77.0.0/-1", "10.77/16", "/16", "10.77.0.0/999999999999" };

	ASSERT_EQ(eb_parse_cidr("10.77.0.0/16", &net, &plen), 0, "parse 10.77.0.0/16");
	ASSERT_EQ(net, ip("10.77.0.0"), "network of 10.77.0.0/16");
	ASSERT_EQ(plen, 16, "prefix of 10.77.0.0/16");
	ASSERT_EQ(eb_parse_cidr("172.18.0.0/16", &net, &plen), 0, "parse default subnet");
	ASSERT_EQ(eb_parse_cidr("192.168.5.0/30", &net, &plen), 0, "parse /30");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char what[64];

		snprintf(what, sizeof(what), "reject cidr '%s'", bad[i]);
		ASSERT_EQ(eb_parse_cidr(bad[i], &net, &plen), -22, what);
	}
	ASSERT_EQ(eb_plen_to_mask(16), ip("255.255.0.0"), "mask of /16");
	ASSERT_EQ(eb_plen_to_mask(30), ip("255.255.255.252"), "mask of /30");
}

static void test_names(void)
{
	const char *good[] = { "web", "db-1", "a", "x.y_z", "A0123456789012345678901234567890" + 1 };
	const char *bad[] = { "", "-web", ".web", "we/b", "we b", "web\n", "a234567890123456789012345678901234",
			      "wéb", "../x" };

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ASSERT_EQ(eb_valid_name(good[i], 32), 0, good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char what[96];

		snprintf(what, sizeof(what), "reject name '%s'", bad[i]);
		ASSERT_EQ(eb_valid_name(bad[i], 32), -22, what);
	}
}

static bool taken_list(uint32_t a, void *ctx)
{
	const uint32_t *l = ctx;

	for (; *l; l++)
		if (*l == a)
			return true;
	return false;
}

static void test_alloc(void)
{
	uint32_t net = ip("10.77.0.0"), gw = ip("10.77.0.1");
	uint32_t none[] = { 0 };
	uint32_t some[] = { ip("10.77.0.2"), ip("10.77.0.3"), ip("10.77.0.5"), 0 };
	uint32_t full30[] = { ip("192.168.5.2"), 0 };

	ASSERT_EQ(eb_first_host(net, 16), gw, "gateway is the first host");
	ASSERT_EQ(eb_next_free_ip(net, 16, gw, taken_list, none), ip("10.77.0.2"), "first free");
	ASSERT_EQ(eb_next_free_ip(net, 16, gw, taken_list, some), ip("10.77.0.4"), "skips taken");
	/* A /30 has two hosts: the gateway and one container. */
	ASSERT_EQ(eb_next_free_ip(ip("192.168.5.0"), 30, ip("192.168.5.1"), taken_list, full30), 0,
		  "full /30");
	ASSERT_TRUE(eb_ip_is_host(ip("10.77.255.254"), net, 16), "last host of /16");
	ASSERT_TRUE(!eb_ip_is_host(ip("10.77.255.255"), net, 16), "broadcast is no host");
	ASSERT_TRUE(!eb_ip_is_host(ip("10.77.0.0"), net, 16), "network is no host");
	ASSERT_TRUE(!eb_ip_is_host(ip("10.78.0.2"), net, 16), "outside the subnet");
}

static void test_derived(void)
{
	unsigned char m[6];
	char a[16], b[16], buf[18];

	eb_host_dev_name("web", a);
	eb_host_dev_name("db", b);
	ASSERT_EQ(strlen(a), 10, "host device name length");
	ASSERT_TRUE(strncmp(a, "eb", 2) == 0, "host device name prefix");
	ASSERT_TRUE(strcmp(a, b) != 0, "different containers, different devices");
	eb_mac_for(ip("10.77.0.2"), false, m);
	ASSERT_TRUE(!strcmp(eb_mac_str(m, buf), "02:eb:0a:4d:00:02"), "container MAC");
	eb_mac_for(ip("10.77.0.2"), true, m);
	ASSERT_TRUE(!strcmp(eb_mac_str(m, buf), "06:eb:0a:4d:00:02"), "host-side MAC");
	eb_json_str("a\"b\\c\n", buf, sizeof(buf));
	ASSERT_TRUE(!strcmp(buf, "a\\\"b\\\\c\\u000a"), "json escaping");
}

/* maps/ebnet_counters.h: drops (and only drops) in the drop range, stats
 * names unique, EB_CNT_LAST one past the last index in use. */
static void test_counters(void)
{
	static const struct {
		int idx;
		const char *name;
	} l[] = {
#define EB_CNT_ROW(idx, name, text, help) { idx, text },
		EB_COUNTERS(EB_CNT_ROW)
#undef EB_CNT_ROW
	};
	int n = sizeof(l) / sizeof(l[0]), top = -1, bad = 0, dup = 0;

	for (int i = 0; i < n; i++) {
		bool drop = !strncmp(l[i].name, "drop_", 5);
		bool in_range = l[i].idx >= EB_CNT_DROP_FIRST && l[i].idx < EB_CNT_DROP_END;

		if (drop != in_range) {
			fprintf(stderr, "  counter %d '%s': %s the drop range\n", l[i].idx,
				l[i].name, in_range ? "not a drop, in" : "a drop, outside");
			bad++;
		}
		for (int j = 0; j < i; j++)
			dup += !strcmp(l[i].name, l[j].name);
		if (l[i].idx > top)
			top = l[i].idx;
	}
	ASSERT_EQ(bad, 0, "counters: drop_* names are exactly those in the drop range");
	ASSERT_EQ(dup, 0, "counters: every stats name once");
	ASSERT_EQ(top + 1, EB_CNT_LAST, "counters: EB_CNT_LAST is one past the last in use");
	ASSERT_TRUE(EB_CNT_LAST <= EB_CNT_MAX, "counters: eb_stats has room");
}

int main(void)
{
	test_ipv4();
	test_cidr();
	test_names();
	test_alloc();
	test_derived();
	test_counters();
	return eb_check_done();
}
