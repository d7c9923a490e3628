#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# dns: containers find each other by name, answered by the datapath on the
# container's port with no resolver process (issue 17): busybox nslookup,
# glibc's getent and dig in the containers; A, AAAA (no record), PTR,
# aliases, NXDOMAIN for another network's names; a name before and after
# `ebnet rm` and after a new `up` with another address; other names
# forwarded to a dnsmasq in the outside namespace (UDP, TCP, an answer too
# long for UDP) and to one on the host's 127.0.0.1; malformed queries;
# `ebnet trace --dns-query`; `ebnet stats`; no process of ebnet needed.
. "$(dirname "$0")/../lib.sh"
sandbox dna

SUB=10.79.0
SUB2=10.79.1
GW=$SUB.1
T=$(tmpdir)
WEB=$(ctr web) DB=$(ctr db) API=$(ctr api)
NET2=${NET}2
track_net "$NET2"

. "$(dirname "$0")/dns_lib.sh"
LONG=$(printf 'x%.0s' $(seq 1 200))

dnsmasq_in "$OUT" 203.0.113.2 out --address=/ext.test/192.0.2.7 \
	--txt-record=long.test,"$LONG","$LONG","$LONG"
check "dnsmasq listens in the outside namespace" wait_until 10 udp53 "$OUT"

check "up: two containers, an alias, the outside dnsmasq as upstream" \
	eb up --net "$NET" --subnet $SUB.0/24 --dns 203.0.113.2 --alias "$DB:pg,PgSQL" \
	"$WEB" "$DB=$SUB.10"
check "up: another network" eb up --net "$NET2" --subnet $SUB2.0/24 --dns 203.0.113.2 "$API"

# ---- resolv.conf ----
RC=$(cat "$EBNET_NETNS_ETC/$WEB/resolv.conf" 2>&1)
check_match "resolv.conf of the container names the gateway" "$RC" "^nameserver $GW$"
check_match "resolv.conf searches the network's domain" "$RC" "^search $NET$"
check_eq "ebnet exec sees it as /etc/resolv.conf" \
	"$(eb exec "$WEB" -- grep nameserver /etc/resolv.conf)" "nameserver $GW"
check_eq "no socket on port 53 in the host namespace" "$(in_host ss -Hlun 'sport = :53')" ""

# ---- the network's own names ----
OUTP=$(in_ctr web timeout 10 busybox nslookup "$DB" $GW 2>&1)
check_match "busybox nslookup: A of the other container" "$OUTP" "Address:? +$SUB\.10$"
check_eq "getent hosts (glibc): the container's name" \
	"$(eb exec "$WEB" -- getent hosts "$DB" | awk '{print $1}')" "$SUB.10"
check_eq "getent hosts: NAME.DOMAIN" \
	"$(eb exec "$WEB" -- getent hosts "$DB.$NET" | awk '{print $1}')" "$SUB.10"
check_eq "getent hosts: an alias" "$(eb exec "$WEB" -- getent hosts pg | awk '{print $1}')" \
	"$SUB.10"
check_eq "getent hosts: an alias in other letters, with the domain" \
	"$(eb exec "$WEB" -- getent hosts PGSQL.$NET | awk '{print $1}')" "$SUB.10"
check "ping by name" eb exec "$WEB" -- ping -c1 -W2 "$DB"
DIG=$(in_ctr web dig +time=2 +tries=1 @$GW "$DB.$NET" A 2>&1)
check_match "dig: NOERROR" "$DIG" "status: NOERROR"
check_match "dig: authoritative, recursion available" "$DIG" "flags: qr aa rd ra;"
check_match "dig: the A record, TTL 10" "$DIG" "^$DB\.$NET\.[[:space:]]+10[[:space:]]+IN[[:space:]]+A[[:space:]]+$SUB\.10$"
DIG=$(in_ctr web dig +time=2 +tries=1 @$GW "$DB" AAAA 2>&1)
check_match "dig AAAA: NOERROR" "$DIG" "status: NOERROR"
check_match "dig AAAA: no record (the network has no IPv6)" "$DIG" "ANSWER: 0,"
check_eq "dig PTR: the container's name" \
	"$(in_ctr web dig +short +time=2 +tries=1 @$GW -x $SUB.10)" "$DB.$NET."
DIG=$(in_ctr web dig +time=2 +tries=1 @$GW -x $SUB.99 2>&1)
check_match "dig PTR of a free address of the subnet: NXDOMAIN" "$DIG" "status: NXDOMAIN"

# ---- another network's names ----
check_match "another network's container: NXDOMAIN" \
	"$(in_ctr web dig +time=2 +tries=1 @$GW "$API" 2>&1)" "status: NXDOMAIN"
check_match "another network's container with this domain: NXDOMAIN" \
	"$(in_ctr web dig +time=2 +tries=1 @$GW "$API.$NET" 2>&1)" "status: NXDOMAIN"
check_fails "getent hosts of another network's container fails" \
	eb exec "$WEB" -- getent hosts "$API"
check_eq "in its own network it is answered" \
	"$(in_ctr api dig +short +time=2 +tries=1 @$SUB2.1 "$API")" "$SUB2.2"
check_match "and that network does not answer this one's" \
	"$(in_ctr api dig +time=2 +tries=1 @$SUB2.1 "$DB" 2>&1)" "status: NXDOMAIN"

# ---- rm, then up again with another address ----
check "rm the container" eb rm --net "$NET" "$DB"
check_match "its name: NXDOMAIN from the next query" \
	"$(in_ctr web dig +time=2 +tries=1 @$GW "$DB" 2>&1)" "status: NXDOMAIN"
check_match "its alias: NXDOMAIN" "$(in_ctr web dig +time=2 +tries=1 @$GW pg 2>&1)" \
	"status: NXDOMAIN"
check_match "its PTR: NXDOMAIN" "$(in_ctr web dig +time=2 +tries=1 @$GW -x $SUB.10 2>&1)" \
	"status: NXDOMAIN"
check "its resolv.conf is gone" test ! -e "$EBNET_NETNS_ETC/$DB/resolv.conf"
check "up again with another address" eb up --net "$NET" --alias "$DB:pg" "$DB=$SUB.20"
check_eq "the name has the new address" \
	"$(in_ctr web dig +short +time=2 +tries=1 @$GW "$DB")" "$SUB.20"
check_eq "the alias too" "$(eb exec "$WEB" -- getent hosts pg | awk '{print $1}')" "$SUB.20"
check_eq "PTR of the new address" \
	"$(in_ctr web dig +short +time=2 +tries=1 @$GW -x $SUB.20)" "$DB.$NET."
check_fails "an alias that another container has is refused" \
	eb up --net "$NET" --alias "$WEB:pg"
check_eq "...and the alias stays its owner's" \
	"$(in_ctr web dig +short +time=2 +tries=1 @$GW pg)" "$SUB.20"

# ---- forwarded: the outside dnsmasq, through the SNAT path ----
check_eq "a name of the outside resolver (UDP)" \
	"$(in_ctr web dig +short +time=2 +tries=2 @$GW ext.test)" "192.0.2.7"
check_eq "the same over TCP" "$(in_ctr web dig +tcp +short +time=2 +tries=2 @$GW ext.test)" \
	"192.0.2.7"
check_eq "getent hosts through glibc" \
	"$(eb exec "$WEB" -- getent hosts ext.test | awk '{print $1}')" "192.0.2.7"
DIG=$(in_ctr web dig +noedns +time=3 +tries=2 @$GW long.test TXT 2>&1)
check_match "an answer too long for UDP: truncated, then over TCP" "$DIG" \
	"Truncated, retrying in TCP mode"
check_eq "...and it arrives whole (3 strings of 200 bytes)" \
	"$(grep -o "$LONG" <<<"$DIG" | wc -l)" 3
check_match "the outside resolver saw the uplink's address" "$(cat "$T/dnsmasq-out.log")" \
	"query\[A\] ext.test from 198.51.100.1"

# ---- forwarded: a resolver on the host's 127.0.0.1 ----
dnsmasq_in "$HOST" 127.0.0.1 host --address=/loop.test/192.0.2.9
check "dnsmasq listens on the host's 127.0.0.1" wait_until 10 udp53 "$HOST"
check "up --dns 127.0.0.1: the network's resolver replaced" eb up --net "$NET" --dns 127.0.0.1
check_eq "a name of the host's loopback resolver (UDP)" \
	"$(in_ctr web dig +short +time=2 +tries=2 @$GW loop.test)" "192.0.2.9"
check_eq "the same over TCP" "$(in_ctr web dig +tcp +short +time=2 +tries=2 @$GW loop.test)" \
	"192.0.2.9"
check_eq "getent hosts through glibc" \
	"$(eb exec "$WEB" -- getent hosts loop.test | awk '{print $1}')" "192.0.2.9"
check_eq "the container's names are still the datapath's" \
	"$(in_ctr web dig +short +time=2 +tries=1 @$GW "$DB")" "$SUB.20"
check_eq "route_localnet stays off on the host's devices" \
	"$(in_host cat /proc/sys/net/ipv4/conf/all/route_localnet)" 0

# ---- malformed queries: counted, answered FORMERR or dropped, never looped ----
MAL0=$(stat_packets "$(eb_counter EB_CNT_DNS_MALFORMED)")
MALF=$(in_ctr web python3 - "$GW" <<'PY'
import socket, sys
gw = sys.argv[1]
def ask(msg):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1)
    s.sendto(msg, (gw, 53))
    try:
        r = s.recv(600)
        return "rcode=%d" % (r[3] & 15)
    except socket.timeout:
        return "none"
hdr = lambda qd: b"\x12\x34\x01\x00" + qd.to_bytes(2, "big") + b"\x00\x00\x00\x00\x00\x00"
q = b"\x02db\x00\x00\x01\x00\x01"
print("qdcount2", ask(hdr(2) + q + q))
print("loop", ask(hdr(1) + b"\xc0\x0c\x00\x01\x00\x01"))
print("label", ask(hdr(1) + b"\x50" + b"a" * 80 + b"\x00\x00\x01\x00\x01"))
print("huge", ask(hdr(1) + (b"\x3f" + b"a" * 63) * 5 + b"\x00\x00\x01\x00\x01"))
print("truncated", ask(hdr(1) + b"\x05ab"))
print("short", ask(b"\x12\x34\x01"))
print("response", ask(b"\x12\x34\x81\x80" + hdr(1)[4:] + q))
PY
)
check_match "QDCOUNT 2: FORMERR" "$MALF" "^qdcount2 rcode=1$"
check_match "a compression pointer in the question: FORMERR" "$MALF" "^loop rcode=1$"
check_match "a label over 63 bytes: FORMERR" "$MALF" "^label rcode=1$"
check_match "a name over 255 bytes: FORMERR" "$MALF" "^huge rcode=1$"
check_match "a truncated question: FORMERR" "$MALF" "^truncated rcode=1$"
check_match "shorter than a DNS header: dropped" "$MALF" "^short none$"
check_match "a response sent to port 53: dropped" "$MALF" "^response none$"
check_eq "each counted as dns_malformed" \
	"$(($(stat_packets "$(eb_counter EB_CNT_DNS_MALFORMED)") - MAL0))" 7

# ---- trace ----
TR=$(eb trace --net "$NET" "$WEB" udp $SUB.2:5353 $GW:53 --dns-query "$DB" 2>&1)
check_match "trace --dns-query: the answer the datapath gives" "$TR" \
	"dns: +NOERROR aa, $DB\. A $SUB\.20"
check_match "trace: redirected back to the container" "$TR" "decision: dns_answered"
TR=$(eb trace --net "$NET" "$WEB" udp $SUB.2:5353 $GW:53 --dns-query nope.$NET 2>&1)
check_match "trace: NXDOMAIN in the domain" "$TR" "dns: +NXDOMAIN aa"
TR=$(eb trace --net "$NET" "$WEB" udp $SUB.2:5353 $GW:53 --dns-query 20.0.79.10.in-addr.arpa 2>&1)
check_match "trace: PTR" "$TR" "PTR $DB\.$NET\."
TR=$(eb trace --net "$NET" "$WEB" udp $SUB.2:5353 $GW:53 --dns-query "$DB" --dns-type AAAA 2>&1)
check_match "trace: AAAA, no record" "$TR" "dns: +NOERROR aa, no record"
TR=$(eb trace --net "$NET" "$WEB" udp $SUB.2:5353 $GW:53 --dns-query example.org 2>&1)
check_match "trace: another name is sent on" "$TR" "not answered here"
check_fails "trace --dns-query with tcp is refused" \
	eb trace --net "$NET" "$WEB" tcp $SUB.2:5353 $GW:53 --dns-query "$DB"

# ---- stats ----
ST=$(eb stats --net "$NET" --json)
for c in dns_answered dns_nxdomain dns_forwarded dns_malformed; do
	check_match "stats: $c counted" "$ST" "\"$c\": *\{ *\"packets\": *[1-9]"
done

# ---- nothing of ebnet runs: kill -9 of its processes, then names ----
# (nsenter execs ebnet: $! is the ebnet process itself.)
bg_ns "$HOST" "$EBNET" monitor --net "$NET" --timeout 60 >/dev/null 2>&1
MON=$!
sleep 0.3
check_eq "ebnet monitor runs" "$(cat /proc/$MON/comm 2>/dev/null)" ebnet
kill -9 "$MON"
wait "$MON" 2>/dev/null
HOSTNS=$(in_host readlink /proc/self/ns/net)
check_eq "no ebnet process left in the sandbox's host namespace" \
	"$(for p in $(pgrep -x ebnet); do [ "$(readlink /proc/$p/ns/net)" = "$HOSTNS" ] && echo $p; done)" ""
check_eq "names still resolve" "$(in_ctr web dig +short +time=2 +tries=1 @$GW "$DB")" "$SUB.20"

check "down" eb down --net "$NET"
check "resolv.conf files gone with the network" test ! -e "$EBNET_NETNS_ETC/$WEB/resolv.conf"
finish
