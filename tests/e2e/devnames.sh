#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# devnames: every valid container name gets a working container. The
# host-side device is named "eb" + a 32-bit hash of the container name, so
# distinct names can share a device name; ebnet must cope (or refuse up
# front), never leave one container broken behind an exit 0.
. "$(dirname "$0")/../lib.sh"
sandbox tdev

SUB=10.97.0
# Names of every allowed kind, the longest allowed (31 characters) too.
ODD=(tdev-a.b_c-D9 tdev-0123456789abcdefghijklmnop)
# Two names whose FNV-1a hashes are equal: both want device ebcca89d0b.
X=tdev-462789 Y=tdev-679192
track_net "${NET}2"

check "up containers with dots, underscores, capitals and 31 characters" \
	eb up --net "$NET" --subnet $SUB.0/24 "${ODD[@]}"
for n in "${ODD[@]}"; do
	check "$n pings the gateway" in_ns "$n" ping -c1 -W2 $SUB.1
done

# The names differ, so do their devices, whatever the hash does. (ebnet
# once failed here with EEXIST, and the next up "repaired" the second
# container by deleting the first one's device, exiting 0.)
check "up two names whose hashes collide ($X, $Y)" \
	eb up --net "${NET}2" --subnet 10.98.0.0/24 "$X" "$Y"
check "up the same two again" eb up --net "${NET}2" "$X" "$Y"
check "$X pings the gateway after that" in_ns "$X" ping -c1 -W2 10.98.0.1
check "$Y pings the gateway after that" in_ns "$Y" ping -c1 -W2 10.98.0.1
devs=$(eb ls --net "${NET}2" --json | python3 -c '
import json, sys
print(" ".join(sorted(c["host_dev"] for c in json.load(sys.stdin)["networks"][0]["containers"])))')
check "the two containers have two host devices ($devs)" \
	test "$(echo "$devs" | tr ' ' '\n' | sort -u | wc -l)" -eq 2

check "down" eb down --net "$NET"
check "down the second network" eb down --net "${NET}2"
check_eq "no container namespace left" "$(netns_list | grep -E '^tdev-' | grep -vE '^tdev-(host|rtr|out)$')" ""
finish
