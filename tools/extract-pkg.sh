#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# extract-pkg.sh PKG CMD...: makes sure that the programs CMD... of the
# Debian package PKG are unpacked under $EB_PKG_CACHE/PKG/usr/{bin,sbin}
# (default /var/cache/ebnet-bench), downloading the package with apt-get
# when one is missing. Nothing is installed: the package's install scripts
# never run, so no service starts in the root namespace (docker.io's would
# start dockerd; nginx's, nginx). Used by tools/install-deps.sh,
# bench/run.sh (bench/deps.txt "extract") and the Docker tests.
#
# The package's programs are kept, all of them (docker.io: dockerd, docker,
# docker-proxy, ...), and the rest of it (docs, unit files) is dropped.
# Prints nothing on success when everything was there already.
set -uo pipefail

CACHE=${EB_PKG_CACHE:-/var/cache/ebnet-bench}
pkg=${1:?usage: extract-pkg.sh PKG CMD...}
shift
d=$CACHE/$pkg

have_all() {
	local c
	for c in "$@"; do
		[ -x "$d/usr/sbin/$c" ] || [ -x "$d/usr/bin/$c" ] || return 1
	done
}
have_all "$@" && exit 0

mkdir -p "$CACHE" || exit 1
exec 9>"$CACHE/.$pkg.lock"
flock 9 # two callers at once (make test runs scripts side by side)
have_all "$@" && exit 0
echo "extract-pkg: fetching $pkg for $* (unpacked under $d, not installed)" >&2
(cd "$CACHE" && { apt-get download -q "$pkg" >&2 ||
	{ apt-get update -q >&2 && apt-get download -q "$pkg" >&2; }; }) || exit 1
deb=$(ls -t "$CACHE/${pkg}"_*.deb 2>/dev/null | head -n1)
[ -n "$deb" ] || exit 1
rm -rf "$d.tmp" "$d"
if ! dpkg-deb -x "$deb" "$d.tmp"; then
	rm -rf "$d.tmp" "$deb"
	exit 1
fi
for f in usr/sbin usr/bin; do
	if [ -d "$d.tmp/$f" ]; then
		mkdir -p "$d/$f"
		mv "$d.tmp/$f"/* "$d/$f/" 2>/dev/null
	fi
done
rm -rf "$d.tmp" "$deb"
have_all "$@" || { echo "extract-pkg: $pkg has no ${*}" >&2; exit 1; }
