#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# docker_restart: the Docker driver killed with SIGKILL while containers
# talk: their traffic (a ping between two containers, a download through a
# published port) goes on, and the restarted driver serves networks and
# endpoints made before it (a new docker run, docker rm -f of the old
# ones). A container that went while the driver was down is dropped by the
# next driver. After a "reboot" (the pins gone, dockerd sending no
# CreateNetwork), the driver makes the network again with its options.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/docker_lib.sh"
sandbox dkb
dk_setup || finish
T=$_EB_TMP

check "docker network create -d ebnet -o ebnet.uplink=up0 -o ebnet.nat_ports=20000-20999" \
	dk network create -d ebnet --subnet 10.79.0.0/16 -o ebnet.uplink=up0 \
	-o ebnet.nat_ports=20000-20999 web
N=$(dk_ebnet_net web)
track_net "$N"
check "docker run c1" dk run -d --name dkb-c1 --network web "$DK_IMG" httpd -f -p 80 -h /var/www
check "docker run -p 8080:80 c2" \
	dk run -d --name dkb-c2 --network web -p 8080:80 "$DK_IMG" httpd -f -p 80 -h /var/www
IP2=$(dk_ip dkb-c2)

# ---- a container whose namespace the driver does not know ----
# (a driver of an earlier build, or one killed before Docker made the
# namespace): c1's cookie taken out of eb_netns, the hairpin from c1 fails;
# the restarted driver finds the namespace again (SandboxKey in its state).
ns_cookie() { nsenter --net="/proc/$(dk_pid "$1")/ns/net" python3 -c \
	'import socket; print(" ".join("%d" % b for b in socket.socket().getsockopt(socket.SOL_SOCKET, 71, 8)))'; }
hairpin() { dk exec dkb-c1 sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 198.51.100.1 8080" 2>&1; }
check_match "hairpin: c1 reaches c2's published port at the host's address" "$(hairpin)" "hello from $DK_IMG"
# shellcheck disable=SC2046
check "c1's namespace taken out of eb_netns" \
	in_host bpftool map delete pinned "$EB_PIN_ROOT/$N/eb_netns" key $(ns_cookie dkb-c1)
check_nomatch "...then the hairpin from c1 fails" "$(hairpin)" "hello from"

# ---- SIGKILL during traffic ----
dk exec dkb-c1 ping -c 40 -i 0.2 -W 1 "$IP2" >"$T/ping.out" 2>&1 &
PING=$!
in_out curl -s -m 60 --limit-rate 150k -o "$T/big" http://198.51.100.1:8080/big &
CURL=$!
sleep 2
DEAD=$DK_DRIVER
dk_driver_kill KILL
check_fails "the driver is gone (SIGKILL)" kill -0 "$DEAD"
sleep 2
dk_driver_start
check "the driver starts again" kill -0 "$DK_DRIVER"
check "the restarted driver lists c1's namespace again" wait_until 5 sh -c \
	"grep -q ' in namespace ' '$DKR/driver.log' && nsenter --net=/run/netns/$HOST bpftool map lookup pinned '$EB_PIN_ROOT/$N/eb_netns' key $(ns_cookie dkb-c1)"
check_match "...and the hairpin from c1 works again" "$(hairpin)" "hello from $DK_IMG"
wait "$PING"
check_match "a ping across the kill lost nothing" "$(cat "$T/ping.out")" \
	"40 packets transmitted, 40 (packets )?received, 0% packet loss"
wait "$CURL"
check_eq "a download through the published port across the kill is whole" \
	"$(sha256sum <"$T/big" | cut -d' ' -f1)" "$(cat "$DKR/big.sha256")"

# ---- the restarted driver serves what was made before it ----
check "docker run c3 on the same network, after the restart" \
	dk run -d --name dkb-c3 --network web "$DK_IMG" httpd -f -p 80 -h /var/www
check "c3 pings c1 by name" dk exec dkb-c3 ping -c1 -W2 dkb-c1
check_match "c1 (made before the restart) fetches from c3" \
	"$(dk exec dkb-c1 wget -qO- http://dkb-c3/ 2>&1)" "hello from $DK_IMG"
check "docker rm -f c2 (its port published by the driver before)" dk rm -f dkb-c2
check_eq "its published port went with it" \
	"$(eb ports --net "$N" --json | jq '.ports | length')" 0
check_fails "8080 closed from outside" in_out curl -s -m 2 http://198.51.100.1:8080/

# ---- a container that went while the driver was down ----
EP3=$(dk inspect -f '{{range .NetworkSettings.Networks}}{{.EndpointID}}{{end}}' dkb-c3)
HD3=$(jq -r .host_dev "$DKR/state/docker/endpoints/$EP3.json")
dk_driver_kill KILL
# (as if its namespace had gone: the pair goes with it)
check "c3's host end removed behind Docker's back" in_host ip link del "$HD3"
dk_driver_start
check "the driver starts again" kill -0 "$DK_DRIVER"
check_eq "the next driver drops the endpoint whose device is gone" \
	"$(ls "$DKR/state/docker/endpoints/$EP3.json" 2>/dev/null)" ""
check_nomatch "ebnet ls: c3's record gone" "$(eb ls --net "$N")" "$(dk_ip dkb-c3) "
check "docker rm -f c3 (Leave for an endpoint the driver dropped)" dk rm -f dkb-c3

# ---- a reboot: the pins are gone, dockerd sends no CreateNetwork ----
check "docker rm -f c1" dk rm -f dkb-c1
dk_driver_kill KILL
check "the pins go (as at a reboot)" eb down --net "$N"
dk_driver_start
check "the driver starts" kill -0 "$DK_DRIVER"
check_match "the driver made the network again, with its options" \
	"$(eb ls --net "$N" 2>&1)" "nat ports 20000-20999"
check_match "... and said so" "$(cat "$DKR/driver.log")" "network $N .* making it again"
check "docker run c4 after the reboot" \
	dk run -d --name dkb-c4 --network web "$DK_IMG" httpd -f -p 80 -h /var/www
check "c4 pings the gateway" dk exec dkb-c4 ping -c1 -W2 10.79.0.1
out_server 8080
check_match "c4 reaches the outside through SNAT" \
	"$(dk exec dkb-c4 sh -c 'for i in 1 2 3; do r=$( (echo; sleep 1) | nc -w 3 203.0.113.2 8080); [ -n "$r" ] && break; done; echo "$r"' 2>&1)" \
	"from 198\.51\.100\.1$"
check_eq "no iptables rule in the host (Docker's DNS keeps its own in the containers)" \
	"$(in_host iptables-save 2>/dev/null | grep -cE '^-A')" 0
check "docker rm -f c4" dk rm -f dkb-c4
check "docker network rm web" dk network rm web
check_eq "nothing left: pins" "$(ls -d "$EB_PIN_ROOT/$N" 2>/dev/null)" ""
check_eq "nothing left: state files" "$(find "$DKR/state" -type f)" ""
finish
