#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nat_badinput: bad NAT and conntrack settings of `ebnet up` (and bad `ct`
# and `gc` invocations) exit non-zero with a clear message and change
# nothing: no pin folder, namespace, device, address, route, attached
# program, firewall rule or map entry.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/nat_lib.sh"
sandbox tnx

SUB=10.74.0
NEW=${NET}new # a network that must never come to exist
track_net "$NEW"
X=$(ctr x)
# An uplink candidate with no IPv4 address.
ip -n "$HOST" link add noaddr0 type veth peer name noaddr1
ip -n "$HOST" link set noaddr0 up
ip -n "$HOST" link set noaddr1 up

# Everything a failed command could have changed (this script's names only:
# other tests may run at the same time).
state() {
	echo "== namespaces"
	netns_list | grep -E '^tnx' | sort
	echo "== pins"
	find "$EB_PIN_ROOT" -maxdepth 2 -path "$EB_PIN_ROOT/tnx*" 2>/dev/null | sort
	if [ -d "$EB_PIN_ROOT/$NET" ]; then
		# The maps that ebnet up writes (the others move with traffic,
		# the conntrack sweeper, monitor or trace).
		for m in eb_config eb_endpoints eb_ports eb_fdb_v2 eb_flood eb_pub_ports eb_netns \
			eb_build; do
			[ -e "$EB_PIN_ROOT/$NET/$m" ] || continue
			echo "== $m"
			bpftool map dump pinned "$EB_PIN_ROOT/$NET/$m" 2>&1
		done
	fi
	echo "== host links"
	links "$HOST" | sort
	echo "== host addresses"
	in_host ip -4 -o addr show
	echo "== host routes"
	in_host ip route show
	echo "== tc on up0 and noaddr0"
	for d in up0 noaddr0; do
		in_host tc qdisc show dev $d
		in_host tc filter show dev $d ingress 2>/dev/null
	done
	echo "== BPF attached in the host"
	in_host bpftool net show 2>&1 | grep -E 'up0|noaddr0'
	echo "== firewall"
	host_rules
	echo "== ip_forward"
	host_ip_forward
}

# bad DESC REGEX ARGS...: `ebnet ARGS` exits non-zero, says REGEX on
# stderr, creates no pin folder for $NEW and moves nothing in state.
BEFORE=$(state)
bad() {
	local desc=$1 re=$2 out rc now
	shift 2
	out=$(eb "$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -ne 0 ]; then
		ok "$desc: exits non-zero ($rc)"
	else
		not_ok "$desc: exits non-zero" "exit 0 for: ebnet $*"
	fi
	check_match "$desc: says why" "$out" "$re"
	if [ -e "$EB_PIN_ROOT/$NEW" ]; then
		not_ok "$desc: no pin folder created" "$EB_PIN_ROOT/$NEW exists"
		eb down --net "$NEW" >/dev/null 2>&1
	else
		ok "$desc: no pin folder created"
	fi
	now=$(state)
	if [ "$now" == "$BEFORE" ]; then
		ok "$desc: changes nothing"
	else
		not_ok "$desc: changes nothing" \
			"$(diff <(echo "$BEFORE") <(echo "$now") | head -n 8 | tr '\n' ' ')"
		BEFORE=$now
	fi
}

NEWARGS=(up --net "$NEW" --subnet 10.75.0.0/24)

# ---- a new network ----
bad "--snat-ip not on the uplink" "--snat-ip 192\.0\.2\.77 is not an address of the uplink 'up0'" \
	"${NEWARGS[@]}" --snat-ip 192.0.2.77 "$X"
bad "--snat-ip of the router (on the uplink's subnet, not ours)" \
	"--snat-ip 198\.51\.100\.254 is not an address of the uplink" \
	"${NEWARGS[@]}" --snat-ip 198.51.100.254 "$X"
bad "--snat-ip on another device than --uplink" "--snat-ip 198\.51\.100\.1 is not an address of the uplink 'noaddr0'" \
	"${NEWARGS[@]}" --uplink noaddr0 --snat-ip 198.51.100.1 "$X"
bad "--snat-ip 300.1.1.1" "invalid --snat-ip '300\.1\.1\.1'" "${NEWARGS[@]}" --snat-ip 300.1.1.1 "$X"
bad "--snat-ip garbage" "invalid --snat-ip 'up0'" "${NEWARGS[@]}" --snat-ip up0 "$X"
bad "--uplink that does not exist" "uplink 'nope0' does not exist" \
	"${NEWARGS[@]}" --uplink nope0 "$X"
bad "--uplink without an IPv4 address" "uplink 'noaddr0' has no IPv4 address" \
	"${NEWARGS[@]}" --uplink noaddr0 "$X"
for v in 0 1 63 4194305 99999999999 4294967296 -1 abc 1e6 " 128"; do
	bad "--ct-tcp-size '$v'" "invalid --ct-tcp-size '$v': want [0-9]+ to [0-9]+ entries" \
		"${NEWARGS[@]}" --ct-tcp-size "$v" "$X"
done
bad "--ct-tcp-size ''" "'--ct-tcp-size' needs a value|invalid --ct-tcp-size ''" \
	"${NEWARGS[@]}" --ct-tcp-size "" "$X"
for v in 0 99999999999; do
	bad "--ct-other-size '$v'" "invalid --ct-other-size '$v'" \
		"${NEWARGS[@]}" --ct-other-size "$v" "$X"
done
for v in 5000-4000 80-1000 0-1023 1024-65536 5000 5000- -5000 a-b 5000-6000-7000 " 5000-6000"; do
	bad "--nat-ports '$v'" "invalid --nat-ports '$v': want LOW-HIGH within 1024-65535" \
		"${NEWARGS[@]}" --nat-ports "$v" "$X"
done
check_fails "no failed command created the network" test -e "$EB_PIN_ROOT/$NEW"
check_fails "no failed command created the container" test -e "/run/netns/$X"

# ---- an existing network: its settings cannot change under it ----
check "up a network with --nat-ports 20000-20999 --ct-tcp-size 1024" \
	eb up --net "$NET" --subnet $SUB.0/24 --nat-ports 20000-20999 --ct-tcp-size 1024 "$(ctr a)"
check_match "ls shows the NAT ports and conntrack size" "$(eb ls --net "$NET")" \
	"nat ports 20000-20999 +conntrack 1024 tcp"
BEFORE=$(state)
EXISTS="exists with other NAT or conntrack settings"
bad "existing network, other --nat-ports" "$EXISTS" up --net "$NET" --nat-ports 30000-30999 "$X"
bad "existing network, other --ct-tcp-size" "$EXISTS" up --net "$NET" --ct-tcp-size 2048 "$X"
bad "existing network, other --ct-other-size" "$EXISTS" up --net "$NET" --ct-other-size 2048 "$X"
bad "existing network, --snat-ip of another address" "exists with other NAT|not an address" \
	up --net "$NET" --snat-ip 192.0.2.77 "$X"
bad "existing network, another --uplink" "exists with another uplink" \
	up --net "$NET" --uplink noaddr0 "$X"
bad "existing network, --ct-tcp-size 0" "invalid --ct-tcp-size '0'" \
	up --net "$NET" --ct-tcp-size 0 "$X"
check "up again with the same settings exits 0" \
	eb up --net "$NET" --nat-ports 20000-20999 --ct-tcp-size 1024 "$(ctr a)"
check "the network still reaches the outside" in_ctr a ping -c 1 -W 2 $OUT_IP
BEFORE=$(state)

# ---- ct and gc ----
bad "ct of an unknown network" "network '$NEW' does not exist" ct --net "$NEW"
bad "ct flush of an unknown network" "network '$NEW' does not exist" ct --net "$NEW" flush
bad "gc of an unknown network" "network '$NEW' does not exist" gc --net "$NEW"
bad "ct with an unknown word" "unexpected argument 'bogus'" ct --net "$NET" bogus
bad "ct with two words" "unexpected argument" ct --net "$NET" flush list
bad "gc with an argument" "unexpected argument 'now'" gc --net "$NET" now
bad "ct --bogus" "unknown option '--bogus'" ct --net "$NET" --bogus
check_match "ct still lists the ping's flow after all of that" "$(ct_flows)" "^icmp "

check "down" eb down --net "$NET"
check_fails "down: no pin folder left" test -e "$EB_PIN_ROOT/$NET"
finish
