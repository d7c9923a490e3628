# SPDX-License-Identifier: GPL-2.0
# bench/lib/systems.sh: the systems under test (sourced by run.sh).
#
# A system is a pair of functions, sys_up_NAME and sys_down_NAME (a - in
# NAME becomes _). sys_up builds the system in namespaces of its own and
# fills, for the workloads:
#   CLI_NS[NAME]  namespace of the client container
#   SRV_NS[NAME]  namespace of the server container
#   SRV_IP[NAME]  the server container's address
#   SRV_IP6[NAME] its IPv6 address, where the system carries IPv6 (the *6
#                 workloads skip a system without it)
#   HOST_NS[NAME] namespace that plays the host (empty for the floor)
#   OUT_NS[NAME]  namespace that plays the outside world, behind the host's
#                 uplink (for published ports and SNAT, once measured)
#   PUB6[NAME]    1 when its published ports answer IPv6 clients at the
#                 host's IPv6 address $UP_HOST6 (the pub_*6 workloads skip
#                 a system without)
# and returns non-zero when it cannot be built (SKIP_RC: not built yet).
# Every system uses the same addresses, MTU (1500) and the kernel's default
# offloads, so that only the datapath differs:
#   containers 10.88.0.2 (client) and 10.88.0.3 (server) in 10.88.0.0/24,
#   gateway 10.88.0.1; uplink host 203.0.113.1/24, outside 203.0.113.2/24;
#   IPv6 (where the system has it) fd00:88::2 and fd00:88::3 in
#   fd00:88::/64, gateway fd00:88::1, as ebnet derives them; uplink host
#   2001:db8:88::1/64, outside 2001:db8:88::2/64.
#
# To add a system: write sys_up_X/sys_down_X, add X to DP_SYSTEMS or
# PUB_SYSTEMS in run.sh, and, if it publishes ports, sys_publish_X.

declare -A CLI_NS SRV_NS SRV_IP SRV_IP6 HOST_NS OUT_NS PUB6 SYS_BROKEN SYS_DESC
SYS_DESC=(
	[veth]="bare veth pair between two namespaces: the floor"
	[iptables]="bridge br0 + ip_forward + br_netfilter + Docker's iptables rules (MASQUERADE, DNAT chain), and its ip6tables rules for IPv6 (Docker 27 --ipv6)"
	[nft]="bridge br0 + ip_forward + br_netfilter + one nftables table (masquerade, DNAT map)"
	[docker-proxy]="the classic recipe with Docker's userland proxy for published ports"
	[ebnet]="ebnet, TC programs only (attach: ${EBNET_ATTACH:-default})"
	[ebnet-xdp]="ebnet with XDP on the uplink (--xdp native)"
	[ebnet-base]="ebnet, TC programs only, another build (EBNET_BASE): the A/B of a change"
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
UP_HOST6=2001:db8:88::1
UP_OUT6=2001:db8:88::2
MTU=1500
SUB6=fd00:88:
GW6=$SUB6:1
C1_IP6=$SUB6:2
C2_IP6=$SUB6:3

# ---- pieces shared by the systems ----

# A namespace that plays the host, with an uplink veth (up0) to a namespace
# that plays the outside world (its end is eth0) and a default route there.
mk_host() {
	local h=$1 o=$2
	ns_add "$h" && ns_add "$o" || return 1
	ip -n "$h" link add up0 mtu $MTU type veth peer name eth0 netns "$o" || return 1
	ip -n "$h" addr add $UP_HOST/24 dev up0 &&
		ip -n "$o" addr add $UP_OUT/24 dev eth0 &&
		ip -n "$h" addr add $UP_HOST6/64 dev up0 nodad &&
		ip -n "$o" addr add $UP_OUT6/64 dev eth0 nodad &&
		ip -n "$h" link set up0 up &&
		ip -n "$o" link set eth0 up &&
		ip -n "$h" route add default via $UP_OUT &&
		ip -n "$h" -6 route add default via $UP_OUT6
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
		ip -n "$c" route add default via $GW || return 1
	# IPv6 beside it (nodad: the address is usable at once).
	[ -z "${5:-}" ] && return 0
	ip -n "$c" addr add "$5/64" dev eth0 nodad &&
		ip -n "$c" -6 route add default via $GW6
}

# Host H with br0 (the gateway address), IPv4 forwarding and br_netfilter
# on, and the two containers. The sysctls are set inside H only: they are
# per namespace (br_netfilter's too on this kernel).
mk_bridge_host() {
	local s=$1 h=$2 o=$3 v
	mk_host "$h" "$o" || return 1
	ip -n "$h" link add br0 mtu $MTU type bridge &&
		ip -n "$h" addr add $GW/$PLEN dev br0 &&
		ip -n "$h" addr add $GW6/64 dev br0 nodad &&
		ip -n "$h" link set br0 up || return 1
	in_ns "$h" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || return 1
	# br_netfilter: bridged IPv4 goes through the iptables/nft hooks, as
	# Docker requires it. Built in on this kernel; per namespace.
	if [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]; then
		in_ns "$h" sysctl -qw net.bridge.bridge-nf-call-iptables=1 \
			net.bridge.bridge-nf-call-ip6tables=1 || return 1
	else
		warn "$s: no br_netfilter (net.bridge.bridge-nf-call-iptables): bridged traffic skips the firewall"
	fi
	v=$(in_ns "$h" cat /proc/sys/net/ipv4/ip_forward)
	[ "$v" = 1 ] || {
		log "ip_forward did not stick in $h"
		return 1
	}
	mk_bridged_ctr "$h" "$P-$s-c1" veth-c1 $C1_IP $C1_IP6 &&
		mk_bridged_ctr "$h" "$P-$s-c2" veth-c2 $C2_IP $C2_IP6 || return 1
	CLI_NS[$s]=$P-$s-c1
	SRV_NS[$s]=$P-$s-c2
	SRV_IP[$s]=$C2_IP
	SRV_IP6[$s]=$C2_IP6
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
		ip -n $a addr add $C1_IP6/64 dev eth0 nodad &&
		ip -n $b addr add $C2_IP6/64 dev eth0 nodad &&
		ip -n $a link set eth0 up &&
		ip -n $b link set eth0 up || return 1
	CLI_NS[veth]=$a
	SRV_NS[veth]=$b
	SRV_IP[veth]=$C2_IP
	SRV_IP6[veth]=$C2_IP6
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

# Docker 27's ip6tables rules for a bridge network with --ipv6: the same
# chains as for IPv4, and NAT66 masquerade for the ULA subnet.
ip6t_rules() {
	ipt_rules | sed -e "s|-s $SUB.0/$PLEN|-s ${SUB6}:/64|" -e "s|! -d 127.0.0.0/8|! -d ::1/128|"
}

sys_up_iptables() {
	mk_bridge_host iptables "$P-iptables-h" "$P-iptables-o" || return 1
	ipt_rules | in_ns "$P-iptables-h" iptables-restore &&
		ip6t_rules | in_ns "$P-iptables-h" ip6tables-restore || return 1
	PUB6[iptables]=1
}
sys_down_iptables() { down_by_prefix iptables; }

# Published ports, for every system that has them:
#   sys_publish_X HOSTPORT CTRPORT         one more port of the host's
#                                          addresses to the server container
#   sys_publish_many_X FIRST COUNT CTRPORT  COUNT of them at once (FIRST...)
#   sys_pub_reset_X                        none published any more

# iptables: the three rules Docker adds for `-p HOSTPORT:CTRPORT`.
ipt_pub_rules() {
	local first=$1 count=$2 cp=$3 i
	echo '*nat'
	for ((i = first; i < first + count; i++)); do
		echo "-A DOCKER ! -i br0 -p tcp -m tcp --dport $i -j DNAT --to-destination $C2_IP:$cp"
		echo "-A POSTROUTING -s $C2_IP/32 -d $C2_IP/32 -p tcp -m tcp --dport $cp -j MASQUERADE"
	done
	echo COMMIT
	echo '*filter'
	for ((i = first; i < first + count; i++)); do
		echo "-A DOCKER -d $C2_IP/32 ! -i br0 -o br0 -p tcp -m tcp --dport $cp -j ACCEPT"
	done
	echo COMMIT
}
# One port: Docker 27 with --ipv6 writes the same three rules with
# ip6tables, to the container's IPv6 address.
sys_publish_iptables() {
	local hp=$1 cp=$2 h=${HOST_NS[iptables]}
	in_ns "$h" iptables -t nat -A DOCKER ! -i br0 -p tcp --dport "$hp" \
		-j DNAT --to-destination "$C2_IP:$cp" &&
		in_ns "$h" iptables -A DOCKER -d "$C2_IP/32" ! -i br0 -o br0 -p tcp --dport "$cp" -j ACCEPT &&
		in_ns "$h" iptables -t nat -A POSTROUTING -s "$C2_IP/32" -d "$C2_IP/32" -p tcp --dport "$cp" \
			-j MASQUERADE &&
		in_ns "$h" ip6tables -t nat -A DOCKER ! -i br0 -p tcp --dport "$hp" \
			-j DNAT --to-destination "[$C2_IP6]:$cp" &&
		in_ns "$h" ip6tables -A DOCKER -d "$C2_IP6/128" ! -i br0 -o br0 -p tcp --dport "$cp" \
			-j ACCEPT &&
		in_ns "$h" ip6tables -t nat -A POSTROUTING -s "$C2_IP6/128" -d "$C2_IP6/128" -p tcp \
			--dport "$cp" -j MASQUERADE
}
sys_publish_many_iptables() {
	[ "$2" -gt 0 ] || return 0
	ipt_pub_rules "$@" | in_ns "${HOST_NS[iptables]}" iptables-restore --noflush
}
sys_pub_reset_iptables() {
	ipt_rules | in_ns "${HOST_NS[iptables]}" iptables-restore &&
		ip6t_rules | in_ns "${HOST_NS[iptables]}" ip6tables-restore
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
	unset 'SRV_IP6[nft]' # its table is IPv4 only: IPv6 would pass unfiltered
	nft_rules | in_ns "$P-nft-h" nft -f -
}
sys_down_nft() { down_by_prefix nft; }

sys_publish_nft() {
	in_ns "${HOST_NS[nft]}" nft add element ip bn pub_tcp "{ $1 : $C2_IP . $2 }"
}
sys_publish_many_nft() {
	local first=$1 count=$2 cp=$3 i
	[ "$count" -gt 0 ] || return 0
	for ((i = first; i < first + count; i++)); do
		echo "add element ip bn pub_tcp { $i : $C2_IP . $cp }"
	done | in_ns "${HOST_NS[nft]}" nft -f -
}
sys_pub_reset_nft() { in_ns "${HOST_NS[nft]}" nft flush map ip bn pub_tcp; }

# ---- 4. docker-proxy: the classic recipe, published ports by the proxy ----
#
# Docker's userland proxy (the binary of Debian's docker.io, unpacked by
# run.sh) forwards each published port in user space: the path Docker takes
# for connections its DNAT rules do not catch (from the host itself,
# hairpin) and for all of them with iptables off. No DNAT rule here, so
# every connection goes through the proxy. One process per port, unpinned,
# as Docker runs it.

sys_up_docker_proxy() {
	command -v docker-proxy >/dev/null || {
		log "no docker-proxy (bench/deps.txt unpacks it from docker.io)"
		return 1
	}
	mk_bridge_host docker-proxy "$P-docker-proxy-h" "$P-docker-proxy-o" || return 1
	ipt_rules | in_ns "$P-docker-proxy-h" iptables-restore &&
		ip6t_rules | in_ns "$P-docker-proxy-h" ip6tables-restore
}
sys_down_docker_proxy() {
	sys_pub_reset_docker_proxy
	down_by_prefix docker-proxy
}
sys_publish_docker_proxy() {
	local hp=$1 cp=$2 h=${HOST_NS[docker-proxy]}
	# fd 3: the proxy reports "0" there when it listens (and closes fd 3,
	# which must not be its own socket).
	nsenter --net="$(ns_path "$h")" docker-proxy -proto tcp -host-ip 0.0.0.0 -host-port "$hp" \
		-container-ip "$C2_IP" -container-port "$cp" \
		3>"$WORK/docker-proxy.$hp.ready" >"$WORK/logs/docker-proxy-$hp.log" 2>&1 &
	echo "$! docker-proxy" >>"$WORK/pids"
	echo "$!" >>"$WORK/docker-proxy.pids"
	wait_listen "$h" tcp "$hp"
}
sys_pub_reset_docker_proxy() {
	local pid
	[ -s "$WORK/docker-proxy.pids" ] || return 0
	while read -r pid; do
		kill "$pid" 2>/dev/null
	done <"$WORK/docker-proxy.pids"
	: >"$WORK/docker-proxy.pids"
}

# ---- 5. ebnet ----

ebnet_net() { printf '%s-%s' "$P" "${1//-/}"; }

# ebnet_up SYSTEM ARGS...: ebnet's host, outside and two containers, ARGS
# added to `ebnet up` (ebnet-xdp: --xdp native).
ebnet_up() {
	local s=$1 h=$P-$1-h o=$P-$1-o net attach=() v6=()
	shift
	net=$(ebnet_net "$s")
	# IPv6 beside IPv4 (an older build, measured for a comparison, may have none).
	"$EBNET" help up 2>&1 | grep -q -- --ipv6 && v6=(--ipv6 --subnet6 "${SUB6}:/64")
	[ -n "${EBNET_ATTACH:-}" ] && attach=(--attach "$EBNET_ATTACH")
	mk_host "$h" "$o" || return 1
	ebnet_register "$net" "$h"
	# shellcheck disable=SC2086 # EBNET_UP_ARGS: options, split on spaces
	in_ns "$h" "$EBNET" up --net "$net" --subnet $SUB.0/$PLEN --uplink up0 "${attach[@]}" "$@" \
		${EBNET_UP_ARGS:-} \
		"${v6[@]}" "$P-$s-c1=$C1_IP" "$P-$s-c2=$C2_IP" || return 1
	CLI_NS[$s]=$P-$s-c1
	SRV_NS[$s]=$P-$s-c2
	SRV_IP[$s]=$C2_IP
	if [ ${#v6[@]} -gt 0 ]; then SRV_IP6[$s]=$C2_IP6; fi
	# A plain publish answers IPv6 clients from outside too, in builds
	# that have the dnat6_new counter (2026-12-03 on).
	if [ ${#v6[@]} -gt 0 ] && grep -aq dnat6_new "$EBNET"; then PUB6[$s]=1; fi
	HOST_NS[$s]=$h
	OUT_NS[$s]=$o
}
ebnet_down() {
	ebnet_down_in "$(ebnet_net "$1")" "$P-$1-h" || return 1
	down_by_prefix "$1"
}

ebnet_has() { "$EBNET" help "$1" >/dev/null 2>&1; }
ebnet_publish() {
	local s=$1
	ebnet_has publish || {
		skip "ebnet has no 'publish' command yet"
		return
	}
	in_ns "${HOST_NS[$s]}" "$EBNET" publish --net "$(ebnet_net "$s")" "$2:${SRV_NS[$s]}:$3"
}
ebnet_publish_many() {
	local s=$1 first=$2 count=$3 cp=$4 i args=()
	ebnet_has publish || {
		skip "ebnet has no 'publish' command yet"
		return
	}
	for ((i = first; i < first + count; i++)); do
		args+=("$i:${SRV_NS[$s]}:$cp")
		if [ ${#args[@]} -ge 1000 ] || [ $i -eq $((first + count - 1)) ]; then
			in_ns "${HOST_NS[$s]}" "$EBNET" publish --net "$(ebnet_net "$s")" "${args[@]}" ||
				return 1
			args=()
		fi
	done
}
ebnet_pub_reset() {
	local s=$1 ports
	ebnet_has publish || {
		skip "ebnet has no 'publish' command yet"
		return
	}
	ports=$(in_ns "${HOST_NS[$s]}" "$EBNET" ports --net "$(ebnet_net "$s")" --json |
		$PY -c 'import json, sys
# contiguous runs of ports as ranges: one unpublish each
ps = sorted((p.get("proto", "tcp"), p["host_port"]) for p in json.load(sys.stdin)["ports"])
run = []
for proto, port in ps + [("", -1)]:
    if run and (proto != run[0][0] or port != run[-1][1] + 1):
        lo, hi = run[0][1], run[-1][1]
        print((f"{lo}" if lo == hi else f"{lo}-{hi}") + "/" + run[0][0])
        run = []
    run.append((proto, port))') || return 1
	[ -z "$ports" ] && return 0
	# shellcheck disable=SC2086 # one argument a port
	in_ns "${HOST_NS[$s]}" "$EBNET" unpublish --net "$(ebnet_net "$s")" $ports
}

sys_up_ebnet() { ebnet_up ebnet; }
sys_down_ebnet() { ebnet_down ebnet; }
sys_publish_ebnet() { ebnet_publish ebnet "$@"; }
sys_publish_many_ebnet() { ebnet_publish_many ebnet "$@"; }
sys_pub_reset_ebnet() { ebnet_pub_reset ebnet; }

# ebnet with eb_xdp_uplink on the uplink veth in native mode (`--xdp
# native`; auto leaves a veth uplink to TC, see bpf/uplink_xdp.bpf.c).
sys_up_ebnet_xdp() { ebnet_up ebnet-xdp --xdp native; }
sys_down_ebnet_xdp() { ebnet_down ebnet-xdp; }
sys_publish_ebnet_xdp() { ebnet_publish ebnet-xdp "$@"; }
sys_publish_many_ebnet_xdp() { ebnet_publish_many ebnet-xdp "$@"; }
sys_pub_reset_ebnet_xdp() { ebnet_pub_reset ebnet-xdp; }

# ebnet-base: the same as ebnet, run by another build (EBNET_BASE, a copy
# in $EBNET_BASE_BIN), so that one run measures a change against its base:
# e.g. `git worktree add /tmp/base REV && make -C /tmp/base`, then
# EBNET_BASE=/tmp/base/build/ebnet SYSTEMS="ebnet ebnet-base" ... bench/run.sh.
ebnet_base() {
	[ -n "$EBNET_BASE_BIN" ] || {
		echo "ebnet-base needs EBNET_BASE=PATH of another build's ebnet" >&2
		return 1
	}
	EBNET=$EBNET_BASE_BIN "$@"
}
sys_up_ebnet_base() { ebnet_base ebnet_up ebnet-base; }
sys_down_ebnet_base() { ebnet_base ebnet_down ebnet-base; }
sys_publish_ebnet_base() { ebnet_base ebnet_publish ebnet-base "$@"; }
sys_publish_many_ebnet_base() { ebnet_base ebnet_publish_many ebnet-base "$@"; }
sys_pub_reset_ebnet_base() { ebnet_base ebnet_pub_reset ebnet-base; }

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
