// SPDX-License-Identifier: GPL-2.0
/*
 * The host's own listening sockets, for `ebnet publish`: a port that a host
 * socket listens on (in the network namespace ebnet runs in) is the host's,
 * and publishing it would hand the host's service to a container. Read
 * from /proc/net/{tcp,tcp6,udp,udp6}, which show the reader's own network
 * namespace, and the owner found by the socket's inode among the open
 * files of /proc/PID/fd.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "hostsock.h"

#define TCP_LISTEN 10 /* include/net/tcp_states.h */
#define TCP_CLOSE  7  /* an unconnected UDP socket */

/* The process that holds socket inode ino: "NAME (pid N)" in out, or
 * nothing when no process of this machine holds it. */
static void owner_of(unsigned long ino, char *out, size_t len)
{
	char want[32], path[64], link[64];
	struct dirent *d, *f;
	DIR *proc, *fds;

	snprintf(want, sizeof(want), "socket:[%lu]", ino);
	out[0] = 0;
	proc = opendir("/proc");
	if (!proc)
		return;
	while (!out[0] && (d = readdir(proc))) {
		int pid;

		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		pid = atoi(d->d_name);
		snprintf(path, sizeof(path), "/proc/%d/fd", pid);
		fds = opendir(path);
		if (!fds)
			continue;
		while ((f = readdir(fds))) {
			char fp[320];
			ssize_t n;

			snprintf(fp, sizeof(fp), "%s/%s", path, f->d_name);
			n = readlink(fp, link, sizeof(link) - 1);
			if (n <= 0)
				continue;
			link[n] = 0;
			if (strcmp(link, want))
				continue;
			char comm[64] = "?";
			FILE *c;

			snprintf(fp, sizeof(fp), "/proc/%d/comm", pid);
			c = fopen(fp, "r");
			if (c) {
				if (fgets(comm, sizeof(comm), c))
					comm[strcspn(comm, "\n")] = 0;
				fclose(c);
			}
			snprintf(out, len, "%.40s (pid %d)", comm, pid);
			break;
		}
		closedir(fds);
	}
	closedir(proc);
}

/* The sockets of one protocol, read at most once a second: a publish of
 * 50 specs asks 50 times, and on a busy host one read of the tables costs
 * milliseconds (the kernel walks every socket of the machine to list this
 * namespace's). Stale by a second at most. On the heap, made at the first
 * question (about 460 KB each: nothing in a process that never asks), and
 * read and refreshed under hs_lock (the Docker driver's threads). */
#define EB_HS_MAX 4096
struct hs_table {
	struct timespec at;
	bool valid;
	int n;
	struct eb_host_sock s[EB_HS_MAX];
};
static struct hs_table *tables[2]; /* TCP, UDP */
static pthread_mutex_t hs_lock = PTHREAD_MUTEX_INITIALIZER;

/* One /proc/net table into t. v6: its addresses are 32 hex digits; only
 * the unspecified address (a dual-stack socket takes IPv4 too) and
 * v4-mapped ones concern IPv4. */
static void load(const char *file, bool v6, bool udp, struct hs_table *t)
{
	char line[512];
	FILE *f = fopen(file, "r");

	if (!f)
		return;
	if (!fgets(line, sizeof(line), f)) { /* the header */
		fclose(f);
		return;
	}
	while (t->n < EB_HS_MAX && fgets(line, sizeof(line), f)) {
		char laddr[40], raddr[40];
		unsigned int lport, rport, st;
		unsigned long ino;
		uint32_t a;

		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
		if (sscanf(line, " %*d: %39[0-9A-Fa-f]:%x %39[0-9A-Fa-f]:%x %x %*s %*s %*s %*u %*u %lu",
			   laddr, &lport, raddr, &rport, &st, &ino) != 6)
			continue;
		/* TCP: listeners only (a connection's local port is not a
		 * service); the kernel lists them first, and the rest, every
		 * connection of the machine's shared hash, is not read. UDP:
		 * an unconnected socket receives from anyone. */
		if (!udp && st != TCP_LISTEN)
			break;
		if (udp && st != TCP_CLOSE)
			continue;
		memset(&t->s[t->n], 0, sizeof(t->s[t->n]));
		if (v6) {
			if (strlen(laddr) != 32)
				continue;
			/* Four words, each as it is in memory. */
			for (int w = 0; w < 4; w++) {
				char word[9];
				uint32_t x;

				memcpy(word, laddr + 8 * w, 8);
				word[8] = 0;
				x = (uint32_t)strtoul(word, NULL, 16);
				memcpy(t->s[t->n].addr6 + 4 * w, &x, 4);
			}
			a = 0;
			if (!strncmp(laddr, "0000000000000000FFFF0000", 24))
				a = (uint32_t)strtoul(laddr + 24, NULL, 16);
			else if (strcmp(laddr, "00000000000000000000000000000000"))
				t->s[t->n].only6 = true; /* one IPv6 address */
		} else {
			a = (uint32_t)strtoul(laddr, NULL, 16); /* as in memory: network order */
		}
		t->s[t->n].addr = a;
		t->s[t->n].port = lport;
		t->s[t->n].v6 = v6;
		t->s[t->n].inode = ino;
		t->n++;
	}
	fclose(f);
}

/* Called with hs_lock held; NULL without memory (then no socket is found:
 * the check is a courtesy, the DNAT would take the port anyway). */
static struct hs_table *table_of(uint8_t proto)
{
	bool udp = proto == IPPROTO_UDP;
	struct hs_table *t;
	struct timespec now;

	if (!tables[udp])
		tables[udp] = calloc(1, sizeof(*tables[udp]));
	t = tables[udp];
	if (!t)
		return NULL;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!t->valid || now.tv_sec - t->at.tv_sec > 1 ||
	    (now.tv_sec - t->at.tv_sec) * 1000000000L + now.tv_nsec - t->at.tv_nsec > 1000000000L) {
		t->n = 0;
		load(udp ? "/proc/net/udp" : "/proc/net/tcp", false, udp, t);
		load(udp ? "/proc/net/udp6" : "/proc/net/tcp6", true, udp, t);
		t->at = now;
		t->valid = true;
	}
	return t;
}

/* A socket that asks for: an IPv4 address (ip, 0: any), or with v6 the
 * IPv6 address a. */
struct hs_want {
	bool v6;
	uint32_t ip;
	const uint8_t *a;
};

static bool hs_match(const struct eb_host_sock *s, const struct hs_want *w)
{
	/* IPv6: [::] (v4-mapped ones are IPv4's), or this very address. */
	if (w->v6)
		return s->v6 && !s->addr && (!s->only6 || !memcmp(s->addr6, w->a, 16));
	/* IPv4: a socket on every address, or on the address asked for; a
	 * port published on every address covers every socket, those on an
	 * IPv6 address too (it answers there as well). */
	return !(s->addr && w->ip && s->addr != w->ip) && !(s->only6 && w->ip);
}

/* The first socket of proto on a port in lo..hi that w matches, into r
 * with its owner; 1 if there is one. */
static int hs_find(const struct hs_want *w, uint16_t lo, uint16_t hi, uint8_t proto,
		   struct eb_host_sock *r)
{
	struct hs_table *t;
	int found = 0;

	memset(r, 0, sizeof(*r));
	pthread_mutex_lock(&hs_lock);
	t = table_of(proto);
	for (int i = 0; t && i < t->n && !found; i++) {
		const struct eb_host_sock *s = &t->s[i];

		if (s->port >= lo && s->port <= hi && hs_match(s, w)) {
			*r = *s;
			found = 1;
		}
	}
	pthread_mutex_unlock(&hs_lock);
	if (found)
		owner_of(r->inode, r->owner, sizeof(r->owner));
	return found;
}

int eb_host_listener(uint32_t ip, uint16_t lo, uint16_t hi, uint8_t proto, struct eb_host_sock *r)
{
	struct hs_want w = { .ip = ip };

	return hs_find(&w, lo, hi, proto, r);
}

int eb_host_listener6(const uint8_t a[16], uint16_t lo, uint16_t hi, uint8_t proto,
		      struct eb_host_sock *r)
{
	struct hs_want w = { .v6 = true, .a = a };

	return hs_find(&w, lo, hi, proto, r);
}

const char *eb_host_sock_str(const struct eb_host_sock *s, char *out, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	struct in_addr in = { .s_addr = s->addr };

	if (s->only6) {
		inet_ntop(AF_INET6, s->addr6, a, sizeof(a));
		snprintf(out, len, "[%s]:%u (socket inode %lu%s%s)", a, s->port, s->inode,
			 s->owner[0] ? ", " : "", s->owner);
		return out;
	}
	inet_ntop(AF_INET, &in, a, sizeof(a));
	snprintf(out, len, "%s%s%s:%u (socket inode %lu%s%s)", s->v6 ? "[" : "",
		 s->v6 ? (s->addr ? a : "::") : a, s->v6 ? "]" : "", s->port, s->inode,
		 s->owner[0] ? ", " : "", s->owner);
	return out;
}
