#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tests/run.sh [unit|e2e]: runs the unit test binaries (build/tests/test_*)
# and the end-to-end scripts (tests/e2e/*.sh, several at a time: each builds
# its own sandbox of namespaces), prints each one's output, and ends with
# the sum of their counts as its last line: "N passed, N failed[, N skipped]".
# Exits non-zero if anything failed. `make test` calls it.
#
#   EB_JOBS=N          end-to-end scripts run at once (default 3)
#   EB_TEST_TIMEOUT=S  seconds one script may take (default 300)
#   EB_ONLY=REGEX      only the tests whose file name matches
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WHAT=${1:-all}
JOBS=${EB_JOBS:-3}
TIMEOUT=${EB_TEST_TIMEOUT:-300}
ONLY=${EB_ONLY:-}

case $WHAT in
all | unit | e2e) ;;
*)
	echo "usage: $0 [unit|e2e]" >&2
	exit 2
	;;
esac

PASS=0 FAIL=0 SKIP=0
START=$(date +%s)
OUTDIR=$(mktemp -d /tmp/ebnet-run.XXXXXX)
trap 'rm -rf "$OUTDIR"' EXIT
# Every process of this run carries this in its environment, so that the
# final check finds what a test left running, even in a namespace that is
# gone, and nothing of another run.
export EB_RUN_ID=${OUTDIR##*/}
ls -A /tmp >"$OUTDIR/tmp.before" 2>/dev/null

# tally NAME OUTFILE RC SECONDS: prints the output of one test and adds up
# its final count line; a test that printed none, or that exited non-zero
# without counting a failure, counts as one failure.
tally() {
	local name=$1 out=$2 rc=$3 secs=$4 line p f s
	echo "=== $name (${secs}s, exit $rc)"
	cat "$out"
	line=$(grep -E '^([A-Za-z_-]+: )?[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$out" | tail -n 1)
	if [ -z "$line" ]; then
		echo "not ok - $name printed no 'N passed, N failed' line (exit $rc)"
		FAIL=$((FAIL + 1))
		return
	fi
	p=$(echo "$line" | grep -oE '[0-9]+ passed' | cut -d' ' -f1)
	f=$(echo "$line" | grep -oE '[0-9]+ failed' | cut -d' ' -f1)
	s=$(echo "$line" | grep -oE '[0-9]+ skipped' | cut -d' ' -f1)
	PASS=$((PASS + p))
	FAIL=$((FAIL + f))
	SKIP=$((SKIP + ${s:-0}))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited $rc but counted no failure"
		FAIL=$((FAIL + 1))
	fi
}

# left_behind: no process of this run is left (EB_RUN_ID in its
# environment), and no file in /tmp that a test of this run made (EB_RUN_ID
# in its name). What is found is named, then removed.
left_behind() {
	local procs files pfx f
	procs=$(env -u EB_RUN_ID python3 - "$EB_RUN_ID" <<'PY'
import os, sys
mark = ("EB_RUN_ID=" + sys.argv[1]).encode()
for pid in os.listdir("/proc"):
    if not pid.isdigit():
        continue
    try:
        env = open(f"/proc/{pid}/environ", "rb").read().split(b"\0")
        cmd = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        continue
    if mark in env:
        print(pid, cmd.strip()[:120])
PY
)
	if [ -z "$procs" ]; then
		echo "ok - the tests left no process behind"
		PASS=$((PASS + 1))
	else
		echo "not ok - the tests left no process behind : $(echo "$procs" | tr '\n' ';')"
		FAIL=$((FAIL + 1))
		kill -9 $(echo "$procs" | cut -d' ' -f1) 2>/dev/null
	fi
	files=
	# Scratch files of this run's tests carry EB_RUN_ID in their name
	# (lib.sh's sandbox folder, hard_fuzz's log).
	for f in $(ls -A /tmp 2>/dev/null | grep -vxF -f "$OUTDIR/tmp.before"); do
		case $f in
		"${OUTDIR##*/}") ;;
		*"$EB_RUN_ID"*) files+="/tmp/$f " ;;
		esac
	done
	if [ -z "$files" ]; then
		echo "ok - the tests left no file in /tmp"
		PASS=$((PASS + 1))
	else
		echo "not ok - the tests left no file in /tmp : $files"
		FAIL=$((FAIL + 1))
		rm -rf $files
	fi
}

selected() { [ -z "$ONLY" ] || [[ $(basename "$1") =~ $ONLY ]]; }

# ---- unit tests: quick, one after the other ----
if [ "$WHAT" != e2e ]; then
	bins=()
	for b in "$ROOT"/build/tests/test_*; do
		[ -x "$b" ] && selected "$b" && bins+=("$b")
	done
	if [ ${#bins[@]} -eq 0 ] && [ -z "$ONLY" ]; then
		echo "not ok - no unit test binary in build/tests: run make first"
		FAIL=$((FAIL + 1))
	fi
	for b in "${bins[@]}"; do
		t0=$(date +%s)
		(cd "$ROOT" && timeout -k 10 "$TIMEOUT" "$b") >"$OUTDIR/u.out" 2>&1
		rc=$?
		tally "unit/$(basename "$b")" "$OUTDIR/u.out" $rc $(($(date +%s) - t0))
	done
	# Every program the scripts run is installed by tools/install-deps.sh.
	if selected deps_check.py; then
		t0=$(date +%s)
		python3 "$ROOT/tests/deps_check.py" "$ROOT" >"$OUTDIR/u.out" 2>&1
		rc=$?
		tally "unit/deps_check.py" "$OUTDIR/u.out" $rc $(($(date +%s) - t0))
	fi
fi

# ---- end-to-end tests: several at once ----
if [ "$WHAT" != unit ]; then
	scripts=()
	for s in "$ROOT"/tests/e2e/*.sh; do
		# *_lib.sh are sourced by the scripts, not run on their own.
		[[ $s == *_lib.sh ]] && continue
		[ -f "$s" ] && selected "$s" && scripts+=("$s")
	done
	if [ "$(id -u)" -ne 0 ]; then
		echo "skip - the end-to-end tests need root (namespaces, BPF): ${#scripts[@]} scripts not run"
		SKIP=$((SKIP + ${#scripts[@]}))
		scripts=()
	fi
	# The longest first, so that it does not start last.
	order=()
	for s in "${scripts[@]}"; do [[ $s == *crash* ]] && order+=("$s"); done
	for s in "${scripts[@]}"; do [[ $s != *crash* ]] && order+=("$s"); done

	declare -A started name_of
	running=0
	# reap: waits for one script to end and tallies it.
	reap() {
		local pid rc n
		wait -n -p pid
		rc=$?
		n=${name_of[$pid]}
		tally "e2e/$n" "$OUTDIR/$n.out" $rc $(($(date +%s) - ${started[$pid]}))
		running=$((running - 1))
	}
	for s in "${order[@]}"; do
		[ $running -ge "$JOBS" ] && reap
		n=$(basename "$s")
		timeout -k 10 "$TIMEOUT" bash "$s" </dev/null >"$OUTDIR/$n.out" 2>&1 &
		started[$!]=$(date +%s)
		name_of[$!]=$n
		running=$((running + 1))
	done
	while [ $running -gt 0 ]; do reap; done

	# The suite as a whole leaves nothing: no namespace, pin or device of
	# any sandbox (their prefixes are the `sandbox` lines of the scripts).
	if [ ${#order[@]} -gt 0 ]; then
		left=
		for s in "${order[@]}"; do
			pfx=$(sed -n 's/^sandbox \([A-Za-z0-9_.-]*\).*/\1/p' "$s" | head -n 1)
			[ -n "$pfx" ] || continue
			# Another checkout's run of the same script holds the
			# prefix now: its sandbox is not ours to count.
			flock -n "/run/lock/ebnet-sandbox-$pfx.lock" true 2>/dev/null || continue
			left+=$(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$pfx-" | tr '\n' ' ')
			left+=$(ls -d /sys/fs/bpf/ebnet/"$pfx"* 2>/dev/null | tr '\n' ' ')
		done
		if [ -z "$left" ]; then
			echo "ok - the end-to-end tests left no namespace or pin behind"
			PASS=$((PASS + 1))
		else
			echo "not ok - the end-to-end tests left no namespace or pin behind : $left"
			FAIL=$((FAIL + 1))
		fi
		left_behind
	fi
fi

echo "# $WHAT tests took $(($(date +%s) - START)) s"
if [ $SKIP -gt 0 ]; then
	echo "$PASS passed, $FAIL failed, $SKIP skipped"
else
	echo "$PASS passed, $FAIL failed"
fi
[ $FAIL -eq 0 ]
