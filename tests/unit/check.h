/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal test harness in the manner of the kernel's BPF selftests:
 * ASSERT_* print what failed and go on; each test binary ends with the
 * line "N passed, N failed" that tests/run.sh adds up.
 */
#ifndef EB_CHECK_H
#define EB_CHECK_H

#include <stdio.h>

static int eb_pass, eb_fail, eb_skip;

#define ASSERT_TRUE(cond, what)                                                                    \
	({                                                                                         \
		int __ok = !!(cond);                                                               \
		if (__ok)                                                                          \
			eb_pass++;                                                                 \
		else {                                                                             \
			eb_fail++;                                                                 \
			fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, what);             \
		}                                                                                  \
		__ok;                                                                              \
	})

#define ASSERT_EQ(got, want, what)                                                                 \
	({                                                                                         \
		long long __g = (long long)(got), __w = (long long)(want);                         \
		int __ok = __g == __w;                                                             \
		if (__ok)                                                                          \
			eb_pass++;                                                                 \
		else {                                                                             \
			eb_fail++;                                                                 \
			fprintf(stderr, "FAIL %s:%d: %s: got %lld (0x%llx), want %lld (0x%llx)\n", \
				__FILE__, __LINE__, what, __g, __g, __w, __w);                     \
		}                                                                                  \
		__ok;                                                                              \
	})

#define SKIP(why)                                                                                  \
	do {                                                                                       \
		eb_skip++;                                                                         \
		fprintf(stderr, "SKIP %s:%d: %s\n", __FILE__, __LINE__, why);                      \
	} while (0)

static inline int eb_check_done(void)
{
	printf("%d passed, %d failed", eb_pass, eb_fail);
	if (eb_skip)
		printf(", %d skipped", eb_skip);
	printf("\n");
	return eb_fail ? 1 : 0;
}

#endif
