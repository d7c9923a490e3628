#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# pub6_hairpin: containers reach their network's published ports at the
# host's IPv6 address and the gateway's (hairpin over IPv6, to another
# container and to themselves), see that address in getpeername() and a
# UDP reply's source, and never reach the host's [::1]-only ports; an
# IPv4-only container's port is reached over IPv6 from the host and from
# its neighbours through a v4-mapped address (::ffff:A.B.C.D), and a
# v4-mapped destination the application gives is translated as IPv4.
. "$(dirname "$0")/pub6_lib.sh"
pub6_sandbox h6b b6

SUB=10.97.0
SUB2=10.97.1
P6=fd00:97:1::
NET2=${NET}2
track_net "$NET2"
W=$(ctr web) O=$(ctr other) L=$(ctr old) L2=$(ctr old2)

check "up --ipv6 web other" eb up --net "$NET" --subnet $SUB.0/24 --ipv6 --subnet6 ${P6}/64 "$W" "$O"
check "up an IPv4-only network: old old2" eb up --net "$NET2" --subnet $SUB2.0/24 "$L" "$L2"
O6F=$(full6 "$(ls_field other ip6)")
W6F=$(full6 "$(ls_field web ip6)")
http6_server web 80 "$T/w80.log"
echo6_server web 81
udp6_server web 5300
# old: IPv4 servers only.
bg_log "$L" "$T/l81.log" socat TCP4-LISTEN:81,reuseaddr,fork SYSTEM:'read l; echo old from $SOCAT_PEERADDR'
bg_log "$L" "$T/l5300.log" socat UDP4-RECVFROM:5300,reuseaddr,fork SYSTEM:'read l; echo old from $SOCAT_PEERADDR'
check "old's IPv4 servers listen" wait_until 10 listening "$L" 81

check "publish 11700:web:80 11701:web:81 11702:web:5300/udp" \
	eb publish "11700:$W:80" "11701:$W:81" "11702:$W:5300/udp"

# ---- hairpin over IPv6 ----
check_http6 "other curls -6 [$HOST6]:11700 (the host's IPv6 address), gets 200" 200 \
	in_ctr other "http://[$HOST6]:11700/?hp6-other"
check "... web's server sees other's own IPv6 address" \
	log_has "$T/w80.log" "^$(ls_field other ip6) - .*\"GET /\\?hp6-other "
check_http6 "other curls -6 the gateway [${P6}1]:11700, gets 200" 200 \
	in_ctr other "http://[${P6}1]:11700/?hp6-gw"
check_http6 "web curls -6 [$HOST6]:11700: hairpin to itself, 200" 200 \
	in_ctr web "http://[$HOST6]:11700/?hp6-self"
check "... the request arrives" log_has "$T/w80.log" "\"GET /\\?hp6-self "
check_eq "other, TCP to [$HOST6]:11701: getpeername() gives that address" \
	"$(c6 in_ctr other tcp "$HOST6" 11701)" "[$HOST6]:11701 web from [$O6F]"
check_eq "other, UDP6 sendto [$HOST6]:11702: the reply comes from that address" \
	"$(c6 in_ctr other udp "$HOST6" 11702)" "[$HOST6]:11702 web from [$O6F]"
check_eq "web, UDP6 to itself at [${P6}1]:11702" \
	"$(c6 in_ctr web udp "${P6}1" 11702)" "[${P6}1]:11702 web from [$W6F]"
check_match "in a container [::1]:11701 is the container's own: not translated (refused)" \
	"$(c6 in_ctr other tcp ::1 11701)" "^error:.*refused"
check "publish [::1]:11703:web:81 (the host only)" eb publish "[::1]:11703:$W:81"
check_match "other cannot reach the [::1]-only port at [$HOST6]:11703" \
	"$(c6 in_ctr other tcp "$HOST6" 11703)" "^error:.*(refused|timed out)"
check_match "... nor at its own [::1]:11703" "$(c6 in_ctr other tcp ::1 11703)" "^error:.*refused"
check "publish [$HOST6]:11704:web:81" eb publish "[$HOST6]:11704:$W:81"
check_eq "other reaches a port published on [$HOST6] only" \
	"$(c6 in_ctr other tcp "$HOST6" 11704)" "[$HOST6]:11704 web from [$O6F]"

# ---- an IPv4-only container, over IPv6: v4-mapped ----
check "publish 11705:old:81 11706:old:5300/udp (IPv4-only network)" \
	eb publish "11705:$L:81" "11706:$L:5300/udp"
check_eq "the host, TCP6 to [::1]:11705, reaches old over IPv4; getpeername() is [::1]:11705" \
	"$(c6 in_host tcp ::1 11705)" "[::1]:11705 old from $SUB2.1"
check_eq "the host, TCP6 to [$HOST6]:11705 likewise" \
	"$(c6 in_host tcp "$HOST6" 11705)" "[$HOST6]:11705 old from $SUB2.1"
check_eq "socat TCP6 to [::1]:11705 (a dual-stack socket)" \
	"$(echo hi | in_host socat -t 3 - "TCP6:[::1]:11705,connect-timeout=3" 2>&1)" "old from $SUB2.1"
check_eq "the host, UDP6 connected to [::1]:11706: old answers, getpeername() is [::1]:11706" \
	"$(c6 in_host udpc ::1 11706)" "[::1]:11706 old from $SUB2.1"
check_eq "old2 (no IPv6 address at all) reaches [$HOST6]:11705 through a v4-mapped address" \
	"$(c6 in_ctr old2 tcp "$HOST6" 11705)" "[$HOST6]:11705 old from $(NET=$NET2 ls_field old2 ip)"
check "a port on an IPv6 host address for an IPv4-only container: publish [::1]:11707:old:81" \
	eb publish "[::1]:11707:$L:81"
check_eq "the host, TCP6 to [::1]:11707, reaches old over IPv4 (v4-mapped)" \
	"$(c6 in_host tcp ::1 11707)" "[::1]:11707 old from $SUB2.1"

# ---- a v4-mapped destination from the application: IPv4's rules ----
check_eq "the host, TCP6 to [::ffff:127.0.0.1]:11701: to web, getpeername() as asked" \
	"$(c6 in_host tcp ::ffff:127.0.0.1 11701)" "[::ffff:127.0.0.1]:11701 web from [$(full6 ::ffff:$SUB.1)]"
check_eq "other, TCP6 to [::ffff:$HOSTIP]:11701: hairpin over IPv4" \
	"$(c6 in_ctr other tcp "::ffff:$HOSTIP" 11701)" "[::ffff:$HOSTIP]:11701 web from [$(full6 "::ffff:$(ls_field other ip)")]"
check_match "other, TCP6 to [::ffff:127.0.0.1]:11701: its own loopback, not translated" \
	"$(c6 in_ctr other tcp ::ffff:127.0.0.1 11701)" "^error:.*refused"

for p in 11700 11701 11702/udp "[::1]:11703" "[$HOST6]:11704"; do
	eb unpublish --net "$NET" "$p" >/dev/null
done
check_match "after unpublish, other's hairpin to [$HOST6]:11701 is refused" \
	"$(c6 in_ctr other tcp "$HOST6" 11701)" "^error:.*(refused|timed out)"
check "rm old" eb rm --net "$NET2" "$L"
check_nomatch "old's ports went with it" "$(eb ports --net "$NET2")" "1170[56]"
check "down" eb down --net "$NET"
check "down $NET2" eb down --net "$NET2"
finish
