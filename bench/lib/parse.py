#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turns the output of the load tools into metric lines ("M NAME VALUE").

Used by bench/lib/workloads.sh:
  parse.py iperf-tcp FILE          iperf3 -J of a TCP test
  parse.py iperf-udp FILE          iperf3 -J of a UDP test
  parse.py sockperf FILE           sockperf ping-pong --full-rtt output
  parse.py snmp BEFORE AFTER [IPERF_JSON OMIT]
                                   /proc/net/snmp of the receiver, around a test
  parse.py wrk FILE                wrk's output
  parse.py bpfprog BEFORE AFTER    `bpftool -j prog show` around a test
"""
import json
import re
import sys


def metric(name, value):
    print(f"M {name} {value:.6g}")


def iperf(path):
    with open(path) as f:
        d = json.load(f)
    if "error" in d:
        sys.exit(f"iperf3: {d['error']}")
    return d["end"]


def iperf_tcp(path):
    end = iperf(path)
    rx = end["sum_received"]
    metric("gbps", rx["bits_per_second"] / 1e9)
    metric("retrans", end["sum_sent"].get("retransmits", 0))


def iperf_udp(path):
    end = iperf(path)
    rx, tx = end["sum_received"], end["sum_sent"]
    if not rx.get("seconds") or not tx.get("seconds"):
        sys.exit("iperf3: no UDP summary")
    got = rx["packets"] - rx["lost_packets"]
    metric("rx_kpps", got / rx["seconds"] / 1e3)
    metric("tx_kpps", tx["packets"] / tx["seconds"] / 1e3)
    metric("loss_pct", 100.0 * rx["lost_packets"] / max(rx["packets"], 1))


def sockperf(path):
    text = open(path).read()
    found = {}
    for name, pat in (("p50_us", r"percentile 50\.000 =\s*([\d.]+)"),
                      ("p99_us", r"percentile 99\.000 =\s*([\d.]+)"),
                      ("avg_us", r"avg-rtt=([\d.]+)")):
        m = re.search(pat, text)
        if not m:
            sys.exit(f"sockperf: no '{name}' in its output")
        found[name] = float(m.group(1))
    for k, v in found.items():
        metric(k, v)
    m = re.search(r"\[Valid Duration\].*ReceivedMessages=(\d+)", text)
    if m:
        metric("msgs", float(m.group(1)))


def snmp_udp(path):
    lines = [ln.split() for ln in open(path) if ln.startswith("Udp:")]
    return dict(zip(lines[0][1:], map(int, lines[1][1:])))


def snmp(before, after, iperf_json=None, omit="0"):
    a, b = snmp_udp(before), snmp_udp(after)
    got = b["InDatagrams"] - a["InDatagrams"]
    full = b["RcvbufErrors"] - a["RcvbufErrors"]
    # Share of the datagrams that reached the server's socket but found its
    # buffer full: the receiver, not the datapath, was the limit.
    metric("rcvbuf_drop_pct", 100.0 * full / max(got + full, 1))
    if iperf_json:
        # Datagrams the datapath delivered to the server container's UDP
        # layer, whether the application then kept up or not: the rate of
        # the network itself. The counters span the whole test, the omitted
        # first seconds included.
        secs = iperf(iperf_json)["sum_received"]["seconds"] + float(omit)
        metric("stack_kpps", (got + full) / secs / 1e3)


def wrk(path):
    text = open(path).read()
    m = re.search(r"Requests/sec:\s*([\d.]+)", text)
    if not m:
        sys.exit("wrk: no 'Requests/sec' in its output")
    metric("cps", float(m.group(1)))
    errs = 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        errs += sum(int(x) for x in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m:
        errs += int(m.group(1))
    m = re.search(r"(\d+) requests in", text)
    metric("errors_pct", 100.0 * errs / max(int(m.group(1)) if m else 1, 1))


def bpfprog(before, after):
    a, b = json.load(open(before)), json.load(open(after))
    runs = b.get("run_cnt", 0) - a.get("run_cnt", 0)
    ns = b.get("run_time_ns", 0) - a.get("run_time_ns", 0)
    if runs <= 0:
        sys.exit("bpftool: the program did not run (or kernel.bpf_stats_enabled is off)")
    metric("ns_per_run", ns / runs)
    metric("runs", runs)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"iperf-tcp": iperf_tcp, "iperf-udp": iperf_udp, "sockperf": sockperf,
     "snmp": snmp, "wrk": wrk, "bpfprog": bpfprog}[cmd](*args)


if __name__ == "__main__":
    main()
