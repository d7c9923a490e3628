#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nat_limits: an exhausted NAT port range and a full conntrack map, with
# real clients. The new flow is dropped and counted (in the datapath's
# counters, and visible to the user in `ebnet stats`); flows that exist keep
# working.
#
# The counters are read twice: from the pinned eb_stats map (nat_stat) and
# as the user sees them (`ebnet stats`).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/nat_lib.sh"
sandbox tnl

T=$(tmpdir)

# ---- one NAT port ----
check "up a network whose NAT range is one port (20000-20000)" \
	eb up --net "$NET" --subnet 10.76.0.0/24 --nat-ports 20000-20000 "$(ctr a)" "$(ctr b)"
peer_server 8080 3 # holds each connection 3 s
peer_server 8081 0
in_ctr a timeout 10 socat -t 5 - "TCP:$OUT_IP:8080" </dev/null >"$T/a" 2>&1 &
PA=$!
sleep 0.5
EX0=$(nat_stat EB_CNT_DROP_NAT_EXHAUSTED)
check_fails "port range exhausted: b cannot connect to the same server port" \
	in_ctr b timeout 5 socat -t 1 - "TCP:$OUT_IP:8080,connect-timeout=2" </dev/null
check "port range exhausted: the drop is counted (EB_CNT_DROP_NAT_EXHAUSTED)" \
	test "$(nat_stat EB_CNT_DROP_NAT_EXHAUSTED)" -gt "$EX0"
wait $PA
check_match "port range exhausted: a's flow, which holds the port, is answered" "$(cat "$T/a")" \
	"^from $UPLINK_IP:20000$"
check_match "port range exhausted: b reaches another server port, from the same NAT port" \
	"$(in_ctr b timeout 5 socat -t 2 - "TCP:$OUT_IP:8081" </dev/null 2>&1)" \
	"^from $UPLINK_IP:20000$"
check "ebnet stats --json: drop_nat_exhausted counted" \
	test "$(stats_packets "$NET" drop_nat_exhausted)" -gt 0
check_match "ebnet stats: the drop_nat_exhausted line" "$(eb stats --net "$NET")" \
	"^drop_nat_exhausted +[1-9]"
check "down" eb down --net "$NET"

# ---- a full conntrack map ----
NET2=${NET}2
track_net "$NET2"
check "up a network whose eb_ct_other holds 64 entries (32 flows)" \
	eb up --net "$NET2" --subnet 10.77.0.0/24 --ct-other-size 64 "$(ctr c)"
udp_server 5353
FULL0=$(NET=$NET2 nat_stat EB_CNT_DROP_CT_FULL)
# 40 UDP flows from 40 source ports; then the first one again.
OUTP=$(in_ctr c python3 -c '
import select, socket, sys, time
dst = (sys.argv[1], 5353)
socks = []
for i in range(40):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("", 41000 + i))
    s.sendto(b"m%d\n" % i, dst)
    socks.append(s)
    time.sleep(0.01)
got = set()
end = time.time() + 2
while time.time() < end and len(got) < 40:
    r, _, _ = select.select(socks, [], [], 0.2)
    for s in r:
        s.recv(2048)
        got.add(socks.index(s))
print("answered", len(got), "first32", all(i in got for i in range(32)))
socks[0].sendto(b"again\n", dst)
socks[0].settimeout(2)
try:
    print("again", socks[0].recv(2048).decode().split()[0])
except OSError:
    print("again none")
' $OUT_IP 2>&1)
note "$(echo "$OUTP" | tr "\n" " ")"
check_match "ct full: the 32 flows that fit are answered, the 8 others are not" "$OUTP" \
	"^answered 32 first32 True$"
check "ct full: the drops are counted (EB_CNT_DROP_CT_FULL)" \
	test "$(NET=$NET2 nat_stat EB_CNT_DROP_CT_FULL)" -ge $((FULL0 + 8))
check_match "ct full: an existing flow keeps working" "$OUTP" "^again again$"
check_eq "ct full: ct lists 32 flows" "$(NET=$NET2 ct_flows | grep -c '^udp ')" 32
check "ebnet stats --json: drop_ct_full counted (at least 8)" \
	test "$(stats_packets "$NET2" drop_ct_full)" -ge 8
check_match "ebnet stats: the drop_ct_full line" "$(eb stats --net "$NET2")" "^drop_ct_full +[1-9]"
check "down" eb down --net "$NET2"
finish
