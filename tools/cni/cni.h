/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ebnet-cni: ebnet as a CNI plugin (spec 1.1; results in the version asked
 * for, 0.3.1 to 1.1.0). Installed as /opt/cni/bin/ebnet, it is exec'd by
 * the runtime (podman, containerd, CRI) once per operation, with the
 * operation in CNI_* variables and the network config on stdin, and
 * answers on stdout. All the work is libebnet's: eb_attach/eb_detach (the
 * same ports as `ebnet up`'s containers) and eb_publish (the same map as
 * `ebnet publish`). State is keyed on CNI_CONTAINERID + "/" + CNI_IFNAME,
 * never on the namespace path (containerd passes none on DEL).
 *
 * Errors follow the spec: {"cniVersion","code","msg","details"} on stdout,
 * exit 1. Codes: 1 version, 2 unsupported field, 3 unknown container,
 * 4 environment, 5 I/O, 6 undecodable input, 7 invalid config, 11 try
 * again; STATUS 50/51; 100 (ebnet's own): CHECK found a piece missing.
 *
 * The files: conf.c (errors, versions, the config), args.c (CNI_ARGS,
 * runtimeConfig, port mappings, the lock), main.c (the verbs).
 */
#ifndef EB_CNI_H
#define EB_CNI_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <time.h>
#include <sys/file.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <jansson.h>

#include "ebnet.h"
#include "ebnet_pub.h"

#define CNI_ERR_VERSION	    1
#define CNI_ERR_FIELD	    2
#define CNI_ERR_UNKNOWN	    3
#define CNI_ERR_ENV	    4
#define CNI_ERR_IO	    5
#define CNI_ERR_DECODE	    6
#define CNI_ERR_CONFIG	    7
#define CNI_ERR_AGAIN	    11
#define CNI_ERR_UNAVAILABLE 50
#define CNI_ERR_LIMITED	    51
#define CNI_ERR_CHECK	    100

struct conf {
	struct eb_up_opts uo;
	const char *net;
	json_t *root;
	json_t *rc; /* runtimeConfig, or NULL */
};

struct cni_args {
	char label[EB_LABEL_MAX];
	uint32_t ip;
	uint8_t mac[6];
	bool have_mac;
};

/* runtime_aliases(): at most this many (args.c). */
#define CNI_MAX_ALIASES 32

struct pmap {
	struct eb_pub_spec sp;
};

/* conf.c */
extern const char *answer_version;
void cni_error(int code, const char *msg, const char *details) __attribute__((noreturn));
void cni_errorf(int code, const char *details, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));
void lib_error(int err, const struct eb_err *e, const char *what) __attribute__((noreturn));
bool pre_1_0(void);
json_t *read_stdin(void);
const char *env(const char *name, bool required);
void parse_conf(json_t *root, struct conf *c);
int cmd_version(json_t *root);

/* args.c */
void parse_args(const char *s, struct cni_args *a);
void runtime_addr(const struct conf *c, struct cni_args *a);
int runtime_aliases(const struct conf *c, const char *out[CNI_MAX_ALIASES]);
int port_maps(const struct conf *c, struct pmap **out);
void wait_lock(void);

#endif
