#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nat_basic: containers reach the outside world through the uplink, their
# source translated to the uplink's address in the datapath (issue 3): HTTP,
# UDP, ping, the router's time-exceeded back into the container, `ebnet ct`
# (text and JSON), `ct flush`, `gc`; and for all of it no firewall rule and
# no ip_forward in the host.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/nat_lib.sh"
sandbox tnb

SUB=10.71.0
A=$(ctr a) B=$(ctr b)
T=$(tmpdir)
ROOT_FWD=$(cat /proc/sys/net/ipv4/ip_forward)
FWD0=$(host_ip_forward)
check_eq "sandbox: ip_forward is 0 in the host namespace" "$FWD0" 0
check_eq "sandbox: no firewall rule in the host namespace" "$(host_rules)" ""

check "up two containers (uplink: the default route's device)" \
	eb up --net "$NET" --subnet $SUB.0/24 "$A" "$B"
check_match "ls: uplink up0, SNAT to its address" "$(eb ls --net "$NET")" \
	"uplink up0 +snat $UPLINK_IP"
IPA=$(ls_field a ip) IPB=$(ls_field b ip)

# ---- HTTP ----
mkdir -p "$T/www"
head -c 300000 /dev/urandom >"$T/www/blob"
http_server 8000 "$T/www" "$T/http.log"
check "curl from a container to the HTTP server in OUT" \
	in_ctr a curl -sS -m 10 -o "$T/blob" "http://$OUT_IP:8000/blob"
check_eq "curl: 300 kB arrive byte for byte" "$(sha256sum <"$T/blob" | cut -c1-64)" \
	"$(sha256sum <"$T/www/blob" | cut -c1-64)"
check "curl from the other container" in_ctr b curl -sS -m 10 -o /dev/null "http://$OUT_IP:8000/blob"
LOG=$(cat "$T/http.log")
check_match "the server's log shows the uplink's address as the client" "$LOG" \
	"^$UPLINK_IP - - .*\"GET /blob HTTP/1.1\" 200"
check_eq "the server saw two requests, both from the uplink's address" \
	"$(grep -c "^$UPLINK_IP - - .*GET /blob" <<<"$LOG")" 2
check_nomatch "the server never saw a container's address" "$LOG" "^$SUB\."

# ---- UDP ----
udp_server 5353
OUTP=$(echo hello-udp | in_ctr a timeout 5 socat -t 1 - "UDP4:$OUT_IP:5353" 2>&1)
check_match "UDP request from a container answered; the server saw the uplink's address" \
	"$OUTP" "^hello-udp from $UPLINK_IP:[0-9]+$"

# UDP sent with GSO (UDP_SEGMENT: one 3000-byte send leaves as three
# datagrams, checksum left to the device) and without a checksum
# (SO_NO_CHECK: zero must stay zero, or OUT drops it as corrupt).
bg_in "$OUT" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("203.0.113.2", 6000))
while True:
    d, a = s.recvfrom(65535)
    s.sendto(b"%d" % len(d), a)
' >/dev/null 2>&1
wait_until 10 udp_listening "$OUT" 6000
CSUMERR0=$(in_out awk '/^Udp:/ && $2 ~ /^[0-9]/ {print $8}' /proc/net/snmp)
OUTP=$(in_ctr a python3 -c '
import socket, sys
dst = (sys.argv[1], 6000)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.setsockopt(socket.IPPROTO_UDP, 103, 1000)  # UDP_SEGMENT
s.connect(dst)
s.send(b"g" * 3000)
try:
    print("gso", " ".join(s.recv(100).decode() for _ in range(3)))
except OSError as e:
    print("gso", e)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.setsockopt(socket.SOL_SOCKET, 11, 1)  # SO_NO_CHECK
s.connect(dst)
s.send(b"z" * 100)
try:
    print("nocsum", s.recv(100).decode())
except OSError as e:
    print("nocsum", e)
' $OUT_IP 2>&1)
check_match "UDP GSO from a container: three segments answered" "$OUTP" "^gso 1000 1000 1000$"
check_match "UDP without checksum from a container: answered" "$OUTP" "^nocsum 100$"
check_eq "OUT counted no UDP checksum error" \
	"$(in_out awk '/^Udp:/ && $2 ~ /^[0-9]/ {print $8}' /proc/net/snmp)" "$CSUMERR0"

# Refusals come back: a TCP reset, and an ICMP port unreachable (whose
# quoted UDP header is translated) turned into ECONNREFUSED.
in_ctr a curl -sS -m 5 "http://$OUT_IP:9/" >/dev/null 2>&1
check_eq "TCP to a closed port: curl gets connection refused (exit 7), at once" "$?" 7
OUTP=$(in_ctr a python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect((sys.argv[1], 9))
s.send(b"anyone?")
try:
    s.recv(100)
    print("answer")
except ConnectionRefusedError:
    print("refused")
except OSError as e:
    print(e)
' $OUT_IP 2>&1)
check_eq "UDP to a closed port: the container's socket gets ECONNREFUSED" "$OUTP" refused

# ---- ICMP ----
check "ping the router on the uplink's own subnet (198.51.100.254)" \
	in_ctr a ping -c 1 -W 2 $ROUTER_IP
check "ping the host's uplink address (the host's, not translated)" \
	in_ctr a ping -c 1 -W 2 $UPLINK_IP
check "ping 203.0.113.2 from a container" in_ctr a ping -c 3 -i 0.2 -W 2 $OUT_IP
check "ping 203.0.113.2 from the other container" in_ctr b ping -c 1 -W 2 $OUT_IP
ERR0=$(nat_stat EB_CNT_ICMP_ERR_IN)
OUTP=$(in_ctr a ping -c 1 -W 2 -t 2 $OUT_IP 2>&1)
check_match "ping -t 2: the container gets Time to live exceeded from the router (the gateway is hop 1)" "$OUTP" \
	"From $ROUTER_IP icmp_seq=1 Time to live exceeded"
check "ping -t 2: counted as an ICMP error translated in (EB_CNT_ICMP_ERR_IN)" \
	test "$(nat_stat EB_CNT_ICMP_ERR_IN)" -gt "$ERR0"

# ---- ebnet ct ----
peer_server 8080
OUTP=$(in_ctr a timeout 5 socat -t 2 - "TCP:$OUT_IP:8080,sourceport=4444" </dev/null 2>&1)
check_match "TCP from source port 4444: the server sees the uplink's address" "$OUTP" \
	"^from $UPLINK_IP:[0-9]+$"
NP=${OUTP##*:}
FLOWS=$(ct_flows)
check_match "ct --json: the TCP flow, as sent and as translated (the port the server saw)" \
	"$FLOWS" "^tcp $IPA:4444 $OUT_IP:8080 $UPLINK_IP:$NP "
check_match "ct --json: the HTTP flows" "$FLOWS" "^tcp $IPA:[0-9]+ $OUT_IP:8000 $UPLINK_IP:[0-9]+ "
check_match "ct --json: the UDP flow" "$FLOWS" "^udp $IPA:[0-9]+ $OUT_IP:5353 $UPLINK_IP:[0-9]+ "
check_match "ct --json: the pings (identifier as port)" "$FLOWS" \
	"^icmp $IPA:[0-9]+ $OUT_IP:0 $UPLINK_IP:[0-9]+ "
check_match "ct --json: container b's ping" "$FLOWS" "^icmp $IPB:[0-9]+ $OUT_IP:0 $UPLINK_IP:"
check "ct --json: packets and bytes both ways, age, state of the TCP flow" python3 -c '
import json, sys
d = json.load(sys.stdin)
f = [f for f in d["flows"] if f["proto"] == "tcp" and f["src"].endswith(":4444")]
assert len(f) == 1, f
f = f[0]
for k in ("packets_out", "bytes_out", "packets_in", "bytes_in"):
    assert isinstance(f[k], int) and f[k] > 0, (k, f)
assert f["bytes_out"] >= 40 * f["packets_out"], f
assert f["age_s"] >= 0 and f["state"], f
' < <(eb ct --net "$NET" --json)
check_match "ct (text): the same flow" "$(eb ct --net "$NET")" \
	"tcp +$IPA:4444 +$OUT_IP:8080 +$UPLINK_IP:$NP "
check_match "gc --json: counts of flows and attachments" "$(eb gc --net "$NET" --json)" '^\{"removed":[0-9]+,"attachments_removed":[0-9]+\}$'

OUTP=$(eb ct --net "$NET" flush)
check_match "ct flush: says how many flows it removed" "$OUTP" "^flushed [1-9][0-9]* flows"
check_eq "ct --json after flush: no flows" "$(ct_flows)" ""
check_eq "eb_ct_tcp and eb_ct_other are empty after flush" \
	"$(for m in eb_ct_tcp eb_ct_other; do
		in_host bpftool -j map dump pinned "$EB_PIN_ROOT/$NET/$m"
	done | tr -d ' \n')" "[][]"
check_match "ct (text) after flush: no flows" "$(eb ct --net "$NET")" "^no flows"
OUTP=$(in_ctr a timeout 5 socat -t 2 - "TCP:$OUT_IP:8080" </dev/null 2>&1)
check_match "after flush: a new connection is translated again" "$OUTP" "^from $UPLINK_IP:"

# ---- after all of it ----
check_eq "no iptables or nftables rule in the host namespace" "$(host_rules)" ""
check_eq "net.ipv4.ip_forward of the host namespace unchanged (0)" "$(host_ip_forward)" "$FWD0"
check_eq "the machine's own ip_forward unchanged" "$(cat /proc/sys/net/ipv4/ip_forward)" "$ROOT_FWD"
check "down" eb down --net "$NET"
check_fails "down: no pin folder left" test -e "$EB_PIN_ROOT/$NET"
check_eq "after down: still no firewall rule in the host namespace" "$(host_rules)" ""
finish
