#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# docker_basic: a real dockerd (20.10, Debian's docker.io) with
# `ebnet docker-plugin` as its network driver: `docker network create -d
# ebnet`, containers that reach each other by address and by name (Docker's
# DNS), the outside through SNAT, `docker run -p` from outside (the client's
# address seen), from the host and from 127.0.0.1, udp, a host address;
# `docker rm -f` and `docker network rm` leave nothing; bad -o options are
# refused with a message and change nothing.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/docker_lib.sh"
sandbox dka
dk_setup || finish

state_files() { find "$DKR/state" -type f | sort; }

# ---- bad options: refused, with the reason, nothing made ----
# (named, so that a pin folder it would leave can be looked for)
bad() {
	local want=$1 out
	shift
	out=$(dk network create -d ebnet -o ebnet.net=dkabad "$@" dka-bad 2>&1)
	check_match "refused: network create $* says '$want'" "$out" "$want"
	check_eq "refused: network create $*: no Docker network" \
		"$(dk network ls -q -f name=dka-bad)" ""
}
bad "unknown option 'ebnet.bogus'.*ebnet.uplink|unknown option 'ebnet.bogus'.*uplink" \
	--subnet 10.78.0.0/16 -o ebnet.bogus=1
bad "unknown option 'colour'" --subnet 10.78.0.0/16 -o colour=blue
bad "ebnet.xdp=fast: invalid xdp 'fast': want auto, native or off" \
	--subnet 10.78.0.0/16 -o ebnet.xdp=fast
bad "ebnet.snat_ip=1.2.3: invalid snat-ip" --subnet 10.78.0.0/16 -o ebnet.snat_ip=1.2.3
bad "uplink 'nosuch0' does not exist" --subnet 10.78.0.0/16 -o ebnet.uplink=nosuch0
bad "first address of its subnet, 10.78.0.1: give --gateway 10.78.0.1" \
	--subnet 10.78.0.0/16 --gateway 10.78.0.9
# (IPv6 comes from Docker's --ipv6, not an option: tests/e2e/docker_ipv6.sh.)
bad "option 'ebnet.ipv6': give IPv6 to Docker" --subnet 10.78.0.0/16 -o ebnet.ipv6=true
check_eq "refused networks: no pin folder made" "$(ls -d "$EB_PIN_ROOT/dkabad" 2>/dev/null)" ""
check_eq "refused networks: no state file" "$(state_files)" ""

# ---- a network, two containers ----
check "docker network create -d ebnet --subnet 10.77.0.0/16 -o ebnet.uplink=up0 web" \
	dk network create -d ebnet --subnet 10.77.0.0/16 -o ebnet.uplink=up0 web
N=$(dk_ebnet_net web)
track_net "$N"
check_match "the Docker network is ebnet network '$N'" "$(eb ls --net "$N" 2>&1)" \
	"network $N +subnet 10.77.0.0/16 +gateway 10.77.0.1 +uplink up0"
check "docker run -d --network web (c1)" \
	dk run -d --name dka-c1 --network web "$DK_IMG" httpd -f -p 80 -h /var/www
check "docker run -d --network web (c2)" \
	dk run -d --name dka-c2 --network web "$DK_IMG" httpd -f -p 80 -h /var/www
IP1=$(dk_ip dka-c1)
IP2=$(dk_ip dka-c2)
check_match "c1 has an address of the subnet" "$IP1" '^10\.77\.0\.[0-9]+$'
check_match "ebnet ls lists both endpoints" "$(eb ls --net "$N")" "$IP1 .* ready(.|$)"
check_match "ebnet ls lists both endpoints (c2)" "$(eb ls --net "$N")" "$IP2 .* ready"
check_match "c1's eth0 is ebnet's port: default route via 10.77.0.1" \
	"$(dk exec dka-c1 ip route)" "default via 10.77.0.1 dev eth0"
check_eq "no docker_gwbridge, no eth1 in the container" \
	"$(dk exec dka-c1 ip -o link show | grep -c 'eth1')" 0
check_eq "no bridge device in the host" "$(in_host ip -o link show type bridge)" ""
check "c1 pings the gateway" dk exec dka-c1 ping -c1 -W2 10.77.0.1
check "c1 pings c2 by address" dk exec dka-c1 ping -c1 -W2 "$IP2"
check "c1 pings c2 by name (Docker's DNS)" dk exec dka-c1 ping -c1 -W2 dka-c2
check_match "c2 fetches a page from c1 by name" \
	"$(dk exec dka-c2 wget -qO- http://dka-c1/ 2>&1)" "hello from $DK_IMG"

# ---- SNAT to the outside ----
out_server 8080
check_match "c1 reaches the outside; the server sees the uplink's address" \
	"$(dk exec dka-c1 sh -c 'for i in 1 2 3; do r=$( (echo; sleep 1) | nc -w 3 203.0.113.2 8080); [ -n "$r" ] && break; done; echo "$r"' 2>&1)" \
	"from 198\.51\.100\.1$"

# ---- published ports ----
check "docker run -p 8080:80 -p 127.0.0.1:8081:80 -p [::1]:8082:80 -p 5353:53/udp -p 9000-9001:9000-9001" \
	dk run -d --name dka-web --network web -p 8080:80 -p 127.0.0.1:8081:80 -p '[::1]:8082:80' \
	-p 5353:53/udp -p 9000-9001:9000-9001 "$DK_IMG" httpd -f -p 80 -h /var/www
WEB=$(dk_ip dka-web)
ports() {
	eb ports --net "$N" --json |
		jq -r '.ports[] | "\(.host_ip):\(.host_port)/\(.proto) -> \(.container_ip):\(.container_port)"'
}
PORTS=$(ports)
check_match "ebnet ports: 8080/tcp -> web:80" "$PORTS" "^0\.0\.0\.0:8080/tcp -> $WEB:80$"
check_match "ebnet ports: 127.0.0.1:8081" "$PORTS" "^127\.0\.0\.1:8081/tcp -> $WEB:80$"
check_match "ebnet ports: 5353/udp" "$PORTS" "^0\.0\.0\.0:5353/udp -> $WEB:53$"
check_match "ebnet ports: 9001/tcp of the range" "$PORTS" "^0\.0\.0\.0:9001/tcp -> $WEB:9001$"
check_match "from outside: 198.51.100.1:8080 answers, with the client's address kept" \
	"$(in_out curl -s -m 5 http://198.51.100.1:8080/cgi-bin/ip)" "^(\[::ffff:)?203\.0\.113\.2\]?$"
check_match "from the host at its address" \
	"$(in_host curl -s -m 5 http://198.51.100.1:8080/)" "hello from $DK_IMG"
check_match "from the host at 127.0.0.1" \
	"$(in_host curl -s -m 5 http://127.0.0.1:8080/)" "hello from $DK_IMG"
check_match "127.0.0.1:8081 from the host" \
	"$(in_host curl -s -m 5 http://127.0.0.1:8081/)" "hello from $DK_IMG"
check_fails "127.0.0.1:8081 is not reachable from outside" \
	in_out curl -s -m 2 http://198.51.100.1:8081/
check_match "ebnet ports: [::1]:8082 (an IPv6 host address, the container over IPv4)" "$PORTS" \
	"^::1:8082/tcp -> $WEB:80$"
check_match "[::1]:8082 from the host" \
	"$(in_host curl -g -6 -s -m 5 'http://[::1]:8082/')" "hello from $DK_IMG"
# Hairpin: a container of the network at the host's address. Docker moves
# the peer into the sandbox after Join; the driver names SandboxKey then,
# so the cgroup programs know the container's namespace. That happens in
# the driver's own time (under the machine-wide lock, which a loaded
# machine makes wait): the check waits for the driver to say so first.
for c in dka-c1 dka-web; do
	EPID=$(dk inspect -f '{{range .NetworkSettings.Networks}}{{.EndpointID}}{{end}}' "$c" | cut -c1-12)
	check "the driver found $c's namespace (endpoint $EPID)" \
		wait_until 30 grep -q "endpoint $EPID: in namespace" "$DKR/driver.log"
done
check_match "hairpin: dka-c1 reaches 198.51.100.1:8080 (the published port at the host's address)" \
	"$(dk exec dka-c1 sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 198.51.100.1 8080" 2>&1)" "hello from $DK_IMG"
check_match "hairpin: dka-web reaches its own published port at the host's address" \
	"$(dk exec dka-web sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 198.51.100.1 8080" 2>&1)" "hello from $DK_IMG"
# A udp server in the container's namespace (busybox has none).
WPID=$(dk_pid dka-web)
nsenter --net="/proc/$WPID/ns/net" timeout 60 socat UDP-RECVFROM:53,fork \
	SYSTEM:'echo udp from $SOCAT_PEERADDR' >/dev/null 2>&1 &
bg_pid $!
wait_until 5 sh -c "nsenter --net=/proc/$WPID/ns/net ss -Hlun | grep -q ':53 '"
udp_ask() { echo hi | in_out socat -t 2 - UDP:198.51.100.1:5353 2>/dev/null; }
for i in 1 2 3; do # (a datagram may be lost; the server forks per datagram)
	UDP=$(udp_ask)
	[ -n "$UDP" ] && break
done
check_match "udp 5353 from outside reaches the container's :53, client address kept" \
	"$UDP" "udp from 203\.0\.113\.2"
check_eq "no process listens on the published ports in the host (no docker-proxy)" \
	"$(in_host ss -Htlnu | grep -cE ':(8080|8081|8082|5353) ')" 0
check_eq "no iptables or nftables rule in the host" \
	"$(in_host iptables-save 2>/dev/null | grep -cE '^-A'; in_host nft list ruleset 2>/dev/null | grep -c .)" \
	"$(printf '0\n0')"

# ---- docker rm -f: the endpoint goes whole ----
HD=$(jq -r .host_dev "$DKR"/state/docker/endpoints/*.json | sort | tr '\n' ' ')
check "docker rm -f web" dk rm -f dka-web
check_eq "ebnet ports: empty after rm" "$(ports)" ""
check_nomatch "ebnet ls: the endpoint is gone" "$(eb ls --net "$N")" "$WEB "
check_fails "from outside: 8080 closed" in_out curl -s -m 2 http://198.51.100.1:8080/
check_eq "two endpoint state files left (c1, c2)" "$(ls "$DKR/state/docker/endpoints" | wc -l)" 2

# ---- the MTU: Docker's own option, or ebnet.mtu ----
check "docker network create -o com.docker.network.driver.mtu=1400" \
	dk network create -d ebnet --subnet 10.78.0.0/16 -o ebnet.uplink=up0 \
	-o com.docker.network.driver.mtu=1400 dka-mtu
check_match "a container of it has MTU 1400" \
	"$(dk run --rm --network dka-mtu "$DK_IMG" ip -o link show eth0 2>&1)" " mtu 1400 "
check "docker network rm dka-mtu" dk network rm dka-mtu

# ---- docker network rm: nothing left ----
check "docker rm -f c1 c2" dk rm -f dka-c1 dka-c2
check "docker network rm web" dk network rm web
check_eq "no pin folder of the network" "$(ls -d "$EB_PIN_ROOT/$N" 2>/dev/null)" ""
check_eq "no state file left" "$(state_files)" ""
left=
for d in $HD; do in_host ip link show dev "$d" >/dev/null 2>&1 && left="$left $d"; done
check_eq "no host-side device left" "$left" ""
check_eq "no device in the host but lo and up0" \
	"$(in_host ip -o link show | awk -F': ' '{sub(/@.*/, "", $2); print $2}' | sort | tr '\n' ' ')" "lo up0 "
check_eq "no route to the subnet left" "$(in_host ip route show | grep -c '^10\.77\.')" 0
finish
