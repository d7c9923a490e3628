# SPDX-License-Identifier: GPL-2.0
# bench/lib/workloads.sh: the workloads (sourced by run.sh).
#
# A workload is a function wl_NAME SYSTEM that runs once against a system
# that is up (see systems.sh for what it may use) and prints its figures as
# metric lines (metric NAME VALUE). It returns non-zero on error, or
# SKIP_RC (via skip "why") when the system cannot do it yet. Each runs in a
# subshell; whatever it starts in the background it stops itself.
#
# CPU pinning, the same for every system (the machine has 2 cores):
#   throughput (TCP stream, UDP rate): client on CLI_CPU, server on SRV_CPU.
#     The sender's core also does the forwarding (veth transmit runs the
#     receive path in the sender's softirq), the server's core copies out.
#   request/response: client and server both on RR_CPU. Across cores each
#     round trip pays two cross-CPU wake-ups, which in a VM cost ~80 us and
#     drown the datapath's few microseconds; on one core the figure is the
#     datapath's and the stack's own cost.

CLI_CPU=${CLI_CPU:-0}
SRV_CPU=${SRV_CPU:-1}
RR_CPU=${RR_CPU:-1}
IPERF_PORT=5201
SOCKPERF_PORT=11111

PARSE() { python3 "$LIB/parse.py" "$@"; }

# iperf3 between the system's client and server. MODE: tcp or udp64.
# Leaves iperf3's JSON in $WORK/iperf.json.
iperf_run() {
	local s=$1 mode=$2 srv=${SRV_NS[$1]} cli=${CLI_NS[$1]} ip=${SRV_IP[$1]} rc opts=()
	[ "$mode" = udp64 ] && opts=(-u -l 64 -b 0)
	bg_in_ns "$srv" "$SRV_CPU" "$WORK/iperf-server.log" iperf3 -s -1 -p $IPERF_PORT
	local spid=$BG_PID
	wait_listen "$srv" tcp $IPERF_PORT || {
		stop_bg $spid
		return 1
	}
	in_ns "$cli" timeout $((DUR + OMIT + 20)) taskset -c "$CLI_CPU" \
		iperf3 -c "$ip" -p $IPERF_PORT -t "$DUR" -O "$OMIT" "${opts[@]}" -J >"$WORK/iperf.json"
	rc=$?
	stop_bg $spid
	if [ $rc -ne 0 ]; then
		log "iperf3 client failed ($rc): $(grep -o '"error":.*' "$WORK/iperf.json" | head -c 200)"
		return 1
	fi
}

# ---- container to container ----

# TCP stream: Gbit/s received by the server.
wl_tcp_stream() {
	iperf_run "$1" tcp || return 1
	PARSE iperf-tcp "$WORK/iperf.json"
}

# 64-byte UDP: packets per second received by the server (and sent by the
# client; rcvbuf_drop_pct tells when the receiving socket was the limit).
wl_udp64_pps() {
	local srv=${SRV_NS[$1]}
	in_ns "$srv" cat /proc/net/snmp >"$WORK/snmp.before" || return 1
	iperf_run "$1" udp64 || return 1
	in_ns "$srv" cat /proc/net/snmp >"$WORK/snmp.after" || return 1
	PARSE iperf-udp "$WORK/iperf.json" && PARSE snmp "$WORK/snmp.before" "$WORK/snmp.after"
}

# Request/response: TCP ping-pong of 64-byte messages (sockperf), round-trip
# p50 and p99 in microseconds.
wl_rr_latency() {
	local s=$1 srv=${SRV_NS[$1]} cli=${CLI_NS[$1]} ip=${SRV_IP[$1]} rc spid
	bg_in_ns "$srv" "$RR_CPU" "$WORK/sockperf-server.log" \
		sockperf sr --tcp -i "$ip" -p $SOCKPERF_PORT
	spid=$BG_PID
	wait_listen "$srv" tcp $SOCKPERF_PORT || {
		stop_bg $spid
		return 1
	}
	in_ns "$cli" timeout $((DUR + 20)) taskset -c "$RR_CPU" \
		sockperf pp --tcp -i "$ip" -p $SOCKPERF_PORT -m 64 -t "$DUR" --full-rtt \
		>"$WORK/sockperf.out" 2>&1
	rc=$?
	stop_bg $spid
	if [ $rc -ne 0 ]; then
		tail -n3 "$WORK/sockperf.out" >&2
		return 1
	fi
	PARSE sockperf "$WORK/sockperf.out"
}

# ---- published ports, SNAT, scale (not built yet: the slots) ----
#
# Each will: publish a port of the system's host (sys_publish_SYSTEM), run
# the load from OUT_NS[SYSTEM] against $UP_HOST:PORT, and print metrics.
#   pub_cps      new connections per second, short HTTP requests with
#                `Connection: close` (wrk) to a published port
#   pub_tput     TCP stream (iperf3) through a published port
#   snat_cps     new connections per second from a container to a server
#                in OUT_NS (SNAT)
#   scale_sweep  pub_cps to the last of 1, 100, 1000, 10000 published ports
#                (plus a PNG of the sweep, python3-matplotlib)
#   publish_ms   time to publish one more port when 10000 exist

wl_pub_cps() { skip "published ports: no DNAT in ebnet yet"; }
wl_pub_tput() { skip "published ports: no DNAT in ebnet yet"; }
wl_snat_cps() { skip "SNAT to the outside: not in ebnet yet"; }
wl_scale_sweep() { skip "published ports: no DNAT in ebnet yet"; }
wl_publish_ms() { skip "ebnet has no 'publish' command yet"; }

# ---- control plane: 100 containers up and down ----

# The container's eth0 has its address and a default route, and the first
# container reaches the last one: the network works, not only exists.
cp_verify() {
	local first=$1 last=$2 ip
	ip=$(in_ns "$last" ip -4 -o addr show dev eth0 | awk '{ sub(/\/.*/, "", $4); print $4 }')
	[ -n "$ip" ] || {
		log "no address on eth0 of $last"
		return 1
	}
	in_ns "$last" ip route show default | grep -q via || {
		log "no default route in $last"
		return 1
	}
	in_ns "$first" ping -c1 -W2 "$ip" >/dev/null || {
		log "$first cannot reach $last ($ip)"
		return 1
	}
}

cp_names() {
	local tag=$1 i
	for i in $(seq 0 $((CP_N - 1))); do printf '%s-%s%03d\n' "$P" "$tag" "$i"; done
}

cp_gone() {
	local n
	for n in "$@"; do
		[ -e "$(ns_path "$n")" ] && {
			log "namespace $n is still there after the teardown"
			return 1
		}
	done
	return 0
}

# ebnet: one `ebnet up` with CP_N names, one `ebnet down`. ATTACH: how the
# TC programs attach (empty: ebnet's default, or $EBNET_ATTACH).
cp_ebnet() {
	local attach=${1:-${EBNET_ATTACH:-}} h=$P-cpe-h net=$P-cp t0 t1 t2 t3 names opt=()
	[ -n "$attach" ] && opt=(--attach "$attach")
	mapfile -t names < <(cp_names e)
	ns_add "$h" || return 1
	ebnet_register "$net" "$h"
	t0=$(now_ns)
	in_ns "$h" "$EBNET" up --net "$net" --subnet 10.89.0.0/16 "${opt[@]}" "${names[@]}" || return 1
	t1=$(now_ns)
	cp_verify "${names[0]}" "${names[-1]}" || return 1
	t2=$(now_ns)
	in_ns "$h" "$EBNET" down --net "$net" || return 1
	t3=$(now_ns)
	cp_gone "${names[@]}" || return 1
	ns_del "$h"
	metric up_ms "$(ms_between "$t0" "$t1")"
	metric down_ms "$(ms_between "$t2" "$t3")"
}

# The same with --attach clsact: tcx attaches wait for an RCU grace period
# each (see docs/BENCHMARKS.md), clsact mostly not.
cp_ebnet_clsact() { cp_ebnet clsact; }

# The classic way: bench/lib/ipscript.sh, one `ip` command a step.
cp_ip_script() {
	local h=$P-cpi-h t0 t1 t2 t3 names
	mapfile -t names < <(cp_names i)
	ns_add "$h" || return 1
	t0=$(now_ns)
	in_ns "$h" bash "$LIB/ipscript.sh" up 10.89 "${names[@]}" || return 1
	t1=$(now_ns)
	cp_verify "${names[0]}" "${names[-1]}" || return 1
	t2=$(now_ns)
	in_ns "$h" bash "$LIB/ipscript.sh" down 10.89 "${names[@]}" || return 1
	t3=$(now_ns)
	cp_gone "${names[@]}" || return 1
	ns_del "$h"
	metric up_ms "$(ms_between "$t0" "$t1")"
	metric down_ms "$(ms_between "$t2" "$t3")"
}

wl_containers_100() {
	local rc
	"cp_${1//-/_}"
	rc=$?
	# Namespaces are freed by the kernel after they are gone from sight;
	# let that finish before the next system is timed.
	sleep "$CP_SETTLE"
	return $rc
}

# ---- ebnet only: where the time goes, and what it holds ----

# ns per run of each ebnet program during 64-byte UDP, and during a TCP
# stream (one run per GSO super-packet there). Needs
# kernel.bpf_stats_enabled=1, which run.sh sets around these cases only.
bpf_profile() {
	local s=$1 mode=$2 net pin
	net=$(ebnet_net "$s")
	pin=/sys/fs/bpf/ebnet/$net/prog_from_container
	[ -e "$pin" ] || {
		log "no program pinned at $pin"
		return 1
	}
	bpftool -j prog show pinned "$pin" >"$WORK/prog.before" || return 1
	iperf_run "$s" "$mode" || return 1
	bpftool -j prog show pinned "$pin" >"$WORK/prog.after" || return 1
	PARSE bpfprog "$WORK/prog.before" "$WORK/prog.after" &&
		if [ "$mode" = udp64 ]; then PARSE iperf-udp "$WORK/iperf.json"; else PARSE iperf-tcp "$WORK/iperf.json"; fi
}
wl_bpf_udp64() { bpf_profile "$1" udp64; }
wl_bpf_tcp() { bpf_profile "$1" tcp; }

# Memory the network's pinned maps and programs hold (bytes_memlock), at
# the default sizes `ebnet up` gives them.
wl_memory() {
	local net f maps=0 progs=0 n=0 b
	net=$(ebnet_net "$1")
	for f in /sys/fs/bpf/ebnet/"$net"/*; do
		case ${f##*/} in
		link_*) continue ;;
		prog_*) b=$(bpftool -j prog show pinned "$f" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("bytes_memlock", 0))') || return 1
			progs=$((progs + b)) ;;
		*) b=$(bpftool -j map show pinned "$f" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("bytes_memlock", 0), d.get("name"), d.get("type"), d.get("max_entries"))') || return 1
			log "map ${f##*/}: memlock ${b%% *} bytes (${b#* })"
			maps=$((maps + ${b%% *}))
			n=$((n + 1)) ;;
		esac
	done
	[ $n -gt 0 ] || return 1
	metric maps_kib "$(awk -v b=$maps 'BEGIN { print b / 1024 }')"
	metric progs_kib "$(awk -v b=$progs 'BEGIN { print b / 1024 }')"
	metric maps "$n"
}
