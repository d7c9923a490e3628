/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the fixture only (fixture.c, fixture_net.c, fixture_bpf.c; the
 * tests include fixture.h): fx_fail() says on stderr what failed, with the
 * kernel's extended ack if there is one, and returns err as a negative
 * errno.
 */
#ifndef EB_TEST_FIXTURE_INT_H
#define EB_TEST_FIXTURE_INT_H

int fx_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
