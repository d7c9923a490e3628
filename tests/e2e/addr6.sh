#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# addr6: a container's IPv6 address is stored (eb_addr6: IPv4 -> IPv6),
# so that `up NAME=IPV4,IPV6` (and NAME=,IPV6) pins one that is not the
# prefix + the IPv4 host number. The given address is on the container's
# eth0, ping6 works both ways, NAT66 takes it out, a port published from
# the host over IPv6 reaches it (the socket programs read eb_addr6), ls
# --json and bpftool show it, rm removes it; a container whose derived
# address a given one took gets the next free one; bad input (outside the
# prefix, the subnet's own address, the gateway, taken, given twice,
# malformed, IPv6 on a network without it) is refused with nothing
# changed; a network of an earlier build (no eb_addr6) gets it filled
# from eb_ip6 by the upgrade, every container keeping its address.
# Ports: 11760-11769.
. "$(dirname "$0")/pub6_lib.sh"
pub6_sandbox a6 ad6
sandbox6

SUB=10.106.0
P6=fd00:a6:1::
NET2=${NET}2
track_net "$NET2"
A=$(ctr a) B=$(ctr b) C=$(ctr c) D=$(ctr d)
PIN=$EB_PIN_ROOT/$NET

# addr6_of IPV4: eb_addr6's value for the container of IPV4, as bpftool
# looks it up ("ADDR FLAGS", ADDR written out), or nothing.
addr6_of() {
	in_host bpftool -j map lookup pinned "$PIN/eb_addr6" key $(echo "$1" | tr . ' ') 2>/dev/null |
		python3 -c '
import ipaddress, json, sys
try:
    v = json.load(sys.stdin)
    v = v.get("formatted", v)["value"]
except (ValueError, AttributeError, KeyError, TypeError):
    sys.exit(0)  # no such entry: bpftool says so on stderr
print(ipaddress.IPv6Address(bytes(int(b, 0) if isinstance(b, str) else b for b in v["addr"])), v["flags"])'
}
# ip6_owner ADDR: the IPv4 address eb_ip6 has for ADDR, or nothing.
ip6_owner() {
	in_host bpftool -j map dump pinned "$PIN/eb_ip6" | python3 -c '
import ipaddress, json, sys
want = ipaddress.IPv6Address(sys.argv[1])
for e in json.load(sys.stdin):
    e = e.get("formatted", e)
    k = bytes(int(b, 0) if isinstance(b, str) else b for b in e["key"]["addr"])
    if ipaddress.IPv6Address(k) == want:
        v = e["value"][""]
        print(".".join(str(int(b, 0) if isinstance(b, str) else b) for b in v["ip4_bytes"]))
' "$1"
}
addr6_count() {
	in_host bpftool -j map dump pinned "$PIN/eb_addr6" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'
}
# unchanged DESC: nothing of the network changed since `snap`.
snap() { SNAP_LS=$(eb ls --net "$NET" --json); SNAP_N=$(addr6_count); }
unchanged() {
	check_eq "$1: ls --json is as it was" "$(eb ls --net "$NET" --json)" "$SNAP_LS"
	check_eq "$1: eb_addr6 holds as many entries" "$(addr6_count)" "$SNAP_N"
	check_fails "$1: no namespace $D" test -e "/run/netns/$D"
}
# refused DESC REGEX ARGS...: up ARGS fails, saying REGEX, and changes nothing.
refused() {
	local desc=$1 re=$2 out rc
	shift 2
	out=$(eb up --net "$NET" "$@" 2>&1)
	rc=$?
	check "$desc: refused (exit $rc)" test "$rc" -ne 0
	check_match "$desc: says why" "$out" "$re"
	unchanged "$desc"
}

# ---- bad input before the network exists ----
out=$(eb up --net "$NET" --subnet $SUB.0/24 "$A=$SUB.2,${P6}a6" 2>&1)
check_match "an IPv6 address on a new network without --ipv6 is refused" "$out" \
	"network '$NET' has no IPv6: the IPv6 address ${P6}a6 of '$A' needs --ipv6"
check_fails "... and no network was made" test -d "$PIN"
for bad in "$SUB.2,nonsense" "$SUB.2,${P6}5/64" "$SUB.2," "$SUB.2,::" "$SUB.2,$SUB.3" "nonsense,${P6}5"; do
	out=$(eb up --net "$NET" --subnet $SUB.0/24 --ipv6 --subnet6 ${P6}/64 "$A=$bad" 2>&1)
	rc=$?
	check "up $A=$bad is refused (exit $rc)" test "$rc" -ne 0
	check_match "... as an invalid address" "$out" "invalid (IPv6 )?address '[^']*' for container '$A'"
done
check_fails "... and no network was made" test -d "$PIN"

# ---- given addresses, and one derived address taken by a given one ----
# a: IPv4 .2, IPv6 ::a6 (its derived one would be ::2). c: the next free
# IPv4 (.4), IPv6 ::3, which is b's derived address (b: .3): b gets the
# next free one counting up from there, ::4.
check "up --ipv6 a=$SUB.2,${P6}a6 b c=,${P6}3" eb up --net "$NET" --subnet $SUB.0/24 --ipv6 \
	--subnet6 ${P6}/64 "$A=$SUB.2,${P6}a6" "$B" "$C=,${P6}3"
check_eq "ls --json: a's ip6 is the given one" "$(ls_field a ip6)" "${P6}a6"
check_eq "ls --json: a's ip is the given one" "$(ls_field a ip)" "$SUB.2"
check_eq "ls --json: c's ip6 is the given one" "$(ls_field c ip6)" "${P6}3"
check_eq "ls --json: c got the next free IPv4 address" "$(ls_field c ip)" "$SUB.4"
check_eq "ls --json: b's derived address (::3) was given to c: b has the next free, ::4" \
	"$(ls_field b ip6)" "${P6}4"
check_match "ls: a's IPv6 address" "$(eb ls --net "$NET")" "^ +${P6}a6$"
check_match "a's eth0 has ${P6}a6" "$(in_ctr a ip -6 -o addr show dev eth0)" "inet6 ${P6}a6/64"
check_nomatch "... and not its derived address" "$(in_ctr a ip -6 -o addr show dev eth0)" \
	"inet6 ${P6}2/"
check_match "b's eth0 has ${P6}4" "$(in_ctr b ip -6 -o addr show dev eth0)" "inet6 ${P6}4/64"
check_eq "bpftool: eb_addr6 of $SUB.2 is ${P6}a6, flag given (1)" "$(addr6_of $SUB.2)" "${P6}a6 1"
check_eq "bpftool: eb_addr6 of $SUB.3 (b) is ${P6}4, chosen (0)" "$(addr6_of $SUB.3)" "${P6}4 0"
check_eq "bpftool: eb_addr6 of $SUB.4 (c) is ${P6}3, given" "$(addr6_of $SUB.4)" "${P6}3 1"
check_eq "bpftool: eb_ip6 has ${P6}a6 as a's" "$(ip6_owner ${P6}a6)" "$SUB.2"
check_match "the host routes ${P6}a6 to a's port" "$(in_host ip -6 route show "${P6}a6")" \
	"dev $(ls_field a host_dev)"

# ---- between containers ----
check "a ping6s b" in_ctr a ping -6 -c1 -W2 "${P6}4"
check "b ping6s a at its given address" in_ctr b ping -6 -c1 -W2 "${P6}a6"
check "c ping6s a" in_ctr c ping -6 -c1 -W2 "${P6}a6"
check "a ping6s c" in_ctr a ping -6 -c1 -W2 "${P6}3"
check_match "ip -6 neigh in b: a at a's MAC" "$(in_ctr b ip -6 neigh show "${P6}a6" dev eth0)" \
	"lladdr $(ls_field a mac) "

# ---- NAT66 out of the uplink, from the given address ----
SNAT6=$(eb ls --net "$NET" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["networks"][0]["snat_ip6"])')
check "a pings OUT over IPv6" in_ctr a ping -6 -c1 -W2 $OUT6
bg_log "$OUT" "$T/out.log" socat "TCP6-LISTEN:11760,bind=[$OUT6],reuseaddr,fork" \
	SYSTEM:'echo out from $SOCAT_PEERADDR'
check "a server in OUT on [$OUT6]:11760" wait_until 10 listening "$OUT" 11760
got=$(in_ctr a socat -t 3 - "TCP6:[$OUT6]:11760,connect-timeout=3" </dev/null 2>&1)
check_eq "a reaches OUT over IPv6 through NAT66; OUT sees the uplink's address" "$got" \
	"out from [$(full6 "$SNAT6")]"
check_match "ebnet ct: the flow from [${P6}a6] translated to [$SNAT6]" "$(eb ct --net "$NET")" \
	"tcp +\[${P6}a6\]:[0-9]+ +\[$OUT6\]:11760 +\[$SNAT6\]:[0-9]+"

# ---- a published port, from the host over IPv6 (connect6 reads eb_addr6) ----
http6_server a 80 "$T/a80.log"
echo6_server b 81
check "publish 11761:a:80" eb publish "11761:$A:80"
check "publish 11762:b:81" eb publish "11762:$B:81"
check_http6 "from the host: curl -6 [${P6}1]:11761 (the gateway) gets 200" 200 in_host \
	"http://[${P6}1]:11761/?gw6"
check "... it reached a's server over IPv6 (from the gateway's address)" \
	log_has "$T/a80.log" "^${P6}1 - .*\"GET /\\?gw6 "
check_http6 "from the host: curl -6 [$HOST6]:11761 gets 200" 200 in_host \
	"http://[$HOST6]:11761/?host6"
check "... it reached a's server over IPv6" log_has "$T/a80.log" "^${P6}1 - .*\"GET /\\?host6 "
# b's derived address (::3) is c's: read from a derivation, the socket
# would go to c, or over IPv4; stored, it goes to b at ::4.
check_eq "from the host: [::1]:11762 reaches b over IPv6 at its stored address" \
	"$(c6 in_host tcp ::1 11762)" "[::1]:11762 b from [$(full6 "${P6}1")]"
check "publish [::1]:11763:b:81 (a port on an IPv6 host address)" eb publish "[::1]:11763:$B:81"
check_eq "... reaches b" "$(c6 in_host tcp ::1 11763)" "[::1]:11763 b from [$(full6 "${P6}1")]"

# ---- bad input on the existing network: refused, nothing changed ----
snap
refused "outside the prefix" "IPv6 address fd00:99::5 of '$D' is not in the network's IPv6 subnet ${P6}/64" \
	"$D=,fd00:99::5"
refused "the subnet's own address" "IPv6 address ${P6} of '$D' is the subnet's own address" "$D=,${P6}"
refused "the gateway" "IPv6 address ${P6}1 of '$D' is the gateway's" "$D=$SUB.9,${P6}1"
refused "taken by c" "IPv6 address ${P6}3 is taken by container '$C'" "$D=,${P6}3"
refused "taken by b (an address ebnet chose)" "IPv6 address ${P6}4 is taken by container '$B'" \
	"$D=$SUB.9,${P6}4"
refused "given twice" "IPv6 address ${P6}77 is given to both '$D' and '$(ctr e)'" \
	"$D=,${P6}77" "$(ctr e)=,${P6}77"
check_fails "... and no namespace $(ctr e)" test -e "/run/netns/$(ctr e)"
refused "another address for an existing container" \
	"container '$B' exists with IPv6 address ${P6}4; \`ebnet rm $B\` first" "$B=,${P6}99"
refused "malformed" "invalid IPv6 address 'fd00:a6:1::zz' for container '$D'" "$D=$SUB.9,${P6}zz"
check "the same given address again changes nothing" eb up --net "$NET" "$C=,${P6}3"
unchanged "up c=,${P6}3 again"
check "b at its own address: accepted" eb up --net "$NET" "$B=$SUB.3,${P6}4"
check_eq "... b keeps ${P6}4" "$(ls_field b ip6)" "${P6}4"

check "up an IPv4-only network" eb up --net "$NET2" --subnet 10.107.0.0/24 "$(ctr x)"
out=$(eb up --net "$NET2" "$D=,fd00:a7::5" 2>&1)
check_match "an IPv6 address on a network without IPv6 is refused" "$out" \
	"network '$NET2' has no IPv6: the IPv6 address fd00:a7::5 of '$D' needs --ipv6"
check_fails "... and no namespace $D" test -e "/run/netns/$D"
check_eq "... and $NET2 still has one container" \
	"$(eb ls --net "$NET2" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["networks"][0]["containers"]))')" 1
# IPv6 added to it, with a new container given x's derived address (::2):
# the given one wins, x (which had no IPv6 yet) gets the next free, ::3.
check "up --ipv6 on it, y=,fd00:a7::2" eb up --net "$NET2" --ipv6 --subnet6 fd00:a7::/64 \
	"$(ctr y)=,fd00:a7::2"
check_eq "y has fd00:a7::2" "$(NET=$NET2 ls_field y ip6)" "fd00:a7::2"
check_eq "x, whose derived address y was given, has the next free one" \
	"$(NET=$NET2 ls_field x ip6)" "fd00:a7::3"
check_match "x's eth0 has it (added with no restart)" "$(in_ctr x ip -6 -o addr show dev eth0)" \
	"inet6 fd00:a7::3/64"
check "x ping6s y" in_ctr x ping -6 -c1 -W2 fd00:a7::2
check "y ping6s x" in_ctr y ping -6 -c1 -W2 fd00:a7::3
check "down $NET2" eb down --net "$NET2"

# ---- rm takes the entry; made again, the container gets its derived address ----
check "rm a" eb rm --net "$NET" "$A"
check_eq "eb_addr6 has no entry for $SUB.2" "$(addr6_of $SUB.2)" ""
check_eq "eb_ip6 has no ${P6}a6" "$(ip6_owner ${P6}a6)" ""
check_match "curl -6 [${P6}1]:11761 fails: a's port went with it" "$(http6_code in_host \
	"http://[${P6}1]:11761/")" "^000$"
check "up a again, no IPv6 given" eb up --net "$NET" "$A=$SUB.2"
check_eq "a now has its derived address, ${P6}2" "$(ls_field a ip6)" "${P6}2"
check_eq "bpftool: eb_addr6 of $SUB.2 is ${P6}2, chosen" "$(addr6_of $SUB.2)" "${P6}2 0"
check "b ping6s a at ${P6}2" in_ctr b ping -6 -c1 -W2 "${P6}2"

# ---- a container half made keeps its stored address when made again ----
in_host ip link del "$(ls_field b host_dev)"
check "up repairs b (its port removed by hand)" eb up --net "$NET"
check_eq "b, made again, keeps ${P6}4" "$(ls_field b ip6)" "${P6}4"
check "a ping6s b at ${P6}4" in_ctr a ping -6 -c1 -W2 "${P6}4"

# ---- a network of an earlier build: no eb_addr6 (played: its pin removed) ----
rm -f "$PIN/eb_addr6"
check_eq "without eb_addr6, ls reads b's address from eb_ip6" "$(ls_field b ip6)" "${P6}4"
check "up upgrades it in place" env EBNET_FORCE_UPGRADE=1 nsenter --net="/run/netns/$HOST" \
	"$EBNET" up --net "$NET"
check "eb_addr6 is pinned again" test -e "$PIN/eb_addr6"
check_eq "filled from eb_ip6: b keeps ${P6}4" "$(addr6_of $SUB.3)" "${P6}4 0"
check_eq "... c keeps ${P6}3" "$(addr6_of $SUB.4)" "${P6}3 0"
check_eq "... a keeps ${P6}2" "$(addr6_of $SUB.2)" "${P6}2 0"
check_eq "ls --json: b's ip6" "$(ls_field b ip6)" "${P6}4"
echo6_server b 81
check_eq "the new programs read it: [::1]:11762 reaches b over IPv6" \
	"$(c6 in_host tcp ::1 11762)" "[::1]:11762 b from [$(full6 "${P6}1")]"
check "up d=,${P6}a6 (a's old address, free again)" eb up --net "$NET" "$D=,${P6}a6"
check_eq "d has it" "$(ls_field d ip6)" "${P6}a6"
check "d ping6s b" in_ctr d ping -6 -c1 -W2 "${P6}4"

check "down" eb down --net "$NET"

# ---- `up` killed halfway: the given addresses were stored first ----
# Twelve containers, each given a non-derived address. Whenever the kill
# lands, a plain `up` (no names, no addresses: it repairs, and puts IPv6
# on what is there) gives no container another address than its own, and
# the whole command again completes the network with every given one.
# (Where the kill lands is not asserted: each delay is a try.)
NET3=${NET}3
track_net "$NET3"
KS=()
for i in $(seq 1 12); do KS+=("$(ctr k$i)=,fd00:a8::1$(printf %02d "$i")"); done
given_only() {
	eb ls --net "$NET3" --json | python3 -c '
import json, sys
bad = []
for c in json.load(sys.stdin)["networks"][0]["containers"]:
    want = "fd00:a8::1%02d" % int(c["name"].rsplit("-k", 1)[1])
    if c["ip6"] is not None and c["ip6"] != want:
        bad.append("%s has %s" % (c["name"], c["ip6"]))
print(" ".join(bad) or "none")'
}
for delay in 0.05 0.2 0.4 0.8; do
	nsenter --net="/run/netns/$HOST" "$EBNET" up --net "$NET3" --subnet 10.108.0.0/24 --ipv6 \
		--subnet6 fd00:a8::/64 "${KS[@]}" >/dev/null 2>&1 &
	pid=$!
	sleep $delay
	kill -9 $pid 2>/dev/null && killed=killed || killed="done first"
	wait $pid 2>/dev/null
	# (--subnet: where the kill came before the network was made, this
	# up makes it, IPv4 only.)
	check "after ${delay}s ($killed): a plain up exits 0" eb up --net "$NET3" --subnet 10.108.0.0/24
	check_eq "... no container has another IPv6 address than its given one" "$(given_only)" none
	check "... the whole command again completes it" eb up --net "$NET3" \
		--subnet 10.108.0.0/24 --ipv6 --subnet6 fd00:a8::/64 "${KS[@]}"
	check_eq "... every container at its given address" "$(eb ls --net "$NET3" --json |
		python3 -c '
import json, sys
cs = json.load(sys.stdin)["networks"][0]["containers"]
print(sum(1 for c in cs if c["state"] == "ready" and
          c["ip6"] == "fd00:a8::1%02d" % int(c["name"].rsplit("-k", 1)[1])))')" 12
	check "... k1 ping6s k12" in_ctr k1 ping -6 -c1 -W2 fd00:a8::112
	check "down $NET3" eb down --net "$NET3"
done
finish
