# SPDX-License-Identifier: GPL-2.0
# bench/lib/common.sh: helpers of the benchmark harness (sourced by run.sh).
#
# Every namespace, device, pin and process the harness makes is named after
# $P ("bn-<pid of run.sh>"), recorded, and removed by bench_cleanup, which
# run.sh calls on exit (also on failure and on Ctrl-C). Nothing here touches
# the root namespace: commands that change network state run under
# `nsenter --net=/run/netns/NS` of a namespace the harness created.

log() { printf '%s\n' "$*" >&2; }
warn() { printf 'bench: warning: %s\n' "$*" >&2; }
die() {
	printf 'bench: %s\n' "$*" >&2
	exit 1
}

now_ns() { date +%s%N; }

# ms between two now_ns values, with 3 decimals
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e6 }'; }

# A metric line of a workload: "M NAME VALUE". run_case collects them.
metric() { printf 'M %s %s\n' "$1" "$2"; }

# Workloads return this to say "not measurable here (yet)": not a failure.
SKIP_RC=3
skip() {
	printf 'SKIP %s\n' "$*" >&2
	return $SKIP_RC
}

# ---- namespaces ----

ns_path() { printf '/run/netns/%s' "$1"; }

# Runs a command inside the network namespace NS (only the net namespace:
# the mount namespace stays the machine's, so namespaces that ebnet
# bind-mounts under /run/netns are seen by everyone).
in_ns() {
	local ns=$1
	shift
	nsenter --net="$(ns_path "$ns")" "$@"
}

# Creates namespace NAME (must start with $P) with lo up.
ns_add() {
	case $1 in "$P"-*) ;; *) die "internal: namespace '$1' is not under prefix $P" ;; esac
	ip netns add "$1" || return 1
	ip -n "$1" link set lo up
}

ns_del() {
	[ -e "$(ns_path "$1")" ] || return 0
	ip netns del "$1"
}

# ---- background servers ----

# bg_in_ns NS CPU LOG CMD...: starts CMD in NS pinned to CPU; sets BG_PID.
# nsenter and taskset exec, so BG_PID is the server's own pid.
bg_in_ns() {
	local ns=$1 cpu=$2 logf=$3
	shift 3
	nsenter --net="$(ns_path "$ns")" taskset -c "$cpu" "$@" >"$logf" 2>&1 &
	BG_PID=$!
	echo "$BG_PID $1" >>"$WORK/pids"
}

stop_bg() {
	local pid=$1
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# wait_listen NS tcp|udp PORT: until something listens there (5 s at most).
wait_listen() {
	local ns=$1 proto=$2 port=$3 i flag=-Hlnt
	[ "$proto" = udp ] && flag=-Hlnu
	for i in $(seq 1 100); do
		if in_ns "$ns" ss $flag "sport = :$port" 2>/dev/null | grep -q .; then
			return 0
		fi
		sleep 0.05
	done
	log "nothing listens on $proto port $port in $ns"
	return 1
}

# ---- BPF statistics (a global sysctl: always restored on exit) ----

BPF_STATS_OLD=
bpf_stats_on() {
	[ -n "$BPF_STATS_OLD" ] || BPF_STATS_OLD=$(cat /proc/sys/kernel/bpf_stats_enabled)
	echo 1 >/proc/sys/kernel/bpf_stats_enabled
}
bpf_stats_restore() {
	[ -n "$BPF_STATS_OLD" ] || return 0
	echo "$BPF_STATS_OLD" >/proc/sys/kernel/bpf_stats_enabled
	BPF_STATS_OLD=
}

# ---- ebnet networks the harness made: "NET HOSTNS" lines in $WORK/ebnet_nets ----

ebnet_register() { echo "$1 $2" >>"$WORK/ebnet_nets"; }

# Removes network NET, from inside HOSTNS if it still exists, else from a
# scratch namespace (never from the root namespace: `down` deletes devices
# by name in the namespace it runs in).
ebnet_down_in() {
	local net=$1 host=$2 rc=0
	[ -d "/sys/fs/bpf/ebnet/$net" ] || return 0
	if [ -n "$host" ] && [ -e "$(ns_path "$host")" ]; then
		in_ns "$host" "$EBNET" down --net "$net" || rc=1
	else
		ns_add "$P-scratch" 2>/dev/null || true
		in_ns "$P-scratch" "$EBNET" down --net "$net" || rc=1
		ns_del "$P-scratch"
	fi
	return $rc
}

# ---- cleanup ----

# Kills the harness's servers, removes its ebnet networks, namespaces and
# pins, restores the sysctl. Quiet when there is nothing left. Returns 1 if
# something could not be removed. The functions in BENCH_CLEANUP_HOOKS run
# first (lib/docker.sh: containers and daemons go before their namespaces).
BENCH_CLEANUP_HOOKS=()
bench_cleanup() {
	local pid cmd net host ns rc=0 hook
	[ -n "${WORK:-}" ] && [ -d "$WORK" ] || return 0
	for hook in "${BENCH_CLEANUP_HOOKS[@]}"; do "$hook" || rc=1; done
	if [ -s "$WORK/pids" ]; then
		while read -r pid cmd; do
			if [ -d "/proc/$pid" ] && grep -qa -- "$cmd" "/proc/$pid/cmdline" 2>/dev/null; then
				kill "$pid" 2>/dev/null
			fi
		done <"$WORK/pids"
		: >"$WORK/pids"
	fi
	if [ -s "$WORK/ebnet_nets" ]; then
		while read -r net host; do
			ebnet_down_in "$net" "$host" >/dev/null 2>&1 || true
		done <"$WORK/ebnet_nets"
	fi
	# Anything under our prefix that is left, also from a run stopped halfway.
	for net in /sys/fs/bpf/ebnet/"$P"-*; do
		[ -d "$net" ] || continue
		ebnet_down_in "${net##*/}" "" >/dev/null 2>&1 || true
	done
	for ns in /run/netns/"$P"-*; do
		[ -e "$ns" ] || continue
		ip netns del "${ns##*/}" 2>/dev/null || true
	done
	bpf_stats_restore
	for ns in /run/netns/"$P"-* /sys/fs/bpf/ebnet/"$P"-*; do
		if [ -e "$ns" ]; then
			warn "could not remove $ns"
			rc=1
		fi
	done
	return $rc
}

# Leftovers of earlier runs that were killed (bn-PID-* with PID gone).
sweep_stale() {
	local f name pid
	for f in /run/netns/bn-* /sys/fs/bpf/ebnet/bn-*; do
		[ -e "$f" ] || continue
		name=${f##*/}
		pid=${name#bn-}
		pid=${pid%%-*}
		case $pid in '' | *[!0-9]*) continue ;; esac
		[ -d "/proc/$pid" ] && continue
		log "removing $f, left by an earlier run (pid $pid is gone)"
		if [ "${f#/sys/fs/bpf/}" != "$f" ]; then
			ebnet_down_in "$name" "" >/dev/null 2>&1 || true
		else
			ip netns del "$name" 2>/dev/null || true
		fi
	done
}

# ---- recording ----

# run_case ROUND WORKLOAD SYSTEM: runs wl_WORKLOAD SYSTEM in a subshell and
# appends one tab-separated line to $RAW:
#   round workload system status metrics load1 message
# status: ok (exit 0 and at least one metric), skip (exit $SKIP_RC), fail.
run_case() {
	local r=$1 w=$2 s=$3 out err rc status metrics msg load fn
	out=$WORK/case.out
	err=$WORK/logs/r$r-$w-$s.log
	fn="wl_${w//-/_}"
	if [ -n "${SYS_BROKEN[$s]:-}" ]; then
		printf 'system setup failed: %s\n' "${SYS_BROKEN[$s]}" >"$err"
		rc=1
		: >"$out"
	else
		("$fn" "$s") >"$out" 2>"$err"
		rc=$?
	fi
	metrics=$(awk '$1 == "M" { printf "%s%s=%s", sep, $2, $3; sep = ";" }' "$out")
	if [ $rc -eq $SKIP_RC ]; then
		status=skip
		msg=$(sed -n 's/^SKIP //p' "$err" | tail -n1)
	elif [ $rc -eq 0 ] && [ -n "$metrics" ]; then
		status=ok
		msg=
	else
		status=fail
		msg=$(grep -v '^[[:space:]]*$' "$err" | tail -n1)
		[ -n "$msg" ] || msg="exit status $rc, no metric"
	fi
	load=$(cut -d' ' -f1 /proc/loadavg)
	msg=$(printf '%s' "$msg" | tr '\t\n' '  ' | cut -c1-300)
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$w" "$s" "$status" "$metrics" "$load" "$msg" >>"$RAW"
	printf '  round %-2s %-16s %-13s %-4s %s\n' "$r" "$w" "$s" "$status" \
		"$([ $status = ok ] && echo "${metrics//;/ }" || echo "$msg")" >&2
}

# meta KEY VALUE: one fact about the run for the JSON file.
meta() { printf '%s\t%s\n' "$1" "$(printf '%s' "$2" | tr '\t\n' '  ')" >>"$WORK/meta.tsv"; }
