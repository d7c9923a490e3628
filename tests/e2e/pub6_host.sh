#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# pub6_host: published ports reached over IPv6 from the host itself (the
# cgroup connect6/sendmsg6/recvmsg6/getpeername6 programs), with curl -6,
# socat and python: a plain publish at [::1], at the host's IPv6 address
# and at the gateway's, to the container's IPv6 address; getpeername() and
# a UDP reply's source are the address the client asked for; a port on
# [::1] only (the host yes, its other addresses and another namespace that
# reaches the host over IPv6 never); a port on one IPv6 address; a host
# socket on an IPv6 address refuses the port; ports/--json show [addr]:port;
# unpublish and rm take the IPv6 entries with them.
. "$(dirname "$0")/pub6_lib.sh"
pub6_sandbox h6a a6

SUB=10.96.0
P6=fd00:96:1::
W=$(ctr web) D=$(ctr db)

check "up --ipv6 web db" eb up --net "$NET" --subnet $SUB.0/24 --ipv6 --subnet6 ${P6}/64 "$W" "$D"
W6=$(ls_field web ip6)
check_eq "web's IPv6 address" "$W6" "${P6}2"
GW6F=$(full6 "${P6}1")
for p in connect6 sendmsg6 recvmsg6 getpeername6; do
	check "prog_$p is pinned and attached to the root cgroup (link_cg_$p)" \
		test -e "$EB_PIN_ROOT/$NET/link_cg_$p" -a -e "$EB_PIN_ROOT/$NET/prog_$p"
done
http6_server web 80 "$T/w80.log"
echo6_server web 81
udp6_server web 5300
echo6_server db 81

# ---- a plain publish: [::1], the host's IPv6 address, the gateway's ----
check "publish 11680:web:80 (no host address)" eb publish "11680:$W:80"
check "publish 11681:web:81" eb publish "11681:$W:81"
check "publish 11682:web:5300/udp" eb publish "11682:$W:5300/udp"
check_http6 "from the host: curl -6 [::1]:11680 gets 200" 200 in_host "http://[::1]:11680/?lo6"
check "... the request reached web's server over IPv6, from the gateway's address" \
	log_has "$T/w80.log" "^${P6}1 - .*\"GET /\\?lo6 "
check_http6 "from the host: curl -6 [$HOST6]:11680 (the uplink's IPv6 address) gets 200" 200 \
	in_host "http://[$HOST6]:11680/?host6"
check "... the request reached web's server" log_has "$T/w80.log" "\"GET /\\?host6 "
check_http6 "from the host: curl -6 [${P6}1]:11680 (the gateway) gets 200" 200 in_host \
	"http://[${P6}1]:11680/?gw6"
check_http "IPv4 is as it was: curl 127.0.0.1:11680 gets 200" 200 in_host \
	"http://127.0.0.1:11680/?lo4"
check_eq "socat TCP6 to [::1]:11681 reaches web over IPv6" \
	"$(echo hi | in_host socat -t 3 - "TCP6:[::1]:11681,connect-timeout=3" 2>&1)" \
	"web from [$GW6F]"
check_eq "TCP to [::1]:11681: getpeername() gives [::1]:11681, the address asked for" \
	"$(c6 in_host tcp ::1 11681)" "[::1]:11681 web from [$GW6F]"
check_eq "TCP to [$HOST6]:11681: getpeername() gives that address" \
	"$(c6 in_host tcp "$HOST6" 11681)" "[$HOST6]:11681 web from [$GW6F]"
check_eq "UDP6 sendto [::1]:11682: the reply comes from [::1]:11682 (recvfrom)" \
	"$(c6 in_host udp ::1 11682)" "[::1]:11682 web from [$GW6F]"
check_eq "UDP6 sendto [$HOST6]:11682: the reply comes from that address" \
	"$(c6 in_host udp "$HOST6" 11682)" "[$HOST6]:11682 web from [$GW6F]"
check_eq "UDP6, connected to [::1]:11682: getpeername() and the reply" \
	"$(c6 in_host udpc ::1 11682)" "[::1]:11682 web from [$GW6F]"
check_eq "socat UDP6 to [$HOST6]:11682 gets web's answer" \
	"$(echo hi | in_host socat -t 2 - "UDP6:[$HOST6]:11682" 2>&1)" "web from [$GW6F]"
check_match "ports: the LOCAL column counts the connections translated" \
	"$(eb ports --net "$NET" | grep ':11681 ')" " [1-9][0-9]*$"
check_fails "a namespace that is not ebnet's: [::1]:11680 is not translated" \
	in_rtr curl -6 -g -sS -o /dev/null --connect-timeout 2 -m 3 "http://[::1]:11680/"

# ---- [::1] only: the host, and nobody else ----
check "publish [::1]:11683:web:81" eb publish "[::1]:11683:$W:81"
check_eq "the host reaches [::1]:11683" "$(c6 in_host tcp ::1 11683)" \
	"[::1]:11683 web from [$GW6F]"
check_match "the host's IPv6 address at 11683 is not published: refused" \
	"$(c6 in_host tcp "$HOST6" 11683)" "^error:.*(refused|timed out)"
check_fails "127.0.0.1:11683 is not published either" \
	in_host socat -t 2 - TCP4:127.0.0.1:11683,connect-timeout=2 </dev/null
check_match "the router, which reaches the host over IPv6, is refused at [$HOST6]:11683" \
	"$(c6 in_rtr tcp "$HOST6" 11683)" "^error:.*(refused|timed out)"
check_match "... and its own [::1]:11683 is its own (refused)" \
	"$(c6 in_rtr tcp ::1 11683)" "^error:.*refused"
check_eq "eb_pub_ports6 holds one entry" "$(pub6_count)" 1
out=$(eb ports --net "$NET")
check_match "ports: [::1]:11683 shown as [addr]:port" "$out" \
	"^\[::1\]:11683 +tcp +$W +$SUB\.2:81 +0 +[1-9][0-9]*$"
check_eq "ports --json: host_ip ::1, port 11683" \
	"$(port_field ::1 11683 tcp container):$(port_field ::1 11683 tcp container_port)" "$W:81"
check_match "publish --json says host_ip ::1" \
	"$(eb publish --json "[::1]:11683:$W:81")" '"host_ip":"::1","host_ports":"11683-11683"'

# ---- one IPv6 address of the host ----
check "publish [$HOST6]:11684:db:81" eb publish "[$HOST6]:11684:$D:81"
check_eq "the host reaches [$HOST6]:11684 (db)" "$(c6 in_host tcp "$HOST6" 11684)" \
	"[$HOST6]:11684 db from [$GW6F]"
check_match "[::1]:11684 is not published" "$(c6 in_host tcp ::1 11684)" "^error:.*refused"
check_fails "nor $HOSTIP:11684 (IPv4)" \
	in_host socat -t 2 - TCP4:$HOSTIP:11684,connect-timeout=2 </dev/null

# ---- the host's own IPv6 sockets ----
bg_log "$HOST" "$T/h11685.log" socat "TCP6-LISTEN:11685,bind=[::1],reuseaddr,fork" SYSTEM:'echo host'
check "a host socket on [::1]:11685" wait_until 10 listening "$HOST" 11685
out=$(eb publish "[::1]:11685:$W:81" 2>&1)
check_eq "publish [::1]:11685 over it is refused" "$?" 1
check_match "... naming the socket and its process" "$out" \
	"\[::1\]:11685/tcp: a host socket listens on it: \[::1\]:11685 \(socket inode [0-9]+, socat \(pid [0-9]+\)\).*--force"
check_match "a plain publish 11685 is refused too (it would answer at [::1])" \
	"$(eb publish "11685:$W:81" 2>&1)" "^.*11685/tcp: a host socket listens on it: \[::1\]:11685"
check "publish [$HOST6]:11685 is another address: accepted" eb publish "[$HOST6]:11685:$W:81"
check_eq "... the host's socket on [::1]:11685 still answers" \
	"$(in_host socat -t 3 - "TCP6:[::1]:11685,connect-timeout=3" </dev/null 2>&1)" host
check "publish --force [::1]:11685 takes it" eb publish --force "[::1]:11685:$W:81"
check_eq "... new connections to [::1]:11685 from the host go to web" \
	"$(c6 in_host tcp ::1 11685)" "[::1]:11685 web from [$GW6F]"

# ---- unpublish, rm ----
check "unpublish [::1]:11683" eb unpublish --net "$NET" "[::1]:11683"
check_match "[::1]:11683 is refused again" "$(c6 in_host tcp ::1 11683)" "^error:.*refused"
check_nomatch "ports no longer lists [::1]:11683" "$(eb ports --net "$NET")" "11683"
out=$(eb unpublish --net "$NET" "[::1]:11683" 2>&1)
check_match "unpublish [::1]:11683 again: not published" "$out" "\[::1\]:11683/tcp is not published"
check "unpublish 11681" eb unpublish --net "$NET" 11681
check_match "[::1]:11681 is refused again" "$(c6 in_host tcp ::1 11681)" "^error:.*refused"
check "rm db" eb rm --net "$NET" "$D"
check_nomatch "db's [$HOST6]:11684 went with it" "$(eb ports --net "$NET")" "11684"
check_match "[$HOST6]:11684 is refused" "$(c6 in_host tcp "$HOST6" 11684)" "^error:.*refused"
for p in "[$HOST6]:11685" "[::1]:11685" 11680 11682/udp; do
	eb unpublish --net "$NET" "$p" >/dev/null
done
check_eq "eb_pub_ports6 is empty" "$(pub6_count)" 0

# ---- a network of an earlier build (played: the IPv6 pins removed) ----
check "publish 11686:web:81" eb publish "11686:$W:81"
PIN=$EB_PIN_ROOT/$NET
for f in eb_pub_ports6 eb_sock_rev6 eb_host6; do rm -f "$PIN/$f"; done
for p in connect6 sendmsg6 recvmsg6 getpeername6; do rm -f "$PIN/prog_$p" "$PIN/link_cg_$p"; done
check_match "without connect6, [::1]:11686 is not translated (refused)" \
	"$(c6 in_host tcp ::1 11686)" "^error:.*refused"
check_match "ports still lists 11686" "$(eb ports --net "$NET")" "^0\.0\.0\.0:11686 "
check_match "publish [::1]:11687 asks for an up first" "$(eb publish "[::1]:11687:$W:81" 2>&1)" \
	"made by an earlier ebnet.*run \`ebnet up --net $NET\` first"
check "up upgrades it in place" env EBNET_FORCE_UPGRADE=1 nsenter --net="/run/netns/$HOST" \
	"$EBNET" up --net "$NET"
check_eq "the IPv6 programs are attached again" \
	"$(ls "$PIN" | grep -c '^link_cg_.*6$')" 4
check_eq "the host reaches [::1]:11686 again" "$(c6 in_host tcp ::1 11686)" \
	"[::1]:11686 web from [$GW6F]"
check_eq "... and [$HOST6]:11686 (eb_host6 filled by up)" "$(c6 in_host tcp "$HOST6" 11686)" \
	"[$HOST6]:11686 web from [$GW6F]"
check "publish [::1]:11687 now works" eb publish "[::1]:11687:$W:81"
check "down" eb down --net "$NET"
finish
