#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# basic: two containers talk to each other and to the host; ls, the maps,
# idempotent up, a given address, rm and down, as a user would check them.
. "$(dirname "$0")/../lib.sh"
sandbox tbas

SUB=10.81.0
A=$(ctr a) B=$(ctr b) C=$(ctr c)
T=$(tmpdir)

# The sandbox itself: HOST reaches OUT through the router.
check "sandbox: host reaches 203.0.113.2 through the router" in_host ping -c1 -W2 203.0.113.2

check "up two containers" eb up --net "$NET" --subnet $SUB.0/24 "$A" "$B"
IPA=$(ls_field a ip) IPB=$(ls_field b ip)
check_eq "first container gets the first free address" "$IPA" "$SUB.2"
check_eq "second container gets the next" "$IPB" "$SUB.3"
check "container a's eth0 has its address" in_ctr a ip -4 -o addr show dev eth0 to "$IPA/24"
check_match "container a's default route is the gateway" "$(in_ctr a ip route show default)" \
	"^default via $SUB\.1 dev eth0"

# ---- containers to each other ----
check "ping a -> b" in_ctr a ping -c1 -W2 "$IPB"
check "ping b -> a" in_ctr b ping -c1 -W2 "$IPA"

head -c 1000000 /dev/urandom >"$T/send"
bg_ns "$B" timeout 10 socat -u TCP-LISTEN:5000,bind="$IPB",reuseaddr "CREATE:$T/recv"
wait_until 5 listening "$B" 5000
check "TCP a -> b: client sends 1 MB" in_ctr a timeout 10 socat -u "FILE:$T/send" "TCP:$IPB:5000"
wait
check_eq "TCP a -> b: listener received the same bytes" \
	"$(sha256sum <"$T/recv" 2>/dev/null | cut -c1-64)" "$(sha256sum <"$T/send" | cut -c1-64)"

bg_ns "$A" timeout 10 socat TCP-LISTEN:5001,bind="$IPA",reuseaddr PIPE
wait_until 5 listening "$A" 5001
check_eq "TCP b -> a: echo round trip" \
	"$(echo hello-ebnet | in_ctr b timeout 5 socat -t2 - "TCP:$IPA:5001")" "hello-ebnet"
wait

# ---- host and containers ----
check "container pings the gateway" in_ctr a ping -c1 -W2 $SUB.1
check "host pings a from the gateway address" in_host ping -c1 -W2 -I $SUB.1 "$IPA"
check "host pings b from the gateway address" in_host ping -c1 -W2 -I $SUB.1 "$IPB"
for x in a b; do
	ip=$(ls_field $x ip)
	bg_ns "$(ctr $x)" timeout 10 socat TCP-LISTEN:5002,bind="$ip",reuseaddr \
		SYSTEM:'echo peer=$SOCAT_PEERADDR'
	wait_until 5 listening "$(ctr $x)" 5002
	check_eq "host connects over TCP to $x, from the gateway address" \
		"$(in_host timeout 5 socat -t2 - "TCP:$ip:5002" </dev/null)" "peer=$SUB.1"
	wait
done

# ---- ls, ls --json, the maps ----
LS=$(eb ls --net "$NET")
for x in a b; do
	check_match "ls shows $x: name, address, MAC, host device" "$LS" \
		"$(ctr $x) +$(ls_field $x ip) +$(ls_field $x mac) +$(ls_field $x host_dev) "
done
check "ls --json is JSON with name, ip, mac, host_dev of each container" \
	python3 -c '
import json, subprocess, sys
d = json.loads(sys.stdin.read())
net = [n for n in d["networks"] if n["name"] == sys.argv[1]][0]
assert net["subnet"] == sys.argv[2] + ".0/24", net["subnet"]
assert net["gateway"] == sys.argv[2] + ".1", net["gateway"]
cs = {c["name"]: c for c in net["containers"]}
assert set(cs) == {sys.argv[3], sys.argv[4]}, cs
for c in cs.values():
    for k in ("ip", "mac", "host_dev"):
        assert c[k], (c, k)
' "$NET" $SUB "$A" "$B" < <(eb ls --net "$NET" --json)

for x in a b; do
	mac=$(ls_field $x mac)
	check_eq "container $x's eth0 has the MAC that ls shows" \
		"$(mac_of "$(ctr $x)" eth0)" "$mac"
	dev=$(ls_field $x host_dev)
	check "host device $dev of $x is in the host namespace" in_host ip link show dev "$dev"
	check_fails "host device $dev of $x is not in the machine's own namespace" \
		ip link show dev "$dev"
done

DUMP=$(in_host bpftool map dump pinned "$EB_PIN_ROOT/$NET/eb_endpoints")
for f in '"name"' '"mac"' '"ip"' '"host_dev"' '"ifindex"' "\"$A\"" "\"$B\""; do
	check_match "bpftool map dump of eb_endpoints shows $f" "$DUMP" "$f"
done

# ---- up again: nothing changes ----
BEFORE=$(eb ls --net "$NET" --json)
check "up again with the same arguments exits 0" eb up --net "$NET" --subnet $SUB.0/24 "$A" "$B"
check_eq "up again keeps every address, MAC and device" "$(eb ls --net "$NET" --json)" "$BEFORE"
check "ping a -> b after the second up" in_ctr a ping -c1 -W2 "$IPB"

# ---- a given address ----
check "up c=$SUB.50 (a given address)" eb up --net "$NET" "$C=$SUB.50"
check_eq "c has the given address in ls" "$(ls_field c ip)" "$SUB.50"
check "c's eth0 has the given address" in_ctr c ip -4 -o addr show dev eth0 to "$SUB.50/24"
check "ping a -> c" in_ctr a ping -c1 -W2 $SUB.50

# ---- rm ----
CDEV=$(ls_field c host_dev)
CMAC=$(ls_field c mac)
check "rm c" eb rm --net "$NET" "$C"
check_fails "rm: c's namespace is gone" test -e "/run/netns/$C"
check_nomatch "rm: c is gone from ip netns" "$(netns_list)" "^$C\$"
check_fails "rm: c's host device is gone" in_host ip link show dev "$CDEV"
check_nomatch "rm: c is gone from eb_endpoints" \
	"$(in_host bpftool map dump pinned "$EB_PIN_ROOT/$NET/eb_endpoints")" "\"$C\""
check_nomatch "rm: c is gone from eb_ports" \
	"$(in_host bpftool map dump pinned "$EB_PIN_ROOT/$NET/eb_ports")" "\"$C\""
mac_json=$(python3 -c 'import sys; print(",".join(str(int(x, 16)) for x in sys.argv[1].split(":")))' "$CMAC")
check_nomatch "rm: c's MAC is gone from eb_fdb_v2" \
	"$(in_host bpftool -j map dump pinned "$EB_PIN_ROOT/$NET/eb_fdb_v2" | tr -d ' \n')" \
	"\"mac\":\[$mac_json\]"
check_fails "rm: ping a -> c fails" in_ctr a ping -c1 -W1 $SUB.50
check "rm: a and b still talk" in_ctr a ping -c1 -W2 "$IPB"

# ---- down ----
DEVS=$(ls_field a host_dev)" "$(ls_field b host_dev)
check "down" eb down --net "$NET"
check_nomatch "down: no container namespace left" "$(netns_list)" "^($A|$B|$C)\$"
for d in $DEVS; do
	check_fails "down: device $d is gone from the host namespace" in_host ip link show dev "$d"
done
check_nomatch "down: no eb* device left in the host namespace" "$(links "$HOST")" "^eb"
check_fails "down: no pin folder $EB_PIN_ROOT/$NET" test -e "$EB_PIN_ROOT/$NET"
check "down again exits 0" eb down --net "$NET"
check_fails "ls --net of a removed network fails" eb ls --net "$NET"

finish
