#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# dns_upgrade: a network made by a build without names (issue 17) has none
# of the maps eb_names, eb_names_rev, eb_dns, eb_dns_fwd. The upgrade in
# place (`ebnet up` of a newer build) creates them, fills them from the
# endpoint records (names, PTR, the domain, the host's resolvers) and the
# containers' names resolve. An earlier build is played by removing those
# pins and forcing the upgrade (EBNET_FORCE_UPGRADE=1).
. "$(dirname "$0")/../lib.sh"
sandbox dnb

SUB=10.79.8
GW=$SUB.1
A=$(ctr a) B=$(ctr b)
PIN=$EB_PIN_ROOT/$NET
MAPS="eb_names eb_names_rev eb_dns eb_dns_fwd"

check "up two containers" eb up --net "$NET" --subnet $SUB.0/24 --dns 203.0.113.2 "$A" "$B=$SUB.20"
check_eq "names answered before" "$(in_ctr a dig +short +time=2 +tries=1 @$GW "$B")" "$SUB.20"
for m in $MAPS; do rm -f "$PIN/$m"; done
check_eq "the name maps are gone, as in a network of an earlier build" \
	"$(for m in $MAPS; do [ -e "$PIN/$m" ] && echo "$m"; done)" ""
PROG0=$(in_host bpftool -j prog show pinned "$PIN/prog_from_container" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
check "up upgrades the datapath in place" env EBNET_FORCE_UPGRADE=1 \
	nsenter --net="/run/netns/$HOST" "$EBNET" up --net "$NET"
PROG1=$(in_host bpftool -j prog show pinned "$PIN/prog_from_container" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
check "the container program was replaced" test "$PROG0" != "$PROG1"
check_eq "the name maps are pinned again" \
	"$(for m in $MAPS; do [ -e "$PIN/$m" ] && echo "$m"; done | xargs)" "$MAPS"
check_eq "the names answered after the upgrade" \
	"$(in_ctr a dig +short +time=2 +tries=1 @$GW "$B")" "$SUB.20"
check_eq "NAME.DOMAIN too" "$(in_ctr a dig +short +time=2 +tries=1 @$GW "$B.$NET")" "$SUB.20"
check_eq "and PTR" "$(in_ctr a dig +short +time=2 +tries=1 @$GW -x $SUB.20)" "$B.$NET."
check_match "unknown names of the domain: NXDOMAIN" \
	"$(in_ctr a dig +time=2 +tries=1 @$GW nope.$NET 2>&1)" "status: NXDOMAIN"
check "down" eb down --net "$NET"
finish
