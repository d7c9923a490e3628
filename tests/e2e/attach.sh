#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# attach/detach: namespaces that ebnet did not make (`ip netns add`,
# `unshare -n`) get a port of the network and reach the gateway and ebnet's
# own containers; `ebnet ls` shows the runtime id; detach leaves the
# namespace without the device and nothing else behind; a peer left in the
# host (--host-peer, the Docker driver's case) works once moved and
# configured by hand; `ebnet gc` reclaims an attachment whose namespace is
# gone.
. "$(dirname "$0")/../lib.sh"
sandbox cna

T=$_EB_TMP
export EBNET_STATE_DIR=$T/state
A=$(ctr a)
# Foreign namespaces: not named PREFIX-* (those are ebnet's own, and the
# sandbox's teardown reports them as left over); removed at exit, also when
# the script fails.
F1=cnaf1
keep_netns() { ip netns add "$1"; }
trap 'rc=$?; ip netns del "$F1" 2>/dev/null; ip netns del cnaf3 2>/dev/null; (exit $rc); _eb_cleanup' EXIT
keep_netns "$F1"
ip -n "$F1" link set lo up

check "up a network with one ebnet container" eb up --net "$NET" --subnet 10.93.0.0/24 "$A"

OUT1=$(eb attach --net "$NET" f1 --netns "/run/netns/$F1" 2>&1)
check_match "attach a namespace made by ip netns add" "$OUT1" "attached 'f1' to network $NET: 10\.93\.0\.3/24"
check_match "its eth0 has the address" "$(ip -n "$F1" -4 -o addr show dev eth0 2>&1)" "inet 10\.93\.0\.3/24"
check_match "its default route is the gateway" "$(ip -n "$F1" route show default 2>&1)" "default via 10\.93\.0\.1 dev eth0"
check "the attached namespace pings the gateway" in_ns "$F1" ping -c1 -W2 10.93.0.1
check "the attached namespace pings ebnet's container" in_ns "$F1" ping -c1 -W2 10.93.0.2
check "ebnet's container pings the attached namespace" in_ctr a ping -c1 -W2 10.93.0.3
check_eq "ls: state ready" "$(eb ls --net "$NET" --json | jq -r '.networks[0].containers[] | select(.name=="f1") | .state')" ready
check_eq "ls: runtime id and netns" \
	"$(eb ls --net "$NET" --json | jq -r '.networks[0].containers[] | select(.name=="f1") | "\(.runtime_id) \(.owner) \(.netns) \(.alive)"')" \
	"f1 attach /run/netns/$F1 true"
check_match "ls text: the attachment's line" "$(eb ls --net "$NET")" "attached by attach: id f1 .*netns /run/netns/$F1 .*alive"
check_eq "exec enters the attached namespace" "$(eb exec f1 -- ip -4 -o addr show dev eth0 | awk '{print $4}')" 10.93.0.3/24

# A process's namespace, by pid, with a given address.
unshare -n sleep 600 &
PID=$!
bg_pid $PID
wait_until 5 test "$(readlink /proc/$PID/ns/net)" != "$(readlink /proc/self/ns/net)"
check "attach a namespace by --pid with --ip" eb attach --net "$NET" f2 --pid "$PID" --ip 10.93.0.50
check_match "the process's namespace has eth0 10.93.0.50" "$(nsenter -t "$PID" -n ip -4 -o addr show dev eth0 2>&1)" "10\.93\.0\.50/24"
check "the process's namespace pings the first attachment" nsenter -t "$PID" -n ping -c1 -W2 10.93.0.3

# Bad input changes nothing.
BEFORE=$(eb ls --net "$NET" --json)
check_fails "attach to a path that is no namespace" eb attach --net "$NET" bad1 --netns "$T"
check_fails "attach to a namespace that does not exist" eb attach --net "$NET" bad2 --netns /run/netns/cna-nosuch
check_fails "attach with an address outside the subnet" eb attach --net "$NET" bad3 --netns "/run/netns/$F1" --ip 10.1.1.1
check_match "attach under the name of ebnet's own container is refused" \
	"$(eb attach --net "$NET" "$A" --netns "/run/netns/$F1" 2>&1)" "container '$A' exists already"
check_match "attach where the namespace has eth0 already is refused, naming it" \
	"$(eb attach --net "$NET" bad4 --pid "$PID" 2>&1)" "a device named 'eth0' exists already"
check_match "attach without a namespace is a usage error" "$(eb attach --net "$NET" bad5 2>&1)" "give one of --netns"
check_match "attach with both --netns and --pid is a usage error" \
	"$(eb attach --net "$NET" bad6 --netns "/run/netns/$F1" --pid "$PID" 2>&1)" "give one of --netns"
check_match "up of an attachment's name is refused" "$(eb up --net "$NET" f1 2>&1)" "attached to a namespace of another tool"
check_eq "bad input changed nothing" "$(eb ls --net "$NET" --json)" "$BEFORE"

# Again: made again at the same address.
check "attach again (same name) works" eb attach --net "$NET" f1 --netns "/run/netns/$F1"
check_match "...at the same address" "$(ip -n "$F1" -4 -o addr show dev eth0 2>&1)" "inet 10\.93\.0\.3/24"
check "...and still pings the gateway" in_ns "$F1" ping -c1 -W2 10.93.0.1

# Detach: the namespace stays, without eth0; no device, record or state left.
HD=$(eb ls --net "$NET" --json | jq -r '.networks[0].containers[] | select(.name=="f1") | .host_dev')
check "detach" eb detach f1
check_eq "the namespace has only lo" "$(links "$F1" | tr '\n' ' ')" "lo "
check_nomatch "the host end is gone" "$(links "$HOST")" "^$HD\$"
check_nomatch "ls no longer lists it" "$(eb ls --net "$NET" --json | jq -r '.networks[0].containers[].name')" "^f1\$"
check_eq "its state file is gone" "$(ls "$EBNET_STATE_DIR/attach/$NET" | tr '\n' ' ')" "f2 "
check "the namespace made outside ebnet still exists" test -e "/run/netns/$F1"
check_fails "detach of an unknown name exits non-zero" eb detach f1

# The Docker driver's way: the peer stays in the host; the caller moves and
# configures it.
ncookies() { in_host bpftool -j map dump pinned "$EB_PIN_ROOT/$NET/eb_netns" | jq length; }
NC0=$(ncookies)
OUT3=$(eb attach --net "$NET" f3 --host-peer cnap0 --netns "/run/netns/$F1" --json 2>&1)
check_match "attach with --host-peer" "$OUT3" '"ip":"10\.93\.0\.[0-9]+/24"'
IP3=$(echo "$OUT3" | jq -r .ip | cut -d/ -f1)
MAC3=$(echo "$OUT3" | jq -r .mac)
check_match "the peer is in the host namespace, down" "$(in_host ip -o link show cnap0 2>&1)" "cnap0@.*state DOWN"
check_nomatch "...with no address" "$(in_host ip -o -4 addr show dev cnap0 2>&1)" "inet"
ip -n "$HOST" link set cnap0 netns "$F1" &&
	ip -n "$F1" link set cnap0 name eth0 &&
	ip -n "$F1" link set eth0 address "$MAC3" &&
	ip -n "$F1" addr add "$IP3/24" dev eth0 &&
	ip -n "$F1" link set eth0 up &&
	ip -n "$F1" route add default via 10.93.0.1
check_eq "moved and configured by hand" "$?" 0
check "the hand-configured namespace pings the gateway" in_ns "$F1" ping -c1 -W2 10.93.0.1
check "...and ebnet's container" in_ns "$F1" ping -c1 -W2 10.93.0.2
check_eq "ls: the namespace it was to go to" \
	"$(eb ls --net "$NET" --json | jq -r '.networks[0].containers[] | select(.name=="f3") | .netns')" "/run/netns/$F1"
check_eq "the namespace's cookie is the network's (published ports reached from it)" "$(ncookies)" $((NC0 + 1))
check "detach the host-peer attachment" eb detach --net "$NET" f3
check_eq "the moved device went with it" "$(links "$F1" | tr '\n' ' ')" "lo "
check_eq "...and the namespace's cookie" "$(ncookies)" "$NC0"

# A namespace that goes away: gc reclaims its attachment.
HD2=$(eb ls --net "$NET" --json | jq -r '.networks[0].containers[] | select(.name=="f2") | .host_dev')
kill "$PID"
wait "$PID" 2>/dev/null
wait_until 10 sh -c "! nsenter --net=/run/netns/$HOST ip link show $HD2 >/dev/null 2>&1"
check_eq "ls: the attachment is gone" \
	"$(eb ls --net "$NET" --json | jq -r '.networks[0].containers[] | select(.name=="f2") | .alive')" false
check_match "gc reclaims it" "$(eb gc --net "$NET")" ", 1 attachments whose namespace is gone"
check_eq "ls lists only ebnet's container" "$(eb ls --net "$NET" --json | jq -r '.networks[0].containers[].name' | tr '\n' ' ')" "$A "
check_eq "no state file left" "$(ls -A "$EBNET_STATE_DIR/attach/$NET" 2>/dev/null | wc -l)" 0

# up's options with attach: --mtu on the network attach makes (said in
# attach's help as "[up's options]").
NET3=${NET}m
track_net "$NET3"
ip netns add cnaf3
check "attach --mtu 1400 makes a network of that MTU" \
	eb attach --net "$NET3" --subnet 10.93.9.0/24 --mtu 1400 fm --netns /run/netns/cnaf3
check_match "...eth0 in the namespace has MTU 1400" "$(ip -n cnaf3 -o link show eth0)" " mtu 1400 "
check "detach it" eb detach --net "$NET3" fm
check "down that network" eb down --net "$NET3"
ip netns del cnaf3

check "down" eb down --net "$NET"
check_eq "down leaves no state dir of the network" "$(ls -A "$EBNET_STATE_DIR/attach" 2>/dev/null | wc -l)" 0
finish
