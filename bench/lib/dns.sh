# SPDX-License-Identifier: GPL-2.0
# Names (issue 17): queries per second and latency of dnsperf in the client
# container for the server container's name, answered by ebnet's datapath
# (system "ebnet": the gateway's port 53, no process) against dnsmasq
# serving the same name from a hosts file in the host namespace, the way it
# is done by hand (system "dnsmasq": on the iptables recipe's network,
# listening on its gateway address).

wl_dns_qps() {
	local s=$1 sys name cli h q=$WORK/dns-queries.txt pidf=$WORK/dnsmasq.pid out ans
	command -v dnsperf >/dev/null || {
		log "no dnsperf: see bench/deps.txt"
		return 1
	}
	case $s in
	ebnet) sys=ebnet name=$P-ebnet-c2 ;;
	dnsmasq) sys=iptables name=$P-iptables-c2 ;;
	*)
		skip "dns_qps: systems ebnet and dnsmasq"
		return
		;;
	esac
	[ -n "${CLI_NS[$sys]:-}" ] || {
		skip "dns_qps $s: system $sys was not built"
		return
	}
	cli=${CLI_NS[$sys]} h=${HOST_NS[$sys]}
	if [ "$s" = dnsmasq ]; then
		printf '%s %s\n' "${SRV_IP[$sys]}" "$name" >"$WORK/dns-hosts"
		in_ns "$h" dnsmasq --conf-file=/dev/null --no-resolv --no-hosts \
			--addn-hosts="$WORK/dns-hosts" --bind-interfaces --listen-address="$GW" \
			--port=53 --user=root --group=root --pid-file="$pidf" \
			--dhcp-leasefile="$WORK/dnsmasq.leases" --cache-size=1000 || return 1
		trap 'kill "$(cat "$pidf" 2>/dev/null)" 2>/dev/null' RETURN
	fi
	ans=$(in_ns "$cli" dig +short +time=2 +tries=2 @"$GW" "$name" A)
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
