#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# hard_fuzz: libFuzzer on the CLI's parsers (issue 6), for a fixed time.
# tests/fuzz/run.sh builds tests/fuzz/fuzz_parsers.c with loader/util.c
# under AddressSanitizer and UndefinedBehaviorSanitizer and runs it for
# EB_FUZZ_TIME seconds (default 20) from a fixed seed. Passes when nothing
# crashed, no sanitizer spoke and no invariant of the harness broke (a
# parsed CIDR with host bits, a port range out of 1..65535 or of unequal
# length, an address that inet_pton reads otherwise...). Needs no
# namespace; the sandbox is only for the count line and the cleanup.
. "$(dirname "$0")/../lib.sh"

SECS=${EB_FUZZ_TIME:-20}
LOG=$(mktemp "/tmp/ebnet-fuzz.${EB_RUN_ID:+$EB_RUN_ID.}XXXXXX")
trap 'rm -f "$LOG"; _eb_cleanup' EXIT

"$EB_ROOT/tests/fuzz/run.sh" "$SECS" >"$LOG" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$LOG")
if [ $rc -eq 2 ] && grep -q "^fuzz: " "$LOG"; then
	not_ok "the fuzzer builds" "$(grep -E '^fuzz: |error' "$LOG" | head -n 3 | tr '\n' ' ')"
elif [ $rc -eq 0 ] && [ -n "$runs" ]; then
	ok "the fuzzer builds (clang -fsanitize=fuzzer,address,undefined)"
	ok "libFuzzer on eb_parse_ipv4, eb_parse_cidr, eb_parse_uint, eb_valid_name, eb_parse_port_spec, eb_json_str for ${SECS}s: $runs inputs, no crash, no sanitizer report, no broken invariant"
else
	ok "the fuzzer builds (clang -fsanitize=fuzzer,address,undefined)"
	not_ok "libFuzzer on the CLI's parsers for ${SECS}s: no crash" \
		"exit $rc: $(grep -E 'invariant broken|ERROR: |runtime error|SUMMARY|Test unit written' "$LOG" | head -n 5 | tr '\n' ' ')"
	grep -E -A 20 'invariant broken|ERROR: |runtime error' "$LOG" | head -n 40
fi
finish
