#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks `ebnet ... --json` output against the schema in docs/JSON.md.

usage: json_schema.py DOC.md SCHEMA-ID COUNTERS.h < OUTPUT
       json_schema.py DOC.md --ids

OUTPUT is one JSON document per line. For every object in it, at its
normalised path (array elements as `[]`, counter names as `{counter}`):
every key must be listed under that path in the block `schema SCHEMA-ID`,
with one of the listed types; every listed key whose type has no `?` must
be there; the keys must come in the listed order; `{counter}` objects must
hold exactly the counters of maps/ebnet_counters.h. Prints one line per
problem and exits 1 if there is any; exits 2 on a bad schema or bad JSON.
"""
import json
import re
import sys

TYPES = {"string", "integer", "number", "boolean", "object", "array", "null"}


def blocks(doc):
    out = {}
    for m in re.finditer(r"^```schema ([a-z0-9-]+)\n(.*?)^```", doc, re.M | re.S):
        rows = []
        for line in m.group(2).splitlines():
            if not line.strip():
                continue
            f = line.split(None, 2)
            if len(f) < 2:
                raise SystemExit(f"schema {m.group(1)}: bad line '{line}'")
            path, typ = f[0], f[1]
            opt = typ.endswith("?")
            types = set(typ.rstrip("?").split("|"))
            if not types <= TYPES:
                raise SystemExit(f"schema {m.group(1)}: unknown type in '{line}'")
            rows.append((path, types, opt))
        out[m.group(1)] = rows
    return out


def split(path):
    """'a.b[].c' -> parent 'a.b[]', key 'c'; 'a[]' -> parent 'a', key '[]'."""
    if path.endswith("[]"):
        return path[:-2], "[]"
    if "." in path:
        p, k = path.rsplit(".", 1)
        return p, k
    return "", path


def type_of(v):
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if v is None:
        return "null"
    return "object" if isinstance(v, dict) else "array"


def check(rows, counters, docs):
    kids = {}  # parent path -> [(key, types, optional)] in order
    for path, types, opt in rows:
        p, k = split(path)
        kids.setdefault(p, []).append((k, types, opt))
    probs = []

    def join(p, k):
        if k == "[]":
            return p + "[]"
        return f"{p}.{k}" if p else k

    def walk(v, path, types):
        t = type_of(v)
        # a JSON number with no fraction may come out of jansson as 1.0 or 1
        if t not in types and not (t == "integer" and "number" in types):
            probs.append(f"{path or '(root)'}: {t}, want {'|'.join(sorted(types))}")
            return
        if isinstance(v, list):
            el = [r for r in kids.get(path, []) if r[0] == "[]"]
            if v and not el:
                probs.append(f"{path}: elements not in the schema")
            for x in v:
                if el:
                    walk(x, path + "[]", el[0][1])
            return
        if not isinstance(v, dict):
            return
        listed = kids.get(path, [])
        dyn = [r for r in listed if r[0] == "{counter}"]
        if dyn:
            have = set(v)
            for k in sorted(have - counters):
                probs.append(f"{join(path, k)}: not a counter of maps/ebnet_counters.h")
            for k in sorted(counters - have):
                probs.append(f"{join(path, k)}: counter missing")
            for k, x in v.items():
                walk(x, join(path, "{counter}"), dyn[0][1])
            return
        order = [r[0] for r in listed]
        for k, x in v.items():
            r = [r for r in listed if r[0] == k]
            if not r:
                probs.append(f"{join(path, k)}: key not in the schema")
                continue
            walk(x, join(path, k), r[0][1])
        for k, _, opt in listed:
            if not opt and k not in v:
                probs.append(f"{join(path, k)}: missing")
        seen = [order.index(k) for k in v if k in order]
        if seen != sorted(seen):
            probs.append(f"{path or '(root)'}: keys in the order {list(v)}, want {order}")

    for d in docs:
        walk(d, "", {"object"})
    return probs


def main():
    doc = open(sys.argv[1]).read()
    sch = blocks(doc)
    if sys.argv[2] == "--ids":
        print(" ".join(sorted(sch)))
        return 0
    if sys.argv[2] not in sch:
        print(f"no block 'schema {sys.argv[2]}' in {sys.argv[1]}")
        return 2
    counters = set(re.findall(r'X\(\d+,\s*[A-Z0-9_]+,\s*"([a-z0-9_]+)"',
                              open(sys.argv[3]).read()))
    docs = []
    for n, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            docs.append(json.loads(line))
        except ValueError as e:
            print(f"line {n}: not JSON: {e}")
            return 2
    if not docs:
        print("no JSON document in the output")
        return 1
    probs = check(sch[sys.argv[2]], counters, docs)
    for p in dict.fromkeys(probs):
        print(p)
    return 1 if probs else 0


if __name__ == "__main__":
    sys.exit(main())
