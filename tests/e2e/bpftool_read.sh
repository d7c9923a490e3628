#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bpftool_read: the maps read with bpftool as `ebnet ls`, `ports` and `ct`
# show them. Every IPv4 address in maps/ebnet_maps.h is a union of the
# __u32 and its bytes (EB_IPV4), so bpftool's BTF dump prints
# "ip_bytes": [10,97,0,2] beside the number (in `bpftool -j` each such
# union is a key "", several in one object): checked here against what
# ebnet itself says, for the endpoints, the settings, a published port and
# a NAT flow. The published-port maps keep their ports in host order
# (eb_pub_ports: 18090 reads 18090); conntrack keeps them as on the wire.
. "$(dirname "$0")/../lib.sh"
sandbox bt

A=$(ctr a)
P=$EB_PIN_ROOT/$NET
check "up a" eb up --net "$NET" --subnet 10.97.0.0/24 "$A"
IPA=$(ls_field a ip)
check_eq "a's address" "$IPA" 10.97.0.2
check "publish 18090 -> a:80" eb publish --net "$NET" "18090:$A:80"
out_server 8080
check "a: a TCP flow to the outside" in_ctr a socat -T2 - TCP:203.0.113.2:8080 </dev/null

# dump MAP PY: PY over the formatted entries (list `m`) prints a value.
dump() {
	in_host bpftool -j map dump pinned "$P/$1" | python3 -c '
import json, sys
# Each anonymous union is a key "" in bpftool -j, several in one object:
# keep them all (json.load would keep the last).
def pairs(kv):
    o = {}
    for k, v in kv:
        if k == "" and "" in o: o[""].update(v)
        else: o[k] = v
    return o
m = [e["formatted"] for e in json.load(sys.stdin, object_pairs_hook=pairs)]
def ip(f): return ".".join(map(str, f))
def u(o):
    """The fields of an object, anonymous unions flattened."""
    r = {}
    for k, v in o.items():
        if k == "" and isinstance(v, dict): r.update(u(v))
        else: r[k] = u(v) if isinstance(v, dict) else v
    return r
m = [{"key": u(e["key"]) if isinstance(e["key"], dict) else e["key"],
      "value": u(e["value"]) if isinstance(e["value"], dict) else e["value"]} for e in m]
'"$2"
}

check_eq "bpftool eb_endpoints: key and value addresses as bytes" \
	"$(dump eb_endpoints 'print(*[ip(e["key"]["addr_bytes"]) + " " + ip(e["value"]["ip_bytes"]) for e in m])')" \
	"$IPA $IPA"
check_eq "bpftool eb_ports: the endpoint's address and name" \
	"$(dump eb_ports 'print(*[ip(e["value"]["ip_bytes"]) + " " + e["value"]["name"] for e in m])')" \
	"$IPA $A"
check_eq "bpftool eb_config: subnet, mask, gateway, SNAT address" \
	"$(dump eb_config 'v=m[0]["value"]; print(ip(v["subnet_bytes"]), ip(v["mask_bytes"]), ip(v["gateway_bytes"]), ip(v["snat_ip_bytes"]))')" \
	"10.97.0.0 255.255.255.0 10.97.0.1 198.51.100.1"
check_eq "bpftool eb_pub_ports: host 0.0.0.0 -> the container's address" \
	"$(dump eb_pub_ports 'print(*[ip(e["key"]["host_ip_bytes"]) + " " + ip(e["value"]["ctr_ip_bytes"]) for e in m])')" \
	"0.0.0.0 $IPA"
check_eq "bpftool eb_pub_ports: the ports as published, 18090 -> 80 (host order)" \
	"$(dump eb_pub_ports 'print(*[str(e["key"]["host_port"]) + " " + str(e["value"]["ctr_port"]) for e in m])')" \
	"18090 80"
# What a person reads: bpftool's plain dump, no script.
PLAIN=$(in_host bpftool map dump pinned "$P/eb_pub_ports")
check_match "bpftool map dump (plain) shows \"host_port\": 18090" "$PLAIN" '"host_port": 18090,'
check_match "bpftool map dump (plain) shows \"ctr_port\": 80" "$PLAIN" '"ctr_port": 80,'
FLOWS=$(dump eb_ct_tcp 'print(*sorted(ip(e["key"]["src_bytes"]) + ">" + ip(e["key"]["dst_bytes"]) + "=" + ip(e["value"]["xaddr_bytes"]) for e in m), sep="\n")')
check_match "bpftool eb_ct_tcp: the container-side entry, translated to the uplink's address" \
	"$FLOWS" "^$IPA>203\.0\.113\.2=198\.51\.100\.1\$"
check_match "bpftool eb_ct_tcp: the outside-side entry, back to the container" \
	"$FLOWS" "^203\.0\.113\.2>198\.51\.100\.1=$IPA\$"
check_match "ebnet ct shows the same flow" "$(eb ct --net "$NET")" "$IPA:[0-9]+ +203\.0\.113\.2:8080 +198\.51\.100\.1:"

check "down" eb down --net "$NET"
finish
