# SPDX-License-Identifier: GPL-2.0
"""tests/deps_check.py ROOT: every program that a test, the demo or the
benchmark runs is installed by tools/install-deps.sh.

It reads the shell scripts of tests/, tools/, bench/ and .ci/, finds the
words in command position (the first word of a command, after a pipe,
`&&`, `$(`..., and the command that a wrapper runs: `in_host CMD`,
`in_ns NS CMD`, `timeout N CMD`, `nsenter --net=... CMD`, `check DESC
CMD`, `sh -c "CMD"`...), looks each one up in /usr/bin, /usr/sbin, /bin and
/sbin, and asks dpkg which package holds it. A program passes when its
package is one that install-deps lists, or one of their dependencies, or
one that every Debian system has (Essential or Priority "required": what
debootstrap installs). Prints one "ok"/"not ok" line a program and a final
count line, as the e2e scripts do; exits 1 on any "not ok".
"""
import os
import re
import shlex
import subprocess
import sys

ROOT = sys.argv[1]

# Shell builtins and keywords (bash's own list, asked at run time) need no
# package; so do the functions that the scripts define themselves.
BUILTINS = set(subprocess.run(["bash", "-c", "compgen -b; compgen -k"], capture_output=True,
                              text=True).stdout.split())
# Wrappers: how many words after the wrapper come before the command it
# runs (options starting with "-" are skipped too where noted).
WRAP_ARGS = {
    "in_host": 0, "in_out": 0, "in_rtr": 0, "eb_exec": 0,
    "in_ns": 1, "in_ctr": 1, "bg_ns": 1, "bg_in": 1,
    "check": 1, "check_fails": 1, "known_bug": 1, "wait_until": 1, "show": 1,
    "exec": 0, "command": 0, "sudo": 0, "nice": 0, "time": 0, "nohup": 0,
    "xargs": 0, "setsid": 0, "unshare": 0, "flock": 1,
}
# Wrappers whose options are skipped ("-x" and "--long=x"); a few options
# take the next word as their value.
OPT_WRAPPERS = {"nsenter", "env", "timeout", "taskset", "setpriv", "xargs", "unshare",
                "setsid", "nice", "command", "sudo", "time", "exec", "flock"}
OPT_WITH_VALUE = {"timeout": {"-k", "-s", "--kill-after", "--signal"},
                  "taskset": {"-c", "--cpu-list"}, "nice": {"-n"}, "xargs": {"-n", "-I", "-P"},
                  "flock": {"-w", "-E"}}
# Wrappers that take one more plain word before the command (timeout's
# duration, taskset's mask without -c).
WRAP_POSITIONAL = {"timeout": 1}
SEPARATORS = {"|", "||", "&&", ";", "&", "(", "((", "{", "!", "then", "do", "else", "elif",
              "if", "while", "until", "$(", "`", "|&", ";;"}
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.+-]*$")


def scripts():
    for top in ("tests", "tools", "bench", ".ci"):
        for d, _, fs in os.walk(os.path.join(ROOT, top)):
            for f in sorted(fs):
                p = os.path.join(d, f)
                if f.endswith(".sh") or p.endswith(".ci/run"):
                    yield p


def logical_lines(path):
    """The lines of a script, continuations joined, heredoc bodies and
    comment lines dropped (a heredoc feeds python or a file, not bash)."""
    heredoc, acc = None, ""
    for ln in open(path, errors="replace"):
        if heredoc:
            if ln.strip() == heredoc:
                heredoc = None
            continue
        m = re.search(r"<<-?\s*['\"]?([A-Za-z_]+)['\"]?", ln)
        if m:
            heredoc = m.group(1)
        s = ln.rstrip("\n")
        if s.lstrip().startswith("#"):
            continue
        if s.endswith("\\"):
            acc += s[:-1] + " "
            continue
        yield acc + s
        acc = ""


def tokens(line):
    lex = shlex.shlex(line, posix=True, punctuation_chars=True)
    lex.commenters = "#"
    lex.wordchars += "$-=/.:,+%@{}[]~^"
    try:
        return list(lex)
    except ValueError:
        return line.split()


def commands(line, depth=0):
    """Words in command position of one line."""
    toks = tokens(line)
    out = []
    at_cmd = True
    i = 0
    while i < len(toks):
        t = toks[i]
        if t in SEPARATORS or t.endswith("$(") or t == "$":
            at_cmd = True
            i += 1
            continue
        if not at_cmd:
            i += 1
            continue
        if "=" in t and WORD.match(t.split("=", 1)[0] or "-"):
            i += 1  # VAR=value before a command
            continue
        at_cmd = False
        name = os.path.basename(t) if t.startswith("/") else t
        if name in ("sh", "bash") and i + 2 < len(toks) and toks[i + 1] == "-c" and depth < 3:
            out.append(name)
            out += commands(toks[i + 2], depth + 1)
            i += 3
            continue
        if not WORD.match(name):
            i += 1
            continue
        out.append(name)
        # A wrapper: the command it runs is in command position too.
        if name in WRAP_ARGS or name in OPT_WRAPPERS:
            j = i + 1
            skip = WRAP_ARGS.get(name, 0)
            pos = WRAP_POSITIONAL.get(name, 0)
            while j < len(toks):
                w = toks[j]
                if name in OPT_WRAPPERS and w.startswith("-"):
                    j += 2 if w in OPT_WITH_VALUE.get(name, ()) else 1
                    continue
                if name == "env" and "=" in w:
                    j += 1
                    continue
                if skip:
                    skip -= 1
                    j += 1
                    continue
                if pos:
                    pos -= 1
                    j += 1
                    continue
                break
            if name == "flock" and j < len(toks) and re.match(r"\d+$", toks[j]):
                j = len(toks)  # flock FD: no command
            i = j
            at_cmd = True
            continue
        if name == "ip" and toks[i + 1:i + 3] == ["netns", "exec"]:
            i += 4
            at_cmd = True
            continue
        i += 1
    return out


def dpkg_owners(names):
    """name -> the package holding /usr/bin/name (or sbin, bin): one
    dpkg-query for all of them. None: no such program here; "?": on
    disk but of no package (installed by hand)."""
    paths = {}
    for n in names:
        for d in ("/usr/bin", "/usr/sbin", "/bin", "/sbin"):
            p = os.path.join(d, n)
            if os.path.isfile(p) and os.access(p, os.X_OK):
                # usrmerge: dpkg may know it under /bin or /usr/bin.
                paths[n] = {p, os.path.realpath(p), p.replace("/usr", "", 1), "/usr" + p}
                break
    allp = sorted(set().union(*paths.values())) if paths else []
    out = subprocess.run(["dpkg-query", "-S"] + allp, capture_output=True, text=True).stdout
    owner = {}
    for ln in out.splitlines():
        if ln.startswith("diversion ") or ": " not in ln:
            continue
        pkgs, path = ln.split(": ", 1)
        owner.setdefault(path.strip(), pkgs.split(",")[0].split(":")[0].strip())
    res = {}
    for n in names:
        if n not in paths:
            res[n] = None
            continue
        res[n] = next((owner[q] for q in sorted(paths[n]) if q in owner), "?")
    return res


def install_deps_pkgs():
    src = open(os.path.join(ROOT, "tools/install-deps.sh")).read()
    body = re.search(r"PKGS=\((.*?)\n\)", src, re.S).group(1)
    body = re.sub(r"#[^\n]*", "", body)
    return set(body.split())


def closure(pkgs):
    """pkgs and everything they depend on, among installed packages."""
    info = subprocess.run(["dpkg-query", "-W", "-f",
                           "${Package}\t${Depends}, ${Pre-Depends}\t${Provides}\n"],
                          capture_output=True, text=True).stdout
    deps, provides = {}, {}
    for ln in info.splitlines():
        p, d, prov = (ln.split("\t") + ["", ""])[:3]
        deps[p] = [re.sub(r"[:\s(].*", "", a.strip()) for alt in d.split(",")
                   for a in alt.split("|") if a.strip()]
        for v in prov.split(","):
            v = re.sub(r"[\s(].*", "", v.strip())
            if v:
                provides.setdefault(v, []).append(p)
    seen, todo = set(), list(pkgs)
    while todo:
        p = todo.pop()
        for q in [p] + provides.get(p, []):
            if q in seen:
                continue
            seen.add(q)
            todo += deps.get(q, [])
    return seen


def base_pkgs():
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Essential} ${Priority}\n"],
                         capture_output=True, text=True).stdout
    return {ln.split()[0] for ln in out.splitlines()
            if len(ln.split()) == 3 and (ln.split()[1] == "yes" or ln.split()[2] == "required")}


def bench_extracted():
    """Commands that bench/run.sh unpacks into a cache of its own (HOW
    "extract" in bench/deps.txt: installing them would start a service)."""
    out = set()
    for ln in open(os.path.join(ROOT, "bench/deps.txt")):
        w = ln.split("#")[0].split()
        if len(w) >= 3 and w[2] == "extract":
            out.add(w[0])
    return out


def main():
    funcs, users = set(), {}
    for path in scripts():
        rel = os.path.relpath(path, ROOT)
        text = open(path, errors="replace").read()
        funcs |= set(re.findall(r"^\s*(?:function\s+)?([A-Za-z_][A-Za-z0-9_-]*)\s*\(\)", text, re.M))
        for line in logical_lines(path):
            for c in commands(line):
                users.setdefault(c, set()).add(rel)
    wanted = install_deps_pkgs()
    have = closure(wanted)
    base = base_pkgs()
    extracted = bench_extracted()
    npass = nfail = 0
    progs = sorted(c for c in users if c not in BUILTINS and c not in funcs and
                   c not in extracted)
    owners = dpkg_owners(progs)
    for c in progs:
        where = ", ".join(sorted(users[c])[:3]) + (" ..." if len(users[c]) > 3 else "")
        pkg = owners[c]
        if pkg is None:
            # No such program: a word of python code or of a message that
            # the line reader took for a command, or a program that a
            # script checks for before it runs it.
            continue
        if pkg == "?":
            nfail += 1
            print(f"not ok - {c} is installed by a package : called in {where}; it is on "
                  "this machine but of no package (installed by hand?)")
            continue
        if pkg in have or pkg in base:
            npass += 1
            print(f"ok - {c} ({pkg}) is installed by install-deps" +
                  ("" if pkg in have else " (a package every Debian has)"))
        else:
            nfail += 1
            print(f"not ok - {c} ({pkg}) is installed by install-deps : called in {where}; "
                  f"add {pkg} to PKGS in tools/install-deps.sh")
    print(f"{npass} passed, {nfail} failed")
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main())
