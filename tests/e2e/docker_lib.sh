# SPDX-License-Identifier: GPL-2.0
# Shared by tests/e2e/docker_*.sh: a real dockerd (Debian's docker.io,
# unpacked by tools/extract-pkg.sh, never installed) and containerd, both in
# the sandbox's host namespace, with `ebnet docker-plugin` as the driver.
#
# Nothing of it lands on the machine: dockerd, containerd and the driver run
# in a mount namespace of their own (a slave of the machine's), in which
# /run/docker and /run/containerd are the sandbox's folders. Those two paths
# are fixed in dockerd (its plugin folder /run/docker/plugins) and in the
# containerd shims (/run/containerd/s, fifo, runc): this way the driver is
# `-d ebnet` as for a user, and neither the machine's nor another engineer's
# containerd sees any of it. Every other path is under the sandbox's temp
# folder: data and exec roots, sockets, the driver's state, the CLI's
# config; containerd's namespace is dockerd's "moby" of this containerd
# only; cgroups go under /PREFIX-docker, removed at the end.
#
# dk_setup starts it all; dk_teardown (run at exit, before the sandbox's
# own teardown) removes containers and networks through Docker, stops the
# daemons and checks that the machine's root namespace is as before.

# Run as a test by tests/run.sh: nothing to do, but the line it wants.
if [ "${BASH_SOURCE[0]}" == "$0" ]; then
	echo "0 passed, 0 failed"
	exit 0
fi

DK_PKG=${EB_PKG_CACHE:-/var/cache/ebnet-bench}/docker.io
DK_BIN=$DK_PKG/usr/bin/docker
DOCKERD_BIN=$DK_PKG/usr/sbin/dockerd
DK_IMG=ebnet-bb:1

# The machine's own state that nothing here may change.
dk_rootstate() {
	{
		iptables-save
		ip6tables-save
		nft list ruleset
		ip -br link | awk '{print $1}'
		ip -br addr
		ip route
		ip -6 route
		sysctl net.ipv4.ip_forward net.ipv6.conf.all.forwarding
		# (/run/containerd: another engineer's containerd may use it
		# meanwhile; ours is bind-mounted over it, see above.)
		# (/run/docker may exist, empty: the mount point; see dk_mnt_dirs)
		ls -A /run/docker 2>/dev/null
		ls -A /etc/docker /var/lib/docker /var/lib/ebnet/docker
		ls -d /sys/fs/cgroup/*/"$_EB_PREFIX"-docker
	} 2>&1 | grep -v '^#' | sort
}

# The Docker CLI of the package (API 1.41), on the sandbox's dockerd.
dk() { DOCKER_HOST=unix://$DKR/docker.sock DOCKER_CONFIG=$DKR/cli "$DK_BIN" "$@"; }
# A command in the daemons' mount namespace and the sandbox's host. In the
# background, `dk_ns CMD &` would make $! a subshell's: dk_bg runs CMD
# itself (nsenter execs it) and sets DK_BG to its pid; it does not inherit
# the sandbox's lock.
dk_ns() { nsenter --mount="/proc/$DK_HOLDER/ns/mnt" --net="/run/netns/$HOST" "$@"; }
dk_bg() {
	local log=$1
	shift
	nsenter --mount="/proc/$DK_HOLDER/ns/mnt" --net="/run/netns/$HOST" "$@" \
		>>"$log" 2>&1 </dev/null {_EB_LOCKFD}>&- {DK_MNT_FD}>&- &
	DK_BG=$!
}

# The offline busybox image: httpd with a CGI that prints the client's
# address, and a 1 MiB file for transfers.
dk_image() {
	local r=$DKR/img/rootfs
	mkdir -p "$r/bin" "$r/etc" "$r/proc" "$r/sys" "$r/dev" "$r/tmp" "$r/root" "$r/var/www/cgi-bin"
	cp /bin/busybox "$r/bin/busybox" && chroot "$r" /bin/busybox --install -s /bin || return 1
	echo 'root:x:0:0:root:/root:/bin/sh' >"$r/etc/passwd"
	echo 'root:x:0:' >"$r/etc/group"
	echo "hello from $DK_IMG" >"$r/var/www/index.html"
	printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n%%s\\n" "$REMOTE_ADDR"\n' \
		>"$r/var/www/cgi-bin/ip"
	chmod +x "$r/var/www/cgi-bin/ip"
	head -c 1048576 /dev/urandom >"$r/var/www/big"
	sha256sum <"$r/var/www/big" | cut -d' ' -f1 >"$DKR/big.sha256"
	tar -C "$r" --numeric-owner -cf "$DKR/img/rootfs.tar" . || return 1
	dk import -c 'ENV PATH=/bin' "$DKR/img/rootfs.tar" "$DK_IMG" >/dev/null
}

# The driver, in the daemons' namespaces, its socket where dockerd looks.
# Sets DK_DRIVER: call it in the script's shell, not under `check`.
_dk_listens() { [ "$(grep -c ': listening on ' "$DKR/driver.log" 2>/dev/null)" -gt "$1" ]; }
dk_driver_start() {
	local n
	# Its "listening" line: a killed driver's socket file is still there.
	n=$(grep -c ': listening on ' "$DKR/driver.log" 2>/dev/null)
	dk_bg "$DKR/driver.log" "$EBNET" docker-plugin --state-dir "$DKR/state" \
		--socket /run/docker/plugins/ebnet.sock
	DK_DRIVER=$DK_BG
	wait_until 20 _dk_listens "${n:-0}"
}
dk_driver_kill() {
	[ -n "${DK_DRIVER:-}" ] || return 0
	kill "-${1:-TERM}" "$DK_DRIVER" 2>/dev/null
	wait "$DK_DRIVER" 2>/dev/null
	DK_DRIVER=
}

# The mount points /run/docker and /run/containerd: made if missing, and
# removed (when empty, and only if a docker test made them) by the last
# docker test to finish; several run at once and each one's mount namespace
# needs them until its end (removing a mount point detaches the mount in
# the namespaces that have it). Every test holds a shared lock while it
# runs; the one that then gets it exclusive is the last.
DK_MNT_LOCK=/run/lock/ebnet-docker-mnt.lock
dk_mnt_dirs() {
	local m
	if [ "$1" = get ]; then
		exec {DK_MNT_FD}>>"$DK_MNT_LOCK"
		flock -s "$DK_MNT_FD"
		for m in /run/docker /run/containerd; do
			[ -d "$m" ] || { mkdir "$m" && echo "$m" >>"$DK_MNT_LOCK"; }
		done
		return 0
	fi
	[ -n "${DK_MNT_FD:-}" ] || return 0
	flock -u "$DK_MNT_FD"
	if flock -n -x "$DK_MNT_FD"; then
		sort -u "$DK_MNT_LOCK" | while read -r m; do rmdir "$m" 2>/dev/null; done
		: >"$DK_MNT_LOCK"
	fi
	exec {DK_MNT_FD}>&-
	DK_MNT_FD=
}

_dk_own_mnt() { [ "$(readlink "/proc/$DK_HOLDER/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ]; }

dk_setup() {
	local m
	DKR=$_EB_TMP/dk
	# The driver's and libebnet's state (docker/, attach/), also for the
	# `ebnet` commands of the test and of the sandbox's teardown.
	export EBNET_STATE_DIR=$DKR/state
	DK_ROOT_BEFORE=$(dk_rootstate)
	trap '_dk_exit_rc=$?; dk_teardown; (exit $_dk_exit_rc); _eb_cleanup' EXIT
	if ! "$EB_ROOT/tools/extract-pkg.sh" docker.io dockerd docker >"$_EB_TMP/extract.log" 2>&1; then
		not_ok "docker.io unpacked (tools/install-deps.sh does it)" "$(tail -n 3 "$_EB_TMP/extract.log")"
		return 1
	fi
	mkdir -p "$DKR/run-docker" "$DKR/run-containerd" "$DKR/ctrd" "$DKR/state" "$DKR/cli"
	dk_mnt_dirs get
	unshare -m --propagation slave sleep 100000 {_EB_LOCKFD}>&- {DK_MNT_FD}>&- &
	DK_HOLDER=$!
	wait_until 5 _dk_own_mnt
	nsenter --mount="/proc/$DK_HOLDER/ns/mnt" mount --bind "$DKR/run-docker" /run/docker &&
		nsenter --mount="/proc/$DK_HOLDER/ns/mnt" mount --bind "$DKR/run-containerd" /run/containerd ||
		{ not_ok "daemons' mount namespace" "bind mounts failed"; return 1; }

	cat >"$DKR/ctrd/config.toml" <<EOF
version = 2
root = "$DKR/ctrd/root"
state = "$DKR/ctrd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$DKR/ctrd/containerd.sock"
[ttrpc]
  address = "$DKR/ctrd/containerd.sock.ttrpc"
[debug]
  address = "$DKR/ctrd/debug.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$DKR/ctrd/opt"
EOF
	dk_bg "$DKR/containerd.log" containerd --config "$DKR/ctrd/config.toml"
	DK_CTRD=$DK_BG
	wait_until 20 test -S "$DKR/ctrd/containerd.sock" ||
		{ not_ok "containerd starts" "$(tail -n 3 "$DKR/containerd.log")"; return 1; }
	# Without deprecated-key-path, dockerd writes /etc/docker/key.json.
	echo "{\"deprecated-key-path\": \"$DKR/key.json\"}" >"$DKR/daemon.json"
	dk_driver_start || { not_ok "the driver starts" "$(tail -n 3 "$DKR/driver.log")"; return 1; }
	dk_bg "$DKR/dockerd.log" env PATH="$DK_PKG/usr/sbin:$DK_PKG/usr/bin:$PATH" "$DOCKERD_BIN" \
		--config-file "$DKR/daemon.json" --data-root "$DKR/data" --exec-root "$DKR/exec" \
		--pidfile "$DKR/dockerd.pid" -H "unix://$DKR/docker.sock" \
		--containerd "$DKR/ctrd/containerd.sock" \
		--bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
		--userland-proxy=false --exec-opt native.cgroupdriver=cgroupfs \
		--cgroup-parent "/$_EB_PREFIX-docker"
	DK_DOCKERD=$DK_BG
	wait_until 30 dk info ||
		{ not_ok "dockerd starts" "$(tail -n 3 "$DKR/dockerd.log")"; return 1; }
	dk_image || { not_ok "busybox image imported" ""; return 1; }
	return 0
}

# Everything dk_setup made, in order: containers and networks through
# Docker (so that the driver's Leave and DeleteNetwork are what clean up),
# the daemons, the mount namespace, the cgroups, the mount points.
dk_teardown() {
	local c left
	[ -n "${DKR:-}" ] || return 0
	if [ "$FAIL" -gt 0 ]; then
		echo "# the driver's log (last 40 lines):"
		tail -n 40 "$DKR/driver.log" | sed 's/^/#   /'
	fi
	if [ -n "${DK_DOCKERD:-}" ]; then
		[ -n "${DK_DRIVER:-}" ] || dk_driver_start
		dk ps -aq 2>/dev/null | xargs -r timeout 60 "$DK_BIN" -H "unix://$DKR/docker.sock" rm -f >/dev/null 2>&1
		dk network ls -q -f driver=ebnet 2>/dev/null | xargs -r timeout 60 "$DK_BIN" -H "unix://$DKR/docker.sock" network rm >/dev/null 2>&1
		kill "$DK_DOCKERD" 2>/dev/null
		wait_until 20 sh -c "! kill -0 $DK_DOCKERD" || kill -9 "$DK_DOCKERD" 2>/dev/null
		wait "$DK_DOCKERD" 2>/dev/null
	fi
	dk_driver_kill
	if [ -n "${DK_CTRD:-}" ]; then
		kill "$DK_CTRD" 2>/dev/null
		wait_until 10 sh -c "! kill -0 $DK_CTRD" || kill -9 "$DK_CTRD" 2>/dev/null
		wait "$DK_CTRD" 2>/dev/null
	fi
	# Shims of containers that outlived dockerd (none when rm -f worked).
	for c in $(pgrep -f "containerd-shim-runc-v2 .*-address $DKR/ctrd/containerd.sock"); do
		kill -9 "$c" 2>/dev/null
	done
	if [ -n "${DK_HOLDER:-}" ]; then
		kill "$DK_HOLDER" 2>/dev/null
		wait "$DK_HOLDER" 2>/dev/null
	fi
	for c in /sys/fs/cgroup/*/"$_EB_PREFIX"-docker; do
		[ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	dk_mnt_dirs put
	left=$(diff <(echo "$DK_ROOT_BEFORE") <(dk_rootstate))
	if [ -n "$left" ]; then
		not_ok "the machine's root namespace and folders as before Docker ran" "$(echo "$left" | head -n 8 | tr '\n' ' ')"
	else
		ok "the machine's root namespace and folders as before Docker ran"
	fi
	DKR=
}

# ebnet's name of the Docker network NAME (from the driver's state).
dk_ebnet_net() {
	local id
	id=$(dk network inspect -f '{{.Id}}' "$1") || return 1
	jq -r .net "$DKR/state/docker/networks/$id.json"
}
dk_ip() { dk inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$1"; }
dk_pid() { dk inspect -f '{{.State.Pid}}' "$1"; }
