#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# pub6_badinput: bad IPv6 port specs and requests are refused with a
# message that names the problem, exit non-zero and change nothing: an
# unclosed bracket, a bad address, [::], an address in no brackets, an
# address the host does not have, overlaps with a
# plain publish and between the specs of one command, a failed spec of
# several (all or none); a publish run again is no error; unpublish of a
# port not published names it.
. "$(dirname "$0")/pub6_lib.sh"
pub6_sandbox h6c c6

SUB=10.98.0
SUB2=10.98.1
NET2=${NET}2
track_net "$NET2"
W=$(ctr web) L=$(ctr old)

check "up --ipv6 web" eb up --net "$NET" --subnet $SUB.0/24 --ipv6 "$W"
check "up an IPv4-only network: old" eb up --net "$NET2" --subnet $SUB2.0/24 "$L"
check "publish 11720:web:80 (plain)" eb publish "11720:$W:80"
check "publish [::1]:11721:web:80" eb publish "[::1]:11721:$W:80"

state() { pub_dump; pub6_dump; NET=$NET2 pub_dump; NET=$NET2 pub6_dump; }
before=$(state)

# refused SPEC... REGEX: publish exits non-zero, says REGEX, changes nothing.
refused() {
	local want=${*: -1} out rc
	out=$(eb publish "${@:1:$#-1}" 2>&1)
	rc=$?
	check "publish ${*:1:$#-1}: refused (exit $rc)" test "$rc" -ne 0
	check_match "... saying why" "$out" "$want"
	note "$out"
	check_eq "... and nothing changed" "$(state)" "$before"
}

refused "[::1" "unclosed '\['"
refused "[::1:11722:$W:80" "unclosed '\['"
refused "[zz::1]:11722:$W:80" "invalid IPv6 host address 'zz::1'"
refused "[1.2.3.4]:11722:$W:80" "invalid IPv6 host address '1\.2\.3\.4'"
refused "[::]:11722:$W:80" "\[::\] is every address"
refused "[::ffff:127.0.0.1]:11722:$W:80" "is an IPv4 address: give it as A\.B\.C\.D"
refused "[fe80::1]:11722:$W:80" "link-local"
refused "::1:11722:$W:80" "brackets"
refused "[::1]11722:$W:80" "want ':' and the host port after \[::1\]"
refused "[::1]:11722:$W" "want \[IPV6ADDR\]:HOSTPORT"
refused "[2001:db8:ffff::9]:11722:$W:80" "\[2001:db8:ffff::9\] is not an address of this host"
refused "[::1]:11720:$W:80" "11720/tcp is already published to $W:80"
refused "[$HOST6]:11720:$W:81" "11720/tcp is already published to $W:80"
refused "11721:$W:80" "\[::1\]:11721/tcp is already published to $W:80"
refused "[::1]:11721:$W:81" "\[::1\]:11721/tcp is already published to $W:80"
refused "[::1]:11723:$W:80" "11723:$W:81" "publish the same port"
refused "[::1]:11723:$W:80" "[2001:db8:ffff::9]:11724:$W:80" "is not an address of this host"
refused "[::1]:11723:$W:80" "[::1]:11724:nosuch:80" "nosuch"

# Not overlaps: another protocol, an IPv4 address beside an IPv6 one.
check "publish [::1]:11721:web:80/udp (another protocol)" eb publish "[::1]:11721:$W:80/udp"
check "publish 127.0.0.1:11721:web:81 (an IPv4 address beside [::1])" eb publish "127.0.0.1:11721:$W:81"
check "publish [::1]:11721:web:80 again: already done, no error" eb publish "[::1]:11721:$W:80"
check_eq "eb_pub_ports6 holds two entries" "$(pub6_count)" 2

# A container without IPv6 (a network made without --ipv6) is reached over
# IPv4: v4-mapped from the host, translated from outside (pub6_outside.sh).
check "publish [::1]:11722:old:80 (a container without IPv6)" eb publish "[::1]:11722:$L:80"
check_eq "... in $NET2's eb_pub_ports6" "$(NET=$NET2 pub6_count)" 1
check "unpublish it" eb unpublish --net "$NET2" "[::1]:11722"

out=$(eb unpublish --net "$NET" "[::1]:11725" 2>&1)
check "unpublish [::1]:11725 (never published) fails" test $? -ne 0
check_match "... naming it" "$out" "\[::1\]:11725/tcp is not published"
out=$(eb unpublish --net "$NET" "[zz::1]:11725" 2>&1)
check "unpublish [zz::1]:11725 fails" test $? -ne 0
check_match "... naming the address" "$out" "invalid IPv6 host address 'zz::1'"
check "unpublish [::1]:11721 [::1]:11721/udp 127.0.0.1:11721 11720" \
	eb unpublish --net "$NET" "[::1]:11721" "[::1]:11721/udp" 127.0.0.1:11721 11720
check_eq "eb_pub_ports6 is empty" "$(pub6_count)" 0
check "down" eb down --net "$NET"
check "down $NET2" eb down --net "$NET2"
finish
