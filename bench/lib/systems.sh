# SPDX-License-Identifier: GPL-2.0
# bench/lib/systems.sh: the systems under test (sourced by run.sh).
#
# A system is a pair of functions, sys_up_NAME and sys_down_NAME (a - in
# NAME becomes _). sys_up builds the system in namespaces of its own and
# fills, for the workloads:
#   CLI_NS[NAME]  namespace of the client container
#   SRV_NS[NAME]  namespace of the server container
#   SRV_IP[NAME]  the server container's address
#   HOST_NS[NAME] namespace that plays the host (empty for the floor)
#   OUT_NS[NAME]  namespace that plays the outside world, behind the host's
#                 uplink (for published ports and SNAT, once measured)
# and returns non-zero when it cannot be built (SKIP_RC: not built yet).
# Every system uses the same addresses, MTU (1500) and the kernel's default
# offloads, so that only the datapath differs:
#   containers 10.88.0.2 (client) and 10.88.0.3 (server) in 10.88.0.0/24,
#   gateway 10.88.0.1; uplink host 203.0.113.1/24, outside 203.0.113.2/24.
#
# To add a system: write sys_up_X/sys_down_X, add X to DP_SYSTEMS or
# PUB_SYSTEMS in run.sh, and, if it publishes ports, sys_publish_X.

declare -A CLI_NS SRV_NS SRV_IP HOST_NS OUT_NS SYS_BROKEN SYS_DESC
SYS_DESC=(
	[veth]="bare veth pair between two namespaces: the floor"
	[iptables]="bridge br0 + ip_forward + br_netfilter + Docker's iptables rules (MASQUERADE, DNAT chain)"
	[nft]="bridge br0 + ip_forward + br_netfilter + one nftables table (masquerade, DNAT map)"
	[docker-proxy]="the classic recipe with Docker's userland proxy for published ports"
	[ebnet]="ebnet, TC programs only (attach: ${EBNET_ATTACH:-default})"
	[ebnet-xdp]="ebnet with XDP on the uplink"
	[ip-script]="a shell script of ip commands and a bridge (control plane)"
	[ebnet-clsact]="ebnet up/down with --attach clsact (control plane)"
)

SUB=10.88.0
PLEN=24
GW=$SUB.1
C1_IP=$SUB.2
C2_IP=$SUB.3
UP_HOST=203.0.113.1
UP_OUT=203.0.113.2
MTU=1500

# ---- pieces shared by the systems ----

# A namespace that plays the host, with an uplink veth (up0) to a namespace
# that plays the outside world (its end is eth0) and a default route there.
mk_host() {
	local h=$1 o=$2
	ns_add "$h" && ns_add "$o" || return 1
	ip -n "$h" link add up0 mtu $MTU type veth peer name eth0 netns "$o" || return 1
	ip -n "$h" addr add $UP_HOST/24 dev up0 &&
		ip -n "$o" addr add $UP_OUT/24 dev eth0 &&
		ip -n "$h" link set up0 up &&
		ip -n "$o" link set eth0 up &&
		ip -n "$h" route add default via $UP_OUT
}

# Container CNS behind the bridge br0 of host H: veth HOSTDEV <-> eth0.
mk_bridged_ctr() {
	local h=$1 c=$2 hdev=$3 ip=$4
	ns_add "$c" || return 1
	ip -n "$h" link add "$hdev" mtu $MTU type veth peer name eth0 netns "$c" &&
		ip -n "$h" link set "$hdev" master br0 &&
		ip -n "$h" link set "$hdev" up &&
		ip -n "$c" addr add "$ip/$PLEN" dev eth0 &&
		ip -n "$c" link set eth0 up &&
		ip -n "$c" route add default via $GW
}

# Host H with br0 (the gateway address), IPv4 forwarding and br_netfilter
# on, and the two containers. The sysctls are set inside H only: they are
# per namespace (br_netfilter's too on this kernel).
mk_bridge_host() {
	local s=$1 h=$2 o=$3 v
	mk_host "$h" "$o" || return 1
	ip -n "$h" link add br0 mtu $MTU type bridge &&
		ip -n "$h" addr add $GW/$PLEN dev br0 &&
		ip -n "$h" link set br0 up || return 1
	in_ns "$h" sysctl -qw net.ipv4.ip_forward=1 || return 1
	# br_netfilter: bridged IPv4 goes through the iptables/nft hooks, as
	# Docker requires it. Built in on this kernel; per namespace.
	if [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]; then
		in_ns "$h" sysctl -qw net.bridge.bridge-nf-call-iptables=1 || return 1
	else
		warn "$s: no br_netfilter (net.bridge.bridge-nf-call-iptables): bridged traffic skips the firewall"
	fi
	v=$(in_ns "$h" cat /proc/sys/net/ipv4/ip_forward)
	[ "$v" = 1 ] || {
		log "ip_forward did not stick in $h"
		return 1
	}
	mk_bridged_ctr "$h" "$P-$s-c1" veth-c1 $C1_IP &&
		mk_bridged_ctr "$h" "$P-$s-c2" veth-c2 $C2_IP || return 1
	CLI_NS[$s]=$P-$s-c1
	SRV_NS[$s]=$P-$s-c2
	SRV_IP[$s]=$C2_IP
	HOST_NS[$s]=$h
	OUT_NS[$s]=$o
}

down_by_prefix() {
	local ns rc=0
	for ns in /run/netns/"$P-$1"-*; do
		[ -e "$ns" ] || continue
		ip netns del "${ns##*/}" || rc=1
	done
	return $rc
}

# ---- 1. the floor: a veth pair, no forwarding at all ----

sys_up_veth() {
	local a=$P-veth-c1 b=$P-veth-c2
	ns_add $a && ns_add $b || return 1
	ip -n $a link add eth0 mtu $MTU type veth peer name eth0 netns $b &&
		ip -n $a addr add $C1_IP/$PLEN dev eth0 &&
		ip -n $b addr add $C2_IP/$PLEN dev eth0 &&
		ip -n $a link set eth0 up &&
		ip -n $b link set eth0 up || return 1
	CLI_NS[veth]=$a
	SRV_NS[veth]=$b
	SRV_IP[veth]=$C2_IP
	HOST_NS[veth]=
	OUT_NS[veth]=
}
sys_down_veth() { down_by_prefix veth; }

# ---- 2. the classic recipe: bridge + iptables, Docker's rule set ----

# Docker's rules for its default bridge (docker0 -> br0), as `iptables-save`
# shows them on a Docker host, so that every forwarded packet walks the same
# chains as there.
ipt_rules() {
	cat <<EOF
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:DOCKER - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
-A POSTROUTING -s $SUB.0/$PLEN ! -o br0 -j MASQUERADE
-A DOCKER -i br0 -j RETURN
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER - [0:0]
:DOCKER-ISOLATION-STAGE-1 - [0:0]
:DOCKER-ISOLATION-STAGE-2 - [0:0]
:DOCKER-USER - [0:0]
-A FORWARD -j DOCKER-USER
-A FORWARD -j DOCKER-ISOLATION-STAGE-1
-A FORWARD -o br0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -o br0 -j DOCKER
-A FORWARD -i br0 ! -o br0 -j ACCEPT
-A FORWARD -i br0 -o br0 -j ACCEPT
-A DOCKER-ISOLATION-STAGE-1 -i br0 ! -o br0 -j DOCKER-ISOLATION-STAGE-2
-A DOCKER-ISOLATION-STAGE-1 -j RETURN
-A DOCKER-ISOLATION-STAGE-2 -o br0 -j DROP
-A DOCKER-ISOLATION-STAGE-2 -j RETURN
-A DOCKER-USER -j RETURN
COMMIT
EOF
}

sys_up_iptables() {
	mk_bridge_host iptables "$P-iptables-h" "$P-iptables-o" || return 1
	ipt_rules | in_ns "$P-iptables-h" iptables-restore
}
sys_down_iptables() { down_by_prefix iptables; }

# Publishes HOSTPORT/tcp of the host to CTRIP:CTRPORT the way Docker does.
# (For the published-port workloads, not measured yet.)
sys_publish_iptables() {
	local hp=$1 cip=$2 cp=$3 h=${HOST_NS[iptables]}
	in_ns "$h" iptables -t nat -A DOCKER ! -i br0 -p tcp --dport "$hp" \
		-j DNAT --to-destination "$cip:$cp" &&
		in_ns "$h" iptables -A DOCKER -d "$cip/32" ! -i br0 -o br0 -p tcp --dport "$cp" -j ACCEPT &&
		in_ns "$h" iptables -t nat -A POSTROUTING -s "$cip/32" -d "$cip/32" -p tcp --dport "$cp" \
			-j MASQUERADE
}

# ---- 3. the same with nftables: one table, DNAT through a map ----

nft_rules() {
	cat <<EOF
table ip bn {
	map pub_tcp {
		type inet_service : ipv4_addr . inet_service
	}
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		fib daddr type local dnat ip to tcp dport map @pub_tcp
	}
	chain output {
		type nat hook output priority -100; policy accept;
		ip daddr != 127.0.0.0/8 fib daddr type local dnat ip to tcp dport map @pub_tcp
	}
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr $SUB.0/$PLEN oifname != "br0" masquerade
		ct status dnat ip saddr $SUB.0/$PLEN oifname "br0" masquerade
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state established,related accept
		iifname "br0" accept
		oifname "br0" ct status dnat accept
	}
}
EOF
}

sys_up_nft() {
	mk_bridge_host nft "$P-nft-h" "$P-nft-o" || return 1
	nft_rules | in_ns "$P-nft-h" nft -f -
}
sys_down_nft() { down_by_prefix nft; }

sys_publish_nft() {
	local hp=$1 cip=$2 cp=$3
	in_ns "${HOST_NS[nft]}" nft add element ip bn pub_tcp "{ $hp : $cip . $cp }"
}

# ---- 4. docker-proxy (published ports only; not built yet) ----

sys_up_docker_proxy() { skip "docker-proxy: the published-port workloads are not built yet"; }
sys_down_docker_proxy() { :; }

# ---- 5. ebnet ----

ebnet_net() { printf '%s-%s' "$P" "${1//-/}"; }

sys_up_ebnet() {
	local s=ebnet h=$P-ebnet-h o=$P-ebnet-o net attach=()
	net=$(ebnet_net $s)
	[ -n "${EBNET_ATTACH:-}" ] && attach=(--attach "$EBNET_ATTACH")
	mk_host "$h" "$o" || return 1
	ebnet_register "$net" "$h"
	in_ns "$h" "$EBNET" up --net "$net" --subnet $SUB.0/$PLEN --uplink up0 "${attach[@]}" \
		"$P-$s-c1=$C1_IP" "$P-$s-c2=$C2_IP" || return 1
	CLI_NS[$s]=$P-$s-c1
	SRV_NS[$s]=$P-$s-c2
	SRV_IP[$s]=$C2_IP
	HOST_NS[$s]=$h
	OUT_NS[$s]=$o
}
sys_down_ebnet() {
	ebnet_down_in "$(ebnet_net ebnet)" "$P-ebnet-h" || return 1
	down_by_prefix ebnet
}

# The hook for `ebnet publish` (not in ebnet yet).
sys_publish_ebnet() {
	local hp=$1 cip=$2 cp=$3
	"$EBNET" help publish >/dev/null 2>&1 || skip "ebnet has no 'publish' command yet"
	in_ns "${HOST_NS[ebnet]}" "$EBNET" publish --net "$(ebnet_net ebnet)" "$hp:$cip:$cp"
}

sys_up_ebnet_xdp() { skip "ebnet-xdp: XDP on the uplink is not built yet"; }
sys_down_ebnet_xdp() { :; }

# ---- facts about a built system, for the JSON: MTU and offloads ----

# Prints "dev mtu=N tso=on gso=on ..." for eth0 of the client and server
# and for every device of the host namespace.
sys_links() {
	local s=$1 ns dev
	for ns in "${CLI_NS[$s]}" "${SRV_NS[$s]}" "${HOST_NS[$s]:-}"; do
		[ -n "$ns" ] || continue
		for dev in $(in_ns "$ns" ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'); do
			[ "$dev" = lo ] && continue
			# Not /sys/class/net: under nsenter --net it shows the machine's devices.
			printf '%s/%s mtu=%s %s\n' "${ns#"$P"-}" "$dev" \
				"$(in_ns "$ns" ip -o link show dev "$dev" | sed -n 's/.* mtu \([0-9]*\).*/\1/p')" \
				"$(in_ns "$ns" ethtool -k "$dev" 2>/dev/null | awk -F': ' '
					/^(tcp-segmentation-offload|generic-segmentation-offload|generic-receive-offload|tx-checksumming|rx-checksumming|scatter-gather):/ {
						split($2, v, " "); printf "%s=%s ", $1, v[1] }')"
		done
	done
}
