#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# dns_failover: a network with two resolvers whose first does not answer
# (issue 17). The datapath takes a query asked again with the same id from
# the same port as unanswered and sends it, and the queries after it, to
# the next resolver (eb_dns_try, bpf/lib/dns.h): glibc's getent and dig in
# a container get their answer; a resolver on the host with no socket is
# passed over at once; `up --dns` makes the first resolver current again.
. "$(dirname "$0")/../lib.sh"
sandbox dnf

SUB=10.81.0
GW=$SUB.1
T=$(tmpdir)
WEB=$(ctr web) API=$(ctr api)
# 203.0.113.53: routed to the outside namespace, which has no such address
# and does not forward: a query to it gets no answer, nor an ICMP error.
DEAD=203.0.113.53

. "$(dirname "$0")/dns_lib.sh"
failovers() {
	eb stats --net "$NET" --json | jq -r '.counters.dns_failover.packets // .dns_failover.packets // 0' 2>/dev/null
}
asked() { grep -c "query\[A\] $1 from" "$T/dnsmasq-out.log" 2>/dev/null; }

dnsmasq_in "$OUT" 203.0.113.2 out --address=/ext.test/192.0.2.7 --address=/two.test/192.0.2.8 \
	--address=/three.test/192.0.2.9
check "dnsmasq listens in the outside namespace" wait_until 10 udp53 "$OUT"
check "up --dns DEAD,LIVE" eb up --net "$NET" --subnet $SUB.0/24 --dns "$DEAD,203.0.113.2" "$WEB" "$API"
check_eq "no failover counted yet" "$(failovers)" 0

# glibc: one nameserver (the gateway), asked again after 1 s, same socket.
GETENT=$(eb exec "$WEB" -- env RES_OPTIONS="timeout:1 attempts:3" getent ahostsv4 ext.test 2>&1 |
	awk 'NR==1{print $1}')
check_eq "getent: answered by the second resolver after the first stayed silent" "$GETENT" 192.0.2.7
check_match "a failover counted (dns_failover)" "$(failovers)" "^[1-9][0-9]*$"
check_match "the live resolver got the query" "$(asked ext.test)" "^[1-9]"
# Now the second is the current one: the next query is answered at once.
DIG=$(in_ctr web dig +time=1 +tries=1 @$GW two.test 2>&1)
check_match "dig with one try, after the failover: answered" "$DIG" "two\.test\..*IN[[:space:]]+A[[:space:]]+192\.0\.2\.8"
check_match "...from the gateway's address, which the container asked" "$DIG" "SERVER: $GW#53"
# Per container: web's failover did not move api's resolver (a container
# that asks again on purpose moves only its own queries).
check_eq "api, one try: still the first (silent) resolver, no answer" \
	"$(in_ctr api dig +short +time=1 +tries=1 @$GW two.test 2>/dev/null | grep -c '^192')" 0

# up --dns again: the first resolver is the current one again, and dig's
# own retries (same id, same port) fail over as glibc's do.
check "up --dns again (the same resolvers)" eb up --net "$NET" --dns "$DEAD,203.0.113.2"
BEFORE=$(failovers)
check_eq "dig, one try, after up: the dead first resolver again, no answer" \
	"$(in_ctr web dig +short +time=1 +tries=1 @$GW three.test 2>/dev/null | grep -c '^192')" 0
# (dig prints a line for each try that timed out, then the answer)
check_match "dig +tries=3 (a new port each try, the same id): answered" \
	"$(in_ctr web dig +short +time=1 +tries=3 @$GW three.test)" "^192\.0\.2\.9$"
check "...and counted as a failover" test "$(failovers)" -gt "$BEFORE"

# A resolver on the host with nothing on port 53: no wait for a timeout,
# the next one takes over at the first query (the client's next try).
check "up --dns 127.0.0.1,LIVE (no resolver on the host)" eb up --net "$NET" --dns "127.0.0.1,203.0.113.2"
BEFORE=$(failovers)
GETENT=$(eb exec "$WEB" -- env RES_OPTIONS="timeout:1 attempts:2" getent ahostsv4 ext.test 2>&1 |
	awk 'NR==1{print $1}')
check_eq "getent: answered by the outside resolver" "$GETENT" 192.0.2.7
check "...a failover counted" test "$(failovers)" -gt "$BEFORE"
check_match "ebnet stats names the counter" "$(eb stats --net "$NET")" "dns_failover"

check "down" eb down --net "$NET"
finish
