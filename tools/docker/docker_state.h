/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Docker driver's own state: what the pinned maps cannot hold (Docker's
 * network and endpoint ids, the options a network was made with, to make it
 * again after a reboot). One JSON file per object under DIR/networks/ and
 * DIR/endpoints/, named by Docker's id, each written whole (write, fsync,
 * rename, fsync of the folder): a driver killed at any point leaves either
 * the old file or the new one.
 */
#ifndef EB_DOCKER_STATE_H
#define EB_DOCKER_STATE_H

#include <jansson.h>
#include "util.h"

enum dks_kind { DKS_NET, DKS_EP };

/* Makes DIR and its two folders (mode 0700). */
int dks_init(const char *dir, struct eb_err *e);
/* The object of that id, or NULL (-ENOENT: none; else a broken file,
 * said in e). The caller json_decref()s it. */
json_t *dks_load(enum dks_kind k, const char *id, int *err, struct eb_err *e);
int dks_save(enum dks_kind k, const char *id, json_t *obj, struct eb_err *e);
/* 0 also when there was none. */
int dks_remove(enum dks_kind k, const char *id, struct eb_err *e);
/* Calls fn for each object of that kind (in no order); stops at the first
 * non-zero return and returns it. */
int dks_each(enum dks_kind k, int (*fn)(const char *id, json_t *obj, void *ctx), void *ctx);
/* Docker ids are 64 hex digits; anything else is not a file name. */
bool dks_valid_id(const char *id);

#endif
