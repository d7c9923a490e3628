#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# obs_prog: `ebnet stats --prog` (issue 7) prints each program of the
# network with its runs and nanoseconds per run, from the kernel's BPF
# statistics, which are on only while it asks: kernel.bpf_stats_enabled is
# what it was afterwards, and the kernel stops counting runs (bpftool prog
# show: run_cnt stands still under traffic), also when a `--watch` is
# stopped or killed.
#
# ebnet switches the statistics on with BPF_ENABLE_STATS (an fd): the
# sysctl shows only its own setting, not that; run_cnt shows both.
# kernel.bpf_stats_enabled is one switch for the whole machine; no other
# test touches it, but `make bench` turns it on around its runs: while it
# is on, the run_cnt checks are skipped.
. "$(dirname "$0")/obs_lib.sh"
sandbox tobp

SUB=10.65.0
A=$(ctr a) B=$(ctr b)
obs_tmp

stats_on() { sysctl -n kernel.bpf_stats_enabled; }
# check_sysctl DESC: kernel.bpf_stats_enabled is what it was. (`make bench`
# sets it around its runs: a change while it runs is not ebnet's.)
check_sysctl() {
	local now
	now=$(stats_on)
	if [ "$now" != "$S0" ] && pgrep -f bench/run.sh >/dev/null; then
		skip "$1: kernel.bpf_stats_enabled is $S0" "now $now, and bench/run.sh runs"
		return
	fi
	check_eq "$1: kernel.bpf_stats_enabled is $S0" "$now" "$S0"
}
S0=$(stats_on)
note "kernel.bpf_stats_enabled before: $S0"
[ "$S0" = 0 ] || note "already on before the test (someone else switched it on): 'back to 0' becomes 'back to $S0'"

check "up a and b" eb up --net "$NET" --subnet $SUB.0/24 "$A" "$B"
IPA=$(ls_field a ip) IPB=$(ls_field b ip)
check "a pings b (neighbour resolved)" in_ctr a ping -c 1 -W 2 "$IPB"

# traffic SECS: a pings b 5 times a second, in the background, through
# `ebnet exec`.
traffic() {
	bg_log "$HOST" "$T/ping.log" "$EBNET" exec "$A" -- ping -i 0.2 -c $(($1 * 5)) -W 2 "$IPB"
	sleep 0.3
}

# ---- text ----
traffic 3
OUTP=$(eb stats --net "$NET" --prog 2>&1)
note "$(echo "$OUTP" | sed -n '/^PROGRAM/,$p' | tr '\n' '|')"
check_match "stats --prog: a PROGRAM table" "$OUTP" "^PROGRAM +RUNS +NS/RUN$"
check_match "stats --prog: from_container ran (runs > 0, ns/run > 0) while a pinged b" "$OUTP" \
	"^from_container +[1-9][0-9]* +[0-9]*[1-9][0-9]*\.[0-9]$"
check_match "stats --prog: from_uplink is listed" "$OUTP" "^from_uplink +[0-9]+ +[0-9.]+$"
for p in connect4 sendmsg4 recvmsg4 getpeername4; do
	check_match "stats --prog: $p is listed" "$OUTP" "^$p +[0-9]+ +[0-9.]+$"
done
check_sysctl "after stats --prog"
check_nomatch "without --prog: no PROGRAM table" "$(eb stats --net "$NET")" "^PROGRAM"
check_sysctl "after stats without --prog"

# ---- JSON ----
traffic 3
JS=$(eb stats --net "$NET" --prog --json 2>&1)
RUNS=$(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
print(" ".join("%s=%d" % (p["name"], p["runs"]) for p in d["programs"]))' "$JS" 2>&1)
note "stats --prog --json: $RUNS"
check_match "stats --prog --json: from_container has runs > 0" "$RUNS" "(^| )from_container=[1-9]"
check_sysctl "after stats --prog --json"

# run_cnt: runs of eb_from_container counted by the kernel (bpftool).
run_cnt() {
	in_host bpftool -j prog show pinned "$EB_PIN_ROOT/$NET/prog_from_container" |
		python3 -c 'import json, sys; print(json.load(sys.stdin).get("run_cnt", 0))'
}
# others_count: someone else has the statistics on: the sysctl (`make
# bench` sets it around its runs) or a bench that may set it any moment.
others_count() { [ "$(stats_on)" != 0 ] || pgrep -f bench/run.sh >/dev/null; }
# counting_stopped DESC: a second of traffic does not move run_cnt.
counting_stopped() {
	local r0 r1
	if others_count; then
		skip "$1: the kernel counts no more runs" "kernel.bpf_stats_enabled on, or make bench runs"
		return
	fi
	r0=$(run_cnt)
	in_ctr a ping -c 5 -i 0.2 -W 2 "$IPB" >/dev/null 2>&1
	r1=$(run_cnt)
	if others_count; then
		skip "$1: the kernel counts no more runs" "kernel.bpf_stats_enabled on, or make bench runs"
		return
	fi
	check_eq "$1: the kernel counts no more runs (run_cnt stands still under traffic)" "$r1" "$r0"
}
counting_stopped "after stats --prog and --prog --json"

# ---- --watch, stopped, then killed ----
traffic 4
bg_log "$HOST" "$T/watch" "$EBNET" stats --net "$NET" --prog --json --watch 1
W=$BG_LAST
sleep 0.5
R0=$(run_cnt)
sleep 2
check "while stats --prog --watch runs: the kernel counts runs (run_cnt rises)" \
	test "$(run_cnt)" -gt "$R0"
kill -TERM "$W"
wait "$W"
check_sysctl "stats --prog --watch stopped with SIGTERM"
counting_stopped "stats --prog --watch stopped with SIGTERM"
LINES=$(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    print(" ".join("%s=%d" % (p["name"], p["runs"]) for p in d["programs"]))' "$T/watch" 2>&1)
note "--watch: $(echo "$LINES" | tr '\n' '|')"
check_match "stats --prog --watch: from_container's runs per interval > 0 while a pings b" \
	"$LINES" "(^| )from_container=[1-9]"

traffic 3
bg_log "$HOST" "$T/watch2" "$EBNET" stats --net "$NET" --prog --watch 1
W=$BG_LAST
sleep 0.5
R0=$(run_cnt)
sleep 1
check "stats --prog --watch again: the kernel counts runs" test "$(run_cnt)" -gt "$R0"
# bg_log's pid is timeout's; ebnet is its child.
EBP=$(pgrep -P "$W" -x ebnet)
check "the stats process is found" test -n "$EBP"
kill -KILL $EBP
{ wait "$W"; } 2>/dev/null
check_sysctl "stats --prog --watch killed hard"
sleep 1.5 # the rest of the traffic
counting_stopped "killed hard (the kernel closed its fd)"

check "down" eb down --net "$NET"
finish
