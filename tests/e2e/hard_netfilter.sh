#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# hard_netfilter: the host's firewall is not ebnet's business (issue 6).
# While three flows run (a ping between containers, a TCP stream from a
# container to the outside through SNAT, a TCP stream from the outside to
# a published port), the host namespace first gets a hostile ruleset of
# the kind a Docker host has (FORWARD policy DROP in iptables-nft and
# iptables-legacy, an nftables forward chain with policy drop, a stale DNAT
# of the published port to nowhere, a MASQUERADE of the subnet), then
# everything is flushed: `iptables -F`, `iptables -t nat -F`, `nft flush
# ruleset` (and iptables-legacy -F). Neither step loses a packet of the
# running flows, and new flows of each kind work after each step. Only the
# sandbox's host namespace is touched, never the machine's.
. "$(dirname "$0")/../lib.sh"
sandbox hnf

SUB=10.53.0
HOSTIP=198.51.100.1
OUTIP=203.0.113.2
PUB=12140   # -> b:80 (http), this script's own
PUBS=12141  # -> b:81 (a sink for the stream from outside)
OHTTP=12142 # http server in OUT
OSINK=12143 # sink in OUT
T=$(tmpdir)
A=$(ctr a) B=$(ctr b)
mkdir -p "$T/www"
echo hello >"$T/www/index.html"

# stream.py HOST PORT N INTERVAL: one TCP connection, N lines, one every
# INTERVAL seconds; exits 0 when all were sent and the peer took them.
cat >"$T/stream.py" <<'PY'
import socket, sys, time
host, port, n, iv = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
s = socket.create_connection((host, port), timeout=5)
for i in range(n):
    s.sendall(b"line %d\n" % i)
    time.sleep(iv)
s.shutdown(socket.SHUT_WR)
s.settimeout(5)
s.recv(1)  # the sink closes when it has it all
PY

check "up a and b" eb up --net "$NET" --subnet $SUB.0/24 "$A" "$B"
IPB=$(ls_field b ip)
bg_ns "$B" timeout 120 python3 -m http.server 80 --bind 0.0.0.0 --directory "$T/www" >/dev/null 2>&1
bg_ns "$B" timeout 120 socat -u TCP-LISTEN:81,reuseaddr "CREATE:$T/sink_b"
bg_ns "$OUT" timeout 120 python3 -m http.server $OHTTP --bind $OUTIP --directory "$T/www" >/dev/null 2>&1
bg_ns "$OUT" timeout 120 socat -u "TCP-LISTEN:$OSINK,bind=$OUTIP,reuseaddr" "CREATE:$T/sink_out"
check "servers listen (b:80, b:81, out:$OHTTP, out:$OSINK)" wait_until 10 bash -c \
	"ip netns exec $B ss -Htln | grep -q ':80 ' && ip netns exec $B ss -Htln | grep -q ':81 ' &&
	 ip netns exec $OUT ss -Htln | grep -q ':$OHTTP ' && ip netns exec $OUT ss -Htln | grep -q ':$OSINK '"
check "publish $PUB:b:80 and $PUBS:b:81" eb publish --net "$NET" "$PUB:$B:80" "$PUBS:$B:81"

# new_flows WHEN: a flow of each kind, started now.
new_flows() {
	check "$1: a pings b" in_ctr a ping -c1 -W2 "$IPB"
	check_eq "$1: a fetches from outside (SNAT)" \
		"$(in_ctr a curl -sS -m5 "http://$OUTIP:$OHTTP/" 2>&1)" hello
	check_eq "$1: the outside fetches the published port $HOSTIP:$PUB" \
		"$(in_out curl -sS -m5 "http://$HOSTIP:$PUB/" 2>&1)" hello
	check_eq "$1: the host fetches 127.0.0.1:$PUB" \
		"$(in_host curl -sS -m5 "http://127.0.0.1:$PUB/" 2>&1)" hello
}
# rules: every rule of the host namespace, one a line.
rules() {
	in_host iptables-save 2>/dev/null | grep -E '^-A|^-I|^:.*DROP'
	in_host iptables-legacy-save 2>/dev/null | grep -E '^-A|^-I|^:.*DROP'
	in_host nft list ruleset 2>/dev/null | grep -E 'policy drop|dnat|masquerade|drop'
}

new_flows "before any rule"

# ---- the running flows: 10 s each ----
N=100
bg_ns "$A" timeout 30 ping -q -i 0.1 -c $N -W 1 "$IPB" >"$T/ping" 2>&1
PING_PID=$!
bg_ns "$A" timeout 30 python3 "$T/stream.py" $OUTIP $OSINK $N 0.1 >"$T/s1" 2>&1
S1_PID=$!
bg_ns "$OUT" timeout 30 python3 "$T/stream.py" $HOSTIP $PUBS $N 0.1 >"$T/s2" 2>&1
S2_PID=$!
sleep 2

# ---- a hostile ruleset, as on a Docker host ----
note "installing FORWARD DROP, a stale DNAT of $PUB, a MASQUERADE, an nftables forward drop"
hostile() {
	in_host iptables -P FORWARD DROP &&
		in_host iptables -A FORWARD -j DROP &&
		in_host iptables -t nat -A PREROUTING -p tcp --dport $PUB -j DNAT --to-destination 192.0.2.99:80 &&
		in_host iptables -t nat -A POSTROUTING -s $SUB.0/24 -o up0 -j MASQUERADE &&
		in_host nft add table inet hnf &&
		in_host nft add chain inet hnf filter_fwd '{ type filter hook forward priority 0; policy drop; }' &&
		in_host nft add chain inet hnf nat_pre '{ type nat hook prerouting priority -100; }' &&
		in_host nft add rule inet hnf nat_pre tcp dport $PUBS dnat ip to 192.0.2.98 || return 1
	# iptables-legacy, where the kernel has it.
	in_host iptables-legacy -P FORWARD DROP 2>/dev/null
	return 0
}
check "install the hostile rules in the host namespace" hostile
check_match "the host has the hostile rules" "$(rules)" 'DNAT|dnat'
new_flows "with the hostile rules"
sleep 1

# ---- and then everything flushed ----
in_host iptables -F
in_host iptables -t nat -F
in_host iptables-legacy -F 2>/dev/null
in_host nft flush ruleset
check_eq "iptables -F, iptables -t nat -F, nft flush ruleset: nothing of the rules left" \
	"$(in_host nft list ruleset 2>/dev/null | grep -cE 'rule|dnat|drop')" 0
new_flows "after the flush"

# ---- the running flows went on, not a packet lost ----
wait $PING_PID
check_match "the ping a -> b that ran throughout lost nothing" "$(cat "$T/ping")" \
	"$N packets transmitted, $N received"
wait $S1_PID
check "the stream a -> outside (SNAT) that ran throughout finished" test $? -eq 0
wait $S2_PID
check "the stream outside -> published port that ran throughout finished" test $? -eq 0
check "...and the outside got every line of the stream from a" \
	wait_until 5 bash -c "[ \$(grep -c '^line' '$T/sink_out') -eq $N ]"
check "...and b got every line of the stream from outside" \
	wait_until 5 bash -c "[ \$(grep -c '^line' '$T/sink_b') -eq $N ]"
new_flows "at the end"

check "down" eb down --net "$NET"
finish
