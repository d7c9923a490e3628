#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The tree's layout rules (docs/ARCHITECTURE.md, issue 13), checked.

  files      no source file over MAX_LINES lines (bpf/, loader/, maps/, tools/,
             tests/unit/)
  functions  no function in bpf/, loader/, maps/, tools/ over MAX_BODY lines
             of body, unless the comment
             right above it says why, in a line that starts "Why one
             function:" (the BPF programs: what a split measured)
  includes   no cycle among the project's own headers

Prints one "ok - ..." or "not ok - ..." line per rule and file, and the
counts line. Run from the top of the tree (tests/e2e/layout.sh does).
"""
import glob
import os
import re
import sys

MAX_LINES = 600
MAX_BODY = 80
DIRS = ["bpf", "loader", "maps", "tools", "tests/unit"]
FUNC_DIRS = ("bpf/", "loader/", "maps/", "tools/")  # tests: tables and scripts of checks
REASON = "Why one function:"

passed = failed = 0


def report(good, what, why=""):
    global passed, failed
    if good:
        passed += 1
        print("ok - " + what)
    else:
        failed += 1
        print("not ok - " + what + (" : " + why if why else ""))


def sources():
    out = []
    for d in DIRS:
        out += glob.glob(d + "/**/*.c", recursive=True)
        out += glob.glob(d + "/**/*.h", recursive=True)
    return sorted(f for f in out if not f.endswith((".skel.h", "vmlinux.h")))


def functions(lines):
    """(name, first line, body length, comment above) of each top-level
    function: a signature at column 0, its "{" alone at column 0 (the
    kernel's style, clang-format here), its "}" at column 0."""
    sig = None
    for i, line in enumerate(lines):
        if re.match(r"[A-Za-z_].*\(", line) and not line.rstrip().endswith(";"):
            sig = i
        elif line.startswith("{") and sig is not None:
            start = i
            end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("}")), i)
            words = [w for w in re.findall(r"(\w+)\s*\(", lines[sig])
                     if w not in ("__attribute__", "noinline", "always_inline", "SEC")]
            above = []
            j = sig - 1
            while j >= 0 and (lines[j].startswith(("/*", " *", "SEC(", "__attribute__")) or
                              lines[j].strip() == "*/"):
                above.insert(0, lines[j])
                j -= 1
            yield (words[-1] if words else "?", sig + 1, end - start - 1, above)
            sig = None
        elif line.strip() == "" or line.startswith("}"):
            sig = None


files = sources()
report(len(files) > 50, "the tree's sources are found (%d files)" % len(files))

for f in files:
    n = sum(1 for _ in open(f, errors="replace"))
    if n > MAX_LINES:
        report(False, "%s has at most %d lines" % (f, MAX_LINES), "%d" % n)
report(True, "every other file has at most %d lines" % MAX_LINES)

long_ok = 0
for f in files:
    if not f.startswith(FUNC_DIRS):
        continue
    lines = open(f, errors="replace").read().split("\n")
    for name, at, body, above in functions(lines):
        if body <= MAX_BODY:
            continue
        if any(REASON in a for a in above):
            long_ok += 1
            continue
        report(False, "%s:%d %s() has at most %d lines, or says why" % (f, at, name, MAX_BODY),
               "%d lines, no '%s' above it" % (body, REASON))
report(True, "every other function has at most %d lines (%d longer ones say why)" %
       (MAX_BODY, long_ok))

# Includes: "name.h" resolved by file name among the project's headers.
headers = {}
for f in files:
    if f.endswith(".h"):
        headers.setdefault(os.path.basename(f), f)
graph = {}
for f in files:
    inc = re.findall(r'#include\s+"([^"]+)"', open(f, errors="replace").read())
    graph[f] = [headers[os.path.basename(i)] for i in inc if os.path.basename(i) in headers]
state, cycles = {}, []


def visit(u, stack):
    state[u] = 1
    stack.append(u)
    for v in graph.get(u, []):
        if state.get(v) == 1:
            cycles.append(stack[stack.index(v):] + [v])
        elif v not in state:
            visit(v, stack)
    stack.pop()
    state[u] = 2


sys.setrecursionlimit(10000)
for f in graph:
    if f not in state:
        visit(f, [])
report(not cycles, "no include cycle among the project's headers",
       "; ".join(" -> ".join(c) for c in cycles[:3]))
edges = sum(len(v) for v in graph.values())
report(edges > 100, "the include graph was read (%d edges)" % edges)

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
