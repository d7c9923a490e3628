#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# cni_plugin: ebnet-cni called directly, as a runtime would (CNI_* in the
# environment, the config on stdin, the answer on stdout), for every verb
# and every error code: VERSION, ADD (results of 0.3.1, 0.4.0, 1.0.0,
# 1.1.0; IP=/MAC= in CNI_ARGS; runtimeConfig ips/mac; portMappings), DEL
# (twice; with an empty CNI_NETNS), CHECK (after the host veth was
# deleted), GC (a partial list; the older key), STATUS (50/51), 20 ADDs at
# once, an attachment whose namespace is gone reclaimed by the next ADD.
. "$(dirname "$0")/../lib.sh"
sandbox cnb

T=$_EB_TMP
export EBNET_STATE_DIR=$T/state
CNI=$EB_ROOT/build/ebnet-cni
SUB=10.94.0
# Namespaces of the "runtime": not PREFIX-* (see attach.sh), removed at exit
# (before the sandbox), also when the script fails.
keep_netns() {
	ip netns add "$1" || return 1
	ip -n "$1" link set lo up
}
trap 'rc=$?; for n in $(ip netns list | awk "{print \$1}" | grep -E "^cnb(f|p)[0-9]+\$"); do ip netns del $n; done; (exit $rc); _eb_cleanup' EXIT
for i in 1 2 3 4 5 6 7 8; do keep_netns cnbf$i; done

# conf [EXTRA-JSON]: the plugin's config (what libcni passes for one plugin
# of the conflist: its own keys plus name and cniVersion).
V=1.0.0
conf() { printf '{"cniVersion":"%s","name":"%s","type":"ebnet","subnet":"%s.0/24"%s}' "$V" "$NET" "$SUB" "${1:-}"; }
# plug VERB CONTAINERID NETNS [CNI_ARGS]: stdin is the config.
plug() {
	env CNI_COMMAND="$1" CNI_CONTAINERID="$2" CNI_NETNS="$3" CNI_IFNAME="${IFN:-eth0}" \
		CNI_PATH=/opt/cni/bin CNI_ARGS="${4:-}" nsenter --net="/run/netns/$HOST" "$CNI"
}
# code OUTPUT: the error code of an error answer.
code() { echo "$1" | jq -r '.code // empty' 2>/dev/null; }
# expect_err DESC CODE REGEX VERB CID NETNS [ARGS] (stdin: the config)
expect_err() {
	local desc=$1 want=$2 re=$3 out rc
	shift 3
	out=$(plug "$@")
	rc=$?
	if [ $rc -eq 1 ] && [ "$(code "$out")" == "$want" ] && echo "$out" | jq -e '.msg and .cniVersion' >/dev/null &&
		echo "$out" | grep -Eq -- "$re"; then
		ok "$desc (code $want)"
	else
		not_ok "$desc" "exit $rc, want code $want matching /$re/: $out"
	fi
}
ls_json() { eb ls --net "$NET" --json; }
ctr_field() { ls_json | jq -r --arg id "$1" ".networks[0].containers[] | select(.runtime_id==\$id) | .$2"; }

# ---- VERSION ----
R=$(echo '{"cniVersion":"1.0.0"}' | CNI_NETNS=dummy CNI_IFNAME=dummy CNI_PATH=dummy plug VERSION "" dummy)
check_eq "VERSION answers in the version asked" "$(echo "$R" | jq -r .cniVersion)" 1.0.0
check_eq "VERSION lists 0.3.1 to 1.1.0" "$(echo "$R" | jq -r '.supportedVersions | join(" ")')" "0.3.1 0.4.0 1.0.0 1.1.0"

# ---- ADD, result per version ----
R=$(conf | plug ADD c1 /run/netns/cnbf1 "IgnoreUnknown=1;K8S_POD_NAME=pod-one")
check_eq "ADD 1.0.0: the result's cniVersion" "$(echo "$R" | jq -r .cniVersion)" 1.0.0
check_eq "ADD: the container's address, gateway and interface index" \
	"$(echo "$R" | jq -r '.ips[0] | "\(.address) \(.gateway) \(.interface)"')" "$SUB.2/24 $SUB.1 1"
check_eq "ADD: both interfaces, the second in the sandbox" \
	"$(echo "$R" | jq -r '.interfaces | "\(.[0].name|test("^eb[0-9a-f]{8}$")) \(.[1].name) \(.[1].sandbox)"')" \
	"true eth0 /run/netns/cnbf1"
check_eq "ADD: the default route" "$(echo "$R" | jq -r '.routes[0] | "\(.dst) \(.gw)"')" "0.0.0.0/0 $SUB.1"
check_eq "ADD: dns, the gateway answering for the network's domain" \
	"$(echo "$R" | jq -r '.dns | "\(.nameservers | join(",")) \(.domain) \(.search | join(","))"')" "$SUB.1 $NET $NET"
check_eq "ADD 1.0.0: no per-IP version field" "$(echo "$R" | jq -r '.ips[0].version // "none"')" none
check_eq "ADD: the MAC in the result is eth0's" "$(echo "$R" | jq -r '.interfaces[1].mac')" "$(mac_of cnbf1 eth0)"
check_match "eth0 in the namespace has the address" "$(ip -n cnbf1 -4 -o addr show dev eth0)" "inet $SUB\.2/24"
check "the container pings the gateway" in_ns cnbf1 ping -c1 -W2 "$SUB.1"
PREV1=$R

V=0.4.0
R=$(conf | plug ADD c2 /run/netns/cnbf2 "IgnoreUnknown=1;K8S_POD_NAME=pod-two;MAC=02:00:00:00:00:77;IP=$SUB.77")
check_eq "ADD 0.4.0: IP= and MAC= of CNI_ARGS honoured, per-IP version 4" \
	"$(echo "$R" | jq -r '"\(.cniVersion) \(.ips[0].address) \(.ips[0].version) \(.interfaces[1].mac)"')" \
	"0.4.0 $SUB.77/24 4 02:00:00:00:00:77"
check_eq "...and on the device" "$(mac_of cnbf2 eth0)" 02:00:00:00:00:77
check "the two containers ping each other" in_ns cnbf1 ping -c1 -W2 "$SUB.77"

V=0.3.1
R=$(conf ',"runtimeConfig":{"ips":["'$SUB'.88/24"],"mac":"02:00:00:00:00:88"}' | plug ADD c3 /run/netns/cnbf3)
check_eq "ADD 0.3.1: runtimeConfig ips and mac honoured" \
	"$(echo "$R" | jq -r '"\(.cniVersion) \(.ips[0].address) \(.interfaces[1].mac)"')" "0.3.1 $SUB.88/24 02:00:00:00:00:88"
V=1.1.0
R=$(conf | plug ADD c4 /run/netns/cnbf4)
check_eq "ADD 1.1.0: answered in 1.1.0" "$(echo "$R" | jq -r '"\(.cniVersion) \(.ips[0].address)"')" "1.1.0 $SUB.3/24"
V=1.0.0

check_eq "ls: runtime id and label of an ADD" "$(ctr_field c1/eth0 label) $(ctr_field c1/eth0 owner)" "pod-one cni"
check_eq "ls: the netns path" "$(ctr_field c2/eth0 netns)" /run/netns/cnbf2

# ---- CHECK ----
R=$(conf ',"prevResult":'"$PREV1" | plug CHECK c1 /run/netns/cnbf1)
check_eq "CHECK of a healthy attachment: exit 0, nothing printed" "$?:$R" "0:"
BADPREV=$(echo "$PREV1" | jq -c ".ips[0].address=\"$SUB.99/24\"")
conf ',"prevResult":'"$BADPREV" | expect_err "CHECK with a prevResult of another address" 100 "the prevResult says $SUB.99" CHECK c1 /run/netns/cnbf1
conf | expect_err "CHECK of an unknown container" 3 "no attachment nosuch/eth0" CHECK nosuch /run/netns/cnbf1
C4IP=$(ctr_field c4/eth0 ip)
ip -n "$HOST" route del "$C4IP/32"
conf | expect_err "CHECK after the host's route to it was removed names it" 100 "no route to $C4IP via" CHECK c4 /run/netns/cnbf4
ip -n "$HOST" route add "$C4IP/32" dev "$(ctr_field c4/eth0 host_dev)" src "$SUB.1"
R=$(conf | plug CHECK c4 /run/netns/cnbf4)
check_eq "...and CHECK passes once it is back" "$?:$R" "0:"
ip -n cnbf4 addr flush dev eth0
conf | expect_err "CHECK after the address was removed inside names it" 100 "does not have the address $SUB.3" CHECK c4 /run/netns/cnbf4
HD4=$(ctr_field c4/eth0 host_dev)
ip -n "$HOST" link del "$HD4"
conf | expect_err "CHECK after the host veth was deleted names it" 100 "host end '$HD4' .* is gone" CHECK c4 /run/netns/cnbf4
check_eq "...and that attachment is reclaimed" "$(ctr_field c4/eth0 name)" ""

# ---- portMappings ----
PM=',"runtimeConfig":{"portMappings":[{"hostPort":18080,"containerPort":80,"protocol":"tcp"},{"hostPort":15353,"containerPort":53,"protocol":"udp","hostIP":"127.0.0.1"},{"hostPort":18081,"containerPort":80,"protocol":"tcp","hostIP":"::1"}]}'
R=$(conf "$PM" | plug ADD c5 /run/netns/cnbf5)
check_match "ADD with portMappings" "$R" '"ips"'
C5=$(ctr_field c5/eth0 name)
PORTS=$(eb ports --net "$NET")
check_match "tcp 18080 is published to the container's port 80" "$PORTS" "18080.*tcp.*$C5.*:80"
check_match "udp 127.0.0.1:15353 to port 53" "$PORTS" "127\.0\.0\.1.*15353.*udp.*$C5.*:53"
in_ns cnbf5 timeout 20 socat TCP-LISTEN:80,reuseaddr,fork SYSTEM:'echo hello-c5' >/dev/null 2>&1 &
bg_pid $!
wait_until 5 listening cnbf5 80
check_eq "the published port answers from the outside namespace" \
	"$(in_out timeout 5 socat -T3 - TCP:198.51.100.1:18080 </dev/null 2>&1)" hello-c5
check_match "hostIP ::1: [::1]:18081 is published (an IPv4-only network: over IPv4)" "$PORTS" \
	"\\[::1\\]:18081.*tcp.*$C5.*:80"
check_eq "the host reaches [::1]:18081" \
	"$(in_host timeout 5 socat -T3 - 'TCP6:[::1]:18081' </dev/null 2>&1)" hello-c5
conf "$PM" | expect_err "ADD of another container on the same host port fails, naming it" 7 "18080" ADD c6 /run/netns/cnbf6
check_eq "...and leaves no attachment" "$(ctr_field c6/eth0 name)" ""
check_match "...nor a device in its namespace" "$(links cnbf6 | tr '\n' ' ')" "^lo $"
R=$(conf "$PM" | plug DEL c5 /run/netns/cnbf5)
check_eq "DEL with portMappings" "$?:$R" "0:"
check_nomatch "DEL removed the published ports" "$(eb ports --net "$NET")" "1808|1535"

# ---- runtimeConfig.aliases (podman's --network-alias) ----
AL=',"runtimeConfig":{"aliases":{"'$NET'":["db-alias","pg","bad..name"],"othernet":["not-here"]}}'
R=$(conf "$AL" | plug ADD c6 /run/netns/cnbf6 2>"$T/al.err")
C6IP=$(echo "$R" | jq -r '.ips[0].address' | cut -d/ -f1)
check_match "ADD with aliases: an address" "$C6IP" "^$SUB\.[0-9]+$"
ask() { in_ns cnbf1 dig +short +time=2 +tries=2 @"$SUB.1" "$@"; }
check_eq "another container resolves the alias db-alias to it" "$(ask db-alias)" "$C6IP"
check_eq "...and pg.$NET (the network's domain)" "$(ask "pg.$NET")" "$C6IP"
check_match "the alias of another network is not answered (NXDOMAIN)" \
	"$(in_ns cnbf1 dig +time=2 +tries=2 @"$SUB.1" not-here)" "status: NXDOMAIN"
check_match "the alias that is no DNS name is left out, said on stderr" "$(cat "$T/al.err")" \
	"aliases left out: bad\.\.name \(not a DNS name\)"
R=$(conf ',"runtimeConfig":{"aliases":{"'$NET'":["db-alias"]}}' | plug ADD c7 /run/netns/cnbf7 2>"$T/al2.err")
check_match "a second container asking for the same alias is made" "$(echo "$R" | jq -r '.ips[0].address')" "^$SUB\."
check_match "...without the alias, said on stderr" "$(cat "$T/al2.err")" "db-alias \(another container's name\)"
check_eq "...and db-alias stays the first one's" "$(ask db-alias)" "$C6IP"
conf ',"runtimeConfig":{"aliases":[1]}' | expect_err "runtimeConfig.aliases that is not an object" 7 "aliases is not an object" ADD c8 /run/netns/cnbf8
conf | plug DEL c7 /run/netns/cnbf7 >/dev/null
R=$(conf | plug DEL c6 /run/netns/cnbf6)
check_eq "DEL of the aliased container: the alias is gone (NXDOMAIN)" \
	"$(in_ns cnbf1 dig +time=2 +tries=2 @"$SUB.1" db-alias | grep -o 'status: [A-Z]*')" "status: NXDOMAIN"

# ---- DEL ----
R=$(conf | plug DEL c1 /run/netns/cnbf1)
check_eq "DEL: exit 0, nothing printed" "$?:$R" "0:"
check_eq "DEL: eth0 left the namespace" "$(links cnbf1 | tr '\n' ' ')" "lo "
R=$(conf | plug DEL c1 /run/netns/cnbf1)
check_eq "DEL twice: still exit 0" "$?:$R" "0:"
HD2=$(ctr_field c2/eth0 host_dev)
R=$(conf | plug DEL c2 "")
check_eq "DEL with an empty CNI_NETNS" "$?:$R" "0:"
check_nomatch "...removed the host end" "$(links "$HOST")" "^$HD2\$"
ip netns del cnbf3
wait_until 10 sh -c "[ -z \"\$(nsenter --net=/run/netns/$HOST ip -o link show $(ctr_field c3/eth0 host_dev) 2>/dev/null)\" ]"
R=$(conf | plug DEL c3 /run/netns/cnbf3)
check_eq "DEL after the namespace vanished" "$?:$R" "0:"
R=$(conf | plug DEL never-added /run/netns/cnbf1)
check_eq "DEL of a container never added" "$?:$R" "0:"

# ---- GC ----
# Three ADDs into one namespace, as eth0, netg1 and netg2.
conf | plug ADD g1 /run/netns/cnbf7 >/dev/null
conf | IFN=netg1 plug ADD g2 /run/netns/cnbf7 >/dev/null
conf | IFN=netg2 plug ADD g3 /run/netns/cnbf7 >/dev/null
check_eq "three attachments for GC" "$(ls_json | jq '[.networks[0].containers[] | select(.owner=="cni")] | length')" 3
check "an attachment of ebnet attach (not the runtime's)" eb attach --net "$NET" manual --netns /run/netns/cnbf8
LIST='"cni.dev/valid-attachments":[{"containerID":"g1","ifname":"eth0"},{"containerID":"g3","ifname":"netg2"}]'
R=$(conf ",$LIST" | plug GC "" "")
check_eq "GC with a partial list: exit 0" "$?:$R" "0:"
check_eq "GC left the listed ones and ebnet attach's" \
	"$(ls_json | jq -r '[.networks[0].containers[] | .runtime_id] | sort | join(" ")')" "g1/eth0 g3/netg2 manual"
R=$(conf ',"cni.dev/attachments":[{"containerID":"g3","ifname":"netg2"}]' | plug GC "" "")
check_eq "GC with the older cni.dev/attachments key" \
	"$(ls_json | jq -r '[.networks[0].containers[] | .runtime_id] | sort | join(" ")')" "g3/netg2 manual"
conf ',"cni.dev/valid-attachments":[{"containerID":"g3"}]' | expect_err "GC with an entry without ifname" 7 "needs containerID and ifname" GC "" ""
conf ',"cni.dev/valid-attachments":[]' | plug GC "" "" >/dev/null
check_eq "GC with an empty list leaves only ebnet attach's" "$(ls_json | jq -r '[.networks[0].containers[] | .runtime_id] | join(" ")')" manual
check "detach the manual one" eb detach manual

# ---- an attachment whose namespace is gone: the next ADD reclaims it ----
unshare -n sleep 600 &
SPID=$!
bg_pid $SPID
wait_until 5 test "$(readlink /proc/$SPID/ns/net)" != "$(readlink /proc/self/ns/net)"
conf | plug ADD dead1 "/proc/$SPID/ns/net" >/dev/null
check_eq "ADD into a process's namespace (as containerd does)" "$(ctr_field dead1/eth0 alive)" true
kill $SPID
wait $SPID 2>/dev/null
DHD=$(ctr_field dead1/eth0 host_dev)
wait_until 10 sh -c "[ -z \"\$(nsenter --net=/run/netns/$HOST ip -o link show $DHD 2>/dev/null)\" ]"
conf | plug ADD next /run/netns/cnbf1 >/dev/null
check_eq "the next ADD reclaimed the dead attachment" "$(ctr_field dead1/eth0 name)" ""
check_eq "...and its state file" "$(grep -l 'id=dead1/eth0' "$EBNET_STATE_DIR"/attach/"$NET"/* 2>/dev/null)" ""
conf | plug DEL next /run/netns/cnbf1 >/dev/null

# ---- 20 ADDs at once ----
for i in $(seq 1 20); do ip netns add cnbp$i; done
PIDS=()
for i in $(seq 1 20); do
	conf | timeout 120 env CNI_COMMAND=ADD CNI_CONTAINERID=par$i CNI_NETNS=/run/netns/cnbp$i CNI_IFNAME=eth0 \
		nsenter --net="/run/netns/$HOST" "$CNI" >"$T/par$i.out" 2>&1 &
	PIDS+=($!)
done
wait "${PIDS[@]}"
ADDRS=$(for i in $(seq 1 20); do jq -r '.ips[0].address // "ERR"' "$T/par$i.out"; done | sort)
check_eq "20 parallel ADDs all succeeded" "$(echo "$ADDRS" | grep -c /24)" 20
check_eq "...with 20 distinct addresses" "$(echo "$ADDRS" | sort -u | grep -c /24)" 20
check_eq "...all 20 in the maps" "$(ls_json | jq '[.networks[0].containers[] | select(.runtime_id|test("^par"))] | length')" 20
check "...and the last reaches the first" in_ns cnbp20 ping -c1 -W2 "$(jq -r '.ips[0].address' "$T/par1.out" | cut -d/ -f1)"
for i in $(seq 1 20); do conf | plug DEL par$i /run/netns/cnbp$i >/dev/null; done
for i in $(seq 1 20); do ip netns del cnbp$i; done
check_eq "20 DELs leave no attachment" "$(ls_json | jq '.networks[0].containers | length')" 0

# ---- STATUS ----
R=$(conf | plug STATUS "" "")
check_eq "STATUS of a working network: exit 0" "$?:$R" "0:"
ip -n "$HOST" link add cnbdum type veth peer name cnbdum2 && ip -n "$HOST" addr add 192.0.2.1/24 dev cnbdum &&
	ip -n "$HOST" link set cnbdum up && ip -n "$HOST" link set cnbdum2 up
NET2=${NET}u
track_net "$NET2"
conf2() { printf '{"cniVersion":"1.1.0","name":"%s","type":"ebnet","subnet":"10.95.0.0/24","uplink":"cnbdum","domain":"corp.test","upstream-dns":"192.0.2.53","dns":{"nameservers":["198.51.100.53"]}}' "$NET2"; }
R=$(conf2 | plug ADD u1 /run/netns/cnbf8)
check_eq "ADD with the domain and dns keys: the result's domain" "$(echo "$R" | jq -r '"\(.dns.nameservers[0]) \(.dns.domain)"')" "10.95.0.1 corp.test"
R=$(conf2 | plug STATUS "" "")
check_eq "STATUS with its uplink there: exit 0" "$?:$R" "0:"
ip -n "$HOST" link del cnbdum
conf2 | expect_err "STATUS after the uplink went" 51 "uplink of network '$NET2' is gone" STATUS "" ""
conf2 | plug DEL u1 /run/netns/cnbf8 >/dev/null
eb down --net "$NET2"
R=$(printf '{"cniVersion":"1.1.0","name":"%s","type":"ebnet","subnet":"10.95.0.0/24"}' "${NET}n" | plug STATUS "" "")
check_eq "STATUS of a network not made yet: exit 0 (ADD makes it)" "$?:$R" "0:"
R=$(conf | env CNI_COMMAND=STATUS setpriv --reuid=65534 --regid=65534 --clear-groups "$CNI")
check_eq "STATUS without root: code 50" "$(code "$R")" 50

# ---- errors ----
R=$(conf | env -u CNI_COMMAND "$CNI")
check_eq "no CNI_COMMAND: code 4" "$(code "$R")" 4
conf | expect_err "an unknown CNI_COMMAND" 4 "unknown CNI_COMMAND 'FROB'" FROB x /run/netns/cnbf1
conf | expect_err "ADD without CNI_NETNS" 4 "CNI_NETNS is not set" ADD x ""
conf | expect_err "ADD without CNI_CONTAINERID" 4 "CNI_CONTAINERID is not set" ADD "" /run/netns/cnbf1
conf | expect_err "an unknown CNI_ARGS key without IgnoreUnknown" 4 "unknown CNI_ARGS key 'FOO'" ADD x /run/netns/cnbf1 "FOO=1"
conf | expect_err "an invalid IP= in CNI_ARGS" 4 "invalid IP='10.94.0.300'" ADD x /run/netns/cnbf1 "IP=10.94.0.300"
echo '{"cniVersion":' | expect_err "a config that is not JSON" 6 "cannot decode" ADD x /run/netns/cnbf1
echo '["x"]' | expect_err "a config that is not an object" 6 "not a JSON object" ADD x /run/netns/cnbf1
echo '{"name":"x","type":"ebnet"}' | expect_err "a config without cniVersion" 7 "no cniVersion" ADD x /run/netns/cnbf1
V=0.2.0
conf | expect_err "cniVersion 0.2.0" 1 "incompatible CNI version '0.2.0'" ADD x /run/netns/cnbf1
V=1.0.0
conf ',"bridge":"br0"' | expect_err "an unknown key, named" 2 "unsupported field 'bridge'" ADD x /run/netns/cnbf1
conf ',"ipam":{"type":"host-local"}' | expect_err "an ipam section" 2 "unsupported field 'ipam'" ADD x /run/netns/cnbf1
conf ',"xdp":"sometimes"' | expect_err "a bad value of an ebnet key" 7 "invalid xdp 'sometimes'" ADD x /run/netns/cnbf1
conf ',"upstream-dns":"10.1.1.1,x"' | expect_err "a bad upstream-dns list" 7 "invalid upstream-dns '10.1.1.1,x'" ADD x /run/netns/cnbf1
conf ',"domain":"bad domain!"' | expect_err "a bad domain" 7 "domain" ADD x /run/netns/cnbf1
conf ',"ct-tcp-size":10' | expect_err "a number out of range" 7 "invalid ct-tcp-size '10'" ADD x /run/netns/cnbf1
printf '{"cniVersion":"1.0.0","name":"no/slash","type":"ebnet"}' | expect_err "a network name ebnet cannot take" 7 "invalid network name" ADD x /run/netns/cnbf1
printf '{"cniVersion":"1.0.0","name":"%s","type":"ebnet","subnet":"10.96.0.0/24"}' "$NET" | expect_err "a subnet other than the network's" 7 "exists with subnet" ADD x /run/netns/cnbf1
conf | expect_err "an IP= outside the subnet" 7 "not a free host address" ADD x /run/netns/cnbf1 "IP=10.1.2.3"
conf | expect_err "a namespace that does not exist" 5 "cannot open the network namespace" ADD x /run/netns/cnb-nosuch
conf ',"runtimeConfig":{"portMappings":[{"hostPort":80,"containerPort":80,"protocol":"sctp"}]}' |
	expect_err "an sctp port mapping" 2 "unsupported protocol 'sctp'" ADD x /run/netns/cnbf1
check_eq "failed ADDs left no attachment" "$(ls_json | jq '.networks[0].containers | length')" 0
check_eq "...nor a device" "$(links cnbf1 | tr '\n' ' ')" "lo "
# 11: the lock held by someone else for longer than the plugin waits.
flock /run/lock/ebnet.lock sleep 3 &
LPID=$!
sleep 0.3
R=$(conf | EBNET_CNI_LOCK_TIMEOUT=1 plug ADD x /run/netns/cnbf1)
check_eq "ebnet's lock busy longer than EBNET_CNI_LOCK_TIMEOUT: code 11" "$(code "$R")" 11
wait $LPID

check "down" eb down --net "$NET"
check_eq "down leaves no state" "$(ls -A "$EBNET_STATE_DIR/attach" 2>/dev/null | wc -l)" 0
finish
