#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# crash-repair: `ebnet up` killed with SIGKILL at any point while it makes
# 20 containers leaves state that the next `ebnet up` with the same
# arguments completes (every container pings), and that `down` removes
# whole; the same for a `down` or `rm` killed halfway.
. "$(dirname "$0")/../lib.sh"
sandbox tcr

N=20
SUB=10.92.0
NAMES=()
for i in $(seq 1 $N); do NAMES+=("$(ctr c$i)"); done

# up_bg: `ebnet up` in the background, as one process that kill -9 hits
# (a shell function would put a subshell between).
up_bg() {
	nsenter --net="/run/netns/$HOST" "$EBNET" up --net "$NET" --subnet $SUB.0/24 \
		"${NAMES[@]}" >/dev/null 2>&1 &
	PID=$!
}

# kill_after SECONDS: SIGKILL the background ebnet after a while; says
# whether it was still running.
kill_after() {
	sleep "$1"
	if kill -9 "$PID" 2>/dev/null; then
		KILLED=yes
	else
		KILLED=no
	fi
	wait "$PID" 2>/dev/null
}

# pings NS IP...: pings every IP from NS at once; prints how many failed.
pings() {
	local ns=$1 ip pids=() bad=0 p
	shift
	for ip in "$@"; do
		in_ns "$ns" ping -c1 -W2 "$ip" >/dev/null 2>&1 &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || bad=$((bad + 1)); done
	echo $bad
}

# all_good WHAT: the next up completes the network and every container works.
all_good() {
	local what=$1 out ips rc
	out=$(eb up --net "$NET" --subnet $SUB.0/24 "${NAMES[@]}" 2>&1)
	rc=$?
	check_eq "$what: the next up exits 0" "$rc${out:+ ($out)}" 0 || return
	out=$(eb ls --net "$NET" --json | python3 -c '
import json, sys
cs = json.load(sys.stdin)["networks"][0]["containers"]
ready = [c for c in cs if c["state"] == "ready"]
print(len(cs), len(ready), len({c["ip"] for c in cs}))
print(" ".join(c["ip"] for c in cs if c["name"] != sys.argv[1]))' "$(ctr c1)")
	ips=$(echo "$out" | sed -n 2p)
	check_eq "$what: ls shows $N containers, all ready, all addresses distinct" \
		"$(echo "$out" | head -n 1)" "$N $N $N"
	# shellcheck disable=SC2086
	check_eq "$what: the host pings all $N containers (failures)" \
		"$(pings "$HOST" $ips "$(ls_field c1 ip)")" 0
	# shellcheck disable=SC2086
	check_eq "$what: c1 pings the $((N - 1)) others (failures)" "$(pings "$(ctr c1)" $ips)" 0
}

# nothing_left WHAT: no trace of the network.
nothing_left() {
	local what=$1
	check_eq "$what: no container namespace left" \
		"$(netns_list | grep -E "^$(ctr c)[0-9]+\$")" ""
	check_fails "$what: no pin folder left" test -e "$EB_PIN_ROOT/$NET"
	check_eq "$what: no eb* device left in the host" \
		"$(links "$HOST" | grep '^eb')" ""
	check_eq "$what: no route to the subnet left in the host" \
		"$(in_host ip route show | grep "^$SUB\.")" ""
}

# How long a whole up takes here, to spread the kills over it.
START=$(date +%s%N)
check "up $N containers, uninterrupted" eb up --net "$NET" --subnet $SUB.0/24 "${NAMES[@]}"
D=$((($(date +%s%N) - START) / 1000000))
note "one up of $N containers took $D ms"
check "down" eb down --net "$NET"
nothing_left "uninterrupted"
[ "$D" -lt 50 ] && D=50

# ---- SIGKILL of up at points spread over its run ----
# A few fixed early points (loading the object, pinning the maps, writing
# the network's settings) and a sweep over the containers.
# frac P: P percent of the uninterrupted run, in seconds for sleep.
frac() { printf '%d.%03d\n' $((D * $1 / 100 / 1000)) $((D * $1 / 100 % 1000)); }
for d in 0.002 0.01 0.03 $(for p in 10 25 40 55 70 85 95; do frac $p; done); do
	up_bg
	kill_after "$d"
	note "up killed after ${d}s (still running: $KILLED)"
	all_good "up killed after ${d}s"
	check "down after the repair" eb down --net "$NET"
	nothing_left "up killed after ${d}s, repaired, down"
done

# ---- killed twice in a row, then down without a repair ----
up_bg
kill_after "$(frac 20)"
up_bg
kill_after "$(frac 50)"
all_good "up killed twice"
check "down" eb down --net "$NET"
up_bg
kill_after "$(frac 30)"
check "down of a network whose up was killed" eb down --net "$NET"
nothing_left "up killed, then down"

# ---- killed while the network itself is being made ----
# The next up names no --subnet: the network may keep the subnet asked for
# first or, never having been made, get the default one; never 0.0.0.0/0
# (ebnet once took pinned maps for a made network before eb_config was
# written, and made containers at 0.0.0.1/0).
up_bg
kill_after 0.01
eb up --net "$NET" "${NAMES[@]:0:2}" >/dev/null 2>&1
check_match "up killed at 10 ms, then up without --subnet: the network's subnet" \
	"$(eb ls --net "$NET" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["networks"][0]["subnet"])' 2>&1)" \
	"^($SUB\.0/24|172\.18\.0\.0/16)\$"
check_nomatch "up killed at 10 ms, then up without --subnet: no container at 0.0.0.x" \
	"$(eb ls --net "$NET")" " 0\.0\.0\.[0-9]+ "
check "down" eb down --net "$NET"
nothing_left "up killed at 10 ms, up, down"

# ---- SIGKILL of down, and of rm ----
# down and rm delete all their devices in one batch, in tens of ms: kills
# early and late in that.
for d in 0.003 0.01 0.03 0.1; do
	check "up $N containers again" eb up --net "$NET" --subnet $SUB.0/24 "${NAMES[@]}"
	nsenter --net="/run/netns/$HOST" "$EBNET" down --net "$NET" >/dev/null 2>&1 &
	PID=$!
	kill_after $d
	note "down killed after ${d}s (still running: $KILLED)"
	check "down again after a down killed after ${d}s" eb down --net "$NET"
	nothing_left "down killed after ${d}s, down again"
done

for d in 0.003 0.01 0.05; do
	check "up $N containers again" eb up --net "$NET" --subnet $SUB.0/24 "${NAMES[@]}"
	nsenter --net="/run/netns/$HOST" "$EBNET" rm --net "$NET" "${NAMES[@]:0:10}" >/dev/null 2>&1 &
	PID=$!
	kill_after $d
	note "rm killed after ${d}s (still running: $KILLED)"
	all_good "rm killed after ${d}s"
	check "down" eb down --net "$NET"
	nothing_left "rm killed after ${d}s, up, down"
done

finish
