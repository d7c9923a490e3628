#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/run.sh (`make bench`): ebnet side by side with the bare veth floor,
# the classic bridge + iptables recipe and bridge + nftables, and a real
# dockerd with its bridge driver and with ebnet's (lib/docker.sh), on this
# machine, each system in namespaces of its own; see docs/BENCHMARKS.md.
#
#   make bench            >= 5 interleaved rounds of every workload
#   make bench QUICK=1    one short round of each: proves the harness works
#
# Settings (environment): QUICK=1, ROUNDS=N, DURATION=SECONDS (a run of a
# traffic workload), SYSTEMS / WORKLOADS (container to container),
# PUB_SYSTEMS / PUB_WORKLOADS (published ports, SNAT), SWEEP_SYSTEMS and
# SWEEP_NS (the scale sweep), CP_SYSTEMS and CP_N (control plane), CP=0
# (no control plane), EBNET_ATTACH=tcx|clsact, EBNET_UP_ARGS (more options
# for `ebnet up` of the ebnet systems, e.g. --ct-tcp-size N), WRK_CONN, CLI_CPU, SRV_CPU,
# RR_CPU (pinning; see lib/workloads.sh). An empty list skips that part.
#
# Rounds are interleaved: in each round every workload runs on every system,
# the order of the systems rotating from round to round. Raw results go to
# bench/results/bench-DATE.json; the table ends with "N passed, N failed".
#
# Safety: nothing runs in, or changes, the root network namespace. Every
# system is built in namespaces named bn-<pid>-*, with its own namespace
# that plays the host (ebnet runs there under `nsenter --net`); sysctls are
# set inside those namespaces only. On exit, also on failure or Ctrl-C,
# everything is removed and kernel.bpf_stats_enabled (global; turned on for
# the profiling cases only) is restored.
set -uo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
LIB=$BENCH/lib

case ${QUICK:-} in 0 | no | false) QUICK= ;; esac
if [ -n "${QUICK:-}" ]; then
	MODE=quick
	ROUNDS=${ROUNDS:-1}
	DUR=${DURATION:-1}
	OMIT=0
	CP_SETTLE=0.5
	SETTLE=${SETTLE:-0}
	PROFILE_ROUNDS=1
	SWEEP_NS=${SWEEP_NS:-"1 100"}
	SWEEP_DUR=1
	CP_SYSTEMS=${CP_SYSTEMS-"ip-script ebnet"}
else
	MODE=full
	ROUNDS=${ROUNDS:-5}
	DUR=${DURATION:-5}
	OMIT=1
	CP_SETTLE=2
	SETTLE=${SETTLE:-2}
	PROFILE_ROUNDS=3
	SWEEP_NS=${SWEEP_NS:-"1 100 1000 10000"}
	SWEEP_DUR=3
fi
CP_N=${CP_N:-100}

# Systems and workloads. A system that cannot be built yet (its sys_up
# skips) is listed as not measured; so is a workload it cannot do.
DP_SYSTEMS=${SYSTEMS-"veth iptables nft ebnet docker-bridge docker-ebnet"}
DP_WORKLOADS=${WORKLOADS-"tcp_stream rr_latency udp64_pps tcp_stream6 rr_latency6 udp64_pps6"}
PUB_SYSTEMS=${PUB_SYSTEMS-"iptables nft docker-proxy ebnet ebnet-xdp docker-bridge docker-ebnet"}
PUB_WORKLOADS=${PUB_WORKLOADS-"pub_cps pub_tput pub_cps_nic pub_tput_nic snat_cps pub_cps6 pub_tput6"}
SWEEP_SYSTEMS=${SWEEP_SYSTEMS-"iptables nft ebnet"}
CP_SYSTEMS=${CP_SYSTEMS-"ip-script ebnet ebnet-clsact"}
DNS_SYSTEMS=${DNS_SYSTEMS-"ebnet dnsmasq aardvark"}

. "$LIB/common.sh"

[ "$(id -u)" = 0 ] || die "must run as root (it creates network namespaces and loads BPF)"

# ---- dependencies (bench/deps.txt) ----
# Packages marked "extract" are unpacked under $CACHE, not installed: their
# install scripts would start a service in the root namespace
# (tools/extract-pkg.sh, which the Docker tests use too).
CACHE=${EB_PKG_CACHE:-/var/cache/ebnet-bench}
extract_pkg() {
	EB_PKG_CACHE=$CACHE "$ROOT/tools/extract-pkg.sh" "$1" "$2"
}
install_deps() {
	local cmd pkg how missing=()
	while read -r cmd pkg how; do
		case $cmd in '' | '#'*) continue ;; esac
		if [ "$how" = extract ]; then
			PATH=$PATH:$CACHE/$pkg/usr/sbin:$CACHE/$pkg/usr/bin
			command -v "$cmd" >/dev/null 2>&1 || extract_pkg "$pkg" "$cmd" ||
				warn "cannot fetch $pkg: the workloads that need $cmd will fail"
			continue
		fi
		if [ "$how" = python ]; then
			/usr/bin/python3 -c "import $cmd" 2>/dev/null || missing+=("$pkg")
			continue
		fi
		command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
	done <"$BENCH/deps.txt"
	[ ${#missing[@]} -eq 0 ] && return 0
	mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
	command -v apt-get >/dev/null || die "missing: ${missing[*]} (install them; no apt-get here)"
	log "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 ||
		{ apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends "${missing[@]}" >&2; } ||
		die "cannot install ${missing[*]}"
}
install_deps
NGINX=$(command -v nginx || echo nginx)
# Debian's python3 (the plot needs its python3-matplotlib).
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

[ -x "$ROOT/build/ebnet" ] || die "no build/ebnet: run make first (make bench does)"

P=bn-$$
WORK=$(mktemp -d /tmp/bn-bench.XXXXXX)
mkdir -p "$WORK/logs"
RAW=$WORK/raw.tsv
: >"$RAW"
: >"$WORK/meta.tsv"
# The binary measured is a copy: a rebuild in the tree during the run does
# not change it.
cp "$ROOT/build/ebnet" "$WORK/ebnet"
EBNET=$WORK/ebnet
# The system ebnet-base: another build (EBNET_BASE=its build/ebnet), for the
# A/B of a change in one run; a copy too.
EBNET_BASE_BIN=
if [ -n "${EBNET_BASE:-}" ]; then
	[ -x "$EBNET_BASE" ] || die "EBNET_BASE=$EBNET_BASE is not an executable ebnet"
	cp "$EBNET_BASE" "$WORK/ebnet-base"
	EBNET_BASE_BIN=$WORK/ebnet-base
fi

. "$LIB/systems.sh"
. "$LIB/workloads.sh"
. "$LIB/dns.sh"
. "$LIB/docker.sh"

on_exit() {
	local rc=$?
	trap - EXIT INT TERM
	bench_cleanup
	if [ -n "${KEEP_WORK:-}" ]; then
		# (after the report, its last line stays last: the path was given)
		[ -n "${REPORTED:-}" ] || log "bench: logs kept in $WORK"
	else
		rm -rf "$WORK"
	fi
	exit $rc
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

sweep_stale

# ---- the root namespace must come out as it went in ----
root_state() {
	cat /proc/sys/net/ipv4/ip_forward
	cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null
	ip -o link show | awk -F': ' '{ print $2 }' | sort
	ip -4 route show table all
	ip -4 -o addr show
}
root_state >"$WORK/root.before"

# ---- facts about the machine ----
ver() { "$@" 2>&1 | head -n1 | tr -s ' '; }
meta mode "$MODE"
meta date "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
meta command "$([ -n "${MAKELEVEL:-}" ] && echo "make bench${QUICK:+ QUICK=$QUICK}" || echo "bench/run.sh${QUICK:+ (QUICK=$QUICK)}")"
meta settings "ROUNDS=$ROUNDS DURATION=$DUR OMIT=$OMIT CP_N=$CP_N SWEEP_NS=\"$SWEEP_NS\" SWEEP_DUR=$SWEEP_DUR WRK_CONN=${WRK_CONN:-32} EBNET_ATTACH=${EBNET_ATTACH:-default}"
meta rounds "$ROUNDS"
meta duration_s "$DUR"
meta pinning "throughput: client cpu $CLI_CPU, server cpu $SRV_CPU; request/response: both on cpu $RR_CPU"
meta kernel "$(uname -r)"
meta kernel_build "$(uname -v)"
meta cpu "$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n1)"
meta ncpu "$(nproc)"
meta hypervisor "$(lscpu | sed -n 's/^Hypervisor vendor:[[:space:]]*//p')"
meta memory "$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
meta os "$(. /etc/os-release && echo "$PRETTY_NAME")"
rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null) || rev="no git"
git -C "$ROOT" diff --quiet HEAD -- bpf loader maps tools 2>/dev/null ||
	rev="$rev, with uncommitted changes to bpf/ loader/ maps/ tools/"
meta ebnet "$("$EBNET" version) ($rev)"
meta iperf3 "$(ver iperf3 --version)"
meta sockperf "$(sockperf --version 2>&1 | grep -o 'version [^ ]*' | head -n1)"
meta iptables "$(ver iptables --version)"
meta nft "$(ver nft --version)"
meta bpftool "$(ver bpftool version)"
meta wrk "$(ver wrk -v)"
meta nginx "$(ver "$NGINX" -v)"
meta docker-proxy "$(command -v docker-proxy >/dev/null &&
	echo "from Debian's docker.io $(apt-cache policy docker.io 2>/dev/null | sed -n 's/ *Candidate: //p')")"
meta iproute2 "$(ver ip -V)"
meta load_start "$(cat /proc/loadavg)"

log "bench: $MODE run, $ROUNDS round(s), ${DUR}s a run, namespaces $P-*"

# ---- build every system, each in its own namespaces ----
declare -A SYS_SKIP
BUILT=()
build_system() {
	local s=$1 fn rc
	fn="sys_up_${s//-/_}"
	"$fn" 2>"$WORK/logs/up-$s.log"
	rc=$?
	if [ $rc -eq $SKIP_RC ]; then
		SYS_SKIP[$s]=$(sed -n 's/^SKIP //p' "$WORK/logs/up-$s.log" | tail -n1)
	elif [ $rc -ne 0 ]; then
		SYS_BROKEN[$s]=$(grep -v '^[[:space:]]*$' "$WORK/logs/up-$s.log" | head -n2 | paste -sd ' ')
		[ -n "${SYS_BROKEN[$s]}" ] || SYS_BROKEN[$s]="sys_up_$s failed ($rc)"
		warn "$s: cannot build it: ${SYS_BROKEN[$s]}"
		BUILT+=("$s") # remove what was made
	else
		BUILT+=("$s")
		meta "links.$s" "$(sys_links "$s" | paste -sd '|')"
	fi
}
for s in $(printf '%s\n' $DP_SYSTEMS $PUB_SYSTEMS $SWEEP_SYSTEMS $(dns_base_systems $DNS_SYSTEMS) |
	awk '!seen[$0]++'); do
	build_system "$s"
done
for s in $(printf '%s\n' $DP_SYSTEMS $PUB_SYSTEMS $SWEEP_SYSTEMS $CP_SYSTEMS | awk '!seen[$0]++'); do
	meta "system.$s" "${SYS_DESC[$s]:-}"
done

# Same MTU and offloads on every container's eth0 (the devices the load
# tools use), or say so.
ref_links=
for s in $DP_SYSTEMS; do
	l=$(sed -n "s/^links\.$s\t//p" "$WORK/meta.tsv" | tr '|' '\n' | grep -E '(-c1|-c2)/eth0 ' | sed 's/^[^ ]* //' | sort -u)
	[ -n "$l" ] || continue
	if [ -z "$ref_links" ]; then
		ref_links=$l
		ref_sys=$s
	elif [ "$l" != "$ref_links" ]; then
		warn "container eth0 MTU/offloads of $s differ from $ref_sys: $l"
	fi
done

# After a workload that opens many connections, the kernel keeps what it
# made: nf_conntrack entries in the system's host namespace (iptables,
# nft, Docker's: 120 s each after a close) and TIME_WAIT sockets. The next
# case, whichever system it measures, ran slower for it (snat_cps of ebnet
# right after iptables' run: ~15-18k conn/s against 28-32k alone; see
# docs/BENCHMARKS.md). So each such case ends with the system's conntrack
# table flushed (conntrack -F in its host and outside namespaces) and a
# pause of SETTLE seconds (0 with QUICK=1), so that no case starts with the
# previous one's conntrack table. (It narrowed ebnet's slow rounds after
# iptables' snat_cps but did not remove them: docs/BENCHMARKS.md, "IPv6
# between containers".)
settle_after() {
	local w=$1 s=$2 ns
	case $w in pub_cps | pub_cps6 | pub_cps_nic | snat_cps | scale_sweep | containers_100) ;; *) return 0 ;; esac
	if command -v conntrack >/dev/null; then
		for ns in "${HOST_NS[$s]:-}" "${OUT_NS[$s]:-}"; do
			[ -n "$ns" ] && in_ns "$ns" conntrack -F >/dev/null 2>&1
		done
	fi
	sleep "$SETTLE"
}

# run_case, but a skipped system is recorded as skipped.
case_of() {
	local r=$1 w=$2 s=$3
	if [ -n "${SYS_SKIP[$s]:-}" ]; then
		printf '%s\t%s\t%s\tskip\t\t%s\t%s\n' "$r" "$w" "$s" "$(cut -d' ' -f1 /proc/loadavg)" \
			"${SYS_SKIP[$s]}" >>"$RAW"
		return
	fi
	run_case "$@"
	settle_after "$w" "$s"
}

# rotate N WORDS...: the words, starting at the N-th (0-based, modulo).
rotate() {
	local n=$1
	shift
	local a=("$@") i
	for ((i = 0; i < ${#a[@]}; i++)); do printf '%s ' "${a[(i + n) % ${#a[@]}]}"; done
}

# ---- data plane: interleaved rounds ----
for r in $(seq 1 "$ROUNDS"); do
	log "round $r/$ROUNDS"
	for w in $DP_WORKLOADS; do
		for s in $(rotate $((r - 1)) $DP_SYSTEMS); do
			case_of "$r" "$w" "$s"
		done
	done
	for w in $PUB_WORKLOADS; do
		for s in $(rotate $((r - 1)) $PUB_SYSTEMS); do
			case_of "$r" "$w" "$s"
		done
	done
done

# ---- published ports: the scale sweep ----
for r in $(seq 1 "$ROUNDS"); do
	[ -n "$SWEEP_SYSTEMS" ] || break
	log "scale sweep ($SWEEP_NS ports), round $r/$ROUNDS"
	for s in $(rotate $((r - 1)) $SWEEP_SYSTEMS); do
		case_of "$r" scale_sweep "$s"
	done
done

# ---- ebnet: ns per packet of its programs (bpf_stats only around these) ----
if [[ " $DP_SYSTEMS " == *" ebnet "* ]]; then
	for r in $(seq 1 "$PROFILE_ROUNDS"); do
		bpf_stats_on
		case_of "$r" bpf_udp64 ebnet
		case_of "$r" bpf_tcp ebnet
		[[ " $PUB_SYSTEMS " == *" ebnet "* ]] && case_of "$r" bpf_pub ebnet
		bpf_stats_restore
	done
	case_of 1 memory ebnet
fi

# ---- names: dnsperf, the datapath against dnsmasq (bench/lib/dns.sh) ----
for r in $(seq 1 "$ROUNDS"); do
	[ -n "$DNS_SYSTEMS" ] || break
	for s in $(rotate $((r - 1)) $DNS_SYSTEMS); do
		case_of "$r" dns_qps "$s"
	done
done

# ---- control plane: 100 containers up and down ----
if [ "${CP:-1}" != 0 ]; then
	for r in $(seq 1 "$ROUNDS"); do
		log "control plane, round $r/$ROUNDS"
		for s in $(rotate $((r - 1)) $CP_SYSTEMS); do
			case_of "$r" containers_100 "$s"
		done
	done
fi

# ---- teardown, checked ----
leftovers=0
for s in "${BUILT[@]}"; do
	"sys_down_${s//-/_}" 2>>"$WORK/logs/down.log" || {
		warn "$s: teardown failed: $(tail -n1 "$WORK/logs/down.log")"
		leftovers=$((leftovers + 1))
	}
done
bench_cleanup || leftovers=$((leftovers + 1))
for f in /run/netns/"$P"-* /sys/fs/bpf/ebnet/"$P"-*; do
	[ -e "$f" ] && leftovers=$((leftovers + 1))
done
printf '1\tcleanup\tall\t%s\tleftovers=%s\t\t%s\n' "$([ $leftovers = 0 ] && echo ok || echo fail)" \
	"$leftovers" "$([ $leftovers = 0 ] || echo "namespaces, devices or pins were left")" >>"$RAW"

root_state >"$WORK/root.after"
if cmp -s "$WORK/root.before" "$WORK/root.after"; then
	printf '1\troot-untouched\tall\tok\tchanged=0\t\t\n' >>"$RAW"
else
	printf '1\troot-untouched\tall\tfail\tchanged=%s\t\tthe root namespace changed during the run\n' \
		"$(diff "$WORK/root.before" "$WORK/root.after" | grep -c '^[<>]')" >>"$RAW"
	diff "$WORK/root.before" "$WORK/root.after" >&2
fi
meta load_end "$(cat /proc/loadavg)"

# ---- the report: table, JSON, "N passed, N failed" last ----
mkdir -p "$BENCH/results"
out=$BENCH/results/bench-$(date -u +%Y%m%d-%H%M%S)-$MODE.json
if grep -q $'\tfail\t' "$RAW"; then
	KEEP_WORK=1
	log "bench: logs of the failed cases are in $WORK/logs"
fi
REPORTED=1
$PY "$BENCH/report.py" --raw "$RAW" --meta "$WORK/meta.tsv" --out "$out" --png "${out%.json}-sweep.png"
