#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# heal_demo: `make demo` (tools/demo.sh) runs to its end, and a demo that
# fails says where: the step, the command and its exit status, also when it
# is killed (issue 12: a first run once stopped silently after step 7).
# The demo builds its own sandbox (prefix ebdemo); this script's sandbox
# holds only its scratch folder.
. "$(dirname "$0")/../lib.sh"
sandbox hla
T=$_EB_TMP
DEMO=$EB_ROOT/tools/demo.sh

"$DEMO" >"$T/ok.out" 2>&1
rc=$?
check_eq "the demo exits 0" "$rc" 0
out=$(cat "$T/ok.out")
check_match "the demo reaches its last step" "$out" '^.*9\. Tear down'
check_nomatch "a run that passes names no stopped step" "$out" 'stopped in step'
check_match "the demo says its sandbox is removed" "$out" 'demo: sandbox removed'

# A failing command in step 1 (an ebnet that fails): the step, the command
# and the exit status are named, and the demo exits non-zero.
EBNET=/bin/false "$DEMO" >"$T/fail.out" 2>&1
rc=$?
check_eq "a demo whose step fails exits 1" "$rc" 1
check_match "...and names the step, the command and the exit status" "$(cat "$T/fail.out")" \
	"stopped in step 1 \(Two containers\) at 'ebnet up --net demo .*', exit status 1"

# Killed in the middle of a step: said so, with the step. The ebnet it
# runs blocks in `ebnet ls` (step 4) until killed.
cat >"$T/ebnet" <<SH
#!/bin/bash
[ "\$1" = ls ] && { touch "$T/in_ls"; exec sleep 60; }
exec "$EBNET" "\$@"
SH
chmod +x "$T/ebnet"
# In a process group of its own, killed as a whole, as a terminal or a CI
# runner does.
EBNET=$T/ebnet setsid "$DEMO" >"$T/kill.out" 2>&1 &
pid=$!
bg_pid $pid
wait_until 30 test -e "$T/in_ls"
kill -TERM -- -$pid
wait $pid
rc=$?
check_eq "a demo killed with SIGTERM exits 143" "$rc" 143
check_match "...and says it was killed and in which step" "$(tr '\n' ' ' <"$T/kill.out")" \
	"killed \(SIGTERM\).*stopped in step 4 \(What ebnet knows\) at 'ebnet ls --net demo', exit status 143"
check_eq "...and leaves no namespace of its sandbox" \
	"$(ip netns list 2>/dev/null | grep -c '^ebdemo-')" 0
finish
