#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Installs what ebnet's build, tests and demo need on Debian 12 (or a
# Debian-like system with apt). Idempotent and noninteractive: packages
# already installed are left alone, and apt-get update runs at most once,
# only when something is missing. `make deps` calls it.
set -euo pipefail

PKGS=(
	# build
	make gcc clang libclang-rt-14-dev pkg-config libbpf-dev libelf-dev zlib1g-dev libmnl-dev bpftool
	libjansson-dev libmicrohttpd-dev
	# what build/ebnet needs at run time (the Docker driver's HTTP and JSON)
	libjansson4 libmicrohttpd12
	# tests and demo
	iproute2 iputils-ping iputils-arping socat curl python3 util-linux hping3
	nftables iptables tcpdump jq procps ethtool traceroute
	# the CNI plugin's tests: real runtimes and an offline busybox image
	podman containerd runc busybox-static
	# names (tests/e2e/dns.sh): the clients, and resolvers to forward to
	bind9-dnsutils dnsmasq-base libc-bin procps
	# benchmarks
	iperf3 wrk sockperf qperf dnsperf conntrack git
)

# dockerd for the Docker driver's tests (and docker-proxy for the
# benchmark): Debian's docker.io, unpacked under /var/cache/ebnet-bench, not
# installed, so that no dockerd service starts on this machine.
extract_docker() {
	"$(dirname "$0")/extract-pkg.sh" docker.io dockerd docker docker-proxy ||
		echo "install-deps: could not unpack docker.io; the docker_* tests will fail" >&2
}

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: run as root (apt-get install needs it)" >&2
	exit 1
fi
if ! command -v apt-get >/dev/null; then
	echo "install-deps: no apt-get here; install these by hand: ${PKGS[*]}" >&2
	exit 1
fi

missing=()
for p in "${PKGS[@]}"; do
	# dpkg-query says "install ok installed" only for a fully installed package.
	if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#PKGS[@]} packages are installed"
	extract_docker
	exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
extract_docker
