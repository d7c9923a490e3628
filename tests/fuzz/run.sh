#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tests/fuzz/run.sh [SECONDS]: builds the libFuzzer harness of the CLI's
# parsers (tests/fuzz/fuzz_parsers.c with loader/util.c) with
# clang -g -O1 -fsanitize=fuzzer,address,undefined into build/fuzz/, and
# runs it for SECONDS (default 20, or $EB_FUZZ_TIME) from the seeds below
# plus the corpus it keeps in build/fuzz/corpus. A crash, a sanitizer
# report or a broken invariant stops it with a non-zero exit and leaves the
# input in build/fuzz/crash-*; replay one with
#   build/fuzz/fuzz_parsers build/fuzz/crash-...
# `make fuzz` calls this; tests/e2e/hard_fuzz.sh too, in the test suite.
#
#   EB_FUZZ_SEED=N   libFuzzer's -seed (default 1: the same run each time)
#   EB_FUZZ_JOBS=N   fuzzing processes at once (default 1)
#   CLANG=...        the compiler (default clang, else clang-14)
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$ROOT/build/fuzz
SECS=${1:-${EB_FUZZ_TIME:-20}}
SEED=${EB_FUZZ_SEED:-1}
JOBS=${EB_FUZZ_JOBS:-1}
CLANG=${CLANG:-$(command -v clang || command -v clang-14)}
BIN=$OUT/fuzz_parsers

mkdir -p "$OUT/corpus" "$OUT/seeds"
if [ -z "$CLANG" ]; then
	echo "fuzz: no clang (install clang and libclang-rt-14-dev)" >&2
	exit 2
fi

# Rebuilt when the harness or the parsers changed. Into a temporary file
# first: a run that is killed leaves no half-written binary.
if [ ! -x "$BIN" ] || [ "$ROOT/tests/fuzz/fuzz_parsers.c" -nt "$BIN" ] ||
	[ "$ROOT/loader/util.c" -nt "$BIN" ] || [ "$ROOT/loader/util.h" -nt "$BIN" ]; then
	if ! "$CLANG" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-D_GNU_SOURCE -I"$ROOT/loader" -I"$ROOT/maps" \
		"$ROOT/tests/fuzz/fuzz_parsers.c" "$ROOT/loader/util.c" -o "$BIN.tmp.$$" 2>"$OUT/build.log"; then
		cat "$OUT/build.log" >&2
		grep -q 'libclang_rt.fuzzer' "$OUT/build.log" &&
			echo "fuzz: the fuzzer runtime is missing: apt-get install libclang-rt-14-dev" >&2
		rm -f "$BIN.tmp.$$"
		exit 2
	fi
	mv "$BIN.tmp.$$" "$BIN"
fi

# Seeds: one input a file, of every shape the CLI takes.
i=0
while IFS= read -r line; do
	printf '%s' "$line" >"$OUT/seeds/seed-$i"
	i=$((i + 1))
done <<'SEEDS'
10.0.0.1
255.255.255.255
0.0.0.0
10.77.0.0/16
172.18.0.0/16
192.168.1.0/30
10.0.0.1/16
8080:web:80
127.0.0.1:5432:db:5432
198.51.100.1:9000-9009:web:9000-9009/udp
5353:dns:53/udp
8080
8080-8090/tcp
127.0.0.1:8080
[::1]:5432:db:5432
[2001:db8::1]:9000-9009:web:9000-9009/udp
[::1]:8080
web.1_a-b
65535
0
ebnet0
SEEDS

# ASan/UBSan: stop at the first report; libFuzzer writes the input.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
echo "fuzz: $BIN for ${SECS}s, seed $SEED, $JOBS job(s), corpus $OUT/corpus"
cd "$OUT" || exit 2
args=(-max_total_time="$SECS" -seed="$SEED" -max_len=256 -timeout=10 -rss_limit_mb=2048
	-dict="$ROOT/tests/fuzz/parsers.dict" -artifact_prefix="$OUT/" -print_final_stats=1)
if [ "$JOBS" -gt 1 ]; then
	args+=(-jobs="$JOBS" -workers="$JOBS")
fi
"$BIN" "${args[@]}" "$OUT/corpus" "$OUT/seeds"
