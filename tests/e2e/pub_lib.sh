# SPDX-License-Identifier: GPL-2.0
# Helpers of the published-ports tests (tests/e2e/pub_*.sh), on top of
# tests/lib.sh: servers in containers, clients anywhere, the eb_pub_ports map.
# Not a test itself (run.sh runs tests/e2e/*.sh: this file only defines
# functions and exits 0 with its count line when run alone).
#
# Every port a pub_* script publishes is its own: `ebnet publish` refuses a
# port that any network on the machine publishes, even one in another host
# namespace (a bug, shown by pub_badinput.sh), so scripts that run side by
# side must not share one. Nor do they use 8080 or 18080 (the README's demo,
# the benchmark, everyone's first try by hand). pub_many.sh's 20000-29999 is
# also the benchmark's scale sweep: the two cannot run at the same time.
#   pub_reach.sh    11080-11083, 11090, 11900-11909, 7070
#   pub_udp.sh      5353-5354/udp
#   pub_many.sh     11999, 20000-29999, 30000
#   pub_badinput.sh 11180-11199, 11480
#   pub_repair.sh   11095
#   pub_xdp.sh      11300-11301, 5355/udp
#   ob_unpub_addr.sh 11640
# Every unpublish names the network (--net): without it, unpublish acts on
# every network of the machine.

if [ "${BASH_SOURCE[0]}" == "$0" ]; then
	# Run alone (as tests/run.sh does with every *.sh here): nothing to test.
	echo "pub_lib.sh: helpers only"
	echo "0 passed, 0 failed"
	exit 0
fi

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

HOSTIP=198.51.100.1
OUTIP=203.0.113.2

# bg_log NS LOG CMD...: CMD in namespace NS, in the background, output to
# LOG, killed at exit (lib.sh's bg_ns, with a log and a time limit). nsenter
# and timeout exec (no shell in between), so the remembered pid is the one
# to kill; timeout passes the signal on, and bounds CMD should anything
# survive. $BG_LAST is its pid.
bg_log() {
	local ns=$1 log=$2
	shift 2
	nsenter --net="/run/netns/$ns" timeout 600 "$@" >"$log" 2>&1 &
	bg_pid $!
	BG_LAST=$!
}

# pub_tmp: sets T to the script's scratch folder. (Not `T=$(tmpdir)`: in a
# command substitution tmpdir runs in a subshell, its _EB_TMP is lost, and
# every call makes a new folder that the cleanup never removes.)
pub_tmp() {
	tmpdir >/dev/null
	T=$_EB_TMP
	mkdir -p "$T/www"
}

# http_server CTR PORT LOG: python's http.server on 0.0.0.0:PORT in CTR,
# serving an empty folder; it logs every request with the client's address
# ('A.B.C.D - - [...] "GET /?TAG HTTP/1.1" 200 -'). Ask for /?TAG: 200, and
# the tag tells the requests apart in the log. Counts a check: listening.
# Call it directly, never inside `check` or $(...): a server started in a
# subshell is not remembered, and so not killed at exit.
http_server() {
	bg_log "$(ctr "$1")" "$3" python3 -u -m http.server "$2" --bind 0.0.0.0 \
		--directory "$T/www"
	check "http.server on :$2 in $1" wait_until 10 listening "$(ctr "$1")" "$2"
}

# http_code RUNNER... URL: the HTTP status curl gets (000: none), e.g.
# `http_code in_out http://198.51.100.1:11080/?x`.
http_code() {
	local url=${*: -1}
	"${@:1:$#-1}" curl -sS -o /dev/null --connect-timeout 3 -m 5 -w '%{http_code}' "$url" \
		2>/dev/null
}

# check_http DESC WANT RUNNER... URL
check_http() {
	local desc=$1 want=$2
	shift 2
	check_eq "$desc" "$(http_code "$@")" "$want"
}

# log_has LOG REGEX: a request line of an http_server log (which may be
# written a moment after the client got its answer).
log_has() { wait_until 3 grep -Eq -- "$2" "$1"; }

# pub_dump: bpftool's dump of the network's eb_pub_ports map (JSON).
pub_dump() { in_host bpftool -j map dump pinned "$EB_PIN_ROOT/$NET/eb_pub_ports"; }

# ports_json: `ebnet ports --json` of the network.
ports_json() { eb ports --net "$NET" --json; }

# ports_count [LOW HIGH]: how many ports `ebnet ports --json` lists (in
# LOW..HIGH).
ports_count() {
	ports_json | python3 -c '
import json, sys
lo, hi = (int(sys.argv[1]), int(sys.argv[2])) if len(sys.argv) > 2 else (0, 65535)
print(sum(1 for e in json.load(sys.stdin)["ports"] if lo <= e["host_port"] <= hi))
' "$@"
}

# port_field HOSTIP HOSTPORT PROTO FIELD: one field of one `ports --json` entry.
port_field() {
	ports_json | python3 -c '
import json, sys
ip, port, proto, field = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
for e in json.load(sys.stdin)["ports"]:
    if e["host_ip"] == ip and e["host_port"] == port and e["proto"] == proto:
        print(e[field])
' "$@"
}

# run_rc VAR_OUT VAR_RC CMD...: CMD's output (both streams) and exit status.
run_rc() {
	local __o __r
	__o=$("${@:3}" 2>&1)
	__r=$?
	printf -v "$1" '%s' "$__o"
	printf -v "$2" '%s' "$__r"
}
