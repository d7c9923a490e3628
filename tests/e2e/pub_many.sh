#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# pub_many: the eb_pub_ports map as bpftool shows it (field names), 10,000
# ports in one command (timed: well under a second is the goal, 5 s is the
# limit here so that a loaded CI machine does not fail it), the first and
# last of them reached from outside, and `ebnet rm` taking a container's
# ports with it.
. "$(dirname "$0")/pub_lib.sh"
sandbox tpm

SUB=10.95.0
W=$(ctr web) O=$(ctr other)
pub_tmp

check "up web and other" eb up --net "$NET" --subnet $SUB.0/24 "$W" "$O"
IPW=$(ls_field web ip)

# ---- the map, as bpftool prints it ----
check "publish 11999:$W:80" eb publish "11999:$W:80"
DUMP=$(in_host bpftool map dump pinned "$EB_PIN_ROOT/$NET/eb_pub_ports")
for f in host_ip host_port proto ctr_ip ctr_port ifindex conns local name; do
	check_match "bpftool map dump of eb_pub_ports shows the field $f" "$DUMP" "\"$f\": "
done
check_match "bpftool map dump of eb_pub_ports shows the container's name" "$DUMP" "\"name\": \"$W\""
check "bpftool -j: the entry's values (port, address, in network order)" python3 -c '
import json, socket, struct, sys
d = json.load(sys.stdin)
assert len(d) == 1, d
e = d[0].get("formatted", d[0])
# EB_IPV4() unions: bpftool prints an anonymous member under "".
flat = lambda o: {**o.get("", {}), **{a: b for a, b in o.items() if a != ""}}
k, v = flat(e["key"]), flat(e["value"])
port = lambda n: n  # host order (eb_pub_ports)
ip = lambda n: socket.inet_ntoa(struct.pack("=I", n))
assert (ip(k["host_ip"]), port(k["host_port"]), k["proto"]) == ("0.0.0.0", 11999, 6), k
assert (ip(v["ctr_ip"]), port(v["ctr_port"]), v["name"]) == (sys.argv[1], 80, sys.argv[2]), v
' "$IPW" "$W" < <(pub_dump)
check "unpublish 11999" eb unpublish --net "$NET" 11999

# ---- 10,000 ports in one command ----
# Meanwhile a client outside opens one connection after another to a port
# of other's: a big edit of the map loses none of them.
http_server other 80 "$T/o80.log"
check "publish 30000:$O:80" eb publish "30000:$O:80"
cat >"$T/steady.py" <<'PY'
import os, sys, time, urllib.request
ok = fail = 0
while not os.path.exists(sys.argv[2]) and ok + fail < 2000:
    try:
        urllib.request.urlopen(sys.argv[1], timeout=3).read()
        ok += 1
    except Exception as e:
        fail += 1
        print("failed:", e, flush=True)
    time.sleep(0.01)
print("ok=%d fail=%d" % (ok, fail), flush=True)
PY
bg_log "$OUT" "$T/steady.log" python3 -u "$T/steady.py" "http://$HOSTIP:30000/?steady" "$T/stop"
STEADY=$BG_LAST
wait_until 5 grep -q '"GET /?steady' "$T/o80.log"
http_server web 20000 "$T/w20000.log"
http_server web 29999 "$T/w29999.log"
t0=$(date +%s%N)
check "publish 20000-29999:$W:20000-29999 (10,000 ports)" eb publish "20000-29999:$W:20000-29999"
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
# (Said, not asserted: the time of publishing is the benchmark's,
# scale_sweep's publish_ms_N.)
note "publishing 10,000 ports took $ms ms"
check_eq "ports --json counts 10000 in 20000-29999" "$(ports_count 20000 29999)" 10000
check_eq "eb_pub_ports holds 10001 entries (with 30000)" \
	"$(pub_dump | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 10001
check_http "outside reaches the last port, 29999" 200 in_out "http://$HOSTIP:29999/?last"
check "last port: the server sees $OUTIP" log_has "$T/w29999.log" "^$OUTIP - .*\"GET /\\?last "
check_http "outside reaches the first port, 20000" 200 in_out "http://$HOSTIP:20000/?first"
check "first port: the server sees $OUTIP" log_has "$T/w20000.log" "^$OUTIP - .*\"GET /\\?first "
check_http "the host reaches 127.0.0.1:29999" 200 in_host "http://127.0.0.1:29999/?last-lo"
check_http "other reaches $HOSTIP:29999 (hairpin)" 200 in_ctr other "http://$HOSTIP:29999/?hairpin"

check "unpublish the 10,000 ports and publish them again" in_host bash -c \
	"'$EBNET' unpublish --net '$NET' 20000-29999 && '$EBNET' publish '20000-29999:$W:20000-29999'"
touch "$T/stop"
wait "$STEADY"
check_match "a client outside, meanwhile: every connection to 30000 answered" \
	"$(cat "$T/steady.log")" "^ok=[1-9][0-9]* fail=0\$"
note "$(tail -n 1 "$T/steady.log")"
check_http "after that, outside still reaches 29999" 200 in_out "http://$HOSTIP:29999/?again"

run_rc MSG RC eb publish "25000:$O:80"
check_eq "publish 25000 to other, inside web's 10,000: refused" \
	"$([ "$RC" -ne 0 ] && echo refused)" refused
check_match "publish 25000: the message names the owner, $W" "$MSG" "$W"
check_eq "ports --json counts 10001 (with other's 30000)" "$(ports_count)" 10001

# ---- rm takes the container's ports ----
t0=$(date +%s%N)
check "rm web" eb rm --net "$NET" "$W"
t1=$(date +%s%N)
note "rm of a container with 10,000 published ports took $(((t1 - t0) / 1000000)) ms"
check_eq "rm: ports --json lists only other's port" "$(ports_count)" 1
check_eq "rm: the remaining port is other's 30000" "$(port_field 0.0.0.0 30000 tcp container)" "$O"
check_eq "rm: eb_pub_ports holds 1 entry" \
	"$(pub_dump | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 1
check_fails "rm: outside cannot connect to 29999" \
	in_out curl -sS -o /dev/null --connect-timeout 3 -m 4 "http://$HOSTIP:29999/?gone"
check_fails "rm: the host cannot connect to 127.0.0.1:29999" \
	in_host curl -sS -o /dev/null --connect-timeout 3 -m 4 "http://127.0.0.1:29999/?gone"
check "rm: the ports are free again: publish 29999:$O:80" eb publish "29999:$O:80"

finish
