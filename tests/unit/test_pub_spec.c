// SPDX-License-Identifier: GPL-2.0
/*
 * The parser of `ebnet publish` specs (eb_parse_port_spec): good specs, bad
 * ones, IPv6 ones. Needs no root.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "check.h"
#include "util.h"
#include "fixture.h"


/* ---- eb_parse_port_spec ---- */

static void test_spec_good(void)
{
	static const struct {
		const char *s;
		bool with_ctr;
		const char *host_ip;
		uint16_t hlo, hhi, clo, chi;
		uint8_t proto;
		const char *ctr;
	} good[] = {
		{ "8080:web:80", true, "0.0.0.0", 8080, 8080, 80, 80, 6, "web" },
		{ "8080:web:80/tcp", true, "0.0.0.0", 8080, 8080, 80, 80, 6, "web" },
		{ "5353:dns:53/udp", true, "0.0.0.0", 5353, 5353, 53, 53, 17, "dns" },
		{ "127.0.0.1:7070:web:80", true, "127.0.0.1", 7070, 7070, 80, 80, 6, "web" },
		{ "198.51.100.1:443:web-1:8443/tcp", true, "198.51.100.1", 443, 443, 8443, 8443, 6,
		  "web-1" },
		{ "9000-9009:web:9000-9009", true, "0.0.0.0", 9000, 9009, 9000, 9009, 6, "web" },
		{ "20000-29999:web:20000-29999", true, "0.0.0.0", 20000, 29999, 20000, 29999, 6,
		  "web" },
		{ "9000-9009:web:19000-19009/udp", true, "0.0.0.0", 9000, 9009, 19000, 19009, 17,
		  "web" },
		{ "1:a:65535", true, "0.0.0.0", 1, 1, 65535, 65535, 6, "a" },
		{ "65535:a:1", true, "0.0.0.0", 65535, 65535, 1, 1, 6, "a" },
		{ "1-65535:a:1-65535", true, "0.0.0.0", 1, 65535, 1, 65535, 6, "a" },
		{ "80-80:web:8080-8080", true, "0.0.0.0", 80, 80, 8080, 8080, 6, "web" },
		{ "8080", false, "0.0.0.0", 8080, 8080, 0, 0, 6, NULL },
		{ "8080/udp", false, "0.0.0.0", 8080, 8080, 0, 0, 17, NULL },
		{ "127.0.0.1:7070", false, "127.0.0.1", 7070, 7070, 0, 0, 6, NULL },
		{ "9000-9009/tcp", false, "0.0.0.0", 9000, 9009, 0, 0, 6, NULL },
	};
	struct eb_pub_spec sp;
	char why[160], what[320];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int r;

		memset(why, 0, sizeof(why));
		r = eb_parse_port_spec(good[i].s, good[i].with_ctr, &sp, why, sizeof(why));
		snprintf(what, sizeof(what), "spec '%s' (%s) parses: %s", good[i].s,
			 good[i].with_ctr ? "publish" : "unpublish", why);
		if (!ASSERT_EQ(r, 0, what))
			continue;
		snprintf(what, sizeof(what), "spec '%s': host address", good[i].s);
		ASSERT_EQ(sp.host_ip, fx_ip(good[i].host_ip), what);
		snprintf(what, sizeof(what), "spec '%s': host ports", good[i].s);
		ASSERT_EQ(sp.hport_lo << 16 | sp.hport_hi, good[i].hlo << 16 | good[i].hhi, what);
		snprintf(what, sizeof(what), "spec '%s': protocol", good[i].s);
		ASSERT_EQ(sp.proto, good[i].proto, what);
		if (good[i].with_ctr) {
			snprintf(what, sizeof(what), "spec '%s': container ports", good[i].s);
			ASSERT_EQ(sp.cport_lo << 16 | sp.cport_hi, good[i].clo << 16 | good[i].chi,
				  what);
			snprintf(what, sizeof(what), "spec '%s': container name", good[i].s);
			ASSERT_TRUE(!strcmp(sp.ctr, good[i].ctr), what);
		}
	}
}

static void test_spec_bad(void)
{
	static const struct {
		const char *s;
		bool with_ctr;
		const char *why; /* a word the reason must contain */
	} bad[] = {
		{ "0:web:80", true, "host port" },
		{ "65536:web:80", true, "host port" },
		{ "8080:web:0", true, "container port" },
		{ "8080:web:65536", true, "container port" },
		{ "90-80:web:90-80", true, "reversed" },
		{ "80-90:web:90-80", true, "reversed" },
		{ "80-81:web:80-82", true, "unequal" },
		{ "80-82:web:80", true, "unequal" },
		{ "8080:web:80/sctp", true, "sctp" },
		{ "8080:web:80/", true, "protocol" },
		{ "8080:web:80/TCP", true, "protocol" },
		{ ":::", true, "" },
		{ "abc:web:80", true, "" },
		{ "8080:web", true, "" },
		{ "8080", true, "" },
		{ "", true, "" },
		{ "8080:web:80:90", true, "" },
		{ "1.2.3.4:8080:web:80:1", true, "" },
		{ "999.1.1.1:8080:web:80", true, "address" },
		{ "localhost:8080:web:80", true, "address" },
		{ "8080::80", true, "container" },
		{ "8080:-web:80", true, "container" },
		{ "8080:we b:80", true, "container" },
		{ "8080:a2345678901234567890123456789012:80", true, "container" },
		{ "-8080:web:80", true, "" },
		{ "8080-:web:80", true, "" },
		{ "80-81-82:web:80-81-82", true, "" },
		{ "+80:web:80", true, "" },
		{ " 80:web:80", true, "" },
		{ "0x50:web:80", true, "" },
		{ "0", false, "host port" },
		{ "65536", false, "host port" },
		{ "90-80", false, "reversed" },
		{ "8080/sctp", false, "sctp" },
		{ "8080:web:80", false, "" },
		{ "abc", false, "" },
		{ "", false, "" },
	};
	struct eb_pub_spec sp;
	char why[160], what[320];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r;

		why[0] = 0;
		r = eb_parse_port_spec(bad[i].s, bad[i].with_ctr, &sp, why, sizeof(why));
		snprintf(what, sizeof(what), "spec '%s' (%s) is refused", bad[i].s,
			 bad[i].with_ctr ? "publish" : "unpublish");
		ASSERT_EQ(r, -EINVAL, what);
		snprintf(what, sizeof(what), "spec '%s': the reason ('%s') names '%s'", bad[i].s,
			 why, bad[i].why);
		ASSERT_TRUE(why[0] && strstr(why, bad[i].why), what);
	}
	/* Longer than the parser's buffer. */
	{
		char longs[300];

		memset(longs, '1', sizeof(longs) - 1);
		longs[sizeof(longs) - 1] = 0;
		ASSERT_EQ(eb_parse_port_spec(longs, true, &sp, why, sizeof(why)), -EINVAL,
			  "a 299-character spec is refused");
	}
}

/* IPv6 host addresses in brackets. */
static void test_spec_v6(void)
{
	static const struct {
		const char *s;
		bool with_ctr;
		const char *host; /* NULL: refused */
		uint16_t hlo, hhi, clo;
		uint8_t proto;
		const char *why; /* refused: a word the reason must contain */
	} cases[] = {
		{ "[::1]:8080:web:80", true, "::1", 8080, 8080, 80, 6, NULL },
		{ "[2001:db8::1]:9000-9009:web:19000-19009/udp", true, "2001:db8::1", 9000, 9009, 19000,
		  17, NULL },
		{ "[fd00:96:1::2]:1:a:65535", true, "fd00:96:1::2", 1, 1, 65535, 6, NULL },
		{ "[::1]:7070", false, "::1", 7070, 7070, 0, 6, NULL },
		{ "[2001:db8::1]:53/udp", false, "2001:db8::1", 53, 53, 0, 17, NULL },
		{ "[::1", true, NULL, 0, 0, 0, 0, "unclosed" },
		{ "[::1", false, NULL, 0, 0, 0, 0, "unclosed" },
		{ "[zz::1]:80:c:80", true, NULL, 0, 0, 0, 0, "invalid IPv6 host address 'zz::1'" },
		{ "[1.2.3.4]:80:c:80", true, NULL, 0, 0, 0, 0, "invalid IPv6" },
		{ "[]:80:c:80", true, NULL, 0, 0, 0, 0, "invalid IPv6" },
		{ "[::]:80:c:80", true, NULL, 0, 0, 0, 0, "every address" },
		{ "[::ffff:10.0.0.1]:80:c:80", true, NULL, 0, 0, 0, 0, "IPv4" },
		{ "[fe80::1]:80:c:80", true, NULL, 0, 0, 0, 0, "link-local" },
		{ "[ff02::1]:80:c:80", true, NULL, 0, 0, 0, 0, "multicast" },
		{ "::1:80:c:80", true, NULL, 0, 0, 0, 0, "brackets" },
		{ "[::1]80:c:80", true, NULL, 0, 0, 0, 0, "after [::1]" },
		{ "[::1]:c:80", true, NULL, 0, 0, 0, 0, "want [IPV6ADDR]" },
		{ "[::1]:80:c:80:1", true, NULL, 0, 0, 0, 0, "" },
		{ "[::1]:80:c", false, NULL, 0, 0, 0, 0, "want [IPV6ADDR]" },
		{ "[::1]:0:c:80", true, NULL, 0, 0, 0, 0, "host port" },
		{ "[::1]:80:c:80/sctp", true, NULL, 0, 0, 0, 0, "sctp" },
	};
	struct eb_pub_spec sp;
	char why[160], what[320];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t want[16];
		int r;

		why[0] = 0;
		r = eb_parse_port_spec(cases[i].s, cases[i].with_ctr, &sp, why, sizeof(why));
		if (!cases[i].host) {
			snprintf(what, sizeof(what), "spec '%s' is refused", cases[i].s);
			ASSERT_EQ(r, -EINVAL, what);
			snprintf(what, sizeof(what), "spec '%s': the reason ('%s') names '%s'",
				 cases[i].s, why, cases[i].why);
			ASSERT_TRUE(why[0] && strstr(why, cases[i].why), what);
			continue;
		}
		snprintf(what, sizeof(what), "spec '%s' parses: %s", cases[i].s, why);
		if (!ASSERT_EQ(r, 0, what))
			continue;
		inet_pton(AF_INET6, cases[i].host, want);
		snprintf(what, sizeof(what), "spec '%s': an IPv6 host address, %s", cases[i].s,
			 cases[i].host);
		ASSERT_TRUE(sp.v6 && sp.host_ip == 0 && !memcmp(sp.host_ip6, want, 16), what);
		snprintf(what, sizeof(what), "spec '%s': host ports", cases[i].s);
		ASSERT_EQ(sp.hport_lo << 16 | sp.hport_hi, cases[i].hlo << 16 | cases[i].hhi, what);
		snprintf(what, sizeof(what), "spec '%s': protocol", cases[i].s);
		ASSERT_EQ(sp.proto, cases[i].proto, what);
		snprintf(what, sizeof(what), "spec '%s': container port", cases[i].s);
		ASSERT_EQ(sp.cport_lo, cases[i].clo, what);
	}
	/* An IPv4 spec says nothing of IPv6. */
	eb_parse_port_spec("127.0.0.1:80:c:80", true, &sp, why, sizeof(why));
	ASSERT_TRUE(!sp.v6, "an IPv4 spec is not v6");
}

int main(void)
{
	test_spec_good();
	test_spec_bad();
	test_spec_v6();
	return eb_check_done();
}
