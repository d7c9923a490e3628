# SPDX-License-Identifier: GPL-2.0
# Names (issue 17): queries per second and latency of dnsperf in the client
# container for the server container's name, answered by ebnet's datapath
# (system "ebnet": the gateway's port 53, no process) against two resolvers
# serving the same name in the host namespace of the iptables recipe's
# network, listening on its gateway address:
#   "dnsmasq"   from a hosts file, the way it is done by hand;
#   "aardvark"  podman's aardvark-dns (Debian's, /usr/lib/podman), run the
#               way netavark runs it: a config directory with one file per
#               network and `aardvark-dns --config DIR -p 53 run`.

# Debian installs it outside PATH (bench/deps.txt).
AARDVARK=${AARDVARK:-/usr/lib/podman/aardvark-dns}
[ -x "$AARDVARK" ] || AARDVARK=$(command -v aardvark-dns || echo "$AARDVARK")

# dns_base_systems DNS_SYSTEM...: the systems (systems.sh) they run on, for
# run.sh to build also when no other part asks for them.
dns_base_systems() {
	local s
	for s in "$@"; do
		case $s in
		ebnet) echo ebnet ;;
		dnsmasq | aardvark) echo iptables ;;
		esac
	done
}

# stop_pid PID: SIGTERM, then until it is gone (2 s at most) - the next
# resolver binds the same address and port.
stop_pid() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || return 0
	for i in $(seq 1 40); do
		[ -d "/proc/$pid" ] || return 0
		sleep 0.05
	done
	kill -9 "$pid" 2>/dev/null
	return 0
}

# listener_of NS: the name of the process that holds UDP port 53 on $GW.
listener_of() {
	in_ns "$1" ss -Hlnup "src $GW:53" 2>/dev/null | sed -n 's/.*users:(("\([^"]*\)".*/\1/p' | head -n1
}

# aardvark_conf DIR NET: the config file of network NET, in the format of
# aardvark-dns 1.4.0 (src/config/mod.rs of v1.4.0): the file's name is the
# network's; its first line the gateway address(es), comma separated, and,
# after a space, the network's own upstream resolvers (none here: the
# host's resolv.conf is used); then a line a container: "ID IPV4 IPV6
# NAMES", IPV6 empty on a network without it, NAMES comma separated (the
# container's name and its 12-digit short id, as podman gives them).
aardvark_conf() {
	local dir=$1 net=$2 c ip id
	mkdir -p "$dir" || return 1
	{
		echo "$GW"
		for c in c1:$C1_IP c2:$C2_IP; do
			ip=${c#*:} c=$P-iptables-${c%%:*}
			id=$(printf '%s' "$c" | sha256sum | cut -c1-64)
			printf '%s %s  %s,%s\n' "$id" "$ip" "$c" "${id:0:12}"
		done
	} >"$dir/$net"
}

wl_dns_qps() {
	local s=$1 sys name cli h q=$WORK/dns-queries.txt pidf=$WORK/dnsmasq.pid out ans pid who
	local adir=$WORK/aardvark
	command -v dnsperf >/dev/null || {
		log "no dnsperf: see bench/deps.txt"
		return 1
	}
	case $s in
	ebnet) sys=ebnet name=$P-ebnet-c2 ;;
	dnsmasq | aardvark) sys=iptables name=$P-iptables-c2 ;;
	*)
		skip "dns_qps: systems ebnet, dnsmasq and aardvark"
		return
		;;
	esac
	[ -n "${CLI_NS[$sys]:-}" ] || {
		skip "dns_qps $s: system $sys was not built"
		return
	}
	cli=${CLI_NS[$sys]} h=${HOST_NS[$sys]}
	case $s in
	dnsmasq)
		printf '%s %s\n' "${SRV_IP[$sys]}" "$name" >"$WORK/dns-hosts"
		in_ns "$h" dnsmasq --conf-file=/dev/null --no-resolv --no-hosts \
			--addn-hosts="$WORK/dns-hosts" --bind-interfaces --listen-address="$GW" \
			--port=53 --user=root --group=root --pid-file="$pidf" \
			--dhcp-leasefile="$WORK/dnsmasq.leases" --cache-size=1000 || return 1
		pid=$(cat "$pidf" 2>/dev/null)
		echo "$pid dnsmasq" >>"$WORK/pids"
		trap 'stop_pid "$pid"' RETURN
		who=dnsmasq
		;;
	aardvark)
		[ -x "$AARDVARK" ] || {
			skip "dns_qps aardvark: no aardvark-dns ($AARDVARK; Debian package aardvark-dns, see bench/deps.txt)"
			return
		}
		out=$("$AARDVARK" version 2>&1) || {
			skip "dns_qps aardvark: $AARDVARK does not run here: $(tail -n1 <<<"$out")"
			return
		}
		log "aardvark-dns: $(tr -s ' \n' ' ' <<<"$out")"
		rm -rf "$adir"
		aardvark_conf "$adir" "$P-iptables" || return 1
		log "config $adir/$P-iptables:"
		log "$(cat "$adir/$P-iptables")"
		# run forks: the parent returns once the child wrote DIR/aardvark.pid
		# (before it binds, hence the wait below).
		in_ns "$h" "$AARDVARK" --config "$adir" -p 53 run || {
			log "aardvark-dns --config $adir -p 53 run: exit status $?"
			return 1
		}
		pid=$(cat "$adir/aardvark.pid" 2>/dev/null)
		[ -n "$pid" ] || { log "aardvark-dns wrote no $adir/aardvark.pid"; return 1; }
		echo "$pid aardvark-dns" >>"$WORK/pids"
		trap 'stop_pid "$pid"' RETURN
		who=aardvark-dns
		;;
	esac
	if [ -n "${who:-}" ]; then
		# The answer must come from this resolver, not from one left over.
		wait_listen "$h" udp 53 || return 1
		[ "$(listener_of "$h")" = "$who" ] || {
			log "dns_qps $s: $GW:53 is held by '$(listener_of "$h")', not $who"
			return 1
		}
	fi
	ans=$(in_ns "$cli" dig +short +time=2 +tries=2 @"$GW" "$name" A)
	log "dig @$GW $name A: '$ans'"
	[ "$ans" = "${SRV_IP[$sys]}" ] || { log "dns_qps $s: $name answered '$ans'"; return 1; }
	echo "$name A" >"$q"
	out=$(in_ns "$cli" dnsperf -s "$GW" -d "$q" -l "$DUR" -c 1 -T 1 -q 64 2>&1) || {
		log "$out"
		return 1
	}
	log "$out"
	metric qps "$(awk '/Queries per second:/ { print $4 }' <<<"$out")"
	metric lat_us "$(awk '/Average Latency \(s\):/ { printf "%.1f", $4 * 1e6 }' <<<"$out")"
	metric lost "$(awk '/Queries lost:/ { print $3 }' <<<"$out")"
}

# The resolvers' versions, for the JSON file (run.sh sources this after
# $WORK/meta.tsv exists).
if [ -n "${DNS_SYSTEMS:-}" ]; then
	meta dnsperf "$(dnsperf -h 2>&1 | sed -n 's/^Version //p' | head -n1)"
	meta dnsmasq "$(dnsmasq --version 2>/dev/null | head -n1 | tr -s ' ' | cut -d' ' -f1-3)"
	meta aardvark-dns "$("$AARDVARK" version 2>/dev/null | tr -s ' \n' ' ')"
	meta system.dnsmasq "dnsmasq from a hosts file on the iptables system's bridge, in its host namespace"
	meta system.aardvark "aardvark-dns --config DIR -p 53 run on the iptables system's bridge, in its host namespace"
fi
