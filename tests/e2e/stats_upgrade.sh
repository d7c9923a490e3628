#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# stats_upgrade: eb_stats grew from 48 counters to EB_CNT_MAX (the ICMP,
# routing and host-port counters of issue 11 did not fit). A network made by
# a build with the 48-entry map is upgraded in place by `ebnet up`: the new
# map takes the name eb_stats (what bpftool and scripts read), the old map's
# counts are added to it, the pin moved aside is removed, and counting goes
# on, the new counters included. The earlier build is played by pinning a
# 48-entry map with counts under the name eb_stats and forcing the upgrade
# (EBNET_FORCE_UPGRADE=1).
. "$(dirname "$0")/../lib.sh"
sandbox stu

SUB=10.79.9
PIN=$EB_PIN_ROOT/$NET
check "up two containers" eb up --net "$NET" --subnet $SUB.0/24 "$(ctr a)" "$(ctr b)"
IPB=$(ls_field b ip)
FWD=$(eb_counter EB_CNT_FWD)
check "a pings b" in_ctr a ping -c 2 -W 2 "$IPB"

entries() { in_host bpftool -j map show pinned "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["max_entries"])'; }
stats_fwd() { eb stats --net "$NET" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"]["forward"]["packets"])'; }
check_eq "this build's eb_stats holds $(eb_counter EB_CNT_MAX) counters" "$(entries "$PIN/eb_stats")" \
	"$(eb_counter EB_CNT_MAX)"

# The earlier build's map: 48 entries, fwd = 1000 packets on every CPU.
NCPU=$(in_host bpftool -j map dump pinned "$PIN/eb_stats" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)[0]["values"]))')
check "a 48-entry per-CPU array pinned" in_host bpftool map create "$PIN/eb_stats_48" \
	type percpu_array key 4 value 16 entries 48 name eb_stats
KEY=$(printf '%d %d %d %d' $((FWD & 255)) 0 0 0)
check "fwd = 1000 packets in it" in_host bpftool map update pinned "$PIN/eb_stats_48" \
	key $KEY value 0xe8 0x03 0 0 0 0 0 0 0 0 0 0 0 0 0 0
check "pinned under the name eb_stats, as an earlier build left it" \
	sh -c "rm '$PIN/eb_stats' && mv '$PIN/eb_stats_48' '$PIN/eb_stats'"
check_eq "ebnet stats reads the 48-entry map" "$(stats_fwd)" $((1000 * NCPU))

check "up upgrades the datapath in place" env EBNET_FORCE_UPGRADE=1 \
	nsenter --net="/run/netns/$HOST" "$EBNET" up --net "$NET"
check_eq "eb_stats holds $(eb_counter EB_CNT_MAX) counters again" "$(entries "$PIN/eb_stats")" \
	"$(eb_counter EB_CNT_MAX)"
check "the moved-aside map is gone" test ! -e "$PIN/eb_stats_old"
F1=$(stats_fwd)
check "the old map's counts were carried over (fwd $F1 >= $((1000 * NCPU)))" \
	test "$F1" -ge $((1000 * NCPU))
check "a pings b after the upgrade" in_ctr a ping -c 2 -W 2 "$IPB"
F2=$(stats_fwd)
check "and is counted in the new map (fwd $F1 -> $F2)" test "$F2" -ge $((F1 + 2))
check_match "counters past the old 48 are listed (icmp_sent)" \
	"$(eb stats --net "$NET" --json)" '"icmp_sent"'
check "a second up changes nothing" eb up --net "$NET"
check_eq "fwd unchanged by it" "$(stats_fwd)" "$F2"
check "down" eb down --net "$NET"
finish
