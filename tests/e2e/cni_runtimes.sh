#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# cni_runtimes: real runtimes drive ebnet-cni (../shared/RUNTIMES.md has the
# recipes): podman 4.3 with its CNI backend and containerd 1.6 `ctr run
# --cni`, both inside the namespace that plays the host, on an offline
# busybox image. Containers ping each other and the gateway, reach the
# outside through SNAT; `podman run -p 8080:80` is reached from the outside
# (the client's address seen) and from the host, despite conmon holding
# the port; `podman rm` leaves nothing; parallel `podman run -d` get
# distinct addresses; `ctr run -d` + kill (no DEL ever) leaves an
# attachment that the next ADD reclaims. The root namespace is compared
# before and after.
. "$(dirname "$0")/../lib.sh"
sandbox cnc

for b in podman containerd ctr runc busybox curl jq; do
	command -v $b >/dev/null || { not_ok "needs $b (tools/install-deps.sh installs it)" ""; finish; }
done

T=$_EB_TMP
export EBNET_STATE_DIR=$T/state
SUB=10.96.0
GW=$SUB.1
IMG=localhost/cnc-bb:1
CNS=cnc-rt # containerd namespace, unique to this script
NPAR=${EB_CNI_PARALLEL:-20}

rootstate() {
	{
		iptables-save
		ip6tables-save
		nft list ruleset
		ip -br link
		ip -br addr
		ip route
		ip -6 route
		sysctl net.ipv4.ip_forward net.ipv6.conf.all.forwarding
	} 2>&1 | grep -v '^#'
}
rootstate >"$T/root.before"
MADE=
for d in /opt/cni /opt/cni/bin /var/lib/cni /var/lib/cni/results /var/lib/containers /dev/shm/libpod_lock /run/containerd; do
	[ -e $d ] || MADE="$MADE $d"
done

# ---- image, plugin, configs: all under $T ----
mkdir -p "$T"/img/rootfs/{bin,etc,proc,sys,dev,tmp,root,var/www/cgi-bin} "$T"/img/oci/blobs/sha256 \
	"$T"/cni/{bin,conf,cache} "$T"/podman/net.d "$T"/ctrd
(
	cd "$T/img" || exit 1
	cp /bin/busybox rootfs/bin/busybox && chroot rootfs /bin/busybox --install -s /bin
	echo 'root:x:0:0:root:/root:/bin/sh' >rootfs/etc/passwd
	echo 'root:x:0:' >rootfs/etc/group
	echo 'hello from cnc' >rootfs/var/www/index.html
	# busybox httpd gives a CGI the client's address.
	printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "from $REMOTE_ADDR"\n' >rootfs/var/www/cgi-bin/peer
	chmod +x rootfs/var/www/cgi-bin/peer
	tar -C rootfs --numeric-owner -cf rootfs.tar .
	gzip -n -c rootfs.tar >layer.tar.gz
	diffid=$(sha256sum rootfs.tar | cut -d' ' -f1)
	ld=$(sha256sum layer.tar.gz | cut -d' ' -f1)
	lsz=$(stat -c %s layer.tar.gz)
	cp layer.tar.gz oci/blobs/sha256/"$ld"
	printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin:/sbin"],"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$diffid" >cfg.json
	cd2=$(sha256sum cfg.json | cut -d' ' -f1)
	csz=$(stat -c %s cfg.json)
	cp cfg.json oci/blobs/sha256/"$cd2"
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%d}]}' "$cd2" "$csz" "$ld" "$lsz" >man.json
	md=$(sha256sum man.json | cut -d' ' -f1)
	msz=$(stat -c %s man.json)
	cp man.json oci/blobs/sha256/"$md"
	printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"1"}}]}' "$md" "$msz" "$IMG" >oci/index.json
	echo '{"imageLayoutVersion":"1.0.0"}' >oci/oci-layout
	tar -C oci -cf bb-oci.tar oci-layout index.json blobs
) || { not_ok "build the busybox image" ""; finish; }

# The plugin as a runtime finds it: a file named after "type". The wrapper
# only pins the state dir: conmon starts `podman container cleanup` (which
# sends DEL) with an environment of its own.
printf '#!/bin/sh\nexport EBNET_STATE_DIR=%s\nexec %s "$@"\n' "$EBNET_STATE_DIR" "$EB_ROOT/build/ebnet-cni" >"$T/cni/bin/ebnet"
chmod +x "$T/cni/bin/ebnet"
cat >"$T/cni/conf/10-$NET.conflist" <<EOF
{ "cniVersion": "1.0.0", "name": "$NET",
  "plugins": [ { "type": "ebnet", "subnet": "$SUB.0/24",
                 "capabilities": {"portMappings": true, "ips": true, "mac": true, "aliases": true} } ] }
EOF
cp "$T/cni/conf/10-$NET.conflist" "$T/podman/net.d/"
cat >"$T/podman/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1000:1000"]
[network]
network_backend = "cni"
cni_plugin_dirs = ["$T/cni/bin"]
network_config_dir = "$T/podman/net.d"
default_network = "$NET"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$T/podman/events.log"
tmp_dir = "$T/podman/tmp"
EOF
cat >"$T/podman/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$T/podman/root"
runroot = "$T/podman/run"
EOF
P() {
	CONTAINERS_CONF=$T/podman/containers.conf CONTAINERS_STORAGE_CONF=$T/podman/storage.conf \
		timeout 120 nsenter --net="/run/netns/$HOST" podman "$@"
}
cat >"$T/ctrd/config.toml" <<EOF
version = 2
root = "$T/ctrd/root"
state = "$T/ctrd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$T/ctrd/containerd.sock"
[ttrpc]
  address = "$T/ctrd/containerd.sock.ttrpc"
[debug]
  address = "$T/ctrd/debug.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$T/ctrd/opt"
EOF
# ctr reads only /etc/cni/net.d and /opt/cni/bin, and libcni caches in
# /var/lib/cni: ours go over them in a private mount namespace.
mkdir -p /etc/cni/net.d /opt/cni/bin /var/lib/cni
C() {
	local t=$T n=$CNS
	timeout 120 nsenter --net="/run/netns/$HOST" unshare -m --propagation private sh -c '
	t=$1 n=$2; shift 2
	mount --bind "$t/cni/conf" /etc/cni/net.d && mount --bind "$t/cni/bin" /opt/cni/bin &&
	mount --bind "$t/cni/cache" /var/lib/cni &&
	exec ctr --address "$t/ctrd/containerd.sock" -n "$n" "$@"' sh "$t" "$n" "$@"
}

rt_cleanup() {
	P ps -aq 2>/dev/null | xargs -r -n1 sh -c 'CONTAINERS_CONF='"$T"'/podman/containers.conf CONTAINERS_STORAGE_CONF='"$T"'/podman/storage.conf timeout 60 nsenter --net=/run/netns/'"$HOST"' podman rm -f -t 0 "$0"' >/dev/null 2>&1
	P rmi -a -f >/dev/null 2>&1
	if [ -s "$T/ctrd/containerd.pid" ]; then
		for c in $(C c ls -q 2>/dev/null); do
			C t kill -s KILL "$c" >/dev/null 2>&1
			C t rm -f "$c" >/dev/null 2>&1
			C c rm "$c" >/dev/null 2>&1
		done
		C i rm "$IMG" >/dev/null 2>&1
		kill "$(cat "$T/ctrd/containerd.pid")" 2>/dev/null
		sleep 1
	fi
	# podman's overlay driver can leave a bind mount of its graphroot.
	mount | awk -v t="$T" 'index($3, t) == 1 {print $3}' | sort -r | xargs -r umount -l
	rm -f /var/lib/cni/results/"$NET"-* "$T"/cni/cache/results/"$NET"-* 2>/dev/null
	rm -rf "/run/containerd/runc/$CNS" "/run/containerd/io.containerd.runtime.v2.task/$CNS"
	# containerd's shim dirs there are shared with any other containerd of
	# the machine: only empty ones go, and only if this script made them.
	case " $MADE " in *" /run/containerd "*)
		rmdir /run/containerd/fifo /run/containerd/runc /run/containerd/s /run/containerd 2>/dev/null ;;
	esac
	for c in /sys/fs/cgroup/*; do
		for d in "$CNS" libpod_parent; do
			[ -d "$c/$d" ] && find "$c/$d" -depth -type d -exec rmdir {} \; 2>/dev/null
		done
	done
	for d in $MADE; do [ "$d" == /run/containerd ] || rm -rf "$d"; done
	rootstate >"$T/root.after"
	if diff "$T/root.before" "$T/root.after" >"$T/root.diff"; then
		ok "the root namespace did not change (firewall, links, addresses, routes, forwarding)"
	else
		not_ok "the root namespace did not change" "$(head -c 400 "$T/root.diff" | tr '\n' ' ')"
	fi
}
trap 'rc=$?; rt_cleanup; (exit $rc); _eb_cleanup' EXIT

out_server 8080
ls_json() { eb ls --net "$NET" --json; }
attachments() { ls_json 2>/dev/null | jq -r '.networks[0].containers[]? | select(.owner=="cni") | .runtime_id' | sort; }

# ---- podman ----
check_eq "podman uses the CNI backend and our storage" \
	"$(P info --format '{{.Host.NetworkBackend}} {{.Store.GraphRoot}}' 2>&1)" "cni $T/podman/root"
check_match "podman sees the ebnet network" "$(P network ls 2>&1)" "$NET +ebnet"
check "podman import the busybox image" P import "$T/img/rootfs.tar" "$IMG"

check "podman run -d a" P run -d --name cnc-a "$IMG" sleep 600
check "podman run -d b (httpd)" P run -d --name cnc-b "$IMG" httpd -f -p 80 -h /var/www
IPA=$(P inspect cnc-a --format '{{.NetworkSettings.IPAddress}}')
IPB=$(P inspect cnc-b --format '{{.NetworkSettings.IPAddress}}')
check_match "podman inspect shows ebnet's addresses" "$IPA $IPB" "^$SUB\.[0-9]+ $SUB\.[0-9]+$"
check "a pings the gateway" P exec cnc-a ping -c1 -W2 "$GW"
check "a pings b" P exec cnc-a ping -c1 -W2 "$IPB"
check "b pings a" P exec cnc-b ping -c1 -W2 "$IPA"
check_match "a fetches b's page over TCP" \
	"$(P exec cnc-a sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 $IPB 80" 2>&1)" "hello from cnc"
check_eq "a reaches the outside through SNAT (the server sees the host's address)" \
	"$(P exec cnc-a sh -c 'nc -w 3 203.0.113.2 8080 </dev/null' 2>&1)" "from 198.51.100.1"
IDA=$(P inspect cnc-a --format '{{.Id}}')
# --network-alias: the "aliases" capability, answered by the datapath.
check "podman run -d --network-alias dbx,dby" \
	P run -d --name cnc-c --network "$NET" --network-alias dbx --network-alias dby "$IMG" sleep 600
IPC=$(P inspect cnc-c --format '{{(index .NetworkSettings.Networks "'"$NET"'").IPAddress}}')
check_match "a resolves the alias dbx (busybox nslookup at the gateway)" \
	"$(P exec cnc-a nslookup dbx "$GW" 2>&1)" "Address:? +$IPC$"
check_match "...and dby.$NET" "$(P exec cnc-a nslookup "dby.$NET" "$GW" 2>&1)" "Address:? +$IPC$"
check "podman rm -f the aliased container" P rm -f -t 0 cnc-c
check_match "its alias is gone (NXDOMAIN)" "$(P exec cnc-a nslookup dbx "$GW" 2>&1)" "NXDOMAIN|can't find"
check_match "ebnet ls: the runtime id and podman's name" \
	"$(ls_json | jq -r '.networks[0].containers[] | "\(.runtime_id) \(.label)"')" "^$IDA/eth0 cnc-a$"

check "podman run -d -p 8080:80 (and an address of its own with --ip)" \
	P run -d --name cnc-w -p 8080:80 --ip "$SUB.50" "$IMG" httpd -f -p 80 -h /var/www
check_eq "--ip honoured" "$(P inspect cnc-w --format '{{.NetworkSettings.IPAddress}}')" "$SUB.50"
check_match "conmon holds the host port in the host namespace" "$(in_host ss -Hltnp 'sport = :8080' 2>&1)" conmon
check_match "ebnet ports lists 8080" "$(eb ports --net "$NET")" "8080.*tcp.*:80"
check_eq "from the outside namespace, the client's address seen" \
	"$(in_out curl -s -m 5 http://198.51.100.1:8080/cgi-bin/peer 2>&1 | tail -n1 | sed 's/^from \[::ffff:\(.*\)\]$/from \1/')" \
	"from 203.0.113.2"
check_eq "from the host at 127.0.0.1 (not conmon's socket)" \
	"$(in_host curl -s -m 5 http://127.0.0.1:8080/ 2>&1)" "hello from cnc"
check_eq "from the host at its own address" "$(in_host curl -s -m 5 http://198.51.100.1:8080/ 2>&1)" "hello from cnc"
IDW=$(P inspect cnc-w --format '{{.Id}}')
NAMEW=$(ls_json | jq -r --arg id "$IDW/eth0" '.networks[0].containers[] | select(.runtime_id==$id) | .name')
HDW=$(ls_json | jq -r --arg id "$IDW/eth0" '.networks[0].containers[] | select(.runtime_id==$id) | .host_dev')
check "podman rm -f the published container" P rm -f -t 0 cnc-w
check_nomatch "no entry left for it" "$(attachments)" "^$IDW"
check_nomatch "no published port left" "$(eb ports --net "$NET")" 8080
check_nomatch "no device left" "$(links "$HOST")" "^$HDW\$"
check "no pin left" test ! -e "$EB_PIN_ROOT/$NET/link_$HDW"
check "no state file left" test ! -e "$EBNET_STATE_DIR/attach/$NET/$NAMEW"

# Parallel starts: NPAR (default 20, EB_CNI_PARALLEL) `podman run -d` at once.
PIDS=()
for i in $(seq 1 "$NPAR"); do
	P run -d --name "cnc-p$i" "$IMG" sleep 600 >"$T/p$i.out" 2>&1 &
	PIDS+=($!)
done
wait "${PIDS[@]}"
ADDRS=$(for i in $(seq 1 "$NPAR"); do P inspect "cnc-p$i" --format '{{.NetworkSettings.IPAddress}}' 2>/dev/null; done)
check_eq "$NPAR podman run -d at once: all got an address" "$(echo "$ADDRS" | grep -c "^$SUB\.")" "$NPAR"
check_eq "...all distinct" "$(echo "$ADDRS" | sort -u | grep -c "^$SUB\.")" "$NPAR"
check "...and the last pings the first" P exec "cnc-p$NPAR" ping -c1 -W2 "$(echo "$ADDRS" | head -n1)"
PIDS=()
for i in $(seq 1 "$NPAR"); do
	P rm -f -t 0 "cnc-p$i" >/dev/null 2>&1 &
	PIDS+=($!)
done
wait "${PIDS[@]}"
check "podman rm -f a b" P rm -f -t 0 cnc-a cnc-b
check_eq "podman rm left no attachment" "$(attachments | wc -l)" 0
check_eq "...nor a port of the network" "$(ls_json | jq '.networks[0].containers | length')" 0

# ---- containerd ----
nsenter --net="/run/netns/$HOST" containerd --config "$T/ctrd/config.toml" >"$T/ctrd/containerd.log" 2>&1 &
echo $! >"$T/ctrd/containerd.pid"
wait_until 10 test -S "$T/ctrd/containerd.sock"
check "ctr image import" C image import "$T/img/bb-oci.tar"
check "ctr run --rm --cni: pings the gateway" C run --rm --cni "$IMG" cnc-r1 sh -c "ping -c1 -W2 $GW"
check_eq "...and its DEL (with an empty CNI_NETNS) left nothing" "$(attachments | wc -l)" 0
check "ctr run -d --cni" C run -d --cni "$IMG" cnc-r2 sleep 600
check_eq "its attachment is there" "$(attachments)" "$CNS-cnc-r2/eth0"
C t kill -s KILL cnc-r2 >/dev/null 2>&1
sleep 1
C t rm cnc-r2 >/dev/null 2>&1
C c rm cnc-r2 >/dev/null 2>&1
r2_gone() { [ "$(ls_json | jq -r '.networks[0].containers[] | .alive')" == false ]; }
wait_until 10 r2_gone
check_eq "killed and removed (no DEL is ever sent): the attachment stays, gone" \
	"$(ls_json | jq -r '.networks[0].containers[] | .alive')" false
check "ctr run --rm --cni again" C run --rm --cni "$IMG" cnc-r3 sh -c "ping -c1 -W2 $GW"
check_eq "the next ADD reclaimed the dead attachment" "$(ls_json | jq '.networks[0].containers | length')" 0

check "down" eb down --net "$NET"
finish
