#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# badinput: every malformed invocation exits non-zero, says what is wrong in
# words, and changes nothing: no namespace, device, route, pin or map entry.
. "$(dirname "$0")/../lib.sh"
sandbox tbad

SUB=10.88.0
A=$(ctr a) B=$(ctr b)
NEW=${NET}new # a network that must never come to exist
track_net "$NEW"
LONG=$(ctr 0123456789abcdefghijklmnopqrstuvwxyz) # 41 characters
FOREIGN=$(ctr foreign)

check "up a network with two containers" eb up --net "$NET" --subnet $SUB.0/24 "$A" "$B=$SUB.3"
ip netns add "$FOREIGN" # somebody else's namespace, not a container

# Everything a failed command could have changed. Only this script's names
# (other tests may run at the same time); the names a bad command could
# have made from its arguments all start with the prefix or with "-tbad".
state() {
	echo "== namespaces"
	netns_list | grep -E '^-?tbad' | sort
	echo "== pins"
	find "$EB_PIN_ROOT" -path "$EB_PIN_ROOT/tbad*" 2>/dev/null | sort
	# Counters move with any packet (a container's IPv6 router
	# solicitations...), and so does conntrack: not state a command sets.
	# One python for all maps: this runs three times per bad command.
	for m in "$EB_PIN_ROOT/$NET"/eb_*; do
		case ${m##*/} in eb_stats | eb_ct_*) continue ;; esac
		echo "== $m"
		bpftool -j map dump pinned "$m" 2>&1
		echo
	done | python3 -c '
import json, sys
def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items()
                if not (k.endswith("packets") or k.endswith("bytes"))}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v
for line in sys.stdin:
    line = line.rstrip("\n")
    if not line:
        continue
    if line.startswith("== "):
        print(line)
        continue
    try:
        for e in json.loads(line):
            print(json.dumps(strip(e.get("formatted", e)), sort_keys=True))
    except ValueError:
        print(line)
'
	echo "== host links"
	links "$HOST"
	echo "== host addresses (IPv4: IPv6 ones change flags by themselves)"
	in_host ip -4 -o addr show
	echo "== host routes"
	in_host ip route show
	echo "== containers"
	for c in "$A" "$B"; do in_ns "$c" ip -4 -o addr show; in_ns "$c" ip route show; done
}

BEFORE=$(state)
# bad DESC REGEX ARGS...: ebnet ARGS fails, prints REGEX on stderr, and the
# state has not moved.
bad() {
	local desc=$1 re=$2 out rc now
	shift 2
	out=$(eb "$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -eq 0 ]; then
		not_ok "$desc: exits non-zero" "exit 0 for: ebnet $*"
	else
		ok "$desc: exits non-zero ($rc)"
	fi
	check_match "$desc: says why" "$out" "$re"
	now=$(state)
	if [ "$now" == "$BEFORE" ]; then
		ok "$desc: changes nothing"
	else
		not_ok "$desc: changes nothing" "$(diff <(echo "$BEFORE") <(echo "$now") | head -n 8 | tr '\n' ' ')"
		BEFORE=$now
	fi
}

# ---- the command line ----
bad "unknown command" "unknown.*command 'frobnicate'" frobnicate
bad "unknown option" "unknown option '--bogus'" up --net "$NET" --bogus "$(ctr x)"
bad "option without its value" "'--subnet' needs a value" up --net "$NET" --subnet
bad "invalid network name" "invalid network name" up --net "a/b" "$(ctr x)"
# Options match exactly, against the command's own list: a prefix or a
# longer spelling of an option is unknown, and so is another command's.
bad "a prefix of an option (--sub)" "unknown option '--sub' for 'up'" \
	up --net "$NET" --sub 10.0.0.0/24 "$(ctr x)"
bad "a prefix of two options (--dn: --dns, --dns-query)" "unknown option '--dn' for 'up'" \
	up --net "$NET" --dn 10.88.0.1 "$(ctr x)"
bad "an option with letters more (--jsonx)" "unknown option '--jsonx' for 'ls'" ls --net "$NET" --jsonx
bad "a prefix of --json (--js)" "unknown option '--js' for 'ls'" ls --net "$NET" --js
bad "another command's option (stats --force)" "unknown option '--force' for 'stats'" \
	stats --net "$NET" --force
bad "attach's option for up (--netns)" "unknown option '--netns' for 'up'" \
	up --net "$NET" --netns "/run/netns/$FOREIGN" "$(ctr x)"
bad "trace's option for up (--dns-query)" "unknown option '--dns-query' for 'up'" \
	up --net "$NET" --dns-query x "$(ctr x)"
bad "--json for a command without it" "'rm' takes no --json" rm --net "$NET" --json "$A"

# ---- subnets ----
bad "--subnet 10.0.0.0/33" "invalid subnet '10.0.0.0/33'" up --net "$NEW" --subnet 10.0.0.0/33 "$(ctr x)"
bad "--subnet 10.0.0.1/16 (host bits set)" "invalid subnet '10.0.0.1/16'" \
	up --net "$NEW" --subnet 10.0.0.1/16 "$(ctr x)"
bad "--subnet garbage" "invalid subnet 'garbage'" up --net "$NEW" --subnet garbage "$(ctr x)"
bad "up of an existing network with another --subnet" "exists with subnet $SUB\.0/24" \
	up --net "$NET" --subnet 10.89.0.0/24 "$(ctr x)"

# ---- container names ----
bad "container name with a slash" "invalid container name" up --net "$NET" "$(ctr x)/y"
bad "container name of 41 characters" "invalid container name" up --net "$NET" "$LONG"
bad "container name of 32 characters" "invalid container name" \
	up --net "$NET" "$(ctr 0123456789abcdefghijklmnopq)"
# The only way to hand `up` a name that starts with '-' is after `--`.
bad "container name starting with '-' (after --)" "invalid container name" \
	up --net "$NET" -- -tbad
bad "container name starting with '-'" "'-tbad'" up --net "$NET" -tbad
bad "the same name twice" "named twice" up --net "$NET" "$(ctr x)" "$(ctr x)"
bad "a foreign namespace of the container's name" "namespace named '$FOREIGN' exists" \
	up --net "$NET" "$FOREIGN"

# ---- addresses ----
bad "address outside the subnet" "not a host address of the subnet" \
	up --net "$NET" "$(ctr x)=10.99.0.5"
bad "the subnet's broadcast address" "not a host address" up --net "$NET" "$(ctr x)=$SUB.255"
bad "the subnet's network address" "not a host address" up --net "$NET" "$(ctr x)=$SUB.0"
bad "address = the gateway" "gateway" up --net "$NET" "$(ctr x)=$SUB.1"
bad "address taken by another container" "taken by container '$B'" \
	up --net "$NET" "$(ctr x)=$SUB.3"
bad "the same address for two new containers" "given to both" \
	up --net "$NET" "$(ctr x)=$SUB.9" "$(ctr y)=$SUB.9"
bad "a new address for an existing container" "exists with address" \
	up --net "$NET" "$A=$SUB.20"
bad "a malformed address" "invalid address" up --net "$NET" "$(ctr x)=10.88.0"
bad "a new network, address outside its subnet" "not a host address" \
	up --net "$NEW" --subnet 10.90.0.0/24 "$(ctr x)=10.91.0.2"

# ---- other options ----
bad "--attach bogus" "invalid --attach 'bogus'" up --net "$NET" --attach bogus "$(ctr x)"
bad "--uplink that does not exist (new network)" "uplink 'nope0' does not exist" \
	up --net "$NEW" --subnet 10.90.0.0/24 --uplink nope0 "$(ctr x)"
bad "--uplink that does not exist (existing network)" "uplink" \
	up --net "$NET" --uplink nope0 "$(ctr x)"

# ---- rm, exec, ls, down ----
bad "rm of an unknown container" "no container '$(ctr nope)'" rm "$(ctr nope)"
bad "rm --net of an unknown container" "no container '$(ctr nope)'" rm --net "$NET" "$(ctr nope)"
bad "rm of a known and an unknown container" "no container '$(ctr nope)'" \
	rm --net "$NET" "$A" "$(ctr nope)"
bad "rm without a name" "name the containers" rm --net "$NET"
bad "rm of a container name starting with '-' (after --)" "container" rm --net "$NET" -- -tbad
bad "exec of an unknown container" "no container '$(ctr nope)'" exec "$(ctr nope)" -- true
bad "exec without a command" "name the command" exec "$A"
bad "exec without a command after --" "name the command" exec "$A" --
bad "ls of an unknown network" "network '$NEW' does not exist" ls --net "$NEW"
bad "down with an extra argument" "unexpected argument" down --net "$NET" extra
bad "help of an unknown command" "no command" help frobnicate
check_fails "the network that every failed command named was never created" \
	test -e "$EB_PIN_ROOT/$NEW"
check_fails "the container name starting with '-' was never created" test -e /run/netns/-tbad

# ---- words after -- are names, not dropped ----
# (ebnet once dropped every word after -- but for exec, and exited 0.)
check "up -- NAME makes NAME" eb up --net "$NET" -- "$(ctr dd)"
check "the container made after -- exists" test -e "/run/netns/$(ctr dd)"
check "rm -- NAME removes NAME" eb rm --net "$NET" -- "$(ctr dd)"
check_fails "the container is gone after rm --" test -e "/run/netns/$(ctr dd)"
BEFORE=$(state)

# ---- a network pinned by another version of ebnet ----
# Its eb_config of another layout (a 36-byte value, as before the NAT
# settings). Every command says so in words; `down`, which the message
# offers as the way out, must then remove it.
OLD=${NET}old
track_net "$OLD"
mkdir -p "$EB_PIN_ROOT/$OLD"
bpftool map create "$EB_PIN_ROOT/$OLD/eb_config" type array key 4 value 36 entries 1 name eb_config
out=$(eb up --net "$OLD" "$(ctr y)" 2>&1)
check "another version's network: up exits non-zero" test $? -ne 0
check_match "another version's network: up says the layout differs, in words" "$out" \
	"eb_config.*36-byte values.*another version"
check_fails "another version's network: up made no container" test -e "/run/netns/$(ctr y)"
check "another version's network: down --net (as the message says) exits 0" \
	eb down --net "$OLD"
check_fails "another version's network: down removed its pins" test -e "$EB_PIN_ROOT/$OLD"
(flock 9; rm -rf "${EB_PIN_ROOT:?}/$OLD") 9>"$EB_LOCK"

# ---- not root ----
# A copy that user nobody may run, wherever the tree is.
T=$(tmpdir)
chmod 755 "$T"
cp "$EBNET" "$T/ebnet" && chmod 755 "$T/ebnet"
for args in "up --net $NET $(ctr x)" "rm --net $NET $A" "down --net $NET" "ls"; do
	# shellcheck disable=SC2086
	out=$(nsenter --net="/run/netns/$HOST" setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$T/ebnet" $args 2>&1)
	rc=$?
	check "not root: ebnet ${args%% *} exits non-zero" test $rc -ne 0
	check_match "not root: ebnet ${args%% *} says it needs root" "$out" "must run as root"
done
check_eq "not root: nothing changed" "$(state)" "$BEFORE"

# Things still work after all of that.
check "the network still works after the bad commands" in_ctr a ping -c1 -W2 $SUB.3
ip netns del "$FOREIGN"
check "down" eb down --net "$NET"
finish
