/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Setting up the private network namespace of a unit test: shell commands
 * (ip link ...) and sysctl files, each failure said on stderr. Only
 * test_nat6.c uses it still; the others are on fixture.h, and so should
 * it be.
 */
#ifndef EB_TEST_SETUP_H
#define EB_TEST_SETUP_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Runs a shell command made from fmt; 0 or its non-zero status. */
static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "setup: '%s' failed (%d)\n", cmd, rc);
	return rc;
}

/* Writes val to path (a /proc/sys file); 0 or -1. */
static int write_file(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (!f) {
		fprintf(stderr, "setup: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	rc = fputs(val, f) < 0 ? -1 : 0;
	if (fclose(f))
		rc = -1;
	return rc;
}

#endif
