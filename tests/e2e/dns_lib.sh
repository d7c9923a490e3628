# SPDX-License-Identifier: GPL-2.0
# Sourced by the DNS tests (dns.sh, dns_failover.sh), not run: a dnsmasq of
# the test's own, and a wait for a UDP socket on port 53. $T is the test's
# temporary folder.

# dnsmasq_in NS LISTEN-ADDR TAG ARGS...: its own config, pid and log files
# in $T; no /etc/hosts, no /etc/resolv.conf, answers from ARGS only.
dnsmasq_in() {
	local ns=$1 addr=$2 tag=$3
	shift 3
	bg_ns "$ns" timeout 600 dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv \
		--no-hosts --no-dhcp-interface= --bind-interfaces --listen-address="$addr" \
		--port=53 --user=root --group=root --pid-file="$T/dnsmasq-$tag.pid" \
		--dhcp-leasefile="$T/dnsmasq-$tag.leases" --log-queries \
		--log-facility="$T/dnsmasq-$tag.log" "$@"
}
udp53() { [ -n "$(in_ns "$1" ss -Hlun "sport = :53")" ]; }
