// SPDX-License-Identifier: GPL-2.0
#include "dk.h"

json_t *h_leave(json_t *req, struct eb_err *e)
{
	json_t *st = ep_load(req, e);

	if (!st)
		return json_object(); /* gone already: nothing to undo */
	ports_revoke(st);
	if (ep_detach(st, e)) {
		json_decref(st);
		return NULL;
	}
	json_object_set_new(st, "joined", json_false());
	json_object_del(st, "host_dev");
	if (dks_save(DKS_EP, jstr(st, "id"), st, e)) {
		json_decref(st);
		return NULL;
	}
	dk_log("endpoint %.12s: left", jstr(st, "id"));
	json_decref(st);
	return json_object();
}

json_t *h_delete_endpoint(json_t *req, struct eb_err *e)
{
	const char *eid = jstr(req, "EndpointID");
	json_t *st = ep_load(req, e);

	if (!st)
		return json_object();
	if (json_is_true(json_object_get(st, "joined"))) {
		/* No Leave came (the driver was down): undo the Join too. */
		ports_revoke(st);
		if (ep_detach(st, e)) {
			json_decref(st);
			return NULL;
		}
	}
	json_decref(st);
	if (dks_remove(DKS_EP, eid, e))
		return NULL;
	dk_log("endpoint %.12s: deleted", eid);
	return json_object();
}

struct net_eps {
	const char *nid;
	struct eb_err *e;
};

static int drop_ep_of(const char *id, json_t *ep, void *p)
{
	struct net_eps *ne = p;

	if (strcmp(jstr(ep, "network"), ne->nid))
		return 0;
	if (json_is_true(json_object_get(ep, "joined")) && ep_detach(ep, ne->e))
		return -EBUSY;
	return dks_remove(DKS_EP, id, ne->e);
}

json_t *h_delete_network(json_t *req, struct eb_err *e)
{
	const char *nid = jstr(req, "NetworkID");
	json_t *st = dks_load(DKS_NET, nid, &(int){ 0 }, e);
	struct net_eps ne = { nid, e };

	if (!st)
		return json_object(); /* never made, or gone already */
	if (dks_each(DKS_EP, drop_ep_of, &ne) || eb_down(jstr(st, "net"), e)) {
		json_decref(st);
		return NULL;
	}
	dk_log("network %s: removed (Docker network %.12s)", jstr(st, "net"), nid);
	json_decref(st);
	if (dks_remove(DKS_NET, nid, e))
		return NULL;
	return json_object();
}

json_t *h_oper_info(json_t *req, struct eb_err *e)
{
	json_t *st = ep_load(req, e), *res;

	if (!st)
		return NULL;
	res = json_pack("{s:{s:s, s:s, s:s, s:s, s:s, s:O}}", "Value", "ebnet.network",
			jstr(st, "net"), "ebnet.container", jstr(st, "name"), "ebnet.host_dev",
			jstr(st, "host_dev"), "ebnet.address", jstr(st, "address"), "ebnet.mac",
			jstr(st, "mac"), "ebnet.ports", json_object_get(st, "ports"));
	if (res && *jstr(st, "address6"))
		json_object_set_new(json_object_get(res, "Value"), "ebnet.address6",
				    json_string(jstr(st, "address6")));
	json_decref(st);
	return res;
}

json_t *h_activate(json_t *req, struct eb_err *e)
{
	return json_pack("{s:[s]}", "Implements", "NetworkDriver");
}

json_t *h_capabilities(json_t *req, struct eb_err *e)
{
	return json_pack("{s:s, s:s}", "Scope", "local", "ConnectivityScope", "local");
}

/* Discovery (and swarm's allocation) calls: nothing for a local driver. */
json_t *h_nothing(json_t *req, struct eb_err *e)
{
	return json_object();
}
