// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness of the CLI's parsers (loader/util.c): eb_parse_ipv4,
 * eb_parse_cidr, eb_parse_uint, eb_valid_name, eb_parse_port_spec, and
 * eb_json_str, which prints names back. Built with
 * clang -fsanitize=fuzzer,address,undefined by tests/fuzz/run.sh; a crash,
 * a sanitizer report or a broken invariant (abort) is a failure.
 *
 * Every input is copied into a heap buffer of exactly its length + 1, and
 * every output buffer is allocated at exactly the size the call is given,
 * so that AddressSanitizer sees a read or write one byte out.
 *
 * Invariants, beyond "does not crash":
 *  ipv4   accepted exactly when glibc's inet_pton accepts it, with the same
 *         value, and inet_ntop prints it back as the input (no leading
 *         zeros, no other spellings)
 *  cidr   accepted: prefix 1..30, no host bits, the address part is an
 *         address eb_parse_ipv4 accepts and the prefix a decimal number
 *  uint   accepted: only digits, within [min, max], equal to the value
 *         of the digits; all digits and in range: accepted
 *  name   accepted exactly when a reference check accepts it (1..max-1
 *         of [A-Za-z0-9_.-], not starting with '-' or '.')
 *  spec   accepted: host and container ranges within 1..65535, LOW <= HIGH,
 *         of equal length, protocol TCP or UDP, the container a valid
 *         name, and the spec printed back parses to the same result;
 *         refused: a reason in words, NUL-terminated within its buffer
 *  json   the output is terminated within its buffer, holds no control
 *         character and no unescaped quote
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "invariant broken: %s: ", #cond);                          \
			fprintf(stderr, __VA_ARGS__);                                              \
			fprintf(stderr, "\n");                                                     \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static bool ref_valid_name(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n >= max || s[0] == '-' || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

static void fuzz_ipv4(const char *s)
{
	uint32_t a = 0, b = 0;
	char buf[INET_ADDRSTRLEN];
	int r = eb_parse_ipv4(s, &a);
	int p = inet_pton(AF_INET, s, &b);

	CHECK((r == 0) == (p == 1), "'%s': eb_parse_ipv4 %d, inet_pton %d", s, r, p);
	if (r == 0) {
		CHECK(a == b, "'%s': %08x vs inet_pton %08x", s, a, b);
		CHECK(inet_ntop(AF_INET, &a, buf, sizeof(buf)) && !strcmp(buf, s),
		      "'%s' printed back as '%s'", s, buf);
	}
}

static void fuzz_cidr(const char *s)
{
	uint32_t net = 0xdeadbeef, a;
	int plen = -1;
	const char *slash;
	char *head;

	if (eb_parse_cidr(s, &net, &plen))
		return;
	CHECK(plen >= 1 && plen <= 30, "'%s': prefix %d", s, plen);
	CHECK((net & ~eb_plen_to_mask(plen)) == 0, "'%s': host bits in %08x/%d", s, ntohl(net),
	      plen);
	slash = strchr(s, '/');
	CHECK(slash != NULL, "'%s' accepted without a '/'", s);
	head = strndup(s, slash - s);
	CHECK(head && eb_parse_ipv4(head, &a) == 0 && a == net, "'%s': address part", s);
	free(head);
	CHECK(all_digits(slash + 1) && strtoul(slash + 1, NULL, 10) == (unsigned long)plen,
	      "'%s': prefix part", s);
}

static void fuzz_uint(const char *s, unsigned long min, unsigned long max)
{
	unsigned long v = 12345;
	int r = eb_parse_uint(s, min, max, &v);
	bool digits = all_digits(s);

	if (r == 0) {
		CHECK(digits, "'%s' accepted with a non-digit", s);
		CHECK(v >= min && v <= max, "'%s': %lu not in [%lu, %lu]", s, v, min, max);
		CHECK(strtoull(s, NULL, 10) == v, "'%s' read as %lu", s, v);
	} else if (digits && strlen(s) < 19) {
		unsigned long long w = strtoull(s, NULL, 10);

		CHECK(w < min || w > max, "'%s' refused though in [%lu, %lu]", s, min, max);
	}
}

static void fuzz_name(const char *s)
{
	static const size_t maxes[] = {1, 2, 16, 32, 64};

	for (size_t i = 0; i < sizeof(maxes) / sizeof(maxes[0]); i++) {
		bool ok = eb_valid_name(s, maxes[i]) == 0;

		CHECK(ok == ref_valid_name(s, maxes[i]), "'%s' (max %zu): eb_valid_name says %s", s,
		      maxes[i], ok ? "valid" : "invalid");
	}
}

static void spec_check(const char *s, bool with_ctr, size_t whylen)
{
	struct eb_pub_spec sp, sp2;
	char *why = malloc(whylen), again[200], ipb[INET6_ADDRSTRLEN + 4];
	int r;

	CHECK(why != NULL, "malloc");
	memset(why, 'X', whylen);
	r = eb_parse_port_spec(s, with_ctr, &sp, why, whylen);
	if (r) {
		CHECK(memchr(why, 0, whylen) != NULL, "'%s': reason not terminated", s);
		CHECK(whylen < 2 || why[0] != 0, "'%s': refused without a reason", s);
		free(why);
		return;
	}
	free(why);
	CHECK(sp.hport_lo >= 1 && sp.hport_lo <= sp.hport_hi, "'%s': host ports %u-%u", s,
	      sp.hport_lo, sp.hport_hi);
	CHECK(sp.proto == 6 || sp.proto == 17, "'%s': protocol %u", s, sp.proto);
	if (with_ctr) {
		CHECK(sp.cport_lo >= 1 && sp.cport_lo <= sp.cport_hi, "'%s': container ports %u-%u",
		      s, sp.cport_lo, sp.cport_hi);
		CHECK(sp.hport_hi - sp.hport_lo == sp.cport_hi - sp.cport_lo,
		      "'%s': ranges of unequal length", s);
		CHECK(eb_valid_name(sp.ctr, sizeof(sp.ctr)) == 0, "'%s': container '%s'", s,
		      sp.ctr);
	} else {
		CHECK(sp.cport_lo == 0 && sp.cport_hi == 0 && sp.ctr[0] == 0,
		      "'%s': container fields set without a container", s);
	}
	/* Printed back in the canonical form, it parses to the same. */
	if (sp.v6) {
		char a6[INET6_ADDRSTRLEN];

		CHECK(sp.host_ip == 0, "'%s': an IPv6 spec with an IPv4 address", s);
		snprintf(ipb, sizeof(ipb), "[%s]:", inet_ntop(AF_INET6, sp.host_ip6, a6, sizeof(a6)));
	} else if (sp.host_ip) {
		char a4[INET_ADDRSTRLEN];

		snprintf(ipb, sizeof(ipb), "%s:", inet_ntop(AF_INET, &sp.host_ip, a4, sizeof(a4)));
	} else {
		ipb[0] = 0;
	}
	if (with_ctr)
		snprintf(again, sizeof(again), "%s%u-%u:%s:%u-%u/%s", ipb, sp.hport_lo, sp.hport_hi,
			 sp.ctr, sp.cport_lo, sp.cport_hi, sp.proto == 6 ? "tcp" : "udp");
	else
		snprintf(again, sizeof(again), "%s%u-%u/%s", ipb, sp.hport_lo, sp.hport_hi,
			 sp.proto == 6 ? "tcp" : "udp");
	{
		char w[128];

		CHECK(eb_parse_port_spec(again, with_ctr, &sp2, w, sizeof(w)) == 0,
		      "'%s' printed back as '%s' is refused: %s", s, again, w);
		CHECK(!memcmp(&sp, &sp2, sizeof(sp)), "'%s' and '%s' parse differently", s, again);
	}
}

static void fuzz_json(const char *s, size_t outlen)
{
	char *out = malloc(outlen);
	size_t n;

	CHECK(out != NULL, "malloc");
	eb_json_str(s, out, outlen);
	n = strnlen(out, outlen);
	CHECK(n < outlen, "json of '%s' not terminated in %zu bytes", s, outlen);
	for (size_t i = 0; i < n; i++) {
		CHECK((unsigned char)out[i] >= 0x20, "json of '%s': control character", s);
		if (out[i] == '"')
			CHECK(i > 0 && out[i - 1] == '\\', "json of '%s': bare quote", s);
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	unsigned long lo, hi;
	size_t k;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	/* Bytes after an embedded NUL do not reach a parser: the string
	 * ends there, as it does for argv. */
	fuzz_ipv4(s);
	fuzz_cidr(s);
	fuzz_uint(s, 0, ~0UL);
	fuzz_uint(s, 1, 65535);
	fuzz_uint(s, 1, 30);
	lo = size ? data[0] : 0;
	hi = lo + (size > 1 ? data[1] * 300UL : 0);
	fuzz_uint(s, lo, hi);
	fuzz_name(s);
	k = size ? 1 + data[size - 1] % 64 : 1;
	spec_check(s, true, k);
	spec_check(s, false, k);
	spec_check(s, true, 200);
	fuzz_json(s, k);
	fuzz_json(s, 8 + size);
	free(s);
	return 0;
}
