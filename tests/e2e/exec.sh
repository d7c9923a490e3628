#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# exec: a command runs in the container's network namespace, with the
# caller's stdin and stdout, and its exit status is ebnet's.
. "$(dirname "$0")/../lib.sh"
sandbox texe

A=$(ctr a) B=$(ctr b)
check "up two containers" eb up --net "$NET" --subnet 10.91.0.0/24 "$A" "$B"

eb exec "$A" -- sh -c 'exit 7'
check_eq "exit status passes through (sh -c 'exit 7')" "$?" 7
eb exec "$A" -- true
check_eq "exit status 0 passes through" "$?" 0
eb exec "$A" sh -c 'exit 3'
check_eq "exit status passes through without --" "$?" 3
eb exec "$A" -- ebnet-no-such-command 2>/dev/null
check_eq "a command that does not exist: 127, as a shell says" "$?" 127

check_match "the command sees the container's eth0 and address" \
	"$(eb exec "$A" -- ip -4 -o addr show dev eth0)" "inet 10\.91\.0\.2/24"
check_nomatch "the command does not see the host's uplink" "$(eb exec "$A" -- ip -o link 2>/dev/null)" "up0"
check_eq "stdin and stdout pass through" "$(echo piped | eb exec "$A" -- cat)" piped
check_eq "arguments pass through untouched" "$(eb exec "$A" -- printf '%s|' 'a b' '-c' '--net')" \
	"a b|-c|--net|"
check "exec ping from one container to the other" eb exec "$A" -- ping -c1 -W2 10.91.0.3
check "exec with --net of the container's network" eb exec --net "$NET" "$B" -- true
check_fails "exec with --net of another network" eb exec --net "${NET}x" "$B" -- true

check "down" eb down --net "$NET"
check_fails "exec in a removed container fails" eb exec "$A" -- true
finish
