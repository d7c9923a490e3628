#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# pub_badinput: `ebnet publish` and `unpublish` refuse bad input with a
# non-zero exit and a message that says what is wrong, and leave the
# eb_pub_ports map exactly as it was (bpftool's dump before and after).
# Then: ports are a host's, so a network in another host namespace of the
# same machine neither blocks nor loses a port of this one.
. "$(dirname "$0")/pub_lib.sh"
sandbox tpb

SUB=10.96.0
W=$(ctr web) O=$(ctr other)
pub_tmp

check "up web and other" eb up --net "$NET" --subnet $SUB.0/24 "$W" "$O"
check "publish 11181:$W:80 (the port that is taken below)" eb publish "11181:$W:80"

# refused DESC REGEX ARGS...: `ebnet ARGS` exits non-zero (an error, not a
# crash), says something matching REGEX, and eb_pub_ports is unchanged.
refused() {
	local desc=$1 re=$2 before after msg rc
	shift 2
	before=$(pub_dump)
	run_rc msg rc eb "$@"
	after=$(pub_dump)
	if [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ]; then
		ok "$desc: exit $rc"
	else
		not_ok "$desc: non-zero exit" "exit $rc: $(echo "$msg" | head -c 200)"
	fi
	check_match "$desc: the message says why" "$msg" "$re"
	if [ "$after" == "$before" ]; then
		ok "$desc: eb_pub_ports unchanged"
	else
		not_ok "$desc: eb_pub_ports unchanged" \
			"before: $(pub_summary <<<"$before"), after: $(pub_summary <<<"$after")"
	fi
}

# pub_summary: a bpftool -j dump of eb_pub_ports as "PORT/PROTO->NAME:PORT ...".
pub_summary() {
	python3 -c '
import json, socket, sys
out = []
for e in json.load(sys.stdin):
    e = e.get("formatted", e)
    k, v = e["key"], e["value"]
    out.append("%d/%s->%s:%d" % (k["host_port"], {6: "tcp", 17: "udp"}[k["proto"]],
                                 v["name"], v["ctr_port"]))
print(" ".join(sorted(out)) or "(empty)")'
}

# ---- publish ----
refused "port 0" "invalid port spec '0:$W:80'.*host port" publish "0:$W:80"
refused "port 65536" "invalid port spec.*host port" publish "65536:$W:80"
refused "container port 0" "invalid port spec.*container port" publish "11182:$W:0"
refused "container port 65536" "invalid port spec.*container port" publish "11182:$W:65536"
refused "reversed range 90-80" "reversed port range '11190-11180'" publish "11190-11180:$W:90-80"
refused "unequal ranges 80-81:web:80-82" "unequal length: 2 host ports, 3 container ports" \
	publish "11180-11181:$W:80-82"
refused "range to one port" "unequal length" publish "11182-11183:$W:80"
refused "unknown container" "no container '$(ctr nosuch)'" publish "11182:$(ctr nosuch):80"
refused "unknown protocol /sctp" "unknown protocol 'sctp'" publish "11182:$W:80/sctp"
refused "protocol twice" "invalid port spec" publish "11182:$W:80/udp/tcp"
refused "a host address the host does not have (192.0.2.77)" \
	"192\.0\.2\.77 is not an address of this host" publish "192.0.2.77:11182:$W:80"
refused "the router's address, on the uplink's subnet but not the host's" \
	"198\.51\.100\.254 is not an address of this host" publish "198.51.100.254:11182:$W:80"
refused "malformed ':::'" "invalid port spec ':::'" publish ":::"
refused "malformed 'abc:web:80'" "invalid port spec 'abc:$W:80'" publish "abc:$W:80"
refused "malformed '11182:web' (no container port)" "invalid port spec '11182:$W'" publish "11182:$W"
refused "malformed address '1.2.3:11182:web:80'" "invalid host address '1\.2\.3'" \
	publish "1.2.3:11182:$W:80"
refused "too many fields" "invalid port spec" publish "1.2.3.4:11182:$W:80:90"
refused "no spec at all" "name the ports" publish
refused "conflict: the port is web's" "11181/tcp is already published to $W:80" publish "11181:$O:80"
refused "conflict: same container, another port" "already published to $W:80" publish "11181:$W:81"
refused "conflict: 127.0.0.1:11181 overlaps every address" "already published to $W" \
	publish "127.0.0.1:11181:$O:80"
refused "conflict: a range that overlaps" "11181/tcp is already published to $W" \
	publish "11180-11182:$O:80-82"
refused "a bad spec after a good one: nothing published" "invalid port spec '0:$W:80'" \
	publish "11182:$W:80" "0:$W:80"
refused "a conflict after a good spec in one command: nothing published" \
	"already published to $W" publish "11183:$O:80" "11181:$O:80"
refused "one port twice in one command: nothing published" "publish the same port" \
	publish "11184:$W:80" "11184:$O:80"
refused "a network that is not the container's" "'$W' is in network '$NET', not '${NET}nope'" publish --net "${NET}nope" "11185:$W:80"
check_eq "11181 is still web's, once" "$(port_field 0.0.0.0 11181 tcp container)" "$W"

# ---- unpublish ----
refused "unpublish port 0" "invalid port spec '0'" unpublish --net "$NET" 0
refused "unpublish 65536" "invalid port spec" unpublish --net "$NET" 65536
refused "unpublish reversed range" "reversed" unpublish --net "$NET" 11190-11180
refused "unpublish /sctp" "unknown protocol 'sctp'" unpublish --net "$NET" 11181/sctp
refused "unpublish malformed 'abc'" "invalid port spec 'abc'" unpublish --net "$NET" abc
refused "unpublish a container spec" "invalid port spec" unpublish --net "$NET" "11181:$W:80"
refused "unpublish a port that is not published" "11199/tcp is not published" \
	unpublish --net "$NET" 11199
refused "unpublish 11181/udp (published for tcp)" "11181/udp is not published" \
	unpublish --net "$NET" 11181/udp
refused "unpublish in a network that does not exist" "network '${NET}nope' does not exist" \
	unpublish --net "${NET}nope" 11181
refused "unpublish with no spec" "name the ports" unpublish --net "$NET"

# ---- another host namespace on the same machine ----
# A second "host": its own namespace, its own ebnet network. Ports are a
# host's: its 11480 is not this host's 11480. Removed at exit before the
# sandbox (lib.sh counts any other namespace of the prefix as a leftover).
H2=$_EB_PREFIX-host2 NET2=${NET}2 X=$(ctr x)
host2_cleanup() {
	if [ -e "/run/netns/$H2" ]; then
		timeout 60 nsenter --net="/run/netns/$H2" "$EBNET" down --net "$NET2" >/dev/null 2>&1
		ip netns del "$H2" 2>/dev/null
	fi
	ip netns del "$X" 2>/dev/null
}
trap '_rc=$?; host2_cleanup; (exit $_rc); _eb_cleanup' EXIT
eb2() { nsenter --net="/run/netns/$H2" "$EBNET" "$@"; }

check "a second host namespace" ip netns add "$H2"
check "network $NET2 with container x in it" eb2 up --net "$NET2" --subnet 10.97.0.0/24 "$X"
check "the second host publishes 11480:x:80" eb2 publish "11480:$X:80"
check "this host publishes 11480 too: another host's port is no conflict" \
	eb publish "11480:$W:80"
check "this host unpublishes 11480 (no --net)" eb unpublish 11480
check_eq "the second host's 11480 is still published" \
	"$(eb2 ports --net "$NET2" --json | python3 -c '
import json, sys
print(sum(1 for e in json.load(sys.stdin)["ports"] if e["host_port"] == 11480))')" 1
host2_cleanup

finish
