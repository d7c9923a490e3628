// SPDX-License-Identifier: GPL-2.0
/*
 * DNS's wire form: a name into labels and back (for the maps and
 * resolv.c), and `ebnet trace --dns-query`'s messages: a query built, an
 * answer said in words. See ebnet_names.h and names_priv.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ebnet_names.h"
#include "names_priv.h"

/* A name into labels: see names_priv.h. */
int eb_dns_wire(const char *name, uint8_t *out, size_t max, bool keep_case)
{
	size_t n = 0, len = strlen(name);
	const char *p = name;

	if (!len)
		return -EINVAL;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		if (l == 0 || l > 63 || n + 1 + l + 1 > max)
			return -EINVAL;
		out[n++] = l;
		for (size_t i = 0; i < l; i++) {
			char c = p[i];

			out[n++] = (!keep_case && c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
		}
		if (!dot)
			break;
		p = dot + 1;
		if (!*p)
			return -EINVAL; /* "name." */
	}
	out[n++] = 0;
	return n;
}

void eb_dns_wire_text(const uint8_t *w, size_t len, char *out, size_t outlen)
{
	size_t i = 0, o = 0;

	out[0] = 0;
	while (i < len && w[i] && o + w[i] + 2 < outlen) {
		size_t l = w[i++];

		if (o)
			out[o++] = '.';
		memcpy(out + o, w + i, l);
		o += l;
		i += l;
	}
	out[o] = 0;
}

size_t eb_dns_query_build(uint8_t *buf, size_t max, const char *name, uint16_t qtype)
{
	int n;

	if (max < 12 + 255 + 4)
		return 0;
	memset(buf, 0, 12);
	buf[0] = 0xeb;
	buf[1] = 0x17;
	buf[2] = 0x01; /* RD */
	buf[5] = 1;    /* one question */
	/* Letters as given: the datapath matches them without case. */
	n = eb_dns_wire(name, buf + 12, 255, true);
	if (n < 0)
		return 0;
	buf[12 + n] = qtype >> 8;
	buf[12 + n + 1] = qtype & 0xff;
	buf[12 + n + 2] = 0;
	buf[12 + n + 3] = 1; /* IN */
	return 12 + n + 4;
}

static const struct {
	const char *s;
	uint16_t t;
} dns_types[] = { { "A", 1 }, { "NS", 2 }, { "CNAME", 5 }, { "SOA", 6 }, { "PTR", 12 },
		  { "MX", 15 }, { "TXT", 16 }, { "AAAA", 28 }, { "SRV", 33 }, { "ANY", 255 } };

uint16_t eb_dns_type_parse(const char *s)
{
	for (size_t i = 0; i < sizeof(dns_types) / sizeof(dns_types[0]); i++)
		if (!strcasecmp(s, dns_types[i].s))
			return dns_types[i].t;
	return 0;
}

static const char *type_str(uint16_t t, char *buf)
{
	for (size_t i = 0; i < sizeof(dns_types) / sizeof(dns_types[0]); i++)
		if (dns_types[i].t == t)
			return dns_types[i].s;
	sprintf(buf, "TYPE%u", t);
	return buf;
}

/* A name at off of msg (pointers followed, at most 16); the offset after
 * it, or -1. */
static int read_name(const uint8_t *msg, size_t len, size_t off, char *out, size_t outlen)
{
	size_t o = 0, end = 0;
	int hops = 0;

	out[0] = 0;
	while (off < len) {
		uint8_t l = msg[off];

		if (!l) {
			if (!end)
				end = off + 1;
			if (!o && outlen > 1)
				out[o++] = '.';
			out[o] = 0;
			return end;
		}
		if ((l & 0xc0) == 0xc0) {
			if (off + 1 >= len || ++hops > 16)
				return -1;
			if (!end)
				end = off + 2;
			off = ((l & 0x3f) << 8) | msg[off + 1];
			continue;
		}
		if (off + 1 + l > len || o + l + 2 >= outlen)
			return -1;
		memcpy(out + o, msg + off + 1, l);
		o += l;
		out[o++] = '.';
		off += 1 + l;
	}
	return -1;
}

void eb_dns_describe(const uint8_t *msg, size_t len, char *out, size_t outlen)
{
	static const char *rcodes[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
					"NOTIMP",  "REFUSED" };
	char name[300], rname[300], tb[16];
	int off, an, rc;
	size_t o;

	if (len < 12 || !(msg[2] & 0x80)) {
		snprintf(out, outlen, "no answer");
		return;
	}
	rc = msg[3] & 0xf;
	an = msg[6] << 8 | msg[7];
	o = snprintf(out, outlen, "%s%s%s", rc < 6 ? rcodes[rc] : "RCODE?", msg[2] & 0x04 ? " aa" : "",
		     msg[2] & 0x02 ? " tc" : "");
	off = 12;
	if (msg[5]) {
		off = read_name(msg, len, off, name, sizeof(name));
		if (off < 0 || (size_t)off + 4 > len)
			return;
		off += 4;
	}
	if (!an && o < outlen)
		snprintf(out + o, outlen - o, ", no record");
	for (int i = 0; i < an && o < outlen; i++) {
		uint16_t type, rdlen;

		off = read_name(msg, len, off, rname, sizeof(rname));
		if (off < 0 || (size_t)off + 10 > len)
			return;
		type = msg[off] << 8 | msg[off + 1];
		rdlen = msg[off + 8] << 8 | msg[off + 9];
		off += 10;
		if ((size_t)off + rdlen > len)
			return;
		if (type == 1 && rdlen == 4) {
			char ipb[16];
			uint32_t a;

			memcpy(&a, msg + off, 4);
			o += snprintf(out + o, outlen - o, ", %s A %s", rname, eb_ip_str(a, ipb));
		} else if (type == 12 && read_name(msg, len, off, name, sizeof(name)) > 0) {
			o += snprintf(out + o, outlen - o, ", %s PTR %s", rname, name);
		} else {
			o += snprintf(out + o, outlen - o, ", %s %s", rname, type_str(type, tb));
		}
		off += rdlen;
	}
}
