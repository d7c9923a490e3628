// SPDX-License-Identifier: GPL-2.0
/* `ebnet monitor`: the datapath's event ring (eb_events), read by one
 * reader at a time, while it keeps the datapath's events switched on
 * (eb_monitor); see ebnet_obs.h. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/file.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ebnet_obs.h"
#include "ebnet_ct.h"

struct mon_ctx {
	eb_event_fn fn;
	void *ctx;
	int stop;
};

/* A record of the ring: struct eb_event, or struct eb_event6 when its
 * type says so (the first 20 bytes are the same in both). */
static int mon_cb(void *ctx, void *data, size_t len)
{
	struct mon_ctx *m = ctx;
	struct eb_mon_event ev = {};
	const struct eb_event *e4 = data;
	const struct eb_event6 *e6 = data;

	if (len < sizeof(struct eb_event))
		return 0;
	if (e4->type & EB_EV_F_IPV6) {
		if (len < sizeof(*e6))
			return 0;
		ev.v6 = 1;
		ev.sport = e6->sport;
		ev.dport = e6->dport;
		ev.xport = e6->xport;
		ev.proto = e6->proto;
		memcpy(ev.saddr, e6->saddr, 16);
		memcpy(ev.daddr, e6->daddr, 16);
		memcpy(ev.xaddr, e6->xaddr, 16);
	} else {
		ev.sport = e4->sport;
		ev.dport = e4->dport;
		ev.xport = e4->xport;
		ev.proto = e4->proto;
		memcpy(ev.saddr, &e4->saddr, 4);
		memcpy(ev.daddr, &e4->daddr, 4);
		memcpy(ev.xaddr, &e4->xaddr, 4);
	}
	ev.ts = e4->ts;
	ev.type = EB_EV_KIND(e4->type);
	ev.reason = e4->reason;
	ev.ifindex = e4->ifindex;
	if (m->fn(&ev, m->ctx))
		m->stop = 1;
	return 0;
}

/* One reader: a BPF ring buffer has one consumer position, and two
 * readers would each see part of the events. The lock's fd, or a negative
 * errno (-EBUSY: another monitor has it). */
static int monitor_lock(const char *net, struct eb_err *e)
{
	char lp[PATH_MAX];
	int lock, err;

	snprintf(lp, sizeof(lp), "/run/lock/ebnet-monitor-%s.lock", net);
	lock = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) < 0) {
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		eb_errf(e, "%s", err == -EBUSY ? "another `ebnet monitor` watches this network; "
						 "a ring buffer has one reader"
					       : strerror(-err));
		if (lock >= 0)
			close(lock);
		return err;
	}
	return lock;
}

/* Keeps the datapath's events on until 3 s from now (so they lapse 3 s
 * after a monitor dies); -ENOENT when the network went (`ebnet down`):
 * nothing more will come. */
static int monitor_renew(const char *net, int mfd, uint64_t now, struct eb_err *e)
{
	char pin[PATH_MAX];
	__u32 zero = 0;
	__u64 until;

	snprintf(pin, sizeof(pin), "%s/%s/%s", EB_PIN_ROOT, net, EB_MAP_EVENTS);
	if (access(pin, F_OK) < 0) {
		eb_errf(e, "network '%s' was removed", net);
		return -ENOENT;
	}
	until = now + 3000000000ULL;
	bpf_map_update_elem(mfd, &zero, &until, BPF_ANY);
	return 0;
}

/* Reads the ring until *stop, the callback asks to stop, max_ms (0: no
 * limit) or an error; the events renewed every second. */
static int monitor_loop(const char *net, struct ring_buffer *rb, struct mon_ctx *m, int mfd,
			volatile int *stop, int max_ms, struct eb_err *e)
{
	uint64_t start = eb_now_ns(), last = 0;
	int err = 0;

	while (!*stop && !m->stop) {
		uint64_t now = eb_now_ns();

		if (now - last > 1000000000ULL) {
			err = monitor_renew(net, mfd, now, e);
			if (err)
				break;
			last = now;
		}
		if (max_ms && now - start > (uint64_t)max_ms * 1000000ULL)
			break;
		err = ring_buffer__poll(rb, 200);
		if (err == -EINTR) {
			err = 0;
			continue;
		}
		if (err < 0) {
			eb_errf(e, "cannot poll the event ring: %s", strerror(-err));
			break;
		}
		err = 0;
	}
	return err;
}

int eb_monitor(const char *net, eb_event_fn fn, void *ctx, volatile int *stop, int max_ms,
	       struct eb_err *e)
{
	struct mon_ctx m = { .fn = fn, .ctx = ctx };
	struct ring_buffer *rb;
	__u32 zero = 0;
	__u64 until = 0;
	int rfd, mfd, lock, err = 0;

	lock = monitor_lock(net, e);
	if (lock < 0)
		return lock;
	rfd = eb_pin_open(net, EB_MAP_EVENTS, e);
	if (rfd < 0) {
		close(lock);
		return rfd;
	}
	mfd = eb_pin_open(net, EB_MAP_MONITOR, e);
	if (mfd < 0) {
		close(rfd);
		close(lock);
		return mfd;
	}
	rb = ring_buffer__new(rfd, mon_cb, &m, NULL);
	if (!rb) {
		err = -errno;
		eb_errf(e, "cannot read the event ring: %s", strerror(-err));
		goto out;
	}
	err = monitor_loop(net, rb, &m, mfd, stop, max_ms, e);
	/* Stop the datapath's events at once. */
	bpf_map_update_elem(mfd, &zero, &until, BPF_ANY);
	ring_buffer__free(rb);
out:
	close(rfd);
	close(mfd);
	close(lock);
	return err;
}
