#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# json_schema: the --json output of every command, on a live network with
# traffic, checked against docs/JSON.md both ways by tests/json_schema.py:
# no key missing, none of another type, none that the schema does not list,
# the listed order. The optional keys are made to appear (an IPv6 network,
# an attachment, --watch, --prog, a DNS trace, a drop event), and every
# schema block of docs/JSON.md must have been checked here.
. "$(dirname "$0")/../lib.sh"
sandbox js

DOC=$EB_ROOT/docs/JSON.md
CNT=$EB_ROOT/maps/ebnet_counters.h
T=$(tmpdir)
A=$(ctr a) B=$(ctr b)
CHECKED=" "

# schema ID WHAT FILE: FILE (one document per line) matches block ID.
schema() {
	local id=$1 what=$2 f=$3 out
	CHECKED="$CHECKED$id "
	if [ ! -s "$f" ]; then
		not_ok "$what: JSON matches 'schema $id' of docs/JSON.md" "no output"
		return
	fi
	if out=$(python3 "$EB_ROOT/tests/json_schema.py" "$DOC" "$id" "$CNT" <"$f" 2>&1); then
		ok "$what: JSON matches 'schema $id' of docs/JSON.md ($(wc -l <"$f") document(s))"
	else
		not_ok "$what: JSON matches 'schema $id' of docs/JSON.md" "$(head -n 8 <<<"$out") | $(head -c 300 "$f")"
	fi
}
# has FILE JQ-EXPR WHAT: the optional part the check relies on is there.
has() {
	if jq -e "$2" "$1" >/dev/null 2>&1; then
		ok "$3"
	else
		not_ok "$3" "$(head -c 300 "$1")"
	fi
}

check "up --ipv6 with containers a and b" eb up --net "$NET" --subnet 10.96.0.0/24 --ipv6 "$A" "$B"
IPA=$(ls_field a ip)
out_server 8080
check "a reaches the outside (a NAT flow)" in_ctr a ping -c1 -W2 203.0.113.2
check "a: a TCP flow to the outside" in_ctr a socat -T2 - TCP:203.0.113.2:8080 </dev/null

eb publish --net "$NET" --json "18080:$A:80" "18081-18082:$B:81-82/udp" >"$T/publish"
schema publish "publish (two specs)" "$T/publish"
check_eq "publish --json: one line per spec" "$(wc -l <"$T/publish")" 2

ip netns add js-ext
eb attach --net "$NET" --json ext1 --netns /run/netns/js-ext >"$T/attach"
schema attach "attach" "$T/attach"

eb ls --json >"$T/ls"
schema ls "ls (IPv6 network, an attachment)" "$T/ls"
has "$T/ls" '.networks[0].subnet6 != null and ([.networks[0].containers[].ip6 | select(. != null)] | length) >= 2' \
	"ls: subnet6 and the containers' ip6 are filled in"
has "$T/ls" '[.networks[0].containers[] | select(.runtime_id != null and .alive == true)] | length == 1' \
	"ls: the attachment carries runtime_id .. alive"
eb ls --net "$NET" --json >"$T/ls1"
schema ls "ls --net" "$T/ls1"

eb ports --json >"$T/ports"
schema ports "ports (all networks)" "$T/ports"
has "$T/ports" '(.ports | length) == 3 and .ports[0].network != null' "ports: 3 ports, each with its network"
eb ports --net "$NET" --json >"$T/ports1"
schema ports "ports --net" "$T/ports1"
has "$T/ports1" '.ports[0] | has("network") | not' "ports --net: no network key"

eb ct --json >"$T/ct"
schema ct "ct (all networks)" "$T/ct"
has "$T/ct" '[.flows[].proto] | (index("icmp") != null and index("tcp") != null)' "ct: an icmp and a tcp flow"
eb ct --net "$NET" --json >"$T/ct1"
schema ct "ct --net" "$T/ct1"

# The outside reaches the published port: a port counter with traffic.
bg_ns "$A" timeout 60 socat TCP-LISTEN:80,reuseaddr,fork SYSTEM:'echo hi' 2>/dev/null
check "a listens on 80" wait_until 5 listening "$A" 80
check_eq "outside reaches 18080 -> a:80" "$(in_out socat -T2 - TCP:198.51.100.1:18080 </dev/null)" hi

eb stats --json >"$T/stats-all"
schema stats-all "stats (all networks)" "$T/stats-all"
eb stats --net "$NET" --json >"$T/stats"
schema stats "stats --net" "$T/stats"
has "$T/stats" '(.ports | length) >= 1 and (.containers | length) >= 2' "stats: a port with traffic and the containers"
timeout 3.5 nsenter --net="/run/netns/$HOST" "$EBNET" stats --net "$NET" --json --watch 1 >"$T/watch" 2>/dev/null
schema stats "stats --watch 1 (one document per round)" "$T/watch"
has "$T/watch" '.counters.rx.pps != null' "stats --watch: counters carry pps"
eb stats --net "$NET" --json --prog >"$T/prog"
schema stats "stats --prog" "$T/prog"
has "$T/prog" '(.programs | length) >= 1' "stats --prog: programs listed"

eb trace --net "$NET" --json "$A" tcp "$IPA:40000" 203.0.113.2:80 >"$T/trace"
schema trace "trace tcp to the outside" "$T/trace"
eb trace --net "$NET" --json "$A" udp "$IPA:5353" 10.96.0.1:53 --dns-query "$B" >"$T/trace-dns"
schema trace "trace of a DNS query" "$T/trace-dns"
has "$T/trace-dns" '.dns != null' "trace --dns-query: the answer is given"
eb trace --net "$NET" --json uplink tcp 203.0.113.2:5555 198.51.100.1:18080 >"$T/trace-up"
schema trace "trace from the uplink to a published port" "$T/trace-up"
A6=$(ls_field a ip6) B6=$(ls_field b ip6)
eb trace --net "$NET" --json "$A" tcp "[$A6]:40000" "[$B6]:80" >"$T/trace6"
schema trace "trace of an IPv6 packet" "$T/trace6"
has "$T/trace6" '.family == "ipv6" and .out.dst == "['"$B6"']:80"' "trace: the IPv6 packet, its family"

# Monitor: a new NAT flow, a drop (a spoofed source address) and an IPv6
# drop (a spoofed IPv6 source).
bg_ns "$HOST" "$EBNET" monitor --net "$NET" --json --count 3 --timeout 10 >"$T/monitor" 2>/dev/null
sleep 1
in_ctr a ping -c1 -W1 203.0.113.77 >/dev/null 2>&1
in_ctr a ip addr add 10.96.0.99/32 dev eth0
in_ctr a ping -c1 -W1 -I 10.96.0.99 10.96.0.1 >/dev/null 2>&1
SPOOF6=${A6%::*}::99
in_ctr a ip -6 addr add "$SPOOF6/128" dev eth0 nodad
in_ctr a ping -6 -c1 -W1 -I "$SPOOF6" "$B6" >/dev/null 2>&1
wait_until 10 test "$(wc -l <"$T/monitor")" -ge 3
schema monitor "monitor (a NAT flow, a drop, an IPv6 drop)" "$T/monitor"
check_match "monitor: a snat_new and a drop event" "$(jq -r .event "$T/monitor" | sort -u | paste -sd ' ')" \
	'drop snat_new'
has "$T/monitor" 'select(.family == "ipv6" and .event == "drop") | .src | startswith("['"$SPOOF6"']:")' \
	"monitor: the IPv6 drop, with its IPv6 source"

eb ct --net "$NET" --json flush >"$T/flush"
schema ct-flush "ct flush" "$T/flush"

# The attachment's namespace goes: ls says alive false, gc removes it. (A
# namespace dies once nothing holds it any more, a moment after `ip netns
# del` on a loaded machine: ls is asked until it says so.)
ip netns del js-ext
dead_seen() {
	eb ls --net "$NET" --json >"$T/ls-dead"
	[ "$(jq '[.networks[0].containers[] | select(.alive == false)] | length' "$T/ls-dead")" = 1 ]
}
wait_until 10 dead_seen
schema ls "ls with an attachment whose namespace is gone" "$T/ls-dead"
has "$T/ls-dead" '[.networks[0].containers[] | select(.alive == false)] | length == 1' "ls: alive false"
eb gc --net "$NET" --json >"$T/gc"
schema gc "gc" "$T/gc"
has "$T/gc" '.attachments_removed == 1' "gc: the attachment removed"

# Every block of docs/JSON.md was checked here.
for id in $(python3 "$EB_ROOT/tests/json_schema.py" "$DOC" --ids); do
	case $CHECKED in
	*" $id "*) ok "schema $id was checked" ;;
	*) not_ok "schema $id was checked" "docs/JSON.md has it, this test does not run it" ;;
	esac
done

check "down" eb down --net "$NET"
finish
