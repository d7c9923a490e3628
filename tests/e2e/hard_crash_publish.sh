#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# hard_crash_publish: `ebnet publish` and `ebnet unpublish` killed with
# SIGKILL at points spread over their run (issue 6; crash-repair.sh does
# the same for up, down and rm). One publish of 50 specs (one port each)
# is killed after a delay swept across its measured duration; then the same
# command runs again, and every port of it must be published exactly once,
# to its container (the command converges), and answer from outside. The
# same for an unpublish of the range, and of the 50 ports one by one: run
# again, none is left. `down` then leaves nothing.
. "$(dirname "$0")/../lib.sh"
sandbox hcp

SUB=10.51.0
P0=12200 # 12200-12249: this script's own
N=50
W=$(ctr w)
check "up w" eb up --net "$NET" --subnet $SUB.0/24 "$W"
# (Bounded at 290 s: publish takes the machine-wide lock once per spec, and
# with other scripts running, 120 s ran out before the last checks.)
bg_ns "$W" timeout 290 socat TCP-LISTEN:80,reuseaddr,fork SYSTEM:'echo hello-from-w'
wait_until 5 listening "$W" 80
SPECS=()
for i in $(seq 0 $((N - 1))); do SPECS+=("$((P0 + i)):$W:80"); done
RANGE="$P0-$((P0 + N - 1))"

# published: how many of the N ports are published, and whether each
# once and to w:80 ("N ok" or "N bad ...").
published() {
	eb ports --net "$NET" --json | python3 -c '
import json, sys, collections
lo, n, ctr = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ports = [e for e in json.load(sys.stdin)["ports"] if lo <= e["host_port"] < lo + n]
c = collections.Counter(e["host_port"] for e in ports)
bad = [e["host_port"] for e in ports if e["container"] != ctr or e["container_port"] != 80]
bad += [p for p, k in c.items() if k != 1]
print(len(c), "ok" if not bad else "bad %s" % bad)
' "$P0" "$N" "$W"
}
# bg_eb ARGS...: ebnet in the host namespace, in the background, as one
# process (nsenter execs ebnet) that kill -9 hits; its pid in PID.
bg_eb() {
	nsenter --net="/run/netns/$HOST" "$EBNET" "$@" >/dev/null 2>&1 &
	PID=$!
}
ms() { echo $(($(date +%s%N) / 1000000)); }
# reset: none of the ports published (the range form takes any left).
reset() {
	eb unpublish --net "$NET" "$RANGE" >/dev/null 2>&1
	[ "$(published)" == "0 ok" ] || not_ok "reset: unpublish $RANGE leaves none" "$(published)"
}

# The shorter of 2 runs: the lock is global, another network's command
# may hold it for a while.
D=
for k in 1 2; do
	t0=$(ms)
	check "publish $N specs in one command ($k)" eb publish --net "$NET" "${SPECS[@]}"
	d=$(($(ms) - t0))
	[ -z "$D" ] || [ "$d" -lt "$D" ] && D=$d
	check_eq "all $N published ($k)" "$(published)" "$N ok"
	check "unpublish them ($k)" eb unpublish --net "$NET" "$RANGE"
done
note "one publish of $N specs takes $D ms; killing it at 6 points over it"

partial=0
for k in 1 2 3 4 5 6; do
	delay=$((D * (2 * k - 1) / 12)) # 1/12 .. 11/12 of the duration
	bg_eb publish --net "$NET" "${SPECS[@]}"
	sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
	kill -9 "$PID" 2>/dev/null && killed=yes || killed="no (it had ended)"
	wait "$PID" 2>/dev/null
	after_kill=$(published)
	case $after_kill in "0 "* | "$N "*) ;; *) partial=$((partial + 1)) ;; esac
	eb publish --net "$NET" "${SPECS[@]}" >/dev/null 2>&1
	rc=$?
	check_eq \
		"publish killed after $delay ms (killed: $killed; left $after_kill), then the same publish again: exit 0, all $N ports, each once, to w" \
		"$rc $(published)" "0 $N ok"
	reset
done
note "$partial of 6 kills left part of the ports published"

# The same for unpublish. Of a range (`unpublish LOW-HIGH` takes what
# is left of it, and says "not published" only when nothing is): killed,
# then run again, nothing is left.
eb publish --net "$NET" "${SPECS[@]}" >/dev/null 2>&1
t0=$(ms)
eb unpublish --net "$NET" "$RANGE"
DU=$(($(ms) - t0))
note "one unpublish of $RANGE took $DU ms"
for k in 1 2 3; do
	eb publish --net "$NET" "${SPECS[@]}" >/dev/null 2>&1
	delay=$((DU * k / 3))
	bg_eb unpublish --net "$NET" "$RANGE"
	sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
	kill -9 "$PID" 2>/dev/null && killed=yes || killed="no (it had ended)"
	wait "$PID" 2>/dev/null
	after_kill=$(published)
	eb unpublish --net "$NET" "$RANGE" >/dev/null 2>&1
	check_eq "unpublish $RANGE killed after $delay ms (killed: $killed; left $after_kill), then again: none left" \
		"$(published)" "0 ok"
	reset
done
# Of the N ports one by one: the run again goes on past the ports the
# killed run removed.
eb publish --net "$NET" "${SPECS[@]}" >/dev/null 2>&1
t0=$(ms)
eb unpublish --net "$NET" "${SPECS[@]%%:*}"
DU=$(($(ms) - t0))
note "one unpublish of the $N ports one by one took $DU ms"
for k in 1 2 3 4; do
	eb publish --net "$NET" "${SPECS[@]}" >/dev/null 2>&1
	delay=$((DU * k / 5))
	bg_eb unpublish --net "$NET" "${SPECS[@]%%:*}"
	sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
	kill -9 "$PID" 2>/dev/null && killed=yes || killed="no (it had ended)"
	wait "$PID" 2>/dev/null
	after_kill=$(published)
	eb unpublish --net "$NET" "${SPECS[@]%%:*}" >/dev/null 2>&1
	check_eq \
		"unpublish of the $N ports one by one killed after $delay ms (killed: $killed; left $after_kill), then again: none left" \
		"$(published)" "0 ok"
	reset
done

# It still works: published once more, the first and the last answer.
check "publish the $N specs once more" eb publish --net "$NET" "${SPECS[@]}"
for p in $P0 $((P0 + N - 1)); do
	check_eq "from outside: 198.51.100.1:$p reaches w" \
		"$(in_out timeout 5 socat -T3 - TCP:198.51.100.1:$p </dev/null 2>&1)" hello-from-w
done
check "down" eb down --net "$NET"
check_fails "down left no pin folder" test -e "$EB_PIN_ROOT/$NET"
check_eq "down left no namespace of the network" "$(netns_list | grep -cx "$W")" 0
finish
