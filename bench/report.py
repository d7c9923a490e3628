#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench/report.py: the table, the targets and the JSON of a benchmark run.

  report.py --raw RAW.tsv --meta META.tsv --out RESULT.json
      reads what bench/run.sh recorded, writes RESULT.json, prints the table
      and the targets of issue 5, and ends with "N passed, N failed": a
      workload/system pair passes when every run of it produced a number,
      fails when one errored; skipped pairs (not built yet) count for
      neither. Exits 1 when something failed.
  report.py --markdown RESULT.json
      prints the same tables in Markdown, for docs/BENCHMARKS.md.

Figures: the median over the rounds, with min and max. Ratios ebnet/other
are taken round by round (ebnet's figure of round r over the other's of
round r), then the median (min, max) of those ratios.
"""
import argparse
import json
import statistics
import sys

# metric -> (unit, better): "higher" or "lower"
METRICS = {
    "gbps": ("Gbit/s", "higher"),
    "retrans": ("segments", "lower"),
    "rx_kpps": ("kpps", "higher"),
    "tx_kpps": ("kpps", "higher"),
    "loss_pct": ("%", "lower"),
    "rcvbuf_drop_pct": ("%", "lower"),
    "p50_us": ("us", "lower"),
    "p99_us": ("us", "lower"),
    "avg_us": ("us", "lower"),
    "lat_us": ("us", "lower"),
    "msgs": ("msgs", "higher"),
    "up_ms": ("ms", "lower"),
    "down_ms": ("ms", "lower"),
    "ns_per_run": ("ns", "lower"),
    "uplink_ns_per_run": ("ns", "lower"),
    "container_ns_per_run": ("ns", "lower"),
    "runs": ("runs", "higher"),
    "maps_kib": ("KiB", "lower"),
    "progs_kib": ("KiB", "lower"),
    "maps": ("maps", "lower"),
    "stack_kpps": ("kpps", "higher"),
    "cps": ("conn/s", "higher"),
    "xdp_pct": ("%", "higher"),
    "errors_pct": ("%", "lower"),
    "leftovers": ("items", "lower"),
    "changed": ("items", "lower"),
}

# Shown in the table (others stay in the JSON).
SHOWN = {
    "tcp_stream": ["gbps"],
    "rr_latency": ["p50_us", "p99_us"],
    "udp64_pps": ["rx_kpps", "stack_kpps", "tx_kpps", "rcvbuf_drop_pct"],
    "tcp_stream6": ["gbps"],
    "rr_latency6": ["lat_us"],
    "udp64_pps6": ["rx_kpps", "tx_kpps"],
    "pub_cps": ["cps", "errors_pct"],
    "pub_tput": ["gbps"],
    "pub_cps6": ["cps", "errors_pct"],
    "pub_tput6": ["gbps"],
    "pub_cps_nic": ["cps", "errors_pct", "xdp_pct"],
    "pub_tput_nic": ["gbps", "xdp_pct"],
    "snat_cps": ["cps", "errors_pct"],
    "scale_sweep": ["cps_1", "cps_100", "cps_1000", "cps_10000",
                    "publish_ms_1", "publish_ms_100", "publish_ms_1000", "publish_ms_10000"],
    "containers_100": ["up_ms", "down_ms"],
    "bpf_udp64": ["ns_per_run", "rx_kpps"],
    "bpf_tcp": ["ns_per_run", "gbps"],
    "bpf_pub": ["uplink_ns_per_run", "container_ns_per_run", "cps"],
    "memory": ["maps_kib", "progs_kib", "maps"],
    "dns_qps": ["qps", "lat_us"],
}

REF = "ebnet"
# Systems in this order in the table; others after them.
ORDER = ["veth", "iptables", "nft", "docker-proxy", "ebnet", "ebnet-xdp", "docker-bridge",
         "docker-ebnet", "ip-script", "ebnet-clsact", "dnsmasq"]
# Pairs compared like ebnet with the others: (system, other), the median of
# the round-by-round ratios system/other (a real dockerd, each driver).
PAIRS = [("docker-ebnet", "docker-bridge")]

# Issue 5's targets. Kinds:
#   ("ratio", label, workload, metric, other system, op, bound): the median
#       of the round-by-round ratios ebnet/other
#   ("self", label, workload, metric, metric of reference, op, bound): the
#       median of ebnet's round-by-round ratios metric/reference
#   ("abs", label, workload, metric, op, bound): ebnet's median
TARGETS = [
    ("ratio", "64-byte UDP rate >= 1.5 x classic (received by the app)",
     "udp64_pps", "rx_kpps", "iptables", ">=", 1.5),
    ("ratio", "64-byte UDP rate >= 1.5 x classic (delivered to the container)",
     "udp64_pps", "stack_kpps", "iptables", ">=", 1.5),
    ("ratio", "64-byte UDP rate >= 0.95 x bare veth (received by the app)",
     "udp64_pps", "rx_kpps", "veth", ">=", 0.95),
    ("ratio", "64-byte UDP rate >= 0.95 x bare veth (delivered to the container)",
     "udp64_pps", "stack_kpps", "veth", ">=", 0.95),
    ("ratio", "request/response p50 <= 0.8 x classic", "rr_latency", "p50_us", "iptables",
     "<=", 0.8),
    ("ratio", "request/response p99 <= 0.8 x classic", "rr_latency", "p99_us", "iptables",
     "<=", 0.8),
    ("ratio", "TCP stream no worse than the bridge", "tcp_stream", "gbps", "iptables", ">=", 1.0),
    ("ratio", "published port conn/s >= 1.3 x iptables DNAT (1 rule)", "scale_sweep", "cps_1",
     "iptables", ">=", 1.3),
    ("ratio", "published port conn/s >= 3.5 x iptables (10,000 rules)", "scale_sweep",
     "cps_10000", "iptables", ">=", 3.5),
    ("self", "ebnet conn/s at 10,000 ports >= 0.95 x at 1", "scale_sweep", "cps_10000", "cps_1",
     ">=", 0.95),
    ("ratio", "published port conn/s >= 2 x docker-proxy", "pub_cps", "cps", "docker-proxy",
     ">=", 2.0),
    ("abs", "publishing one port when 10,000 exist < 10 ms", "scale_sweep", "publish_ms_10000",
     "<", 10.0),
    ("ratio", "100 containers up >= 5 x faster than ip", "containers_100", "up_ms", "ip-script",
     "<=", 0.2),
]


def compare(v, op, bound):
    return {">=": v >= bound, "<=": v <= bound, "<": v < bound, ">": v > bound}[op]


def read_tsv(path, ncols):
    rows = []
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            parts += [""] * (ncols - len(parts))
            rows.append(parts[:ncols])
    return rows


def num(v):
    try:
        return float(v)
    except ValueError:
        return None


def stats(vals):
    return {"n": len(vals), "median": statistics.median(vals), "min": min(vals), "max": max(vals)}


def build(raw, meta_path):
    meta = {}
    for k, v in read_tsv(meta_path, 2):
        meta[k] = v
    cases = []
    for r, w, s, status, metrics, load, msg in read_tsv(raw, 7):
        m = {}
        for kv in filter(None, metrics.split(";")):
            k, _, v = kv.partition("=")
            if num(v) is not None:
                m[k] = num(v)
        cases.append({"round": int(r), "workload": w, "system": s, "status": status,
                      "metrics": m, "load1": num(load), "message": msg})

    # Per workload, metric, system: values by round.
    by = {}
    order_w, order_s = [], []
    for c in cases:
        if c["workload"] not in order_w:
            order_w.append(c["workload"])
        if c["system"] not in order_s:
            order_s.append(c["system"])
        if c["status"] != "ok":
            continue
        for k, v in c["metrics"].items():
            by.setdefault((c["workload"], k, c["system"]), {})[c["round"]] = v

    order_s.sort(key=lambda x: ORDER.index(x) if x in ORDER else len(ORDER))
    summary = []
    for w in order_w:
        mets = []
        for (ww, k, _s) in by:
            if ww == w and k not in mets:
                mets.append(k)
        for k in mets:
            unit, better = METRICS.get(k, ("", "higher"))
            for s in order_s:
                vals = by.get((w, k, s))
                if not vals:
                    continue
                row = {"workload": w, "metric": k, "unit": unit, "better": better, "system": s,
                       **stats(list(vals.values())), "rounds": vals}
                ref = by.get((w, k, REF))
                if s != REF and ref:
                    ratios = [ref[r] / vals[r] for r in sorted(vals) if r in ref and vals[r]]
                    if ratios:
                        row["ratio_ebnet_over"] = stats(ratios)
                summary.append(row)

    pair_rows = []
    for a, b in PAIRS:
        for (w, k, s), va in by.items():
            vb = by.get((w, k, b))
            if s != a or not vb or k not in SHOWN.get(w, []):
                continue
            ratios = [va[r] / vb[r] for r in sorted(va) if r in vb and vb[r]]
            if ratios:
                pair_rows.append({"workload": w, "metric": k, "system": a, "vs": b,
                                  "better": METRICS.get(k, ("", "higher"))[1],
                                  **stats(ratios)})

    # Pass/fail per workload/system pair.
    pairs = {}
    for c in cases:
        key = (c["workload"], c["system"])
        st = pairs.setdefault(key, {"ok": 0, "fail": 0, "skip": 0, "why": ""})
        st[c["status"]] += 1
        if c["status"] != "ok" and c["message"]:
            st["why"] = c["message"]
    passed = sum(1 for v in pairs.values() if v["ok"] and not v["fail"])
    failed = sum(1 for v in pairs.values() if v["fail"])
    results = [{"workload": w, "system": s, **v} for (w, s), v in pairs.items()]

    targets = []
    for kind, label, w, k, *rest in TARGETS:
        op, bound = rest[-2], rest[-1]
        t = {"target": label, "kind": kind, "workload": w, "metric": k, "op": op, "bound": bound}
        fig = None
        if kind == "ratio":
            t["vs"] = rest[0]
            row = next((x for x in summary if x["workload"] == w and x["metric"] == k
                        and x["system"] == rest[0] and "ratio_ebnet_over" in x), None)
            fig = row["ratio_ebnet_over"] if row else None
        elif kind == "self":
            t["vs"] = rest[0]
            a, b = by.get((w, k, REF)), by.get((w, rest[0], REF))
            if a and b:
                ratios = [a[r] / b[r] for r in sorted(a) if r in b and b[r]]
                fig = stats(ratios) if ratios else None
        else:
            vals = by.get((w, k, REF))
            fig = stats(list(vals.values())) if vals else None
        if fig:
            t.update(value=fig["median"], value_min=fig["min"], value_max=fig["max"], n=fig["n"])
            t["status"] = "met" if compare(fig["median"], op, bound) else "missed"
        else:
            t["status"] = "not measured"
        targets.append(t)

    return {"meta": meta, "summary": summary, "pairs": pair_rows, "targets": targets,
            "results": results,
            "passed": passed, "failed": failed, "cases": cases}


def fmt(v):
    if v is None:
        return "-"
    a = abs(v)
    if a >= 1000:
        return f"{v:.0f}"
    if a >= 100:
        return f"{v:.1f}"
    if a >= 10:
        return f"{v:.2f}"
    return f"{v:.3f}"


def table_rows(d):
    rows = []
    for x in d["summary"]:
        if x["metric"] not in SHOWN.get(x["workload"], []):
            continue
        r = x.get("ratio_ebnet_over")
        ratio = f"{r['median']:.3f} ({r['min']:.3f}..{r['max']:.3f})" if r else ""
        rows.append([x["workload"], x["metric"], x["unit"], x["system"], str(x["n"]),
                     fmt(x["median"]), fmt(x["min"]), fmt(x["max"]), ratio])
    return rows


HEAD = ["workload", "metric", "unit", "system", "n", "median", "min", "max",
        "ebnet/system (min..max)"]


def target_rows(d):
    rows = []
    for t in d["targets"]:
        if t["kind"] == "ratio":
            test = f"ebnet/{t['vs']} {t['metric']} {t['op']} {t['bound']}"
        elif t["kind"] == "self":
            test = f"ebnet {t['metric']}/{t['vs']} {t['op']} {t['bound']}"
        else:
            test = f"ebnet {t['metric']} {t['op']} {t['bound']}"
        fig = "-"
        if "value" in t:
            fig = f"{fmt(t['value'])} ({fmt(t['value_min'])}..{fmt(t['value_max'])})"
        rows.append([t["target"], test, fig, t["status"]])
    return rows


def print_text(d):
    m = d["meta"]
    print()
    print(f"ebnet benchmark: {m.get('mode', '')}, {m.get('rounds', '?')} round(s), "
          f"{m.get('duration_s', '?')} s a run; {m.get('cpu', '')} x{m.get('ncpu', '')}, "
          f"kernel {m.get('kernel', '')}")
    rows = table_rows(d)
    widths = [max(len(str(r[i])) for r in rows + [HEAD]) for i in range(len(HEAD))]
    line = lambda r: "  ".join(str(c).rjust(w) if 4 <= i <= 7 else str(c).ljust(w)
                               for i, (c, w) in enumerate(zip(r, widths))).rstrip()
    print(line(HEAD))
    prev = None
    for r in rows:
        if prev and r[0] != prev:
            print()
        prev = r[0]
        print(line(r))
    for x in d.get("pairs", []):
        if x is d["pairs"][0]:
            print()
            print("pairs (median of the round-by-round ratios, min..max):")
        print(f"  {x['workload']:<16} {x['metric']:<12} {x['system']}/{x['vs']} "
              f"{fmt(x['median'])} ({fmt(x['min'])}..{fmt(x['max'])}), "
              f"{x['better']} is better, n={x['n']}")
    print()
    print("targets of issue 5 (median of the round-by-round ratios):")
    for r in target_rows(d):
        print(f"  {r[3]:<12} {r[0]:<64} {r[1]:<38} {r[2]}")
    skipped = [x for x in d["results"] if x["skip"] and not x["ok"] and not x["fail"]]
    if skipped:
        print()
        print("not measured yet:")
        for x in skipped:
            print(f"  {x['workload']:<16} {x['system']:<13} {x['why']}")
    bad = [x for x in d["results"] if x["fail"]]
    if bad:
        print()
        print("failed:")
        for x in bad:
            print(f"  {x['workload']:<16} {x['system']:<13} {x['fail']} of "
                  f"{x['fail'] + x['ok']} run(s): {x['why']}")


def print_markdown(d):
    def md(head, rows):
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join("---" for _ in head) + "|")
        for r in rows:
            print("| " + " | ".join(str(c) for c in r) + " |")

    md(HEAD, table_rows(d))
    print()
    md(["target", "test", "median (min..max)", "status"], target_rows(d))


def plot_sweep(d, path):
    """cps to the last published port against the number published."""
    rows = [x for x in d["summary"] if x["workload"] == "scale_sweep"
            and x["metric"].startswith("cps_")]
    if not rows:
        return None
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "no PNG: python3-matplotlib is missing"
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for s in sorted({x["system"] for x in rows},
                    key=lambda x: ORDER.index(x) if x in ORDER else len(ORDER)):
        pts = sorted((int(x["metric"][4:]), x) for x in rows if x["system"] == s)
        ns = [n for n, _ in pts]
        med = [x["median"] for _, x in pts]
        lo = [x["median"] - x["min"] for _, x in pts]
        hi = [x["max"] - x["median"] for _, x in pts]
        ax.errorbar(ns, med, yerr=[lo, hi], marker="o", capsize=3, label=s)
    ax.set_xscale("log")
    ax.set_ylim(bottom=0)
    ax.set_xlabel("published ports (DNAT rules)")
    ax.set_ylabel("new connections/s to the last one")
    ax.set_title("published-port scale sweep (median, min..max over rounds)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return f"plot: {path}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--png")
    ap.add_argument("--raw")
    ap.add_argument("--meta")
    ap.add_argument("--out")
    ap.add_argument("--markdown")
    a = ap.parse_args()
    if a.markdown:
        print_markdown(json.load(open(a.markdown)))
        return 0
    d = build(a.raw, a.meta)
    with open(a.out, "w") as f:
        json.dump(d, f, indent=1, sort_keys=False)
        f.write("\n")
    print_text(d)
    print(f"\nresults: {a.out}")
    if a.png:
        note = plot_sweep(d, a.png)
        if note:
            print(note)
    print(f"{d['passed']} passed, {d['failed']} failed")
    return 1 if d["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
