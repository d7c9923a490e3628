#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# pub_reach: who reaches a published TCP port, with real clients (curl,
# python, socat) and python http.server in the container: the outside
# through the router (the server sees the client's own address), the host
# at its address and at 127.0.0.1, another container and the container
# itself (hairpin); a range at its first and last port; a port published on
# 127.0.0.1 only (from the host yes, from outside never, not even with a
# frame sent to 127.0.0.1 by a neighbour: moby 45610); a port taken;
# unpublish (new flows fail, an open flow is not delivered any more).
. "$(dirname "$0")/pub_lib.sh"
sandbox tpr

SUB=10.93.0
W=$(ctr web) O=$(ctr other)
pub_tmp

check "up web and other" eb up --net "$NET" --subnet $SUB.0/24 "$W" "$O"
IPW=$(ls_field web ip) IPO=$(ls_field other ip)
http_server web 80 "$T/w80.log"

# Publishing edits a map: the programs stay the same ones (no reload).
prog_ids() {
	local p
	for p in prog_from_uplink prog_from_container prog_connect4 prog_sendmsg4; do
		in_host bpftool -j prog show pinned "$EB_PIN_ROOT/$NET/$p" |
			python3 -c 'import json,sys; print(json.load(sys.stdin)["id"], end=" ")'
	done
}
IDS=$(prog_ids)
check_match "program ids of the network: from_uplink, from_container, connect4, sendmsg4" \
	"$IDS" '^([0-9]+ ){4}$'

# ---- 11080 -> web:80 ----
check "publish 11080:$W:80" eb publish "11080:$W:80"
check_match "ports lists 11080 -> web:80" "$(eb ports --net "$NET")" \
	"0\.0\.0\.0:11080 +tcp +$W +$IPW:80 "

check_http "from outside: curl $HOSTIP:11080 gets 200" 200 in_out "http://$HOSTIP:11080/?from-out"
check "from outside: the server sees the client's own address $OUTIP (no proxy)" \
	log_has "$T/w80.log" "^$OUTIP - .*\"GET /\\?from-out "
check_http "from the host: curl $HOSTIP:11080 gets 200" 200 in_host "http://$HOSTIP:11080/?host-ip"
check "from the host at $HOSTIP: the request arrives" log_has "$T/w80.log" "\"GET /\\?host-ip "
check_http "from the host: curl 127.0.0.1:11080 gets 200" 200 in_host "http://127.0.0.1:11080/?host-lo"
check "from the host at 127.0.0.1: the request arrives" log_has "$T/w80.log" "\"GET /\\?host-lo "
check_http "hairpin: other curls $HOSTIP:11080, gets 200" 200 in_ctr other \
	"http://$HOSTIP:11080/?hairpin-other"
check "hairpin from other: the server sees other's address $IPO" \
	log_has "$T/w80.log" "^$IPO - .*\"GET /\\?hairpin-other "
check_http "hairpin to itself: web curls $HOSTIP:11080, gets 200" 200 in_ctr web \
	"http://$HOSTIP:11080/?hairpin-self"
check "hairpin to itself: the request arrives" log_has "$T/w80.log" "\"GET /\\?hairpin-self "

# The application sees the address it used (getpeername4), not the container's.
PEER=$(in_host python3 -c '
import socket
s = socket.create_connection(("127.0.0.1", 11080), timeout=3)
print("%s:%d" % s.getpeername())' 2>&1)
check_eq "from the host: getpeername() of a socket to 127.0.0.1:11080" "$PEER" "127.0.0.1:11080"
PEER=$(in_ctr other python3 -c '
import socket
s = socket.create_connection(("'$HOSTIP'", 11080), timeout=3)
print("%s:%d" % s.getpeername())' 2>&1)
check_eq "hairpin: getpeername() of other's socket to $HOSTIP:11080" "$PEER" "$HOSTIP:11080"

check_match "ports --json counts connections from outside" \
	"$(port_field 0.0.0.0 11080 tcp connections_outside)" '^[1-9][0-9]*$'
check_match "ports --json counts connections made on the host and in containers" \
	"$(port_field 0.0.0.0 11080 tcp connections_local)" '^[1-9][0-9]*$'

# Bulk: 4 MB from the container through the published port (segmentation
# offload and checksums of translated packets, both ways, at volume).
head -c 4000000 /dev/urandom >"$T/www/blob"
SUM=$(sha256sum <"$T/www/blob" | cut -c1-64)
check_eq "bulk: 4 MB from web to outside through 11080, intact" \
	"$(in_out curl -sS -m 20 "http://$HOSTIP:11080/blob" | sha256sum | cut -c1-64)" "$SUM"
check_eq "bulk: 4 MB from web to the host at 127.0.0.1:11080, intact" \
	"$(in_host curl -sS -m 20 "http://127.0.0.1:11080/blob" | sha256sum | cut -c1-64)" "$SUM"
bg_log "$W" "$T/sink.log" socat -u TCP-LISTEN:83,reuseaddr "CREATE:$T/up"
wait_until 5 listening "$W" 83
check "publish 11083:$W:83 (a sink)" eb publish "11083:$W:83"
check "bulk: 4 MB sent from outside through 11083" \
	in_out timeout 20 socat -u "FILE:$T/www/blob" "TCP:$HOSTIP:11083"
size_is() { [ "$(stat -c %s "$1" 2>/dev/null)" == "$2" ]; }
wait_until 5 size_is "$T/up" 4000000
check_eq "bulk: the container received the 4 MB intact" \
	"$(sha256sum <"$T/up" 2>/dev/null | cut -c1-64)" "$SUM"
check "unpublish 11083" eb unpublish --net "$NET" 11083

# Nothing listens on the container's port: the client is refused at once
# (the container's RST is translated back), not left to time out.
check "publish 11082:$W:82 (no server on 82)" eb publish "11082:$W:82"
RC=0
in_out curl -sS -o /dev/null --connect-timeout 5 -m 6 "http://$HOSTIP:11082/" 2>/dev/null || RC=$?
check_eq "no server behind 11082: outside's curl is refused (exit 7), not timed out" "$RC" 7
check "unpublish 11082" eb unpublish --net "$NET" 11082

# The gateway's address is the host's too (as with Docker's bridge address).
check_http "other curls the gateway $SUB.1:11080, gets 200" 200 in_ctr other \
	"http://$SUB.1:11080/?gw-other"
check_http "the host curls the gateway $SUB.1:11080, gets 200" 200 in_host \
	"http://$SUB.1:11080/?gw-host"

# Another namespace of the machine is untouched: the sock_addr programs act
# only in the host namespace of this network and its containers.
check_fails "a namespace that is not ebnet's: 127.0.0.1:11080 is not translated" \
	in_out curl -sS -o /dev/null --connect-timeout 2 -m 3 http://127.0.0.1:11080/

# ---- a range, first and last port ----
http_server web 11900 "$T/w11900.log"
http_server web 11909 "$T/w11909.log"
check "publish the range 11900-11909:$W:11900-11909" eb publish "11900-11909:$W:11900-11909"
check_eq "ports lists the 10 ports of the range" \
	"$(ports_json | python3 -c 'import json,sys; print(sum(1 for e in json.load(sys.stdin)["ports"] if 11900 <= e["host_port"] <= 11909))')" 10
check_http "range: outside reaches the first port, 11900" 200 in_out "http://$HOSTIP:11900/?first"
check "range: first port, the server sees $OUTIP" log_has "$T/w11900.log" "^$OUTIP - .*\"GET /\\?first "
check_http "range: outside reaches the last port, 11909" 200 in_out "http://$HOSTIP:11909/?last"
check "range: last port, the server sees $OUTIP" log_has "$T/w11909.log" "^$OUTIP - .*\"GET /\\?last "
check_http "range: the host reaches 127.0.0.1:11909" 200 in_host "http://127.0.0.1:11909/?last-lo"

# ---- one host address only ----
check "publish $HOSTIP:11090:$W:80" eb publish "$HOSTIP:11090:$W:80"
check_http "$HOSTIP only: outside reaches $HOSTIP:11090" 200 in_out "http://$HOSTIP:11090/?ip-out"
check "$HOSTIP only: the server sees $OUTIP" log_has "$T/w80.log" "^$OUTIP - .*\"GET /\\?ip-out "
check_http "$HOSTIP only: the host reaches $HOSTIP:11090" 200 in_host "http://$HOSTIP:11090/?ip-host"
check_http "$HOSTIP only: other reaches $HOSTIP:11090" 200 in_ctr other "http://$HOSTIP:11090/?ip-other"
check_fails "$HOSTIP only: 127.0.0.1:11090 is not published" \
	in_host curl -sS -o /dev/null --connect-timeout 3 -m 4 "http://127.0.0.1:11090/?ip-lo"
check "unpublish $HOSTIP:11090" eb unpublish --net "$NET" "$HOSTIP:11090"

# ---- 127.0.0.1 only ----
check "publish 127.0.0.1:7070:$W:80" eb publish "127.0.0.1:7070:$W:80"
check_match "ports lists 127.0.0.1:7070" "$(eb ports --net "$NET")" "127\.0\.0\.1:7070 +tcp +$W "
check_http "127.0.0.1 only: the host reaches 127.0.0.1:7070" 200 in_host \
	"http://127.0.0.1:7070/?lo-only"
check "127.0.0.1 only: the request arrives" log_has "$T/w80.log" "\"GET /\\?lo-only "
check_fails "127.0.0.1 only: outside cannot connect to $HOSTIP:7070" \
	in_out curl -sS -o /dev/null --connect-timeout 3 -m 4 "http://$HOSTIP:7070/?lo-out"
check_fails "127.0.0.1 only: another container cannot connect to $HOSTIP:7070" \
	in_ctr other curl -sS -o /dev/null --connect-timeout 3 -m 4 "http://$HOSTIP:7070/?lo-ctr"
check_nomatch "127.0.0.1 only: no request from outside or a container arrived" \
	"$(cat "$T/w80.log")" "GET /\\?lo-(out|ctr) "

# moby 45610 (CVE-2020-8558): a neighbour on the uplink's segment (the
# router) sends a SYN to 127.0.0.1:7070 in a frame to the host's MAC. The
# host's own stack drops such a packet as a martian; ebnet's uplink program
# sees it first and must not deliver it to the container either.
HMAC=$(mac_of "$HOST" up0) RMAC=$(mac_of "$RTR" down0)
bg_log "$W" "$T/tcpdump.log" tcpdump -l -nn -i eth0 "tcp port 80 and host 198.51.100.254"
TCPDUMP=$BG_LAST
wait_until 5 grep -q 'listening on' "$T/tcpdump.log"
RAW=$(in_rtr python3 - "$HMAC" "$RMAC" <<'PY' 2>&1
import socket, struct, sys

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

dmac, smac = (bytes.fromhex(m.replace(":", "")) for m in sys.argv[1:3])
src, dst = socket.inet_aton("198.51.100.254"), socket.inet_aton("127.0.0.1")
tcp = struct.pack("!HHIIBBHHH", 45610, 7070, 1, 0, 5 << 4, 0x02, 64240, 0, 0)
tcp = tcp[:16] + struct.pack("!H", csum(src + dst + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)) + tcp[18:]
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0, src, dst)
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("down0", 0))
for _ in range(3):
    s.send(dmac + smac + b"\x08\x00" + ip + tcp)
print("sent")
PY
)
check_eq "moby 45610: the router sends SYNs to 127.0.0.1:7070 in frames to the host's MAC" \
	"$RAW" sent
sleep 1
kill "$TCPDUMP" 2>/dev/null
wait "$TCPDUMP" 2>/dev/null
check_nomatch "moby 45610: a SYN to 127.0.0.1:7070 from the uplink does not reach the container" \
	"$(grep -v -e '^listening' -e 'packets' -e '^$' "$T/tcpdump.log")" "IP "
check_eq "moby 45610: no connection from outside counted on 127.0.0.1:7070" \
	"$(port_field 127.0.0.1 7070 tcp connections_outside)" 0

# ---- a port that is taken ----
run_rc MSG RC eb publish "11080:$O:80"
check_eq "publish 11080 again (to other): refused, non-zero exit" "$([ "$RC" -ne 0 ] && echo refused)" refused
check_match "publish 11080 again: the message names the owner, $W" "$MSG" "already published.*$W"
run_rc MSG RC eb publish "127.0.0.1:11080:$O:80"
check_eq "publish 127.0.0.1:11080 over 0.0.0.0:11080: refused" "$([ "$RC" -ne 0 ] && echo refused)" refused
check_match "publish 127.0.0.1:11080: the message names the owner, $W" "$MSG" "$W"
run_rc MSG RC eb publish "11905:$O:80"
check_eq "publish 11905, inside the range 11900-11909: refused" "$([ "$RC" -ne 0 ] && echo refused)" refused
check_match "publish 11905: the message names the owner, $W" "$MSG" "$W"
check_http "11080 still reaches web after the refusals" 200 in_out "http://$HOSTIP:11080/?still"
check "11080 still web: the server sees $OUTIP" log_has "$T/w80.log" "^$OUTIP - .*\"GET /\\?still "

# ---- unpublish ----
# An echo server and a client from outside that holds its connection open
# across the unpublish: its next segment must not reach the container.
bg_log "$W" "$T/echo.log" socat -v TCP-LISTEN:81,reuseaddr,fork PIPE
wait_until 5 listening "$W" 81
check "publish 11081:$W:81 (echo)" eb publish "11081:$W:81"
cat >"$T/client.py" <<'PY'
import os, socket, sys, time
s = socket.create_connection((sys.argv[1], 11081), timeout=3)
s.sendall(b"before\n")
print("echo1", s.recv(100).decode().strip(), flush=True)
for _ in range(100):
    if os.path.exists(sys.argv[2]):
        break
    time.sleep(0.1)
try:
    s.sendall(b"after\n")
    s.settimeout(2)
    d = s.recv(100)
    print("echo2", d.decode().strip() if d else "closed", flush=True)
except OSError as e:
    print("echo2 error", e.__class__.__name__, flush=True)
PY
bg_log "$OUT" "$T/client.log" python3 -u "$T/client.py" "$HOSTIP" "$T/go"
CLIENT=$BG_LAST
check "an open connection from outside to 11081 echoes" wait_until 5 grep -q "^echo1 before" "$T/client.log"

check "unpublish 11080" eb unpublish --net "$NET" 11080
check "unpublish 11081" eb unpublish --net "$NET" 11081/tcp
touch "$T/go"
wait "$CLIENT" 2>/dev/null
check_match "unpublished: the open connection's client tried again" "$(cat "$T/client.log")" "^echo2 "
check_nomatch "unpublished: the open connection's next segment is not delivered (no echo)" \
	"$(cat "$T/client.log")" "^echo2 after"
check_nomatch "unpublished: the echo server never received it" "$(cat "$T/echo.log")" "after"
check_fails "unpublished: outside cannot connect to $HOSTIP:11080" \
	in_out curl -sS -o /dev/null --connect-timeout 3 -m 4 "http://$HOSTIP:11080/?gone"
check_fails "unpublished: the host cannot connect to 127.0.0.1:11080" \
	in_host curl -sS -o /dev/null --connect-timeout 3 -m 4 "http://127.0.0.1:11080/?gone"
check_fails "unpublished: the host cannot connect to $HOSTIP:11080" \
	in_host curl -sS -o /dev/null --connect-timeout 3 -m 4 "http://$HOSTIP:11080/?gone"
check_fails "unpublished: other cannot connect to $HOSTIP:11080" \
	in_ctr other curl -sS -o /dev/null --connect-timeout 3 -m 4 "http://$HOSTIP:11080/?gone"
check_nomatch "unpublished: no request reached the server" "$(cat "$T/w80.log")" "GET /\\?gone"
check_eq "unpublished: ports no longer lists 11080" "$(port_field 0.0.0.0 11080 tcp container)" ""
check_http "the range is still published after 11080 went" 200 in_out "http://$HOSTIP:11909/?after"
run_rc MSG RC eb unpublish --net "$NET" 11080
check_eq "unpublish 11080 again: non-zero exit" "$([ "$RC" -ne 0 ] && echo refused)" refused
check_match "unpublish 11080 again: says it is not published" "$MSG" "11080/tcp is not published"

# Published again, to the other container: the next connection goes there.
http_server other 80 "$T/o80.log"
check "publish 11080:$O:80 after the unpublish" eb publish "11080:$O:80"
check_http "republished: outside reaches other" 200 in_out "http://$HOSTIP:11080/?moved"
check "republished: the request arrives at other, from $OUTIP" \
	log_has "$T/o80.log" "^$OUTIP - .*\"GET /\\?moved "
check_nomatch "republished: web does not get it" "$(cat "$T/w80.log")" "GET /\\?moved"
check "unpublish the range 11900-11909" eb unpublish --net "$NET" 11900-11909
check_fails "range unpublished: outside cannot connect to 11900" \
	in_out curl -sS -o /dev/null --connect-timeout 3 -m 4 "http://$HOSTIP:11900/"
check "unpublish 127.0.0.1:7070" eb unpublish --net "$NET" 127.0.0.1:7070
check_fails "127.0.0.1:7070 unpublished: the host cannot connect" \
	in_host curl -sS -o /dev/null --connect-timeout 3 -m 4 "http://127.0.0.1:7070/"

check_eq "after every publish and unpublish, the same programs are loaded (no reload)" \
	"$(prog_ids)" "$IDS"

finish
