/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Named network namespaces, the way iproute2 keeps them: a bind mount of
 * the namespace under /run/netns/NAME, in a shared mount so that every
 * mount namespace sees it. Functions return 0 or a negative errno.
 */
#ifndef EB_NETNS_H
#define EB_NETNS_H

#include <stdbool.h>

#define EB_NETNS_DIR "/run/netns"

bool eb_netns_exists(const char *name);
/* Creates /run/netns/NAME holding a new network namespace; -EEXIST if taken.
 * inside (if not NULL) runs in the new namespace before the thread comes
 * back (sockets it opens stay bound to it); its error undoes the create. */
int eb_netns_create(const char *name, int (*inside)(void *arg), void *arg);
/* O_RDONLY fd of the namespace, or a negative errno. */
int eb_netns_open(const char *name);
/* Unmounts and removes /run/netns/NAME; 0 if it was not there. */
int eb_netns_delete(const char *name);
/* True when this process's mount namespace is not the init process's, as
 * under `ip netns exec`: namespaces mounted here may vanish for everyone
 * else when the process exits. */
bool eb_private_mount_ns(void);

#endif
