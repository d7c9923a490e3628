// SPDX-License-Identifier: GPL-2.0
#include "cni.h"

static const char *const versions[] = { "0.3.1", "0.4.0", "1.0.0", "1.1.0" };
#define NVERSIONS (sizeof(versions) / sizeof(versions[0]))

/* The version answers are given in: the config's, once it is known. */
const char *answer_version = "1.1.0";

void cni_error(int code, const char *msg, const char *details)
{
	json_t *o = json_pack("{s:s,s:i,s:s}", "cniVersion", answer_version, "code", code, "msg",
			      msg);

	if (details && *details)
		json_object_set_new(o, "details", json_string(details));
	json_dumpf(o, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	fflush(stdout);
	json_decref(o);
	exit(1);
}

void cni_errorf(int code, const char *details, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cni_error(code, msg, details);
}

/* A library error: the code that fits its errno. */
void lib_error(int err, const struct eb_err *e, const char *what)
{
	int code = err == -EAGAIN || err == -EBUSY ? CNI_ERR_AGAIN
		   : err == -EINVAL || err == -EEXIST || err == -EADDRINUSE ||
				   err == -ENOSPC || err == -EADDRNOTAVAIL
			   ? CNI_ERR_CONFIG
			   : CNI_ERR_IO;

	cni_error(code, e->msg[0] ? e->msg : strerror(-err), what);
}

static bool version_ok(const char *v)
{
	for (size_t i = 0; i < NVERSIONS; i++)
		if (!strcmp(versions[i], v))
			return true;
	return false;
}

/* Results before 1.0.0 carry "version" in each IP entry. */
bool pre_1_0(void)
{
	return answer_version[0] == '0';
}

json_t *read_stdin(void)
{
	json_error_t je;
	json_t *j = json_loadf(stdin, JSON_REJECT_DUPLICATES, &je);

	if (!j)
		cni_errorf(CNI_ERR_DECODE, je.text, "cannot decode the network config on stdin (line %d)",
			   je.line);
	if (!json_is_object(j))
		cni_error(CNI_ERR_DECODE, "the network config on stdin is not a JSON object", NULL);
	return j;
}

const char *env(const char *name, bool required)
{
	const char *v = getenv(name);

	if (required && (!v || !*v))
		cni_errorf(CNI_ERR_ENV, NULL, "%s is not set", name);
	return v && *v ? v : NULL;
}

/* ---- the config ---- */

/* Keys every plugin config may have (the spec's, and those that libcni
 * and runtimes add), besides ebnet's own (eb_up_opt_names). */
static const char *const std_keys[] = { "cniVersion",	 "cniVersions", "name",
					"type",		 "capabilities", "runtimeConfig",
					"prevResult",	 "args",	 "dns",
					"disableCheck", "disableGC",	 "plugins",
					"cni.dev/valid-attachments",	 "cni.dev/attachments",
					NULL };

static bool in_list(const char *const *l, const char *k)
{
	for (; *l; l++)
		if (!strcmp(*l, k))
			return true;
	return false;
}

void parse_conf(json_t *root, struct conf *c)
{
	const char *k, *v, *opt;
	json_t *val;
	char why[256], buf[32];

	memset(c, 0, sizeof(*c));
	c->root = root;
	v = json_string_value(json_object_get(root, "cniVersion"));
	if (!v)
		cni_error(CNI_ERR_CONFIG, "the network config has no cniVersion",
			  "add \"cniVersion\": \"1.0.0\"");
	if (!version_ok(v))
		cni_errorf(CNI_ERR_VERSION, "ebnet speaks 0.3.1, 0.4.0, 1.0.0 and 1.1.0",
			   "incompatible CNI version '%s'", v);
	answer_version = v;
	c->net = json_string_value(json_object_get(root, "name"));
	if (!c->net)
		cni_error(CNI_ERR_CONFIG, "the network config has no name", NULL);
	if (eb_valid_name(c->net, EB_NAME_LEN))
		cni_errorf(CNI_ERR_CONFIG, "the name is the ebnet network's: 1 to 31 of A-Z a-z 0-9 _ . -",
			   "invalid network name '%s'", c->net);
	c->uo.net = c->net;
	c->uo.attach = EB_ATTACH_AUTO;
	c->uo.xdp = EB_XDP_KEEP;
	json_object_foreach(root, k, val) {
		if (in_list(std_keys, k))
			continue;
		if (!strcmp(k, "ipam"))
			cni_error(CNI_ERR_FIELD, "unsupported field 'ipam'",
				  "ebnet gives addresses from the network's own allocator; remove "
				  "\"ipam\" (use \"subnet\", and IP= in CNI_ARGS for a fixed address)");
		/* "dns" is the spec's own key (ignored here); `up --dns`, the
		 * upstream resolvers, is "upstream-dns". */
		opt = !strcmp(k, "upstream-dns") ? "dns" : k;
		if (!strcmp(opt, "dns") ? strcmp(k, "upstream-dns") : !in_list(eb_up_opt_names, opt))
			cni_errorf(CNI_ERR_FIELD,
				   "ebnet's keys: subnet, uplink, attach, xdp, snat-ip, nat-ports, "
				   "ct-tcp-size, ct-other-size, domain, upstream-dns, mtu, ipv6, "
				   "subnet6",
				   "unsupported field '%s' in the network config", k);
		if (json_is_integer(val)) {
			snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(val));
			/* Lives as long as the process: the options point at it. */
			v = strdup(buf);
		} else if (json_is_boolean(val)) {
			/* "ipv6": true (false: as if absent) */
			if (json_is_false(val))
				continue;
			v = "true";
		} else {
			v = json_string_value(val);
		}
		if (!v)
			cni_errorf(CNI_ERR_CONFIG, NULL, "'%s' must be a string", k);
		if (eb_up_opt_set(&c->uo, k == opt ? k : "upstream-dns", v, why, sizeof(why)))
			cni_error(CNI_ERR_CONFIG, why, NULL);
	}
	c->rc = json_object_get(root, "runtimeConfig");
	if (c->rc && !json_is_object(c->rc))
		cni_error(CNI_ERR_CONFIG, "runtimeConfig is not an object", NULL);
}

int cmd_version(json_t *root)
{
	const char *v = root ? json_string_value(json_object_get(root, "cniVersion")) : NULL;
	json_t *out, *list = json_array();

	if (v && version_ok(v))
		answer_version = v;
	for (size_t i = 0; i < NVERSIONS; i++)
		json_array_append_new(list, json_string(versions[i]));
	out = json_pack("{s:s,s:o}", "cniVersion", answer_version, "supportedVersions", list);
	json_dumpf(out, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	json_decref(out);
	return 0;
}
