# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the end-to-end tests (and of tools/demo.sh).
#
# Source it, then call `sandbox PREFIX`: it builds a sandbox whose every name
# derives from PREFIX, so that scripts run side by side:
#
#   $HOST  netns playing the host: uplink veth up0 198.51.100.1/24, default
#          route via the router. ebnet runs here (`eb ARGS...`).
#   $RTR   netns of a router: 198.51.100.254/24 toward HOST, 203.0.113.1/24
#          toward OUT (MTU 1280 on that link), ip_forward=1 in it only.
#   $OUT   netns of the outside world: 203.0.113.2/24, default route via RTR.
#   $NET   the ebnet network name; container names: ctr SUFFIX -> PREFIX-SUFFIX.
#
# Nothing here touches the machine's own devices, routes, sysctls or
# firewall, and no packet leaves the namespaces the sandbox creates. A trap
# on EXIT removes everything, also when a test fails or is killed, and then
# prints the script's final "N passed, N failed" line.
#
# ebnet is always run as `nsenter --net=/run/netns/$HOST ebnet ...`, never
# under `ip netns exec`: that runs in a private mount namespace, and the
# container namespaces ebnet bind-mounts under /run/netns would vanish.

EB_ROOT=${EB_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
EBNET=${EBNET:-$EB_ROOT/build/ebnet}
EB_PIN_ROOT=/sys/fs/bpf/ebnet
EB_LOCK=/run/lock/ebnet.lock

PASS=0
FAIL=0
SKIPPED=0
_EB_DONE=0
_EB_PREFIX=
_EB_TMP=

# ---- results ----

ok() {
	PASS=$((PASS + 1))
	if [ -n "${_EB_BUG:-}" ]; then
		echo "ok - $* (KNOWN BUG '$_EB_BUG' did not show: fixed? drop its known_bug marker)"
	else
		echo "ok - $*"
	fi
}
not_ok() {
	if [ -n "${_EB_BUG:-}" ]; then
		SKIPPED=$((SKIPPED + 1))
		echo "skip - KNOWN BUG ($_EB_BUG): $1 : ${2:-}"
		return
	fi
	FAIL=$((FAIL + 1))
	echo "not ok - $1 : ${2:-}"
}

# known_bug 'WHAT' CHECK ARGS...: a check that shows a bug reported to the
# owners of the code and not fixed yet. Its failure is printed loudly as a
# KNOWN BUG and counted as skipped, so that the suite stays green and the bug
# stays in sight; once it passes, it says the marker can go.
known_bug() {
	local rc
	_EB_BUG=$1
	shift
	"$@"
	rc=$?
	_EB_BUG=
	return $rc
}
skip() { SKIPPED=$((SKIPPED + 1)); echo "skip - $1 : ${2:-}"; }
note() { echo "# $*"; }

# check DESC CMD...: ok when CMD exits 0; otherwise its output is the detail.
check() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		ok "$desc"
	else
		not_ok "$desc" "exit $rc: $(echo "$out" | tail -n 5 | tr '\n' ' ')"
	fi
	return $rc
}

# check_fails DESC CMD...: ok when CMD exits non-zero.
check_fails() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -ne 0 ]; then
		ok "$desc"
	else
		not_ok "$desc" "exit 0, expected a failure: $(echo "$out" | tail -n 3 | tr '\n' ' ')"
	fi
	[ $rc -ne 0 ]
}

# check_eq DESC GOT WANT
check_eq() {
	if [ "$2" == "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "got '$2', want '$3'"
	fi
	[ "$2" == "$3" ]
}

# check_match DESC TEXT REGEX (grep -E)
check_match() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then
		ok "$1"
	else
		not_ok "$1" "'$(printf '%s' "$2" | head -c 300 | tr '\n' ' ')' does not match /$3/"
		return 1
	fi
}

# check_nomatch DESC TEXT REGEX
check_nomatch() {
	if ! printf '%s\n' "$2" | grep -Eq -- "$3"; then
		ok "$1"
	else
		not_ok "$1" "'$(printf '%s\n' "$2" | grep -E -- "$3" | head -n 3 | tr '\n' ' ')' matches /$3/"
		return 1
	fi
}

# ---- running things ----

in_ns() { local ns=$1; shift; nsenter --net="/run/netns/$ns" "$@"; }
in_host() { in_ns "$HOST" "$@"; }
in_out() { in_ns "$OUT" "$@"; }
in_rtr() { in_ns "$RTR" "$@"; }
# ebnet, inside the host namespace.
eb() { nsenter --net="/run/netns/$HOST" "$EBNET" "$@"; }
# Full container name of a suffix.
ctr() { echo "$_EB_PREFIX-$1"; }
# A command in a container's namespace.
in_ctr() { local c=$1; shift; in_ns "$(ctr "$c")" "$@"; }

# Device names of a namespace, one a line. (ip's stderr is dropped: while
# another test creates a namespace, ip cannot name a peer's namespace and
# says "Peer netns reference is invalid", which is harmless.)
links() { in_ns "$1" ip -o link show 2>/dev/null | awk -F': ' '{sub(/@.*/, "", $2); print $2}'; }
# Names of the network namespaces of the machine, one a line.
netns_list() { ip netns list 2>/dev/null | awk '{print $1}'; }
# MAC of a device: mac_of NS DEV
mac_of() { in_ns "$1" ip -o link show dev "$2" 2>/dev/null | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2; }

# A scratch folder, removed at exit.
tmpdir() {
	[ -n "$_EB_TMP" ] || _EB_TMP=$(mktemp -d "/tmp/ebnet-test-$_EB_PREFIX.${EB_RUN_ID:+$EB_RUN_ID.}XXXXXX")
	echo "$_EB_TMP"
}

# One field of `ebnet ls --json` for a container: ls_field CTR FIELD
ls_field() {
	eb ls --net "$NET" --json | python3 -c '
import json, sys
name, field = sys.argv[1], sys.argv[2]
for n in json.load(sys.stdin)["networks"]:
    for c in n["containers"]:
        if c["name"] == name:
            print(c[field])
' "$(ctr "$1")" "$2"
}

# Sum of a counter (packets) over all CPUs: stat_packets INDEX
stat_packets() {
	in_host bpftool -j map dump pinned "$EB_PIN_ROOT/$NET/eb_stats" | python3 -c '
import json, sys
idx = int(sys.argv[1])
total = 0
for e in json.load(sys.stdin):
    e = e.get("formatted", e)
    if e["key"] != idx:
        continue
    for v in e["values"]:
        total += v["value"]["packets"]
print(total)
' "$1"
}

# Counter indexes: EB_CNT_<NAME> from the list of maps/ebnet_counters.h (the
# X(INDEX, NAME, ...) rows enum eb_counter is made of) or the enum's own
# constants in maps/ebnet_maps.h (EB_CNT_LAST, EB_CNT_MAX...), read at run
# time, so that a renumbering there cannot make the tests lie.
eb_counter() {
	python3 - "$EB_ROOT/maps/ebnet_counters.h" "$EB_ROOT/maps/ebnet_maps.h" "$1" <<'PY'
import re, sys
want = sys.argv[3]
rows = dict((f"EB_CNT_{n}", int(i)) for i, n in
            re.findall(r"X\((\d+),\s*([A-Z0-9_]+),", open(sys.argv[1]).read()))
if want in rows:
    print(rows[want])
    sys.exit(0)
body = re.search(r"enum eb_counter \{(.*?)\};", open(sys.argv[2]).read(), re.S).group(1)
body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
m = re.search(r"\b" + re.escape(want) + r"\s*=\s*([^,]+),", body)
print(eval(m.group(1), {}, rows) if m else "")
PY
}

# wait_until SECONDS CMD...: retries CMD every 0.1 s.
wait_until() {
	local t=$1 i
	shift
	for ((i = 0; i < t * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# ---- the sandbox ----

# Removes everything the sandbox made; prints what `ebnet down` left, if
# anything (a bug: the tool's own teardown must leave nothing).
_eb_teardown() {
	local ns n
	[ -n "$_EB_PREFIX" ] || return 0
	# The pids of bg_pid, also those remembered in a subshell (`check
	# DESC out_server 8081` runs out_server in one: its $_EB_PIDS never
	# reached this shell, and the server outlived the sandbox).
	for p in $_EB_PIDS $(cat "$_EB_TMP/bg.pids" 2>/dev/null); do kill "$p" 2>/dev/null; done
	# Every network this script made: ebnet down first, so that the tool's
	# own teardown is what is relied on.
	for n in $_EB_NETS; do
		[ -e "/run/netns/$HOST" ] &&
			timeout 60 nsenter --net="/run/netns/$HOST" "$EBNET" down --net "$n" >/dev/null 2>&1
	done
	# Whatever that left: under the tool's lock, so that no `ebnet up` of
	# another test sees a half-removed folder.
	(
		flock 9
		for n in $_EB_NETS; do
			if [ -d "$EB_PIN_ROOT/$n" ]; then
				echo "ebnet down --net $n left $EB_PIN_ROOT/$n"
				rm -rf "${EB_PIN_ROOT:?}/$n"
			fi
		done
		rmdir "$EB_PIN_ROOT" 2>/dev/null
	) 9>"$EB_LOCK"
	for ns in $(netns_list); do
		case $ns in
		"$HOST" | "$RTR" | "$OUT") ;;
		"$_EB_PREFIX"-*) echo "ebnet down left namespace $ns" ;;
		esac
	done
	# Whatever still runs in a namespace of the sandbox (started without
	# bg_pid) goes with it, not into a namespace that nobody can name.
	for ns in $(netns_list); do
		case $ns in "$_EB_PREFIX"-*) _eb_kill_ns "$ns" ;; esac
	done
	for ns in $(netns_list); do
		case $ns in "$_EB_PREFIX"-*) ip netns del "$ns" 2>/dev/null ;; esac
	done
	[ -n "$_EB_TMP" ] && rm -rf "$_EB_TMP"
	_EB_PREFIX=
	return 0
}

# Kills the processes of a namespace (TERM, then KILL after up to 2 s).
_eb_kill_ns() {
	local pids i
	pids=$(ip netns pids "$1" 2>/dev/null)
	[ -n "$pids" ] || return 0
	kill $pids 2>/dev/null
	for ((i = 0; i < 20; i++)); do
		pids=$(ip netns pids "$1" 2>/dev/null)
		[ -n "$pids" ] || return 0
		sleep 0.1
	done
	kill -9 $pids 2>/dev/null
}

_eb_cleanup() {
	local rc=$? left
	trap - EXIT INT TERM
	left=$(_eb_teardown)
	if [ -n "$left" ]; then
		not_ok "cleanup: ebnet down left nothing" "$(echo "$left" | tr '\n' ' ')"
	fi
	if [ -n "${_EB_LOCKFD:-}" ]; then
		# The file stays: removed, a script waiting on it would get the
		# old file's lock while the next one locks a new file, and the
		# two would run the same sandbox at once.
		exec {_EB_LOCKFD}>&-
	fi
	if [ "$_EB_DONE" != 1 ]; then
		not_ok "script ran to its end" "stopped early (exit $rc)"
	fi
	if [ "$SKIPPED" -gt 0 ]; then
		echo "$PASS passed, $FAIL failed, $SKIPPED skipped"
	else
		echo "$PASS passed, $FAIL failed"
	fi
	[ "$FAIL" -eq 0 ] && exit 0
	exit 1
}

# Marks the normal end of a script; the EXIT trap prints the counts.
finish() {
	_EB_DONE=1
	exit 0
}

# Remembers a background process to kill at exit; in a file too, so that a
# call from a subshell (`check DESC out_server PORT`) is not lost.
bg_pid() {
	_EB_PIDS="$_EB_PIDS $1"
	[ -n "$_EB_TMP" ] && echo "$1" >>"$_EB_TMP/bg.pids"
}

# bg_ns NS CMD...: CMD in namespace NS in the background, killed at exit.
# (`in_ns NS CMD &` would background a subshell: $! would be the subshell's
# pid, and killing it would leave CMD running.) Bound CMD with timeout.
bg_ns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@" &
	bg_pid $!
}

# Remembers another network name to remove at exit.
track_net() { _EB_NETS="$_EB_NETS $1"; }

sandbox() {
	_EB_PREFIX=$1
	# One sandbox of a prefix at a time on this machine: two checkouts (or
	# two scripts) that run the same prefix at once would share names.
	_EB_LOCKF=/run/lock/ebnet-sandbox-$1.lock
	exec {_EB_LOCKFD}>"$_EB_LOCKF"
	flock -w 900 "$_EB_LOCKFD" || { echo "sandbox $1: busy for 900 s" >&2; exit 1; }
	# Made here, in the script's own shell: `T=$(tmpdir)` runs tmpdir in a
	# subshell, whose _EB_TMP the exit trap would never see.
	# (tests/run.sh's final check finds what its tests left by EB_RUN_ID.)
	_EB_TMP=$(mktemp -d "/tmp/ebnet-test-$1.${EB_RUN_ID:+$EB_RUN_ID.}XXXXXX")
	# Containers' resolv.conf (loader/resolv.c) in the sandbox, not /etc/netns.
	export EBNET_NETNS_ETC=$_EB_TMP/etc-netns
	HOST=$1-host
	RTR=$1-rtr
	OUT=$1-out
	NET=$1net
	_EB_NETS=$NET
	_EB_PIDS=
	trap _eb_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM

	if [ "$(id -u)" -ne 0 ]; then
		echo "these tests need root (network namespaces, BPF)" >&2
		exit 1
	fi
	if [ ! -x "$EBNET" ]; then
		echo "no $EBNET: run make first" >&2
		exit 1
	fi
	# Leftovers of an earlier run that was killed hard.
	for ns in $(netns_list); do
		case $ns in "$_EB_PREFIX"-*) ip netns del "$ns" ;; esac
	done

	_sb ip netns add "$HOST"
	_sb ip netns add "$RTR"
	_sb ip netns add "$OUT"
	_sb ip -n "$HOST" link set lo up
	_sb ip -n "$RTR" link set lo up
	_sb ip -n "$OUT" link set lo up
	_sb ip link add up0 netns "$HOST" type veth peer name down0 netns "$RTR"
	_sb ip link add eth0 netns "$OUT" mtu 1280 type veth peer name out0 netns "$RTR" mtu 1280
	_sb ip -n "$HOST" addr add 198.51.100.1/24 dev up0
	_sb ip -n "$RTR" addr add 198.51.100.254/24 dev down0
	_sb ip -n "$RTR" addr add 203.0.113.1/24 dev out0
	_sb ip -n "$OUT" addr add 203.0.113.2/24 dev eth0
	_sb ip -n "$HOST" link set up0 up
	_sb ip -n "$RTR" link set down0 up
	_sb ip -n "$RTR" link set out0 up
	_sb ip -n "$OUT" link set eth0 up
	_sb ip -n "$HOST" route add default via 198.51.100.254
	_sb ip -n "$OUT" route add default via 203.0.113.1
	# Only inside the router's own namespace.
	_sb in_rtr sysctl -qw net.ipv4.ip_forward=1
}

# sandbox6: IPv6 in the sandbox `sandbox PREFIX` built (call it after that),
# for the IPv6 tests only (the others stay as they were). Documentation
# prefix 2001:db8::/32: the host's uplink up0 2001:db8:100::1/64 (UPLINK6),
# the router 2001:db8:100::fe/64 toward it (ROUTER6) and 2001:db8:113::1/64
# toward OUT (ROUTER6_OUT, on the MTU 1280 link: the IPv6 minimum), OUT
# 2001:db8:113::2/64 (OUT6); default routes as for IPv4; forwarding on in
# the router's namespace only. Addresses nodad: usable at once.
UPLINK6=2001:db8:100::1
ROUTER6=2001:db8:100::fe
ROUTER6_OUT=2001:db8:113::1
OUT6=2001:db8:113::2
sandbox6() {
	_sb in_host sysctl -qw net.ipv6.conf.up0.disable_ipv6=0
	_sb in_rtr sysctl -qw net.ipv6.conf.all.forwarding=1
	_sb ip -n "$HOST" -6 addr add $UPLINK6/64 dev up0 nodad
	_sb ip -n "$RTR" -6 addr add $ROUTER6/64 dev down0 nodad
	_sb ip -n "$RTR" -6 addr add $ROUTER6_OUT/64 dev out0 nodad
	_sb ip -n "$OUT" -6 addr add $OUT6/64 dev eth0 nodad
	_sb ip -n "$HOST" -6 route add default via $ROUTER6 dev up0
	_sb ip -n "$OUT" -6 route add default via $ROUTER6_OUT dev eth0
}

# One step of building the sandbox: a failure ends the script, loudly.
_sb() {
	local out
	if ! out=$("$@" 2>&1); then
		not_ok "sandbox: $*" "$out"
		exit 1
	fi
}

# A TCP echo-ish server in OUT on 203.0.113.2:PORT that answers every
# connection with its peer's address ("from A.B.C.D"), so that NAT tests can
# see which source address arrived.
out_server() {
	local port=${1:-8080}
	bg_ns "$OUT" timeout 600 socat "TCP-LISTEN:$port,bind=203.0.113.2,reuseaddr,fork" \
		SYSTEM:'echo from $SOCAT_PEERADDR' >/dev/null 2>&1
	wait_until 5 listening "$OUT" "$port"
}

# listening NS PORT: a TCP socket listens on PORT in NS.
listening() { [ -n "$(in_ns "$1" ss -Htln "sport = :$2")" ]; }
