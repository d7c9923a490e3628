#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# pub_xdp: XDP on the uplink (`ebnet up --xdp`). The outside reaches a
# published port and gets replies through eb_xdp_uplink, and the counters
# say XDP did it: TCP (a request, and 1 MiB uploaded byte-exact, so every
# rewritten checksum verified in the container's stack), UDP, and replies of
# a container's outbound flow. Frames with a partial checksum (a local
# socket behind a veth, the default offloads) are left to TC and still
# served. --xdp off / native / auto switch it live; a second network on the
# same uplink cannot take XDP (one program per device) and, refused, leaves
# nothing behind; auto on a driver with no native XDP (a bridge uplink) falls
# back to TC with a note, and on a veth uplink does not try (partial
# checksums: see bpf/uplink_xdp.bpf.c); the default is off; down leaves no
# XDP program.
. "$(dirname "$0")/pub_lib.sh"
sandbox tpx

SUB=10.95.0
W=$(ctr web)
pub_tmp

# The outside sends frames with complete checksums, as a NIC delivers them
# (a veth from a local socket carries partial ones; see bpf/uplink_xdp.bpf.c).
full_csum() { in_out ethtool -K eth0 tx "$1" >/dev/null; }
udp_listening() { [ -n "$(in_ns "$1" ss -Huln "sport = :5355")" ]; }
xdp_prog_on_up0() { in_host ip -d link show up0 | grep -o 'prog/xdp id [0-9]* name [a-z_]*'; }
c_xdp_in=$(eb_counter EB_CNT_XDP_IN)
c_xdp_csum=$(eb_counter EB_CNT_XDP_PASS_CSUM)
c_dnat_in=$(eb_counter EB_CNT_DNAT_IN)
c_snat_in=$(eb_counter EB_CNT_SNAT_IN)

check "up --xdp native" eb up --net "$NET" --subnet $SUB.0/24 --xdp native "$W"
IPW=$(ls_field web ip)
check_match "the uplink runs eb_xdp_uplink" "$(xdp_prog_on_up0)" 'name eb_xdp_uplink$'
check_eq "ls --json: xdp native" "$(eb ls --net "$NET" --json |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["networks"][0]["xdp"])')" native
check "the XDP link is pinned" test -e "$EB_PIN_ROOT/$NET/link_xdp_uplink"
check_match "the container's eth0 has GRO (NAPI takes XDP frames)" \
	"$(in_ctr web ethtool -k eth0)" 'generic-receive-offload: on'

http_server web 80 "$T/w80.log"
check "publish 11300:$W:80" eb publish "11300:$W:80"

# ---- TCP through XDP ----
full_csum off
X0=$(stat_packets "$c_xdp_in") D0=$(stat_packets "$c_dnat_in")
check_http "from outside (full checksums): curl $HOSTIP:11300 gets 200" 200 in_out \
	"http://$HOSTIP:11300/?xdp1"
check "the server sees the client's own address $OUTIP" log_has "$T/w80.log" \
	"^$OUTIP - .*\"GET /\\?xdp1 "
X1=$(stat_packets "$c_xdp_in") D1=$(stat_packets "$c_dnat_in")
check "xdp_in grew by at least 3 (SYN, request, ACKs): $X0 -> $X1" test $((X1 - X0)) -ge 3
check "dnat_in grew as much as xdp_in or more: $D0 -> $D1" test $((D1 - D0)) -ge $((X1 - X0))

# 1 MiB uploaded from outside: many full-size segments rewritten in XDP.
head -c 1048576 /dev/urandom >"$T/blob"
bg_log "$W" "$T/sink.err" socat -u TCP-LISTEN:90,reuseaddr "OPEN:$T/recv,creat,trunc"
check "sink on :90 in web" wait_until 5 listening "$W" 90
check "publish 11301:$W:90" eb publish "11301:$W:90"
X0=$(stat_packets "$c_xdp_in")
check "from outside: 1 MiB sent to $HOSTIP:11301" in_out timeout 20 socat -u "OPEN:$T/blob" \
	"TCP:$HOSTIP:11301"
check "the container received the same 1 MiB" wait_until 5 cmp -s "$T/blob" "$T/recv"
X1=$(stat_packets "$c_xdp_in")
check "xdp_in grew by at least 800 segments: $X0 -> $X1" test $((X1 - X0)) -ge 800

# ---- UDP through XDP ----
bg_log "$W" "$T/udp.err" socat UDP4-RECVFROM:5355,fork SYSTEM:'read l; echo "web got $l from $SOCAT_PEERADDR"'
check "UDP server on :5355 in web" wait_until 5 udp_listening "$W"
check "publish 5355:$W:5355/udp" eb publish "5355:$W:5355/udp"
X0=$(stat_packets "$c_xdp_in")
check_eq "UDP from outside: the answer names the client's address" \
	"$(echo hi | in_out timeout 5 socat -t 2 -T 3 - "UDP4:$HOSTIP:5355" 2>&1)" \
	"web got hi from $OUTIP"
X1=$(stat_packets "$c_xdp_in")
check "xdp_in counted the datagram: $X0 -> $X1" test "$X1" -gt "$X0"

# ---- replies of the container's own outbound flow (SNAT) ----
check "a server in the outside namespace" out_server 8081
S0=$(stat_packets "$c_snat_in") X0=$(stat_packets "$c_xdp_in")
check_eq "web reaches the outside, seen as the host's address" \
	"$(in_ctr web timeout 5 socat -T 3 - TCP:203.0.113.2:8081 </dev/null 2>&1)" \
	"from $HOSTIP"
S1=$(stat_packets "$c_snat_in") X1=$(stat_packets "$c_xdp_in")
check "snat_in and xdp_in grew (replies translated in XDP): $S0->$S1, $X0->$X1" \
	test $((S1 - S0)) -ge 2 -a $((X1 - X0)) -ge 2

# ---- partial checksums: left to TC, still served ----
full_csum on
P0=$(stat_packets "$c_xdp_csum") X0=$(stat_packets "$c_xdp_in")
check_http "from outside (partial checksums): curl gets 200" 200 in_out \
	"http://$HOSTIP:11300/?partial"
P1=$(stat_packets "$c_xdp_csum") X1=$(stat_packets "$c_xdp_in")
check "xdp_pass_csum grew, xdp_in did not: $P0->$P1, $X0->$X1" test "$P1" -gt "$P0" -a "$X1" -eq "$X0"
full_csum off

# ---- switching live ----
check "up --xdp off" eb up --net "$NET" --xdp off
check_eq "no XDP program on the uplink" "$(xdp_prog_on_up0)" ""
check "no XDP link pin" test ! -e "$EB_PIN_ROOT/$NET/link_xdp_uplink"
check_http "XDP off: curl from outside still gets 200 (TC)" 200 in_out "http://$HOSTIP:11300/?off"
check "up (no --xdp) keeps it off" eb up --net "$NET"
check_eq "still no XDP program" "$(xdp_prog_on_up0)" ""
check_match "ls says xdp off" "$(eb ls --net "$NET")" 'xdp off'
check "up --xdp native again" eb up --net "$NET" --xdp native
check_match "eb_xdp_uplink is back" "$(xdp_prog_on_up0)" 'name eb_xdp_uplink$'
X0=$(stat_packets "$c_xdp_in")
check_http "curl from outside gets 200" 200 in_out "http://$HOSTIP:11300/?again"
check "through XDP again" test "$(stat_packets "$c_xdp_in")" -gt "$X0"

# ---- bad input ----
run_rc MSG RC eb up --net "$NET" --xdp sometimes
check "--xdp sometimes is refused" test "$RC" -ne 0
check_match "...saying what is wanted" "$MSG" "invalid --xdp 'sometimes': want auto, native or off"
NET2=${NET}2
track_net "$NET2"
run_rc MSG RC eb up --net "$NET2" --subnet 10.96.0.0/24 --uplink up0 --xdp native
check "a second network on up0 with --xdp native is refused" test "$RC" -ne 0
check_match "...saying the uplink has an XDP program already" "$MSG" 'has an XDP program already'
check_eq "...and the network was not made" "$(eb ls --net "$NET2" 2>&1)" \
	"ebnet: network '$NET2' does not exist"
check "...nor its pin folder" test ! -e "$EB_PIN_ROOT/$NET2"
check_match "the first network's XDP program is still there" "$(xdp_prog_on_up0)" \
	'name eb_xdp_uplink$'
run_rc MSG RC eb up --net "$NET2" --subnet 10.96.0.0/24 --uplink up0 --xdp auto
check "the second network with --xdp auto comes up" test "$RC" -eq 0
check_match "...and ls says xdp none (auto takes no veth uplink)" "$(eb ls --net "$NET2")" \
	'xdp none'
check "down the second network" eb down --net "$NET2"
check_http "the first network still serves from outside" 200 in_out "http://$HOSTIP:11300/?after2"

# ---- auto on a driver with no native XDP: a bridge as the uplink ----
in_host ip link add dum0 type bridge
in_host ip addr add 192.0.2.1/24 dev dum0
in_host ip link set dum0 up
run_rc MSG RC eb up --net "$NET2" --subnet 10.96.0.0/24 --uplink dum0 --xdp native
check "--xdp native on a bridge uplink is refused" test "$RC" -ne 0
check_match "...saying the driver has no native XDP" "$MSG" "driver of uplink 'dum0' has no native XDP"
check "...and leaves no pin folder" test ! -e "$EB_PIN_ROOT/$NET2"
run_rc MSG RC eb up --net "$NET2" --subnet 10.96.0.0/24 --uplink dum0 --xdp auto
check "--xdp auto on the bridge uplink comes up" test "$RC" -eq 0
check_match "...with a note" "$MSG" "note: no XDP on the uplink .*no native XDP"
check "down it" eb down --net "$NET2"
in_host ip link del dum0

# The default is off; EBNET_XDP sets another (and forces the TC-only path
# in tests, with EBNET_XDP=off).
check "down" eb down --net "$NET"
check_eq "down leaves no XDP program on the uplink" "$(xdp_prog_on_up0)" ""
check "up with no --xdp" eb up --net "$NET" --subnet $SUB.0/24 "$W"
check_eq "...no XDP program (the default is off)" "$(xdp_prog_on_up0)" ""
check_match "...ls says off" "$(eb ls --net "$NET")" 'xdp off'
check_match "...and web's eth0 has no GRO" "$(in_ctr web ethtool -k eth0)" \
	'generic-receive-offload: off'
# XDP turned on for a network whose container came first: its eth0 gets GRO,
# and the container is reached through XDP.
check "up --xdp native, web made before" eb up --net "$NET" --xdp native
check_match "...web's eth0 now has GRO" "$(in_ctr web ethtool -k eth0)" \
	'generic-receive-offload: on'
http_server web 80 "$T/w80b.log"
check "publish 11300:$W:80 again" eb publish "11300:$W:80"
X0=$(stat_packets "$c_xdp_in")
check_http "...curl from outside gets 200" 200 in_out "http://$HOSTIP:11300/?late"
check "...through XDP" test "$(stat_packets "$c_xdp_in")" -gt "$X0"
check "down" eb down --net "$NET"
check "EBNET_XDP=native up" env EBNET_XDP=native nsenter --net="/run/netns/$HOST" "$EBNET" up \
	--net "$NET" --subnet $SUB.0/24 "$W"
check_match "...XDP program attached" "$(xdp_prog_on_up0)" 'name eb_xdp_uplink$'
check "EBNET_XDP=off up" env EBNET_XDP=off nsenter --net="/run/netns/$HOST" "$EBNET" up \
	--net "$NET"
check_eq "...no XDP program" "$(xdp_prog_on_up0)" ""

finish
