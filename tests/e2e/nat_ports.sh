#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nat_ports: NAT port allocation under real clients. Two containers bind the
# same source port toward the same server at the same time (TCP and UDP):
# both are answered, from two distinct NAT ports. Then hundreds of short
# connections in a few seconds (wrk, Connection: close): no socket error,
# no non-2xx answer, no NAT drop; and no firewall rule nor ip_forward.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/nat_lib.sh"
sandbox tnp

SUB=10.73.0
T=$(tmpdir)
declare -A PIDS
FWD0=$(host_ip_forward)

check "up three containers" eb up --net "$NET" --subnet $SUB.0/24 "$(ctr a)" "$(ctr b)" "$(ctr c)"
IPA=$(ls_field a ip) IPB=$(ls_field b ip)

# ---- TCP, same source port, at once ----
# The server holds each connection 2 s before it answers: the two overlap.
peer_server 8080 2
for x in a b; do
	in_ctr $x timeout 10 socat -t 5 - "TCP:$OUT_IP:8080,sourceport=5555" </dev/null \
		>"$T/tcp.$x" 2>&1 &
	PIDS[$x]=$!
done
sleep 1
FLOWS=$(ct_flows)
wait "${PIDS[a]}"
RA=$?
wait "${PIDS[b]}"
RB=$?
check_eq "TCP: a (source port 5555) exits 0" "$RA" 0
check_eq "TCP: b (source port 5555, at the same time) exits 0" "$RB" 0
OA=$(cat "$T/tcp.a") OB=$(cat "$T/tcp.b")
check_match "TCP: a answered, seen from the uplink's address" "$OA" "^from $UPLINK_IP:[0-9]+$"
check_match "TCP: b answered, seen from the uplink's address" "$OB" "^from $UPLINK_IP:[0-9]+$"
check "TCP: the server saw two distinct source ports" distinct "${OA##*:}" "${OB##*:}"
check_match "TCP: ct lists a's flow from port 5555 while both are open" "$FLOWS" \
	"^tcp $IPA:5555 $OUT_IP:8080 $UPLINK_IP:${OA##*:} "
check_match "TCP: ct lists b's flow from port 5555 while both are open" "$FLOWS" \
	"^tcp $IPB:5555 $OUT_IP:8080 $UPLINK_IP:${OB##*:} "

# ---- curl --local-port, same port, at once ----
mkdir -p "$T/www"
head -c 100000 /dev/urandom >"$T/www/blob"
http_server 8000 "$T/www" "$T/http.log"
for x in a b; do
	in_ctr $x curl -sS -m 10 --local-port 6000 -o "$T/blob.$x" \
		-w '%{http_code} %{local_port}\n' "http://$OUT_IP:8000/blob" >"$T/curl.$x" 2>&1 &
	PIDS[$x]=$!
done
wait "${PIDS[a]}"
RA=$?
wait "${PIDS[b]}"
RB=$?
check_eq "curl --local-port 6000 from a: 200 from port 6000" "$RA $(cat "$T/curl.a")" "0 200 6000"
check_eq "curl --local-port 6000 from b: 200 from port 6000" "$RB $(cat "$T/curl.b")" "0 200 6000"
for x in a b; do
	check_eq "curl from $x: the file byte for byte" "$(sha256sum <"$T/blob.$x" | cut -c1-64)" \
		"$(sha256sum <"$T/www/blob" | cut -c1-64)"
done

# ---- UDP, same source port, at once ----
udp_server 5353
for x in a b; do
	echo "hello-$x" | in_ctr $x timeout 5 socat -t 1 - "UDP4:$OUT_IP:5353,sourceport=5353" \
		>"$T/udp.$x" 2>&1 &
	PIDS[$x]=$!
done
wait "${PIDS[a]}"
wait "${PIDS[b]}"
UA=$(cat "$T/udp.a") UB=$(cat "$T/udp.b")
check_match "UDP: a (source port 5353) answered" "$UA" "^hello-a from $UPLINK_IP:[0-9]+$"
check_match "UDP: b (source port 5353, at the same time) answered" "$UB" \
	"^hello-b from $UPLINK_IP:[0-9]+$"
check "UDP: the server saw two distinct source ports" distinct "${UA##*:}" "${UB##*:}"

# ---- hundreds of short connections ----
load_server 8001
EX0=$(nat_stat EB_CNT_DROP_NAT_EXHAUSTED) FULL0=$(nat_stat EB_CNT_DROP_CT_FULL)
NEW0=$(nat_stat EB_CNT_SNAT_NEW)
OUTP=$(in_ctr c timeout 20 wrk -t 2 -c 20 -d 3s -H 'Connection: close' "http://$OUT_IP:8001/" 2>&1)
note "wrk: $(echo "$OUTP" | grep -E 'requests in|Socket errors|Non-2xx' | tr '\n' ' ')"
N=$(echo "$OUTP" | sed -n 's/^ *\([0-9][0-9]*\) requests in .*/\1/p')
check "wrk: hundreds of requests (at least 300) in 3 s" test "${N:-0}" -ge 300
check_nomatch "wrk: no socket errors (connect, read, write, timeout)" "$OUTP" "Socket errors"
check_nomatch "wrk: no non-2xx answer" "$OUTP" "Non-2xx"
check "wrk: one new NAT binding per connection (EB_CNT_SNAT_NEW grew by at least 300)" \
	test $(($(nat_stat EB_CNT_SNAT_NEW) - NEW0)) -ge 300
check_eq "wrk: no flow dropped for want of a NAT port" "$(nat_stat EB_CNT_DROP_NAT_EXHAUSTED)" "$EX0"
check_eq "wrk: no flow dropped for a full conntrack" "$(nat_stat EB_CNT_DROP_CT_FULL)" "$FULL0"

check_eq "no iptables or nftables rule in the host namespace" "$(host_rules)" ""
check_eq "net.ipv4.ip_forward of the host namespace unchanged (0)" "$(host_ip_forward)" "$FWD0"
check "down" eb down --net "$NET"
finish
