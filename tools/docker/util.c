// SPDX-License-Identifier: GPL-2.0
#include "dk.h"

bool dk_verbose;

void dk_log(const char *fmt, ...)
{
	char ts[32];
	time_t t = time(NULL);
	va_list ap;

	strftime(ts, sizeof(ts), "%H:%M:%S", localtime(&t));
	fprintf(stderr, "ebnet docker-plugin %s: ", ts);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- small JSON helpers ---- */


/* Docker's "10.77.0.2/16" (or a bare address) -> the address. */
int parse_addr(const char *s, uint32_t *ip)
{
	char buf[32];
	char *slash;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = 0;
	return eb_parse_ipv4(buf, ip);
}

int parse_mac(const char *s, unsigned char mac[6])
{
	unsigned int b[6];
	char end;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &end) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = b[i];
	/* A container's MAC is unicast (bit 0 of the first byte clear). */
	return (mac[0] & 1) ? -EINVAL : 0;
}

/* Docker's "fd00:77::2/64" (or a bare address) -> the address. */
int parse_addr6(const char *s, uint8_t a[16])
{
	char buf[INET6_ADDRSTRLEN + 8];
	char *slash;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = 0;
	return inet_pton(AF_INET6, buf, a) == 1 ? 0 : -EINVAL;
}

/* libebnet speaks of `ebnet` flags; a Docker user writes -o ebnet.X. */
void docker_words(struct eb_err *e)
{
	static const char *words[][2] = {
		{ "--snat-ip", "-o ebnet.snat_ip" },	 { "--nat-ports", "-o ebnet.nat_ports" },
		{ "--uplink", "-o ebnet.uplink" },	 { "--xdp", "-o ebnet.xdp" },
		{ "--attach", "-o ebnet.attach" },	 { "--ct-tcp-size", "-o ebnet.ct_tcp_size" },
		{ "--ct-other-size", "-o ebnet.ct_other_size" },
		{ "--subnet6", "the IPv6 --subnet" },	 { "--nat6", "-o ebnet.nat6" },
	};
	char out[sizeof(e->msg)];

	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
		char *hit = strstr(e->msg, words[w][0]);

		if (!hit)
			continue;
		snprintf(out, sizeof(out), "%.*s%s%s", (int)(hit - e->msg), e->msg, words[w][1],
			 hit + strlen(words[w][0]));
		memcpy(e->msg, out, sizeof(out));
	}
}
