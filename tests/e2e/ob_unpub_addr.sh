#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ob_unpub_addr: unpublishing a port on one host address forgets only the
# flows of that publication. The same port is published on two addresses
# of the host (198.51.100.1 to web, 198.51.100.2 to other); a long-lived
# TCP flow from outside runs through each; `unpublish 198.51.100.1:PORT`
# ends the first (its conntrack entries go) while the second keeps
# carrying bytes and keeps its entry. (An earlier build matched the flows
# by protocol and port only, and cut both.)
# Port: 11640 (see pub_lib.sh's list).
. "$(dirname "$0")/pub_lib.sh"
sandbox ob

SUB=10.94.0
HOSTIP2=198.51.100.2
PORT=11640
W=$(ctr web) O=$(ctr other)
pub_tmp

check "a second address $HOSTIP2 on the uplink" ip -n "$HOST" addr add $HOSTIP2/24 dev up0
check "up web and other" eb up --net "$NET" --subnet $SUB.0/24 "$W" "$O"
bg_log "$W" "$T/sink-w.log" socat -u TCP-LISTEN:84,reuseaddr "CREATE:$T/got-w"
bg_log "$O" "$T/sink-o.log" socat -u TCP-LISTEN:84,reuseaddr "CREATE:$T/got-o"
check "a sink on :84 in web" wait_until 10 listening "$W" 84
check "a sink on :84 in other" wait_until 10 listening "$O" 84
check "publish $HOSTIP:$PORT:web:84" eb publish "$HOSTIP:$PORT:$W:84"
check "publish $HOSTIP2:$PORT:other:84" eb publish "$HOSTIP2:$PORT:$O:84"

# A line every 0.1 s, for as long as the test runs.
ticker='while :; do echo tick; sleep 0.1; done'
bg_log "$OUT" "$T/cli-w.log" bash -c "$ticker | socat -u - TCP:$HOSTIP:$PORT"
bg_log "$OUT" "$T/cli-o.log" bash -c "$ticker | socat -u - TCP:$HOSTIP2:$PORT"

size() { stat -c %s "$1" 2>/dev/null || echo 0; }
# grows FILE: its size grows within 3 s (grows_now reads it on every try).
grows_now() { [ "$(size "$2")" -gt "$1" ]; }
grows() { wait_until 3 grows_now "$(size "$1")" "$1"; }

check "the flow to $HOSTIP:$PORT carries bytes to web" grows "$T/got-w"
check "the flow to $HOSTIP2:$PORT carries bytes to other" grows "$T/got-o"
RE1=${HOSTIP//./\\.}:$PORT RE2=${HOSTIP2//./\\.}:$PORT
CT=$(eb ct --net "$NET")
check_match "ebnet ct lists the flow to $HOSTIP:$PORT" "$CT" "$RE1"
check_match "ebnet ct lists the flow to $HOSTIP2:$PORT" "$CT" "$RE2"

check "unpublish $HOSTIP:$PORT" eb unpublish --net "$NET" "$HOSTIP:$PORT"
sleep 0.5
check "after it: the flow to $HOSTIP2:$PORT still carries bytes to other" grows "$T/got-o"
sleep 1
check "after 1 s more: it still does" grows "$T/got-o"
CT=$(eb ct --net "$NET")
check_match "ebnet ct still lists the flow to $HOSTIP2:$PORT" "$CT" "$RE2"
check_nomatch "ebnet ct no longer lists the flow to $HOSTIP:$PORT" "$CT" "$RE1"
check_fails "the flow to $HOSTIP:$PORT carries nothing more to web" grows "$T/got-w"
check_match "ports still lists $HOSTIP2:$PORT" "$(eb ports --net "$NET")" "$RE2 +tcp"

eb unpublish --net "$NET" "$HOSTIP2:$PORT" >/dev/null
check "down" eb down --net "$NET"
finish
