#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# docker_ipv6: a real dockerd (20.10) with `ebnet docker-plugin` on a
# network made with `docker network create --ipv6 --subnet V4 --subnet V6`:
# containers get the IPv6 addresses Docker's IPAM hands out (and one given
# with --ip6, not ebnet's default), `docker inspect` and `ip -6 addr`
# inside show them, eb_addr6 holds them as given; ping6 between them and
# to the gateway, NAT66 to the outside (OUT sees the uplink's address), a
# `-p 8080:80` reached by an IPv6 client outside at the uplink's IPv6
# address (DNAT6, the client's address kept); `docker rm` removes the
# eb_addr6 and eb_ip6 entries; bad IPv6 input refused with a message, and
# nothing made.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/docker_lib.sh"
sandbox dk6
sandbox6
dk_setup || finish

P6=fd00:d6:1::
full6() { python3 -c 'import ipaddress, sys; print(ipaddress.ip_address(sys.argv[1]).exploded)' "$1"; }
UPLINK6F=$(full6 "$UPLINK6") OUT6F=$(full6 "$OUT6")
SUB=10.86.0
state_files() { find "$DKR/state" -type f | sort; }
dk_ip6() { dk inspect -f '{{range .NetworkSettings.Networks}}{{.GlobalIPv6Address}}{{end}}' "$1"; }
dk_gw6() { dk inspect -f '{{range .NetworkSettings.Networks}}{{.IPv6Gateway}}{{end}}' "$1"; }

# addr6_of IPV4: eb_addr6's value for IPV4 ("ADDR FLAGS"), or nothing.
addr6_of() {
	in_host bpftool -j map lookup pinned "$PIN/eb_addr6" key $(echo "$1" | tr . ' ') 2>/dev/null |
		python3 -c '
import ipaddress, json, sys
try:
    v = json.load(sys.stdin)
    v = v.get("formatted", v)["value"]
except (ValueError, AttributeError, KeyError, TypeError):
    sys.exit(0)
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

# ---- bad input: refused, with the reason, nothing made ----
bad() {
	local want=$1 out
	shift
	out=$(dk network create -d ebnet -o ebnet.net=d6bad "$@" d6-bad 2>&1)
	check_match "refused: network create $* says '$want'" "$out" "$want"
	check_eq "refused: network create $*: no Docker network" \
		"$(dk network ls -q -f name=d6-bad)" ""
}
bad "IPv6 gateway of an ebnet network is the first address of its IPv6 subnet, fd00:d6:9::1: give --gateway fd00:d6:9::1" \
	--ipv6 --subnet 10.87.0.0/24 --subnet fd00:d6:9::/64 --gateway fd00:d6:9::9
bad "invalid IPv6 subnet 'fd00:d6:9::/124': the ebnet driver takes a prefix /48 to /120" \
	--ipv6 --subnet 10.87.0.0/24 --subnet fd00:d6:9::/124
bad "invalid IPv6 subnet 'fd00:d6::/40': the ebnet driver takes a prefix /48 to /120" \
	--ipv6 --subnet 10.87.0.0/24 --subnet fd00:d6::/40
# (A /128 Docker refuses itself, before the driver: no address in it.)
bad "No available addresses on this pool" --ipv6 --subnet 10.87.0.0/24 --subnet fd00:d6:9::5/128
# (--ipv6 with no IPv6 --subnet: Docker 20.10 has no IPv6 pool to pick from.)
bad "could not find an available, non-overlapping IPv6 address pool" --ipv6 --subnet 10.87.0.0/24
bad "IPv6 --subnet /120 has 8 host bits, fewer than the 16 of the IPv4 subnet /16" \
	--ipv6 --subnet 10.87.0.0/16 --subnet fd00:d6:9::/120
bad "exactly one IPv6 subnet \(got 2\)" --ipv6 --subnet 10.87.0.0/24 --subnet fd00:d6:9::/64 \
	--subnet fd00:d6:8::/64
bad "option 'ebnet.ipv6': give IPv6 to Docker.*docker network create --ipv6 --subnet" \
	--subnet 10.87.0.0/24 -o ebnet.ipv6=true
bad "option 'ebnet.subnet6': give IPv6 to Docker" --ipv6 --subnet 10.87.0.0/24 \
	--subnet fd00:d6:9::/64 -o ebnet.subnet6=fd00:d6:7::/64
bad "option 'ebnet.nat6' is for a network with IPv6" --subnet 10.87.0.0/24 -o ebnet.nat6=off
bad "ebnet.nat6=maybe: invalid nat6 'maybe'" --ipv6 --subnet 10.87.0.0/24 \
	--subnet fd00:d6:9::/64 -o ebnet.nat6=maybe
check_eq "refused networks: no pin folder made" "$(ls -d "$EB_PIN_ROOT/d6bad" 2>/dev/null)" ""
check_eq "refused networks: no state file" "$(state_files)" ""

# ---- -o ebnet.nat6=off on an IPv6 network ----
check "docker network create --ipv6 -o ebnet.nat6=off d6-n6off" \
	dk network create -d ebnet --ipv6 --subnet 10.88.0.0/24 --subnet fd00:d6:2::/64 \
	-o ebnet.uplink=up0 -o ebnet.nat6=off d6-n6off
N2=$(dk_ebnet_net d6-n6off)
track_net "$N2"
check_match "ebnet ls: nat6 off" "$(eb ls --net "$N2" 2>&1)" "nat6 off"
check "docker network rm d6-n6off" dk network rm d6-n6off

# ---- a network with IPv6, two containers ----
check "docker network create -d ebnet --ipv6 --subnet $SUB.0/24 --subnet ${P6}/64 d6net" \
	dk network create -d ebnet --ipv6 --subnet $SUB.0/24 --subnet ${P6}/64 \
	-o ebnet.uplink=up0 d6net
N=$(dk_ebnet_net d6net)
track_net "$N"
PIN=$EB_PIN_ROOT/$N
check_eq "ebnet ls --json: the network's IPv6 subnet is Docker's" \
	"$(eb ls --net "$N" --json | jq -r '.networks[0] | "\(.subnet6) \(.gateway6)"')" \
	"${P6}/64 ${P6}1"
check "docker run -d --network d6net (c1, IPAM's address)" \
	dk run -d --name d6-c1 --network d6net "$DK_IMG" httpd -f -p 80 -h /var/www
# ::99, not ::3 (ebnet's default for the second IPv4 address).
check "docker run -d --network d6net --ip6 ${P6}99 (c2)" \
	dk run -d --name d6-c2 --network d6net --ip6 ${P6}99 "$DK_IMG" httpd -f -p 80 -h /var/www
IP1=$(dk_ip d6-c1) IP2=$(dk_ip d6-c2)
A1=$(dk_ip6 d6-c1) A2=$(dk_ip6 d6-c2)
check_eq "docker inspect: c1's IPv6 address from Docker's IPAM" "$A1" "${P6}2"
check_eq "docker inspect: c2's IPv6 address is --ip6's" "$A2" "${P6}99"
check_eq "docker inspect: the IPv6 gateway" "$(dk_gw6 d6-c1)" "${P6}1"
check_match "ip -6 addr in c1 shows ${P6}2/64" "$(dk exec d6-c1 ip -6 addr show dev eth0)" \
	"inet6 ${P6}2/64 "
check_match "ip -6 addr in c2 shows ${P6}99/64" "$(dk exec d6-c2 ip -6 addr show dev eth0)" \
	"inet6 ${P6}99/64 "
check_match "c2's IPv6 default route via ${P6}1" "$(dk exec d6-c2 ip -6 route)" \
	"default via ${P6}1 dev eth0"
check_eq "ebnet ls --json: both containers at Docker's IPv6 addresses" \
	"$(eb ls --net "$N" --json | jq -r --arg a "$IP1" --arg b "$IP2" \
		'[.networks[0].containers[] | select(.ip == $a or .ip == $b) | .ip6] | sort | join(" ")')" \
	"${P6}2 ${P6}99"
check_eq "bpftool: eb_addr6 of c2 ($IP2) is ${P6}99, given (1)" "$(addr6_of "$IP2")" "${P6}99 1"
check_eq "bpftool: eb_ip6 has ${P6}99 as c2's" "$(ip6_owner ${P6}99)" "$IP2"
check_eq "bpftool: nothing at ebnet's default for c2 (${P6}3)" "$(ip6_owner ${P6}3)" ""
check "c1 pings the IPv6 gateway" dk exec d6-c1 ping -6 -c1 -W2 ${P6}1
check "c1 pings c2 over IPv6" dk exec d6-c1 ping -6 -c1 -W2 ${P6}99
check "c2 pings c1 over IPv6" dk exec d6-c2 ping -6 -c1 -W2 ${P6}2
check_match "c2 fetches a page from c1 over IPv6" \
	"$(dk exec d6-c2 wget -qO- "http://[${P6}2]/" 2>&1)" "hello from $DK_IMG"

# ---- NAT66 to the outside ----
bg_ns "$OUT" timeout 600 socat "TCP6-LISTEN:8086,bind=[$OUT6],reuseaddr,fork" \
	SYSTEM:'echo from $SOCAT_PEERADDR' >/dev/null 2>&1
wait_until 5 listening "$OUT" 8086
check_match "c1 reaches the outside over IPv6; OUT sees the uplink's address" \
	"$(dk exec d6-c1 sh -c "for i in 1 2 3; do r=\$( (echo; sleep 1) | nc -w 3 $OUT6 8086); [ -n \"\$r\" ] && break; done; echo \"\$r\"" 2>&1)" \
	"from \[?($UPLINK6|$UPLINK6F)\]?$"
check "c2 pings OUT over IPv6 (NAT66)" dk exec d6-c2 ping -6 -c1 -W2 "$OUT6"

# ---- a published port, from an IPv6 client outside ----
check "docker run -p 8080:80 (d6-web)" \
	dk run -d --name d6-web --network d6net -p 8080:80 "$DK_IMG" httpd -f -p 80 -h /var/www
WEB6=$(dk_ip6 d6-web)
check_eq "d6-web's IPv6 address from Docker's IPAM" "$WEB6" "${P6}3"
R=$(in_out curl -g -6 -s -m 5 "http://[$UPLINK6]:8080/cgi-bin/ip")
check_match "from outside: [$UPLINK6]:8080 answers, the client's IPv6 address kept" \
	"$R" "^\[?($OUT6|$OUT6F)\]?$"
check_match "from outside over IPv6: the page" \
	"$(in_out curl -g -6 -s -m 5 "http://[$UPLINK6]:8080/")" "hello from $DK_IMG"
check_match "from outside over IPv4 still: the page" \
	"$(in_out curl -s -m 5 http://198.51.100.1:8080/)" "hello from $DK_IMG"
check_match "ebnet ct: the flow went to d6-web's IPv6 address" \
	"$(eb ct --net "$N" 2>&1)" "$WEB6"

# ---- docker rm: the addresses go with the endpoint ----
check "docker rm -f d6-c2" dk rm -f d6-c2
check_eq "bpftool: no eb_addr6 entry of c2 ($IP2) after rm" "$(addr6_of "$IP2")" ""
check_eq "bpftool: no eb_ip6 entry of ${P6}99 after rm" "$(ip6_owner ${P6}99)" ""
check_eq "bpftool: c1's entries stay" "$(addr6_of "$IP1") $(ip6_owner ${P6}2)" "${P6}2 1 $IP1"
# The address is free again: a new container may have it.
check "docker run --ip6 ${P6}99 again (d6-c3)" \
	dk run -d --name d6-c3 --network d6net --ip6 ${P6}99 "$DK_IMG" httpd -f -p 80 -h /var/www
check "c1 pings d6-c3 at ${P6}99" dk exec d6-c1 ping -6 -c1 -W2 ${P6}99

# ---- a reboot: the pins gone, no CreateNetwork; the network made again
# with its IPv6 subnet, the containers at their addresses again ----
check "docker rm -f web" dk rm -f d6-web
dk_driver_kill KILL
check "the pins go (as at a reboot)" eb down --net "$N"
dk_driver_start
check_eq "the driver made the network again, with its IPv6 subnet" \
	"$(eb ls --net "$N" --json | jq -r '.networks[0] | "\(.subnet6) \(.gateway6)"')" \
	"${P6}/64 ${P6}1"
check "docker restart c1 c3" dk restart -t 1 d6-c1 d6-c3
check_eq "after the reboot: eb_addr6 of c3 is --ip6's, given" "$(addr6_of "$(dk_ip d6-c3)")" "${P6}99 1"
check_match "ip -6 addr in c3 shows ${P6}99/64 still" "$(dk exec d6-c3 ip -6 addr show dev eth0)" \
	"inet6 ${P6}99/64 "
check "after the reboot: c1 pings c3 over IPv6" dk exec d6-c1 ping -6 -c1 -W2 ${P6}99
check "after the reboot: c3 pings the IPv6 gateway" dk exec d6-c3 ping -6 -c1 -W2 ${P6}1

# ---- docker network rm: nothing left ----
check "docker rm -f c1 c3" dk rm -f d6-c1 d6-c3
check "docker network rm d6net" dk network rm d6net
check_eq "no pin folder of the network" "$(ls -d "$PIN" 2>/dev/null)" ""
check_eq "no state file left" "$(state_files)" ""
check_eq "no IPv6 route to the subnet left" "$(in_host ip -6 route show | grep -c "^${P6}")" 0
finish
