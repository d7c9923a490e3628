# SPDX-License-Identifier: GPL-2.0
# bench/lib/docker.sh: two systems driven by a real dockerd (sourced by
# run.sh after systems.sh and workloads.sh):
#
#   docker-bridge  dockerd's own bridge driver: a user-defined network
#                  (`docker network create -d bridge`), its iptables rules
#                  (DNAT, MASQUERADE, FORWARD, isolation) and docker-proxy
#                  for each published port; Docker as users run it.
#   docker-ebnet   the same dockerd, the same command line, with
#                  `ebnet docker-plugin` as the network's driver
#                  (`docker network create -d ebnet -o ebnet.uplink=up0`).
#
# Both dockerds are Debian's docker.io (20.10), unpacked under $CACHE by
# run.sh (bench/deps.txt), never installed; containerd and runc are
# Debian's. Each system has its own containerd and dockerd, both inside
# the system's namespace that plays the host (mk_host: its uplink up0 to
# the outside namespace), never the root namespace. As in
# tests/e2e/docker_lib.sh, the daemons run in a mount namespace of their
# own (a slave of the machine's) where /run/docker and /run/containerd are
# folders of the run: the driver's socket is /run/docker/plugins/ebnet.sock
# for dockerd, as for a user, and nothing lands in the machine's /run.
# Every other path is under $WORK/$P-SYSTEM (data, exec root, sockets,
# the driver's state); cgroups go under /$P-SYSTEM, removed at the end.
#
# The containers are busybox (an image made here from /bin/busybox and
# imported: no registry) running `sleep`; their namespaces are attached as
# /run/netns/$P-SYSTEM-c1 and -c2 (`ip netns attach`), so that the
# workloads run the host's iperf3, sockperf, nginx and wrk inside them,
# exactly as for the other systems. Addresses as everywhere: client
# 10.88.0.2, server 10.88.0.3 (`docker run --ip`), gateway 10.88.0.1; the
# server is started with `-p 18080:80 -p 15201:5201` (PUB_HTTP, PUB_IPERF):
# Docker publishes a container's ports when it starts, so
# sys_publish_docker_* only checks that the port asked for is one of these,
# and the scale sweep is not measured for them.
#
# A system whose programs are missing (dockerd, containerd, runc, busybox)
# is skipped: "not measured", with the reason. One that is there but does
# not come up is a failure.

DK_PKG=$CACHE/docker.io
DK_BIN=$DK_PKG/usr/bin/docker
DOCKERD_BIN=$DK_PKG/usr/sbin/dockerd
DK_IMG=bn-bb:1
DK_NETNAME=bnnet
# Shared with tests/e2e/docker_lib.sh: the mount points /run/docker and
# /run/containerd, made if missing and removed by the last user (see
# dk_mnt_get).
DK_MNT_LOCK=/run/lock/ebnet-docker-mnt.lock

SYS_DESC[docker-bridge]="dockerd 20.10 (Debian docker.io): user-defined bridge network, Docker's iptables rules, docker-proxy per published port"
SYS_DESC[docker-ebnet]="dockerd 20.10 (Debian docker.io), same flags: network of ebnet docker-plugin (-d ebnet)"

# Per system: its folder, the pids of its daemons.
declare -A DK_D DK_HOLDER DK_CTRD DK_DOCKERD DK_DRIVER DK_ROOT DK_PORTS

BENCH_CLEANUP_HOOKS+=(dk_cleanup_all)

# The CLI of the package on the system's dockerd.
dk() {
	local d=${DK_D[$1]}
	shift
	DOCKER_HOST=unix://$d/docker.sock DOCKER_CONFIG=$d/cli timeout 120 "$DK_BIN" "$@"
}

# dk_bg SYSTEM LOG CMD...: CMD in the daemons' mount namespace and the
# system's host namespace, in the background (nsenter execs it: $! is
# CMD's pid); sets DK_BG.
dk_bg() {
	local s=$1 logf=$2
	shift 2
	nsenter --mount="/proc/${DK_HOLDER[$s]}/ns/mnt" --net="$(ns_path "${HOST_NS[$s]}")" "$@" \
		>>"$logf" 2>&1 </dev/null &
	DK_BG=$!
}

# dk_wait SECONDS CMD...: until CMD succeeds (every 0.1 s).
dk_wait() {
	local n=$(($1 * 10))
	shift
	while [ $n -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# What dockerd could change outside its namespaces, were it misconfigured:
# compared before and after (dk_down fails when it differs).
dk_rootstate() {
	{
		iptables-save
		nft list ruleset
		ls -d /etc/docker /var/lib/docker /var/run/docker.sock
		# (the mount point comes and goes with dk_mnt_*; what is in it
		# in the machine's mount namespace, never. Not /run/containerd:
		# a containerd of the machine's, tests/e2e/cni_runtimes.sh's,
		# uses it meanwhile.)
		find /run/docker -mindepth 1 2>/dev/null
	} 2>&1 | grep -v '^#' | sort
}

dk_missing() {
	local c
	[ -x "$DOCKERD_BIN" ] || {
		echo "no dockerd ($DOCKERD_BIN: bench/deps.txt unpacks Debian's docker.io)"
		return
	}
	[ -x "$DK_BIN" ] || {
		echo "no docker CLI ($DK_BIN)"
		return
	}
	for c in containerd containerd-shim-runc-v2 runc; do
		command -v $c >/dev/null || {
			echo "no $c (bench/deps.txt: Debian's containerd and runc)"
			return
		}
	done
	# (ldd fails on a static binary: its words, not its status)
	case $([ -x /bin/busybox ] && LC_ALL=C ldd /bin/busybox 2>&1) in
	*'not a dynamic'*) ;;
	*) echo "no static /bin/busybox for the image (bench/deps.txt: busybox-static)" ;;
	esac
}

# ---- the mount points (the same protocol as tests/e2e/docker_lib.sh) ----
#
# /run/docker and /run/containerd must exist in the machine's mount
# namespace while a daemons' namespace has its bind mounts on them
# (removing a mount point detaches the mount everywhere). Each user holds
# a shared flock on DK_MNT_LOCK while it runs (here: the holder process of
# the daemons' namespace keeps it, so it goes with that process); the one
# that can then take it exclusive removes the folders that users made,
# listed in the lock file.
dk_mnt_get() {
	local m
	exec {DK_LOCKFD}>>"$DK_MNT_LOCK" || return 1
	flock -s "$DK_LOCKFD" || return 1
	for m in /run/docker /run/containerd; do
		[ -d "$m" ] || { mkdir "$m" && echo "$m" >>"$DK_MNT_LOCK"; } || return 1
	done
}
dk_mnt_put() {
	local fd m
	exec {fd}>>"$DK_MNT_LOCK" || return 1
	if flock -n -x "$fd"; then
		# (/run/containerd: a containerd of the machine's may have run
		# meanwhile and left its empty shim folders, cni_runtimes.sh
		# removes them only from a /run/containerd it made itself)
		sort -u "$DK_MNT_LOCK" | while read -r m; do
			[ "$m" = /run/containerd ] &&
				rmdir /run/containerd/fifo /run/containerd/runc /run/containerd/s 2>/dev/null
			rmdir "$m" 2>/dev/null
		done
		: >"$DK_MNT_LOCK"
	fi
	exec {fd}>&-
	return 0
}

_dk_own_mnt() { [ "$(readlink "/proc/$1/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ]; }
_dk_listens() { grep -q ': listening on ' "$1"; }

# The image: busybox only (the workloads bring their own programs).
dk_image() {
	local s=$1 r=$WORK/dk-img/rootfs
	if [ ! -s "$WORK/dk-img/rootfs.tar" ]; then
		mkdir -p "$r/bin" "$r/etc" "$r/proc" "$r/sys" "$r/dev" "$r/tmp" "$r/root" || return 1
		cp /bin/busybox "$r/bin/busybox" && chroot "$r" /bin/busybox --install -s /bin || return 1
		echo 'root:x:0:0:root:/root:/bin/sh' >"$r/etc/passwd"
		echo 'root:x:0:' >"$r/etc/group"
		tar -C "$r" --numeric-owner -cf "$WORK/dk-img/rootfs.tar" . || return 1
	fi
	dk "$s" import -c 'ENV PATH=/bin' "$WORK/dk-img/rootfs.tar" "$DK_IMG" >/dev/null
}

# dk_up SYSTEM DRIVER: host and outside namespaces, containerd, (the
# driver,) dockerd, the image, the network, the two containers.
dk_up() {
	local s=$1 driver=$2 h=$P-$1-h o=$P-$1-o d=$WORK/$P-$1 why net pid i opts=()
	why=$(dk_missing)
	[ -z "$why" ] || {
		skip "$why"
		return
	}
	[ -n "${DK_SWEPT:-}" ] || { dk_sweep_stale; DK_SWEPT=1; }
	DK_ROOT[$s]=$(dk_rootstate)
	DK_D[$s]=$d
	mk_host "$h" "$o" || return 1
	HOST_NS[$s]=$h
	OUT_NS[$s]=$o
	mkdir -p "$d/run-docker" "$d/run-containerd" "$d/ctrd" "$d/state" "$d/cli" || return 1

	# The daemons' mount namespace; its holder keeps the shared lock.
	dk_mnt_get || {
		log "cannot take $DK_MNT_LOCK or make /run/docker, /run/containerd"
		return 1
	}
	# The holder inherits the lock's descriptor: the lock is its now, and
	# goes when it does. Its argv[0] is a path of this run (dk_sweep_stale).
	unshare -m --propagation slave bash -c 'exec -a "$0" sleep 1000000000' "$d/holder" \
		</dev/null >/dev/null 2>&1 &
	pid=$!
	DK_HOLDER[$s]=$pid
	exec {DK_LOCKFD}>&-
	dk_wait 5 _dk_own_mnt "$pid" || {
		log "no mount namespace of its own for the daemons"
		return 1
	}
	nsenter --mount="/proc/$pid/ns/mnt" mount --bind "$d/run-docker" /run/docker &&
		nsenter --mount="/proc/$pid/ns/mnt" mount --bind "$d/run-containerd" /run/containerd || {
		log "bind mounts in the daemons' mount namespace failed"
		return 1
	}

	cat >"$d/ctrd/config.toml" <<EOF
version = 2
root = "$d/ctrd/root"
state = "$d/ctrd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$d/ctrd/containerd.sock"
[ttrpc]
  address = "$d/ctrd/containerd.sock.ttrpc"
[debug]
  address = "$d/ctrd/debug.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$d/ctrd/opt"
EOF
	dk_bg "$s" "$WORK/logs/$s-containerd.log" containerd --config "$d/ctrd/config.toml"
	DK_CTRD[$s]=$DK_BG
	dk_wait 20 test -S "$d/ctrd/containerd.sock" || {
		log "containerd does not start: $(tail -n 2 "$WORK/logs/$s-containerd.log")"
		return 1
	}
	if [ "$driver" = ebnet ]; then
		dk_bg "$s" "$WORK/logs/$s-driver.log" "$EBNET" docker-plugin --state-dir "$d/state" \
			--socket /run/docker/plugins/ebnet.sock
		DK_DRIVER[$s]=$DK_BG
		dk_wait 20 _dk_listens "$WORK/logs/$s-driver.log" || {
			log "ebnet docker-plugin does not start: $(tail -n 2 "$WORK/logs/$s-driver.log")"
			return 1
		}
	fi
	# Without deprecated-key-path, dockerd writes /etc/docker/key.json.
	echo "{\"deprecated-key-path\": \"$d/key.json\"}" >"$d/daemon.json"
	# dockerd's defaults otherwise (iptables, ip-forward, ip-masq, the
	# userland proxy, the default bridge docker0), for both systems: only
	# the network's driver differs. PATH: its docker-proxy.
	dk_bg "$s" "$WORK/logs/$s-dockerd.log" env PATH="$DK_PKG/usr/sbin:$DK_PKG/usr/bin:$PATH" \
		"$DOCKERD_BIN" --config-file "$d/daemon.json" --data-root "$d/data" \
		--exec-root "$d/exec" --pidfile "$d/dockerd.pid" -H "unix://$d/docker.sock" \
		--containerd "$d/ctrd/containerd.sock" --exec-opt native.cgroupdriver=cgroupfs \
		--cgroup-parent "/$P-$s"
	DK_DOCKERD[$s]=$DK_BG
	dk_wait 30 dk "$s" info || {
		log "dockerd does not start: $(grep -v '^[[:space:]]*$' "$WORK/logs/$s-dockerd.log" | tail -n 2)"
		return 1
	}
	meta "$s.dockerd" "$(dk "$s" version -f '{{.Server.Version}} (API {{.Server.APIVersion}}), containerd {{range .Server.Components}}{{if eq .Name "containerd"}}{{.Version}}{{end}}{{end}}' 2>&1)"
	dk_image "$s" || {
		log "cannot import the busybox image"
		return 1
	}

	if [ "$driver" = ebnet ]; then
		net=$(ebnet_net "$s")
		ebnet_register "$net" "$h"
		opts=(-o ebnet.uplink=up0 -o "ebnet.net=$net")
		[ -n "${EBNET_ATTACH:-}" ] && opts+=(-o "ebnet.attach=$EBNET_ATTACH")
	else
		opts=(-o com.docker.network.bridge.name=br0)
	fi
	dk "$s" network create -d "$driver" --subnet $SUB.0/$PLEN --gateway $GW "${opts[@]}" \
		"$DK_NETNAME" >/dev/null || return 1
	dk "$s" run -d --name c1 --network "$DK_NETNAME" --ip $C1_IP "$DK_IMG" sleep 1000000000 \
		>/dev/null || return 1
	dk "$s" run -d --name c2 --network "$DK_NETNAME" --ip $C2_IP \
		-p $PUB_HTTP:80 -p $PUB_IPERF:5201 "$DK_IMG" sleep 1000000000 >/dev/null || return 1
	for i in 1 2; do
		pid=$(dk "$s" inspect -f '{{.State.Pid}}' c$i) && [ "${pid:-0}" -gt 0 ] || {
			log "no pid for container c$i"
			return 1
		}
		ip netns attach "$P-$s-c$i" "$pid" || return 1
	done
	DK_PORTS[$s]=$(dk "$s" inspect -f \
		'{{range $p, $b := .HostConfig.PortBindings}}{{range $b}}{{$p}}={{.HostPort}} {{end}}{{end}}' c2) ||
		return 1
	CLI_NS[$s]=$P-$s-c1
	SRV_NS[$s]=$P-$s-c2
	SRV_IP[$s]=$C2_IP
	# Docker's address, not only asked for.
	[ "$(in_ns "$P-$s-c2" ip -4 -o addr show dev eth0 | awk '{ print $4 }')" = "$C2_IP/$PLEN" ] || {
		log "container c2 has not $C2_IP/$PLEN on eth0"
		return 1
	}
}

# Everything dk_up made, in order: the attachments of the containers'
# namespaces, the containers and the network through Docker (so that the
# drivers clean up as for a user), dockerd, the driver, containerd, shims
# left, the mount namespace, the cgroups, the mount points, the
# namespaces; then the check that nothing outside changed. Safe to call
# on a half-built system, and twice.
dk_down() {
	local s=$1 d=${DK_D[$1]:-} rc=0 p c left
	[ -n "$d" ] || return 0
	for c in c1 c2; do ns_del "$P-$s-$c" || rc=1; done
	if [ -n "${DK_DOCKERD[$s]:-}" ]; then
		c=$(dk "$s" ps -aq 2>/dev/null)
		# shellcheck disable=SC2086 # one id a word
		[ -z "$c" ] || dk "$s" rm -f $c >/dev/null || rc=1
		if dk "$s" network inspect "$DK_NETNAME" >/dev/null 2>&1; then
			dk "$s" network rm "$DK_NETNAME" >/dev/null || rc=1
		fi
		dk_stop "${DK_DOCKERD[$s]}" 20
		DK_DOCKERD[$s]=
	fi
	dk_stop "${DK_DRIVER[$s]:-}" 10
	DK_DRIVER[$s]=
	dk_stop "${DK_CTRD[$s]:-}" 10
	DK_CTRD[$s]=
	# Shims of containers that outlived dockerd (none when rm -f worked).
	for p in $(dk_pids_with "$d/ctrd/containerd.sock"); do
		log "$s: a containerd shim was left (pid $p)"
		kill -9 "$p" 2>/dev/null
		rc=1
	done
	dk_stop "${DK_HOLDER[$s]:-}" 5
	DK_HOLDER[$s]=
	dk_rm_cgroups "/$P-$s" || rc=1
	dk_mnt_put
	down_by_prefix "$s" || rc=1
	left=$(diff <(echo "${DK_ROOT[$s]}") <(dk_rootstate))
	if [ -n "$left" ]; then
		log "$s: the machine changed while dockerd ran: $(echo "$left" | head -n 4 | tr '\n' ' ')"
		rc=1
	fi
	DK_D[$s]=
	return $rc
}

# dk_stop PID SECONDS: TERM, then KILL after SECONDS.
dk_stop() {
	local pid=$1 t=$2
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	dk_wait "$t" sh -c "! kill -0 $pid" || kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# Pids of the processes whose command line has STRING (read from /proc:
# the exact path of this run's socket, never a program's name).
dk_pids_with() {
	local f pid
	for f in /proc/[0-9]*/cmdline; do
		pid=${f#/proc/}
		pid=${pid%/cmdline}
		[ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ] && continue
		tr '\0' ' ' <"$f" 2>/dev/null | grep -qF -- "$1" && echo "$pid"
	done
	return 0
}

# dk_rm_cgroups /NAME: the cgroup folders dockerd made under NAME, in
# every hierarchy (their processes are gone by now).
dk_rm_cgroups() {
	local c rc=0
	for c in /sys/fs/cgroup/*/"${1#/}"; do
		[ -d "$c" ] || continue
		find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null
		[ -d "$c" ] && {
			log "cannot remove cgroup $c"
			rc=1
		}
	done
	return $rc
}

# On exit (bench_cleanup): every Docker system still up, torn down.
dk_cleanup_all() {
	local s
	for s in "${!DK_D[@]}"; do
		[ -n "${DK_D[$s]}" ] && dk_down "$s" >/dev/null 2>&1
	done
	return 0
}

# Leftovers of a run that was killed (SIGKILL: no cleanup ran): its
# daemons, shims and containers are in cgroups /bn-PID-docker-* and have
# /tmp/bn-bench.*/bn-PID-docker-* in their command lines. Only those of
# a PID that is gone.
dk_sweep_stale() {
	local c name pid p f
	for c in /sys/fs/cgroup/pids/bn-*-docker-*; do
		[ -d "$c" ] || continue
		name=${c##*/}
		pid=${name#bn-}
		pid=${pid%%-*}
		case $pid in '' | *[!0-9]*) continue ;; esac
		[ -d "/proc/$pid" ] && continue
		log "removing Docker containers left by an earlier run (pid $pid is gone)"
		for f in $(find "$c" -name cgroup.procs); do
			while read -r p; do kill -9 "$p" 2>/dev/null; done <"$f"
		done
		sleep 0.5
	done
	for f in /proc/[0-9]*/cmdline; do
		p=${f#/proc/}
		p=${p%/cmdline}
		name=$(tr '\0' ' ' <"$f" 2>/dev/null | grep -o '/tmp/bn-bench\.[^/ ]*/bn-[0-9]*-docker-' | head -n1)
		[ -n "$name" ] || continue
		pid=${name##*/bn-}
		pid=${pid%%-*}
		[ -d "/proc/$pid" ] && continue
		log "killing pid $p, left by an earlier run (pid $pid is gone)"
		kill -9 "$p" 2>/dev/null
	done
	for c in /sys/fs/cgroup/*/bn-*-docker-*; do
		[ -d "$c" ] || continue
		pid=${c##*/bn-}
		pid=${pid%%-*}
		[ -d "/proc/$pid" ] || dk_rm_cgroups "/${c##*/}" 2>/dev/null
	done
	return 0
}

# Docker publishes a container's ports when it starts it: the server
# container came up with -p $PUB_HTTP:80 -p $PUB_IPERF:5201 (DK_PORTS: its
# HostConfig.PortBindings, as "CPORT/tcp=HPORT" words; `docker port` shows
# nothing for a remote driver's network). Another port asked for is not
# measured. Whether the port works, the workload finds out.
dk_publish() {
	local s=$1 hp=$2 cp=$3
	[[ " ${DK_PORTS[$s]:-} " == *" $cp/tcp=$hp "* ]] || {
		skip "Docker publishes ports at docker run only; $hp -> $cp was not"
		return
	}
}
dk_pub_reset() { skip "Docker cannot change a running container's published ports"; }

sys_up_docker_bridge() { dk_up docker-bridge bridge; }
sys_down_docker_bridge() { dk_down docker-bridge; }
sys_publish_docker_bridge() { dk_publish docker-bridge "$@"; }
sys_pub_reset_docker_bridge() { dk_pub_reset; }

sys_up_docker_ebnet() { dk_up docker-ebnet ebnet; }
sys_down_docker_ebnet() { dk_down docker-ebnet; }
sys_publish_docker_ebnet() { dk_publish docker-ebnet "$@"; }
sys_pub_reset_docker_ebnet() { dk_pub_reset; }
