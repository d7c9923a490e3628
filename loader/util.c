// SPDX-License-Identifier: GPL-2.0
/* Parsers and helpers; see util.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <arpa/inet.h>
#include <sys/stat.h>

#include "util.h"

void eb_errf(struct eb_err *e, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

int eb_parse_ipv4(const char *s, uint32_t *addr)
{
	unsigned long part;
	uint32_t a = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char *end;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		/* No leading zeros: "010" is octal to some tools, decimal to others. */
		if (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
			return -EINVAL;
		errno = 0;
		part = strtoul(s, &end, 10);
		if (errno || part > 255 || end - s > 3)
			return -EINVAL;
		a = (a << 8) | part;
		s = end;
		if (i < 3) {
			if (*s != '.')
				return -EINVAL;
			s++;
		}
	}
	if (*s)
		return -EINVAL;
	*addr = htonl(a);
	return 0;
}

uint32_t eb_plen_to_mask(int plen)
{
	return plen <= 0 ? 0 : htonl(plen >= 32 ? 0xffffffffu : ~((1u << (32 - plen)) - 1));
}

int eb_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int eb_parse_cidr(const char *s, uint32_t *net, int *plen)
{
	char buf[32];
	const char *slash = strchr(s, '/');
	unsigned long n;
	uint32_t a;

	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, slash - s);
	buf[slash - s] = 0;
	if (eb_parse_ipv4(buf, &a))
		return -EINVAL;
	/* /31 and /32 leave no room for a gateway and a container. */
	if (eb_parse_uint(slash + 1, 1, 30, &n))
		return -EINVAL;
	if (a & ~eb_plen_to_mask(n))
		return -EINVAL;
	*net = a;
	*plen = n;
	return 0;
}

int eb_valid_name(const char *s, size_t max)
{
	size_t i, n = strlen(s);

	if (n == 0 || n >= max || s[0] == '-' || s[0] == '.')
		return -EINVAL;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return -EINVAL;
	}
	return 0;
}

bool eb_ip_is_host(uint32_t addr, uint32_t net, int plen)
{
	uint32_t mask = eb_plen_to_mask(plen);

	if ((addr & mask) != net)
		return false;
	return (addr & ~mask) != 0 && (addr & ~mask) != ~mask;
}

uint32_t eb_first_host(uint32_t net, int plen)
{
	return htonl(ntohl(net) + 1);
}

uint32_t eb_next_free_ip(uint32_t net, int plen, uint32_t gw,
			 bool (*taken)(uint32_t addr, void *ctx), void *ctx)
{
	uint32_t first = ntohl(net) + 1, last = ntohl(net | ~eb_plen_to_mask(plen)) - 1, h;

	for (h = first; h <= last; h++) {
		uint32_t a = htonl(h);

		if (a == gw || (taken && taken(a, ctx)))
			continue;
		return a;
	}
	return 0;
}

void eb_host_dev_name(const char *container, char out[16])
{
	uint32_t h = 2166136261u; /* FNV-1a */
	const char *p;

	for (p = container; *p; p++) {
		h ^= (unsigned char)*p;
		h *= 16777619u;
	}
	snprintf(out, 16, "eb%08x", h);
}

void eb_mac_for(uint32_t addr, bool host_side, unsigned char mac[6])
{
	/* Locally administered, unicast; the address makes it unique in the
	 * network and stable across runs. */
	mac[0] = host_side ? 0x06 : 0x02;
	mac[1] = 0xeb;
	memcpy(mac + 2, &addr, 4);
}

const char *eb_ip_str(uint32_t addr, char buf[16])
{
	return inet_ntop(AF_INET, &addr, buf, 16);
}

const char *eb_ip6_str(const uint8_t a[16], char buf[46])
{
	return inet_ntop(AF_INET6, a, buf, 46);
}

const char *eb_mac_str(const unsigned char m[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

void eb_json_str(const char *in, char *out, size_t outlen)
{
	size_t o = 0;

	for (; *in && o + 7 < outlen; in++) {
		unsigned char c = *in;

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = c;
		} else if (c < 0x20) {
			o += snprintf(out + o, outlen - o, "\\u%04x", c);
		} else {
			out[o++] = c;
		}
	}
	out[o] = 0;
}

/* "N" or "N-M" with 1 <= N <= M <= 65535. */
static int parse_port_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	char buf[16], *dash;
	unsigned long a, b;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = 0;
	if (eb_parse_uint(buf, 1, 65535, &a))
		return -EINVAL;
	b = a;
	if (dash && eb_parse_uint(dash + 1, 1, 65535, &b))
		return -EINVAL;
	if (b < a)
		return -ERANGE;
	*lo = a;
	*hi = b;
	return 0;
}

int eb_parse_host_ip6(const char *s, uint8_t out[16], char *why, size_t whylen)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	uint8_t a[16];

	if (inet_pton(AF_INET6, s, a) != 1) {
		snprintf(why, whylen, "invalid IPv6 host address '%.60s'", s);
		return -EINVAL;
	}
	for (int i = 0; i < 16 && !a[i]; i++)
		if (i == 15) {
			snprintf(why, whylen, "host address [::] is every address: leave the host "
					      "address out to publish on all of them");
			return -EINVAL;
		}
	if (!memcmp(a, mapped, sizeof(mapped))) {
		snprintf(why, whylen, "host address [%.60s] is an IPv4 address: give it as A.B.C.D", s);
		return -EINVAL;
	}
	if (a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)) {
		snprintf(why, whylen, "host address [%.60s] is %s: not supported for publishing", s,
			 a[0] == 0xff ? "multicast" : "link-local");
		return -EINVAL;
	}
	memcpy(out, a, 16);
	return 0;
}

/* The steps of eb_parse_port_spec, each on buf (a copy of the spec it cuts
 * up), 0 or -EINVAL with the reason in why. */

/* [IPV6] at the start: the brackets keep its colons apart from the spec's;
 * *p is then after its ':'. */
static int spec_host6(char *buf, char **p, struct eb_pub_spec *out, char *why, size_t whylen)
{
	char *close = strchr(buf, ']');
	int r;

	if (!close) {
		snprintf(why, whylen, "unclosed '[' in the host address (want [IPV6ADDR]:PORT...)");
		return -EINVAL;
	}
	*close = 0;
	r = eb_parse_host_ip6(buf + 1, out->host_ip6, why, whylen);
	if (r)
		return r;
	if (close[1] != ':') {
		snprintf(why, whylen, "want ':' and the host port after [%s]", buf + 1);
		return -EINVAL;
	}
	out->v6 = true;
	*p = close + 2;
	return 0;
}

/* "/tcp" or "/udp" at the end (cut off); TCP without one. */
static int spec_proto(char *p, struct eb_pub_spec *out, char *why, size_t whylen)
{
	char *slash = strrchr(p, '/');

	if (!slash)
		return 0;
	*slash = 0;
	if (!strcmp(slash + 1, "tcp"))
		out->proto = 6;
	else if (!strcmp(slash + 1, "udp"))
		out->proto = 17;
	else {
		snprintf(why, whylen, "unknown protocol '%s' (want tcp or udp)", slash + 1);
		return -EINVAL;
	}
	return 0;
}

/* The ':'-separated fields of p into f (f[0] NULL for a host address in
 * brackets, parsed already); their count if it is one the spec allows. */
static int spec_fields(char *p, bool with_ctr, const struct eb_pub_spec *out, char *f[5],
		       char *why, size_t whylen)
{
	int n = 0;

	if (out->v6)
		f[n++] = NULL;
	for (; n < 5; n++) {
		f[n] = p;
		p = strchr(p, ':');
		if (!p) {
			n++;
			break;
		}
		*p++ = 0;
	}
	if (p && n == 5) {
		snprintf(why, whylen, "too many ':'%s",
			 out->v6 ? "" : " (an IPv6 host address goes in brackets: [ADDR]:PORT...)");
		return -EINVAL;
	}
	if (out->v6 && (with_ctr ? n != 4 : n != 2)) {
		snprintf(why, whylen, with_ctr ? "want [IPV6ADDR]:HOSTPORT[-END]:CONTAINER:PORT[-END][/tcp|/udp]"
					       : "want [IPV6ADDR]:HOSTPORT[-END][/tcp|/udp]");
		return -EINVAL;
	}
	if (with_ctr ? (n != 3 && n != 4) : (n != 1 && n != 2)) {
		snprintf(why, whylen, with_ctr ? "want [HOSTIP:]HOSTPORT[-END]:CONTAINER:PORT[-END][/tcp|/udp]"
					       : "want [HOSTIP:]HOSTPORT[-END][/tcp|/udp]");
		return -EINVAL;
	}
	return n;
}

/* A port or a range LOW-HIGH of the spec; what: "host" or "container". */
static int spec_range(const char *s, const char *what, uint16_t *lo, uint16_t *hi, char *why,
		      size_t whylen)
{
	int r = parse_port_range(s, lo, hi);

	if (r == -ERANGE)
		snprintf(why, whylen, "reversed port range '%s'", s);
	else if (r)
		snprintf(why, whylen, "invalid %s port '%s' (want 1-65535 or a range LOW-HIGH)", what,
			 s);
	return r ? -EINVAL : 0;
}

/* The container's name and ports, the fields after the host port. */
static int spec_ctr(char *const *f, struct eb_pub_spec *out, char *why, size_t whylen)
{
	if (eb_valid_name(f[0], sizeof(out->ctr))) {
		snprintf(why, whylen, "invalid container name '%s'", f[0]);
		return -EINVAL;
	}
	strcpy(out->ctr, f[0]);
	if (spec_range(f[1], "container", &out->cport_lo, &out->cport_hi, why, whylen))
		return -EINVAL;
	if (out->hport_hi - out->hport_lo != out->cport_hi - out->cport_lo) {
		snprintf(why, whylen, "ranges of unequal length: %u host ports, %u container ports",
			 out->hport_hi - out->hport_lo + 1, out->cport_hi - out->cport_lo + 1);
		return -EINVAL;
	}
	return 0;
}

int eb_parse_port_spec(const char *s, bool with_ctr, struct eb_pub_spec *out, char *why,
		       size_t whylen)
{
	char buf[128], *f[5], *p;
	int n, i = 0, r;

	memset(out, 0, sizeof(*out));
	out->proto = 6; /* IPPROTO_TCP */
	if (strlen(s) >= sizeof(buf)) {
		snprintf(why, whylen, "spec too long");
		return -EINVAL;
	}
	strcpy(buf, s);
	p = buf;
	if (buf[0] == '[' && (r = spec_host6(buf, &p, out, why, whylen)))
		return r;
	if (spec_proto(p, out, why, whylen))
		return -EINVAL;
	n = spec_fields(p, with_ctr, out, f, why, whylen);
	if (n < 0)
		return n;
	if (out->v6) {
		i = 1;
	} else if (n == 4 || (!with_ctr && n == 2)) {
		if (eb_parse_ipv4(f[0], &out->host_ip)) {
			snprintf(why, whylen, "invalid host address '%s'", f[0]);
			return -EINVAL;
		}
		i = 1;
	}
	if (spec_range(f[i], "host", &out->hport_lo, &out->hport_hi, why, whylen))
		return -EINVAL;
	return with_ctr ? spec_ctr(f + i + 1, out, why, whylen) : 0;
}

int eb_mkdir_p(const char *path, unsigned int parent_mode)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s", path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, parent_mode) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}
