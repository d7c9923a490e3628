// SPDX-License-Identifier: GPL-2.0
/*
 * maps/ebnet_map_list.h against the built-in objects: every pinned map
 * that an object declares is listed, every listed map is declared, with
 * the key and value sizes of its row and the pin name EB_MAP_<ID>; no
 * object declares a retired name; the container object declares every map
 * of bpf/lib/maps.h (create_maps() makes a new network's maps from it
 * alone); struct eb_dp's named fds are its indexed ones. The objects are
 * only opened, not loaded: no privilege needed.
 */
#include <string.h>
#include <bpf/libbpf.h>

#include "check.h"
#include "dp.h"
#include "ebnet_map_list.h"
#include "container.skel.h"
#include "uplink.skel.h"
#include "uplink_xdp.skel.h"
#include "host_sock.skel.h"
#include "gc.skel.h"

#define SIZE_OF(t) (__builtin_types_compatible_p(t, void) ? 0 : sizeof(t))

struct row {
	const char *name, *ident;
	unsigned int key, value; /* 0: not checked (void in the list) */
	bool own;		 /* EB_MAPS_OWN */
	int seen;		 /* objects that declare it */
};

#define ROW_DP(id, ident, field, k, v, flags) { EB_MAP_##id, #ident, SIZE_OF(k), SIZE_OF(v), false },
#define ROW_OTHER(id, ident, k, v, flags) { EB_MAP_##id, #ident, SIZE_OF(k), SIZE_OF(v), false },
#define ROW_OWN(id, ident, k, v, flags)   { EB_MAP_##id, #ident, SIZE_OF(k), SIZE_OF(v), true },
static struct row rows[] = { EB_MAPS_DP(ROW_DP) EB_MAPS_OTHER(ROW_OTHER) EB_MAPS_OWN(ROW_OWN) };
#define NROWS (sizeof(rows) / sizeof(rows[0]))

#define RETIRED_NAME(old, now) EB_MAP_##old,
static const char *retired[] = { EB_MAPS_RETIRED(RETIRED_NAME) };

static const struct {
	const char *what;
	const void *(*elf)(size_t *sz);
} objs[] = {
	{ "container", container_bpf__elf_bytes }, { "uplink", uplink_bpf__elf_bytes },
	{ "uplink_xdp", uplink_xdp_bpf__elf_bytes }, { "host_sock", host_sock_bpf__elf_bytes },
	{ "gc", gc_bpf__elf_bytes },
};

static struct row *find(const char *name)
{
	for (size_t i = 0; i < NROWS; i++)
		if (!strcmp(rows[i].name, name))
			return &rows[i];
	return NULL;
}

static void test_names(void)
{
	char what[160];

	for (size_t i = 0; i < NROWS; i++) {
		snprintf(what, sizeof(what), "pin name '%s' is the map's name '%s'", rows[i].name,
			 rows[i].ident);
		ASSERT_TRUE(!strcmp(rows[i].name, rows[i].ident), what);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(rows[i].name, rows[j].name)) {
				snprintf(what, sizeof(what), "'%s' listed once", rows[i].name);
				ASSERT_TRUE(false, what);
			}
		for (size_t j = 0; j < sizeof(retired) / sizeof(retired[0]); j++) {
			snprintf(what, sizeof(what), "'%s' is not a retired name", rows[i].name);
			ASSERT_TRUE(strcmp(rows[i].name, retired[j]), what);
		}
	}
}

/* One object: its pinned maps are listed, of the listed sizes. */
static void test_object(size_t o)
{
	struct bpf_object *obj;
	struct bpf_map *m;
	const void *bytes;
	char what[200];
	size_t len;
	int listed_here = 0;

	bytes = objs[o].elf(&len);
	obj = bpf_object__open_mem(bytes, len, NULL);
	snprintf(what, sizeof(what), "the %s object opens", objs[o].what);
	if (!ASSERT_TRUE(obj, what))
		return;
	bpf_object__for_each_map(m, obj) {
		const char *n = bpf_map__name(m);
		struct row *r;

		if (bpf_map__is_internal(m) || !bpf_map__pin_path(m))
			continue; /* .rodata, eb_scratch: not pinned */
		r = find(n);
		snprintf(what, sizeof(what), "%s: pinned map '%s' is in maps/ebnet_map_list.h",
			 objs[o].what, n);
		if (!ASSERT_TRUE(r, what))
			continue;
		r->seen++;
		listed_here++;
		if (r->key) {
			snprintf(what, sizeof(what), "%s: key size of '%s'", objs[o].what, n);
			ASSERT_EQ(bpf_map__key_size(m), r->key, what);
		}
		if (r->value) {
			snprintf(what, sizeof(what), "%s: value size of '%s'", objs[o].what, n);
			ASSERT_EQ(bpf_map__value_size(m), r->value, what);
		}
	}
	if (o == 0) {
		/* create_maps() makes every map of a new network but the
		 * objects' own from the container object. */
		int want = 0;

		for (size_t i = 0; i < NROWS; i++)
			want += !rows[i].own;
		ASSERT_EQ(listed_here, want, "the container object declares every map of maps.h");
	}
	bpf_object__close(obj);
}

static void test_dp(void)
{
	struct eb_dp dp;
	char what[160];
	int i = 0;

	eb_dp_init(&dp);
#define SAME_FD(id, ident, field, k, v, flags)                                                     \
	ASSERT_TRUE(&dp.field == &dp.map_fd[EB_DPM_##id], "dp." #field " is map_fd[EB_DPM_" #id "]"); \
	ASSERT_EQ(dp.field, -1, "eb_dp_init: dp." #field " closed");                               \
	ASSERT_TRUE(!strcmp(eb_dp_maps[EB_DPM_##id].name, EB_MAP_##id), "eb_dp_maps: " #id);        \
	ASSERT_EQ(eb_dp_maps[EB_DPM_##id].vsize, sizeof(v), "eb_dp_maps: value of " #id);          \
	i++;
	EB_MAPS_DP(SAME_FD)
#undef SAME_FD
	snprintf(what, sizeof(what), "EB_DP_NMAPS (%d) is the number of rows", EB_DP_NMAPS);
	ASSERT_EQ(i, EB_DP_NMAPS, what);
}

int main(void)
{
	char what[160];

	libbpf_set_print(NULL);
	test_names();
	for (size_t o = 0; o < sizeof(objs) / sizeof(objs[0]); o++)
		test_object(o);
	for (size_t i = 0; i < NROWS; i++) {
		snprintf(what, sizeof(what), "listed map '%s' is declared by an object",
			 rows[i].name);
		ASSERT_TRUE(rows[i].seen > 0, what);
	}
	test_dp();
	return eb_check_done();
}
