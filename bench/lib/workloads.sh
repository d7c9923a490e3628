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

PARSE() { $PY "$LIB/parse.py" "$@"; }

# iperf3 between the system's client and server. MODE: tcp or udp64; IP:
# the server's address (default SRV_IP: IPv4). Leaves iperf3's JSON in
# $WORK/iperf.json.
iperf_run() {
	local s=$1 mode=$2 srv=${SRV_NS[$1]} cli=${CLI_NS[$1]} ip=${3:-${SRV_IP[$1]}} rc opts=()
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
	PARSE iperf-udp "$WORK/iperf.json" &&
		PARSE snmp "$WORK/snmp.before" "$WORK/snmp.after" "$WORK/iperf.json" "$OMIT"
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

# ---- container to container over IPv6 ----
#
# The same loads to the server's IPv6 address, on the systems that carry
# IPv6 (SRV_IP6: veth, iptables with Docker's ip6tables rules, ebnet --ipv6).
# sockperf 3.7 (Debian 12) has no IPv6: request/response is qperf's tcp_lat
# (64-byte messages, one-way latency = half the round trip, a mean).

v6_check() {
	[ -n "${SRV_IP6[$1]:-}" ] || skip "$1 carries no IPv6 here"
}
wl_tcp_stream6() {
	v6_check "$1" || return
	iperf_run "$1" tcp "${SRV_IP6[$1]}" || return 1
	PARSE iperf-tcp "$WORK/iperf.json"
}
wl_udp64_pps6() {
	v6_check "$1" || return
	iperf_run "$1" udp64 "${SRV_IP6[$1]}" || return 1
	PARSE iperf-udp "$WORK/iperf.json"
}
wl_rr_latency6() {
	local s=$1 srv=${SRV_NS[$1]} cli=${CLI_NS[$1]} rc spid us
	v6_check "$s" || return
	command -v qperf >/dev/null || {
		log "no qperf: see bench/deps.txt"
		return 1
	}
	bg_in_ns "$srv" "$RR_CPU" "$WORK/qperf-server.log" qperf
	spid=$BG_PID
	wait_listen "$srv" tcp 19765 || {
		stop_bg $spid
		return 1
	}
	in_ns "$cli" timeout $((DUR + 20)) taskset -c "$RR_CPU" \
		qperf "${SRV_IP6[$s]}" -t "$DUR" -m 64 tcp_lat >"$WORK/qperf.out" 2>&1
	rc=$?
	stop_bg $spid
	us=$(awk '$1 == "latency" { v = $3; if ($4 == "ns") v /= 1000; if ($4 == "ms") v *= 1000; print v }' "$WORK/qperf.out")
	if [ $rc -ne 0 ] || [ -z "$us" ]; then
		tail -n3 "$WORK/qperf.out" >&2
		return 1
	fi
	metric lat_us "$us"
}

# ---- published ports, SNAT, scale ----
#
# The server container's port 80 (nginx) and 5201 (iperf3) are published as
# ports $PUB_HTTP and $PUB_IPERF of the host; the load comes from the
# namespace that plays the outside world, to the host's uplink address
# $UP_HOST. (Not 8080: ebnet used to refuse a port that a network of another
# test published in another namespace, fixed in 04ef10f; other tests use
# 8080, so the harness keeps out of their way.)
#   pub_cps      new connections per second to a published port: short HTTP
#                requests with `Connection: close` (wrk)
#   pub_tput     TCP stream (iperf3) through a published port
#   snat_cps     new connections per second from the client container to a
#                server in the outside namespace (SNAT/MASQUERADE)
#   scale_sweep  pub_cps to the last of 1, 100, 1000, 10000 published ports,
#                and the time to publish that last one (publish_ms_N)
# nginx serves: one worker, no logs, every response closes the connection.

WRK_CONN=${WRK_CONN:-32}
PUB_HTTP=18080
PUB_IPERF=15201
SWEEP_BASE=20000

nginx_check() {
	[ -n "${OUT_NS[$1]:-}" ] || {
		skip "$1 has no outside namespace"
		return
	}
	command -v "$NGINX" >/dev/null 2>&1 || {
		log "no nginx ($NGINX): see bench/deps.txt"
		return 1
	}
}
pub_check() {
	declare -F "sys_publish_${1//-/_}" >/dev/null || {
		skip "$1 cannot publish ports"
		return
	}
	nginx_check "$1"
}

# Publishes $PUB_HTTP -> 80 and $PUB_IPERF -> 5201 once per system (a flag
# file: the workloads run in subshells).
pub_prepare() {
	local s=$1 fn="sys_publish_${1//-/_}"
	[ -e "$WORK/pub.$s" ] && return 0
	"$fn" $PUB_HTTP 80 && "$fn" $PUB_IPERF 5201 && touch "$WORK/pub.$s"
}

# start_nginx NS CPU PORT...: nginx on every PORT of every address of NS;
# sets BG_PID.
start_nginx() {
	local ns=$1 cpu=$2 port=$3 d=$WORK/nginx-$1 listen="" p
	shift 2
	for p in "$@"; do listen="$listen		listen $p reuseport backlog=4096;
"; done
	mkdir -p "$d/tmp"
	cat >"$d/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 8192; multi_accept on; }
http {
	access_log off;
	client_body_temp_path $d/tmp/body;
	proxy_temp_path $d/tmp/proxy;
	fastcgi_temp_path $d/tmp/fastcgi;
	uwsgi_temp_path $d/tmp/uwsgi;
	scgi_temp_path $d/tmp/scgi;
	keepalive_timeout 0;
	server {
$listen		location / { return 200 "ok\n"; }
	}
}
EOF
	bg_in_ns "$ns" "$cpu" "$d/stderr.log" "$NGINX" -p "$d" -c "$d/nginx.conf" -e "$d/error.log"
	wait_listen "$ns" tcp "$port" || {
		cat "$d/error.log" "$d/stderr.log" >&2
		stop_bg "$BG_PID"
		return 1
	}
}

# wrk_run NS URL [SECONDS]: new connections per second (one request each).
wrk_run() {
	local ns=$1 url=$2 secs=${3:-$DUR}
	in_ns "$ns" timeout $((secs + 20)) taskset -c "$CLI_CPU" \
		wrk -t1 -c"$WRK_CONN" -d"${secs}s" -H 'Connection: close' "$url" >"$WORK/wrk.out" 2>&1 || {
		tail -n3 "$WORK/wrk.out" >&2
		return 1
	}
	PARSE wrk "$WORK/wrk.out"
}

# pub_cps_at SYSTEM ADDR [LISTEN]: pub_cps to ADDR (a URL's host: [IPV6] in
# brackets), nginx listening on port 80 and LISTEN too ([::]:80).
pub_cps_at() {
	local s=$1 spid rc
	pub_prepare "$s" || return 1
	# shellcheck disable=SC2086 # LISTEN: none or one word
	start_nginx "${SRV_NS[$s]}" "$SRV_CPU" 80 ${3:-} || return 1
	spid=$BG_PID
	wrk_run "${OUT_NS[$s]}" "http://$2:$PUB_HTTP/"
	rc=$?
	stop_bg $spid
	return $rc
}
# pub_tput_at SYSTEM ADDR [-6]: pub_tput to ADDR.
pub_tput_at() {
	local s=$1 srv=${SRV_NS[$1]} spid rc
	pub_prepare "$s" || return 1
	bg_in_ns "$srv" "$SRV_CPU" "$WORK/iperf-server.log" iperf3 -s -1 -p 5201
	spid=$BG_PID
	wait_listen "$srv" tcp 5201 || {
		stop_bg $spid
		return 1
	}
	in_ns "${OUT_NS[$s]}" timeout $((DUR + OMIT + 20)) taskset -c "$CLI_CPU" \
		iperf3 ${3:-} -c "$2" -p $PUB_IPERF -t "$DUR" -O "$OMIT" -J >"$WORK/iperf.json"
	rc=$?
	stop_bg $spid
	[ $rc -eq 0 ] || {
		log "iperf3 $3 through the published port failed: $(grep -o '"error":.*' "$WORK/iperf.json")"
		return 1
	}
	PARSE iperf-tcp "$WORK/iperf.json"
}
wl_pub_cps() {
	pub_check "$1" || return
	pub_cps_at "$1" "$UP_HOST"
}
wl_pub_tput() {
	pub_check "$1" || return
	pub_tput_at "$1" "$UP_HOST"
}

# pub_cps6, pub_tput6: the same from an IPv6 client outside, to the host's
# IPv6 address $UP_HOST6 (iptables: Docker 27's ip6tables DNAT to the
# container's IPv6 address; ebnet: the uplink's DNAT6, bpf/lib/nat6.h).
pub6_check() {
	[ -n "${PUB6[$1]:-}" ] || {
		skip "$1: its published ports answer no IPv6 client here"
		return
	}
	pub_check "$1"
}
wl_pub_cps6() {
	pub6_check "$1" || return
	pub_cps_at "$1" "[$UP_HOST6]" "[::]:80"
}
wl_pub_tput6() {
	pub6_check "$1" || return
	pub_tput_at "$1" "$UP_HOST6" -6
}

# pub_cps_nic, pub_tput_nic: the same, with the outside's frames as a NIC
# delivers them: eth0 of the outside namespace computes checksums itself
# (`ethtool -K eth0 tx off`), so frames arrive at the uplink with complete
# checksums. A local socket behind a veth leaves only the pseudo header's
# part (CHECKSUM_PARTIAL), which XDP cannot finish: eb_xdp_uplink passes
# such frames to TC, and only these workloads show XDP at work. Every
# system gets the same setting. For ebnet-xdp, xdp_pct: the share of packets
# translated on the way in (dnat_in + snat_in) that XDP took.
ebnet_in_counts() {
	in_ns "${HOST_NS[$1]}" "$EBNET" stats --net "$(ebnet_net "$1")" --json | $PY -c '
import json, sys
c = json.load(sys.stdin)["counters"]
g = lambda k: c.get(k, {}).get("packets", 0)
print(g("dnat_in") + g("snat_in"), g("xdp_in"))'
}
with_full_csum() {
	local s=$1 rc a b
	shift
	in_ns "${OUT_NS[$s]}" ethtool -K eth0 tx off >/dev/null || return 1
	[ "$s" = ebnet-xdp ] && a=$(ebnet_in_counts "$s")
	"$@"
	rc=$?
	if [ "$s" = ebnet-xdp ]; then
		b=$(ebnet_in_counts "$s")
		# shellcheck disable=SC2086 # two numbers each
		set -- $a $b
		[ $(($3 - $1)) -gt 0 ] && echo "M xdp_pct $((100 * ($4 - $2) / ($3 - $1)))"
	fi
	in_ns "${OUT_NS[$s]}" ethtool -K eth0 tx on >/dev/null
	return $rc
}
wl_pub_cps_nic() { with_full_csum "$1" wl_pub_cps "$1"; }
wl_pub_tput_nic() { with_full_csum "$1" wl_pub_tput "$1"; }

wl_snat_cps() {
	local s=$1 spid rc
	if [ "$s" = docker-proxy ]; then
		skip "docker-proxy plays no part in SNAT (the same MASQUERADE as iptables)"
		return
	fi
	nginx_check "$s" || return
	start_nginx "${OUT_NS[$s]}" "$SRV_CPU" 80 || return 1
	spid=$BG_PID
	wrk_run "${CLI_NS[$s]}" "http://$UP_OUT:80/"
	rc=$?
	stop_bg $spid
	return $rc
}

# Ports SWEEP_BASE... are published one after the other up to each N of
# SWEEP_NS; the N-th alone is timed (publish_ms_N: the whole command, as a
# user runs it), then new connections go to it (cps_N). All are removed at
# the end, and first (so that a round starts from none).
# The measured port of step i goes to container port 80+i (nginx listens on
# each), the others to 80. With one backend port for all, a client port
# reused in a later step gives a flow whose reply tuple is that of an
# earlier step's flow still in TIME_WAIT under another original tuple:
# kernel conntrack drops such a SYN (it can only reopen the same original
# tuple), and the step measures 1 s SYN retransmits, not the rules.
wl_scale_sweep() {
	local s=$1 fs=${1//-/_} have=0 n t0 t1 spid rc=0 i=0 ports=()
	pub_check "$s" || return
	"sys_pub_reset_$fs" || return # (SKIP_RC kept: Docker's cannot)
	rm -f "$WORK/pub.$s"
	for n in $SWEEP_NS; do ports+=($((81 + ${#ports[@]}))); done
	start_nginx "${SRV_NS[$s]}" "$SRV_CPU" "${ports[@]}" || return 1
	spid=$BG_PID
	for n in $SWEEP_NS; do
		i=$((i + 1))
		"sys_publish_many_$fs" $((SWEEP_BASE + have)) $((n - 1 - have)) 80 || {
			log "cannot publish $((n - 1)) ports"
			rc=1
			break
		}
		t0=$(now_ns)
		"sys_publish_$fs" $((SWEEP_BASE + n - 1)) $((80 + i)) || {
			log "cannot publish port $((SWEEP_BASE + n - 1)) with $((n - 1)) published"
			rc=1
			break
		}
		t1=$(now_ns)
		have=$n
		metric "publish_ms_$n" "$(ms_between "$t0" "$t1")"
		wrk_run "${OUT_NS[$s]}" "http://$UP_HOST:$((SWEEP_BASE + n - 1))/" "$SWEEP_DUR" |
			sed "s/^M cps /M cps_$n /; s/^M errors_pct /M errors_pct_$n /"
		[ "${PIPESTATUS[0]}" -eq 0 ] || {
			rc=1
			break
		}
	done
	stop_bg $spid
	"sys_pub_reset_$fs" || rc=1
	return $rc
}

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

# ns per run of eb_from_uplink (uplink_ns) and eb_from_container
# (container_ns) during pub_cps: the published-port path, both ways.
wl_bpf_pub() {
	local s=$1 dir
	dir=/sys/fs/bpf/ebnet/$(ebnet_net "$s")
	bpftool -j prog show pinned "$dir/prog_from_uplink" >"$WORK/up.before" &&
		bpftool -j prog show pinned "$dir/prog_from_container" >"$WORK/ctr.before" || return 1
	wl_pub_cps "$s" || return 1
	bpftool -j prog show pinned "$dir/prog_from_uplink" >"$WORK/up.after" &&
		bpftool -j prog show pinned "$dir/prog_from_container" >"$WORK/ctr.after" || return 1
	PARSE bpfprog "$WORK/up.before" "$WORK/up.after" | sed 's/^M \([a-z_]*\)/M uplink_\1/' &&
		PARSE bpfprog "$WORK/ctr.before" "$WORK/ctr.after" | sed 's/^M \([a-z_]*\)/M container_\1/'
}

# Memory the network's pinned maps and programs hold (bytes_memlock), at
# the default sizes `ebnet up` gives them.
wl_memory() {
	local net f maps=0 progs=0 n=0 b
	net=$(ebnet_net "$1")
	for f in /sys/fs/bpf/ebnet/"$net"/*; do
		case ${f##*/} in
		link_*) continue ;;
		prog_*) b=$(bpftool -j prog show pinned "$f" | $PY -c 'import json,sys; print(json.load(sys.stdin).get("bytes_memlock", 0))') || return 1
			progs=$((progs + b)) ;;
		*) b=$(bpftool -j map show pinned "$f" | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d.get("bytes_memlock", 0), d.get("name"), d.get("type"), d.get("max_entries"))') || return 1
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
