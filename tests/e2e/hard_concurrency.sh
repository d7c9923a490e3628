#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# hard_concurrency: many ebnet commands at once on one network (issue 6).
# 20 `ebnet publish` of distinct ports and 10 `ebnet up` of distinct new
# containers start together in the background; every one succeeds, and
# afterwards every mapping is there exactly once (`ebnet ports --json`,
# `ebnet ls --json`, the pinned maps), every container has its own address
# and pings, and the published ports answer from outside. Then removals
# and additions at once (10 unpublish, 10 publish, 5 rm, 5 up): the end
# state is exactly the sum of them. Then the same name, the same mapping
# and the same port to 6 different targets are each asked for by 6
# commands at once: one container, one mapping of each port, 5 publishes
# refused with a message, nothing doubled.
. "$(dirname "$0")/../lib.sh"
sandbox hcc

SUB=10.52.0
PORT0=12100 # 12100-12131: this script's own
T=$(tmpdir)
W=$(ctr web)

check "up web" eb up --net "$NET" --subnet $SUB.0/24 "$W"
# web answers every TCP connection with its name.
bg_ns "$W" timeout 120 socat TCP-LISTEN:80,reuseaddr,fork SYSTEM:'echo hello-from-web'
wait_until 5 listening "$W" 80

# ---- 30 commands at once ----
pids=()
outs=()
for i in $(seq 0 19); do
	eb publish --net "$NET" "$((PORT0 + i)):$W:80" >"$T/pub.$i" 2>&1 &
	pids+=($!)
	outs+=("$T/pub.$i")
done
for i in $(seq 0 9); do
	eb up --net "$NET" "$(ctr c$i)" >"$T/up.$i" 2>&1 &
	pids+=($!)
	outs+=("$T/up.$i")
done
failed=
for k in "${!pids[@]}"; do
	wait "${pids[$k]}" || failed+="$(basename "${outs[$k]}"): $(tr '\n' ' ' <"${outs[$k]}"); "
done
check_eq "20 publish and 10 up at once: every one exits 0" "$failed" ""

# ---- every mapping once ----
PORTS_JSON=$(eb ports --net "$NET" --json)
LS_JSON=$(eb ls --net "$NET" --json)
check_eq "ports --json: each of the 20 ports exactly once, each to web:80" "$(
	echo "$PORTS_JSON" | python3 -c '
import json, sys, collections
lo, ctr = int(sys.argv[1]), sys.argv[2]
ports = json.load(sys.stdin)["ports"]
seen = collections.Counter((e["host_port"], e["proto"]) for e in ports)
bad = [p for p in range(lo, lo + 20) if seen[(p, "tcp")] != 1]
bad += [e["host_port"] for e in ports if e["container"] != ctr or e["container_port"] != 80]
extra = [p for (p, _) in seen if not lo <= p < lo + 20]
print("missing or doubled: %s; other: %s" % (bad, extra) if bad or extra else "ok")
' "$PORT0" "$W" 2>&1)" ok
check_eq "ls --json: web and c0..c9 exactly once each, with 11 distinct addresses and MACs" "$(
	echo "$LS_JSON" | python3 -c '
import json, sys, collections
want = set(sys.argv[1:])
ctrs = [c for n in json.load(sys.stdin)["networks"] for c in n["containers"]]
names = collections.Counter(c["name"] for c in ctrs)
probs = ["%s x%d" % (n, k) for n, k in names.items() if k != 1]
probs += ["missing %s" % n for n in want - set(names)]
probs += ["unexpected %s" % n for n in set(names) - want]
if len({c["ip"] for c in ctrs}) != len(ctrs): probs.append("duplicate address")
if len({c["mac"] for c in ctrs}) != len(ctrs): probs.append("duplicate MAC")
if len({c["host_dev"] for c in ctrs}) != len(ctrs): probs.append("duplicate host device")
probs += ["%s is %s" % (c["name"], c["state"]) for c in ctrs if c["state"] != "ready"]
print("; ".join(probs) or "ok")
' "$W" $(for i in $(seq 0 9); do ctr c$i; done) 2>&1)" ok
count_entries() { in_host bpftool -j map dump pinned "$EB_PIN_ROOT/$NET/$1" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
check_eq "eb_pub_ports holds 20 entries" "$(count_entries eb_pub_ports)" 20
check_eq "eb_endpoints holds 11 entries" "$(count_entries eb_endpoints)" 11
check_eq "eb_ports holds 11 entries" "$(count_entries eb_ports)" 11
check_eq "eb_fdb_v2 holds 11 entries" "$(count_entries eb_fdb_v2)" 11
check_eq "eb_flood lists 11 ports, each once" "$(in_host bpftool -j map dump pinned "$EB_PIN_ROOT/$NET/eb_flood" |
	python3 -c '
import json, sys
v = [e.get("formatted", e)["value"] for e in json.load(sys.stdin)]
v = [x for x in v if x]
print(len(v) if len(set(v)) == len(v) else "doubled: %s" % v)')" 11

# ---- and it all works ----
IPW=$(ls_field web ip)
# pings CTR ADDR...: CTR pings each address.
pings() {
	local c=$1 a
	shift
	for a in "$@"; do in_ctr "$c" ping -c1 -W2 "$a" || return 1; done
}
for i in $(seq 0 9); do
	check "c$i pings the gateway and web" pings c$i $SUB.1 "$IPW"
done
check "c0 pings c9" pings c0 "$(ls_field c9 ip)"
check "c9 pings c0" pings c9 "$(ls_field c0 ip)"
for p in $PORT0 $((PORT0 + 7)) $((PORT0 + 19)); do
	check_eq "from outside: 198.51.100.1:$p reaches web" \
		"$(in_out timeout 5 socat -T3 - TCP:198.51.100.1:$p </dev/null 2>&1)" hello-from-web
done

# ---- removals and additions mixed, at once ----
# unpublish 12100-12109, publish 12121-12130, rm c0-c4, up d0-d4.
pids=()
outs=()
for i in $(seq 0 9); do
	eb unpublish --net "$NET" "$((PORT0 + i))" >"$T/unpub.$i" 2>&1 &
	pids+=($!) outs+=("$T/unpub.$i")
	eb publish --net "$NET" "$((PORT0 + 21 + i)):$W:80" >"$T/pub2.$i" 2>&1 &
	pids+=($!) outs+=("$T/pub2.$i")
done
for i in $(seq 0 4); do
	eb rm --net "$NET" "$(ctr c$i)" >"$T/rm.$i" 2>&1 &
	pids+=($!) outs+=("$T/rm.$i")
	eb up --net "$NET" "$(ctr d$i)" >"$T/up2.$i" 2>&1 &
	pids+=($!) outs+=("$T/up2.$i")
done
failed=
for k in "${!pids[@]}"; do
	wait "${pids[$k]}" || failed+="$(basename "${outs[$k]}"): $(tr '\n' ' ' <"${outs[$k]}"); "
done
check_eq "10 unpublish, 10 publish, 5 rm and 5 up at once: every one exits 0" "$failed" ""
check_eq "ports --json: exactly 12110-12119 and 12121-12130, each once" "$(eb ports --net "$NET" --json |
	python3 -c '
import json, sys
p = sorted(e["host_port"] for e in json.load(sys.stdin)["ports"])
want = list(range(12110, 12120)) + list(range(12121, 12131))
print("ok" if p == want else "got %s" % p)')" ok
check_eq "ls --json: web, c5..c9, d0..d4, each once" "$(eb ls --net "$NET" --json | python3 -c '
import json, sys
got = sorted(c["name"] for n in json.load(sys.stdin)["networks"] for c in n["containers"])
want = sorted(sys.argv[1:])
print("ok" if got == want else "got %s" % got)' "$W" $(for i in 5 6 7 8 9; do ctr c$i; done) \
	$(for i in 0 1 2 3 4; do ctr d$i; done))" ok
check_eq "no namespace of a removed container left" "$(for i in 0 1 2 3 4; do netns_list | grep -x "$(ctr c$i)"; done)" ""
for m in eb_endpoints eb_ports eb_fdb_v2; do
	check_eq "$m holds 11 entries" "$(count_entries $m)" 11
done
for i in 0 4; do
	check "d$i pings web and c9" pings d$i "$IPW" "$(ls_field c9 ip)"
done
check_eq "from outside: 198.51.100.1:12130 reaches web" \
	"$(in_out timeout 5 socat -T3 - TCP:198.51.100.1:12130 </dev/null 2>&1)" hello-from-web
check_fails "from outside: unpublished 198.51.100.1:12100 does not" \
	in_out timeout 5 socat -T3 - TCP:198.51.100.1:12100

# ---- the same name and the same port, 6 times at once ----
# The same mapping again is a no-op (so that a run cut short can run
# again); the same port to another target is refused: of 6 publishes of
# one port to 6 different container ports at once, exactly one wins.
DUPPORT=$((PORT0 + 31))
pids=()
for i in $(seq 0 5); do
	eb up --net "$NET" "$(ctr dup)" >"$T/dupup.$i" 2>&1 &
	pids+=($!)
	eb publish --net "$NET" "$((PORT0 + 20)):$W:80" >"$T/duppub.$i" 2>&1 &
	pids+=($!)
	eb publish --net "$NET" "$DUPPORT:$W:$((8000 + i))" >"$T/conflict.$i" 2>&1 &
	pids+=($!)
done
ups_ok=0 same_ok=0 conflict_ok=0 refused=0
for k in "${!pids[@]}"; do
	wait "${pids[$k]}"
	rc=$?
	case $((k % 3)) in
	0) [ $rc -eq 0 ] && ups_ok=$((ups_ok + 1)) ;;
	1) [ $rc -eq 0 ] && same_ok=$((same_ok + 1)) ;;
	2) if [ $rc -eq 0 ]; then
		conflict_ok=$((conflict_ok + 1))
	elif grep -q "already published" "$T/conflict.$((k / 3))"; then
		refused=$((refused + 1))
	fi ;;
	esac
done
check_eq "6 x up of the same new container at once: all exit 0 (up is idempotent)" "$ups_ok" 6
check_eq "6 x publish of the same mapping at once: all exit 0 (the same mapping again is a no-op)" \
	"$same_ok" 6
check_eq "6 x publish of one port to 6 different container ports at once: one succeeds" \
	"$conflict_ok" 1
check_eq "...and the 5 others are refused as already published" "$refused" 5
check_eq "the container is listed once" "$(eb ls --net "$NET" --json | python3 -c '
import json, sys
print(sum(c["name"] == sys.argv[1] for n in json.load(sys.stdin)["networks"] for c in n["containers"]))' "$(ctr dup)")" 1
for p in $((PORT0 + 20)) $DUPPORT; do
	check_eq "port $p is listed once" "$(eb ports --net "$NET" --json | python3 -c '
import json, sys
print(sum(e["host_port"] == int(sys.argv[1]) for e in json.load(sys.stdin)["ports"]))' $p)" 1
done
check "dup pings web" in_ctr dup ping -c1 -W2 "$IPW"
check_eq "eb_endpoints holds 12 entries (11 and dup)" "$(count_entries eb_endpoints)" 12

check "down" eb down --net "$NET"
check_eq "no container namespace left" "$(netns_list | grep -c "^hcc-[cdw]")" 0
finish
