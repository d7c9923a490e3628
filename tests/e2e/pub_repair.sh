#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# pub_repair: a container that `ebnet up` repairs (its host-side device was
# lost, so it is made again, with a new device) keeps its published ports,
# and they must lead to it: from outside as well as from the host.
. "$(dirname "$0")/pub_lib.sh"
sandbox tpq

SUB=10.98.0
W=$(ctr web) O=$(ctr other)
pub_tmp

check "up web and other" eb up --net "$NET" --subnet $SUB.0/24 "$W" "$O"
http_server web 80 "$T/w1.log"
check "publish 11095:$W:80" eb publish "11095:$W:80"
check_http "before: outside reaches 11095" 200 in_out "http://$HOSTIP:11095/?before"

DEV=$(ls_field web host_dev)
check "web's host-side device $DEV is deleted behind ebnet's back" in_host ip link del "$DEV"
check "up repairs web" eb up --net "$NET" --subnet $SUB.0/24 "$W" "$O"
check_match "web is ready again" "$(eb ls --net "$NET")" "$W +$SUB\.[0-9]+ .* ready"
http_server web 80 "$T/w2.log"
check_eq "after the repair, ports still lists 11095 -> web" \
	"$(port_field 0.0.0.0 11095 tcp container)" "$W"
check_http "after the repair: the host reaches 127.0.0.1:11095" 200 in_host \
	"http://127.0.0.1:11095/?host"
check_http "after the repair: outside reaches 11095" 200 in_out "http://$HOSTIP:11095/?out"
check "after the repair: the request from outside arrives, from $OUTIP" \
	log_has "$T/w2.log" "^$OUTIP - .*\"GET /\\?out "
PUBIDX=$(pub_dump | python3 -c '
import json, sys
for e in json.load(sys.stdin):
    e = e.get("formatted", e)
    print(e["value"]["ifindex"])')
check_eq "eb_pub_ports's ifindex is web's new host-side device" "$PUBIDX" \
	"$(in_host ip -o link show dev "$(ls_field web host_dev)" | cut -d: -f1)"

finish
