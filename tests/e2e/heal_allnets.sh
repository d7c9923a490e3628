#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# heal_allnets: commands without --net (issue 12). ports, ct and stats
# cover every network of the namespace, each line or JSON object saying
# its network; commands that change state or follow one network take the
# only one there is, and with several ask for --net and change nothing.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/nat_lib.sh"
sandbox hlf
N1=$NET N2=${NET}2
track_net "$N2"
unset EBNET_NET

check "up: network 1 with a" eb up --net "$N1" --subnet 10.93.0.0/24 "$(ctr a)"
check "up: network 2 with b" eb up --net "$N2" --subnet 10.93.1.0/24 "$(ctr b)"
check "publish a port of a" eb publish 18931:"$(ctr a)":80
check "publish a port of b" eb publish 18932:"$(ctr b)":80
check "a pings the outside (a flow of network 1)" in_ctr a ping -c1 -W2 "$OUT_IP"
check "b pings the outside (a flow of network 2)" in_ctr b ping -c1 -W2 "$OUT_IP"

check_eq "ports --json: each port with its network" "$(eb ports --json | python3 -c '
import json, sys
print(sorted((p["network"], p["host_port"]) for p in json.load(sys.stdin)["ports"]))')" \
	"[('$N1', 18931), ('$N2', 18932)]"
out=$(eb ports)
check_match "ports (text): a NETWORK column" "$out" "^NETWORK +HOST"
check_match "ports (text): the line of network 2's port names it" "$out" "^$N2 +0\.0\.0\.0:18932"
check_eq "ct --json: flows of both networks, each with its network" "$(eb ct --json | python3 -c '
import json, sys
print(sorted({f["network"] for f in json.load(sys.stdin)["flows"] if f["proto"] == "icmp"}))')" \
	"['$N1', '$N2']"
check_eq "stats --json: both networks" "$(eb stats --json | python3 -c '
import json, sys
print(sorted(n["network"] for n in json.load(sys.stdin)["networks"] if "counters" in n["stats"]))')" \
	"['$N1', '$N2']"
check_match "stats (text): a block per network" "$(eb stats)" "network $N2"
check "ls without --net still lists both" sh -c "nsenter --net=/run/netns/$HOST $EBNET ls | grep -q 'network $N2 '"

for cmd in "gc" "ct flush" "down" "monitor --count 1 --timeout 1"; do
	# shellcheck disable=SC2086
	out=$(eb $cmd 2>&1)
	rc=$?
	check_eq "$cmd without --net, two networks: refused" "$rc" 2
	check_match "...asking for --net and naming both" "$out" "2 networks \\(($N1, $N2|$N2, $N1)\\): name one with --net"
done
check "...and both networks are still there" test -d "$EB_PIN_ROOT/$N1" -a -d "$EB_PIN_ROOT/$N2"
check_eq "...and their flows too" "$(eb ct --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["flows"]) > 0)')" True
check "trace from a container without --net finds its network" \
	eb trace "$(ctr b)" icmp 10.93.1.2 "$OUT_IP"

check "down --net of network 2" eb down --net "$N2"
check_match "gc without --net, one network: it is the one" "$(eb gc 2>&1)" '^removed '
check "down without --net, one network: removes it" eb down
check_fails "...network 1 is gone" test -e "$EB_PIN_ROOT/$N1"
check_eq "...and its container" "$(netns_list | grep -c "^$(ctr a)$")" 0
finish
