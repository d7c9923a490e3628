#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# hygiene: ebnet leaves no firewall rule, no bridge and no flipped global
# sysctl behind it, in the host it runs in nor in the machine.
. "$(dirname "$0")/../lib.sh"
sandbox thyg

# The sysctls that the classic recipe flips, and the host's global ones.
host_sysctls() {
	ip netns exec "$1" sysctl -a 2>/dev/null |
		grep -E '^net\.ipv4\.(ip_forward|conf\.(all|default|up0|lo)\.)|^net\.ipv6\.conf\.(all|default)\.forwarding|^net\.bridge\.' |
		sort
}
# Every rule of the host: nftables, and iptables of both flavours.
rules() {
	in_host iptables-save 2>&1 | grep -E '^-A|^-I'
	command -v iptables-legacy-save >/dev/null &&
		in_host iptables-legacy-save 2>&1 | grep -E '^-A|^-I'
	in_host nft list ruleset 2>&1
}
# br_netfilter loaded (as a module or built in and initialised)?
brnf() { [ -d /sys/module/br_netfilter ] && echo loaded || echo absent; }

ROOT_FWD=$(cat /proc/sys/net/ipv4/ip_forward)
ROOT_LINKS=$(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sort)
BRNF=$(brnf)
SYS0=$(host_sysctls "$HOST")
check_eq "sandbox: no firewall rule in the host before up" "$(rules)" ""

check "up three containers" eb up --net "$NET" --subnet 10.87.0.0/24 "$(ctr a)" "$(ctr b)" "$(ctr c)"
check "traffic between containers" in_ctr a ping -c1 -W2 "$(ls_field b ip)"
check "traffic to the host" in_ctr c ping -c1 -W2 10.87.0.1

check_eq "no iptables rule in the host after up" "$(in_host iptables-save 2>&1 | grep -E '^-A|^-I')" ""
check_eq "no nftables ruleset in the host after up" "$(in_host nft list ruleset 2>&1)" ""
check_eq "no firewall rule of any kind in the host after up" "$(rules)" ""
check_eq "no bridge device in the host" "$(in_host ip -o link show type bridge 2>/dev/null)" ""
check_eq "no bridge device in any container" \
	"$(for x in a b c; do in_ctr $x ip -o link show type bridge 2>/dev/null; done)" ""
check_eq "net.ipv4.ip_forward of the host unchanged" \
	"$(ip netns exec "$HOST" sysctl -n net.ipv4.ip_forward)" "$(echo "$SYS0" |
		sed -n 's/^net.ipv4.ip_forward = //p')"
check_eq "no global sysctl of the host changed (ip_forward, conf.all/default, bridge)" \
	"$(diff <(echo "$SYS0") <(host_sysctls "$HOST"))" ""
check_eq "the machine's own ip_forward unchanged" "$(cat /proc/sys/net/ipv4/ip_forward)" "$ROOT_FWD"
check_eq "br_netfilter not loaded by ebnet" "$(brnf)" "$BRNF"
check_eq "no device added to the machine's own namespace" \
	"$(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sort)" "$ROOT_LINKS"
check_eq "no route added to the host but one /32 per container" \
	"$(in_host ip route show | grep -c '^10\.87\.')" 3

check "down" eb down --net "$NET"
check_eq "after down: still no firewall rule in the host" "$(rules)" ""
check_eq "after down: the host's sysctls as before" "$(diff <(echo "$SYS0") <(host_sysctls "$HOST"))" ""
check_eq "after down: no route to the subnet left in the host" \
	"$(in_host ip route show | grep '^10\.87\.')" ""

finish
