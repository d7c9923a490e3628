#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# pub_hostsock: publishing does not take over the host. A port a host socket
# listens on (an sshd-like socat at 127.0.0.1:22, an echo server on
# 0.0.0.0:11620) is refused, naming the process, unless --force; with
# --force new connections go to the container while the host's connection
# opened before keeps working; a host client whose local port equals a
# published port (TCP and UDP) still gets its replies.
. "$(dirname "$0")/pub_lib.sh"
. "$(dirname "$0")/nat_lib.sh"
sandbox aha

SUB=10.81.0
W=$(ctr web)
pub_tmp

check "up web" eb up --net "$NET" --subnet $SUB.0/24 "$W"
bg_log "$W" "$T/w22.log" socat TCP-LISTEN:22,fork,reuseaddr SYSTEM:'echo ctr22'
bg_log "$W" "$T/w11620.log" socat TCP-LISTEN:11620,fork,reuseaddr SYSTEM:'echo ctr'
bg_log "$W" "$T/wudp.log" socat UDP4-RECVFROM:5399,fork SYSTEM:'read l; echo "$l from ctr"'
check "servers in web" wait_until 10 bash -c "$(declare -f in_ns listening); listening $W 22 && listening $W 11620"

# The host's own services: sshd-like on 127.0.0.1:22, an echo server on
# every address.
bg_log "$HOST" "$T/h22.log" socat TCP-LISTEN:22,bind=127.0.0.1,fork,reuseaddr SYSTEM:'echo host22'
bg_log "$HOST" "$T/h11620.log" socat TCP-LISTEN:11620,fork,reuseaddr EXEC:cat
check "servers on the host" wait_until 10 bash -c "$(declare -f in_ns listening); listening $HOST 22 && listening $HOST 11620"

# ---- refused ----
out=$(eb publish "22:$W:22" 2>&1)
check_eq "publish 22:web:22 over the host's 127.0.0.1:22 listener is refused" "$?" 1
check_match "...naming the socket and the process" "$out" \
	"22/tcp: a host socket listens on it: 127\.0\.0\.1:22 \(socket inode [0-9]+, socat \(pid [0-9]+\)\).*--force"
check_fails "publish 127.0.0.1:22:web:22 is refused too" eb publish "127.0.0.1:22:$W:22"
out=$(eb publish "$HOSTIP:11620:$W:11620" 2>&1)
check_match "publish $HOSTIP:11620 is refused: a listener on 0.0.0.0 covers the address" "$out" \
	"0\.0\.0\.0:11620 \(socket inode [0-9]+, socat \(pid [0-9]+\)\)"
check_fails "publish 11620-11621:web:11620-11621 (a range over it) is refused" \
	eb publish "11620-11621:$W:11620-11621"
check_eq "nothing was published" "$(eb ports --net "$NET" | grep -c ":$W:\| $W ")" 0
check "11620/udp is another protocol: publishing it is accepted" eb publish "11620:$W:11620/udp"
check "...and unpublished" eb unpublish --net "$NET" 11620/udp

# ---- --force: new flows to the container, the host's open connection stays ----
cat >"$T/client.py" <<'PY'
import os, socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
s.sendall(b"one\n")
a = s.recv(100).decode().strip()
print("first", a, flush=True)
for _ in range(200):
    if os.path.exists(sys.argv[3]):
        break
    time.sleep(0.05)
s.sendall(b"two\n")
try:
    b = s.recv(100).decode().strip()
except OSError as e:
    b = "error:" + str(e)
print("second", b, flush=True)
PY
bg_log "$OUT" "$T/client.out" python3 "$T/client.py" $HOSTIP 11620 "$T/go"
check "the outside's connection to the host's echo server works" \
	wait_until 10 grep -q "^first one$" "$T/client.out"
check "publish --force $HOSTIP:11620:web:11620 is accepted" eb publish --force "$HOSTIP:11620:$W:11620"
check_eq "a new connection from outside to $HOSTIP:11620 reaches the container" \
	"$(in_out socat -t 3 - TCP:$HOSTIP:11620,connect-timeout=3 </dev/null 2>&1)" ctr
touch "$T/go"
check "the host's connection opened before still gets its echo (not translated)" \
	wait_until 10 grep -q "^second two$" "$T/client.out"

# ---- the host's own clients on a published local port ----
out_server 8080
check "publish 11600:web:11620 (no host socket there)" eb publish "11600:$W:11620"
check_eq "a host client from local port 11600 to OUT:8080 gets its reply" \
	"$(in_host socat -t 3 - TCP:$OUT_IP:8080,sourceport=11600,connect-timeout=3 </dev/null 2>&1)" \
	"from $HOSTIP"
check_eq "from outside, $HOSTIP:11600 still reaches the container" \
	"$(in_out socat -t 3 - TCP:$HOSTIP:11600,connect-timeout=3 </dev/null 2>&1)" ctr
udp_server 9999
check "publish 5399:web:5399/udp" eb publish "5399:$W:5399/udp"
check_eq "a host UDP client (connected) from local port 5399 gets OUT's answer" \
	"$(echo hi | in_host socat -t 2 - UDP4:$OUT_IP:9999,sourceport=5399 2>&1)" \
	"hi from $HOSTIP:5399"
check_eq "from outside, a datagram to $HOSTIP:5399 still reaches the container" \
	"$(echo ho | in_out socat -t 2 - UDP4:$HOSTIP:5399 2>&1)" "ho from ctr"

for p in $HOSTIP:11620 11600 5399/udp; do eb unpublish --net "$NET" "$p" >/dev/null; done
check "down" eb down --net "$NET"
finish
