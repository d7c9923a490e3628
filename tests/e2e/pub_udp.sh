#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# pub_udp: a published UDP port, with socat servers in two containers that
# answer every datagram with their name and the sender's address. From
# outside with a fixed source port; then the port moves to the other
# container (unpublish, publish) and the next datagram from the same client
# and source port must arrive there, not at the old one (moby issues 8795
# and 44688: a stale conntrack entry kept sending it to the old container).
# Also from the host (connected and unconnected sockets: the reply's source
# is the address the application used) and from a container (hairpin).
. "$(dirname "$0")/pub_lib.sh"
sandbox tpu

SUB=10.94.0
A=$(ctr a) B=$(ctr b)
pub_tmp
SPORT=40053

check "up a and b" eb up --net "$NET" --subnet $SUB.0/24 "$A" "$B"
IPA=$(ls_field a ip) IPB=$(ls_field b ip)

# udp_server CTR: on :5353, answers "CTR got LINE from ADDR:PORT" and logs
# it. Called directly (see http_server in pub_lib.sh).
udp_server() {
	local c=$1
	bg_log "$(ctr "$c")" "$T/udp-$c.err" socat UDP4-RECVFROM:5353,fork \
		SYSTEM:"read l; echo \"\$l from \$SOCAT_PEERADDR:\$SOCAT_PEERPORT\" >>$T/udp-$c.log; echo \"$c got \$l from \$SOCAT_PEERADDR:\$SOCAT_PEERPORT\""
	check "socat UDP server on :5353 in $c" wait_until 5 udp_listening "$(ctr "$c")"
}
udp_listening() { [ -n "$(in_ns "$1" ss -Huln "sport = :5353")" ]; }

# send_from_out DST LINE: one datagram from OUT, source port $SPORT; prints the reply.
send_from_out() {
	echo "$2" | in_out timeout 5 socat -t 2 -T 3 - \
		"UDP4:$1:5353,sourceport=$SPORT,reuseaddr" 2>&1
}

udp_server a
udp_server b

check "publish 5353:$A:5353/udp" eb publish "5353:$A:5353/udp"
check_match "ports lists 5353/udp -> a" "$(eb ports --net "$NET")" "0\.0\.0\.0:5353 +udp +$A +$IPA:5353 "
check_eq "from outside, source port $SPORT: a answers, and sees the client's own address" \
	"$(send_from_out $HOSTIP one)" "a got one from $OUTIP:$SPORT"
check_eq "from outside, the same source port again: a answers" \
	"$(send_from_out $HOSTIP two)" "a got two from $OUTIP:$SPORT"
check_match "ports --json counts the flow from outside" \
	"$(port_field 0.0.0.0 5353 udp connections_outside)" '^[1-9][0-9]*$'

# ---- moved to b ----
run_rc MSG RC eb publish "5353:$B:5353/udp"
check_eq "publish 5353/udp to b while a has it: refused" "$([ "$RC" -ne 0 ] && echo refused)" refused
check_match "publish 5353/udp to b: the message names the owner, a" "$MSG" "$A"
check "unpublish 5353/udp" eb unpublish --net "$NET" 5353/udp
check_nomatch "unpublished: a datagram from outside gets no answer from a container" \
	"$(send_from_out $HOSTIP gap)" " got "
check "publish 5353:$B:5353/udp" eb publish "5353:$B:5353/udp"
check_eq "moved: the next datagram, same client and source port, arrives at b (moby 8795)" \
	"$(send_from_out $HOSTIP three)" "b got three from $OUTIP:$SPORT"
check "moved: b logged it" grep -q "^three from $OUTIP:$SPORT\$" "$T/udp-b.log"
check_nomatch "moved: a never got it" "$(cat "$T/udp-a.log")" "^(three|gap) "
check_eq "moved: and the next one too" "$(send_from_out $HOSTIP four)" \
	"b got four from $OUTIP:$SPORT"

# Moved back without unpublish in between (publish refuses; this is the
# way a user moves it), with the flow fresh in conntrack.
check "unpublish 5353/udp and publish it to a, back to back" in_host bash -c \
	"'$EBNET' unpublish --net '$NET' 5353/udp && '$EBNET' publish '5353:$A:5353/udp'"
check_eq "moved back: the next datagram from the same source port arrives at a" \
	"$(send_from_out $HOSTIP five)" "a got five from $OUTIP:$SPORT"

# ---- from the host, from a container ----
check_eq "from the host, connected socket to 127.0.0.1:5353: a answers" \
	"$(echo six | in_host timeout 5 socat -t 2 -T 3 - UDP4:127.0.0.1:5353 2>&1 | cut -d' ' -f1-3)" \
	"a got six"
REPLY=$(in_host python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto(b"seven\n", ("127.0.0.1", 5353))
d, a = s.recvfrom(200)
print("%s|%s:%d" % (d.decode().split(" from")[0], a[0], a[1]))' 2>&1)
check_eq "from the host, sendto 127.0.0.1:5353: a answers, recvfrom says 127.0.0.1:5353" \
	"$REPLY" "a got seven|127.0.0.1:5353"
REPLY=$(in_host python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto(b"eight\n", ("'$HOSTIP'", 5353))
d, a = s.recvfrom(200)
print("%s|%s:%d" % (d.decode().split(" from")[0], a[0], a[1]))' 2>&1)
check_eq "from the host, sendto $HOSTIP:5353: a answers, recvfrom says $HOSTIP:5353" \
	"$REPLY" "a got eight|$HOSTIP:5353"
check_match "hairpin: b sends to $HOSTIP:5353, a answers and sees b's address" \
	"$(echo nine | in_ctr b timeout 5 socat -t 2 -T 3 - UDP4:$HOSTIP:5353 2>&1)" \
	"^a got nine from $IPB:[0-9]+\$"

# Nothing listens behind the port: the container's ICMP port unreachable,
# translated back, tells the client at once.
check "publish 5354:$A:5999/udp (no server on 5999)" eb publish "5354:$A:5999/udp"
check_match "no server behind 5354/udp: the client outside gets 'Connection refused'" \
	"$(echo x | in_out timeout 5 socat -t 2 -T 3 - "UDP4:$HOSTIP:5354,sourceport=$SPORT,reuseaddr" 2>&1)" \
	"Connection refused"
check "unpublish 5354/udp" eb unpublish --net "$NET" 5354/udp

# ---- rm takes the container's ports with it ----
check "rm a" eb rm --net "$NET" "$A"
check_eq "rm: 5353/udp is no longer listed" "$(port_field 0.0.0.0 5353 udp container)" ""
check_nomatch "rm: a datagram from outside gets no answer from a container" \
	"$(send_from_out $HOSTIP ten)" " got "
check "publish 5353:$B:5353/udp after rm" eb publish "5353:$B:5353/udp"
check_eq "after rm, published to b: the same client and source port reach b" \
	"$(send_from_out $HOSTIP eleven)" "b got eleven from $OUTIP:$SPORT"

finish
