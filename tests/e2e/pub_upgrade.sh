#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# pub_upgrade: the published-port maps changed layout (issue 13): ports in
# host order, so that bpftool prints 8080 as 8080, under new names
# (eb_pub_ports, eb_pub_ports6, eb_pub_stats). A network made by a build
# with eb_published, eb_published6 and eb_port_stats (ports in network
# order) is upgraded in place by `ebnet up`: every mapping is carried over
# with its ports swapped, its connection and traffic counts added, the old
# pins removed, and the port answers from outside after it. Before the
# upgrade, publish and unpublish refuse (naming `ebnet up`) and change
# nothing. The earlier build is played by pinning maps of the old layout,
# filled with bpftool, in place of the new ones, and forcing the upgrade
# (EBNET_FORCE_UPGRADE=1).
. "$(dirname "$0")/pub_lib.sh"
sandbox pug

SUB=10.79.12
W=$(ctr web)
PIN=$EB_PIN_ROOT/$NET
pub_tmp

check "up web" eb up --net "$NET" --subnet $SUB.0/24 "$W"
IPW=$(ls_field web ip)
http_server web 80 "$T/w.log"
check "publish 11191:web:80" eb publish --net "$NET" "11191:$W:80"
check_http "outside reaches 11191" 200 in_out "http://$HOSTIP:11191/?before"
IFW=$(ls_field web host_ifindex)
NCPU=$(in_host bpftool -j map dump pinned "$PIN/eb_stats" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)[0]["values"]))')

# bytes KIND ARGS: a key or value of the old layout, as bpftool's byte list
# (ports in network order, as the earlier build wrote them).
bytes() {
	python3 - "$@" <<'EOF'
import ipaddress, socket, struct, sys
kind, a = sys.argv[1], sys.argv[2:]
if kind == "key":      # struct eb_pub_key: host_ip, host_port, proto, pad
    b = socket.inet_aton(a[0]) + struct.pack("!H", int(a[1])) + bytes([int(a[2]), 0])
elif kind == "key6":   # struct eb_pub6_key: host_ip6, host_port, proto, pad
    b = ipaddress.ip_address(a[0]).packed + struct.pack("!H", int(a[1])) + bytes([int(a[2]), 0])
elif kind == "val":    # struct eb_pub_val: ctr_ip, ctr_port, pad, ifindex, pad2, conns, local, name
    b = (socket.inet_aton(a[0]) + struct.pack("!H", int(a[1])) + b"\0\0" +
         struct.pack("=IIQQ", int(a[2]), 0, int(a[3]), int(a[4])) + a[5].encode().ljust(32, b"\0"))
elif kind == "cnt":    # struct eb_counter_val: packets, bytes
    b = struct.pack("=QQ", int(a[0]), int(a[1]))
print(" ".join(str(x) for x in b))
EOF
}

# ---- the earlier build's maps ----
check "eb_published (old layout) pinned" in_host bpftool map create "$PIN/eb_published" \
	type hash key 8 value 64 entries 65536 name eb_published flags 1
check "eb_published6 (old layout) pinned" in_host bpftool map create "$PIN/eb_published6" \
	type hash key 20 value 64 entries 65536 name eb_published6 flags 1
check "eb_port_stats (old layout) pinned" in_host bpftool map create "$PIN/eb_port_stats" \
	type percpu_hash key 8 value 16 entries 65536 name eb_port_stats
# shellcheck disable=SC2046 # word splitting into bytes is the point
check "11191 -> web:80, 7 connections from outside, 3 local" in_host bpftool map update \
	pinned "$PIN/eb_published" key $(bytes key 0.0.0.0 11191 6) \
	value $(bytes val "$IPW" 80 "$IFW" 7 3 "$W")
# shellcheck disable=SC2046
check "[2001:db8:77::1]:11192 -> web:81, 5 connections" in_host bpftool map update \
	pinned "$PIN/eb_published6" key $(bytes key6 2001:db8:77::1 11192 6) \
	value $(bytes val "$IPW" 81 "$IFW" 5 0 "$W")
# shellcheck disable=SC2046
check "11191's traffic: 100 packets, 6000 bytes on every CPU" in_host bpftool map update \
	pinned "$PIN/eb_port_stats" key $(bytes key 0.0.0.0 11191 6) value $(bytes cnt 100 6000)
check "this build's maps unpinned, as an earlier build had none of them" \
	rm "$PIN/eb_pub_ports" "$PIN/eb_pub_ports6" "$PIN/eb_pub_stats"
OLD=$(in_host bpftool -j map dump pinned "$PIN/eb_published")

# ---- before the upgrade: refused, nothing changed ----
out=$(eb publish --net "$NET" "11193:$W:80" 2>&1)
check_eq "publish before the upgrade fails" "$?" 1
check_match "...and says to run ebnet up" "$out" "earlier ebnet.*ebnet up --net $NET"
out=$(eb unpublish --net "$NET" 11191 2>&1)
check_eq "unpublish before the upgrade fails" "$?" 1
check_match "...and says to run ebnet up" "$out" "earlier ebnet.*ebnet up --net $NET"
check_eq "eb_published unchanged by both" "$(in_host bpftool -j map dump pinned "$PIN/eb_published")" "$OLD"
check "no eb_pub_ports made by them" test ! -e "$PIN/eb_pub_ports"

# ---- the upgrade ----
check "up upgrades the network in place" env EBNET_FORCE_UPGRADE=1 \
	nsenter --net="/run/netns/$HOST" "$EBNET" up --net "$NET"
for m in eb_published eb_published6 eb_port_stats; do
	check "the old map $m is gone" test ! -e "$PIN/$m"
done
PLAIN=$(in_host bpftool map dump pinned "$PIN/eb_pub_ports")
check_match "bpftool: eb_pub_ports holds 11191 in host order" "$PLAIN" '"host_port": 11191,'
check_match "bpftool: ...to the container's port 80" "$PLAIN" '"ctr_port": 80,'
check_match "bpftool: eb_pub_ports6 holds 11192 in host order" \
	"$(in_host bpftool map dump pinned "$PIN/eb_pub_ports6")" '"host_port": 11192,'
PJ=$(eb ports --net "$NET" --json)
check_eq "ports --json: 11191 -> web:80, its 7 and 3 connections carried over" \
	"$(jq -c '[.ports[] | select(.host_port == 11191) | [.container, .container_port, .connections_outside, .connections_local]]' <<<"$PJ")" \
	"[[\"$W\",80,7,3]]"
check_eq "ports --json: [2001:db8:77::1]:11192 -> web:81, 5 connections" \
	"$(jq -c '[.ports[] | select(.host_port == 11192) | [.host_ip, .container_port, .connections_outside]]' <<<"$PJ")" \
	'[["2001:db8:77::1",81,5]]'
SJ=$(eb stats --net "$NET" --json)
check_eq "stats --json: 11191's traffic carried over (100 packets x $NCPU CPUs)" \
	"$(jq '[.ports[] | select(.host_port == 11191) | .packets] | add' <<<"$SJ")" $((100 * NCPU))

check_http "after the upgrade: outside reaches 11191" 200 in_out "http://$HOSTIP:11191/?after"
check "...the request arrives at web" log_has "$T/w.log" "\"GET /\\?after "
check_eq "...and is counted: 8 connections from outside" \
	"$(port_field 0.0.0.0 11191 tcp connections_outside)" 8
check "publish works again (11193:web:80)" eb publish --net "$NET" "11193:$W:80"
check_http "outside reaches 11193" 200 in_out "http://$HOSTIP:11193/?new"
check "unpublish 11191" eb unpublish --net "$NET" 11191
check_eq "11191 no longer answers" "$(http_code in_out "http://$HOSTIP:11191/?gone")" 000
check "a second up changes nothing" eb up --net "$NET"
check_eq "...11193 still listed" "$(port_field 0.0.0.0 11193 tcp container)" "$W"
check "down" eb down --net "$NET"
finish
